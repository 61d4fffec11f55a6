"""No lost update (issue 33, finding 5): two people editing one record; the second save over a
newer version is refused with both versions shown, and nothing of the first is reverted."""
import html
import re

from app.auth.models import User
from app.frame.audit_sentences import FIELD_LABELS
from app.registration.models import Application
from tests.conftest import sign_in_as
from tests.registration.conftest import client_as, loket, office, saved  # noqa: F401
from tests.support.factory import applicant_form, staff_user


def second_clerk(app, role="petugas_loket"):
    user = staff_user(role, f"{role}-2".replace("_", "-"), "Pegawai kedua")
    client = app.test_client()
    sign_in_as(client, user)
    return client


def version_in(page: str) -> str:
    found = re.search(r'name="version_read" value="([^"]+)"', page)
    assert found, "the edit form carries no version"
    return found.group(1)


def input_value(page: str, name: str) -> str:
    found = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*?(?:value="([^"]*)"[^>]*)?>([^<]*)', page)
    assert found, f"no field {name}"
    return html.unescape(found.group(1) if found.group(1) is not None else found.group(2))


def test_the_409_form_keeps_the_other_clerks_fields_so_saving_again_reverts_nothing(app, loket, saved):
    """Issue 42, finding 9: saving again on the 409 page reverted the fields of the other clerk that
    the second clerk never touched. The page now holds the stored values plus only the second's changes."""
    ani, budi = loket, second_clerk(app)
    url = f"/pendaftaran/{saved}/ubah"
    ani_version = version_in(ani.get(url).get_data(as_text=True))
    budi_version = version_in(budi.get(url).get_data(as_text=True))
    assert ani.post(url, data=applicant_form(address="Jl. Mawar 7", version_read=ani_version),
                    content_type="multipart/form-data").status_code == 302
    refused = budi.post(url, data=applicant_form(phone="0813-1111-2222", version_read=budi_version),
                        content_type="multipart/form-data")
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert input_value(page, "address") == "Jl. Mawar 7"  # Ani's change, not Budi's old copy of the field
    assert input_value(page, "phone") in ("081311112222", "0813-1111-2222")  # Budi's own change, kept
    again = budi.post(url, data=applicant_form(address=input_value(page, "address"), phone=input_value(page, "phone"),
                                           version_read=version_in(page)), content_type="multipart/form-data")
    assert again.status_code == 302
    application = Application.get_by_id(saved)
    assert (application.address, application.phone) == ("Jl. Mawar 7", "081311112222")


def test_a_double_click_on_simpan_is_one_save_not_a_conflict_with_oneself(loket, saved):
    """Issue 42, finding 9: the second request of a double click was told someone else changed the record."""
    url = f"/pendaftaran/{saved}/ubah"
    version = version_in(loket.get(url).get_data(as_text=True))
    first = loket.post(url, data=applicant_form(address="Jl. Melati 3", version_read=version),
                       content_type="multipart/form-data")
    second = loket.post(url, data=applicant_form(address="Jl. Melati 3", version_read=version),
                        content_type="multipart/form-data")
    assert (first.status_code, second.status_code) == (302, 302)
    assert "diubah orang lain" not in loket.get(second.headers["Location"]).get_data(as_text=True)
    assert Application.get_by_id(saved).address == "Jl. Melati 3"


def test_a_double_click_on_a_complaint_step_is_one_step(app, client_for, db, users):
    from app.complaints import book
    from app.complaints.models import Complaint, ComplaintCategory, ComplaintEvent
    category = ComplaintCategory.get(ComplaintCategory.name == "Waktu tunggu")
    complaint, _ = book.record_complaint(
        {"channel": "meja_informasi", "category_id": category.id, "complainant_name": "Sri", "complainant_contact": "",
         "is_anonymous": False, "is_confidential": False, "registration_number": "", "text": "Antrean lama"},
        user=users["petugas_informasi"], status="diteruskan")
    kasi = client_for("kasi_pelayanan")
    url = f"/pengaduan/{complaint.id}"
    version = version_in(kasi.get(url).get_data(as_text=True))
    form = {"to_status": "ditindaklanjuti", "tindak_lanjut": "Loket kedua dibuka.", "version_read": version}
    answers = [kasi.post(f"{url}/status", data=dict(form)).status_code for _ in range(2)]
    assert answers == [303, 303]
    assert Complaint.get_by_id(complaint.id).status == "ditindaklanjuti"
    assert ComplaintEvent.select().where(ComplaintEvent.complaint == complaint.id,
                                         ComplaintEvent.to_status == "ditindaklanjuti").count() == 1


