"""What a citizen keeps and what a village head signs is one sheet (issue 62), at the longest values the forms
accept and at real long Indonesian names: each paper rendered to PDF by Chromium on A4 and F4 (the kiosk's
slip on its 80 mm roll) and read back (tests/browser/paper.py): one sheet, nothing past the edge, no word or
address broken inside, the signature on the sheet of the data it signs, the name across the page (not three
or four lines beside a QR)."""
from argparse import Namespace

import pytest

from tests.browser.helpers import TABLET, axe_violations, new_context, sign_in
from tests.browser.paper import LONGEST, LONG_PERSON, PUBLIC_ADDRESS, STATUS_ADDRESS, lines_of, png_of, print_check

pytestmark = [pytest.mark.browser, pytest.mark.windows_pass]

PUPILS = 8  # a collective letter's cards on one sheet at the longest names (a longer list goes on, its header
# repeated, the signature with its last rows: templates/_signed_rows.html)
CLASS = 40  # a school's class in one letter: more than a sheet (tests the sheets after the first)


@pytest.fixture(scope="module")
def office(tmp_path_factory, cheap_password_hashing):
    """The demo office (its long names among the rest), linked to the center (each slip carries its status
    QR and address), with one of each paper at the longest accepted values and at the issue's real person."""
    from datetime import date

    from flask import g

    from app import demo
    from app.auth.models import User
    from app.complaints.models import ComplaintCategory
    from app.desa.records import create_pre_registration
    from app.frame import store
    from app.frame.db import database
    from app.frame.places import desa_list
    from app.frame.roles import DESA, INFORMASI, LOKET
    from app.registration import collective_records, records
    from app.registration.requirements import DEFAULT_REQUIREMENTS
    from tests.browser.office import live_office
    from tests.support.factory import bound_to_desa, checked_applicant, ready_for_pickup, recorded_complaint

    with live_office(tmp_path_factory.mktemp("one-sheet")) as live:
        with live.db(), live.app.test_request_context():
            demo.fill(Namespace(seed=2026, password=live.password, applications=40, complaints=40, surveys=20,
                                recaps=1))
            with database.atomic():
                store.put("public_status_url", STATUS_ADDRESS)
                store.put("public_address", PUBLIC_ADDRESS)
            desa = max(desa_list(), key=lambda region: len(region.name))  # the kecamatan's longest desa name
            live.desa_name = desa.name
            numbers = iter(range(1, 100))

            def person(values):
                """A woman born 1 July 1995 with `values`, checked as every way in checks her."""
                return checked_applicant(**{"nik": f"35080741079500{next(numbers):02d}", "sex": "P",
                                            "birth_date": "1995-07-01", "desa": desa.name,
                                            "marital_status": "Belum Kawin", "rt": "012", "rw": "007", **values})

            g.user = User.get(User.username == live.username[LOKET])
            papers = {}
            for who, values in (("longest", LONGEST), ("real", LONG_PERSON)):
                fields = {k: values[k] for k in ("full_name", "birth_place", "address", "occupation")}
                counter = records.create_application(person({**fields, "reason": "hilang"}))
                records.record_checklist(counter, [item["code"] for item in DEFAULT_REQUIREMENTS], [])
                returned = records.create_application(person({**fields, "reason": "pindah_datang"}))
                records.record_checklist(returned, [], [item for item in DEFAULT_REQUIREMENTS
                                                        if "pindah_datang" in item["reasons"]])
                handed = ready_for_pickup(records.create_application(person(fields)).id)
                records.hand_over(handed, values["full_name"], values["relation"], "3508074101650003")
                letter = collective_records.create_letter(
                    {"letter_number": values["letter_number"], "letter_date": date(2026, 1, 5),
                     "sender": values["sender"], "contact": "Bu Ani, 0334 571999", "recording_date": None}, g.user)
                pupils = [records.create_application(person({**fields, "birth_date": "2008-07-01",
                                                             "nik": f"35080741070800{n:02d}" if who == "longest"
                                                             else f"35080741070801{n:02d}"}), None, letter)
                          for n in range(1, PUPILS + 1)]
                pupils = [ready_for_pickup(pupil.id) for pupil in pupils]
                collective_records.hand_over(letter, pupils, {"name": values["full_name"], "relation": values["relation"],
                                                              "id_number": "3508075506920003"})
                papers[who] = {"counter": counter, "returned": returned, "handed": handed, "letter": letter}
            category = ComplaintCategory.select().where(ComplaintCategory.is_active == True).first()  # noqa: E712
            papers["complaint"] = recorded_complaint(
                category.id, user=User.get(User.username == live.username[INFORMASI]),
                complainant_name=LONGEST["full_name"], complainant_contact="",
                text="Antrean di loket terlalu lama pada hari Senin. " * 100)
            operator = bound_to_desa(User.get(User.username == live.username[DESA]), desa.code)
            for who, values in (("longest", LONGEST), ("real", LONG_PERSON)):
                fields = {k: values[k] for k in ("full_name", "birth_place", "address", "occupation")}
                # married at 18: the form is saved with its dispensation in Catatan (issue 71), printed for the Kepala Desa
                clean = person({**fields, "nik": f"35080741070803{next(numbers):02d}", "birth_date": "2008-07-01",
                                "marital_status": "Kawin", "notes": values["notes"]})
                papers[who]["f107"] = create_pre_registration(clean, user=operator)
            # a class of CLASS pupils at the longest values, handed over to their teacher
            letter = collective_records.create_letter(
                {"letter_number": LONGEST["letter_number"], "letter_date": date(2026, 1, 6), "sender": LONGEST["sender"],
                 "contact": "Bu Ani, 0334 571999", "recording_date": None}, g.user)
            fields = {k: LONGEST[k] for k in ("full_name", "birth_place", "address", "occupation")}
            pupils = [records.create_application(person({**fields, "birth_date": "2008-07-01",
                                                         "nik": f"350807410708{2000 + n:04d}"}), None, letter)
                      for n in range(1, CLASS + 1)]
            pupils = [ready_for_pickup(pupil.id) for pupil in pupils]
            collective_records.hand_over(letter, pupils, {"name": LONGEST["full_name"], "relation": LONGEST["relation"],
                                                          "id_number": "3508075506920003"})
            papers["class"] = {"letter": letter, "pupils": pupils}
            live.papers = papers
        yield live


