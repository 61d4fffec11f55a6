"""Property-based API testing of the center against its own OpenAPI: no 5xx, answers match the schema."""
import pytest
import requests

from sync import protocol
from tests.sync.harness import CenterServer, enrol_kecamatan, kecamatan_app, prepare_center

schemathesis = pytest.importorskip("schemathesis")
# Load the OpenAPI loader's modules now, at collection: schemathesis imports them lazily inside
# from_url, and pytest's assertion rewriting of them deep in a long session's stack met CPython
# 3.11's "AST constructor recursion depth mismatch" (both CI passes, 2026-11-22).
import schemathesis.specs.openapi.schemas  # noqa: E402,F401
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402


@schemathesis.serializer(protocol.PACKET_CONTENT_TYPE)
def packet_bytes(ctx, value):
    # Random bytes for the binary packet body: the center must answer 4xx, never 5xx.
    return value if isinstance(value, bytes) else str(value).encode()


MAX_EXAMPLES = 25


class Signing(requests.auth.AuthBase):
    """Signs every request as the enrolled kecamatan would, so the fuzzing gets past authentication."""

    def __init__(self, key_id, secret):
        self.key_id, self.secret = key_id, secret

    def __call__(self, request):
        import time
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        timestamp, nonce = str(int(time.time())), protocol.new_nonce()
        request.headers.update({protocol.HEADER_KEY: self.key_id, protocol.HEADER_TIMESTAMP: timestamp,
                                protocol.HEADER_NONCE: nonce,
                                protocol.HEADER_SIGNATURE: protocol.sign_request(
                                    self.secret, request.method, request.path_url, timestamp, nonce, body)})
        return request


@pytest.fixture(scope="module")
def running_center(tmp_path_factory):
    base = tmp_path_factory.mktemp("schemathesis")
    _, code = prepare_center(base / "center")
    center = CenterServer(base / "center").start()
    kec_app = kecamatan_app(base / "kecamatan")
    enrol_kecamatan(kec_app, center.url, code)
    from sync.client.models import SyncLink
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        link = SyncLink.get()
        key = (link.key_id, link.secret)
    yield center, key
    center.stop()


def test_center_api_never_answers_5xx(running_center):
    center, key = running_center
    schema = schemathesis.openapi.from_url(center.url + "/api/openapi.json")
    session = requests.Session()
    session.auth = Signing(*key)
    failures = []
    for operation in schema.get_all_operations():
        operation = operation.ok()

        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call(session=session, base_url=center.url)
            if response.status_code >= 500:
                failures.append((case.method, case.path, response.status_code))
            case.validate_response(response, checks=[not_a_server_error])
        check()
    assert failures == []
