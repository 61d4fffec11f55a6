"""Issue 24 finding 1: the trail renders every value an audit row may hold (lists, dicts, numbers,
None, booleans, long text), masked by the privacy table, and never answers 500 for one of them."""
import html
import json
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings, strategies as st

from app.frame import audit_sentences, privacy

DARUNGAN = "35.08.07.2001"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_trail_opens_after_an_operator_desa_account_is_made(client_for):
    """The repro: a fresh office, one Operator Desa with one desa, then the trail and its filter."""
    admin = client_for("admin")
    made = admin.post("/admin/operator-desa/baru", data={"username": "kaur.darungan", "full_name": "Kaur Darungan",
                                                        "desa": [DARUNGAN]})
    assert made.status_code == 200, _text(made)[:500]
    for role in ("admin", "camat"):
        for url in ("/audit", "/audit?entitas=pengguna"):
            response = client_for(role).get(url)
            assert response.status_code == 200, (role, url, response.status_code)
            page = _text(response)
            # the sentence names the change and the account; the change column lists the desa
            assert "Pegawai admin mengubah Desa akun kaur.darungan" in page, page
            assert f"Desa: {DARUNGAN}" in page


def test_the_trail_opens_after_the_ktp_settings_are_saved(client_for):
    admin = client_for("admin")
    saved = admin.post("/admin/pendaftaran", data={
        "service_days": "10", "photo_background_rule": "1", "row_count": "1",
        "label_0": "Surat pengantar RT/RW", "code_0": "", "reasons_0": ["baru", "rusak"]})
    assert saved.status_code == 302
    response = admin.get("/audit?entitas=pengaturan")
    assert response.status_code == 200
    page = _text(response)
    assert "mengubah Aturan latar foto, Persyaratan, Lama layanan pengaturan pendaftaran" in page
    assert "Nama: Surat pengantar RT/RW; Alasan: baru, rusak" in page and "Lama layanan: <s>12</s> → 10" in response.get_data(as_text=True)


# --- any JSON value, every kind of data and action ------------------------------------------

SECRET = "RHS"  # marks a value held under a personal field; no other value contains it
PERSONAL = sorted(privacy.PERSONAL_FIELDS)
PLAIN_KEYS = st.sampled_from(["status", "desa", "role", "name", "requirements", "is_active", "x", "", "ü ñ"])
plain_text = st.text(max_size=400).filter(lambda text: SECRET not in text)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | plain_text
# Padded: a mask may keep a value's first four and last three characters (NIK 3508•••••••••001), so the
# marker sits where every mask hides it.
secrets = st.text(min_size=0, max_size=30).map(lambda text: f"pad4{SECRET}{text}99887766{SECRET}pad")


def _values(secret_values: bool):
    """JSON values; under a personal key anything goes, and it holds the secret marker."""
    leaves = (scalars | secrets) if secret_values else scalars
    return st.recursive(leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.one_of(PLAIN_KEYS, st.sampled_from(PERSONAL)), inner, max_size=4), max_leaves=12)


def _records():
    personal = st.dictionaries(st.sampled_from(PERSONAL), _values(True), max_size=3)
    plain = st.dictionaries(PLAIN_KEYS, _values(False), max_size=4)
    return st.builds(lambda a, b: {**a, **b}, plain, personal)


def _only_masked(text: str) -> bool:
    return SECRET not in text and "99887766" not in text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(audit_sentences.ENTITIES) + ["permohonan_ktp", "pra_pendaftaran", "hal_baru"]),
       action=st.sampled_from(sorted(audit_sentences.VERBS) + ["terima", "aksi_baru"]),
       before=st.none() | _records().map(json.dumps) | st.text(max_size=50) | _values(False).map(json.dumps),
       after=st.none() | _records().map(json.dumps) | st.just("{not json") | _values(False).map(json.dumps))
def test_any_json_value_becomes_a_sentence_with_personal_fields_masked(app, kind, action, before, after):
    event = SimpleNamespace(entity=kind, action=action, before=before, after=after, entity_id="7")
    with app.app_context():
        said = audit_sentences.sentence(event, "Siti", "7")
        rows = audit_sentences.changes(event)
    assert said.startswith("Siti ") and _only_masked(said)
    for label, old, new in rows:
        assert all(isinstance(part, str) for part in (label, old, new))
        assert _only_masked(old) and _only_masked(new), (label, old, new)
        assert len(old) <= audit_sentences.LONGEST_VALUE + 1 and len(new) <= audit_sentences.LONGEST_VALUE + 1


def test_personal_values_nested_in_a_record_are_masked_when_written(db, users):
    """for_audit masks a personal field at any depth, so the stored row holds no clear value."""
    from app.frame import audit
    event = audit.record("ubah", "pra_pendaftaran", 1, "uji", user=users["admin"],
                         after={"changed": {"nik": "3508071205900001", "address": ["Dusun Krajan No. 5"]},
                                "rows": [{"religion": "Khonghucu"}]})
    assert "3508071205900001" not in event.after and "Krajan" not in event.after and "Khonghucu" not in event.after
    assert "3508•••••••••001" in event.after