def test_two_kasi_moving_one_complaint_the_second_hears_the_real_reason(app, client_for, db, users):
    """Issue 42, finding 9: the second Kasi was told "tidak diizinkan untuk peran Anda"."""
    from app.complaints import book
    from app.complaints.models import Complaint, ComplaintCategory
    category = ComplaintCategory.get(ComplaintCategory.name == "Waktu tunggu")
    complaint, _ = book.record_complaint(
        {"channel": "meja_informasi", "category_id": category.id, "complainant_name": "Sri", "complainant_contact": "",
         "is_anonymous": False, "is_confidential": False, "registration_number": "", "text": "Antrean lama"},
        user=users["petugas_informasi"], status="diteruskan")
    first_kasi, second_kasi = client_for("kasi_pelayanan"), second_clerk(app, "kasi_pelayanan")
    url = f"/pengaduan/{complaint.id}"
    first_version = version_in(first_kasi.get(url).get_data(as_text=True))
    second_version = version_in(second_kasi.get(url).get_data(as_text=True))
    assert first_kasi.post(f"{url}/status", data={"to_status": "selesai", "tindak_lanjut": "Loket kedua dibuka.",
                                                  "version_read": first_version}).status_code == 303
    same_move = second_kasi.post(f"{url}/status", data={"to_status": "selesai", "tindak_lanjut": "Sudah beres.",
                                                        "version_read": second_version})
    other_move = second_kasi.post(f"{url}/status", data={"to_status": "bukan_kewenangan", "other_office": "PLN",
                                                         "version_read": second_version})
    for refused in (same_move, other_move):
        page = html.unescape(refused.get_data(as_text=True))
        assert refused.status_code == 422
        assert "peran Anda" not in page
        assert "diubah petugas lain" in page and "Selesai" in page
    assert Complaint.get_by_id(complaint.id).tindak_lanjut == "Loket kedua dibuka."


def test_two_clerks_editing_one_application_the_second_is_refused_with_both_versions(app, loket, saved):
    ani, budi = loket, second_clerk(app)
    url = f"/pendaftaran/{saved}/ubah"
    ani_version = version_in(ani.get(url).get_data(as_text=True))
    budi_version = version_in(budi.get(url).get_data(as_text=True))
    first = ani.post(url, data=applicant_form(address="Jl. Mawar 7", version_read=ani_version),
                     content_type="multipart/form-data")
    assert first.status_code == 302
    second = budi.post(url, data=applicant_form(phone="0813-1111-2222", version_read=budi_version),
                       content_type="multipart/form-data")
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "sudah diubah orang lain" in page and "BELUM disimpan" in page
    application = Application.get_by_id(saved)
    assert (application.address, application.phone) == ("Jl. Mawar 7", "081234567890")
    conflict = page.split('class="flash flash-error version-conflict"')[1].split("</section>")[0]
    shown = re.findall(r'<th scope="row">([^<]+)</th><td>([^<]*)</td><td>([^<]*)</td>', conflict)
    assert shown == [(FIELD_LABELS["phone"], "081234567890", "081311112222")]  # Budi's own change
    assert FIELD_LABELS["address"] in conflict.split("tetap dipakai")[1]  # Ani's, kept
    # Budi saw both; saving again with the version the refusal carried is his choice, and it saves
    third = budi.post(url, data=applicant_form(address=input_value(page, "address"), phone=input_value(page, "phone"),
                                           version_read=version_in(page)), content_type="multipart/form-data")
    assert third.status_code == 302
    application = Application.get_by_id(saved)
    assert (application.address, application.phone) == ("Jl. Mawar 7", "081311112222")


