"""Pages written once, carried by the blueprint of each program that shows them.

A module of pages for one audience collects its routes in a `Routes` (`@pages.get(...)`, as on a
blueprint); each program's capability builds its own blueprint from the collections it serves. The
kecamatan and the desa PC both show the desa operator's pages, but only the kecamatan has the
counter's queue: each program's app has exactly its pages, and no list of pages to hide.
"""


class Routes:
    def __init__(self):
        self._routes: list[tuple[str, object, dict]] = []

    def route(self, rule: str, **options):
        def collect(view):
            self._routes.append((rule, view, options))
            return view
        return collect

    def get(self, rule: str, **options):
        return self.route(rule, methods=["GET"], **options)

    def post(self, rule: str, **options):
        return self.route(rule, methods=["POST"], **options)

    def add_to(self, blueprint) -> None:
        """Every collected page on `blueprint` (its endpoint: the view's name, as with @blueprint.route)."""
        for rule, view, options in self._routes:
            blueprint.add_url_rule(rule, view_func=view, **options)
