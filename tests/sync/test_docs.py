"""The API documentation matches the center: every /api/v1 route is in static/openapi.json and served."""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_api_route_is_documented_and_the_spec_is_served(center_app):
    spec = json.loads((ROOT / "static" / "openapi.json").read_text())
    routes = {(rule.rule, method.lower()) for rule in center_app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/") for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, operations in spec["paths"].items() for method in operations}
    assert routes == documented
    assert center_app.test_client().get("/api/openapi.json").get_json() == spec


def test_every_sync_command_is_described_in_the_protocol_doc():
    text = (ROOT / "docs" / "sync-protocol.md").read_text()
    for command in ("run.py sync enrol", "run.py sync export", "run.py sync import-status", "run.py center",
                    "run.py sync"):
        assert command in text, command
