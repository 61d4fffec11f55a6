"""Every link of a refused form's error summary names its field ("NIK: Wajib diisi.").

The summary (templates/_error_summary.html) is rendered above the fields it links to, and each page
labels its fields its own way (`_field.html`, a label around a select, a fieldset's legend), so the
names are read from the page itself: one mechanism for every form, run on a 422 page that carries
the summary. A summary that listed "Wajib diisi." nine times told a clerk nothing about where.
"""
import html
import re
from html.parser import HTMLParser

_SUMMARY = re.compile(r'(<div class="error-summary"[^>]*data-error-summary[^>]*>)(.*?)(</div>)', re.S)
_LINK = re.compile(r'<a href="#([^"]+)">(.*?)</a>', re.S)
_NOT_THE_NAME = {"select", "textarea", "option", "script", "style", "button"}  # their text is not the label
_NOTE_CLASSES = {"hint", "field-error", "muted", "small", "badge"}


class _FieldNames(HTMLParser):
    """id -> the words naming it: label[for], a label around it, a fieldset's legend, aria-label."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.names: dict[str, str] = {}
        self._open: list[dict] = []  # labels and fieldsets being read: {"kind", "for", "ids", "text"}
        self._skip = 0  # depth inside elements whose text is not a name
        self._stack: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skips = tag in _NOT_THE_NAME or bool(_NOTE_CLASSES & set((attrs.get("class") or "").split()))
        if tag not in ("input", "img", "br", "hr", "meta", "link"):
            self._stack.append((tag, skips))
            self._skip += skips
        element_id = attrs.get("id")
        if element_id and attrs.get("aria-label"):
            self.names.setdefault(element_id, attrs["aria-label"])
        if element_id:
            for reading in self._open:
                if reading["kind"] == "label" and not reading["for"]:
                    reading["ids"].append(element_id)
        if tag == "label":
            self._open.append({"kind": "label", "for": attrs.get("for"), "ids": [], "text": []})
        elif tag == "fieldset":
            self._open.append({"kind": "fieldset", "for": element_id, "ids": [], "text": [], "legend": False})
        elif tag == "legend" and self._open and self._open[-1]["kind"] == "fieldset":
            self._open[-1]["legend"] = True

    def handle_endtag(self, tag):
        if tag in ("input", "img", "br", "hr", "meta", "link"):
            return
        while self._stack:
            open_tag, skips = self._stack.pop()
            self._skip -= skips
            if open_tag == tag:
                break
        if tag == "legend" and self._open and self._open[-1]["kind"] == "fieldset":
            self._open[-1]["legend"] = False
        if tag in ("label", "fieldset"):
            for index in range(len(self._open) - 1, -1, -1):
                if self._open[index]["kind"] == tag:
                    reading = self._open.pop(index)
                    words = " ".join(" ".join(reading["text"]).split()).rstrip(" *:")
                    for target in filter(None, [reading["for"], *reading["ids"]]):
                        if words:
                            self.names.setdefault(target, words)
                    break

    def handle_data(self, data):
        if self._skip or not self._open:
            return
        reading = self._open[-1]
        if reading["kind"] == "label" or reading.get("legend"):
            reading["text"].append(data)


def name_summary_links(page: str) -> str:
    """The page with each summary link's text led by its field's name (unchanged when it has none)."""
    found = _SUMMARY.search(page)
    if not found:
        return page
    reader = _FieldNames()
    reader.feed(page)
    names = reader.names

    def named(link: re.Match) -> str:
        target, message = link.group(1), link.group(2)
        name = names.get(target)
        if not name or html.unescape(message).startswith(name):
            return link.group(0)
        joint = " — " if name.endswith("?") else ": "  # a question's legend already ends in its own mark
        return f'<a href="#{target}">{html.escape(name)}{joint}{message}</a>'

    summary = _LINK.sub(named, found.group(2))
    return page[:found.start(2)] + summary + page[found.end(2):]
