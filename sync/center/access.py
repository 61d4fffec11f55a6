"""The center's roles; the frame's hook (app/frame/access.py) enforces them.

Routes use `@allow_center(OPERATOR, ADMIN)` or `public`; create_center_app refuses to start
when a view declares neither.
"""
from app.frame.access import PUBLIC, public, role_marker, user_may  # noqa: F401  shared with the kecamatan

OPERATOR = "operator"
ADMIN = "admin"
CENTER_ROLES = {OPERATOR: "Operator", ADMIN: "Admin Pusat"}
CENTER_DOORS = {"login": "center.login", "change_password": "center.change_password", "logout": "center.logout"}

allow_center = role_marker(CENTER_ROLES)
