"""The walk that decides whether a version may serve (issue 60): on a COPY of an office's database, one
throwaway account per role of the program signs in through the app's own test client, opens every
menu page its role is allowed, then one level of same-site links found on those pages; every answer
of 500 or more is a failure.

It runs before the switch (`run.py update-check`, app/updates/installing.py), after it inside the new
version's own process before it serves (app/programs/office_commands.py), and in the regency's
release build. Never on the live database: it creates accounts and sessions."""
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

from werkzeug.exceptions import HTTPException

CHECK_COPY = "pembaruan-uji.sqlite3"  # beside the live database: the same database key opens it
MAX_REQUESTS = 300
MAX_FAILED_LISTED = 20
# Pages the walk does not open: leaving, and files that are whole downloads (a backup, a USB batch).
SKIPPED_ENDPOINTS = {"static", "auth.logout", "backups.download", "sync_page.download_batch"}
LINK = re.compile(r'\b(href|hx-get)="(/[^"]*)"')
WALK_ACCOUNT_PREFIX = "pemeriksa-pembaruan-"


@dataclass
class WalkResult:
    pages: int = 0
    failed: list[tuple[str, int]] = field(default_factory=list)  # (role url, status)

    def fail(self, url: str, status: int) -> None:
        if all(url != seen for seen, _ in self.failed):  # one line per page, whichever role met it
            self.failed.append((url, status))

    @property
    def passed(self) -> bool:
        return self.pages > 0 and not self.failed

    def failed_urls(self) -> list[str]:
        return [url for url, _ in self.failed[:MAX_FAILED_LISTED]]


@dataclass
class Walker:
    """One throwaway account's test client, the pages it opens first, the links it found on them."""
    client: object
    first: list[str]
    later: list[str] = field(default_factory=list)
    seen: set = field(default_factory=set)


def walk(app, max_requests: int = MAX_REQUESTS) -> WalkResult:
    """Walk `app` (an office app whose database is a copy): see the module's docstring."""
    result = WalkResult()
    walkers = _signed_in_walkers(app)
    for walker in walkers:
        walker.seen = {_pattern(url) for url in walker.first}
        for url in walker.first:
            if result.pages >= max_requests:
                break
            for link in _links(app, _open(walker.client, url, result, max_requests) or ""):
                if _pattern(link) not in walker.seen:
                    walker.seen.add(_pattern(link))
                    walker.later.append(link)
    # The second level, one link of each account in turn, so a small budget still reaches every role.
    while result.pages < max_requests and any(walker.later for walker in walkers):
        for walker in walkers:
            if walker.later and result.pages < max_requests:
                _open(walker.client, walker.later.pop(0), result, max_requests)
    return result


def copy_database(source, copy) -> None:
    """A consistent copy of a database another connection may be writing (SQLite's backup API)."""
    from app.frame.db import connect
    remove_copy(copy)
    reading, writing = connect(source, readonly=True), connect(copy)
    try:
        with writing.backup("main", reading, "main") as step:
            step.step(-1)
    finally:
        writing.close()
        reading.close()


def remove_copy(copy) -> None:
    for leftover in Path(copy).parent.glob(Path(copy).name + "*"):
        leftover.unlink(missing_ok=True)


def walk_live_copy(app, make_app) -> WalkResult:
    """The walk inside the serving program, with the code it loaded: over a fresh copy of its own
    (migrated) database, through `make_app(copy)`; the models are bound to the live database again after."""
    from app.frame.db import database
    live = Path(app.config["DATABASE_PATH"])
    copy = live.with_name(CHECK_COPY)
    checked = None
    try:
        copy_database(live, copy)
        checked = make_app(copy)
        return walk(checked)
    except Exception as problem:  # the copy does not open: a failed walk, said as the admin reads it
        return WalkResult(failed=[(f"(salinan data: {type(problem).__name__}: {problem})"[:300], 500)])
    finally:
        if checked is not None:
            checked.extensions["database"].close_all()
        database.initialize(app.extensions["database"])
        remove_copy(copy)


