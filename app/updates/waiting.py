"""A release that waits, told where its admin is not: a desa PC's operator page (app/desa/pc.py)."""
from flask import current_app

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
