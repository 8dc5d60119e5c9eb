"""Server-side SVG charts: no JavaScript, labelled for screen readers, always shown next to a table of the data."""
from __future__ import annotations

from html import escape

# GOV.UK Design System colours: series, and a light-to-dark blue ramp for heatmap cells.
SERIES = ["#1d70b8", "#d4351c", "#00703c", "#912b88", "#f47738", "#505a5f"]
RAMP = ["#f3f2f1", "#d2e2f1", "#a5c6e3", "#5694ca", "#1d70b8", "#003078"]
TEXT = "#0b0c0c"


def _esc(text) -> str:
    return escape(str(text), quote=True)


def _open(chart_id: str, width: int, height: int, title: str, desc: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" viewBox="0 0 {width} {height}" '
            f'width="100%" preserveAspectRatio="xMinYMin meet" aria-labelledby="{chart_id}-title {chart_id}-desc">'
            f'<title id="{chart_id}-title">{_esc(title)}</title><desc id="{chart_id}-desc">{_esc(desc)}</desc>'
            f'<style>text{{font-family:"GDS Transport",arial,sans-serif;font-size:13px;fill:{TEXT}}}</style>')


def _fmt(value: float | None) -> str:
    return "no data" if value is None else f"{value:.1f}"


def line_chart(chart_id: str, title: str, x_labels: list[str], series: dict[str, list[float | None]],
               y_max: float = 100.0) -> str:
    """One line per series over evenly spaced points (e.g. snapshots), y from 0 to y_max."""
    width, height, left, right, top, bottom = 720, 320, 48, 200, 16, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(x_labels)
    desc = "No data yet." if not n else (
        f"{n} point{'s' if n != 1 else ''} from {x_labels[0]} to {x_labels[-1]}. "
        + " ".join(f"{name}: {', '.join(_fmt(v) for v in values)}." for name, values in series.items()))
    out = [_open(chart_id, width, height, title, desc)]

    def x(i: int) -> float:
        return left + (plot_w / 2 if n == 1 else plot_w * i / (n - 1))

    def y(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    for tick in range(0, 101, 20):  # gridlines and y labels
        v = y_max * tick / 100
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#b1b4b6" '
                   f'stroke-width="1"/><text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
    step = max(1, (n + 7) // 8)  # at most about 8 x labels
    for i, label in enumerate(x_labels):
        if i % step == 0 or i == n - 1:
            out.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 20}" text-anchor="middle">{_esc(label)}</text>')
    for k, (name, values) in enumerate(series.items()):
        colour, dash = SERIES[k % len(SERIES)], ["", ' stroke-dasharray="6 4"', ' stroke-dasharray="2 3"'][k % 3]
        points = [(i, v) for i, v in enumerate(values) if v is not None]  # gaps (no figure) are skipped
        if len(points) > 1:
            path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in points)
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="3"{dash} points="{path}"/>')
        for i, v in points:
            out.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="4" fill="{colour}">'
                       f'<title>{_esc(name)}, {_esc(x_labels[i])}: {_fmt(v)}</title></circle>')
        ly = top + 16 + 24 * k  # legend: line sample and name
        out.append(f'<line x1="{left + plot_w + 16}" x2="{left + plot_w + 40}" y1="{ly - 4}" y2="{ly - 4}" '
                   f'stroke="{colour}" stroke-width="3"{dash}/>'
                   f'<text x="{left + plot_w + 46}" y="{ly}">{_esc(name)}</text>')
    if not n:
        out.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle">No snapshots yet</text>')
    out.append("</svg>")
    return "".join(out)


def bar_chart(chart_id: str, title: str, labels: list[str], values: list[float], unit: str = "") -> str:
    """Vertical bars with their value written above each bar."""
    width, height, left, top, bottom = 560, 260, 40, 24, 48
    plot_w, plot_h = width - left - 16, height - top - bottom
    top_value = max(values, default=0) or 1
    desc = "; ".join(f"{lab}: {val:g}{unit}" for lab, val in zip(labels, values)) or "No data."
    out = [_open(chart_id, width, height, title, desc)]
    slot = plot_w / max(1, len(labels))
    for i, (label, value) in enumerate(zip(labels, values)):
        h = plot_h * value / top_value
        bx = left + i * slot + slot * 0.15
        out.append(f'<rect x="{bx:.1f}" y="{top + plot_h - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                   f'fill="{SERIES[0]}"><title>{_esc(label)}: {value:g}{_esc(unit)}</title></rect>'
                   f'<text x="{bx + slot * 0.35:.1f}" y="{top + plot_h - h - 6:.1f}" text-anchor="middle">'
                   f'{value:g}</text><text x="{bx + slot * 0.35:.1f}" y="{top + plot_h + 20}" '
                   f'text-anchor="middle">{_esc(label)}</text>')
    out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{TEXT}"/>')
    out.append("</svg>")
    return "".join(out)


def heatmap(chart_id: str, title: str, row_labels: list[str], col_labels: list[str],
            values: list[list[float | None]]) -> str:
    """Grid of percentages: darker is fuller, and every cell also shows its number (colour is never the only cue)."""
    cell_w, cell_h, left, top = 44, 26, 360, 170
    width, height = left + cell_w * len(col_labels) + 130, top + cell_h * len(row_labels) + 10
    desc = (f"{len(row_labels)} rows by {len(col_labels)} columns of percentages; darker cells are fuller. "
            "The same figures are in the table that follows.")
    out = [_open(chart_id, width, height, title, desc)]
    for j, col in enumerate(col_labels):
        cx = left + j * cell_w + cell_w / 2
        out.append(f'<text transform="translate({cx:.1f},{top - 8}) rotate(-55)" font-size="12">{_esc(col)}</text>')
    for i, row in enumerate(row_labels):
        ry = top + i * cell_h
        short = row if len(row) <= 52 else row[:51] + "…"
        out.append(f'<text x="{left - 8}" y="{ry + cell_h / 2 + 4:.1f}" text-anchor="end">{_esc(short)}</text>')
        for j, value in enumerate(values[i]):
            shade = 0 if value is None else min(len(RAMP) - 1, int(value / 100 * (len(RAMP) - 1) + 0.5))
            colour = "#ffffff" if shade >= 3 else TEXT
            label = "–" if value is None else f"{value:.0f}"
            out.append(f'<g><title>{_esc(row)}, {_esc(col_labels[j])}: {_fmt(value)}{"" if value is None else "%"}'
                       f'</title><rect x="{left + j * cell_w}" y="{ry}" width="{cell_w - 2}" height="{cell_h - 2}" '
                       f'fill="{RAMP[shade]}"/><text x="{left + j * cell_w + (cell_w - 2) / 2:.1f}" '
                       f'y="{ry + cell_h / 2 + 3:.1f}" text-anchor="middle" font-size="12" '
                       f'style="fill:{colour}">{label}</text></g>')
    out.append("</svg>")
    return "".join(out)
