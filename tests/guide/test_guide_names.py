"""Every name a guide gives the reader is the program's (issue 74): signed in as each role the guide serves,
on an office with real data (the demo's applications in every step, complaints, recaps), each marked menu
item is in that role's menu, each button, link and page heading is on the page the guide names, and each
message is one the program can show. A renamed button fails here, naming the guide, its section and the label."""
import shutil
from argparse import Namespace

import pytest
from flask import url_for

from app.frame.access import roles_with
from app.frame.guide_content import KINDS, read_sections
from app.frame.guides import KANTOR, guides_of
from tests.conftest import CsrfClient, sign_in_as
from tests.desa.conftest import pre_register
from tests.support.factory import applicant_form, desa_operator, recorded_complaint
from tests.guide.names import ROOT, marked_names, message_in_program, on_page, page_names

OFFICE_GUIDES = [guide.key for guide in guides_of(KANTOR)]


@pytest.fixture(scope="module")
def office(tmp_path_factory, set_up_office_folder):
    """The demo office (every step of an application, complaints, recaps), kept for the module."""
    from app import create_app, demo
    folder = tmp_path_factory.mktemp("kantor-panduan")
    shutil.copytree(set_up_office_folder, folder, dirs_exist_ok=True)
    app = create_app({"DATA_DIR": folder, "SECRET_KEY": "test-secret", "TESTING": True})
    app.test_client_class = CsrfClient
    with app.app_context(), app.extensions["database"].connection_context():
        demo.fill(Namespace(seed=2026, password="kata-sandi-demo-1", applications=60, complaints=30, surveys=10,
                            recaps=1))
        operator = desa_operator()  # the one role the demo office has no account of
        _recap_for_the_camat()
        recorded_complaint(text="Antrean loket panjang sejak pagi")  # one still to be routed (the demo's are all routed)
        desa_client = app.test_client()  # the desa operator's form typed at the kecamatan (their guide serves here too)
        sign_in_as(desa_client, operator)
    assert pre_register(desa_client, applicant_form(nik="3508071205909991")).status_code == 302
    return app


def _recap_for_the_camat():
    """A quarter's draft handed to the Camat (the demo's recap is approved already); the quarter before it
    stays undrafted, so the information desk's draft buttons are seen there."""
    from app.auth.models import User
    from app.frame import store
    from app.frame.access import roles_with
    from app.frame.periods import Quarter
    from app.recap import records
    clerk = User.select().where(User.role.in_(roles_with("rekap.susun"))).first()
    records.save_draft(Quarter.of(2026, 1), store.get("timezone"),
                       {"promises": "Loket buka tepat pukul 08.00", "narrative": "Pengaduan turun."}, True, clerk)


def office_pages(app):
    """endpoint -> the URLs of its pages on the demo office (a page about one record: one per step it is in,
    so the buttons of each step are found)."""
    from app.complaints.models import Complaint
    from app.desa.models import PreRegistration
    from app.recap.models import QuarterRecap
    from app.registration.models import Application
    firsts = lambda query, field: [row.id for row in query.group_by(field)]  # noqa: E731  (one row per value)
    applications = firsts(Application.select(Application.id, Application.status), Application.status)
    return {
        "registration.detail": [url_for("registration.detail", application_id=i) for i in applications],
        "registration.receipt": [url_for("registration.receipt", application_id=applications[0])],
        "complaints.detail": [url_for("complaints.detail", complaint_id=i)
                              for i in firsts(Complaint.select(Complaint.id, Complaint.status), Complaint.status)],
        "complaints.slip": [url_for("complaints.slip", complaint_id=Complaint.select(Complaint.id).first().id)],
        "desa.detail": [url_for("desa.detail", pre_id=pre.id) for pre in PreRegistration.select()],
        "recap.show": [url_for("recap.show", year=recap.year, number=recap.quarter)
                       for recap in QuarterRecap.select().group_by(QuarterRecap.status)]
        + [url_for("recap.show", year=2025, number=4)],  # not drafted yet
    }


def pages_of(app, endpoint: str, known: dict) -> list[str]:
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
    if not rule.arguments:
        return [url_for(endpoint)]
    assert endpoint in known, f"the names test has no page of {endpoint} with real data: add it to office_pages"
    return known[endpoint]


