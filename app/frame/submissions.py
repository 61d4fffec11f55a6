"""One submission, one record: every form that creates something carries a one-time token.

The page puts a fresh token in the form (`{{ form_token_input() }}`; a form shown again after a
mistake keeps its token). The view stores what the form made and the token in one transaction:

    if (repeat := submissions.earlier_result()):   # before any check: the first answer again
        return repeat
    ... validate ...
    with submissions.once() as submission:        # the write lock: a second copy waits here
        if submission.earlier:
            return submission.repeat()
        application = create(...)
        submission.made(url_for("registration.detail", application_id=application.id))

A double click, a form resent after a power cut (saved, but the answer never reached the screen),
or the browser's back-and-resend all land on the first result, its page and its number.
"""
import re
import secrets
from contextlib import contextmanager
from datetime import timedelta

from flask import flash, redirect, request
from markupsafe import Markup, escape
from peewee import CharField
from playhouse.apsw_ext import DateTimeField

from app.frame import statements
from app.frame.dates import utc_now
from app.frame.db import BaseModel, database

FIELD = "form_token"
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
KEEP = timedelta(days=30)  # a form left open longer than this is a new form when sent
REPEAT_NOTICE = ("Formulir ini sudah tersimpan sebelumnya (terkirim dua kali). Tidak disimpan lagi; "
                 "ini hasil penyimpanan pertama.")


class FormSubmission(BaseModel):
    token = CharField(primary_key=True)
    endpoint = CharField()
    result_url = CharField()
    at = DateTimeField(index=True)

    class Meta:
        table_name = "form_submission"


def new_token() -> str:
    return secrets.token_urlsafe(18)


def token_from(form) -> str | None:
    token = (form.get(FIELD) or "").strip()
    return token if TOKEN.fullmatch(token) else None


def token_input() -> Markup:
    """The hidden field: the token of the form being sent again after a mistake, else a new one."""
    token = token_from(request.form) if request.method == "POST" else None
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(token or new_token())}">')


def _result_of(token: str | None) -> str | None:
    if not token:
        return None
    return statements.scalar(_result_url, each_run=(token,))


def _result_url():  # its SQL built once (app/frame/statements.py): asked twice by every form's save (issue 73)
    return FormSubmission.select(FormSubmission.result_url).where(FormSubmission.token == statements.each_run(0))


def _repeat(url: str):
    flash(REPEAT_NOTICE, "info")
    return redirect(url, code=303)


def earlier_result():
    """A redirect to what this form made the first time, or None when it is new."""
    url = _result_of(token_from(request.form))
    return _repeat(url) if url else None


class Submission:
    def __init__(self, token: str | None):
        self.token = token
        self.earlier = _result_of(token)

    def repeat(self):
        return _repeat(self.earlier)

    def made(self, result_url: str) -> None:
        """In the write's transaction: this token now answers with `result_url`."""
        if not self.token:
            return  # a form without a token (an old page still open): stored as before
        FormSubmission.delete().where(FormSubmission.at < utc_now() - KEEP).execute()
        FormSubmission.create(token=self.token, endpoint=(request.endpoint or "")[:100], result_url=result_url,
                              at=utc_now())


@contextmanager
def once():
    """The write's transaction (BEGIN IMMEDIATE: a second copy of the form waits for the first),
    with what the form's token made before, if anything."""
    with database.atomic():
        yield Submission(token_from(request.form))
