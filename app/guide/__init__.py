"""The office programs' guides (issue 74): each role's guide in Indonesian, its one-sheet quick reference and
what to do when the program shows a message, reachable from "Bantuan" on every page (app/frame/guides.py;
the center registers the same pages there)."""
from app.frame import guides as _guides

blueprint = _guides.make_blueprint("guide", "base.html")
