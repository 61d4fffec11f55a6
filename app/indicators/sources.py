"""Figures the indicators read from other capabilities' tables, when those are installed.

Registration (applications) may land after this capability; each reader answers None when its
source is missing, and the page says so instead of failing.
"""
import importlib


def _module(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def services_in_period(period, zone: str) -> int | None:
    """Services delivered in the period (applications registered), the IKM sample's population."""
    registration = _module("app.registration.models")
    if registration is None or not hasattr(registration, "Application"):
        return None
    return None
