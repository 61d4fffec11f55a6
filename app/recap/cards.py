"""Landing-page cards and the menu's badge: what the Camat must approve, what the information officer must prepare."""
from flask import url_for
from peewee import SQL, fn

from app.capabilities import Card
from app.frame.dates import local_today
from app.frame.periods import Quarter
from app.recap.models import QuarterRecap, RecapStatus
from app.frame.access import may
from app.frame import statements, store


def dashboard_cards(user) -> list[Card]:
    approves = may(user, "rekap.setujui")
    if not approves and not may(user, "rekap.susun"):
        return []
    last = Quarter.containing(local_today(store.get("timezone"))).previous()
    url = url_for("recap.show", year=last.year, number=last.number)
    if approves:
        waiting = waiting_for_camat()
        if waiting:
            return [Card("Rekap menunggu persetujuan", str(waiting), "Tinjau dan setujui rekap triwulan", url, "warn")]
        return []
    # The status only: on every landing page, and the row carries the approved snapshot.
    recap = next(iter(statements.rows(_status_of, last.year, last.number)), None)
    if recap is None or recap.status in (RecapStatus.DRAFT, RecapStatus.SENT_BACK):
        note = "Dikembalikan Camat: perlu diperbaiki" if recap and recap.status == RecapStatus.SENT_BACK \
            else "Susun janji perbaikan lalu ajukan kepada Camat"
        return [Card(f"Rekap {last.label}", recap.status_label if recap else "Belum disusun", note, url, "warn")]
    return [Card(f"Rekap {last.label}", recap.status_label, "", url, "ok" if recap.status == RecapStatus.APPROVED else "info")]


def _status_of(year: int, number: int):  # its SQL text built once a quarter (app/frame/statements.py)
    return QuarterRecap.select(QuarterRecap.status).where(QuarterRecap.year == year, QuarterRecap.quarter == number).limit(1)


def waiting_for_camat() -> int:
    """The recaps submitted to the Camat: the menu's badge and this card."""
    return statements.scalar(_submitted_count)


def _submitted_count():  # its SQL text built once (app/frame/statements.py)
    return QuarterRecap.select(fn.COUNT(SQL("*"))).where(QuarterRecap.status == RecapStatus.SUBMITTED)
