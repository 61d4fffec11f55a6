"""Reading a rendered guide: its sections (id, heading, the pages each one is about) and the program's
names each section marks (<span class="ui-nama" data-jenis=… data-halaman=…>). "Bantuan" opens the
section about the page it was pressed on; the contents list is made from the same reading, and the
test of the names (tests/guide/test_guide_names.py) checks every marked name against the program."""
from dataclasses import dataclass, field
from html.parser import HTMLParser

KINDS = ("menu", "tombol", "tautan", "halaman", "pesan")


@dataclass
class Name:
    kind: str      # one of KINDS
    page: str      # the endpoint of the page that shows it
    label: str     # as the program shows it ("…" stands for a part the program fills in)


@dataclass
class Section:
    slug: str
    pages: tuple[str, ...]
    title: str = ""
    names: list[Name] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sections: list[Section] = []
        self._heading = None  # the text of the current section's <h2>, while inside it
        self._name = None     # the current marked name and the depth of its nested tags
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self._name is not None:
            self._depth += 1
        elif tag == "section" and attributes.get("id") and "data-halaman" in attributes:
            self.sections.append(Section(attributes["id"], tuple((attributes["data-halaman"] or "").split())))
        elif tag == "h2" and self.sections and not self.sections[-1].title:
            self._heading = []
        elif "ui-nama" in (attributes.get("class") or "").split():
            self._name = (attributes.get("data-jenis", ""), attributes.get("data-halaman", ""), [])
            self._depth = 0

    def handle_endtag(self, tag):
        if self._name is not None:
            if self._depth:
                self._depth -= 1
                return
            kind, page, text = self._name
            self._name = None
            if self.sections:
                self.sections[-1].names.append(Name(kind, page, " ".join("".join(text).split())))
        elif tag == "h2" and self._heading is not None:
            self.sections[-1].title = " ".join("".join(self._heading).split())
            self._heading = None

    def handle_data(self, data):
        if self._name is not None:
            self._name[2].append(data)
        if self._heading is not None:
            self._heading.append(data)


def read_sections(html: str) -> list[Section]:
    """The sections of a rendered guide in order, each with the names it marks."""
    reader = _Reader()
    reader.feed(str(html))
    reader.close()
    return reader.sections


def section_about(sections: list[Section], endpoint: str | None) -> Section | None:
    """The first section about the page `endpoint` (None: no section is; the guide opens at its top)."""
    return next((section for section in sections if endpoint and endpoint in section.pages), None)
