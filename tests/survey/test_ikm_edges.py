"""The IKM at its edges: one respondent, and the converted IKM and grade at every grade boundary."""
from decimal import Decimal

import pytest

from app.survey.elements import ELEMENT_KEYS
from app.survey.ikm import WEIGHT_EXACT, WEIGHT_EXAMPLE, ElementScore, compute_ikm, minimum_sample, quality_of_published, weight_of


def every_element(answers: int, total: int) -> dict:
    return dict.fromkeys(ELEMENT_KEYS, (answers, total))


@pytest.mark.parametrize("score, ikm, grade", [(4, "100.00", "A"), (3, "75.00", "C"), (1, "25.00", "D")])
def test_one_respondent_makes_an_ikm(score, ikm, grade):
    result = compute_ikm(1, every_element(1, score))
    assert (result.respondents, str(result.ikm), result.quality.grade) == (1, ikm, grade)


# NRR (= NI with the 1/9 weight) of every element, the published IKM and its grade: the grade follows
# the published (rounded) IKM against the table's converted intervals (issue 43), so each boundary is
# the first NI that publishes as the grade's lowest IKM and the last NI below it.
@pytest.mark.parametrize("index, ikm, grade", [
    ("3.5323", "88.31", "A"), ("3.5321", "88.30", "B"),
    ("3.0643", "76.61", "B"), ("3.0640", "76.60", "C"),
    ("2.5999", "65.00", "C"), ("2.5996", "64.99", "D"),
    ("1.0000", "25.00", "D"), ("4.0000", "100.00", "A")])
def test_the_ikm_at_every_grade_boundary(index, ikm, grade):
    answers = 10_000  # a total of index x 10 000 over 10 000 answers: the NRR is exactly `index`
    result = compute_ikm(answers, every_element(answers, int(Decimal(index) * answers)))
    assert (str(result.index), str(result.ikm), result.quality.grade) == (index, ikm, grade)


@pytest.mark.parametrize("population, sample", [(0, 0), (1, 1), (2, 2), (9, 9), (10, 10), (11, 14)])
def test_below_the_tables_first_row_every_service_user_is_asked(population, sample):
    assert minimum_sample(population) == sample


def test_an_element_nobody_answered_has_no_weighted_value():
    assert ElementScore("u1", 0, 0).weighted(weight_of(WEIGHT_EXACT)) is None
    assert ElementScore("u1", 0, 0).nrr_rounded is None


def test_an_index_below_the_tables_first_value_is_still_grade_d():
    """Scores are 1-4, so no survey gives an index below 1,00; a weight or a total gone wrong must still
    grade D, never a better grade."""
    assert quality_of_published(Decimal("12.50")).grade == "D"  # an NI of 0,5


def test_every_answer_1_with_the_example_weight_publishes_below_25_and_grades_d():
    """With the worked example's 0,111 nine worst answers make 9 x 0,111 = 0,999, published 24,98: below
    the table's lowest converted value (25,00), where quality_of_published's last line still says D."""
    result = compute_ikm(1, every_element(1, 1), WEIGHT_EXAMPLE)
    assert (str(result.index), str(result.ikm), result.quality.grade) == ("0.9990", "24.98", "D")


def test_a_survey_without_an_ikm_keeps_its_respondents_weight_and_elements():
    """Nobody answered the last element: no IKM, but the page still names the respondents, the weight
    chosen and each element's own counts (the unanswered one 0 of 0)."""
    totals = every_element(3, 9)
    del totals[ELEMENT_KEYS[-1]]
    result = compute_ikm(3, totals, WEIGHT_EXAMPLE)
    assert (result.ikm, result.respondents, result.weight) == (None, 3, WEIGHT_EXAMPLE)
    assert [(e.key, e.answers, e.total) for e in result.elements] == [
        *((key, 3, 9) for key in ELEMENT_KEYS[:-1]), (ELEMENT_KEYS[-1], 0, 0)]


def test_what_an_approved_recap_freezes_of_one_respondent():
    """One respondent answering 3 everywhere: NRR 3,00 per element, IKM 75,00, grade C (65,00-76,60)."""
    assert compute_ikm(1, every_element(1, 3)).as_dict() == {
        "respondents": 1, "weight": WEIGHT_EXACT, "ikm": "75.00", "grade": "C", "performance": "Kurang Baik",
        "elements": [{"key": key, "answers": 1, "nrr": "3.00"} for key in ELEMENT_KEYS]}


def test_what_an_approved_recap_freezes_when_an_element_went_unanswered():
    """Two respondents, 7 points over 2 answers (NRR 3,50) everywhere but the last element, unanswered:
    no IKM, no grade, and that element's NRR frozen as null."""
    totals = every_element(2, 7)
    del totals[ELEMENT_KEYS[-1]]
    assert compute_ikm(2, totals, WEIGHT_EXAMPLE).as_dict() == {
        "respondents": 2, "weight": WEIGHT_EXAMPLE, "ikm": None, "grade": None, "performance": None,
        "elements": [*({"key": key, "answers": 2, "nrr": "3.50"} for key in ELEMENT_KEYS[:-1]),
                     {"key": ELEMENT_KEYS[-1], "answers": 0, "nrr": None}]}