def _documents(live, who):
    """(name, role, url, its data, (signature, data it signs)) of each paper of `who` ("longest" or "real")."""
    from app.frame.roles import LOKET
    values = LONGEST if who == "longest" else LONG_PERSON
    p = live.papers[who]
    name = values["full_name"]
    return [
        ("bukti", LOKET, f"/pendaftaran/{p['counter'].id}/bukti", [name, p["counter"].registration_number],
         ("Petugas loket", name)),
        ("pengembalian", LOKET, f"/pendaftaran/{p['returned'].id}/slip-pengembalian",
         [name, "Surat Keterangan Pindah (SKPWNI)"], ("Petugas loket", name)),
        ("serah-terima", LOKET, f"/pendaftaran/{p['handed'].id}/tanda-terima", [name, p["handed"].registration_number],
         ("Yang menerima", p["handed"].registration_number)),
        ("kolektif", LOKET, f"/pendaftaran/kolektif/{p['letter'].id}/tanda-terima", [values["sender"]],
         ("Yang menerima", "Diterima oleh")),
    ]


@pytest.mark.parametrize("paper", ["A4", "F4"])
@pytest.mark.parametrize("who", ["longest", "real"])
def test_the_counters_papers_are_one_sheet_with_the_signature_and_the_name_across_the_page(browser, office, who, paper):
    """Counter, return, hand-over and collective receipts: the 71-character name and 104-character address
    put the counter receipt on two A4 sheets, the clerk's signature alone on the second."""
    context = new_context(browser, office.url)
    problems = {}
    try:
        page = context.new_page()
        sign_in(page, office.username["petugas_loket"], office.password)
        for name, _, url, data, signed in _documents(office, who):
            printed = print_check(page, url, paper=paper, expect=data, signed=signed, name=f"one-sheet-{name}-{who}")
            found = list(printed.problems)
            if len(printed.pages) != 1:
                found.append(f"{len(printed.pages)} sheets")
            full_name = (LONGEST if who == "longest" else LONG_PERSON)["full_name"]
            if name != "kolektif" and lines_of(printed, full_name) > 2:  # across the page, not squeezed beside a QR
                found.append(f"the name takes {lines_of(printed, full_name)} lines")
            if found:
                problems[name] = found
            if paper == "A4" and who == "longest":
                png_of(printed)
    finally:
        context.close()
    assert problems == {}, problems


