"""Bar charts as inline SVG, drawn on the server: they print, and need no JavaScript.

Readable on the screen and on paper (issue 15, "the recap charts are tiny"): the smallest text is
TEXT_PX user units, each chart is drawn at the size it is shown (the templates give it a column of
its own width, and A4's printable width is wider than WIDTH), both axes carry a title and tick
values, and every bar carries its value.
"""
from markupsafe import Markup, escape

from app.frame.rounding import decimal_text

INK, CURRENT, PREVIOUS, TARGET, GRID = "#1d2733", "#1f5f99", "#7d8b99", "#b3261e", "#c3cbd3"
TEXT_PX, TITLE_PX = 14, 16   # at the drawn size; never scaled below 12 px on screen or on A4
WIDTH = 640                  # <= A4's printable width (680 CSS px with print.css margins)
_FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'


def _number(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return decimal_text(value, 2).rstrip("0").rstrip(",")
    return f"{int(value):,}".replace(",", ".")


def _ticks(largest: float) -> list[float]:
    """0, the middle and the top of the scale; whole numbers when the data are counts."""
    if float(largest).is_integer():
        return sorted({0, int(largest) // 2, int(largest)})
    return [0, largest / 2, largest]


def _short(label: str, limit: int = 24) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"


def _open(width: int, height: int, title: str, caption: str | None = None) -> list[str]:
    """The SVG element, its accessible name, and the visible heading (`caption`, or the title)."""
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" {_FONT} font-size="{TEXT_PX}">',
            f'<title>{escape(title)}</title>',
            f'<text x="0" y="{TITLE_PX}" font-size="{TITLE_PX}" font-weight="bold" fill="{INK}">{escape(caption or title)}</text>']


def bar_chart(rows: list[tuple[str, float, float | None]], title: str, current_label: str = "",
              previous_label: str = "", width: int = WIDTH, axis_label: str = "Jumlah pengaduan") -> Markup:
    """Horizontal bars: (label, this period, previous period or None) per row, with a legend and
    a value axis along the bottom."""
    label_width, value_width, row_height = 210, 56, 44
    bar_area = width - label_width - value_width
    top = 58 if previous_label else 32
    plot_bottom = top + row_height * max(1, len(rows))
    height = plot_bottom + 48
    largest = max([1.0] + [float(v or 0) for _, v, p in rows] + [float(p or 0) for _, _, p in rows])
    parts = _open(width, height, title)
    if previous_label:
        parts.append(f'<rect x="0" y="30" width="16" height="14" fill="{CURRENT}"/>'
                     f'<text x="22" y="42" fill="{INK}">{escape(current_label)}</text>'
                     f'<rect x="{width // 2}" y="30" width="16" height="14" fill="{PREVIOUS}"/>'
                     f'<text x="{width // 2 + 22}" y="42" fill="{INK}">{escape(previous_label)}</text>')
    for mark in _ticks(largest):
        x = label_width + bar_area * mark / largest
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{plot_bottom + 4}" stroke="{GRID}"/>'
                     f'<text x="{x:.1f}" y="{plot_bottom + 20}" text-anchor="middle" fill="{INK}">{_number(mark)}</text>')
    parts.append(f'<line x1="{label_width}" x2="{label_width}" y1="{top}" y2="{plot_bottom}" stroke="{INK}"/>'
                 f'<text x="{label_width + bar_area / 2:.1f}" y="{plot_bottom + 40}" text-anchor="middle" '
                 f'fill="{INK}">{escape(axis_label)}</text>')
    for index, (label, value, previous) in enumerate(rows):
        y = top + index * row_height
        current_bar = bar_area * float(value or 0) / largest
        parts.append(f'<text x="{label_width - 8}" y="{y + 19}" text-anchor="end" fill="{INK}">'
                     f'<title>{escape(label)}</title>{escape(_short(label))}</text>')
        parts.append(f'<rect x="{label_width}" y="{y + 5}" width="{current_bar:.1f}" height="18" fill="{CURRENT}"/>')
        parts.append(f'<text x="{label_width + current_bar + 5:.1f}" y="{y + 19}" font-weight="bold" fill="{INK}">'
                     f'{_number(value)}</text>')
        if previous is not None:
            previous_bar = bar_area * float(previous) / largest
            parts.append(f'<rect x="{label_width}" y="{y + 25}" width="{previous_bar:.1f}" height="12" fill="{PREVIOUS}"/>'
                         f'<text x="{label_width + previous_bar + 5:.1f}" y="{y + 37}" fill="{INK}">{_number(previous)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def trend_chart(points: list[tuple], target: float | None, title: str,
                maximum: float = 100.0, width: int = 400, height: int = 250,
                value_label: str = "Persen (%)", period_label: str = "Triwulan/tahun",
                caption: str | None = None) -> Markup:
    """Vertical bars per period (None = no data, drawn as a dash) with the target as a dashed line;
    the value axis on the left, the periods along the bottom, each with its title. `caption` is
    the visible heading when the page already names the chart (the title stays its accessible name).

    A point is (label, value) or (label, value, text): `text` is the figure as the page prints it
    (`Measure.text`), so a bar's tooltip never rounds otherwise than its headline (issue 61: 77,08
    under 77,1 %); without it, two decimals half up (app/frame/rounding.py)."""
    left, right, top, bottom = 58, 6, 44, 50
    plot_height = height - top - bottom
    step = (width - left - right) / max(1, len(points))
    maximum = max([maximum] + [point[1] for point in points if point[1] is not None])

    def y_of(value):
        return top + plot_height * (1 - value / maximum)

    # Each figure and text written once (six charts a view of the indicators, issue 73).
    parts = _open(width, height, title, caption)
    parts.append(f'<text transform="translate(14 {top + plot_height / 2:.1f}) rotate(-90)" text-anchor="middle" '
                 f'fill="{INK}">{escape(value_label)}</text>'
                 f'<text x="{left + (width - left - right) / 2:.1f}" y="{height - 4}" text-anchor="middle" '
                 f'fill="{INK}">{escape(period_label)}</text>')
    for mark in (0, maximum / 2, maximum):
        y = f"{y_of(mark):.1f}"
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y}" y2="{y}" stroke="{GRID}"/>'
                     f'<text x="{left - 5}" y="{y_of(mark) + 5:.1f}" text-anchor="end" fill="{INK}">{_number(mark)}</text>')
    bottom_y = y_of(0)
    bar_width = step * 0.76
    bar_text, label_y, dash_y = f"{bar_width:.1f}", f"{bottom_y + 20:.1f}", f"{bottom_y - 4:.1f}"
    for index, (label, value, *text) in enumerate(points):
        x = left + index * step + step * 0.12
        middle = f"{x + bar_width / 2:.1f}"
        label = escape(label)
        if value is None:
            parts.append(f'<text x="{middle}" y="{dash_y}" text-anchor="middle" fill="{INK}">–</text>')
        else:
            y = y_of(value)
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_text}" height="{bottom_y - y:.1f}" '
                         f'fill="{CURRENT}"><title>{label}: {escape(text[0] if text else decimal_text(value, 2))}'
                         f'</title></rect>')
        parts.append(f'<text x="{middle}" y="{label_y}" text-anchor="middle" fill="{INK}">{label}</text>')
    if target is not None:
        y = f"{y_of(target):.1f}"
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y}" y2="{y}" '
                     f'stroke="{TARGET}" stroke-dasharray="6 4" stroke-width="2"/>'
                     f'<text x="{width - right}" y="{y_of(target) - 5:.1f}" text-anchor="end" font-weight="bold" '
                     f'fill="{TARGET}">target {_number(target)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
