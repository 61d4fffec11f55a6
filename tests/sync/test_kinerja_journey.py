"""Issue 29's journey through three programs: two kecamatan approve their Q3 recaps, sync with the running
center, and the Pimpinan Kabupaten sees both side by side with the figures an independent recomputation from
each kecamatan's own rows gives (complaints, IKM and every service indicator); downloads the XLSX, opens the
printed report; an addendum at one kecamatan arrives as a new version."""
import io
import html
import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from openpyxl import load_workbook

from tests.conftest import CsrfClient, sign_in_as
from tests.support.factory import box_opening, complaint_row, kecamatan_row, survey_response
from tests.sync.harness import CenterServer, Process, kecamatan_app, prepare_center
from tests.sync.test_end_to_end import signed_in

# Two kecamatan of one regency: (code, name, complaints followed up the same day in Q3 2025, survey scores of
# each respondent, complaints followed up two weeks late, days the kotak saran was opened)
OFFICES = (("35.08.07", "Yosowilangun", 3, (4, 4, 3), 0,
            (date(2025, 7, 7), date(2025, 7, 8), date(2025, 7, 9), date(2025, 7, 12))),  # the 12th: a Saturday
           ("35.08.08", "Jatiroto", 2, (2, 3, 3, 2, 2, 3), 1, ()))
Q3_START, Q3_END = date(2025, 7, 1), date(2025, 9, 30)
# SKB 3 Menteri 2025 on the weekdays of Q3: cuti bersama after Independence Day (the 17th is a Sunday), Maulid.
Q3_HOLIDAYS = {date(2025, 8, 18), date(2025, 9, 5)}
WIB = timedelta(hours=7)


def _in(kec_app, work):
    """Run `work` on this office's database: the models reach one office at a time (two live in this process)."""
    from app.frame.db import database
    database.initialize(kec_app.extensions["database"])
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        return work()


def _office(kec_app, code, name, complaints, scores, late, box_days):
    from app.auth.accounts import create_user
    from app.frame import store
    from app.frame.db import database
    with database.atomic():
        store.put("kecamatan_code", code)
        store.put("kecamatan_name", name)
    for role in ("camat", "petugas_informasi"):
        create_user(role.replace("_", "-"), f"Pegawai {role}", role, password="rahasia-kantor-1",
                    must_change_password=False)
    for n in range(complaints):  # received and followed up the same morning (WIB), all in Q3 2025
        complaint_row(datetime(2025, 7, 7 + n, 2), status="selesai", first_response_at=datetime(2025, 7, 7 + n, 3),
                      followed_up_at=datetime(2025, 7, 7 + n, 4), tindak_lanjut="Sudah dijelaskan",
                      complainant_name="Budi")
    for n in range(late):  # received on a Monday, followed up ten working days later
        complaint_row(datetime(2025, 7, 14 + n, 2), status="selesai", first_response_at=datetime(2025, 7, 14 + n, 3),
                      followed_up_at=datetime(2025, 7, 28 + n, 4), tindak_lanjut="Sudah diperbaiki")
    for n, score in enumerate(scores):
        survey_response(datetime(2025, 8, 4 + n, 3), score)
    for day in box_days:
        box_opening(day, datetime(2025, 7, 1))


def _client(kec_app, role):
    from app.auth.models import User
    kec_app.test_client_class = CsrfClient
    client = kec_app.test_client()
    sign_in_as(client, User.get(User.role == role))
    return client


def _approve(kec_app, year, quarter):
    def work():
        url = f"/rekap/{year}/{quarter}"
        drafted = _client(kec_app, "petugas_informasi").post(f"{url}/draf", data={
            "promises": "Menambah kursi ruang tunggu.", "narrative": "Triwulan yang ramai.", "ajukan": "1"})
        assert drafted.status_code in (200, 303), drafted.status_code
        assert _client(kec_app, "camat").post(f"{url}/setujui").status_code == 303
    _in(kec_app, work)


def _working(day: date) -> bool:
    return day.weekday() < 5 and day not in Q3_HOLIDAYS


def _due(received: date, days: int) -> date:
    """The `days`-th working day after the local receipt day: the last day a follow-up is on time."""
    while days:
        received += timedelta(days=1)
        days -= _working(received)
    return received


