"""The link model comes from the test support package (branch infra); one import place for the bench."""
try:
    from tests.support import linkproxy  # noqa: F401
except ImportError as missing:  # pragma: no cover - only before branch infra is merged
    raise SystemExit("bench needs tests/support/linkproxy.py from branch infra: git merge infra") from missing
