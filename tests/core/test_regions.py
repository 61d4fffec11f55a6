"""The national region list (app/frame/regions.py) answers as the shipped file says, from a compact
table: the office server kept every code and name as strings for its life, 15 MB (issue 45)."""
import csv
import tracemalloc

from app.frame import regions


def _the_file() -> dict[str, str]:
    with regions.REGION_FILE.open(encoding="utf-8", newline="") as f:
        return {row["kode"]: row["nama"] for row in csv.DictReader(f)}


def test_every_code_has_the_files_name_and_the_lists_follow_it():
    listed = _the_file()
    assert all(regions.region_name(code) == name for code, name in listed.items())  # quoted names too
    assert regions.region_name("12.07.28.1007") == "Lubuk Pakam I,II"
    assert regions.region("3508072005").name == "Yosowilangun Kidul"
    assert regions.region("35.08.07.9999") is None and regions.region("") is None and regions.region("é") is None
    assert regions.is_kecamatan_code("350807") and not regions.is_kecamatan_code("35.08")
    assert not regions.is_kecamatan_code("35.08.99")
    for kecamatan in ("35.08.07", "11.01.01", "94.01.01"):  # the first province, the last ones
        assert [(r.code, r.name) for r in regions.desa_of(kecamatan)] == [
            (code, name) for code, name in listed.items() if code.startswith(kecamatan + ".") and code.count(".") == 3]
    assert regions.desa_of("") == [] and regions.desa_of("99") == []
    provinces = [code for code in listed if "." not in code]
    assert [r.code for r in regions.children("")] == provinces and len(provinces) == 38
    assert [r.code for r in regions.children("35.08")] == [
        code for code in listed if code.startswith("35.08.") and code.count(".") == 2]
    assert [r.name for r in regions.parents("35.08.07.2005")] == ["Jawa Timur", "Kabupaten Lumajang", "Yosowilangun"]


def test_the_table_takes_little_memory_while_read_and_kept():
    regions._table.cache_clear()
    regions._name_of.cache_clear()
    codes = list(_the_file())[:20000]
    tracemalloc.start()
    try:
        regions.region_name("35.08.07")
        kept, peak = tracemalloc.get_traced_memory()
        for code in codes:  # the names kept for the rules' look-ups are bounded too
            regions.region_name(code)
        kept_after_lookups = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert kept < 4 * 1024 * 1024 and peak < 6 * 1024 * 1024  # a dict of strings: 15 MB kept
    assert kept_after_lookups < kept + 1024 * 1024  # 1,024 kept: ~0.2 MB; all 20,000: ~1.6 MB
