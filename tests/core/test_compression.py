"""Text answers are gzipped when the client accepts it (issue 32); files from disk and small answers
go as they are."""
import gzip

GZIP = {"Accept-Encoding": "gzip, deflate, br"}
DESA_LAPTOP = {"REMOTE_ADDR": "192.168.1.20"}  # another PC of the office network, or a desa laptop


def test_a_page_is_gzipped_for_a_client_that_accepts_it_and_plain_for_one_that_does_not(client_for, db):
    camat = client_for("camat")
    plain = camat.get("/indikator", environ_base=DESA_LAPTOP)
    packed = camat.get("/indikator", headers=GZIP, environ_base=DESA_LAPTOP)
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers["Vary"]
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    body = gzip.decompress(packed.get_data())
    assert body == plain.get_data() and len(packed.get_data()) < len(body) / 3
    assert int(packed.headers["Content-Length"]) == len(packed.get_data())


def test_static_files_small_answers_and_refusals_are_not_gzipped(client_for, db):
    camat = client_for("camat")
    static = camat.get("/static/css/app.css", headers=GZIP, environ_base=DESA_LAPTOP)
    assert static.status_code == 200 and "Content-Encoding" not in static.headers  # its ETag names the file's bytes
    assert "Content-Encoding" not in camat.get("/healthz", headers=GZIP, environ_base=DESA_LAPTOP).headers
    refused = camat.get("/indikator?tahun=abc", headers=GZIP, environ_base=DESA_LAPTOP)
    assert refused.status_code == 422 and "Content-Encoding" not in refused.headers


def test_the_clerk_at_the_office_pc_itself_gets_the_page_as_it_is(client_for, db):
    """Over loopback gzip costs the half core CPU and saves no time (issue 73); another PC still gets it."""
    camat = client_for("camat")
    for address in ("127.0.0.1", "::1"):
        page = camat.get("/indikator", headers=GZIP, environ_base={"REMOTE_ADDR": address})
        assert page.status_code == 200 and "Content-Encoding" not in page.headers
        assert page.get_data() == camat.get("/indikator", environ_base=DESA_LAPTOP).get_data()
    assert camat.get("/indikator", headers=GZIP, environ_base=DESA_LAPTOP).headers["Content-Encoding"] == "gzip"
