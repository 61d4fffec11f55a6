"""Issue 25: the Content-Security-Policy allows no inline script, so an inline handler
(`onclick="window.print()"`) or a `<script>` without `src` does nothing in the browser, silently.
Every template and static file is read here: the next one fails this test, not an admin."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# An attribute named on... inside a tag: ` onclick=`, ` onload =`, ` ONERROR=`.
INLINE_HANDLER = re.compile(r"<[a-zA-Z][^>]*?\s(on[a-z]+)\s*=", re.S)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def _markup_files():
    for folder in ("templates", "static"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".html", ".htm", ".svg", ".xml", ".j2", ".jinja"):
                yield path


def _problems(text: str) -> list[str]:
    found = [f"inline handler {m.group(1)}=" for m in INLINE_HANDLER.finditer(text)]
    found += [f"<script{m.group(1)}> without src" for m in SCRIPT_TAG.finditer(text)
              if "src=" not in m.group(1)]
    found += ["javascript: URL" for _ in JS_URL.finditer(text)]
    return found


def test_the_checker_sees_what_the_policy_blocks():
    assert _problems('<button type="button" onclick="window.print()">Cetak</button>')
    assert _problems('<body\n  onload="go()">')
    assert _problems("<script>alert(1)</script>")
    assert _problems('<a href="javascript:void(0)">x</a>')
    assert not _problems('<script src="/static/js/app.js" defer></script>')
    assert not _problems('<button type="button" data-print>Cetak</button>')
    assert not _problems('<p>Jika online=ya, hubungi</p>')


def test_no_template_or_static_file_has_inline_script():
    files = list(_markup_files())
    assert len(files) > 50  # the templates were found
    problems = [f"{path.relative_to(ROOT)}: {p}" for path in files for p in _problems(path.read_text(encoding="utf-8"))]
    assert problems == []
