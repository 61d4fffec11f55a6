"""An office year as a hypothesis state machine: the operations an office, its desa and the printing
center perform, in any order, with every invariant of tests/simulation/invariants.py checked after
every step.

Switches (environment, comma lists):
- `LOKET_SIM_OFF=rule_or_invariant,...` leaves rules or invariants out (a known bug's path, while its
  fix is being built); `LOKET_SIM_OFF=known_seams` leaves out the paths of issue 24's findings.
- `LOKET_SIM_CENTER=postgres` runs every world's center on PostgreSQL (a database of its own on
  LOKET_TEST_PG_URL's server); sqlite (the default) in its data folder.
"""
from __future__ import annotations

import atexit
import copy
import io
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tests.simulation import invariants as inv
from tests.simulation.world import DESA, KUNIR, YOSOWILANGUN, World, errors_of, jpeg_photo, text

# The rules and invariants that reach issue 24's findings on commit 146f68f (see docs/testing.md).
# Paths that reach a seam found and not yet fixed (tests/simulation/test_found_seams.py, docs/testing.md):
# none today; the last one (a form typed before its desa laptop was enrolled again, printed there again)
# was fixed in the fifteenth session.
KNOWN_SEAMS: set[str] = set()


def switched_off() -> set[str]:
    names = {n.strip() for n in os.environ.get("LOKET_SIM_OFF", "").split(",") if n.strip()}
    if "known_seams" in names:
        names |= KNOWN_SEAMS
    return names


def _partial_backups(folder: Path) -> set:
    """The backups being written in `folder` (their temporary files), each as its name and identity."""
    from app.backups.engine import PARTIAL_SUFFIX
    found = set()
    for path in folder.glob(f"*{PARTIAL_SUFFIX}"):
        try:
            found.add((path.name, path.stat().st_ino, path.stat().st_mtime_ns))
        except FileNotFoundError:  # renamed meanwhile: the backup was done
            pass
    return found


def on(name: str):
    return lambda self: name not in self.off


# Figures for the long run's report, over every example of a run.
STATS = {"ops": Counter(), "invariants": Counter(), "steps": 0, "examples": 0, "faults": 0, "kills": 0, "office_kills": 0,
         # `run.py sync --full` processes SIGKILLed (kill_sync_pass): where the kill landed in the pass,
         # before its first request reached the proxy, mid-pass (a request read, the process still
         # running; of those, "in_request": a connection open through the proxy then, "upload_begun": a
         # packet of applications read by then), after the pass ended
         "pass_kills": Counter(),
         # `run.py serve` processes SIGKILLed (kill_office_program): "backup", inside the start's daily
         # backup (its temporary file left); "sync_probe", inside a request of its sync probe or pass;
         # "sync_begun", after its first request to the center (between requests, or the pass done);
         # "elsewhere" (its start-up, or between the jobs' steps)
         "office_kills_at": Counter(),
         "seconds_in_setup": 0.0, "seconds_per_op": Counter(), "seconds_per_invariant": Counter()}

MAX_DESA_PCS = 3
PICK = st.integers(min_value=0, max_value=10_000)
COUNTERS = ("P1", "P2", "K1", "P1-baru1", "P2-baru1")  # a replacement PC, once restored (else its original)


@dataclass
class Account:
    """A staff account the simulation's admin made through the account page, as its holder knows it."""
    role: str
    password: str
    must_change: bool = False  # a one-time password from the admin, changed at the next sign-in
    active: bool = True  # the admin can switch an account off (Pengguna > Nonaktifkan) and on again


def _earlier_utc_now():  # the body of app.frame.dates.utc_now, run in its module, `_sim_shift` earlier
    return datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None) - _sim_shift  # noqa: F821


@contextmanager
def office_clock_back(days: int):
    """The in-process office programs' clock (app/frame/dates.utc_now, which every module reads) `days`
    earlier for the duration: what they write is dated as if done then. The center is its own process."""
    from app.frame import dates
    if not days:
        yield
        return
    real = dates.utc_now.__code__
    dates._sim_shift = timedelta(days=days)
    dates.utc_now.__code__ = _earlier_utc_now.__code__
    try:
        yield
    finally:
        dates.utc_now.__code__ = real


def store_value(name: str):
    from app.frame import store
    return store.get(name)


def qr_text_of(page: str) -> tuple[str, bytes]:
    """What a scanner reads from the F-1.07's printed QR code: its inline SVG (segno's line path)
    drawn as a picture, read with zxing-cpp. Returns (text, PNG of the code)."""
    from PIL import Image, ImageDraw
    import zxingcpp
    svg = re.search(r'<svg width="(\d+)"[^>]*>.*?</svg>', page, re.S)
    assert svg, "the F-1.07 shows no QR code"
    scale, modules = 6, int(svg.group(1)) // 4  # qr_svg draws at scale 4
    picture = Image.new("L", (modules * scale, modules * scale), 255)
    draw = ImageDraw.Draw(picture)
    x = y = 0.0
    for command, a, b in re.findall(r'([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?', re.search(r' d="([^"]+)"', svg.group(0)).group(1)):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            row = int(y)
            draw.rectangle([int(x * scale), row * scale, int((x + float(a)) * scale) - 1, (row + 1) * scale - 1], fill=0)
            x += float(a)
    found = [r.text for r in zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode) if r.text]
    assert found, "the F-1.07's QR code does not scan"
    png = io.BytesIO()
    picture.save(png, "PNG")
    return found[0], png.getvalue()


def owned_by(user_id: int) -> set:
    """What an account recorded: (table, column, row) of every row whose reference to the account table
    names it, and of its audit events."""
    from app.auth.models import User
    from app.frame.audit_event import AuditEvent
    owned = {("audit_event", "user_id", row) for row, in AuditEvent.select(AuditEvent.id)
             .where(AuditEvent.user_id == user_id).tuples()}
    for field in User._meta.backrefs:
        model = field.model
        keys = [k for k in model._meta.get_primary_keys() if k] or model._meta.sorted_fields
        owned |= {(model._meta.table_name, field.column_name, row) for row in model.select(*keys)
                  .where(field == user_id).tuples()}
    return owned


_templates: dict[str, Path] = {}  # center kind (world.center_kind) -> the template world's folder


def world_template() -> Path:
    """The center, two counter PCs of Yosowilangun (P1, P2), one of Kunir (K1), a desa laptop (D1),
    set up and enrolled through their pages once per process and center kind (SQLite, PostgreSQL);
    every example starts from a copy."""
    from tests.simulation.world import center_kind
    kind = center_kind()
    if kind not in _templates:
        world = World(Path(tempfile.mkdtemp(prefix="tahun-kantor-awal-")))
        world.add_kecamatan_pc("P1", YOSOWILANGUN)
        world.add_kecamatan_pc("P2", YOSOWILANGUN)
        world.add_kecamatan_pc("K1", KUNIR)
        world.add_desa_pc("D1", world.offices["P1"], desa_index=0)
        problems = inv.every_page_answers_below_500(world, inv.Touched())
        assert not problems and all(o.enrolled() for o in world.offices.values()), problems
        _templates[kind] = world.save_as_template()
        atexit.register(shutil.rmtree, _templates[kind], True)
    return _templates[kind]


def build_world() -> World:
    return World(template=world_template())


