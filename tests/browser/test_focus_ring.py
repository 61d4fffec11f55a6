"""The focus ring is seen (issue 15, "The focus ring is 1.7:1 against the page (3:1 needed)").

Each link, button and field is focused in turn; the computed outline must be drawn (solid, >= 2 px)
and its colour must reach 3:1 (WCAG 2.1 1.4.11) against what is behind the ring: the outline sits
outside the element (outline-offset), so that is the parent's background, blended up to the page.
Checked on a staff page with the blue top bar, a staff form, the kiosk with its blue header, and
the survey."""
import pytest

from tests.browser.helpers import COLOUR_JS, TABLET

_FOCUS_RING_JS = """() => {
""" + COLOUR_JS + """  const out = []; const seen = [];
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')) {
    if (!el.getClientRects().length || el.disabled || getComputedStyle(el).visibility === 'hidden') continue;
    el.focus();
    if (document.activeElement !== el) continue;
    const s = getComputedStyle(el);
    const name = `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${(el.textContent || el.name || '').trim().slice(0, 25)}"`;
    seen.push(name);
    if (s.outlineStyle === 'none' || parseFloat(s.outlineWidth) < 2) { out.push(`${name}: no ring (${s.outlineStyle} ${s.outlineWidth})`); continue; }
    const bg = background(parseFloat(s.outlineOffset) >= 0 && el.parentElement ? el.parentElement : el);
    const ring = blend(parse(s.outlineColor), bg);
    const [hi, lo] = [lum(ring), lum(bg)].sort((a, b) => b - a); const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 3) out.push(`${name}: ring ${s.outlineColor} on rgb(${bg.slice(0, 3).map(Math.round)}) ${ratio.toFixed(2)}:1`);
  }
  document.activeElement && document.activeElement.blur();
  return {problems: out, checked: seen.length};
}"""


def focus_ring_problems(page) -> tuple[list[str], int]:
    result = page.evaluate(_FOCUS_RING_JS)
    return [f"{page.url} {p}" for p in result["problems"]], result["checked"]


def test_focus_ring_reaches_3_to_1_on_staff_pages_kiosk_and_blue_bars(page, live, login):
    problems, checked = [], {}
    login(page, "petugas_loket")
    for path in ("/", "/pendaftaran/baru"):
        page.goto(path)
        assert page.locator(".topbar").count() == 1  # the blue bar is on the page and gets checked
        found, checked[path] = focus_ring_problems(page)
        problems += found
    page.set_viewport_size(TABLET)
    for path in ("/pengaduan/kios", "/survei"):
        page.goto(path)
        assert page.locator(".kiosk-head").count() == 1
        found, checked[path] = focus_ring_problems(page)
        problems += found
    assert all(count >= 3 for count in checked.values()), checked  # links, buttons and fields were focused
    assert problems == []


@pytest.mark.parametrize("role, path, before, field", [
    ("petugas_loket", "/pendaftaran/baru", "f-birth_place", "f-birth_date"),
    # Issue 43: the complaint desk's date-and-time field had the same stop without a ring.
    ("petugas_informasi", "/pengaduan/catat", "f-channel", "f-received_at")])
def test_the_date_fields_calendar_stop_has_a_ring(page, live, login, role, path, before, field):
    """Issue 25: Tab reaches the date field's calendar button, where the field has no :focus and so
    no ring: the keyboard user lost track of where they were."""
    login(page, role)
    page.goto(path)
    page.locator(f"#{before}").focus()
    stops = []
    for _ in range(8):
        page.keyboard.press("Tab")
        state = page.evaluate("""() => { const el = document.activeElement; const s = getComputedStyle(el);
            return [el.id, el.matches(':focus'), s.outlineStyle, parseFloat(s.outlineWidth)]; }""")
        stops.append(state)
        if state[0] == field and not state[1]:
            break
    calendar = [s for s in stops if s[0] == field and not s[1]]
    assert calendar, stops  # the calendar button was reached
    assert calendar[0][2] == "solid" and calendar[0][3] >= 2, calendar
