"""The counter's form at 1366x768 (issue 43): "Simpan permohonan" was below the fold, the address
field 218 px wide while the rarely used NIK-mismatch reason was 949 px."""


def test_the_counter_form_keeps_its_save_in_view_and_sizes_fields_by_what_they_hold(page, live, login):
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, "petugas_loket")
    page.goto("/pendaftaran/baru")
    save = page.get_by_role("button", name="Simpan permohonan")
    for field in ("#f-nik", "#f-rt", "#f-notes"):  # at the top, in the middle and at the end of the form
        page.locator(field).focus()
        box = save.bounding_box()
        assert box and 0 <= box["y"] and box["y"] + box["height"] <= 768, (field, box)
    width = {name: page.locator(f"#f-{name}").bounding_box()["width"]
             for name in ("address", "mismatch_reason", "rt", "nik")}
    assert width["address"] >= 2 * width["nik"], width  # 200 characters of street and dusun
    assert width["mismatch_reason"] <= width["address"] and width["rt"] <= width["nik"], width
