"""Issue 25: the print CSS sizes QR codes on paper (30 mm on a roll, the F-1.07's within the A4 margins).
An inline SVG without a viewBox is not scaled by that but cut off at the new size: a third of the code
printed, which no scanner reads."""
import re

from app.frame.templating import qr_svg


def test_a_qr_code_is_scaled_to_its_printed_size_not_cropped():
    svg = str(qr_svg("https://dukcapil.example.go.id/cek?n=350807-P1-000001&k=ABCD2345"))
    width, height = re.match(r'<svg width="(\d+)" height="(\d+)"', svg).groups()
    assert f'viewBox="0 0 {width} {height}"' in svg