def test_saving_twice_from_the_same_page_is_not_a_conflict_with_oneself_when_nothing_changed(loket, saved):
    url = f"/pendaftaran/{saved}/ubah"
    version = version_in(loket.get(url).get_data(as_text=True))
    assert loket.post(url, data=applicant_form(version_read=version), content_type="multipart/form-data").status_code == 302


def test_two_handlers_writing_one_complaints_follow_up_the_second_is_refused(app, client_for, db, users):
    from app.complaints import book
    from app.complaints.models import Complaint, ComplaintCategory
    category = ComplaintCategory.get(ComplaintCategory.name == "Waktu tunggu")
    complaint, _ = book.record_complaint(
        {"channel": "meja_informasi", "category_id": category.id, "complainant_name": "Sri", "complainant_contact": "",
         "is_anonymous": False, "is_confidential": False, "registration_number": "", "text": "Antrean lama"},
        user=users["petugas_informasi"], status="diteruskan")
    first_kasi, second_kasi = client_for("kasi_pelayanan"), second_clerk(app, "kasi_pelayanan")
    url = f"/pengaduan/{complaint.id}"
    first_version = version_in(first_kasi.get(url).get_data(as_text=True))
    second_version = version_in(second_kasi.get(url).get_data(as_text=True))
    assert first_kasi.post(f"{url}/status", data={"tindak_lanjut": "Petugas perekaman ditambah dua orang.",
                                                  "only_text": "1", "version_read": first_version}).status_code == 303
    refused = second_kasi.post(f"{url}/status", data={"tindak_lanjut": "Akan dicek minggu depan.", "only_text": "1",
                                                      "version_read": second_version})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Petugas perekaman ditambah dua orang." in page and "Akan dicek minggu depan." in page
    assert Complaint.get_by_id(complaint.id).tindak_lanjut == "Petugas perekaman ditambah dua orang."


def test_two_admins_on_the_office_page_the_second_is_refused(app, client_for):
    from app.frame import store
    first_admin, second_admin = client_for("admin"), second_clerk(app, "admin")
    page = first_admin.get("/admin/kantor").get_data(as_text=True)
    form = {key: value for key, value in re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page)
            if key not in ("csrf_token",)}
    form.update({name: store.get(name) for name in ("timezone",)})
    form.update(re.findall(r'<select[^>]*name="([a-z_]+)"', page) and {
        "provinsi": "35", "kabupaten": "35.08", "kecamatan_code": store.get("kecamatan_code")})
    second_version = version_in(second_admin.get("/admin/kantor").get_data(as_text=True))
    assert first_admin.post("/admin/kantor", data=dict(form, camat_name="Drs. Hadi Santoso")).status_code == 302
    refused = second_admin.post("/admin/kantor", data=dict(form, version_read=second_version,
                                                            phone="0334-881122"))
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Drs. Hadi Santoso" in page and "0334-881122" in page
    assert store.get("camat_name") == "Drs. Hadi Santoso" and store.get("phone") != "0334-881122"


def test_two_editors_of_one_desk_answer_the_second_is_refused(app, client_for, db, users):
    from app.complaints.models import DeskAnswer
    from app.frame.dates import utc_now as now
    answer = DeskAnswer.create(topic="Biaya", question="Berapa biaya KTP-el?", answer="Gratis.", is_active=True,
                               updated_at=now(), updated_by=users["admin"].id)
    first, second = client_for("petugas_informasi"), second_clerk(app, "petugas_informasi")
    url = f"/pengaduan/info-meja/{answer.id}"
    first_version, second_version = (version_in(c.get(url).get_data(as_text=True)) for c in (first, second))
    form = {"topic": "Biaya", "question": "Berapa biaya KTP-el?", "is_active": "1"}
    assert first.post(url, data=dict(form, answer="Gratis, tidak dipungut biaya apa pun.",
                                     version_read=first_version)).status_code == 303
    refused = second.post(url, data=dict(form, answer="Gratis (Perpres 96/2018).", version_read=second_version))
    assert refused.status_code == 409
    assert "Gratis, tidak dipungut biaya apa pun." in refused.get_data(as_text=True)
    assert DeskAnswer.get_by_id(answer.id).answer == "Gratis, tidak dipungut biaya apa pun."


