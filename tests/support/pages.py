"""Walking a keyset-paged list through its own "Berikutnya" links, as a clerk clicks them."""
import re
from html import unescape

NEXT_LINK = re.compile(r'<a href="([^"]+)" rel="next"')


def walk_pages(client, url: str, row_pattern: str) -> list[list[str]]:
    """Each page's matches of `row_pattern` (its first group), following rel="next" to the end."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        html = response.get_data(as_text=True)
        pages.append(re.findall(row_pattern, html))
        following = NEXT_LINK.search(html)
        url = unescape(following.group(1)) if following else None
        assert url is None or "setelah=" in url, url
    return pages
