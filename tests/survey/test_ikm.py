"""IKM arithmetic (PermenPANRB 14/2017) checked against figures worked by hand."""
from decimal import Decimal
from fractions import Fraction

import pytest

from app.survey.elements import ELEMENT_KEYS, ELEMENTS
from app.survey.ikm import KREJCIE_MORGAN, compute_ikm, minimum_sample, quality_of_published


def totals(scores_per_element: dict[str, list[int]]):
    return {key: (len(scores), sum(scores)) for key, scores in scores_per_element.items()}


def test_every_answer_four_gives_exactly_100_grade_a():
    result = compute_ikm(3, totals({key: [4, 4, 4] for key in ELEMENT_KEYS}))
    assert result.ikm == Decimal("100.00")
    assert (result.quality.grade, result.quality.performance) == ("A", "Sangat Baik")


def test_every_answer_one_gives_25_grade_d():
    result = compute_ikm(2, totals({key: [1, 1] for key in ELEMENT_KEYS}))
    assert result.ikm == Decimal("25.00")
    assert (result.quality.grade, result.quality.performance) == ("D", "Tidak Baik")


def test_hand_computed_four_respondents():
    # Four respondents. Element sums (by hand): U1..U9 = 13, 12, 10, 16, 12, 13, 14, 11, 9
    # NRR = 3.25, 3.00, 2.50, 4.00, 3.00, 3.25, 3.50, 2.75, 2.25; sum = 27.50
    # IKM = 27.50 / 9 x 25 = 76.3888... -> 76.39 -> C "Kurang Baik" (65.00-76.60)
    sums = [13, 12, 10, 16, 12, 13, 14, 11, 9]
    result = compute_ikm(4, {key: (4, total) for key, total in zip(ELEMENT_KEYS, sums)})
    assert [e.nrr_rounded for e in result.elements] == [Decimal(x) for x in
                                                        ("3.25", "3.00", "2.50", "4.00", "3.00", "3.25", "3.50", "2.75", "2.25")]
    assert result.elements[0].nrr == Fraction(13, 4)
    assert result.weighted[0] == Decimal("0.361")  # 3.25 / 9 = 0.36111
    assert result.index == Decimal("3.0556")  # 27.5 / 9
    assert result.ikm == Decimal("76.39")
    assert (result.quality.grade, result.quality.performance) == ("C", "Kurang Baik")


def test_hand_computed_ten_respondents_grade_b():
    # Ten respondents, every element: six answer 3 and four answer 4 -> NRR 3.4 each
    # IKM = 3.4 x 25 = 85.00 -> B "Baik"
    result = compute_ikm(10, {key: (10, 6 * 3 + 4 * 4) for key in ELEMENT_KEYS})
    assert result.ikm == Decimal("85.00")
    assert result.quality.grade == "B" and result.quality.performance == "Baik"


# The Lampiran's table by converted IKM (25-100), the grade every page, print and report shows:
# D 25,00-64,99; C 65,00-76,60; B 76,61-88,30; A 88,31-100,00. An NI in a gap of the NI column
# (3,0643) publishes as 76,61, which the table calls B.
@pytest.mark.parametrize("ikm, grade", [
    ("100", "A"), ("88.31", "A"), ("88.30", "B"), ("76.61", "B"), ("76.60", "C"), ("65.00", "C"),
    ("64.99", "D"), ("25.00", "D")])
def test_quality_bands_at_their_edges_on_the_published_ikm(ikm, grade):
    assert quality_of_published(Decimal(ikm)).grade == grade


def test_the_grade_follows_the_published_figure_76_61_is_b():
    # Every element NRR 3,0643 (10 000 answers, score 30 643): NI 3,0643 x 25 = 76,6075 -> 76,61, the figure
    # the office publishes; the table's B is 76,61-88,30, so B "Baik" (issue 43: it was printed "76,61 · Mutu C").
    result = compute_ikm(10_000, {key: (10_000, 30_643) for key in ELEMENT_KEYS})
    assert result.index == Decimal("3.0643") and result.ikm == Decimal("76.61")
    assert result.quality.grade == "B"