def check_guide(app, key: str, program: str, user_of, known_pages) -> list[str]:
    """What is wrong with guide `key` for each role it serves (empty: every name holds)."""
    from app.frame.guides import guide
    chosen = guide(program, key)
    problems = []
    roles = roles_with(chosen.decision) if chosen.decision else sorted(set(app.extensions["policy"].columns.values()))
    assert roles, f"no role is served by {key}"
    for role in roles:
        client = app.test_client()
        sign_in_as(client, user_of(role))
        for url in (f"/bantuan/{key}",) + ((f"/bantuan/{key}/ringkas",) if chosen.decision else ()):
            answer = client.get(url)
            assert answer.status_code == 200, (key, role, url, answer.status_code)
        html = client.get(f"/bantuan/{key}").get_data(as_text=True)
        sheet = client.get(f"/bantuan/{key}/ringkas").get_data(as_text=True) if chosen.decision else ""
        seen = {}
        for section, name in marked_names(html) + marked_names(sheet):
            where = f"{key} §{section.slug} ({role}): {name.kind} «{name.label}»"
            if name.kind not in KINDS:
                problems.append(f"{where}: data-jenis must be one of {KINDS}")
                continue
            if name.kind == "pesan":
                if not message_in_program(name.label):
                    problems.append(f"{where}: the program shows no such message")
                continue
            if name.page not in app.view_functions:
                problems.append(f"{where}: no page {name.page!r}")
                continue
            urls = pages_of(app, name.page, known_pages)
            for url in urls:
                if url not in seen:  # ("POST", url): a page that answers a form (a confirmation), asked for as the form does
                    answer = (client.post(url[1], follow_redirects=True) if isinstance(url, tuple)
                              else client.get(url, follow_redirects=True))
                    seen[url] = page_names(answer.get_data(as_text=True) if answer.status_code == 200 else "")
            href = url_for(name.page) if name.kind == "menu" else None
            if not any(on_page(name.kind, name.label, seen[url], href) for url in urls):
                problems.append(f"{where}: not on {name.page} ({', '.join(' '.join(url) if isinstance(url, tuple) else url for url in urls)})")
        for section in read_sections(html) + read_sections(sheet):
            for page in section.pages:
                if page not in app.view_functions:
                    problems.append(f"{key} §{section.slug}: data-halaman names no page {page!r}")
    return problems


@pytest.fixture(scope="module")
def office_updated(office, tmp_path_factory):
    """The same office once an update from the regency waits for its admin: a copy of its data folder, so the update
    page shows "Pasang pembaruan sekarang" there while the office itself still asks for the root's fingerprint."""
    from app import create_app
    from app.auth.models import User
    from tests.guide.signed_in_pages import an_update_waiting
    folder = tmp_path_factory.mktemp("kantor-panduan-pembaruan")
    shutil.copytree(office.config["DATA_DIR"], folder / "data")
    app = create_app({"DATA_DIR": folder / "data", "SECRET_KEY": "test-secret", "TESTING": True})
    app.test_client_class = CsrfClient
    with app.app_context(), app.extensions["database"].connection_context():
        admin = app.test_client()
        sign_in_as(admin, User.select().where(User.role.in_(roles_with("pembaruan.kelola"))).first())
    an_update_waiting(admin, folder, "kata-sandi-demo-1")  # the demo accounts' password (the office fixture)
    return app


@pytest.fixture(scope="module")
def office_check(office, office_updated):
    """check(key) -> the problems of guide `key`: a name is missing when neither state of the office shows it (before
    an update comes, and once one waits)."""
    from app.auth.models import User

    def check_in(app, key):
        with app.test_request_context(), app.extensions["database"].connection_context():
            known = office_pages(app)
            return check_guide(app, key, KANTOR, lambda role: User.select().where(User.role.in_([role])).first(), known)

    def check(key):
        before = check_in(office, key)
        return [problem for problem in check_in(office_updated, key) if problem in before] if before else []
    return check


@pytest.mark.slow  # a demo office and every text of the program read (about 10 s the module); the fast tier keeps
# tests/guide/test_guide_pages.py (who opens which guide where) and the checker's own test below
@pytest.mark.parametrize("key", OFFICE_GUIDES)
def test_every_name_in_an_office_guide_is_the_programs(office, office_check, key):
    from app.frame.guides import guide
    if not written(office, guide(KANTOR, key)):
        pytest.skip(f"guide {key} is not written yet")
    problems = office_check(key)
    assert not problems, "\n".join(problems)


def written(app, chosen) -> bool:
    """Is the guide's page written yet (the registry names each guide before its page exists)?"""
    return (ROOT / "templates" / chosen.template).exists()


def test_a_renamed_button_fails_the_check():
    """The checker itself: a name the page does not show is found missing, one it shows is found."""
    page = ('<nav class="menu"><ul><li><a href="/pendaftaran/baru">Daftar Baru <span class="badge">3</span>'
            '<span class="sr-only"> baru</span></a></li></ul></nav><h1>Permohonan KTP-el Baru</h1>'
            '<button type="submit">Simpan permohonan</button><a href="/x">Cetak tanda terima</a>')
    assert on_page("tombol", "Simpan permohonan", page)
    assert not on_page("tombol", "Simpan", page) and not on_page("tombol", "Simpan data", page)
    assert on_page("menu", "Daftar Baru", page, "/pendaftaran/baru")
    assert not on_page("menu", "Daftar Baru", page, "/pendaftaran")
    assert on_page("halaman", "Permohonan KTP-el …", page)
    assert on_page("tautan", "Cetak tanda terima", page) and not on_page("tautan", "Simpan permohonan", page)
    assert message_in_program("Sesi Anda telah berakhir. Silakan masuk lagi.")
    assert not message_in_program("Sesi Anda telah berakhir. Silakan masuk kembali besok.")