def test_two_admins_on_the_service_standards_page_the_second_is_refused(app, client_for):
    from app.frame import store
    first, second = client_for("admin"), second_clerk(app, "admin")
    first_version, second_version = (version_in(c.get("/admin/pendaftaran").get_data(as_text=True))
                                     for c in (first, second))
    form = {"service_days": "14", "photo_background_rule": "1", "row_count": "1",
            "label_0": "Surat pengantar desa", "code_0": "", "reasons_0": ["baru", "rusak"]}
    assert first.post("/admin/pendaftaran", data=dict(form, version_read=first_version)).status_code == 302
    refused = second.post("/admin/pendaftaran", data=dict(form, service_days="7", version_read=second_version))
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Lama layanan (hari kerja)" in page and "<td>14</td><td>7</td>" in page
    assert store.get("service_days") == 14


def conflict_rows(page: str) -> list[tuple[str, str, str]]:
    """The refusal's table: (field, stored now, your entry)."""
    assert "sudah diubah orang lain" in page and "BELUM disimpan" in page, "no Indonesian refusal"
    conflict = page.split('class="flash flash-error version-conflict"')[1].split("</section>")[0]
    return re.findall(r'<th scope="row">([^<]+)</th><td>([^<]*)</td><td>([^<]*)</td>', conflict)


def test_two_admins_editing_one_account_the_second_is_refused(app, client_for, users):
    first, second = client_for("admin"), second_clerk(app, "admin")
    clerk = users["petugas_loket"]
    url = f"/admin/pengguna/{clerk.id}"
    first_version, second_version = (version_in(c.get(url).get_data(as_text=True)) for c in (first, second))
    assert first.post(url, data={"full_name": "Siti Rahmawati", "role": "petugas_loket", "nip": "",
                                 "version_read": first_version}).status_code == 302
    refused = second.post(url, data={"full_name": clerk.full_name, "role": "kasi_pelayanan", "nip": "",
                                     "version_read": second_version})
    assert refused.status_code == 409
    # only the second admin's own change is set against the stored one; the first's name is kept
    assert conflict_rows(refused.get_data(as_text=True)) == [("Peran", "Petugas Loket", "Kasi Pelayanan")]
    assert "tetap dipakai (tidak Anda ubah): Nama lengkap" in refused.get_data(as_text=True)
    saved = User.get_by_id(clerk.id)
    assert (saved.full_name, saved.role) == ("Siti Rahmawati", "petugas_loket")


