"""The IKM's sum of weighted NRR is one exact fraction reduced once (issue 73): the indicators page
computes ten IKMs a view (nine quarters and the period), and a Fraction per unsur cost a gcd each
(19 Fractions an IKM) for the same exact figure."""
from fractions import Fraction

from hypothesis import given, settings, strategies as st

from app.survey import ikm
from app.survey.elements import ELEMENT_KEYS


def _by_the_regulation(totals, weight):
    """Σ NRR x bobot, NRR = total / answers per unsur, each as its own Fraction (PermenPANRB 14/2017)."""
    return sum((Fraction(totals[key][1], totals[key][0]) * ikm.weight_of(weight) for key in ELEMENT_KEYS), Fraction(0))


def test_an_ikm_makes_at_most_two_fractions(monkeypatch):
    made = []

    class Counted(Fraction):
        def __new__(cls, *args, **kwargs):
            made.append(args)
            return Fraction(*args, **kwargs)

    monkeypatch.setattr(ikm, "Fraction", Counted)
    totals = {key: (400, 1200 + 7 * n) for n, key in enumerate(ELEMENT_KEYS)}
    result = ikm.compute_ikm(450, totals, ikm.WEIGHT_EXACT)
    assert result.ikm is not None
    assert len(made) <= 2, made  # the weight and the index (was 19: an NRR and a weight per unsur, and the zero)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 5000), min_size=len(ELEMENT_KEYS), max_size=len(ELEMENT_KEYS)),
       st.lists(st.integers(0, 3), min_size=len(ELEMENT_KEYS), max_size=len(ELEMENT_KEYS)),
       st.sampled_from([ikm.WEIGHT_EXACT, ikm.WEIGHT_EXAMPLE]))
def test_the_index_is_the_regulations_sum_exactly(answers, extra, weight):
    totals = {key: (n, n + (3 * n * e) // 7) for key, n, e in zip(ELEMENT_KEYS, answers, extra)}  # scores 1-4
    exact = _by_the_regulation(totals, weight)
    result = ikm.compute_ikm(answers[0], totals, weight)
    assert result.index == ikm._round(exact, ikm.Decimal("0.0001"))
    assert result.ikm == ikm._round(exact * ikm.BASE_VALUE, ikm.CENT)
