"""The in-app guides (issue 74): the registry of each program's guides and their pages, one copy for the
office, the desa PC and the center.

A guide is a template, templates/guide/<key>.html, extending guide/_guide.html. Which roles a guide
serves is a decision row of the program's access table ("panduan.<key>", app/policy.py and
sync/center/policy.py), so "Bantuan" opens the signed-in person's guide without code naming a role.
Every signed-in person may read every guide of their program: they are not secret.

The pages: /bantuan (the signed-in person's guide, at the section about the page they came from, the first
of their guides, in the registry's order, that has one),
/bantuan/<key>, /bantuan/<key>/ringkas (the one-sheet quick reference to print) and /bantuan/pesan.
Each program registers a blueprint made here: the office programs through their capability app.guide,
the center in its own app (its name, its base page).
"""
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from jinja2 import TemplateNotFound
from markupsafe import Markup

from app.frame.access import may
from app.frame.guide_content import read_sections, section_about

KANTOR, DESA, PUSAT = "kantor", "desa", "pusat"
MESSAGES = "pesan"  # each program's "when something goes wrong", keyed by the messages it shows


@dataclass(frozen=True)
class Guide:
    key: str
    program: str  # KANTOR, DESA or PUSAT
    title: str
    decision: str | None = None  # the access table's row of the roles it serves; None: everyone's (messages)
    also: tuple[str, ...] = ()  # other programs that show the same pages to its roles (one text, parts marked by
    # program: the template reads `program`)

    @property
    def template(self) -> str:
        return f"guide/{self.key}.html" if self.key != MESSAGES else f"guide/pesan-{self.program}.html"


GUIDES = (
    Guide("petugas-loket", KANTOR, "Panduan Petugas Loket", "panduan.petugas_loket"),
    Guide("petugas-informasi", KANTOR, "Panduan Petugas Informasi", "panduan.petugas_informasi"),
    Guide("kasi", KANTOR, "Panduan Kasi Pelayanan", "panduan.kasi"),
    Guide("camat", KANTOR, "Panduan Camat", "panduan.camat"),
    Guide("admin-kantor", KANTOR, "Panduan Admin Kantor", "panduan.admin_kantor"),
    Guide(MESSAGES, KANTOR, "Jika ada pesan atau masalah"),
    # The kecamatan program gives the desa operator the desa pages too (tests/desa/test_desa_role.py).
    Guide("operator-desa", DESA, "Panduan Operator Desa", "panduan.operator_desa", also=(KANTOR,)),
    Guide("admin-desa", DESA, "Panduan Admin Komputer Desa", "panduan.admin_desa"),
    Guide(MESSAGES, DESA, "Jika ada pesan atau masalah"),
    # A role's guides are searched in this order for the page's section: the Admin's own two, then the operator's
    # pages it works on too (issue 92).
    Guide("admin-pusat", PUSAT, "Panduan Admin Pusat", "panduan.admin_pusat"),
    Guide("admin-kabupaten", PUSAT, "Panduan Admin Kabupaten", "panduan.admin_kabupaten"),
    Guide("operator-pusat", PUSAT, "Panduan Operator Pusat Cetak", "panduan.operator_pusat"),
    Guide("pimpinan-pusat", PUSAT, "Panduan Pimpinan", "panduan.pimpinan_pusat"),
    Guide(MESSAGES, PUSAT, "Jika ada pesan atau masalah"),
)
# The office programs' names (app/programs/*.py) as the registry's.
OFFICE_PROGRAMS = {"kecamatan": KANTOR, "desa": DESA}


def office_program() -> str:
    """The office program the running app is (kantor or desa), as the registry names it."""
    return OFFICE_PROGRAMS[current_app.extensions["program"].name]


def guides_of(program: str) -> list[Guide]:
    return [each for each in GUIDES if program in (each.program, *each.also)]


def guide(program: str, key: str) -> Guide | None:
    return next((each for each in guides_of(program) if each.key == key), None)


def guides_for(user, program: str) -> list[Guide]:
    """The guides of `program` that serve `user`'s role, as its access table's rows say."""
    return [each for each in guides_of(program) if each.decision and may(user, each.decision)]


def make_blueprint(name: str, base_page: str, program: str | None = None) -> Blueprint:
    """The guide's blueprint as `name`, its pages extending `base_page` (the program's frame), for
    `program`'s guides (None: the office program the app runs, kantor or desa)."""
    blueprint = Blueprint(name, __name__, url_prefix="/bantuan")
    blueprint.add_app_template_global(guide_sections, "guide_sections")

    def program_now():
        return program or office_program()

    def written(guides):
        """The guides whose page exists (a guide in the registry before its page is written is not offered)."""
        return [chosen for chosen in guides if _has_page(chosen.template)]

    def _guide_or_404(key: str):
        chosen = guide(program_now(), key)
        if chosen is None or not _has_page(chosen.template):
            abort(404)
        return chosen

    def render(chosen, sheet=False):
        return render_template(chosen.template, guide=chosen, sheet=sheet, guide_base=base_page, program=program_now(),
                               guides=written(guides_of(program_now())), guide_endpoint=f"{name}.show",
                               sheet_endpoint=f"{name}.sheet", messages_endpoint=f"{name}.messages")

    @blueprint.get("/")
    def index():
        """The person's own guide; with ?dari=<endpoint>, at the section about that page."""
        own = written(guides_for(g.user, program_now()))
        if not own:  # a role no guide serves: the list of the program's guides
            return render_template("guide/daftar.html", guides=written(guides_of(program_now())), guide_base=base_page,
                                   guide_endpoint=f"{name}.show", messages_endpoint=f"{name}.messages")
        page = (request.args.get("dari") or "")[:200]
        for chosen in own if page else ():  # the person's guides in order (issue 92: the Admin Pusat's second guide)
            section = section_about(read_sections(render(chosen)), page)
            if section:
                return redirect(url_for(f"{name}.show", key=chosen.key, _anchor=section.slug))
        # a page none of their guides is about (tests/guide/test_bantuan_walk*.py fail on any menu page or its links)
        return redirect(url_for(f"{name}.show", key=own[0].key))

    @blueprint.get("/<key>")
    def show(key):
        return render(_guide_or_404(key))

    @blueprint.get("/<key>/ringkas")
    def sheet(key):
        chosen = _guide_or_404(key)
        if chosen.key == MESSAGES:
            abort(404)
        return render(chosen, sheet=True)

    @blueprint.get("/pesan")
    def messages():
        return render(_guide_or_404(MESSAGES))

    return blueprint


def _has_page(template: str) -> bool:
    try:
        current_app.jinja_env.get_template(template)
    except TemplateNotFound:
        return False
    return True


def guide_sections(html) -> list:
    """The sections of a guide's rendered body, for its contents list (guide/_guide.html)."""
    return read_sections(Markup(html))
