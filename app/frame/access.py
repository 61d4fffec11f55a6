"""Who may open what: one declared table per program (app/policy.py for the kecamatan,
sync/center/policy.py for the center), enforced by one hook for every route.

A table is text a person reads: one row per capability and action, one column per role
(`x` allowed, `-` not), a `Publik` column for pages any visitor may open (kiosk, login),
then what the row allows in words. `routes` names the endpoints of each row. A route in no
row, or a row naming a route that does not exist, makes the app refuse to start, so a
forgotten check cannot ship; docs/access.md is generated from the tables.

A second table of the same shape, `decisions`, holds what is decided inside a page (a card, a
button, a step, whose records are seen): code asks `may(user, key)` and never compares roles
itself (tests/core/test_role_decisions.py). A row-level rule is a named predicate, a function
over the record that reads its rows; `predicates` names it beside its row, so the table shows it.
"""
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, request, url_for
from htmx_flask import make_response as htmx_response

PUBLIC = "public"
PUBLIC_COLUMN = "Publik"
# Where the hook sends people; a program with other endpoints sets app.extensions["doors"].
KECAMATAN_DOORS = {"login": "auth.login", "change_password": "auth.change_password", "logout": "auth.logout"}
# A harmless marker cookie that outlives the session, so an expired session is named as such.
SIGNED_IN_BEFORE_COOKIE = "loket_pernah_masuk"


@dataclass(frozen=True)
class Rule:
    key: str  # capability.action
    roles: frozenset  # role names, or empty for a public row
    public: bool
    description: str
    endpoints: tuple
    predicate: str = ""  # a decision row's row-level rule: "module.function"

    @property
    def capability(self) -> str:
        return self.key.split(".", 1)[0]


class Policy:
    """A parsed access table: `columns` maps each column title to a role name."""

    def __init__(self, columns: dict[str, str], table: str, routes: dict[str, str], decisions: str = "",
                 predicates: dict[str, str] | None = None):
        self.columns = dict(columns)
        self.table, self.routes = table, dict(routes)
        self.decision_table, self.predicates = decisions, dict(predicates or {})
        self.rules: list[Rule] = []
        self.decisions: list[Rule] = []
        for key, roles, public, description in self._rows(table):
            if key not in routes:
                raise ValueError(f"access table row {key!r} has no routes")
            self.rules.append(Rule(key, roles, public, description, tuple(routes[key].split())))
        unknown = set(routes) - {rule.key for rule in self.rules}
        if unknown:
            raise ValueError(f"routes for rows not in the access table: {sorted(unknown)}")
        # A decision may be nobody's here: the offices share one table, and a desa PC has two of its roles.
        for key, roles, public, description in self._rows(decisions, may_allow_nobody=True) if decisions.strip() else ():
            self.decisions.append(Rule(key, roles, public, description, (), self.predicates.get(key, "")))
        # Read at each decision, so a test that changes a row changes every page that asks.
        self.by_key: dict[str, Rule] = {}
        for rule in [*self.rules, *self.decisions]:
            if rule.key in self.by_key:
                raise ValueError(f"access table row {rule.key!r} appears twice")
            self.by_key[rule.key] = rule
        unknown = set(self.predicates) - {rule.key for rule in self.decisions}
        if unknown:
            raise ValueError(f"predicates for rows not in the decision table: {sorted(unknown)}")
        self.by_endpoint: dict[str, Rule] = {}
        for rule in self.rules:
            for endpoint in rule.endpoints:
                if endpoint in self.by_endpoint:
                    raise ValueError(f"{endpoint} is in two rows: {self.by_endpoint[endpoint].key}, {rule.key}")
                self.by_endpoint[endpoint] = rule

    def _rows(self, table: str, may_allow_nobody: bool = False):
        """(key, roles, public, description) of each row of a table in this policy's columns."""
        lines = [line for line in table.strip().splitlines() if line.strip() and not line.lstrip().startswith("#")]
        header = lines[0].split()
        titles = header[1:1 + len(self.columns) + 1]
        if titles != [*self.columns, PUBLIC_COLUMN]:
            raise ValueError(f"access table header {titles} != {[*self.columns, PUBLIC_COLUMN]}")
        for line in lines[1:]:
            parts = line.split()
            key, marks, description = parts[0], parts[1:len(titles) + 1], " ".join(parts[len(titles) + 1:])
            if len(marks) != len(titles) or set(marks) - {"x", "-"} or not description:
                raise ValueError(f"access table row {key!r}: one x or - per column, then a description")
            roles = frozenset(self.columns[t] for t, m in zip(titles, marks) if m == "x" and t != PUBLIC_COLUMN)
            public = marks[-1] == "x"
            if public and roles:
                raise ValueError(f"access table row {key!r}: a public row marks no role")
            if not public and not roles and not may_allow_nobody:
                raise ValueError(f"access table row {key!r} allows nobody")
            yield key, roles, public, description

    def extended(self, rows: str, routes: dict[str, str]) -> "Policy":
        """This table with more rows (a test's probe pages)."""
        return Policy(self.columns, self.table.rstrip() + "\n" + rows, {**self.routes, **routes},
                      self.decision_table, self.predicates)

    def permits(self, role: str | None, key: str) -> bool:
        """May an account of `role` (None: a visitor) do what row `key` names? An unknown key is a KeyError."""
        rule = self.by_key[key]
        return rule.public or role in rule.roles

    def roles_with(self, key: str) -> frozenset:
        """The roles row `key` marks: to pick the accounts that hold a right (an unknown key is a KeyError)."""
        return self.by_key[key].roles

    def allowed(self, endpoint: str):
        """PUBLIC, the set of roles, or None when the table has no entry."""
        rule = self.by_endpoint.get(endpoint)
        if rule is None:
            return None
        return PUBLIC if rule.public else rule.roles

    def check_routes(self, app) -> None:
        """Refuse to start when a route has no entry or an entry names no route."""
        endpoints = {ep for ep in app.view_functions if ep != "static"}
        missing = sorted(endpoints - set(self.by_endpoint))
        stale = sorted(set(self.by_endpoint) - endpoints)
        if missing or stale:
            raise RuntimeError(f"access table out of step with the routes: without an entry {missing}, "
                               f"entries without a route {stale}")

    def markdown(self) -> str:
        """The tables as docs/access.md shows them."""
        text = self._markdown(self.rules, "rute", lambda rule: ", ".join(f"`{e}`" for e in rule.endpoints))
        if self.decisions:
            text += ("\nDi dalam halaman (kode bertanya `may(user, kunci)`; aturan baris memakai fungsinya):\n\n"
                     + self._markdown([rule for rule in self.decisions if rule.roles or rule.public], "kunci, aturan baris",
                                      lambda rule: f"`{rule.key}`" + (f", `{rule.predicate}`" if rule.predicate else "")))
        return text

    def _markdown(self, rules, last_title: str, last) -> str:
        titles = [*self.columns, PUBLIC_COLUMN]
        lines = ["| kemampuan | tindakan | " + " | ".join(titles) + f" | {last_title} |",
                 "|---|---|" + "---|" * len(titles) + "---|"]
        for rule in rules:
            marks = [("x" if (self.columns.get(t) in rule.roles or (t == PUBLIC_COLUMN and rule.public)) else "")
                     for t in titles]
            lines.append(f"| {rule.capability} | {rule.description} | " + " | ".join(marks) + f" | {last(rule)} |")
        return "\n".join(lines) + "\n"


