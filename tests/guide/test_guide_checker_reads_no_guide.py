"""The guide checker looks a guide's marked message up in what the programs can show, never in the guides
themselves (tests/guide/names.py, `program_texts` passes over templates/guide/): read there too, any message
a guide invents would be "found" in the guide that invents it (issue 82, finding 5)."""
from tests.guide import names

INVENTED = "Kunci arsip bulan ini hilang di pusat dan tidak dapat dipulihkan lagi"


def test_a_message_only_a_guide_says_is_not_found_in_the_program(tmp_path, monkeypatch):
    (tmp_path / "app").mkdir()
    (tmp_path / "sync").mkdir()
    (tmp_path / "app" / "contoh.py").write_text('SHOWN = "Sambungan ke pusat putus dan akan dicoba lagi"\n', encoding="utf-8")
    (tmp_path / "templates" / "guide").mkdir(parents=True)
    (tmp_path / "templates" / "guide" / "kasi.html").write_text(
        f'<p>Bila muncul <span class="ui-nama" data-jenis="pesan">{INVENTED}</span>, hubungi pusat.</p>\n', encoding="utf-8")
    (tmp_path / "templates" / "halaman.html").write_text('<p class="flash">Berkas ini sudah disimpan di pusat</p>\n',
                                                         encoding="utf-8")
    monkeypatch.setattr(names, "ROOT", tmp_path)
    for cached in (names.program_texts, names._whole_texts, names.message_in_program):
        cached.cache_clear()  # and again below, for the real tree
    try:
        assert names.message_in_program("Sambungan ke pusat putus dan akan dicoba lagi")  # a program's message
        assert names.message_in_program("Berkas ini sudah disimpan di pusat")  # a template's message box
        assert not names.message_in_program(INVENTED)  # only the guide says it
    finally:
        for cached in (names.program_texts, names._whole_texts, names.message_in_program):
            cached.cache_clear()
