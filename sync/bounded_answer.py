"""An HTTP answer's body read no further than a bound: a broken or hostile far end (a center, a page
under test) never fills the PC's memory. The one reader of a streamed answer in sync/."""

CHUNK_BYTES = 64 * 1024


def read_at_most(response, limit: int, stop=lambda: False) -> bytes:
    """The streamed body of `response` (requests, stream=True), at most limit + 1 bytes: one more than
    the bound says the answer was longer, for the caller to refuse or cut. `stop()` ends it early (a
    deadline). Closing the response is the caller's."""
    parts, size = [], 0
    for part in response.iter_content(CHUNK_BYTES):
        parts.append(part)
        size += len(part)
        if size > limit or stop():
            break
    return b"".join(parts)[:limit + 1]
