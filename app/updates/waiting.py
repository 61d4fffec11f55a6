"""What the admin's update page says, told where people look: a release that waits, on a desa PC's
operator page (app/desa/pc.py); a release refused, taken back or whose switch was cut short, on the
Beranda of the admin and the Camat (issue 80: an admin whose night install was refused learnt it only
by opening Pembaruan Aplikasi)."""
from datetime import datetime, timedelta

from flask import current_app, url_for

from app.capabilities import Card
from app.frame.access import may
from app.updates import state


def waiting_notes(user) -> list[Card]:
    """A desa PC's operator page: a release waits, and only the PC's admin account applies it (the
    operator is often the same person, signed in with the other account). One plain line."""
    if user is None or not may(user, "pembaruan.kabar_desa"):
        return []
    available = state.read_state(current_app.config["DATA_DIR"]).get("available")
    if not available:
        return []
    return [Card("Pembaruan aplikasi", available["version"], note=(
        f"Pembaruan aplikasi versi {available['version']} dari kabupaten menunggu dipasang: masuk dengan akun admin "
        "komputer ini, buka Pembaruan Aplikasi, lalu tekan Pasang pembaruan sekarang."))]


RECENT = timedelta(days=14)  # an outcome older than this is on the update page only
# status.json's keys for what happened to a release here (app/updates/state.py), the card's title, level
OUTCOMES = (("rolled_back", "Pembaruan dikembalikan", "danger"), ("check_refused", "Pembaruan ditolak", "warn"),
            ("refused", "Pembaruan ditolak", "warn"), ("interrupted", "Pergantian versi terputus", "info"),
            ("waits_for_room", "Pembaruan menunggu ruang disk", "warn"))  # app/updates/room.ROOM


def outcome_cards(user) -> list[Card]:
    """The admin's Beranda: each recent outcome with the update page's link; the Camat's: the same words,
    to pass on to the admin."""
    admin, camat = may(user, "pembaruan.kelola"), may(user, "pembaruan.pesan_camat")
    if user is None or not (admin or camat):
        return []
    data_dir = current_app.config["DATA_DIR"]
    kept = state.read_state(data_dir)
    kept = state.State(kept, interrupted=interrupted_said(kept, state.read_selection(data_dir)))
    cards = []
    for key, title, level in OUTCOMES:
        message, at = kept.get(key), kept.get(f"{key}_at")
        if not isinstance(message, str) or not message or (key != "refused" and not _recent(at)):
            continue
        version = kept.get(f"{key}_version")
        value = f"versi {version}" if version else "lihat Pembaruan Aplikasi"
        if admin:
            cards.append(Card(title, value, message, url_for("updates.index"), level))
        else:
            cards.append(Card("Perlu perhatian admin", title, message, None, level))
    return cards


def _recent(at) -> bool:
    from app.frame.dates import utc_now
    try:
        return utc_now() - datetime.fromisoformat(str(at)) <= RECENT
    except (TypeError, ValueError):
        return False


PROMISE = " tetap ditawarkan"  # "… versi X tetap ditawarkan: <how>." ends every line a cut-short switch or check leaves


def interrupted_said(kept: dict, selection: dict | None) -> str | None:
    """The line a cut-short switch or check left (status.json "interrupted"), as true as it is now. Its first
    part is what happened; its promise, "versi X tetap ditawarkan: pasang lagi dengan tombol di bawah", is
    what the writer believed then, and each launcher in the field wrote it its own way (d36a7707's set no
    button under it; none takes it back when X is refused, taken over by a newer release, or taken after all:
    issue 94). So this code says the promise again from what holds now, and the line goes once X is in
    place. `kept`: status.json as the page shows it (no release offered before the root is confirmed)."""
    message = kept.get("interrupted")
    if not isinstance(message, str) or not message:
        return None
    version = kept.get("interrupted_version") or _version_named(message)
    if not version:
        return message
    from app.updates.versions import running_version, version_key
    if version_key(version) <= version_key(running_version()) or (selection or {}).get("version") == version:
        return None  # it runs, or waits for its switch: the page says so above
    promise = message.rfind(f"ersi {version}{PROMISE}")
    what_happened = message[:max(message.rfind(";", 0, promise), message.rfind(".", 0, promise))] if promise > 0 \
        else message.rstrip(".")
    available = (kept.get("available") or {}).get("version")
    if version in (kept.get("failed_versions") or []) or (available and available != version):
        return f"{what_happened}."  # refused here since (said above), or a newer release is offered below
    from app.updates.launcher import AGAIN_AFTER_CHECK, AGAIN_BY_BUTTON
    return f"{what_happened}. Versi {version} tetap ditawarkan: {AGAIN_BY_BUTTON if available else AGAIN_AFTER_CHECK}."


def _version_named(text: str) -> str | None:
    """The version in "… versi X …" (the first named): an older launcher kept no interrupted_version."""
    words = text.split()
    return next((words[at + 1].rstrip(".,;:") for at, word in enumerate(words[:-1]) if word.lower() == "versi"), None)
