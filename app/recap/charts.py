"""Small bar charts as inline SVG, drawn on the server: they print, and need no JavaScript."""
from markupsafe import Markup, escape

INK, CURRENT, PREVIOUS, TARGET, GRID = "#1d2733", "#1f5f99", "#a9b4bf", "#b3261e", "#d5dbe1"


def _number(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{int(value):,}".replace(",", ".")


def bar_chart(rows: list[tuple[str, float, float | None]], title: str, current_label: str = "",
              previous_label: str = "", width: int = 640) -> Markup:
    """Horizontal bars: (label, this period, previous period or None) per row, with a legend."""
    label_width, value_width, row_height = 190, 60, 30
    bar_area = width - label_width - value_width
    top = 46 if previous_label else 26
    height = top + row_height * max(1, len(rows)) + 8
    largest = max([1.0] + [float(v or 0) for _, v, p in rows] + [float(p or 0) for _, _, p in rows])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
             f'<title>{escape(title)}</title>',
             f'<text x="0" y="14" font-weight="bold" fill="{INK}">{escape(title)}</text>']
    if previous_label:
        parts.append(f'<rect x="0" y="24" width="12" height="10" fill="{CURRENT}"/>'
                     f'<text x="16" y="33" fill="{INK}">{escape(current_label)}</text>'
                     f'<rect x="200" y="24" width="12" height="10" fill="{PREVIOUS}"/>'
                     f'<text x="216" y="33" fill="{INK}">{escape(previous_label)}</text>')
    for index, (label, value, previous) in enumerate(rows):
        y = top + index * row_height
        current_bar = bar_area * float(value or 0) / largest
        parts.append(f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end" fill="{INK}">{escape(label[:28])}</text>')
        parts.append(f'<rect x="{label_width}" y="{y + 2}" width="{current_bar:.1f}" height="14" fill="{CURRENT}"/>')
        parts.append(f'<text x="{label_width + current_bar + 4:.1f}" y="{y + 13}" fill="{INK}">{_number(value)}</text>')
        if previous is not None:
            previous_bar = bar_area * float(previous) / largest
            parts.append(f'<rect x="{label_width}" y="{y + 18}" width="{previous_bar:.1f}" height="8" fill="{PREVIOUS}"/>'
                         f'<text x="{label_width + previous_bar + 4:.1f}" y="{y + 26}" font-size="10" fill="{INK}">'
                         f'{_number(previous)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def trend_chart(points: list[tuple[str, float | None]], target: float | None, title: str,
                maximum: float = 100.0, width: int = 320, height: int = 150) -> Markup:
    """Vertical bars per period (None = no data, drawn as a dash) with the target as a dashed line."""
    left, bottom, top = 30, 28, 10
    plot_height = height - top - bottom
    step = (width - left - 4) / max(1, len(points))
    maximum = max([maximum] + [v for _, v in points if v is not None])

    def y_of(value):
        return top + plot_height * (1 - value / maximum)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="10">',
             f'<title>{escape(title)}</title>']
    for mark in (0, maximum / 2, maximum):
        parts.append(f'<line x1="{left}" x2="{width - 2}" y1="{y_of(mark):.1f}" y2="{y_of(mark):.1f}" stroke="{GRID}"/>'
                     f'<text x="{left - 3}" y="{y_of(mark) + 3:.1f}" text-anchor="end" fill="{INK}">{_number(mark)}</text>')
    for index, (label, value) in enumerate(points):
        x = left + index * step + step * 0.15
        bar_width = step * 0.7
        if value is None:
            parts.append(f'<text x="{x + bar_width / 2:.1f}" y="{y_of(0) - 3:.1f}" text-anchor="middle" fill="{INK}">–</text>')
        else:
            parts.append(f'<rect x="{x:.1f}" y="{y_of(value):.1f}" width="{bar_width:.1f}" '
                         f'height="{y_of(0) - y_of(value):.1f}" fill="{CURRENT}"><title>{escape(label)}: '
                         f'{_number(value)}</title></rect>')
        parts.append(f'<text x="{x + bar_width / 2:.1f}" y="{height - 14}" text-anchor="middle" fill="{INK}">'
                     f'{escape(label)}</text>')
    if target is not None:
        parts.append(f'<line x1="{left}" x2="{width - 2}" y1="{y_of(target):.1f}" y2="{y_of(target):.1f}" '
                     f'stroke="{TARGET}" stroke-dasharray="5 3" stroke-width="1.5"/>'
                     f'<text x="{width - 4}" y="{y_of(target) - 3:.1f}" text-anchor="end" fill="{TARGET}">'
                     f'target {_number(target)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
