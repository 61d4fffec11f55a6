"""Shared pieces of the sync tests: wire records and packets, signed test-client calls, a clean PG."""
import json
import time

from sync import protocol
from tests.support.factory import numbered_photo_jpeg, person_name, person_nik


def record_for(n: int, digits: str = "350807") -> dict:
    return {"registration_number": f"{digits}-01-{n:06d}", "nik": person_nik(n, digits), "kk_number": "3508070101900001",
            "full_name": person_name(n), "birth_place": "Lumajang", "birth_date": "1990-01-01", "sex": "L",
            "address": "Dusun Krajan", "rt": "001", "rw": "002", "desa_code": "35.08.07.2001",
            "religion": "Islam", "marital_status": "Kawin", "occupation": "Petani", "reason": "baru",
            "biometric_done": True}


def packet_item(n: int, digits: str = "350807", version: int = 1, photo: bytes | None = None, record=None):
    record = record or record_for(n, digits)
    photo = numbered_photo_jpeg(n) if photo is None else photo
    header = {"id": record["registration_number"], "version": version,
              "hash": protocol.content_hash(record, protocol.sha256_hex(photo)), "record": record}
    return header, photo


def signed_headers(key_id: str, secret: str, method: str, path: str, body: bytes, timestamp=None, nonce=None):
    timestamp = str(int(time.time())) if timestamp is None else str(timestamp)
    nonce = nonce or protocol.new_nonce()
    return {protocol.HEADER_KEY: key_id, protocol.HEADER_TIMESTAMP: timestamp, protocol.HEADER_NONCE: nonce,
            protocol.HEADER_SIGNATURE: protocol.sign_request(secret, method, path, timestamp, nonce, body)}


def call(client, key, method, path, body=b"", content_type="application/json", **header_options):
    """A signed request through a Flask test client; `key` is (key_id, secret). A packet's
    signature covers its head (its items carry their own MACs, sealed over the nonce)."""
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    signed_body = None if content_type == protocol.PACKET_CONTENT_TYPE else body
    headers = signed_headers(key[0], key[1], method, path, signed_body, **header_options)
    return client.open(path, method=method, data=body, headers=headers, content_type=content_type)


def packet_call(client, key, path, items, nonce=None, **header_options):
    """POST `items` ((header, photo) pairs) as one packet, sealed as the kecamatan seals it."""
    nonce = nonce or protocol.new_nonce()
    body = protocol.encode_packet(items, (key[1], nonce))
    return call(client, key, "POST", path, body, protocol.PACKET_CONTENT_TYPE, nonce=nonce, **header_options)


def center_database_url(kind: str) -> str | None:
    """A center's database for a test parametrised "sqlite"/"postgresql": None (SQLite in its folder), or the
    test PostgreSQL made anew, migrated (skipped where scripts/test.sh did not start one)."""
    import pytest

    from tests.support.center_postgres import fresh_center_database
    from tests.sync.conftest import NO_PG, PG_URL
    if kind != "postgresql":
        return None
    if not PG_URL:
        pytest.skip(NO_PG)
    return fresh_center_database(PG_URL)
