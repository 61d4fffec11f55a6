"""Doing what a guide says, for the journeys of issue 74: the marked names of a guide's section read in order,
and each done on the page in front of the reader (one copy for the office's, the desa PC's and the center's
journeys)."""
import re

from playwright.sync_api import expect

from tests.guide.names import label_pattern


def whole(label: str) -> re.Pattern:
    """The label as the whole text of an element (tests/guide/names.label_pattern, anchored)."""
    return re.compile("^" + label_pattern(label).pattern + "$", re.S)


def marked_steps(page, section: str, within: str = "") -> list[tuple[str, str]]:
    """(kind, label) of every marked name of the guide's `section` on the page, in reading order; `within`
    narrows it to a part of the section (the numbered steps: "ol.guide-steps")."""
    steps = page.locator(f"section#{section} {within} .ui-nama".replace("  ", " ")).evaluate_all(
        "names => names.map(n => [n.dataset.jenis, n.textContent.replace(/\\s+/g, ' ').trim()])")
    assert steps, f"the guide's section {section} names nothing to do"
    return [tuple(step) for step in steps]


def follow(page, steps, before=None) -> list[str]:
    """Do what each name says on the page the reader has in front of them: a menu item clicked in the menu, a
    button or link pressed (one that opens a tab moves the reader there, as the receipt does), a page's heading
    and a message read. `before(page, kind, label)` does what the step's sentence says beside the name (type the
    citizen's data, tick the requirements, choose the pilot). Returns what was done, for the failure message."""
    done = []
    current = page
    if not getattr(page, "agrees_to_questions", False):  # "Setujui …?": the guides say to answer OK
        page.on("dialog", lambda dialog: dialog.accept())
        page.agrees_to_questions = True
    for kind, label in steps:
        done.append(f"{kind} «{label}»")
        if before:
            before(current, kind, label)
        if kind == "menu":
            current.get_by_role("navigation", name="Menu utama").get_by_role(
                "link", name=re.compile("^" + re.escape(label) + r"(\s|$)")).click()
        elif kind == "halaman":
            expect(current.get_by_role("heading", level=1), "\n".join(done)).to_have_text(whole(label))
        elif kind == "pesan":
            expect(current.get_by_text(whole(label)).first, "\n".join(done)).to_be_visible()
        elif kind in ("tombol", "tautan"):
            target = current.get_by_role("button", name=label, exact=True).or_(
                current.get_by_role("link", name=label, exact=True)).first
            expect(target, "\n".join(done)).to_be_visible()
            if target.get_attribute("target") == "_blank":
                with current.context.expect_page() as opened:
                    target.click()
                current = opened.value
                current.wait_for_load_state()
            else:
                target.click()
        else:
            raise AssertionError(f"a step of unknown kind {kind!r}: {label}")
    return done