def _recomputed(kec_app):
    """From the kecamatan's own rows, not through the recap or the indicators: complaints (received, followed
    up, on time), unit IKM answers, kotak saran days and applications of Q3 2025 (WIB)."""
    def work():
        from app.complaints.models import Complaint, SuggestionBoxSession
        from app.frame import store
        from app.registration.models import Application
        from app.survey.models import SurveyAnswer
        start, end = datetime(2025, 6, 30, 17), datetime(2025, 9, 30, 17)
        received = list(Complaint.select().where(Complaint.received_at >= start, Complaint.received_at < end))
        days = int(store.get("complaint_follow_up_days"))
        closed = [c for c in received if c.followed_up_at]
        on_time = [c for c in closed if (c.followed_up_at + WIB).date() <= _due((c.received_at + WIB).date(), days)]
        answers = defaultdict(list)
        for answer in SurveyAnswer.select():
            answers[answer.element].append(answer.score)
        opened = {s.opened_on for s in SuggestionBoxSession.select()}
        applications = Application.select().count()
        return len(received), len(closed), len(on_time), answers, opened, applications
    return _in(kec_app, work)


def _indicators(closed, on_time, answers, opened, applications) -> dict:
    """Each service indicator's value as docs/recap.md defines it, from the counts above; None: nothing to
    measure ("–" at the center)."""
    working = [Q3_START + timedelta(days=n) for n in range((Q3_END - Q3_START).days + 1)]
    working = [day for day in working if _working(day)]

    def share(part, whole):
        return 100 * part / whole if whole else None
    ikm = float(_ikm(answers).replace(",", "."))
    return {"KTP-el siap diambil tepat waktu": share(0, applications),  # no application registered:
            "KTP-el diambil warga tepat waktu": share(0, applications),  # nothing ready, handed over
            "Berkas dikembalikan karena belum lengkap": share(0, applications),  # or returned
            "Pengaduan ditindaklanjuti tepat waktu": share(on_time, closed),
            "Kotak saran dibuka setiap hari layanan": share(len([d for d in working if d in opened]), len(working)),
            "Indeks Kepuasan Masyarakat (IKM)": ikm}


def _as_shown(value) -> str:
    """A share as the center's table writes it: one decimal, half up, a comma (as the kecamatan prints it)."""
    if value is None:
        return "–"
    return str(Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)).replace(".", ",")