def test_two_admins_on_complaint_categories_and_time_targets_the_second_is_refused(app, client_for):
    from app.complaints.models import ComplaintCategory
    from app.frame import store
    first, second = client_for("admin"), second_clerk(app, "admin")
    category = ComplaintCategory.get(ComplaintCategory.name == "Waktu tunggu")
    url = f"/pengaduan/kategori?ubah={category.id}"
    pages = [c.get(url).get_data(as_text=True) for c in (first, second)]
    # the category form's version comes first on the page, the time targets' second
    (first_category, first_targets), (second_category, second_targets) = (
        re.findall(r'name="version_read" value="([^"]+)"', page) for page in pages)
    form = {"category_id": str(category.id), "section": category.section, "is_active": "1"}
    assert first.post("/pengaduan/kategori", data=dict(form, name="Antrean lama",
                                                       version_read=first_category)).status_code == 303
    refused = second.post("/pengaduan/kategori", data=dict(form, name="Waktu tunggu", is_active="",
                                                           version_read=second_category))
    assert refused.status_code == 409
    assert conflict_rows(refused.get_data(as_text=True)) == [("Aktif", "ya", "tidak")]
    assert "tetap dipakai (tidak Anda ubah): Nama kategori" in refused.get_data(as_text=True)
    category = ComplaintCategory.get_by_id(category.id)
    assert (category.name, category.is_active) == ("Antrean lama", True)

    follow_up = store.get("complaint_follow_up_days")
    assert first.post("/pengaduan/kategori/target-waktu", data={
        "complaint_first_response_days": "2", "complaint_follow_up_days": str(follow_up),
        "version_read": first_targets}).status_code == 303
    refused = second.post("/pengaduan/kategori/target-waktu", data={
        "complaint_first_response_days": "3", "complaint_follow_up_days": str(follow_up + 5),
        "version_read": second_targets})
    assert refused.status_code == 409
    assert conflict_rows(refused.get_data(as_text=True)) == [
        ("Tanggapan pertama (hari kerja)", "2", "3"), ("Tindak lanjut selesai (hari kerja)", str(follow_up), str(follow_up + 5))]
    assert (store.get("complaint_first_response_days"), store.get("complaint_follow_up_days")) == (2, follow_up)


def test_two_admins_setting_indicator_targets_the_second_is_refused(app, client_for):
    from app.indicators.definitions import INDICATORS
    from app.indicators.targets import targets_for
    first, second = client_for("admin"), second_clerk(app, "admin")
    url = "/admin/indikator/target?tahun=2026"
    first_version, second_version = (version_in(c.get(url).get_data(as_text=True)) for c in (first, second))
    shown = {i.key: f"{i.default_target:g}".replace(".", ",") for i in INDICATORS}
    key, other = INDICATORS[0], INDICATORS[1]
    assert first.post("/admin/indikator/target", data=dict(shown, tahun="2026", **{key.key: "95"},
                                                           version_read=first_version)).status_code == 303
    refused = second.post("/admin/indikator/target", data=dict(shown, tahun="2026", **{other.key: "1"},
                                                               version_read=second_version))
    assert refused.status_code == 409
    assert conflict_rows(refused.get_data(as_text=True)) == [(other.name, shown[other.key], "1")]
    assert f"tetap dipakai (tidak Anda ubah): {key.name}" in refused.get_data(as_text=True)
    saved = targets_for(2026)
    assert (saved[key.key][0], saved[other.key][0]) == (95, other.default_target)


def test_two_officers_writing_one_recap_draft_the_second_is_refused(app, client_for, db):
    from app.recap.models import QuarterRecap
    first, second = client_for("petugas_informasi"), second_clerk(app, "petugas_informasi")
    url = "/rekap/2025/1"
    first_version, second_version = (version_in(c.get(url).get_data(as_text=True)) for c in (first, second))
    assert first.post(f"{url}/draf", data={"promises": "Menambah kursi ruang tunggu.", "narrative": "",
                                           "version_read": first_version}).status_code == 303
    refused = second.post(f"{url}/draf", data={"promises": "Loket dibuka pukul 07.30.", "narrative": "Triwulan ramai.",
                                               "version_read": second_version})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert conflict_rows(page) == [("Janji perbaikan", "Menambah kursi ruang tunggu.", "Loket dibuka pukul 07.30."),
                                   ("Uraian singkat", "(kosong)", "Triwulan ramai.")]
    assert "Loket dibuka pukul 07.30." in page.split('id="f-promises"')[1].split("</textarea>")[0]  # kept to retry
    recap = QuarterRecap.get()
    assert (recap.promises, recap.narrative) == ("Menambah kursi ruang tunggu.", "")
    # saving again with the version the refusal carried is the officer's choice, made with both in view
    assert second.post(f"{url}/draf", data={"promises": "Loket dibuka pukul 07.30.", "narrative": "Triwulan ramai.",
                                            "version_read": version_in(page)}).status_code == 303
    assert QuarterRecap.get().promises == "Loket dibuka pukul 07.30."
