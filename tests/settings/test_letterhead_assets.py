"""Every page asked for a missing favicon and every printout for a missing logo (issue 15)."""
import io
import re

from PIL import Image


def test_favicon_is_declared_and_served(client, db):
    page = client.get("/survei").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    assert client.get(href).status_code == 200


def letterhead(app) -> str:
    from flask import render_template_string
    with app.test_request_context():
        return render_template_string('{% include "_letterhead.html" %}')


def test_letterhead_asks_for_a_logo_only_when_one_was_uploaded(client, client_for, db):
    without = letterhead(client.application)
    assert "KECAMATAN" in without and "<img" not in without and "onerror" not in without
    upload = io.BytesIO()
    Image.new("RGB", (300, 300), "navy").save(upload, "PNG")
    upload.seek(0)
    assert client_for("admin").post("/admin/kantor/logo", data={"logo": (upload, "logo.png")},
                                    content_type="multipart/form-data").status_code == 302
    url = re.search(r'<img src="([^"]+)"', letterhead(client.application)).group(1)
    assert url.startswith("/kop/logo.png?v=")
    assert client.get(url).status_code == 200
