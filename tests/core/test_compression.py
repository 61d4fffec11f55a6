"""Text answers are gzipped when the client accepts it (issue 32); files from disk and small answers
go as they are."""
import gzip

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def test_a_page_is_gzipped_for_a_client_that_accepts_it_and_plain_for_one_that_does_not(client_for, db):
    camat = client_for("camat")
    plain = camat.get("/indikator")
    packed = camat.get("/indikator", headers=GZIP)
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers["Vary"]
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    body = gzip.decompress(packed.get_data())
    assert body == plain.get_data() and len(packed.get_data()) < len(body) / 3
    assert int(packed.headers["Content-Length"]) == len(packed.get_data())


def test_static_files_small_answers_and_refusals_are_not_gzipped(client_for, db):
    camat = client_for("camat")
    static = camat.get("/static/css/app.css", headers=GZIP)
    assert static.status_code == 200 and "Content-Encoding" not in static.headers  # its ETag names the file's bytes
    assert "Content-Encoding" not in camat.get("/healthz", headers=GZIP).headers
    refused = camat.get("/indikator?tahun=abc", headers=GZIP)
    assert refused.status_code == 422 and "Content-Encoding" not in refused.headers
