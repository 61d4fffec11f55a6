"""Desk information: the questions people ask (requirements, fees, hours, service times) and the
answers the officer reads out, searched live while on the phone."""
from flask import flash, g, redirect, render_template, request, url_for
from playhouse.flask_utils import get_object_or_404
from peewee import fn

from app.complaints import book
from app.complaints.form_rules import clean_line, clean_text
from app.complaints.models import DeskAnswer
from app.complaints.views import blueprint
from app.frame import submissions, versions

TOPICS = ("Persyaratan", "Biaya", "Jam layanan", "Waktu penyelesaian", "Alur layanan", "Lainnya")
RESULTS_MAX = 30


def search_answers(text: str):
    """Every word must appear in the topic, question or answer (a small table: LIKE is enough)."""
    query = DeskAnswer.select().where(DeskAnswer.is_active == True)  # noqa: E712
    for word in text.lower().split()[:6]:
        query = query.where(fn.LOWER(DeskAnswer.question).contains(word) | fn.LOWER(DeskAnswer.answer).contains(word)
                            | fn.LOWER(DeskAnswer.topic).contains(word))
    return list(query.order_by(DeskAnswer.topic, DeskAnswer.question).limit(RESULTS_MAX))


@blueprint.get("/info-meja")
def desk_info():
    q = (request.args.get("q") or "").strip()[:100]
    answers = search_answers(q)
    if request.htmx and request.htmx.target == "desk-answers":
        return render_template("complaints/_desk_answers.html", answers=answers, q=q)
    return render_template("complaints/desk_info.html", answers=answers, q=q)


def _check(form) -> tuple[dict, dict]:
    clean = {"topic": clean_line(form.get("topic")), "question": clean_text(form.get("question")),
             "answer": clean_text(form.get("answer")), "is_active": bool(form.get("is_active"))}
    errors = {}
    if clean["topic"] not in TOPICS:
        errors["topic"] = "Pilih topik."
    if not clean["question"] or len(clean["question"]) > 500:
        errors["question"] = "Pertanyaan wajib diisi (paling banyak 500 karakter)."
    if not clean["answer"] or len(clean["answer"]) > 3000:
        errors["answer"] = "Jawaban wajib diisi (paling banyak 3.000 karakter)."
    return clean, errors


def _answer_values(answer) -> dict:
    """What the answer's form shows: its version (two editors at once)."""
    return {"topic": answer.topic, "question": answer.question, "answer": answer.answer, "is_active": answer.is_active}


@blueprint.route("/info-meja/baru", methods=["GET", "POST"], defaults={"answer_id": None})
@blueprint.route("/info-meja/<int:answer_id>", methods=["GET", "POST"])
def desk_answer_form(answer_id):
    answer = None
    if answer_id is not None:
        answer = get_object_or_404(DeskAnswer, DeskAnswer.id == answer_id)
    if request.method == "GET":
        form = _answer_values(answer) if answer else {"is_active": True}
        return render_template("complaints/desk_answer_form.html", form=form, errors={}, answer=answer, topics=TOPICS,
                               version=versions.version_of(form) if answer else None)
    if answer is None and (repeat := submissions.earlier_result()):  # a new answer sent twice: the first one
        return repeat
    clean, errors = _check(request.form)
    if errors:
        return render_template("complaints/desk_answer_form.html", form=clean, errors=errors, answer=answer,
                               topics=TOPICS, version=request.form.get(versions.FIELD)), 422
    if answer is None:  # one form, one answer: a double click or a resend after a cut stores nothing new
        with submissions.once() as submission:
            if submission.earlier:
                return submission.repeat()
            book.save_desk_answer(None, clean, request.form, g.user.id, _answer_values)
            submission.made(url_for("complaints.desk_info"))
        flash("Info meja disimpan.", "success")
        return redirect(url_for("complaints.desk_info"), code=303)
    answer, conflict = book.save_desk_answer(answer, clean, request.form, g.user.id, _answer_values)
    if conflict:
        return render_template("complaints/desk_answer_form.html", form=conflict.over(clean), errors={}, answer=answer,
                               topics=TOPICS,
                               version=conflict.version, conflict=conflict), 409
    flash("Info meja disimpan.", "success")
    return redirect(url_for("complaints.desk_info"), code=303)