@pytest.mark.parametrize("ikm, grade", [
    ("100", "A"), ("88.31", "A"), ("88.30", "B"), ("76.61", "B"), ("76.60", "C"), ("65.00", "C"), ("64.99", "D"),
    ("25", "D")])
def test_quality_bands_at_their_edges_on_the_published_figure(ikm, grade):
    assert quality_of_published(Decimal(ikm)).grade == grade


def test_the_office_and_the_center_grade_the_same_figure_alike():
    from sync.center.performance import combined_ikm
    for score in (30_643, 30_644, 26_000, 25_996, 35_323, 35_324):
        own = compute_ikm(10_000, {key: (10_000, score) for key in ELEMENT_KEYS})
        pooled = combined_ikm([{"respondents": 10_000, "elements": [
            {"key": k, "answers": 10_000, "total": score} for k in ELEMENT_KEYS]}])
        assert (pooled.ikm, pooled.grade) == (own.ikm, own.quality.grade), score


@pytest.mark.parametrize("score, exact, example, grades", [
    # NRR 3,5324 each: 1/9 -> NI 3,5324, IKM 88,31 A; 0,111 -> NI 9 x 3,5324 x 0,111 = 3,52887, 88,22 B.
    (35_324, "88.31", "88.22", ("A", "B")),
    # NRR 2,6 each: 1/9 -> 65,00 C; 0,111 -> NI 2,5974, 64,935 -> 64,94 D.
    (26_000, "65.00", "64.94", ("C", "D")),
])
def test_the_weight_at_the_edges(score, exact, example, grades):
    totals_ = {key: (10_000, score) for key in ELEMENT_KEYS}
    by_formula = compute_ikm(10_000, totals_)  # the text's 1/X is the default
    by_example = compute_ikm(10_000, totals_, "contoh")
    assert (by_formula.ikm, by_example.ikm) == (Decimal(exact), Decimal(example))
    assert (by_formula.quality.grade, by_example.quality.grade) == grades
    assert by_formula.weight_label.startswith("1/9") and by_example.weight_label.startswith("0,111")


def test_no_respondents_gives_no_index():
    result = compute_ikm(0, {})
    assert result.ikm is None and result.quality is None
    assert all(e.answers == 0 for e in result.elements)


def test_an_element_without_answers_leaves_the_index_undefined():
    partial = totals({key: [3] for key in ELEMENT_KEYS[:-1]})
    assert compute_ikm(1, partial).ikm is None


@pytest.mark.parametrize("population, sample", [
    (0, 0), (7, 7), (10, 10), (11, 14), (100, 80), (101, 86), (250, 152), (1000, 278), (1001, 285),
    (2000, 322), (10000, 370), (100000, 384), (5_000_000, 384)])
def test_minimum_sample_follows_krejcie_morgan_table(population, sample):
    assert minimum_sample(population) == sample


def test_encoded_table_agrees_with_the_krejcie_morgan_formula():
    # s = X2 N P(1-P) / (d2 (N-1) + X2 P(1-P)), X2 = 3.841, P = 0.5, d = 0.05: catches a mistyped row.
    for population, sample in KREJCIE_MORGAN:
        exact = 3.841 * population * 0.25 / (0.0025 * (population - 1) + 3.841 * 0.25)
        assert abs(exact - sample) < 1, population
    populations = [n for n, _ in KREJCIE_MORGAN]
    samples = [s for _, s in KREJCIE_MORGAN]
    assert populations == sorted(populations) and samples == sorted(samples)


def test_the_nine_elements_of_the_regulation_each_with_four_answers():
    assert len(ELEMENTS) == 9 and len(set(ELEMENT_KEYS)) == 9
    assert ELEMENTS[0].answers == ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai")
    assert all(len(e.answers) == 4 for e in ELEMENTS)
