"""The office year's renumber of a relayed application (issue 72, finding 1): the rule's body, called by
tests/simulation/machine.py (OfficeYear.relayed_application_renumbered) and so by bench/office_year.py.

A desa laptop relays an F-1.07, counter PC P1 accepts it and completes the file; another applicant's file
under the same number reaches the center from P2's key (two PCs that gave one number: a PC set up from
another's disk), and the center's operator decides: keep the center's (P1's file is the one offered) or
accept the other (P1's was held first). P1 gives its application a new number; then the desa laptop (its
page and the citizen's /cek of the F-1.07), the center's relay record, P1 and P2 are checked."""
import io
import json

from tests.simulation import invariants as inv
from tests.simulation.world import YOSOWILANGUN, errors_of, jpeg_photo, text


def _send_other_applicant(office, person, number: str) -> str:
    """`person`'s file under `number`, sent with `office`'s key through the center's packet route (the real
    center process); the center's answer word."""
    from sync import protocol
    from sync.client import engine
    from tests.sync.helpers import record_for
    record = dict(record_for(person.n), registration_number=number, nik=person.nik, kk_number=person.kk,
                  full_name=person.name, birth_date="1990-05-12", desa_code=person.desa_code, address=person.address)
    photo = jpeg_photo(person.n)
    header = {"id": number, "version": 1, "hash": protocol.content_hash(record, protocol.sha256_hex(photo)),
              "record": record}

    def send():
        client = engine.client_for(engine.current_link())
        nonce = protocol.new_nonce()
        body = protocol.encode_packet([(header, photo)], (client.secret, nonce))
        return json.loads(client.call("POST", protocol.API_PREFIX + "/packets", body, protocol.PACKET_CONTENT_TYPE,
                                      nonce))
    return office.read(send)["results"][0]["result"]


def relayed_application_renumbered(machine, decision: str) -> None:
    from app.desa.models import PreRegistration
    from app.registration.models import Application
    from sync.center.models import Conflict, PublicStatus, RelayStatus
    world = machine.world
    laptops = [d for d in inv.desa_pcs(world) if d.desa_code and d.kecamatan == YOSOWILANGUN and machine._key_alive(d)]
    first, second = machine._counter("P1"), machine._counter("P2")
    if not laptops or first is None or second is None or first is second or machine._held(first) \
            or machine._held(second) or not first.enrolled() or not second.enrolled():
        return
    laptop = laptops[0]
    person = world.new_person(laptop.kecamatan, machine._desa_index(laptop))
    data = dict(person.form(), photo=(io.BytesIO(jpeg_photo(person.n)), "foto.jpg"))
    response = laptop.post("operator_desa", "/desa/pra-pendaftaran/baru", data, username=f"op-{laptop.name.lower()}",
                           content_type="multipart/form-data")
    if response is None or response.status_code not in (302, 303):
        return
    laptop.people[person.n] = person
    laptop.sync()
    first.sync()
    pre_id = first.read(lambda: PreRegistration.select(PreRegistration.id).where(
        (PreRegistration.nik == person.nik) & (PreRegistration.status == PreRegistration.WAITING)).scalar())
    if pre_id is None:
        machine._done("nomor_pra_diganti_tidak_sampai")
        return
    pre_number = first.read(lambda: PreRegistration.get_by_id(pre_id).number)
    machine._accept(first, pre_id, person, False, "nomor_pra_diganti_terima")
    application_id = first.read(lambda: PreRegistration.get_by_id(pre_id).application_id)
    if application_id is None:
        return
    machine._complete(first, f"/pendaftaran/{application_id}")
    old = first.read(lambda: Application.get_by_id(application_id).registration_number)
    other = world.new_person(YOSOWILANGUN, 0)
    if decision == "keep":  # the other file reached the center first: P1's is the one offered
        answer = _send_other_applicant(second, other, old)
        first.sync()
    else:  # P1's was held first; the operator takes the other file in its place
        first.sync()
        answer = _send_other_applicant(second, other, old)
    with world.center_bound():
        open_ = [c for c, in Conflict.select(Conflict.id).where(
            (Conflict.registration_number == old) & Conflict.resolved_at.is_null()).tuples()]
    if answer not in ("stored", "conflict") or not open_:
        machine._done("nomor_pra_diganti_tanpa_konflik")  # a fault on the way, a link cut: nothing to decide
        return
    decided = world.center_request("POST", f"/konflik/{open_[0]}/selesai",
                                   data={"decision": decision, "note": "nomor dipakai pemohon lain"})
    assert decided is None or decided.status_code == 303, errors_of(decided)
    for _ in range(2):  # the renumber heard, then the new number's file and the desa's step of it sent
        first.sync()
    new = first.read(lambda: Application.get_by_id(application_id).registration_number)
    if new == old:
        machine._done("nomor_pra_diganti_belum_terdengar")  # the passes met a cut link: later passes carry it
        return
    # P1: its own application, never "a duplicate of another counter".
    pre = first.read(lambda: PreRegistration.get_by_id(pre_id))
    assert pre.relay_status not in ("duplikat_loket_lain", "duplikat_ditutup"), pre.relay_note
    page = first.get("petugas_loket", f"/pendaftaran/{application_id}")
    assert page is None or "Tandai sebagai duplikat" not in text(page), "P1 offered to cancel its own application"
    with world.center_bound():  # the center's relay record follows the new number
        numbers = [n for n, in RelayStatus.select(RelayStatus.application_number).where(
            RelayStatus.number == pre_number).order_by(RelayStatus.seq).tuples() if n]
    assert numbers and numbers[-1] == new, (pre_number, numbers, new)
    for _ in range(2):  # the desa hears it; its /cek record goes out
        laptop.sync()
    at_desa = laptop.read(lambda: PreRegistration.get(PreRegistration.number == pre_number))
    assert at_desa.relay_application_number == new and "diganti" in at_desa.relay_note, \
        (at_desa.relay_application_number, at_desa.relay_note)
    desa_page = laptop.get("operator_desa", f"/desa/pra-pendaftaran/{at_desa.id}", username=f"op-{laptop.name.lower()}")
    assert desa_page is None or (new in text(desa_page) and old not in text(desa_page)), "the desa page's number"
    with world.center_bound():
        held = list(PublicStatus.select().where(PublicStatus.number == pre_number))
    if held:  # the citizen's /cek of the F-1.07
        follow_up = json.loads(held[0].record_json).get("follow_up", "")
        assert new in follow_up and old not in follow_up, follow_up
    second.sync()  # the other counter PC's queue names the number the application has now
    at_second = second.read(lambda: list(PreRegistration.select(PreRegistration.relay_application_number).where(
        PreRegistration.number == pre_number).tuples()))
    assert not at_second or at_second[0][0] in (new, ""), (at_second, new)
    machine._done(f"nomor_pra_diganti_{decision}")
