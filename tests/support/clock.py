"""Moments a test types into a form, built from the test's own clock, never from a fixed hour of today."""
from datetime import timedelta

from app.frame.dates import to_local, utc_now


def typed_hours_ago(hours: float) -> str:
    """A datetime-local form value `hours` before now, in WIB: the westmost zone, so the moment lies that far
    back or more in whichever zone the office keeps. "Today at 08:00" lies in the future between 00:00 and
    08:00 office time and is refused (issue 93)."""
    return (to_local(utc_now(), "WIB") - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")
