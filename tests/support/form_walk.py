"""Walking every POST form a role can reach, and sending each one back empty, as a hurried clerk
(or a browser without its `required` checks) would.

The walk starts from every page without arguments the role may open (read from the app's own
routes and access table, like the page walks in tests/browser/test_pages_fit.py) and follows the
links on each page to the pages with arguments (a record's page, its edit form), a few of each
kind. Every `<form method="post">` met on the way is kept once per (action route, fields).

Used by tests/core/test_every_form_summarises_its_errors.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from werkzeug.exceptions import HTTPException

# Inputs a person does not fill in (sent as the page gave them).
NOT_FILLED = {"hidden", "submit", "button", "reset", "image"}
TEXT_TYPES = {"text", "search", "email", "tel", "url", "password", "number"}
SUMMARY = re.compile(r'<div class="error-summary"[^>]*data-error-summary[^>]*>(.*?)</div>', re.S)


@dataclass
class Field:
    tag: str  # input, select, textarea
    type: str
    name: str
    id: str | None
    value: str
    checked: bool = False
    maxlength: int | None = None


@dataclass
class Form:
    page: str  # the page the form was found on
    action: str  # the URL it posts to
    endpoint: str
    id: str | None
    fields: list[Field] = field(default_factory=list)
    enctype: str = ""

    @property
    def filled(self) -> list[Field]:
        """The fields a person fills in or chooses (not hidden values, not the buttons)."""
        return [f for f in self.fields if f.tag != "input" or f.type not in NOT_FILLED]

    @property
    def key(self) -> tuple:
        return self.endpoint, tuple(sorted({f.name for f in self.filled}))

    @property
    def overlong(self) -> list[Field]:
        """The text fields with a length limit (maxlength)."""
        return [f for f in self.filled if f.maxlength and (f.tag == "textarea" or f.type in TEXT_TYPES)]

    def submission(self, overlong: bool = False, text: str | None = None) -> dict:
        """What the form sends with every field left empty (or, `overlong`, every limited text field
        one character past its limit, the others empty): hidden values (one-time token, the version
        read) as the page gave them, boxes unticked, no file, and the default button (the first, as
        Enter presses it). `text`: every field a person fills or chooses holds it instead. The CSRF token is left to the test client (tests/conftest.py CsrfClient):
        a test's open app context shares flask.g, so a page may show the token of the client before."""
        data: dict[str, list[str]] = {}
        for f in self.fields:
            if f.name == "csrf_token" or not f.name:
                continue
            if f.tag == "input" and f.type == "hidden":
                data.setdefault(f.name, []).append(f.value)
            elif f.tag == "input" and f.type in ("submit", "button", "reset", "image", "checkbox", "radio", "file"):
                continue
            elif overlong and f.maxlength and (f.tag == "textarea" or f.type in TEXT_TYPES):
                data.setdefault(f.name, []).append("x" * (f.maxlength + 1))
            elif text is not None:  # every field a person fills or chooses holds `text`
                data.setdefault(f.name, []).append(text)
            else:
                data.setdefault(f.name, []).append("")
        buttons = [f for f in self.fields if f.tag == "input" and f.type == "submit"]
        if buttons and buttons[0].name:
            data.setdefault(buttons[0].name, []).append(buttons[0].value)
        return data


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.links: list[str] = []
        self.loose: list[tuple[str, dict]] = []  # fields outside their form (form="...")
        self._open: dict | None = None
        self._noscript = 0  # a browser with JavaScript (every office PC) does not show <noscript>

    def handle_starttag(self, tag, attrs):
        a = {}
        for k, v in attrs:  # a repeated attribute: the first counts, as in a browser
            a.setdefault(k, v if v is not None else "")
        if tag == "noscript":
            self._noscript += 1
        if self._noscript:
            return
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._open = {"attrs": a, "fields": []}
            self.forms.append(self._open)
        elif tag in ("input", "select", "textarea", "button") and a.get("name") is not None or tag == "button":
            kind = a.get("type", "").lower() or {"input": "text", "button": "submit"}.get(tag, tag)
            item = {"tag": "input" if tag == "button" else tag, "type": kind, "name": a.get("name", ""),
                    "id": a.get("id"), "value": a.get("value", ""), "checked": "checked" in a,
                    "maxlength": int(a["maxlength"]) if a.get("maxlength", "").isdigit() else None}
            if a.get("form"):
                self.loose.append((a["form"], item))
            elif self._open is not None:
                self._open["fields"].append(item)

    def handle_endtag(self, tag):
        if tag == "noscript":
            self._noscript = max(0, self._noscript - 1)
        elif tag == "form" and not self._noscript:
            self._open = None


