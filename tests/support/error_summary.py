"""The one error-summary pattern (templates/_error_summary.html), checked on a refused form's page."""
import re


def summary_problems(page: str) -> list[str]:
    """What is wrong with a refused form's error summary: missing, or a link with no target."""
    match = re.search(r'<div class="error-summary"[^>]*data-error-summary[^>]*>(.*?)</div>', page, re.S)
    if not match:
        return ["no error summary (data-error-summary) on the page"]
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    problems = [f"link #{target} has no element with that id"
                for target in re.findall(r'href="#([^"]+)"', match.group(1)) if target not in ids]
    # Each link names its field: the same words twice ("Wajib diisi." for nine fields) name none.
    texts = [re.sub(r"\s+", " ", text).strip() for text in re.findall(r'<a href="#[^"]+">(.*?)</a>', match.group(1), re.S)]
    problems += [f"summary link {text!r} does not name its field (it appears {texts.count(text)} times)"
                 for text in sorted(set(texts)) if texts.count(text) > 1]
    # A link to a radio button lands on one answer, whose label is all a screen reader reads out
    # ("Tidak sesuai"): the question is named by its fieldset's legend, so the link goes there (issue 92).
    radios = set(re.findall(r'<input[^>]*type="radio"[^>]*\sid="([^"]+)"', page))
    radios |= set(re.findall(r'<input[^>]*\sid="([^"]+)"[^>]*type="radio"', page))
    problems += [f"link #{target} lands on one answer of a question, not on the question"
                 for target in re.findall(r'href="#([^"]+)"', match.group(1)) if target in radios]
    return problems
