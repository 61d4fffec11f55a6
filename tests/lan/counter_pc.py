"""A counter PC on the office's LAN, as a program of its own (run in the counter's network namespace by
tests/lan/test_lan_capture.py). The answer is the last line printed, JSON.

    python -m tests.lan.counter_pc trust OFFICE_ADDRESS PORT CA_FILE
        plain HTTP to the LAN port (what a clerk typing http:// meets), then the office's CA downloaded
        from the trust page's link into CA_FILE (PEM)
    python -m tests.lan.counter_pc work OFFICE_ADDRESS PORT CA_FILE PASSWORD_FILE [SERIAL]
        over TLS, trusting CA_FILE only: the clerk signs in, registers an applicant with a photo and
        opens the register; the admin signs in and opens the audit page, then the old port over TLS (an
        http://OFFICE:8080 bookmark after HSTS)
"""
import json
import re
import ssl
import sys
import time
from pathlib import Path
from urllib.parse import urljoin

import requests

from tests.support.factory import applicant_form, photo_jpeg

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def wait_for(address: str, port: int) -> None:
    """The office program is starting in its own namespace: poll its LAN port (plain HTTP answers at once)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://{address}:{port}/", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit("the office's LAN port never answered")


def trust(address: str, port: int, ca_file: str) -> dict:
    wait_for(address, port)
    plain = requests.get(f"http://{address}:{port}/masuk", timeout=10)
    try:  # the port the LAN used before (a counter's old bookmark)
        old_port = requests.get(f"http://{address}:8080/masuk", timeout=10).text
    except requests.ConnectionError:
        old_port = "refused"
    download = requests.get(f"http://{address}:{port}/sertifikat-kantor.crt", timeout=10)
    Path(ca_file).write_text(ssl.DER_cert_to_PEM_cert(download.content))
    return {"plain_status": plain.status_code, "plain_page": plain.text, "plain_cookies": plain.headers.get("Set-Cookie"),
            "ca_type": download.headers.get("Content-Type"), "old_port": old_port}


def portrait() -> bytes:
    """The accepted blue background with a face of noise: a photograph's entropy, bytes of its own."""
    import io

    from PIL import Image
    picture = Image.open(io.BytesIO(photo_jpeg((300, 400))))
    picture.paste(Image.effect_noise((120, 160), 60).convert("RGB"), (90, 120))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def signed_in(base: str, ca_file: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would replace the one CA this counter trusts
    session.verify = ca_file
    session.headers["Referer"] = f"{base}/"  # as a browser sends it: Flask-WTF checks it over HTTPS
    token = CSRF.search(session.get(f"{base}/masuk", timeout=30).text).group(1)
    answer = session.post(f"{base}/masuk", data={"csrf_token": token, "username": username, "password": password},
                          allow_redirects=False, timeout=30)
    assert answer.status_code in (302, 303) and not answer.headers["Location"].endswith("/masuk"), answer.text[:500]
    return session


def work(address: str, port: int, ca_file: str, password_file: str, serial: str = "1") -> dict:
    wait_for(address, port)
    password = Path(password_file).read_text().strip()
    base = f"https://{address}:{port}"
    clerk = signed_in(base, ca_file, "loket", password)
    form = applicant_form(nik=f"350807120590{int(serial):04d}")  # one applicant per run
    token = CSRF.search(clerk.get(f"{base}/pendaftaran/baru", timeout=30).text).group(1)
    sent = portrait()
    saved = clerk.post(f"{base}/pendaftaran/baru", data={**form, "csrf_token": token},
                       files={"photo": ("foto.jpg", sent, "image/jpeg")}, allow_redirects=False, timeout=60)
    detail = clerk.get(urljoin(base + "/", saved.headers["Location"]), timeout=30) if saved.status_code in (302, 303) else saved
    register = clerk.get(f"{base}/pendaftaran", timeout=30)
    photo_links = re.findall(r'src="(/pendaftaran/\d+/foto[^"]*)"', detail.text)
    photo = clerk.get(base + photo_links[0].replace("&amp;", "&"), timeout=30) if photo_links else None
    cookies = [cookie.value for cookie in clerk.cookies]
    admin = signed_in(base, ca_file, "admin-uji", password)
    audit = admin.get(f"{base}/audit", timeout=30)
    cookies += [cookie.value for cookie in admin.cookies]
    # the old bookmark after this visit over TLS: HSTS has the browser ask https:// on the old port (issue 90)
    old_bookmark = admin.get(f"https://{address}:8080/pendaftaran", allow_redirects=False, timeout=30)
    return {"old_bookmark": [old_bookmark.status_code, old_bookmark.headers.get("Location")],
            "saved": saved.status_code, "refused": re.findall(r'(?:error|warn)[^>]*>([^<]{5,})<', saved.text),
            "detail": detail.status_code, "nik_on_detail": form["nik"] in detail.text,
            "register": register.status_code, "nik_on_register": form["nik"] in register.text,
            "photo": photo.status_code if photo is not None else None,
            "photo_sent": sent.hex(), "photo_served": photo.content.hex() if photo is not None else "",
            "audit": audit.status_code, "audit_rows": audit.text.count("<tr"), "cookies": cookies,
            "secure_cookies": all(cookie.secure for cookie in [*clerk.cookies, *admin.cookies]),
            "hsts": audit.headers.get("Strict-Transport-Security"), "nik": form["nik"], "kk": form["kk_number"]}


if __name__ == "__main__":
    action, args = sys.argv[1], sys.argv[2:]
    result = trust(args[0], int(args[1]), args[2]) if action == "trust" else work(args[0], int(args[1]), *args[2:])
    print(json.dumps(result))
