"""Issue 25: the time zone follows the kecamatan. Choosing Sulawesi Selatan / Gowa / Somba Opu in the
setup left WIB and saved it: every receipt an hour off. The setup now proposes the province's zone."""
import re

from app.frame import regions, store
from app.frame.dates import TIME_ZONES
from tests.settings.test_first_run import SETUP, client_as, fresh  # noqa: F401  (fixture)
from app.frame.roles import ADMIN

SOMBA_OPU = {"provinsi": "73", "kabupaten": "73.06", "kecamatan_code": "73.06.08"}


def test_every_province_in_the_list_has_its_legal_zone():
    provinces = regions.children("")
    assert len(provinces) == 38
    missing = [p.name for p in provinces if regions.zone_of(p.code) not in TIME_ZONES]
    assert missing == []
    assert regions.zone_of("73.06.08") == "WITA"  # Somba Opu, Gowa, Sulawesi Selatan
    assert regions.zone_of("35.08.07.2001") == "WIB"  # Darungan, Lumajang, Jawa Timur
    assert regions.zone_of("94") == "WIT"  # Papua Tengah
    assert regions.zone_of("61") == "WIB" and regions.zone_of("62") == "WIB"  # Kalimantan Barat/Tengah
    assert regions.zone_of("") is None and regions.zone_of("99") is None


def test_choosing_a_province_proposes_its_zone(fresh):
    admin = client_as(fresh, ADMIN, "admin2")
    lists = admin.get("/admin/wilayah", query_string={"provinsi": "73"}).get_data(as_text=True)
    zone_field = lists[lists.index('id="timezone-field"'):]
    assert 'hx-swap-oob="true"' in lists[:lists.index('id="timezone-field"') + 80]
    assert re.search(r'<option value="WITA" selected', zone_field)
    assert not re.search(r'<option value="WIB" selected', zone_field)
    # without JavaScript, "Tampilkan pilihan" proposes it too
    page = admin.post("/admin/penyiapan", data={**SOMBA_OPU, "timezone": "WIB", "pilih": "1"}).get_data(as_text=True)
    assert re.search(r'<option value="WITA" selected', page)


def test_setup_in_somba_opu_says_where_the_zone_comes_from_and_saves_wita(fresh):
    admin = client_as(fresh, ADMIN, "admin2")
    page = admin.get("/admin/penyiapan").get_data(as_text=True)
    assert "Dipilih otomatis dari provinsi" in page
    answer = admin.post("/admin/penyiapan", data={**SETUP, **SOMBA_OPU, "timezone": "WITA"})
    assert answer.status_code == 303
    assert store.get("timezone") == "WITA" and store.get("kecamatan_name") == "Somba Opu"


def test_a_seeded_office_takes_its_provinces_zone(tmp_path):
    from app import create_app
    from app.firstrun import seed_identity
    app = create_app({"DATA_DIR": tmp_path, "SECRET_KEY": "s", "TESTING": True})
    with app.app_context(), app.extensions["database"].connection_context():
        seed_identity("73.06.08")
        assert store.get("timezone") == "WITA"


def test_on_day_one_nothing_is_overdue_from_before_the_office_existed(fresh):
    """Issue 25: on day one the home page said the suggestion box was 20 working days overdue."""
    from app.complaints.box_views import missing_box_days
    admin = client_as(fresh, ADMIN, "admin2")
    assert admin.post("/admin/penyiapan", data=dict(SETUP)).status_code == 303  # a copy: the client adds its token
    assert missing_box_days() == []
    home = admin.get("/").get_data(as_text=True)
    assert "Hubungi admin" not in home  # issue 25: the admin was told to call the admin
