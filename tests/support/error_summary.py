"""The one error-summary pattern (templates/_error_summary.html), checked on a refused form's page."""
import re


def summary_problems(page: str) -> list[str]:
    """What is wrong with a refused form's error summary: missing, or a link with no target."""
    match = re.search(r'<div class="error-summary"[^>]*data-error-summary[^>]*>(.*?)</div>', page, re.S)
    if not match:
        return ["no error summary (data-error-summary) on the page"]
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    return [f"link #{target} has no element with that id" for target in re.findall(r'href="#([^"]+)"', match.group(1))
            if target not in ids]
