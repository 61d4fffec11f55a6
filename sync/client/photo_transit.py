"""Photos recompressed for the trip ahead of the sync pass, kept beside them in the database.

The Lepton or JPEG XL stream of a photo (sync/jpeg_transit.py, ~10-15 ms of CPU a photo, many times
that on a busy PC) is made when its record enters the outbox, in the transaction that made it ready, so
that a pass spends its time on the link, not on compressing. Rows are keyed by the photo's
SHA-256, so a changed photo never meets a stale stream; a stream that is missing (made before
this table, another codec asked by the center) is made on the fly as before. The center checks
every stream against the content hash all the same.
"""
from app.frame.dates import utc_now
from sync import jpeg_transit
from sync.client.clerk_first import give_way
from sync.client.models import OutboxItem, PhotoTransit

_MISSING = object()


def prepare(photo: bytes, photo_sha256: str, codec: str | None = jpeg_transit.CODEC) -> None:
    """Make and keep the photo's stream in `codec` (or the mark that it travels as it is); nothing
    on a PC with no codec (None)."""
    if (not photo or codec not in jpeg_transit.CODECS
            or PhotoTransit.get_or_none(photo_sha256=photo_sha256, codec=codec) is not None):
        return
    PhotoTransit.insert(photo_sha256=photo_sha256, codec=codec, stream=jpeg_transit.compress(photo, codec),
                        made_at=utc_now()).on_conflict_ignore().execute()


def kept_streams(wanted: set[tuple[str, str]]) -> dict[tuple[str, str], bytes | None]:
    """{(photo_sha256, codec): its kept stream, or None where it travels as it is} for a packet's
    photos, one query each 500; a pair not kept is left out."""
    hashes, kept = sorted({sha for sha, _ in wanted}), {}
    for start in range(0, len(hashes), 500):
        for sha, codec, stream in (PhotoTransit.select(PhotoTransit.photo_sha256, PhotoTransit.codec, PhotoTransit.stream)
                                   .where(PhotoTransit.photo_sha256.in_(hashes[start:start + 500])).tuples()):
            if (sha, codec) in wanted:
                kept[(sha, codec)] = bytes(stream) if stream is not None else None
    return kept


def stream_for(photo: bytes, photo_sha256: str, codec: str, kept: dict) -> bytes | None:
    """The photo's stream in `codec`, kept (`kept`: kept_streams' answer) or made now; None: it
    travels as it is."""
    found = kept.get((photo_sha256, codec), _MISSING)
    if found is not _MISSING:
        return found
    give_way()  # 10-15 ms of CPU, many times that on a busy PC: after the clerk's request
    return jpeg_transit.compress(photo, codec)


def forget(photo_sha256: str) -> None:
    """The center holds the photo: its streams are no longer needed, nor those of photos no
    waiting item sends any more (replaced before they travelled)."""
    forget_many([photo_sha256])


def forget_many(photo_sha256s: list[str]) -> None:
    """`forget` for the photos of many items the center holds (one statement each 500)."""
    waiting = OutboxItem.select(OutboxItem.photo_sha256).where(OutboxItem.state == "pending")
    for start in range(0, len(photo_sha256s), 500):
        (PhotoTransit.delete().where(PhotoTransit.photo_sha256.in_(photo_sha256s[start:start + 500])
                                     | PhotoTransit.photo_sha256.not_in(waiting)).execute())