@pytest.mark.parametrize("paper", ["A4", "F4"])
@pytest.mark.parametrize("who", ["longest", "real"])
def test_the_desas_f107_is_one_sheet_with_its_signed_qr_and_both_signatures(browser, office, who, paper):
    """The F-1.07 with a long name went onto a second A4 sheet: the signed QR and both signature boxes
    (applicant, Kepala Desa) stood on a sheet that carried none of the data they sign. Its Catatan, the
    dispensation of a marriage below 19 the Kepala Desa signs for, was not printed at all (issue 71)."""
    from app.frame.roles import DESA
    values = LONGEST if who == "longest" else LONG_PERSON
    context = new_context(browser, office.url)
    try:
        page = context.new_page()
        sign_in(page, office.username[DESA], office.password)
        pre = office.papers[who]["f107"]
        printed = print_check(page, f"/desa/pra-pendaftaran/{pre.id}/f107", paper=paper,
                              expect=[values["full_name"], values["birth_place"], f"Kepala Desa {office.desa_name}",
                                      values["notes"].split(",")[0]],
                              signed=(f"Kepala Desa {office.desa_name}", "Nomor KK"), name=f"one-sheet-f107-{who}")
        if paper == "A4" and who == "longest":
            png_of(printed)
        assert printed.problems == [], printed.problems
        assert len(printed.pages) == 1
        assert printed.holds("Pemohon,", page=1) and printed.holds("Pindai di loket kecamatan", page=1)  # the signed QR
        assert lines_of(printed, values["full_name"]) <= 2
        # the whole Catatan, its last words too, on the sheet the Kepala Desa signs
        last_words = " ".join(values["notes"].split()[-6:-1])
        assert printed.holds("Catatan", page=1) and printed.holds(last_words, page=1), last_words
    finally:
        context.close()


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_the_desk_complaint_slip_is_one_sheet_and_the_recap_notice_keeps_its_signature(browser, office, paper):
    from app.frame.dates import local_today
    from app.frame.periods import Quarter
    from app.frame.roles import CAMAT, INFORMASI
    complaint = office.papers["complaint"]
    quarter = Quarter.containing(local_today()).previous()
    context = new_context(browser, office.url)
    try:
        page = context.new_page()
        sign_in(page, office.username[INFORMASI], office.password)
        slip = print_check(page, f"/pengaduan/{complaint.id}/tanda-terima", paper=paper,
                           expect=[complaint.tracking_number, STATUS_ADDRESS + "/cek"], name="one-sheet-complaint-slip")
        context.clear_cookies()
        sign_in(page, office.username[CAMAT], office.password)
        notice = print_check(page, f"/rekap/{quarter.year}/{quarter.number}/cetak", paper=paper,
                             expect=[quarter.label], signed=("NIP.", "Janji perbaikan layanan"), name="one-sheet-recap")
        if paper == "A4":
            png_of(slip), png_of(notice)
        assert slip.problems == [] and len(slip.pages) == 1, slip.problems
        # the notice: one sheet with the Camat's signature (two of A4 before, three before that)
        assert notice.problems == [] and len(notice.pages) == 1, notice.problems
    finally:
        context.close()


# The longest public address Pengaturan Kantor accepts (200 characters, app/settings/identity.py), as a regency's
# portal writes one: a long host, its port and a path of several parts
LONGEST_PUBLIC_ADDRESS = ("https://pelayanan-terpadu.kecamatan-yosowilangun.lumajangkab.go.id:8443/layanan-publik/"
                          "kantor-kecamatan-yosowilangun/pengaduan-masyarakat/kios-warga/pengaduan-dan-informasi-publik/"
                          "loket-kecamatan-baru")