class OfficeYear(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.off = switched_off()
        started = time.perf_counter()
        self.world = build_world()
        STATS["seconds_in_setup"] += time.perf_counter() - started
        STATS["examples"] += 1
        self.touched = inv.Touched()
        self.walk_problems: list[str] = []
        self.replacements = 0
        self.forms = 0
        self.backup_problems: list[str] = []
        self.old_forms: set[str] = set()  # NIKs of desa forms typed weeks ago (past their validity)
        # NIKs registered at two counters and typed at a desa: their desa form is refused at a counter
        # that holds their running application, so the accepting rules leave it alone.
        self.registered_twice: set[str] = set()
        self.accounts: dict[str, dict[str, Account]] = {}  # office name -> username -> what its holder knows
        self.accounts_in_backup: dict[str, dict[str, Account]] = {}  # backup file -> the accounts it holds
        self.step_started = time.perf_counter()

    def teardown(self):
        STATS["faults"] += self.world.faults_injected
        STATS["kills"] += self.world.kills
        STATS["office_kills"] += self.world.office_kills
        self.world.close()
        shutil.rmtree(self.world.root, ignore_errors=True)

    # --- helpers ----------------------------------------------------------------------------------

    def _done(self, kind: str) -> None:
        STATS["ops"][kind] += 1
        STATS["steps"] += 1
        STATS["seconds_per_op"][kind] += time.perf_counter() - self.step_started

    def _counter(self, name: str):
        """A counter PC by its name in the plan; a replaced PC answers through its replacement."""
        office = self.world.offices.get(name) or self.world.offices[name.split("-")[0]]
        while getattr(office, "dead", False) and getattr(office, "replaced_by", None):
            office = self.world.offices[office.replaced_by]
        return None if office.dead else office

    def _live_counters(self):
        return [o for o in inv.kecamatan_pcs(self.world)]

    def _applications(self, office, *statuses):
        from app.registration.models import Application
        return office.read(lambda: [a for a, in Application.select(Application.id).where(
            Application.status.in_(list(statuses))).order_by(Application.id).tuples()])

    # --- the counter --------------------------------------------------------------------------------

    @rule(pc=st.sampled_from(COUNTERS), desa=st.integers(0, 1))
    def register(self, pc, desa):
        office = self._counter(pc)
        if office is None:
            return
        self._register(office, self.world.new_person(office.kecamatan, desa), "daftar")

    def _register(self, office, person, kind, username=None, query=""):
        """Daftar Baru at the counter (`query`: "?kolektif=ID" for an applicant of a collective letter);
        the application's page, or None when refused (a held PC) or answered 500."""
        data = dict(person.form(), photo=(io.BytesIO(jpeg_photo(person.n)), "foto.jpg"))
        if query:
            data["kolektif"] = query.split("=", 1)[1]
        response = office.post("petugas_loket", "/pendaftaran/baru" + query, data, username=username,
                               content_type="multipart/form-data")
        if response is not None and response.status_code == 422 and self._numbers_nothing(office):
            # Another PC's backup restored here: no number until the admin chooses (issue 24); or an old PC
            # back after another took it over, until it is enrolled as a PC tambahan (issue 42).
            assert re.search("ditahan|PC tambahan", response.get_data(as_text=True)), errors_of(response)
            self._done(kind + "_ditahan")
            return None
        assert response is None or response.status_code in (302, 303), errors_of(response)
        self._done(kind)
        if response is None:
            return None
        office.people[person.n] = person
        self.touched.page(office, response.headers["Location"])
        return response.headers["Location"]

    @rule(pc=st.sampled_from(COUNTERS), pick=PICK, complete=st.booleans())
    def check_requirements(self, pc, pick, complete):
        """The clerk ticks the requirements: all (complete, it goes to the center) or none (returned)."""
        from app.frame import store
        from app.registration import requirements as reqs
        from app.registration.models import Application
        office = self._counter(pc)
        if office is None:
            return
        waiting = self._applications(office, "diterima", "dikembalikan")
        if not waiting:
            return
        application_id = waiting[pick % len(waiting)]
        codes = office.read(lambda: [item["code"] for item in reqs.requirements_for(
            Application.get_by_id(application_id).reason, store.get("requirements"))])
        response = office.post("petugas_loket", f"/pendaftaran/{application_id}/persyaratan",
                               {"syarat": codes if complete else []})
        assert response is None or response.status_code in (302, 303), errors_of(response)
        self.touched.page(office, f"/pendaftaran/{application_id}")
        self._done("lengkap" if complete else "kembalikan")

    @rule(pc=st.sampled_from(COUNTERS), pick=PICK)
    def hand_over(self, pc, pick):
        """A shipped card arrives at the counter and its applicant collects it."""
        office = self._counter(pc)
        if office is None:
            return
        shipped = self._applications(office, "dikirim", "siap_diambil")
        if not shipped:
            return
        application_id = shipped[pick % len(shipped)]
        office.post("petugas_loket", f"/pendaftaran/{application_id}/status", {"to_status": "siap_diambil"})
        response = office.post("petugas_loket", f"/pendaftaran/{application_id}/serah", {"collector": "pemohon"})
        assert response is None or response.status_code in (302, 303), errors_of(response)
        self.touched.page(office, f"/pendaftaran/{application_id}")
        self._done("serahkan")

    # --- the admin ------------------------------------------------------------------------------------

    @precondition(on("create_desa_operator"))
    @rule(pc=st.sampled_from(COUNTERS), desa=st.integers(0, 1))
    def create_desa_operator(self, pc, desa):
        """The admin makes an Operator Desa account at the kecamatan (its desa are a list)."""
        if "desa_accounts_at_two_counter_pcs" in self.off and pc not in ("P1", "K1"):
            pc = "K1" if pc == "K1" else "P1"  # desa accounts on one counter PC per kecamatan
        office = self._counter(pc)
        if office is None:
            return
        from app.auth.models import User
        username = f"desa-{office.name.lower()}-{desa}"
        if office.read(lambda: User.select().where(User.username == username).exists()):
            return
        code = DESA[office.kecamatan][desa][0]
        response = office.post("admin", "/admin/operator-desa/baru",
                               {"username": username, "full_name": f"Operator {username}", "desa": [code]})
        assert response is None or response.status_code == 200, errors_of(response)
        if response is None:
            return
        password = re.search(r'class="one-time-password"><code>([^<]+)</code>', text(response)).group(1)
        self.accounts.setdefault(office.name, {})[username] = Account("operator_desa", password, must_change=True)
        self._sign_in(office, username)  # its holder chooses a password of their own
        self._done("operator_desa")

    @precondition(on("change_requirements"))
    @rule(pc=st.sampled_from(COUNTERS), service_days=st.integers(5, 20))
    def change_requirements(self, pc, service_days):
        """Pengaturan KTP-el: the admin saves the requirement list (and the service days)."""
        from app.frame import store
        office = self._counter(pc)
        if office is None:
            return
        rows = office.read(lambda: store.get("requirements"))
        form = {"service_days": str(service_days), "row_count": str(len(rows))}
        for index, row in enumerate(rows):
            form[f"label_{index}"], form[f"code_{index}"], form[f"reasons_{index}"] = \
                row["label"], row["code"], row["reasons"]
        response = office.post("admin", "/admin/pendaftaran", form)
        assert response is None or response.status_code in (302, 303), errors_of(response)
        self._done("pengaturan")

    # --- the desa ---------------------------------------------------------------------------------------

    @rule(where=PICK)
    def desa_pre_register(self, where):
        """A desa operator types an F-1.07: on a desa laptop, or at the kecamatan with a desa account."""
        self._pre_register(where, days_ago=0, kind="pra_pendaftaran")

    @precondition(on("desa_form_not_brought_in_time"))
    @rule(where=PICK, weeks=st.integers(7, 12))
    def desa_form_not_brought_in_time(self, where, weeks):
        """Time passing for a desa form: an F-1.07 typed `weeks` weeks ago (the office's clock of that day)
        whose applicant never came. Its validity (10 working days on the office calendar) has run out:
        the counter refuses to accept it and registers the person anew, a counter receiving it by the
        relay or its QR code refuses it with the reason, and the desa sees it. (The center runs as its
        own process with the real clock; a form passing its last day in a queue: desa_form_expires_in_the_queue.)"""
        self._pre_register(where, days_ago=7 * weeks, kind="pra_pendaftaran_lama")

    @precondition(on("desa_form_expires_in_the_queue"))
    @rule(where=PICK, weeks=st.integers(7, 12), days_later=st.integers(0, 5))
    def desa_form_expires_in_the_queue(self, where, weeks, days_later):
        """Time passing for a form in the counter's queue: a desa operator typed an F-1.07 `weeks` weeks
        ago; `days_later` days after, still valid, the laptop's and a counter PC's sync passes relayed it
        into that PC's queue (both on the office clock of that day: only the offices' date logic moves,
        the sync signatures and the center keep the real clock), where it waited. Today it is past its
        last day: the applicant comes, the counter refuses to accept it ("kedaluwarsa") and registers
        them anew; the PC's next pass tells the desa by the relay, and the laptop shows it "Kedaluwarsa"
        with the reason."""
        from app.desa import relay_records
        from app.desa.models import PreRegistration
        from app.desa.records import today
        laptops = [d for d in inv.desa_pcs(self.world) if d.desa_code]
        laptop = laptops[where % len(laptops)] if laptops else None
        key = self._center_key(laptop) if laptop is not None else None
        counters = [o for o in self._live_counters() if laptop is not None and o.kecamatan == laptop.kecamatan
                    and not self._held(o) and self._key_alive(o)]
        if key is None or key.revoked_at is not None or not counters:
            return
        office = counters[where % len(counters)]
        assert not office.sync().error  # today's pass first: the center's news for it arrives today
        assert not laptop.sync().error
        days = 7 * weeks
        person = self._pre_register(laptops.index(laptop), days, "pra_pendaftaran_antre")
        if person is None:
            return
        number = laptop.read(lambda: PreRegistration.get(PreRegistration.nik == person.nik).number)
        with office_clock_back(days - days_later):
            assert not laptop.sync().error
            assert not office.sync().error
            that_day = office.read(today)
        pre_id, status, expires_on = office.read(lambda: list(PreRegistration.select(
            PreRegistration.id, PreRegistration.status, PreRegistration.expires_on)
            .where(PreRegistration.number == number).tuples())[0])
        now = office.read(today)
        assert status == PreRegistration.WAITING and that_day <= expires_on < now, (status, that_day, expires_on, now)
        self._accept(office, pre_id, person, False, "terima_pra_antre")  # refused: kedaluwarsa, registered anew
        assert not office.sync().error
        assert not laptop.sync().error
        desa_id, relay_status, note = laptop.read(lambda: list(PreRegistration.select(
            PreRegistration.id, PreRegistration.relay_status, PreRegistration.relay_note)
            .where(PreRegistration.number == number).tuples())[0])
        assert relay_status == relay_records.EXPIRED and "tidak dibawa ke kecamatan" in note, (relay_status, note)
        page = laptop.get("operator_desa", f"/desa/pra-pendaftaran/{desa_id}", username=f"op-{laptop.name.lower()}")
        assert page is None or "Kedaluwarsa" in text(page), "the laptop does not show the form expired"
        self.touched.page(laptop, f"/desa/pra-pendaftaran/{desa_id}")
        self._done("pra_pendaftaran_kedaluwarsa_di_antrean")

    def _pre_register(self, where, days_ago, kind):
        places = [(d, "operator_desa", f"op-{d.name.lower()}", self._desa_index(d)) for d in inv.desa_pcs(self.world)
                  if d.desa_code]
        for office in self._live_counters():
            for username, desa in office.read(self._desa_accounts):
                places.append((office, "operator_desa", username, desa))
        if not places:
            return
        office, role, username, desa = places[where % len(places)]
        person = self.world.new_person(office.kecamatan, desa)
        data = dict(person.form(), photo=(io.BytesIO(jpeg_photo(person.n)), "foto.jpg"))
        office.client(role, username)  # signed in today; the form is typed on the day it was typed
        with office_clock_back(days_ago):
            response = office.post(role, "/desa/pra-pendaftaran/baru", data, username=username,
                                   content_type="multipart/form-data")
        if response is not None and response.status_code == 422 and not office.is_desa and self._numbers_nothing(office):
            # A counter PC holding another PC's backup numbers nothing until the admin chooses (or an old
            # PC taken over, until it is enrolled as a PC tambahan).
            assert re.search("ditahan|PC tambahan", response.get_data(as_text=True)), errors_of(response)
            self._done(kind + "_ditahan")
            return
        assert response is None or response.status_code in (302, 303), errors_of(response)
        if response is not None:
            office.people[person.n] = person
            if days_ago:
                self.old_forms.add(person.nik)
            self.touched.page(office, response.headers["Location"])
        self._done(kind)
        return person if response is not None else None

    @staticmethod
    def _desa_accounts():
        """The desa operator accounts the admin made at this kecamatan PC (as its database has them)."""
        from app.auth.models import User
        from app.desa.models import UserDesa
        from app.frame import store
        codes = [code for code, _ in DESA[store.get("kecamatan_code")]]
        return [(username, codes.index(code)) for username, code in
                UserDesa.select(User.username, UserDesa.desa_code).join(User)
                .where(User.username.startswith("desa-") & User.is_active).order_by(User.username).tuples()
                if code in codes]

    def _desa_index(self, desa_pc) -> int:
        return [code for code, _ in DESA[desa_pc.kecamatan]].index(desa_pc.desa_code)

    @rule(pc=st.sampled_from(COUNTERS), pick=PICK, correct=st.booleans())
    def accept_at_counter(self, pc, pick, correct):
        """The applicant brings the pre-registration to the counter; the clerk accepts it, correcting
        the address when the applicant says it changed."""
        from app.desa.models import PreRegistration
        office = self._counter(pc)
        if office is None:
            return
        waiting = office.read(lambda: list(PreRegistration.select(PreRegistration.id, PreRegistration.nik)
                                           .where(PreRegistration.status == PreRegistration.WAITING)
                                           .order_by(PreRegistration.id).tuples()))
        if not waiting:
            return
        waiting = [(pre_id, nik) for pre_id, nik in waiting if nik not in self.registered_twice]
        if not waiting:
            return
        pre_id, nik = waiting[pick % len(waiting)]
        person = next((p for p in self.world.people.values() if p.nik == nik), None)
        if person is None:
            return
        self._accept(office, pre_id, person, correct and "accept_with_correction" not in self.off, "terima_pra")

    def _accept(self, office, pre_id, person, correct, kind):
        """The clerk accepts a waiting pre-registration (taking the photo at the counter when the form
        came without one: a scanned QR). A form past its validity is refused (422, "kedaluwarsa") and
        the person is registered anew at the counter, as the refusal says."""
        from app.desa.models import PreRegistration
        form = person.form(address=person.corrected_address) if correct else person.form()
        if not office.read(lambda: PreRegistration.get_by_id(pre_id).photo_jpeg):
            form["photo"] = (io.BytesIO(jpeg_photo(person.n)), "foto.jpg")
        response = office.post("petugas_loket", f"/pra-pendaftaran/{pre_id}/terima", form,
                               content_type="multipart/form-data")
        if person.nik in self.old_forms:
            assert response is None or (response.status_code == 422 and "kedaluwarsa" in text(response)), \
                f"a form past its validity: {errors_of(response)}"
            self.touched.page(office, f"/desa/pra-pendaftaran/{pre_id}")
            self._done(kind + "_kedaluwarsa")
            self._register_anew(office, person)
            return
        if response is not None and response.status_code == 422 and self._numbers_nothing(office):
            # Another PC's backup restored here: no number until the admin chooses (issue 24); or an old PC
            # back after another took it over, until it is enrolled as a PC tambahan (issue 42).
            assert re.search("ditahan|PC tambahan", response.get_data(as_text=True)), errors_of(response)
            self._done(kind + "_ditahan")
            return
        assert response is None or response.status_code in (302, 303), errors_of(response)
        office.people[person.n] = person
        self.touched.page(office, f"/desa/pra-pendaftaran/{pre_id}")
        self._done(kind + ("_koreksi" if correct else ""))

    @rule(pc=st.sampled_from(COUNTERS), desa=st.integers(0, 1))
    def new_desa_pc(self, pc, desa):
        """The kecamatan's admin makes a desa PC code; a desa laptop is enrolled with it."""
        if "desa_pc_from_second_counter" in self.off and pc not in ("P1", "K1"):
            pc = "K1" if pc == "K1" else "P1"  # one counter PC per kecamatan issues desa PC codes
        office = self._counter(pc)
        if office is None or len(inv.desa_pcs(self.world)) >= MAX_DESA_PCS or not office.enrolled():
            return
        if self._held(office):
            # Found by the office year (seed 1512): a PC holding another PC's backup, before the admin says
            # which it is, made a desa PC code from that PC's block, one a laptop already held: refused now.
            desa_code = DESA[office.kecamatan][desa][0]
            response = office.post("admin", "/admin/operator-desa/kode-komputer", {"desa": desa_code})
            assert response is None or (response.status_code == 422
                                        and "belum dapat dibuat" in text(response)), errors_of(response)
            self._done("komputer_desa_ditahan")
            return
        name = f"D{len([o for o in self.world.offices.values() if o.is_desa]) + 1}"
        key = self._center_key(office)
        laptop = self.world.add_desa_pc(name, office, desa_index=desa)
        if laptop.dead:
            # Found by the office year (seeds 2828, 3011): an old PC brought back after a new PC took its
            # key over issues a code before its next pass tells it so; the center refuses the code and
            # the laptop says so. A PC in service must never see its code refused.
            assert key is not None and (key.replaced_by or key.revoked_at is not None), laptop.refusal[:300]
            assert "tidak dikenal pusat" in laptop.refusal, laptop.refusal[:300]
            self._done("komputer_desa_kode_ditolak")
            return
        self._done("komputer_desa")

    @precondition(on("revoke_desa_laptop"))
    @rule(where=PICK, pc=st.sampled_from(COUNTERS))
    def revoke_desa_laptop(self, where, pc):
        """A desa laptop is lost: the kecamatan's admin revokes its desa's key (Operator Desa > Cabut
        kunci) at a counter PC. A form the laptop relays before that PC's next pass tells the center is
        refused at the counter with the reason; the laptop's pass after it is refused with the center's
        signed message that the key is revoked, shown on its pages; a form it relayed before stays valid
        (the clerk accepts it). The desa's admin enrols the laptop again with a new code from the
        kecamatan (every laptop of that desa): its forms flow again, and the refused one shows the
        kecamatan's reason at the desa."""
        from app.desa import relay_records
        from app.desa.models import PreRegistration
        from app.frame.audit_event import AuditEvent
        from sync.center.relay import KEY_REVOKED_MESSAGE
        laptops = [d for d in inv.desa_pcs(self.world) if d.desa_code and d.enrolled()]
        if not laptops:
            return
        laptop = laptops[where % len(laptops)]
        key = self._center_key(laptop)
        counters = [o for o in self._live_counters()
                    if o.kecamatan == laptop.kecamatan and not self._held(o) and self._key_alive(o)]
        if key is None or key.revoked_at is not None or not counters:
            return
        office = self._counter(pc)
        office = office if office in counters else counters[where % len(counters)]
        assert not office.sync().error  # this PC knows its kecamatan's revocations so far
        before = self._relayed_waiting(office, laptop)
        response = office.post("admin", "/admin/operator-desa/cabut-kunci", {"desa": laptop.desa_code})
        assert response is None or response.status_code in (302, 303), errors_of(response)
        if response is None:
            return
        operator = f"op-{laptop.name.lower()}"
        # A form the lost laptop relays before the kecamatan's next pass: the center still takes it.
        person = self._pre_register([d for d in inv.desa_pcs(self.world) if d.desa_code].index(laptop), 0,
                                    "pra_pendaftaran")
        if person is None:
            return
        number = laptop.read(lambda: PreRegistration.get(PreRegistration.nik == person.nik).number)
        assert not laptop.sync().error, "the center refused the laptop before the kecamatan told it"
        assert not office.sync().error
        assert not office.read(lambda: PreRegistration.select().where(PreRegistration.number == number).exists()), \
            f"{number}, relayed after the revocation, is in {office.name}'s queue"
        refusals = office.read(lambda: [s for s, in AuditEvent.select(AuditEvent.summary).where(
            AuditEvent.action == "tolak").tuples() if number in s])
        assert any("sudah dicabut di kecamatan" in s for s in refusals), (number, refusals)
        # The laptop's next pass: the center refuses its key, and the laptop says so.
        report = laptop.sync()
        assert KEY_REVOKED_MESSAGE in (report.error or ""), report.error
        home = laptop.get("operator_desa", "/desa", username=operator)
        assert home is None or KEY_REVOKED_MESSAGE in text(home), "the laptop's page does not say its key is revoked"
        # What it relayed before the revocation stays valid: the applicant comes, the clerk accepts it.
        for pre_id, nik in before[:1]:
            self._accept(office, pre_id, next(p for p in self.world.people.values() if p.nik == nik), False,
                         "terima_pra_sebelum_cabut")
        # Enrolled again with a new code from the kecamatan: its forms flow again.
        for desa in [d for d in inv.desa_pcs(self.world) if d.desa_code == laptop.desa_code]:
            answer = self.world.enrol_desa_pc(desa, office)
            assert answer is not None and answer.status_code in (302, 303), errors_of(answer)
            assert not desa.sync().error, f"{desa.name} does not sync after it enrolled again"
        again = self._pre_register([d for d in inv.desa_pcs(self.world) if d.desa_code].index(laptop), 0,
                                   "pra_pendaftaran")
        assert not laptop.sync().error
        assert not office.sync().error
        assert office.read(lambda: PreRegistration.select().where(PreRegistration.nik == again.nik).exists()), \
            f"a form of {laptop.name}, enrolled again, did not reach {office.name}'s queue"
        assert not laptop.sync().error
        status, note, pre_id = laptop.read(lambda: list(PreRegistration.select(
            PreRegistration.relay_status, PreRegistration.relay_note, PreRegistration.id)
            .where(PreRegistration.number == number).tuples())[0])
        assert status == relay_records.REFUSED and "sudah dicabut di kecamatan" in note, (status, note)
        page = laptop.get("operator_desa", f"/desa/pra-pendaftaran/{pre_id}", username=operator)
        assert page is None or note in text(page), "the kecamatan's reason is not on the desa's page"
        self._done("cabut_kunci_desa")

    def _key_alive(self, office) -> bool:
        """Enrolled with a key the center has not revoked (a backup from before the PC enrolled again
        brings a revoked one back)."""
        key = self._center_key(office)
        return key is not None and key.revoked_at is None

    def _relayed_waiting(self, office, laptop):
        """(id, NIK) of the forms this laptop relayed that wait, still valid, in the counter PC's queue."""
        from app.desa.models import PreRegistration
        from app.desa.records import today
        numbers = set(laptop.read(lambda: [n for n, in PreRegistration.select(PreRegistration.number).tuples()]))
        return [(pre_id, nik) for pre_id, nik, number in office.read(lambda: list(PreRegistration.select(
            PreRegistration.id, PreRegistration.nik, PreRegistration.number).where(
            (PreRegistration.status == PreRegistration.WAITING) & (PreRegistration.relay_hash != "")
            & (PreRegistration.expires_on >= today())).order_by(PreRegistration.id).tuples()))
            if number in numbers and nik not in self.old_forms and nik not in self.registered_twice
            and any(p.nik == nik for p in self.world.people.values())]

    @precondition(on("scan_desa_form"))
    @rule(pc=st.sampled_from(COUNTERS), pick=PICK, camera=st.booleans())
    def scan_desa_form(self, pc, pick, camera):
        """The applicant brings the F-1.07 printed at a desa laptop; the clerk scans its QR code at
        Pra-pendaftaran with the USB scanner (the code typed into the field) or the counter's camera
        (a picture of it): the form opens, or is made from the code when the relay has not brought it,
        and the clerk accepts it. A code of another kecamatan, of a form past its validity (one that
        waited in the queue past its last day opens, and is refused when accepted), or signed with a
        desa key revoked at this PC, is refused with the reason (and the person is registered anew)."""
        from app.desa.models import PreRegistration
        office = self._counter(pc)
        if office is None:
            return
        forms = []
        for desa in inv.desa_pcs(self.world):
            series = desa.read(lambda: store_value("desa_pc_number"))
            for pre_id, nik, number in desa.read(lambda: list(PreRegistration.select(
                    PreRegistration.id, PreRegistration.nik, PreRegistration.number)
                    .order_by(PreRegistration.id).tuples())):
                person = next((p for p in self.world.people.values() if p.nik == nik), None)
                if person is not None and nik not in self.registered_twice:
                    forms.append((desa, pre_id, person, number, f"-{series}-" not in number))
        if not forms:
            return
        desa, pre_id, person, number, typed_before_re_enrolment = forms[pick % len(forms)]
        queued = office.read(lambda: PreRegistration.select().where(PreRegistration.number == number).exists())
        printed = desa.get("operator_desa", f"/desa/pra-pendaftaran/{pre_id}/f107", username=f"op-{desa.name.lower()}")
        assert printed is None or printed.status_code == 200, errors_of(printed)
        if printed is None:
            return
        code, picture = qr_text_of(printed.get_data(as_text=True))
        data = {"kode": "", "gambar": (io.BytesIO(picture), "kode-qr.png")} if camera else {"kode": code}
        response = office.post("petugas_loket", "/pra-pendaftaran/pindai", data, content_type="multipart/form-data")
        kind = "pindai_kamera" if camera else "pindai_qr"
        if response is None:
            self._done(kind)
            return
        if desa.kecamatan != office.kecamatan:
            assert response.status_code == 422 and "kecamatan lain" in text(response), errors_of(response)
            self._done(kind + "_kecamatan_lain")
            return
        from app.desa import qr
        signed = desa.read(lambda: store_value("desa_pc_generation"))
        if signed and signed < office.read(lambda: qr.generation_of(desa.desa_code)):
            # Printed at a laptop whose desa key was revoked at this counter PC (and not enrolled again
            # since): refused with the reason; a form the laptop relayed before waits in the queue.
            assert response.status_code == 422 and "sudah dicabut" in text(response), errors_of(response)
            self._done(kind + "_kunci_dicabut")
            waiting = PreRegistration.status == PreRegistration.WAITING
            if not office.read(lambda: PreRegistration.select().where(
                    (PreRegistration.nik == person.nik) & waiting).exists()):
                self._register_anew(office, person)
            return
        if typed_before_re_enrolment:
            kind += "_cetak_ulang"
            if not queued:
                # Its number is in the laptop's earlier series: taken only once the relay brought that form here.
                assert response.status_code == 422 and "didaftarkan ulang" in text(response), errors_of(response)
                self._done(kind + "_belum_sampai")
                self._register_anew(office, person)
                return
        if person.nik in self.old_forms and not queued:  # a form that waited in the queue opens, refused below
            assert response.status_code == 422 and "masa berlaku" in text(response), errors_of(response)
            self._done(kind + "_kedaluwarsa")
            self._register_anew(office, person)
            return
        location = response.headers.get("Location", "")
        assert response.status_code in (302, 303) and location.endswith("/terima"), errors_of(response)
        self._done(kind)
        self._accept(office, int(location.rstrip("/").split("/")[-2]), person, False, kind + "_terima")

    def _register_anew(self, office, person):
        """A form past its validity: the clerk looks the NIK up in the register and, when the person has
        no application at this PC yet, registers them with Daftar Baru."""
        from app.registration.models import Application
        if not office.read(lambda: Application.select().where(Application.nik == person.nik).exists()):
            self._register(office, person, "daftar_setelah_kedaluwarsa")

    # --- collective applications ----------------------------------------------------------------------

    @precondition(on("collective_letter"))
    @rule(pc=st.sampled_from(COUNTERS), size=st.integers(1, 3), by_import=st.booleans())
    def collective_letter(self, pc, size, by_import):
        """A school's letter for several pupils: the clerk records it (Permohonan Kolektif > Surat baru),
        then adds its applicants one by one with Daftar Baru from the letter's page, or fills the letter's
        XLSX template, imports it and uploads each applicant's photo."""
        from app.registration.service_time import office_today
        office = self._counter(pc)
        if office is None:
            return
        number = self.forms + 1
        response = office.post("petugas_loket", "/pendaftaran/kolektif/baru", {
            "letter_number": f"421.3/{number}/SMAN-SIM/2026", "letter_date": office.read(office_today).isoformat(),
            "sender": "SMA Negeri 1 Simulasi", "contact": "Wakasek Kesiswaan, 0812-3000-1000", "recording_date": "",
            "notes": "", "form_token": self._form_token()})
        assert response is None or response.status_code in (302, 303), errors_of(response)
        if response is None:
            return
        letter = response.headers["Location"]
        letter_id = int(letter.rstrip("/").rsplit("/", 1)[1])
        self.touched.page(office, letter)
        pupils = [self.world.new_person(office.kecamatan, index % 2) for index in range(size)]
        if not by_import:
            for pupil in pupils:
                self._register(office, pupil, "daftar_kolektif", query=f"?kolektif={letter_id}")
            self._done("surat_kolektif")
            return
        self._import_pupils(office, letter_id, pupils)
        self._done("surat_kolektif_impor")

    def _import_pupils(self, office, letter_id, pupils):
        from openpyxl import load_workbook

        from app.registration.collective import IMPORT_COLUMNS
        from app.registration.models import Application
        template = office.get("petugas_loket", "/pendaftaran/kolektif/templat.xlsx")
        assert template is None or template.status_code == 200, errors_of(template)
        if template is None:
            return
        book = load_workbook(io.BytesIO(template.data))
        for pupil in pupils:
            values = dict(pupil.form(), biometric_done="ya")
            book.active.append([values.get(field, "") for _, field in IMPORT_COLUMNS])
        filled = io.BytesIO()
        book.save(filled)
        response = office.post("petugas_loket", f"/pendaftaran/kolektif/{letter_id}/impor",
                               {"berkas": (io.BytesIO(filled.getvalue()), "pemohon-kolektif.xlsx")},
                               content_type="multipart/form-data")
        if response is not None and response.status_code == 422 and self._numbers_nothing(office):
            # Held, or an old PC back after another took it over (long mode, seed 7000, step 377).
            assert re.search("ditahan|PC tambahan", text(response)), errors_of(response)
            self._done("impor_kolektif_ditahan")
            return
        assert response is None or response.status_code in (302, 303), errors_of(response)
        if response is None:
            return
        for pupil in pupils:
            application_id = office.read(lambda: Application.select(Application.id).where(
                (Application.nik == pupil.nik) & (Application.collective == letter_id)).scalar())
            assert application_id, f"{pupil.nik} imported but not in the letter"
            office.people[pupil.n] = pupil
            uploaded = office.post("petugas_loket", f"/pendaftaran/{application_id}/foto",
                                   {"photo": (io.BytesIO(jpeg_photo(pupil.n)), "foto.jpg")},
                                   content_type="multipart/form-data")
            assert uploaded is None or uploaded.status_code in (302, 303), errors_of(uploaded)
            self.touched.page(office, f"/pendaftaran/{application_id}")
        self._done("impor_kolektif")

    @precondition(on("collective_handover"))
    @rule(pc=st.sampled_from(COUNTERS), pick=PICK)
    def collective_handover(self, pc, pick):
        """The school's representative collects the letter's cards: the clerk marks the shipped ones
        ready, hands every ready card of the letter over at once and prints the collective receipt."""
        from app.registration.models import Application
        office = self._counter(pc)
        if office is None:
            return
        letters = office.read(lambda: sorted({c for c, in Application.select(Application.collective).where(
            Application.collective.is_null(False) & Application.status.in_(["dikirim", "siap_diambil"])).tuples()}))
        if not letters:
            return
        letter_id = letters[pick % len(letters)]
        for application_id in office.read(lambda: [a for a, in Application.select(Application.id).where(
                (Application.collective == letter_id) & (Application.status == "dikirim")).tuples()]):
            moved = office.post("petugas_loket", f"/pendaftaran/{application_id}/status", {"to_status": "siap_diambil"})
            assert moved is None or moved.status_code in (302, 303), errors_of(moved)
        teacher = self.world.new_person(office.kecamatan, 0)  # their NIK is personal data too
        response = office.post("petugas_loket", f"/pendaftaran/kolektif/{letter_id}/serah", {
            "name": teacher.name, "relation": "Guru", "id_number": teacher.nik, "note": ""})
        assert response is None or response.status_code in (302, 303), errors_of(response)
        if response is not None:
            receipt = office.get("petugas_loket", response.headers["Location"])
            assert receipt is None or receipt.status_code == 200, errors_of(receipt)
        self.touched.page(office, f"/pendaftaran/kolektif/{letter_id}")
        self.touched.page(office, f"/pendaftaran/kolektif/{letter_id}/tanda-terima")
        self._done("serah_kolektif")

    # --- the link ----------------------------------------------------------------------------------------

    @rule(where=PICK, link=st.sampled_from(["good", "good", "faulty", "cut"]))
    def sync_pass(self, where, link):
        offices = inv.live_offices(self.world)
        office = offices[where % len(offices)]
        self.world.fault_mode = link
        try:
            office.sync()
        finally:
            self.world.fault_mode = "good"
        self._done(f"sinkron_{link}")

    @rule()
    def everyone_syncs(self):
        """The scheduler's passes on a good link: each PC twice, kecamatan and desa in turn."""
        for _ in range(2):
            for office in inv.live_offices(self.world):
                office.sync()
        self._done("sinkron_semua")

    @precondition(on("kill_center"))
    @rule()
    def kill_center(self):
        self.world.kill_center()
        self._done("kill_pusat")

    # --- the center -----------------------------------------------------------------------------------------

    def _center_ids(self, status):
        from sync.center.models import ReceivedApplication
        with self.world.center_bound():
            return [i for i, in ReceivedApplication.select(ReceivedApplication.id)
                    .where(ReceivedApplication.status == status).order_by(ReceivedApplication.id).tuples()]

    @rule(count=st.integers(1, 5))
    def center_prints(self, count):
        received = self._center_ids("received")[:count]
        if not received:
            return
        response = self.world.center_request("POST", "/cetak/baru", data={"application": [str(i) for i in received]})
        if response is None or response.status_code not in (302, 303):
            return
        run_path = response.headers["Location"].split("://", 1)[-1]
        run_path = "/" + run_path.split("/", 1)[1] if "://" in response.headers["Location"] else run_path
        self.world.center_request("POST", run_path.rstrip("/") + "/dicetak", data={})
        self._done("pusat_cetak")

    @rule(kecamatan=st.sampled_from([YOSOWILANGUN, KUNIR]))
    def center_ships(self, kecamatan):
        from sync.center.models import Kecamatan
        with self.world.center_bound():
            kecamatan_id = [k for k, in Kecamatan.select(Kecamatan.id).where(Kecamatan.code == kecamatan).tuples()][0]
        self.world.center_request("POST", "/kirim/baru", data={"kecamatan": str(kecamatan_id)})
        self._done("pusat_kirim")

    @rule(pick=PICK)
    def center_rejects(self, pick):
        received = self._center_ids("received")
        if not received:
            return
        chosen = received[pick % len(received)]
        self.world.center_request("POST", f"/permohonan/{chosen}/tolak", data={"reason": "foto buram, ulangi"})
        self._done("pusat_tolak")

    @precondition(on("center_requests_resend"))
    @rule(pick=PICK)
    def center_requests_resend(self, pick):
        """The center's operator cannot print from a file (a photo too dark) and asks the counter to send
        it again (Minta kirim ulang, with the reason)."""
        candidates = self._center_ids("received") + self._center_ids("printed")
        if not candidates:
            return
        chosen = sorted(candidates)[pick % len(candidates)]
        response = self.world.center_request("POST", f"/permohonan/{chosen}/minta-kirim-ulang",
                                             data={"reason": "foto terlalu gelap, mohon kirim ulang"})
        assert response is None or response.status_code in (302, 303), errors_of(response)
        self._done("pusat_minta_kirim_ulang")

    @precondition(on("correct_and_resend"))
    @rule(pc=st.sampled_from(COUNTERS), pick=PICK)
    def correct_and_resend(self, pc, pick):
        """A file the center sent back (rejected, or asked to be sent again): the clerk takes a new photo
        and ticks the requirements again; the corrected file travels to the center as a new version."""
        from app.frame import store
        from app.registration import requirements as reqs
        from app.registration.models import Application
        office = self._counter(pc)
        if office is None:
            return
        back = self._applications(office, "ditolak_pusat", "diminta_kirim_ulang")
        if not back:
            return
        application_id = back[pick % len(back)]
        nik, reason = office.read(lambda: list(Application.select(Application.nik, Application.reason)
                                               .where(Application.id == application_id).tuples())[0])
        person = next((p for p in self.world.people.values() if p.nik == nik), None)
        photo = jpeg_photo(person.n + 7 if person else pick)  # a new photo: another shade of the background
        uploaded = office.post("petugas_loket", f"/pendaftaran/{application_id}/foto",
                               {"photo": (io.BytesIO(photo), "foto-baru.jpg")}, content_type="multipart/form-data")
        assert uploaded is None or uploaded.status_code in (302, 303), errors_of(uploaded)
        codes = office.read(lambda: [item["code"] for item in reqs.requirements_for(reason, store.get("requirements"))])
        response = office.post("petugas_loket", f"/pendaftaran/{application_id}/persyaratan", {"syarat": codes})
        assert response is None or response.status_code in (302, 303), errors_of(response)
        self.touched.page(office, f"/pendaftaran/{application_id}")
        self._done("kirim_ulang")

    # --- accounts: new staff of every role, password changes, resets --------------------------------------

    def _password(self) -> str:
        self.forms += 1
        return f"Sawah-{self.forms}-Kabut-Jendela-{self.forms * 7 % 97}"

    def _sign_in(self, office, username, browser=""):
        """A browser of its own (`browser`: a second one) signs in through the login form with what the
        holder knows, changing a one-time password first; the browser's key in office.clients."""
        account = self.accounts[office.name][username]
        key = f"{username}{browser}"
        office.clients[key] = office.app.test_client()
        answer = office.post(account.role, "/masuk", {"username": username, "password": account.password},
                             username=key)
        assert answer is None or answer.status_code in (302, 303), \
            f"{username} cannot sign in at {office.name}: {errors_of(answer)}"
        if answer is None:
            return None
        assert ("/akun/kata-sandi" in answer.headers["Location"]) == account.must_change, answer.headers["Location"]
        if account.must_change:
            self._change_password(office, username, key)
        return key

    def _change_password(self, office, username, key):
        account = self.accounts[office.name][username]
        new = self._password()
        answer = office.post(account.role, "/akun/kata-sandi", {"current": account.password, "new": new, "confirm": new},
                             username=key)
        assert answer is None or answer.status_code in (302, 303), errors_of(answer)
        if answer is not None:
            account.password, account.must_change = new, False

    def _staff_account(self, pc, pick):
        """A staff account the admin made, switched on (a switched-off one cannot sign in: its holder
        waits until the admin switches it on again)."""
        office = self._counter(pc)
        accounts = sorted(name for name, account in self.accounts.get(office.name, {}).items()
                          if account.active and account.role != "operator_desa") if office is not None else []
        return (office, accounts[pick % len(accounts)]) if accounts else (None, None)

    @precondition(on("new_staff_account"))
    @rule(pc=st.sampled_from(COUNTERS), role=st.sampled_from(("admin", "petugas_loket", "petugas_informasi",
                                                              "kasi_pelayanan", "camat")))
    def new_staff_account(self, pc, role):
        """The admin makes an account for new staff (Pengguna > Tambah): the page shows a one-time password
        once; its holder signs in with it, must choose a password of their own, and works."""
        office = self._counter(pc)
        if office is None:
            return
        self.forms += 1
        username = f"staf{self.forms}-{office.name.lower()}"
        response = office.post("admin", "/admin/pengguna/baru",
                               {"username": username, "full_name": f"Staf Baru {self.forms}", "role": role, "nip": ""})
        assert response is None or response.status_code == 200, errors_of(response)
        if response is None:
            return
        password = re.search(r'class="one-time-password"><code>([^<]+)</code>', text(response)).group(1)
        self.accounts.setdefault(office.name, {})[username] = Account(role, password, must_change=True)
        self._done(f"akun_baru_{role}")
        key = self._sign_in(office, username)
        if key is not None:
            self._work_as(office, username, key)

    @precondition(on("new_staff_account"))
    @rule(pc=st.sampled_from(COUNTERS), pick=PICK)
    def staff_account_works(self, pc, pick):
        """Someone with an account the admin made signs in (with the password they chose, or the
        one-time one after a reset) and does their role's work."""
        office, username = self._staff_account(pc, pick)
        if office is None:
            return
        key = self._sign_in(office, username)
        if key is not None:
            self._work_as(office, username, key)

    def _work_as(self, office, username, key):
        """The role's own work, recorded under this account: the clerk registers an applicant, the
        information officer records a complaint, the Kasi follows one up, the Camat reads the audit
        trail, the admin the account list."""
        from app.complaints.views import local_input_value
        from app.complaints.workflow import TRANSITIONS
        from app.frame.dates import utc_now
        from app.registration.models import Application
        role = self.accounts[office.name][username].role
        if role == "petugas_loket":
            person = self.world.new_person(office.kecamatan, self.forms % 2)
            if self._register(office, person, "daftar_akun_baru", username=key):
                made_by = office.read(lambda: Application.get(Application.nik == person.nik).created_by.username)
                assert made_by == username, f"registered by {username}, recorded as {made_by}"
        elif role == "petugas_informasi":
            category = office.read(self._category_id)
            response = office.post(role, "/pengaduan/catat", {
                "channel": "meja_informasi", "category_id": str(category), "text": "Pengaduan: loket buka terlambat",
                "complainant_name": "Pelapor Akun Baru", "complainant_contact": "081211112222",
                "received_at": office.read(lambda: local_input_value(utc_now() - timedelta(minutes=1))),
                "form_token": self._form_token(),
                "step": "baru", "tindak_lanjut": ""}, username=key)
            assert response is None or response.status_code == 303, errors_of(response)
        elif role == "kasi_pelayanan" and self._complaints(office, *TRANSITIONS):
            from app.complaints.models import Complaint
            complaint_id = self._complaints(office, *TRANSITIONS)[0]
            status = office.read(lambda: Complaint.get_by_id(complaint_id).status)
            response = office.post(role, f"/pengaduan/{complaint_id}/status", {
                "to_status": TRANSITIONS[status][0], "tindak_lanjut": "Ditindaklanjuti oleh kasi baru.",
                "other_office": "Dinas Kependudukan" if TRANSITIONS[status][0] == "bukan_kewenangan" else "",
                "note": ""}, username=key)
            assert response is None or response.status_code == 303, errors_of(response)
        else:
            path = {"camat": "/audit", "admin": "/admin/pengguna"}.get(role, "/pengaduan/")
            response = office.get(role, path, username=key)
            assert response is None or response.status_code == 200, errors_of(response)
        self._done(f"kerja_akun_{role}")

    @precondition(on("new_staff_account"))
    @rule(pc=st.sampled_from(COUNTERS), pick=PICK)
    def change_own_password(self, pc, pick):
        """Someone signed in on two browsers changes their own password (Akun > Ganti kata sandi) on one:
        the other is signed out, and the next sign-in takes the new password."""
        office, username = self._staff_account(pc, pick)
        if office is None:
            return
        other = self._sign_in(office, username, browser="#lain")
        key = self._sign_in(office, username)
        if key is None or other is None:
            return
        self._change_password(office, username, key)
        role = self.accounts[office.name][username].role
        page = office.get(role, "/akun/kata-sandi", username=other)
        assert page is None or (page.status_code in (302, 303) and "/masuk" in page.headers["Location"]), \
            f"the other browser of {username} is still signed in after the password change ({page.status_code})"
        self._done("ganti_sandi")

    @precondition(on("new_staff_account"))
    @rule(pc=st.sampled_from(COUNTERS), pick=PICK)
    def admin_resets_password(self, pc, pick):
        """Someone forgot their password: the admin resets it (Pengguna > Reset sandi) and gives them the
        one-time password shown once; they must change it at their next sign-in."""
        from app.auth.models import User
        office, username = self._staff_account(pc, pick)
        if office is None:
            return
        user_id = office.read(lambda: User.select(User.id).where(User.username == username).scalar())
        assert user_id, f"{username}, made at {office.name}, is not there"
        response = office.post("admin", f"/admin/pengguna/{user_id}/reset-sandi", {})
        assert response is None or response.status_code == 200, errors_of(response)
        if response is None:
            return
        account = self.accounts[office.name][username]
        account.password = re.search(r'class="one-time-password"><code>([^<]+)</code>', text(response)).group(1)
        account.must_change = True
        self._done("reset_sandi")

    @precondition(on("switch_account"))
    @rule(pc=st.sampled_from(COUNTERS), pick=PICK, back_on=st.booleans())
    def switch_account(self, pc, pick, back_on):
        """The admin switches an account off (Pengguna > Nonaktifkan: staff who left, a desa operator
        replaced): its browser still open is signed out at its next request, it cannot sign in, and
        what it recorded stays, under its name. Switched on again (at once, or a later step), its
        holder signs in with their password."""
        from app.auth.models import User
        office = self._counter(pc)
        names = sorted(self.accounts.get(office.name, {})) if office is not None else []
        if not names:
            return
        username = names[pick % len(names)]
        account = self.accounts[office.name][username]
        user_id = office.read(lambda: User.select(User.id).where(User.username == username).scalar())
        assert user_id, f"{username}, made at {office.name}, is not there"
        if not account.active:
            self._switch(office, user_id, username, True)
            self._sign_in(office, username)
            self._done("akun_aktifkan")
            return
        browser = self._sign_in(office, username, browser="#terbuka")
        if browser is None:
            return
        owned = office.read(lambda: owned_by(user_id))
        self._switch(office, user_id, username, False)
        page = office.get(account.role, "/akun/kata-sandi", username=browser)
        assert page is None or (page.status_code in (302, 303) and "/masuk" in page.headers["Location"]), \
            f"the open browser of {username} is still signed in after the account was switched off"
        for key in [k for k in office.clients if k == username or k.startswith(username + "#")]:
            del office.clients[key]  # signed out: a browser of this account signs in again through the form
        office.clients[username + "#pintu"] = office.app.test_client()
        refused = office.post(account.role, "/masuk", {"username": username, "password": account.password},
                              username=username + "#pintu")
        assert refused is None or (refused.status_code == 401 and "akun tidak aktif" in text(refused)), \
            f"{username}, switched off, signs in: {errors_of(refused)}"
        kept = office.read(lambda: owned_by(user_id))
        assert owned <= kept, f"{username} switched off: records gone or under another name: {sorted(owned - kept)[:5]}"
        if back_on:
            self._switch(office, user_id, username, True)
            self._sign_in(office, username)
        self._done("akun_nonaktif_aktif" if back_on else "akun_nonaktif")

    def _switch(self, office, user_id, username, active):
        from app.auth.models import User
        response = office.post("admin", f"/admin/pengguna/{user_id}/status", {})
        assert response is None or response.status_code in (302, 303), errors_of(response)
        if response is None:
            return
        assert office.read(lambda: User.get_by_id(user_id).is_active) == active, f"{username} not switched"
        self.accounts[office.name][username].active = active

    # --- backups ------------------------------------------------------------------------------------------

    @rule(pc=st.sampled_from(COUNTERS))
    def backup(self, pc):
        office = self._counter(pc)
        if office is None:
            return
        made = self.world.backup(office)
        assert made is not None, "run.py backup failed"
        self.accounts_in_backup[str(made)] = copy.deepcopy(self.accounts.get(office.name, {}))
        if "the_latest_backup_restores_equal_to_the_live_data" not in self.off:
            STATS["invariants"]["the_latest_backup_restores_equal_to_the_live_data"] += 1
            self.backup_problems += self.world.backup_differences(office, made)
        self._done("cadangan")

    def _backups_of(self, office):
        names = {office.name} | office.lineage
        return [path for name, path in self.world.backups if name in names]

    @precondition(on("restore_same_pc"))
    @rule(pc=st.sampled_from(COUNTERS), pick=PICK)
    def restore_same_pc(self, pc, pick):
        office = self._counter(pc)
        if office is None or not self._backups_of(office):
            return
        backups = self._backups_of(office)
        done = self.world.restore(office, backups[pick % len(backups)])
        assert done.returncode == 0, done.stderr[-1500:]
        self.accounts[office.name] = copy.deepcopy(self.accounts_in_backup.get(str(backups[pick % len(backups)]), {}))
        self._done("pulihkan")

    @precondition(on("restore_on_new_pc"))
    @rule(pc=st.sampled_from(("P1", "P2")), pick=PICK)
    def restore_on_new_pc(self, pc, pick):
        """The PC died: a new PC gets the latest backup on the stick (docs/operations.md, New PC)."""
        office = self._counter(pc)
        if office is None or self.replacements >= 2 or not self._backups_of(office):
            return
        backups = self._backups_of(office)
        self.replacements += 1
        office.dead = True
        name = f"{pc}-baru{sum(1 for n in self.world.offices if n.startswith(pc + '-baru')) + 1}"
        made = self.world.restore_on_new_pc(name, office, backups[pick % len(backups)])
        self.accounts[name] = copy.deepcopy(self.accounts_in_backup.get(str(backups[pick % len(backups)]), {}))
        made.lineage = {office.name} | office.lineage
        office.replaced_by = name
        self._done("pulihkan_pc_baru")

    def _numbers_nothing(self, office) -> bool:
        """Held (another PC's backup, no choice yet) or refused (taken over, not yet a PC tambahan)."""
        return self._held(office) or office.read(self._refusal_to_number) is not None

    def _held(self, office) -> bool:
        from app.sync_page import identity
        return office.read(identity.state) is not None

    @precondition(on("restore_on_new_pc"))
    @rule(pc=st.sampled_from(COUNTERS))
    def replace_old_pc(self, pc):
        """On a PC holding another PC's backup, the admin presses "PC ini menggantikan PC P1"."""
        office = self._counter(pc)
        if office is None or not self._held(office):
            return
        response = office.post("admin", "/sinkronisasi/identitas-pc/ganti", {"confirm": "ya"})
        # Without the center (a cut link) the choice waits and the PC keeps holding: also right.
        assert response is None or response.status_code == 303 or (
            response.status_code == 422 and self._held(office)), errors_of(response)
        self._done("ganti_pc")

    @precondition(on("restore_on_new_pc"))
    @rule()
    def bring_old_pc_back(self):
        """The old PC comes back from repair and is used again beside its replacement."""
        dead = [o for o in self.world.offices.values() if getattr(o, "dead", False) and not o.is_desa]
        if not dead:
            return
        dead[0].dead = False
        dead[0].replaced_by = None
        self._done("pc_lama_kembali")

    # --- finding 11 of issue 42: one person or one form at two places ------------------------------------

    def _complete(self, office, page):
        """The clerk ticks every requirement of the application at `page` (its Location)."""
        from app.frame import store
        from app.registration import requirements as reqs
        from app.registration.models import Application
        application_id = int(page.rstrip("/").rsplit("/", 1)[1])
        codes = office.read(lambda: [item["code"] for item in reqs.requirements_for(
            Application.get_by_id(application_id).reason, store.get("requirements"))])
        response = office.post("petugas_loket", f"/pendaftaran/{application_id}/persyaratan", {"syarat": codes})
        assert response is None or response.status_code in (302, 303), errors_of(response)

    @precondition(on("same_person_at_two_counters_and_a_desa"))
    @rule(desa=st.integers(0, 1), sync_between=st.booleans())
    def same_person_at_two_counters_and_a_desa(self, desa, sync_between):
        """One person registers at counter PC P1, then (the queue was long) at P2, and their desa types
        an F-1.07 for them too; both applications are complete. The center keeps one in the making and
        refuses the other with its reason (shown at that counter)."""
        first, second = self._counter("P1"), self._counter("P2")
        if first is None or second is None or first is second or self._held(first) or self._held(second):
            return
        person = self.world.new_person(first.kecamatan, desa)
        self.registered_twice.add(person.nik)
        for office in (first, second):
            page = self._register(office, person, "daftar_ganda")
            if page is not None:
                self._complete(office, page)
            if sync_between:
                office.sync()
        laptops = [d for d in inv.desa_pcs(self.world) if d.desa_code and d.kecamatan == first.kecamatan]
        if laptops:
            laptop = laptops[0]
            data = dict(person.form(), photo=(io.BytesIO(jpeg_photo(person.n)), "foto.jpg"))
            response = laptop.post("operator_desa", "/desa/pra-pendaftaran/baru", data,
                                   username=f"op-{laptop.name.lower()}", content_type="multipart/form-data")
            assert response is None or response.status_code in (302, 303, 422), errors_of(response)
            laptop.sync()
        for office in (first, second):
            office.sync()

    @staticmethod
    def _refusal_to_number():
        """Why the counter's form would get no number now (what the clerk reads), or None."""
        from app.registration.records import current_prefix
        try:
            current_prefix()
        except ValueError as problem:
            return str(problem)
        return None

    @precondition(on("old_pc_returns_with_unsent_work"))
    @rule(pc=st.sampled_from(("P1", "P2")), count=st.integers(1, 2))
    def old_pc_returns_with_unsent_work(self, pc, count):
        """A PC's backup goes to a new PC whose admin presses "PC ini menggantikan"; the old PC, back
        from repair before it heard, registers `count` people (they go nowhere yet), is enrolled as a PC
        tambahan with a new code, and both sync: what it registered reaches the center from it."""
        office = self._counter(pc)
        if office is None or office.name != pc or self.replacements >= 2 or self._held(office):
            return
        made = self.world.backup(office)
        assert made is not None, "run.py backup failed"
        self.accounts_in_backup[str(made)] = copy.deepcopy(self.accounts.get(office.name, {}))
        self.restore_on_new_pc(pc, len(self._backups_of(office)) - 1)  # the backup just made
        new = self.world.offices[office.replaced_by]
        response = new.post("admin", "/sinkronisasi/identitas-pc/ganti", {"confirm": "ya"})
        assert response is None or response.status_code == 303 or (
            response.status_code == 422 and self._held(new)), errors_of(response)
        office.dead, office.replaced_by = False, None  # the old PC is used again
        for _ in range(count):
            page = self._register(office, self.world.new_person(office.kecamatan, 0), "daftar_pc_lama")
            if page is not None:
                self._complete(office, page)
        office.sync()  # refused: taken over; it stops numbering and says "PC tambahan"
        enrolled = self.world.enrol_kecamatan_pc(office)
        assert enrolled is None or enrolled.status_code in (200, 302, 303), errors_of(enrolled)
        assert office.read(self._refusal_to_number) is None, \
            f"the old PC, enrolled as a PC tambahan, still numbers nothing: {office.read(self._refusal_to_number)}"
        for _ in range(2):
            office.sync()
            new.sync()
        self._done("pc_lama_kembali_dengan_kiriman")

    @precondition(on("two_counters_accept_one_desa_form"))
    @rule(correct=st.booleans())
    def two_counters_accept_one_desa_form(self, correct):
        """A desa laptop relays an F-1.07; both counter PCs of its kecamatan hear it, and before either
        syncs again, a clerk at each accepts it (the applicant went to both counters). The first
        acceptance at the center wins; the other PC gets a superseded item with its reason."""
        from app.desa.models import PreRegistration
        from app.registration.models import Application
        laptops = [d for d in inv.desa_pcs(self.world) if d.desa_code and d.kecamatan == YOSOWILANGUN
                   and self._key_alive(d)]
        first, second = self._counter("P1"), self._counter("P2")
        if not laptops or first is None or second is None or first is second or self._held(first) \
                or self._held(second):
            return
        laptop = laptops[0]
        person = self.world.new_person(laptop.kecamatan, self._desa_index(laptop))
        data = dict(person.form(), photo=(io.BytesIO(jpeg_photo(person.n)), "foto.jpg"))
        response = laptop.post("operator_desa", "/desa/pra-pendaftaran/baru", data,
                               username=f"op-{laptop.name.lower()}", content_type="multipart/form-data")
        if response is None or response.status_code not in (302, 303):
            return
        laptop.people[person.n] = person
        laptop.sync()
        waiting_ids = []
        for office in (first, second):
            office.sync()
            found = office.read(lambda: PreRegistration.select(PreRegistration.id).where(
                (PreRegistration.nik == person.nik) & (PreRegistration.status == PreRegistration.WAITING)).scalar())
            waiting_ids.append(found)
        if not all(waiting_ids):
            self._done("terima_pra_dua_loket_tidak_sampai")
            return
        for office, pre_id in zip((first, second), waiting_ids):
            self._accept(office, pre_id, person, correct, "terima_pra_dua_loket")
            latest = office.read(lambda: Application.select(Application.id).where(
                Application.status == "diterima").order_by(Application.id.desc()).scalar())
            if latest is not None:
                self._complete(office, f"/pendaftaran/{latest}")
        for _ in range(2):
            for office in (first, second):
                office.sync()

    @rule(decision=st.sampled_from(("keep", "accept")))
    def relayed_application_renumbered(self, decision):
        """A relayed form's application at P1 meets another applicant's file under its number at the center; the
        operator's decision gives P1's a new number, and the desa laptop, its /cek, the center's relay record and
        both counter PCs follow it (issue 72; tests/simulation/renumber_relayed.py)."""
        from tests.simulation.renumber_relayed import relayed_application_renumbered
        relayed_application_renumbered(self, decision)

    # --- USB, keys, conflicts, clocks, killed programs -------------------------------------------------------

    def _center_key(self, office):
        """The center's row of this PC's key (None when the PC is not enrolled)."""
        from sync.center.models import DeviceKey
        from sync.client.models import SyncLink
        key_id = office.read(lambda: SyncLink.select(SyncLink.key_id).scalar())
        if not key_id:
            return None
        with self.world.center_bound():  # a list: no statement left open on the pooled connection
            found = list(DeviceKey.select().where(DeviceKey.key_id == key_id))
        return found[0] if found else None

    @rule(pc=st.sampled_from(COUNTERS))
    def usb_round_trip(self, pc):
        """No internet: the admin exports batch files to a USB stick, the center's operator imports them
        and downloads this PC's status file, which the admin imports back at the PC."""
        office = self._counter(pc)
        if office is None or self._held(office):
            return
        key = self._center_key(office)
        if key is None or key.revoked_at is not None:
            return
        before = {p.name for p in (office.data_dir / "usb").glob("*") if p.is_dir()}
        exported = office.post("admin", "/sinkronisasi/ekspor", {})
        assert exported is None or exported.status_code == 303, errors_of(exported)
        # this export's own folder only: one with nothing new makes none (issue 72), and an earlier folder's
        # files may be signed by a key revoked since
        folders = sorted(p for p in (office.data_dir / "usb").glob("*") if p.is_dir() and p.name not in before)
        files = sorted(folders[-1].glob("*.lkb")) if folders else []
        if files:
            imported = self.world.center_request("POST", "/impor", content_type="multipart/form-data", data={
                "batch": [(io.BytesIO(f.read_bytes()), f.name) for f in files]})
            assert imported is None or imported.status_code == 200, errors_of(imported)
        answer = self.world.center_request("GET", f"/ekspor-status/{key.kecamatan_id}?perangkat={key.device_code}")
        assert answer is None or answer.status_code == 200, errors_of(answer)
        if answer is not None:
            done = office.post("admin", "/sinkronisasi/impor-status", content_type="multipart/form-data",
                               data={"status_file": (io.BytesIO(answer.data), "status.lks")})
            assert done is None or done.status_code == 303, errors_of(done)
        self._done("usb")

    @rule(pc=st.sampled_from(COUNTERS))
    def revoke_and_re_enrol(self, pc):
        """The center's admin revokes a PC's key (a stolen laptop, a reinstall); the PC's admin unlinks
        and enrols again with a new enrolment code from the center: its new key (a new device code)
        follows the revoked one, which the PC proves it held, so what it sent before keeps its statuses."""
        import re
        office = self._counter(pc)
        if office is None or self._held(office):
            return
        key = self._center_key(office)
        if key is None:
            return
        from sync.center.keys import last_of_chain
        with self.world.center_bound():  # a PC holding a backup from before its last re-enrolment: the admin
            latest = last_of_chain(key)  # revokes the key the center last knew of this PC, lost with the restore
        revoked = self.world.center_request("POST", f"/admin/kunci/{(latest or key).id}/cabut", data={}, as_admin=True)
        assert revoked is None or revoked.status_code == 303, errors_of(revoked)
        report = office.sync()
        assert report.error, "a revoked key still syncs"
        unlinked = office.post("admin", "/sinkronisasi/putus", {"confirm": "ya"})
        assert unlinked is None or unlinked.status_code == 303, errors_of(unlinked)
        page = self.world.center_request("POST", f"/admin/kecamatan/{key.kecamatan_id}/kode-baru", data={},
                                         as_admin=True)
        assert page is not None and page.status_code == 200, errors_of(page)
        code = re.search(r'<p class="card-value">([^<]+)</p>', page.get_data(as_text=True)).group(1).strip()
        enrolled = office.post("admin", "/sinkronisasi/daftar", {"center_url": self.world.center_url, "code": code})
        assert enrolled is None or enrolled.status_code == 303, errors_of(enrolled)
        assert office.enrolled(), "not enrolled again"
        if not key.replaced_by:  # its own key (a key another PC took over lives on there): followed, itself or
            # the last key of its chain (a backup from before the PC's last re-enrolment restored here)
            from sync.center.keys import device_codes
            again = self._center_key(office)
            with self.world.center_bound():
                heard = device_codes(again)
            assert again.device_code != key.device_code and key.device_code in heard, \
                (key.device_code, again.device_code, again.previous_key, heard)
        self._done("cabut_daftar_ulang")

    @rule(pick=PICK, decision=st.sampled_from(("keep", "accept", "reject")))
    def center_resolves_conflict(self, pick, decision):
        """The center's operator decides an open conflict: keep the center's data, accept the new
        version, or reject it back to the counter."""
        from sync.center import records
        from sync.center.models import Conflict
        with self.world.center_bound():
            open_ = [c for c, in Conflict.select(Conflict.id).where(Conflict.resolved_at.is_null())
                     .order_by(Conflict.id).tuples()]
        if not open_:
            return
        decision = {"keep": records.KEEP, "accept": records.ACCEPT, "reject": records.REJECT}[decision]
        self.world.center_request("POST", f"/konflik/{open_[pick % len(open_)]}/selesai",
                                  data={"decision": decision, "note": "diputuskan operator simulasi"})
        self._done("pusat_konflik")

    @rule(where=PICK, skew=st.sampled_from((-200, 150, 900, -3600)))
    def sync_with_a_wrong_clock(self, where, skew):
        """A PC's clock is off by `skew` seconds: within the tolerance (5 minutes) the pass works;
        beyond it the center refuses and the Sinkronisasi page says the clock is wrong; once the clock
        is set right, the next pass works. A PC holding a revoked key hears that it is revoked."""
        import time as real_time
        import types
        from unittest import mock

        from sync.client import transport
        offices = [o for o in inv.live_offices(self.world) if not self._held_or_desa(o)]
        if not offices:
            return
        office = offices[where % len(offices)]
        if not office.enrolled():
            return
        wrong = types.SimpleNamespace(**{k: getattr(real_time, k) for k in dir(real_time) if not k.startswith("_")})
        wrong.time = lambda: real_time.time() + skew
        key = self._center_key(office)
        with mock.patch.object(transport, "time", wrong):
            report = office.sync()
        if key is not None and key.revoked_at is not None and not key.replaced_by:
            # A backup from before the PC enrolled again brought a revoked key back: the center says
            # so before it looks at the clock (only a live key learns the center's time).
            assert "sudah dicabut" in (report.error or ""), report.error
        elif abs(skew) < 300:
            assert "Jam komputer" not in (report.error or ""), report.error
        else:
            assert report.error and "Jam komputer" in report.error, report.error
            if not office.is_desa:
                page = office.get("admin", "/sinkronisasi")
                assert page is None or "Jam komputer" in page.get_data(as_text=True), "clock problem not shown"
        self._done("jam_selisih_kecil" if abs(skew) < 300 else "jam_selisih_besar")

    def _held_or_desa(self, office) -> bool:
        return (not office.is_desa) and self._held(office)

    @rule(where=PICK, after_ms=st.integers(0, 4000), in_jobs=st.booleans())
    def kill_office_program(self, where, after_ms, in_jobs=False):
        """The office program (`run.py serve`: its start-up, daily backup and scheduled sync) is
        SIGKILLed at a moment, then started again on the same folder: `after_ms` after its start (its
        start-up), or, `in_jobs`, inside the start's background jobs. Those begin only once the first
        page is answered and 2 s pass without a request (app/frame/serving.py, after_the_first_pages),
        so a clerk opens the sign-in page and the kill comes `after_ms` / 80 ms (0-50) after a job
        shows it began: the daily backup's temporary file appears, or the proxy reads a request of the
        sync probe. Where it landed is counted (STATS["office_kills_at"])."""
        from tests.sync.harness import Process, free_port
        offices = inv.live_offices(self.world)
        office = offices[where % len(offices)]
        backups = Path(office.app.config["BACKUP_DIR"])
        office.stop()
        port = free_port()
        args = ["serve", "--data", str(office.data_dir), "--port", str(port)]
        if office.is_desa:
            args += ["--mode", "desa"]
        log_path = self.world.root / f"{office.name}-serve.log"
        logged = log_path.stat().st_size if log_path.exists() else 0
        partial_before = _partial_backups(backups)
        requests_before = self.world.link_requests
        process = Process(args, log_path).start()
        in_request = False
        try:
            if in_jobs:
                self._open_first_page(process, log_path, logged, port)
                deadline = time.monotonic() + 4  # 2 s quiet, then the jobs' first steps; else nothing to cut
                while (process.proc.poll() is None and time.monotonic() < deadline
                       and self.world.link_requests == requests_before
                       and _partial_backups(backups) <= partial_before):
                    time.sleep(0.005)
                time.sleep(after_ms / 80_000)  # 0-50 ms: a small office's backup and probe are short
            else:
                time.sleep(after_ms / 1000)
            in_request = self.world.link_requests > requests_before and bool(self.world.proxy.active_connections)
        finally:
            process.kill()
            process.log.close()
        # the killed backup's temporary file stays (the next start removes it): the cut landed inside it
        landed = ("backup" if _partial_backups(backups) - partial_before else "sync_probe" if in_request
                  else "sync_begun" if self.world.link_requests > requests_before else "elsewhere")
        STATS["office_kills_at"][landed] += 1
        office.start()
        self.world.office_kills += 1
        self._done("kill_kantor")

    def _open_first_page(self, process, log_path: Path, logged: int, port: int) -> None:
        """A clerk opens the sign-in page of a `run.py serve` once it says it listens on `port`."""
        import requests
        deadline = time.monotonic() + 60
        while f"berjalan di http://127.0.0.1:{port}/".encode() not in log_path.read_bytes()[logged:]:
            assert process.proc.poll() is None and time.monotonic() < deadline, \
                log_path.read_bytes()[logged:].decode("utf-8", "replace")[-1500:]
            time.sleep(0.02)
        page = requests.get(f"http://127.0.0.1:{port}/masuk", timeout=30)
        assert page.status_code == 200, page.status_code

    @precondition(on("kill_sync_pass"))
    @rule(where=PICK, link=st.sampled_from(["good", "good", "faulty"]), request=st.integers(0, 8),
          after_ms=st.integers(0, 400), then_pass=st.booleans())
    def kill_sync_pass(self, where, link, request, after_ms, then_pass):
        """A pass the Task Scheduler started (`run.py sync --full --data DIR`, a desa laptop's with
        `--mode desa`) SIGKILLed mid-flight, as its own process, on a good or faulty link: `after_ms`
        after the proxy read the pass's `request`-th request (0: after its start), while the office's
        own program is off (the pass holds the database); then the program starts again and, with
        `then_pass`, its next ordinary pass runs on a good link. The invariants then say whether what
        the cut pass had sent or half-applied is held once, and what it had not is still waiting."""
        from tests.sync.harness import Process
        from sync.client.models import OutboxItem
        offices = inv.live_offices(self.world)
        # A PC with something to send, when there is one: the kill can then land inside its upload.
        sending = [o for o in offices if o.read(lambda: OutboxItem.select().where(OutboxItem.state == "pending").exists())]
        office = (sending or offices)[where % len(sending or offices)]
        office.stop()
        args = ["sync", "--full", "--data", str(office.data_dir)]
        if office.is_desa:
            args += ["--mode", "desa"]
        self.world.fault_mode = link
        first, uploads = self.world.link_requests, self.world.uploads_begun
        # Not past the next-to-last request of this PC's last in-process pass (plus a probe and two packets
        # when it has something to send now): so the kill lands inside the pass, not after it.
        if request:  # a counter PC's pass without anything to send: about 5 requests
            request = min(request, max(1, (office.requests_last_pass or 5) - 1 + (3 if office in sending else 0)))
        reached = self.world.when_requests_reach(first + max(request, 1))
        log_path = self.world.root / f"{office.name}-sync.log"
        logged = log_path.stat().st_size if log_path.exists() else 0
        process = Process(args, log_path).start()
        landed = "after"
        try:
            deadline = time.monotonic() + 120
            if request:
                while not reached.wait(0.02) and process.proc.poll() is None and time.monotonic() < deadline:
                    pass
            if process.proc.poll() is None:
                time.sleep(after_ms / 1000)
            if process.proc.poll() is None:
                landed = "mid" if self.world.link_requests > first else "before"
                if landed == "mid" and self.world.proxy.active_connections:
                    STATS["pass_kills"]["in_request"] += 1
                if landed == "mid" and self.world.uploads_begun > uploads:
                    STATS["pass_kills"]["upload_begun"] += 1
        finally:
            process.kill()
            process.log.close()
            self.world.stop_watching_requests()
            self.world.fault_mode = "good"
        STATS["pass_kills"][landed] += 1
        self.world.office_kills += 1
        if landed == "after":  # the pass ended by itself first: it ended as a pass does, without a traceback
            with open(log_path, "rb") as written:
                written.seek(logged)
                log = written.read().decode("utf-8", "replace")
            assert "Traceback" not in log, f"run.py sync on {office.name}: {log[-1500:]}"
        office.start()
        if then_pass:
            office.sync()
        self._done(f"kill_sinkron_{landed}")

    # --- the office's calendar and zone ----------------------------------------------------------------------

    @rule(pc=st.sampled_from(COUNTERS), days_ahead=st.integers(-20, 20), closed=st.booleans())
    def office_day(self, pc, days_ahead, closed):
        """The admin marks a day closed (a holiday, cuti bersama) or open after all, or removes the
        mark again: working days, promised dates and deadlines follow the calendar."""
        from datetime import timedelta

        from app.frame.office_calendar import OfficeDay
        from app.frame.dates import local_today
        office = self._counter(pc)
        if office is None:
            return
        day = office.read(lambda: local_today()) + timedelta(days=days_ahead)
        if office.read(lambda: OfficeDay.select().where(OfficeDay.day == day).exists()):
            response = office.post("admin", f"/admin/hari-libur/{day.isoformat()}/hapus", {})
            kind = "hari_kantor_hapus"
        else:
            response = office.post("admin", "/admin/hari-libur", {
                "day": day.isoformat(), "kind": "tutup" if closed else "buka", "name": "Cuti bersama simulasi"})
            kind = "hari_libur" if closed else "hari_buka"
        assert response is None or response.status_code in (302, 303), errors_of(response)
        self._done(kind)

    @rule(pc=st.sampled_from(COUNTERS), zone=st.sampled_from(("WIB", "WITA", "WIT")))
    def change_zone(self, pc, zone):
        """The admin sets the office's time zone (Pengaturan Kantor): every figure counts local days."""
        from app.settings import identity
        office = self._counter(pc)
        if office is None:
            return
        values = office.read(identity.current_values)
        if values["timezone"] == zone:
            return
        response = office.post("admin", "/admin/kantor", dict(values, timezone=zone))
        assert response is None or response.status_code in (302, 303), errors_of(response)
        self._done("zona_waktu")

    # --- complaints, survey, recap ---------------------------------------------------------------------------

    def _form_token(self) -> str:
        self.forms += 1
        return f"sim-formulir-{self.forms:06d}"

    @staticmethod
    def _category_id():
        from app.complaints.models import ComplaintCategory
        return ComplaintCategory.select(ComplaintCategory.id).where(ComplaintCategory.is_active) \
            .order_by(ComplaintCategory.id).scalar()

    @rule(pc=st.sampled_from(COUNTERS),
          channel=st.sampled_from(("meja_informasi", "telepon", "sms", "surat", "kotak_saran", "kiosk", "loket")),
          step=st.sampled_from(("baru", "diteruskan", "jawab")), last_quarter=st.booleans(), confidential=st.booleans())
    def record_complaint(self, pc, channel, step, last_quarter, confidential):
        """A complaint from one channel: the kiosk (a visitor), the counter clerk, or the information
        desk (desk, hotline call or SMS, letter, a slip from the suggestion box), recorded now or, for
        a letter found late, in the last quarter."""
        from datetime import timedelta

        from app.complaints.views import local_input_value
        from app.frame.dates import utc_now
        office = self._counter(pc)
        if office is None:
            return
        category = office.read(self._category_id)
        n = self.forms + 1
        text_ = f"Pengaduan simulasi {n}: antrean perekaman lama"
        if channel == "kiosk":
            response = office.public("POST", "/pengaduan/kios", data={
                "category_id": str(category), "text": text_, "form_token": self._form_token()})
            assert response is None or response.status_code in (303, 429), errors_of(response)
            self._done("pengaduan_kios")
            return
        role = "petugas_loket" if channel == "loket" else "petugas_informasi"
        received = utc_now() - timedelta(minutes=1)
        if last_quarter and channel in ("surat", "kotak_saran"):
            from app.frame.periods import Quarter
            start, _ = office.read(lambda: Quarter.containing(received.date()).previous().utc_bounds())
            received = start + timedelta(days=20, hours=3)
        form = {"channel": "meja_informasi" if channel == "loket" else channel, "category_id": str(category),
                "text": text_, "complainant_name": f"Pelapor {n}", "complainant_contact": f"0812{n:08d}",
                "received_at": office.read(lambda: local_input_value(received)), "form_token": self._form_token(),
                "step": step if role == "petugas_informasi" else "baru",
                "tindak_lanjut": "Sudah dijelaskan persyaratannya." if step == "jawab" else ""}
        if confidential and role == "petugas_informasi":
            form["is_confidential"] = "1"
        if channel == "kotak_saran":
            opened_on = office.read(lambda: local_input_value(received))[:10]
            opened = office.post("petugas_informasi", "/pengaduan/kotak-saran",
                                 {"opened_on": opened_on, "slip_count": "1"})
            from app.complaints.models import SuggestionBoxSession
            form["session_id"] = str(office.read(lambda: SuggestionBoxSession.select(SuggestionBoxSession.id)
                                                 .where(~SuggestionBoxSession.is_empty)
                                                 .order_by(SuggestionBoxSession.id.desc()).scalar() or ""))
            assert opened is None or opened.status_code in (303, 422), errors_of(opened)
        response = office.post(role, "/pengaduan/catat", form)
        assert response is None or response.status_code == 303, errors_of(response)
        if response is not None:
            self.touched.page(office, response.headers["Location"])
        self._done(f"pengaduan_{channel}")

    def _complaints(self, office, *statuses):
        from app.complaints.models import Complaint
        return office.read(lambda: [c for c, in Complaint.select(Complaint.id).where(
            Complaint.status.in_(list(statuses))).order_by(Complaint.id).tuples()])

    @rule(pc=st.sampled_from(COUNTERS), pick=PICK, to=st.sampled_from(("ditindaklanjuti", "selesai", "bukan_kewenangan")))
    def follow_up_complaint(self, pc, pick, to):
        """The Kasi Pelayanan follows a complaint up, closes it, or passes it to another office."""
        office = self._counter(pc)
        if office is None:
            return
        from app.complaints.workflow import TRANSITIONS
        movable = [c for c in self._complaints(office, *TRANSITIONS)]
        if not movable:
            return
        complaint_id = movable[pick % len(movable)]
        from app.complaints.models import Complaint
        status = office.read(lambda: Complaint.get_by_id(complaint_id).status)
        if to not in TRANSITIONS[status]:
            to = TRANSITIONS[status][0]
        response = office.post("kasi_pelayanan", f"/pengaduan/{complaint_id}/status", {
            "to_status": to, "tindak_lanjut": f"Ditindaklanjuti: petugas ditambah ({pick}).",
            "other_office": "Dinas Kependudukan" if to == "bukan_kewenangan" else "", "note": ""})
        assert response is None or response.status_code == 303, errors_of(response)
        self.touched.page(office, f"/pengaduan/{complaint_id}")
        self._done(f"pengaduan_{to}")

    @rule(pc=st.sampled_from(COUNTERS), pick=PICK, with_code=st.booleans(), scores=st.lists(st.integers(1, 4), min_size=9, max_size=9))
    def survey_answer(self, pc, pick, with_code, scores):
        """A visitor answers the satisfaction survey at the kiosk: with the code printed on their slip
        (a registration receipt or a complaint slip), or as a walk-in without one."""
        import re
        import uuid

        from app.survey.elements import ELEMENTS
        office = self._counter(pc)
        if office is None:
            return
        form = {f"unsur_{e.key}": str(score) for e, score in zip(ELEMENTS, scores)}
        form["submission_key"] = uuid.UUID(int=self.world.people_made * 1000 + self.forms + pick).hex
        self.forms += 1
        if with_code:
            slips = [f"/pendaftaran/{a}/bukti" for a in self._applications(office, "diterima", "lengkap", "dikembalikan")]
            slips += [f"/pengaduan/{c}/tanda-terima" for c in self._complaints(office, "baru", "diteruskan")]
            if not slips:
                return
            slip = office.get("petugas_informasi" if "pengaduan" in slips[pick % len(slips)] else "petugas_loket",
                              slips[pick % len(slips)])
            found = re.search(r'survey-code-value">([A-Z0-9-]+)<', slip.get_data(as_text=True)) if slip else None
            if found is None:
                return
            form["kode"] = found.group(1)
        response = office.public("POST", "/survei", data=form)
        # A code used twice is refused with its reason (422); walk-ins are throttled (429).
        assert response is None or response.status_code in (303, 422, 429), errors_of(response)
        self._done("survei_kode" if with_code else "survei_tanpa_kode")

    @rule(pc=st.sampled_from(COUNTERS), pick=PICK, accept=st.booleans())
    def review_survey(self, pc, pick, accept):
        """The information officer accepts a walk-in answer, or voids an answer with a reason."""
        from app.survey.models import SurveyResponse
        office = self._counter(pc)
        if office is None:
            return
        wanted = ["menunggu"] if accept else ["menunggu", "sah"]
        answers = office.read(lambda: [r for r, in SurveyResponse.select(SurveyResponse.id).where(
            SurveyResponse.status.in_(wanted)).order_by(SurveyResponse.id).tuples()])
        if not answers:
            return
        chosen = answers[pick % len(answers)]
        if accept:
            response = office.post("petugas_informasi", f"/ikm/jawaban/{chosen}/sahkan", {})
        else:
            response = office.post("petugas_informasi", f"/ikm/jawaban/{chosen}/batalkan", {"alasan": "diisi dua kali"})
        assert response is None or response.status_code == 303, errors_of(response)
        self._done("survei_sahkan" if accept else "survei_batalkan")

    @rule(pc=st.sampled_from(COUNTERS), action=st.sampled_from(("draf", "ajukan", "setujui", "kembalikan")))
    def recap_step(self, pc, action):
        """The last quarter's recap: the information officer drafts and submits it, the Camat approves
        it (frozen) or sends it back."""
        from app.frame.dates import local_today
        from app.frame.periods import Quarter
        from app.recap.models import QuarterRecap
        office = self._counter(pc)
        if office is None:
            return
        quarter = office.read(lambda: Quarter.containing(local_today()).previous())
        path = f"/rekap/{quarter.year}/{quarter.number}"
        status = office.read(lambda: QuarterRecap.select(QuarterRecap.status).where(
            QuarterRecap.year == quarter.year, QuarterRecap.quarter == quarter.number).scalar())
        if action in ("draf", "ajukan"):
            response = office.post("petugas_informasi", f"{path}/draf", {
                "promises": "Menambah petugas perekaman.", "narrative": "Antrean menurun.",
                **({"ajukan": "1"} if action == "ajukan" else {})})
            allowed = (303,) if status in (None, "draf", "dikembalikan") else (409,)
        elif action == "setujui":
            response = office.post("camat", f"{path}/setujui", {"remark": ""})
            allowed = (303,) if status == "diajukan" else (409,)
        else:
            response = office.post("camat", f"{path}/kembalikan", {"remark": "Lengkapi uraian."})
            allowed = (303,) if status == "diajukan" else (409,)
        assert response is None or response.status_code in allowed, f"{status} -> {action}: {errors_of(response)}"
        self.touched.page(office, path)
        self._done(f"rekap_{action}")

    # --- walking the pages ----------------------------------------------------------------------------------

    @rule(where=PICK, who=PICK)
    def walk_every_menu(self, where, who):
        """Someone with one role opens every menu page of one PC, or of the center (privacy and < 500
        checked after)."""
        offices = inv.live_offices(self.world)
        if where % (len(offices) + 1) == len(offices):
            self.touched.center_menus = (inv.CENTER_ROLES[who % len(inv.CENTER_ROLES)],)
            self._done("jelajah_menu_pusat")
            return
        office = offices[where % len(offices)]
        roles = inv._roles_of(office)
        self.walk_problems = inv.crawl_menus(self.world, office, [roles[who % len(roles)]])
        self._done("jelajah_menu")

    # --- after every step --------------------------------------------------------------------------------

    def broken_invariants(self) -> list[tuple[str, str]]:
        """Every invariant not switched off: (invariant name, violation) pairs, empty when all hold."""
        problems = [("no_personal_field_shown_to_a_denied_role", p) for p in self.walk_problems]
        problems += [("the_latest_backup_restores_equal_to_the_live_data", p) for p in self.backup_problems]
        self.walk_problems, self.backup_problems = [], []
        for check in inv.INVARIANTS:
            if check.__name__ in self.off:
                continue
            STATS["invariants"][check.__name__] += 1
            started = time.perf_counter()
            problems += [(check.__name__, p) for p in check(self.world, self.touched)]
            STATS["seconds_per_invariant"][check.__name__] += time.perf_counter() - started
        self.touched = inv.Touched()
        self.step_started = time.perf_counter()
        return [(name, p) for name, p in problems if name not in self.off]

    @invariant()
    def every_invariant_holds(self):
        problems = self.broken_invariants()
        assert not problems, "\n".join(f"[{name}] {p}" for name, p in problems[:20])
