"""The Bantuan walk (issue 92, finding 1): as one signed-in person, every page of their menu and every page a menu
page links to, Bantuan pressed there as the person presses it (the page's own "Bantuan" link), must open one of
the person's guides at a section about that page. Opening a guide's top, or the list of guides, is a miss."""
import html as markup
import re
from urllib.parse import urlsplit

BANTUAN = re.compile(r'href="(/bantuan/\?dari=[^"]*)"')


def _links(html: str, start: str, end: str) -> list[str]:
    part = html[html.index(start):] if start in html else ""
    part = part[:part.index(end)] if end in part else part
    return [markup.unescape(path) for path in re.findall(r'href="(/[^"#]*)', part)
            if not path.startswith(("/static/", "/bantuan"))]


def bantuan_misses(app, client, who: str) -> tuple[list[str], set[str]]:
    """(the pages where Bantuan misses, each with what it opened; the endpoints walked) for `client`'s person."""
    adapter = app.url_map.bind("localhost")

    def endpoint_of(path):
        try:
            return adapter.match(urlsplit(path).path, method="GET")[0]
        except Exception:  # noqa: BLE001  (a link to a POST-only or unknown path is no page to walk)
            return None

    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    menu = _links(home, '<nav class="menu"', "</nav>")
    assert menu, f"{who}: no menu"
    asked, urls = set(), []  # one URL of each endpoint: the menu's first, then what each menu page links to
    for path in menu:
        if endpoint_of(path) not in asked:
            asked.add(endpoint_of(path))
            urls.append((path, True))
    misses, walked = [], set()
    for path, from_menu in urls:
        answer = client.get(path, follow_redirects=True)  # a menu item may send on (Rekap: to its quarter)
        if answer.status_code != 200 or not answer.content_type.startswith("text/html"):
            continue  # a download (XLSX, a photo): no Bantuan to press
        html = answer.get_data(as_text=True)
        if from_menu:
            for linked in _links(html, "<main", "</main>"):
                if endpoint_of(linked) and endpoint_of(linked) not in asked:
                    asked.add(endpoint_of(linked))
                    urls.append((linked, False))
        found = BANTUAN.search(html)
        if found is None:
            continue  # a page without the frame (a kiosk's own screen): no Bantuan on it
        bantuan = markup.unescape(found.group(1))
        if bantuan in walked:
            continue
        walked.add(bantuan)
        opened = client.get(bantuan)
        where = opened.headers.get("Location", f"{opened.status_code} (no guide)")
        if "#" not in where:
            misses.append(f"{who}: {path} -> {where}")
    return misses, {dari.split("dari=", 1)[1] for dari in walked}
