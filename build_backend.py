"""The project's build backend (pyproject.toml): setuptools, after one look at the Python it builds for.

pip reads `requires-python` only after the backend has built the metadata, so an unsupported Python
would see a dependency's "No matching distribution" first; here it sees one sentence instead.
"""
import sys

from loket_python import unsupported

if unsupported():
    sys.exit(unsupported())

from setuptools.build_meta import *  # noqa: E402,F401,F403  the PEP 517 hooks themselves
