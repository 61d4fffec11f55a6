"""Every indicator for a period plus its trend over the last eight quarters, in a handful of queries.

Each quarter's figures are a part kept on its own (figure_cache.kept_figure with `quarters`): a
write counted in one quarter makes only that quarter be computed again, the other seven are read
as kept, and the period's figures are sums of its quarters' (the IKM from its quarters' sums)."""
import functools
from dataclasses import dataclass
from datetime import date, timedelta

from app.frame.office_calendar import office_calendar
from app.complaints.deadlines import overdue_received_before
from app.indicators import sources
from app.indicators.definitions import INDICATORS, Indicator, Measure, meets_target
from app.indicators.targets import shown, targets_for
from app.frame.periods import Period, Quarter
from app.frame.charts import trend_chart
from app.frame import figure_cache, store
from app.figures import tallies
from app.survey import figures as survey_figures

TREND_QUARTERS = 8


@dataclass
class IndicatorRow:
    indicator: Indicator
    measure: Measure
    target: float
    target_year: int | None
    met: bool | None
    available: bool
    trend: list[tuple[Quarter, Measure]]
    svg: str = ""  # the trend drawn once with the figures, not on every view of the kept rows

    def __post_init__(self):
        points = [(f"{q.number}/{str(q.year)[2:]}", m.value, m.text) for q, m in self.trend]
        self.svg = trend_chart(points, self.target, f"{self.indicator.name}, {TREND_QUARTERS} triwulan terakhir",
                               value_label="Nilai indeks" if self.indicator.is_index else "Persen (%)",
                               caption=f"Tren {TREND_QUARTERS} triwulan terakhir") if self.available else ""

    def chart(self):
        return self.svg

    @property
    def target_text(self) -> str:
        """The target as its form shows it (90, 76,61): the page's macro for it cost a call per card."""
        return "–" if self.target is None else shown(self.target)


def _sum(measures: list[Measure]) -> Measure:
    return Measure.share(int(sum(m.numerator or 0 for m in measures)), int(sum(m.denominator or 0 for m in measures)))


@functools.lru_cache(maxsize=64)  # calendar arithmetic asked a few times a view (a dataclass made per quarter)
def quarters_of(period: Period) -> tuple[Quarter, ...]:
    """The quarters a period (a quarter or a year) is made of."""
    found = [Quarter.containing(period.start)]
    while found[-1].end < period.end:
        found.append(found[-1].next())
    return tuple(found)


def _quarters_figures(quarters: list[Quarter], zone: str, calendar, follow_up_days: int,
                      today: date) -> dict[Quarter, dict]:
    """Each quarter's figure of every indicator, and the sums its IKM is computed from: every source
    read once over the quarters' span, its rows counted into their quarters."""
    with tallies.reading(zone):
        return _read_quarters(quarters, zone, calendar, follow_up_days, today)


def _read_quarters(quarters: list[Quarter], zone: str, calendar, follow_up_days: int, today: date) -> dict[Quarter, dict]:
    sums = dict(zip(quarters, survey_figures.ikm_sums(quarters, zone)))
    by_source = {
        **sources.registration_indicators(quarters, zone, today),
        "pengaduan_tepat_waktu": sources.complaints_followed_up_on_time(quarters, zone, calendar, follow_up_days,
                                                                        today),
        "kotak_saran": sources.suggestion_box_opened(quarters, calendar, today),
    }
    return {q: {**{key: found[q] for key, found in by_source.items()},
                "ikm": Measure.index(survey_figures.ikm_of_sums([sums[q]]).ikm), "ikm_sums": sums[q]}
            for q in quarters}


def quarters_figures(quarters: list[Quarter], zone: str, calendar, follow_up_days: int, today: date,
                     due_from: date) -> dict[Quarter, dict]:
    """_quarters_figures, each quarter kept as its part. Of `today` a quarter's figures see only what
    falls inside it: the days up to today (settled promises, kotak saran days) and the first
    receipt day not yet due (due_from: open complaints count from there), so its key holds those,
    clipped to the quarter, and an ended quarter's part is not computed again the next day."""
    def key(quarter):
        after = quarter.end + timedelta(days=1)
        return quarter.key, zone, follow_up_days, min(today, after), min(max(due_from, quarter.start), after)
    return figure_cache.kept_quarters("indicator quarter", {q: key(q) for q in sorted(quarters)},
                                      lambda missing: _quarters_figures(missing, zone, calendar, follow_up_days, today))


@functools.lru_cache(maxsize=64)  # the view and indicator_rows both ask: 0.04 ms each
def indicator_quarters(period: Period, today: date) -> tuple[tuple[Quarter, ...], tuple[Quarter, ...]]:
    """(the trend's quarters, every quarter the page reads: the trend's and the period's)."""
    last = min(Quarter.containing(period.end), Quarter.containing(today))
    trend = tuple(last.last(TREND_QUARTERS))
    return trend, tuple(sorted(set(trend) | set(quarters_of(period))))


def indicator_rows(period: Period, year: int, zone: str, today) -> list[IndicatorRow]:
    """The six indicators for `period` (a quarter or a year that has started) with their trends."""
    quarters, read = indicator_quarters(period, today)
    in_period = [q for q in quarters if period.start <= q.start and q.end <= period.end]
    calendar = office_calendar()
    follow_up_days = int(store.get("complaint_follow_up_days"))
    due_from = overdue_received_before(today, calendar, follow_up_days)
    parts = quarters_figures(read, zone, calendar, follow_up_days, today, due_from)
    per_quarter = {indicator.key: {q: parts[q][indicator.key] for q in quarters} for indicator in INDICATORS}
    targets = targets_for(year)
    rows = []
    for indicator in INDICATORS:
        by_quarter = per_quarter[indicator.key]
        target, target_year = targets[indicator.key]
        if by_quarter is None:
            rows.append(IndicatorRow(indicator, Measure.missing(), target, target_year, None, False, []))
            continue
        if indicator.is_index:  # the period's IKM from its quarters' sums, as one count over the period
            measure = Measure.index(survey_figures.ikm_of_sums([parts[q]["ikm_sums"] for q in quarters_of(period)]).ikm)
        else:
            measure = _sum([by_quarter[q] for q in in_period])
        rows.append(IndicatorRow(indicator, measure, target, target_year, meets_target(indicator, measure.value, target),
                                 True, [(q, by_quarter[q]) for q in quarters]))
    return rows
