"""The office's secure LAN (issue 84): the admin's page of the office's certificate authority (its
fingerprint, the steps that make a counter PC trust it, a new CA), the CA's download, and the LAN
listener's state on the admin's health card. The CA and the listener are app/frame/office_tls.py."""
from app.lan_tls.views import blueprint, MENU, dashboard_cards  # noqa: F401