def _signed_in_walkers(app) -> list[Walker]:
    """A throwaway account for each role of the program's table, signed in; its first pages: home, menu."""
    from flask import g, url_for

    from app import capabilities
    from app.auth.accounts import create_user
    from app.frame.signin import SESSION_TOKEN, start_session
    database = app.extensions["database"]
    walkers = []
    with app.app_context(), database.connection_context():
        for column in sorted(set(app.extensions["policy"].columns.values())):
            user, _ = create_user(f"{WALK_ACCOUNT_PREFIX}{column}-{secrets.token_hex(3)}", f"Pemeriksa {column}",
                                  column, password=secrets.token_urlsafe(18), must_change_password=False)
            _bind_to_desa(user)
            with app.test_request_context("/"):
                token = start_session(user)
                g.user = user
                try:
                    first = ["/"] + [url_for(item.endpoint) for item, _ in capabilities.menu_for_user()]
                except Exception:  # a menu badge that breaks breaks every page: "/" shows it as a 500
                    first = ["/"]
            client = app.test_client()
            with client.session_transaction() as session:
                session[SESSION_TOKEN] = token
            walkers.append(Walker(client, list(dict.fromkeys(first))))
    return walkers


def _bind_to_desa(user) -> None:
    """The desa real operators work for (else the office's first desa), for every throwaway account: a
    desa operator's pages show only its own desa; the others' scope ignores it. The table by name: the
    desa capability imports this package, not the other way round."""
    from app.frame import places
    from app.frame.db import database
    codes = [code for (code,) in database.execute_sql('SELECT DISTINCT "desa_code" FROM "user_desa" LIMIT 20')]
    if not codes:
        try:
            codes = [region.code for region in places.desa_list()[:1]]
        except Exception:  # the region list unreadable: the pages that need it show it as a 500
            codes = []
    for code in codes:
        database.execute_sql('INSERT INTO "user_desa" ("user_id", "desa_code") VALUES (?, ?)', (user.id, code))


def _open(client, url: str, result: WalkResult, max_requests: int) -> str | None:
    """One GET (an htmx fragment's address too: asked plainly, it answers its page); a redirect within
    the site is followed once."""
    result.pages += 1
    try:
        answer = client.get(url)
        target = urlsplit(answer.location or "")
        if 300 <= answer.status_code < 400 and target.netloc in ("", "localhost") and result.pages < max_requests:
            result.pages += 1
            url = target._replace(scheme="", netloc="").geturl()
            answer = client.get(url)
    except Exception as problem:  # an exception the app did not turn into a page is what the walk looks for
        status = problem.code if isinstance(problem, HTTPException) and problem.code else 500
        if status >= 500:
            result.fail(url, status)
        return None
    if answer.status_code >= 500:
        result.fail(url, answer.status_code)
        return None
    if answer.mimetype != "text/html":
        return None
    return answer.get_data(as_text=True)


def _links(app, page: str) -> list[str]:
    """Same-site GET links of a page, in order, without the ones the walk does not open."""
    adapter = app.url_map.bind("localhost")
    links = []
    for _, raw in LINK.findall(page):
        url = urldefrag(raw.replace("&amp;", "&"))[0]
        if not url or url.startswith("//"):
            continue
        try:
            endpoint, _ = adapter.match(urlsplit(url).path, method="GET")
        except HTTPException:  # not a page (POST only, unknown)
            continue
        if endpoint not in SKIPPED_ENDPOINTS:
            links.append(url)
    return links


def _pattern(url: str) -> str:
    """Links that differ only in their numbers are one page to the walk."""
    return re.sub(r"\d+", "#", url)


def summary(result: WalkResult) -> str:
    """The failing pages, as the admin and the release build read them."""
    listed = ", ".join(f"{url} (HTTP {status})" for url, status in result.failed[:MAX_FAILED_LISTED])
    more = len(result.failed) - MAX_FAILED_LISTED
    return listed + (f" dan {more} lainnya" if more > 0 else "")
