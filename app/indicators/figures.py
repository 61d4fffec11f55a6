"""Every indicator for a period plus its trend over the last eight quarters, in a handful of queries."""
from dataclasses import dataclass

from app.calendar import office_calendar
from app.indicators import sources
from app.indicators.definitions import INDICATORS, Indicator, Measure, meets_target
from app.indicators.targets import targets_for
from app.frame.periods import Period, Quarter
from app.frame.charts import trend_chart
from app.frame import store

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

    def chart(self):
        points = [(f"{q.number}/{str(q.year)[2:]}", m.value) for q, m in self.trend]
        return trend_chart(points, self.target, f"{self.indicator.name}, {TREND_QUARTERS} triwulan terakhir",
                           value_label="Nilai indeks" if self.indicator.is_index else "Persen (%)",
                           caption=f"Tren {TREND_QUARTERS} triwulan terakhir")


def _sum(measures: list[Measure]) -> Measure:
    return Measure.share(int(sum(m.numerator or 0 for m in measures)), int(sum(m.denominator or 0 for m in measures)))


def indicator_rows(period: Period, year: int, zone: str, today) -> list[IndicatorRow]:
    """The six indicators for `period` (a quarter or a year that has started) with their trends."""
    last = min(Quarter.containing(period.end), Quarter.containing(today))
    quarters = last.last(TREND_QUARTERS)
    in_period = [q for q in quarters if period.start <= q.start and q.end <= period.end]
    calendar = office_calendar()
    per_quarter = {
        "siap_tepat_waktu": sources.ready_on_time(quarters, zone, today),
        "serah_tepat_waktu": sources.handed_over_on_time(quarters, zone),
        "berkas_dikembalikan": sources.returned_incomplete(quarters, zone),
        "pengaduan_tepat_waktu": sources.complaints_followed_up_on_time(
            quarters, zone, calendar, int(store.get("complaint_follow_up_days")), today),
        "kotak_saran": sources.suggestion_box_opened(quarters, calendar, today),
        "ikm": sources.ikm(quarters, zone),
    }
    targets = targets_for(year)
    rows = []
    for indicator in INDICATORS:
        by_quarter = per_quarter[indicator.key]
        target, target_year = targets[indicator.key]
        if by_quarter is None:
            rows.append(IndicatorRow(indicator, Measure.missing(), target, target_year, None, False, []))
            continue
        if indicator.is_index:
            measure = sources.ikm_for(period, zone)
        else:
            measure = _sum([by_quarter[q] for q in in_period])
        rows.append(IndicatorRow(indicator, measure, target, target_year, meets_target(indicator, measure.value, target),
                                 True, [(q, by_quarter[q]) for q in quarters]))
    return rows
