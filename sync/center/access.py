"""The center's roles and where its access hook sends people (the table: sync/center/policy.py)."""
OPERATOR = "operator"
ADMIN = "admin"
PIMPINAN = "pimpinan"  # regency leadership: reads Kinerja Kecamatan only (issue 29)
CENTER_ROLES = {OPERATOR: "Operator", ADMIN: "Admin Pusat", PIMPINAN: "Pimpinan Kabupaten"}
CENTER_DOORS = {"login": "center.login", "change_password": "center.change_password", "logout": "center.logout"}