def _cells(page: str, name: str) -> dict:
    """{column heading: the cell's text} of a kecamatan's row in the side-by-side table."""
    # An indicator's heading is its short code (I1, I2 ...) with its full name in the abbr's title (issue 43).
    headings = [html.unescape(named.group(1)) if (named := re.search(r'<abbr title="([^"]+)"', h))
                else re.sub(r"<[^>]+>", "", h) for h in re.findall(r'<th scope="col">(.*?)</th>', page)]
    start = page.index(name)
    row = page[start:page.index("</tr>", start)]
    cells = [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    return dict(zip(headings[1:], cells))


def _ikm(answers: dict) -> str:
    """PermenPANRB 14/2017: mean of the NRR of the nine unsur x 25, two decimals, written the Indonesian way."""
    nrr = [Decimal(sum(v)) / Decimal(len(v)) for v in answers.values()]
    value = (sum(nrr) / Decimal(len(nrr)) * 25).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return str(value).replace(".", ",")


def _sync(directory, tmp_path, name):
    run = Process(["sync", "--data", str(directory)], tmp_path / f"{name}.log").start()
    assert run.wait() == 0, (tmp_path / f"{name}.log").read_text()


def test_two_kecamatan_approve_sync_and_the_pimpinan_sees_both_side_by_side(tmp_path):
    from sync.center import keys
    from sync.center.accounts import create_operator
    center_dir = tmp_path / "center"
    center_app, first_code = prepare_center(center_dir)
    with center_app.extensions["center_database"].connection_context():
        jatiroto = kecamatan_row("35.08.08", "Jatiroto")
        codes = [first_code, keys.new_enrolment_code(jatiroto)]
        create_operator("bupati", "Pimpinan Kabupaten", "pimpinan", password="pimpinan-rahasia-1",
                        must_change_password=False)
    center = CenterServer(center_dir).start()
    try:
        offices, pooled, expected = [], defaultdict(list), {}
        for (code, name, *rows), enrolment in zip(OFFICES, codes):
            directory = tmp_path / name.lower()
            kec_app = kecamatan_app(directory)
            _in(kec_app, lambda: _office(kec_app, code, name, *rows))
            enrol = Process(["sync", "--data", str(directory), "enrol", "--center", center.url, "--code", enrolment,
                             "--kecamatan", code], tmp_path / f"enrol-{name}.log").start()
            assert enrol.wait() == 0, (tmp_path / f"enrol-{name}.log").read_text()
            _approve(kec_app, 2025, 3)
            _sync(directory, tmp_path, f"sync-{name}")
            received, closed, on_time, answers, opened, applications = _recomputed(kec_app)
            expected[name] = (received, _ikm(answers), sum(len(v) for v in answers.values()) // 9, closed, on_time,
                              _indicators(closed, on_time, answers, opened, applications))
            for element, values in answers.items():
                pooled[element] += values
            offices.append((directory, kec_app))

        pimpinan = signed_in(center.url, "bupati", "pimpinan-rahasia-1", "/masuk")
        page = pimpinan.get(center.url + "/kinerja?tahun=2025&triwulan=3").text
        for name, (received, ikm, respondents, closed, on_time, indicators) in expected.items():
            start = page.index(name)
            row = page[start:page.index("</tr>", start)]
            assert f">{received}<" in row and f"{on_time} dari {closed}" in row, (name, row)
            assert f"{ikm} (" in row and f">{respondents}<" in row, (name, ikm, row)
            cells = _cells(page, name)
            for indicator, value in indicators.items():  # each service indicator's value, then its target
                if indicator == "Indeks Kepuasan Masyarakat (IKM)":
                    continue  # its own column, "IKM (mutu)", checked above (issue 43: one IKM column)
                assert cells[indicator].split()[0] == _as_shown(value), (name, indicator, value, cells[indicator])
        assert expected["Jatiroto"][4] < expected["Jatiroto"][3]  # the late follow-up counts against the target
        assert f"<strong>{_ikm(pooled)} – mutu" in page  # the regency's IKM from every answer of both
        assert "Budi" not in page and "Sudah dijelaskan" not in page

        sheet = load_workbook(io.BytesIO(pimpinan.get(center.url + "/kinerja.xlsx?tahun=2025&triwulan=3").content)).active
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        header = rows[2]
        by_name = {dict(zip(header, r))["Kecamatan"]: dict(zip(header, r)) for r in rows[3:]}
        for name, (received, ikm, respondents, closed, on_time, indicators) in expected.items():
            assert by_name[name]["Pengaduan diterima"] == received and by_name[name]["Responden IKM"] == respondents
            assert (by_name[name]["Selesai"], by_name[name]["Selesai tepat waktu"]) == (closed, on_time)
            assert f"{by_name[name]['IKM']:.2f}".replace(".", ",") == ikm
            for indicator, value in indicators.items():
                if indicator == "Indeks Kepuasan Masyarakat (IKM)":
                    continue  # the one IKM column, checked above
                assert by_name[name][f"{indicator} (nilai)"] == (round(value, 2) if value is not None else "–"), \
                    (name, indicator, value)
        printed = pimpinan.get(center.url + "/kinerja/cetak?tahun=2025&triwulan=3").text
        assert "PEMERINTAH KABUPATEN LUMAJANG" in printed and "DINAS KEPENDUDUKAN" in printed
        assert all(name in printed for name in expected)

        # An addendum at Yosowilangun: a Q3 complaint written after approval, listed by the approved Q4 recap.
        directory, kec_app = offices[0]

        def late():
            from app.recap.models import QuarterRecap
            approved = QuarterRecap.get(QuarterRecap.quarter == 3).approved_at
            complaint_row(datetime(2025, 9, 22, 2), status="selesai", followed_up_at=datetime(2025, 9, 22, 4),
                      created_at=approved + timedelta(seconds=1))
        _in(kec_app, late)
        _approve(kec_app, 2025, 4)
        _sync(directory, tmp_path, "sync-addendum")
        page = pimpinan.get(center.url + "/kinerja?tahun=2025&triwulan=3").text
        row = page[page.index("Yosowilangun"):page.index("</tr>", page.index("Yosowilangun"))]
        assert "versi 2" in row and "adendum 1 pengaduan" in row
        assert re.search(r">%d<" % expected["Yosowilangun"][0], row)  # the frozen figures stay as approved
    finally:
        center.stop()