def table_rows(table: str, keys=None, columns=None) -> str:
    """The header and the rows of `table` named in `keys` (all without), with the role columns titled in
    `columns` (all without) and the public one: one program's part of a table that two programs share
    (app/policy.py: the kecamatan's and the desa PC's pages, the desa PC's two roles)."""
    lines = [line.split() for line in table.strip().splitlines() if line.split()]
    end = lines[0].index(PUBLIC_COLUMN)  # then the marks' columns end and the description starts
    kept = [0, *(i for i in range(1, end) if columns is None or lines[0][i] in columns), end]
    rows = [lines[0]] + [parts for parts in lines[1:] if keys is None or parts[0] in keys]
    return "\n".join(" ".join([parts[i] for i in kept] + parts[end + 1:]) for parts in rows) + "\n"


def install_policy(app, policy: Policy) -> None:
    policy.check_routes(app)
    app.extensions["policy"] = policy
    app.jinja_env.globals["may"] = lambda key: may(g.get("user"), key)  # {% if may("rekap.setujui") %}


def allowed_roles_of(endpoint: str):
    return current_app.extensions["policy"].allowed(endpoint)


def enforce_roles():
    """before_request hook: 302 to login when signed out, 403 when the role is not allowed."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    allowed = allowed_roles_of(request.endpoint)
    if allowed == PUBLIC:
        return None
    doors = current_app.extensions.get("doors", KECAMATAN_DOORS)
    user = g.get("user")
    if user is None:
        expired = g.get("session_expired") or request.cookies.get(SIGNED_IN_BEFORE_COOKIE)
        flash("Sesi Anda telah berakhir. Silakan masuk lagi." if expired
              else "Silakan masuk terlebih dahulu.", "info")
        if request.htmx:
            # htmx would swap the login page into a fragment: ask for a full reload instead, which says
            # why (the flash) and comes back to the page the person was on, not to the fragment.
            return htmx_response("", 401, redirect=url_for(doors["login"], next=_page_of_htmx_request()))
        return redirect(url_for(doors["login"], next=request.full_path.rstrip("?") if request.method == "GET" else None))
    if user.must_change_password and request.endpoint not in (doors["change_password"], doors["logout"]):
        return redirect(url_for(doors["change_password"]))
    if allowed is None or user.role not in allowed:
        abort(403)
    return None


def _page_of_htmx_request() -> str | None:
    """The page to come back to after signing in: a boosted link's target, or else the page on this site the
    htmx request was made from (its HX-Current-URL: a poll, a search, a form), as a path with its query."""
    if request.htmx.boosted and request.method == "GET":
        return request.full_path.rstrip("?")
    page = urlsplit(request.htmx.current_url or "")
    if page.netloc != request.host or not page.path.startswith("/"):
        return None
    return page.path + (f"?{page.query}" if page.query else "")


def may(user, key: str) -> bool:
    """A decision inside a page, read from the program's table: may `user` (None: a visitor) do `key`?"""
    return current_app.extensions["policy"].permits(getattr(user, "role", None), key)


def roles_with(key: str) -> list[str]:
    """The roles the program's table gives row `key`, sorted: `User.role.in_(roles_with(key))` selects the
    accounts that hold the right, so a query never names a role either."""
    return sorted(current_app.extensions["policy"].roles_with(key))


def user_may(endpoint: str) -> bool:
    """For menus and buttons: may the current user open this endpoint?"""
    return may_open(g.get("user"), endpoint)


def may_open(user, endpoint: str, policy: Policy | None = None) -> bool:
    """May `user` (None: a visitor) open this endpoint? `policy`: the app's, read once by a caller that asks
    for many endpoints (the menu: two context lookups an entry were half its cost, issue 73)."""
    allowed = (policy or current_app.extensions["policy"]).allowed(endpoint)
    if allowed == PUBLIC:
        return True
    return bool(user and allowed and user.role in allowed)