def parse(page: str) -> tuple[list[dict], list[str]]:
    parser = _PageParser()
    parser.feed(page)
    by_id = {f["attrs"].get("id"): f for f in parser.forms if f["attrs"].get("id")}
    for form_id, item in parser.loose:
        if form_id in by_id:
            by_id[form_id]["fields"].append(item)
    return parser.forms, parser.links


def endpoint_of(app, url: str, method: str = "GET") -> str | None:
    path = urlsplit(url).path
    try:
        endpoint, _ = app.url_map.bind("localhost").match(path, method=method)
    except HTTPException:
        return None
    except Exception:  # a redirect the map itself would answer (trailing slash)
        return None
    return endpoint


def forms_on(app, url: str, page: str) -> list[Form]:
    """The POST forms of one page."""
    raw_forms, _ = parse(page)
    forms = []
    for raw in raw_forms:
        attrs = raw["attrs"]
        if attrs.get("method", "get").lower() != "post":
            continue
        action = urljoin(url, unescape(attrs.get("action") or url))
        target = endpoint_of(app, action, "POST")
        if target is not None:
            forms.append(Form(page=url, action=action, endpoint=target, id=attrs.get("id"),
                              fields=[Field(**item) for item in raw["fields"]], enctype=attrs.get("enctype", "")))
    return forms


def send(app, client, form: Form, overlong: bool = False, text: str | None = None):
    """Open the form's page again (fresh hidden values: one-time token, version read) and send the
    form empty, or with its limited text fields over their limit, or with `text` in every field."""
    page = client.get(form.page)
    assert page.status_code == 200, (form.page, page.status_code)
    fresh = next((f for f in forms_on(app, form.page, page.get_data(as_text=True)) if f.key == form.key), None)
    assert fresh is not None, f"the form to {form.endpoint} is no longer on {form.page}"
    return client.post(fresh.action, data=fresh.submission(overlong, text))


def post_forms(app, client, start: list[str], allowed, per_endpoint: int = 2, skip=frozenset()) -> dict[tuple, Form]:
    """Every POST form on the pages reachable from `start` (GET pages whose endpoint `allowed(endpoint)`)."""
    seen_urls: set[str] = set()
    visits: dict[str, int] = {}
    queue = list(start)
    forms: dict[tuple, Form] = {}
    while queue:
        url = queue.pop(0)
        if url in seen_urls:
            continue
        seen_urls.add(url)
        endpoint = endpoint_of(app, url)
        if endpoint is None or endpoint in skip or not allowed(endpoint):
            continue
        if visits.get(endpoint, 0) >= per_endpoint:
            continue
        visits[endpoint] = visits.get(endpoint, 0) + 1
        response = client.get(url, follow_redirects=True)
        url = response.request.path + (f"?{response.request.query_string.decode()}" if response.request.query_string else "")
        if response.status_code != 200 or "text/html" not in (response.headers.get("Content-Type") or ""):
            continue
        html = response.get_data(as_text=True)
        for form in forms_on(app, url, html):
            forms.setdefault(form.key, form)
        _, links = parse(html)
        for link in links:
            absolute = urljoin(url, unescape(link))
            parts = urlsplit(absolute)
            if parts.netloc not in ("", "localhost") or parts.fragment and parts.path == urlsplit(url).path:
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return forms


def summary_of(page: str) -> str | None:
    match = SUMMARY.search(page)
    return match.group(1) if match else None


def invalid_fields(page: str) -> list[str]:
    """The ids of the fields the page marks as wrong (aria-invalid)."""
    found = []
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
        if re.search(r'\saria-invalid="true"', tag):
            ident = re.search(r'\sid="([^"]+)"', tag)
            found.append(ident.group(1) if ident else f"(no id) {tag[:80]}")
    return found