assert len(LONGEST_PUBLIC_ADDRESS) == 200, len(LONGEST_PUBLIC_ADDRESS)


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_the_complaint_slip_wraps_the_longest_public_address_on_screen_and_on_paper(browser, office, paper):
    """Issue 92, finding 3: the slip's kiosk address could not wrap: at 200 % zoom the slip scrolled sideways from an
    80-character address, and a 191-character one was cut on paper. It wraps (after a "/" of its path, never inside a
    part that fits a line) at 200 % zoom of the office PC's screen and on A4 and F4, whole on the paper."""
    from app.frame import store
    from app.frame.db import database
    from app.frame.roles import INFORMASI
    from tests.browser.helpers import DESKTOP, horizontal_overflow
    complaint = office.papers["complaint"]
    address = LONGEST_PUBLIC_ADDRESS + "/pengaduan/status"

    def public_address(value):
        with office.db(), database.atomic():
            store.put("public_address", value)
    public_address(LONGEST_PUBLIC_ADDRESS)
    zoomed = {"width": DESKTOP["width"] // 2, "height": DESKTOP["height"] // 2}  # 200 %: half as many CSS px
    context = new_context(browser, office.url, viewport=zoomed)
    try:
        page = context.new_page()
        sign_in(page, office.username[INFORMASI], office.password)
        page.goto(f"/pengaduan/{complaint.id}/tanda-terima")
        assert address in page.locator(".receipt").inner_text().replace("\n", "")
        assert horizontal_overflow(page) == 0
        past = page.evaluate("""() => [...document.querySelectorAll('.receipt *')].filter(el =>
          [...el.getClientRects()].some(r => r.right > document.scrollingElement.clientWidth + 1)).map(el => el.className)""")
        assert past == [], past
        printed = print_check(page, None, paper=paper, expect=[complaint.tracking_number],
                              name="one-sheet-complaint-slip-long-address")
        assert printed.problems == [] and len(printed.pages) == 1, printed.problems
        assert address in "".join(printed.text.split()), printed.text  # whole on the paper, wrapped or not
        # a host alone longer than the line (no "/" to wrap after) wraps inside it rather than run past the edge
        host = "https://" + ".".join(["pelayanan-pengaduan-masyarakat-kecamatan-yosowilangun"] * 3) + ".go.id"
        public_address(host[:200])
        page.reload()
        assert horizontal_overflow(page) == 0 and page.evaluate(
            "() => document.querySelector('.url-in-sentence').getBoundingClientRect().right") <= zoomed["width"]
    finally:
        context.close()
        public_address(PUBLIC_ADDRESS)


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_a_collective_receipt_of_a_class_heads_every_sheet_and_signs_under_its_last_rows(browser, office, paper):
    """A school's letter of 40 pupils at the longest names took 4 A4 sheets (3 F4): the name in four lines beside
    the registration number and NIK side by side, and the sheets after the first carried no office, no letter
    number and no sheet number (a loose sheet belonged to nothing). Now the number over the NIK and the name
    across the rest (two lines), each sheet headed by the office, the letter's number and "Lembar x dari y", the
    signatures under the last rows: 2 sheets of A4 and of F4."""
    from app.frame.roles import LOKET
    letter, pupils = office.papers["class"]["letter"], office.papers["class"]["pupils"]
    context = new_context(browser, office.url)
    try:
        page = context.new_page()
        sign_in(page, office.username[LOKET], office.password)
        printed = print_check(page, f"/pendaftaran/kolektif/{letter.id}/tanda-terima", paper=paper,
                              expect=[LONGEST["sender"], *(p.registration_number for p in pupils)],
                              signed=("Yang menerima", pupils[-1].registration_number), name="one-sheet-collective-class")
        if paper == "A4":
            png_of(printed)
        sheets = len(printed.pages)
        assert printed.problems == [], printed.problems
        missing = [n for n in range(1, sheets + 1)
                   if not (printed.holds("Kecamatan Yosowilangun", page=n) and printed.holds(letter.letter_number.split()[0], page=n)
                           and printed.holds(f"Lembar {n} dari {sheets}", page=n))]
        assert missing == [], f"sheets without the office, the letter's number or their number: {missing} of {sheets}"
        assert sheets <= 2, f"{CLASS} cards on {sheets} sheets"
        assert all(lines_of(printed, p.registration_number) == 1 for p in pupils[:3])  # a number is never split
        assert axe_violations(page) == []  # its repeated heading row is a header of the table on the screen too
    finally:
        context.close()


def test_the_kiosk_slip_on_its_80_mm_roll_keeps_the_status_address_whole(browser, office):
    """The 80 mm kiosk slip broke the /cek address inside its port number."""
    from playwright.sync_api import expect
    context = new_context(browser, office.url, viewport=TABLET)
    try:
        page = context.new_page()
        page.goto("/pengaduan/kios")
        page.get_by_label("Kategori").select_option(index=1)
        page.get_by_label("Isi pengaduan / saran").fill("Antrean loket KTP-el terlalu panjang pada hari Senin pagi.")
        page.get_by_role("button", name="Kirim pengaduan").click()
        expect(page.locator(".tracking-number")).to_be_visible()
        number = page.locator(".tracking-number").inner_text().strip()
        for paper in ("80mm", "A4"):
            # on the roll the address may wrap, but only before its port or after a "/" (never inside either)
            printed = print_check(page, None, paper=paper, expect=[number] + [STATUS_ADDRESS + "/cek"] * (paper == "A4"),
                                  name="one-sheet-kiosk-slip")
            png_of(printed)
            assert printed.problems == [], (paper, printed.problems)
            assert len(printed.pages) == 1
    finally:
        context.close()


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_the_kiosk_poster_prints_each_address_whole(browser, office, paper):
    """The poster printed ".../pengaduan/ki | os" and ".../st | atus": an address broken inside a word."""
    from app.frame.roles import ADMIN
    context = new_context(browser, office.url)
    try:
        page = context.new_page()
        sign_in(page, office.username[ADMIN], office.password)
        printed = print_check(page, "/admin/poster-kios", paper=paper,
                              expect=[PUBLIC_ADDRESS + "/pengaduan/kios", PUBLIC_ADDRESS + "/pengaduan/status"],
                              name="one-sheet-kiosk-poster")
        if paper == "A4":
            png_of(printed)
        assert printed.problems == [], printed.problems
        assert len(printed.pages) == 1
    finally:
        context.close()


