"""Small inline-SVG charts for the quality report: no JavaScript, no network, every label
HTML-escaped (labels can be article text: outlets, entity names).

Each function returns one `<svg>` element as a string, sized by its viewBox so it scales to
the page width.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["hbars", "columns", "stacked_columns", "lines", "PALETTE", "fmt"]

PALETTE = ("#2b6cb0", "#dd6b20", "#c53030", "#2f855a", "#6b46c1", "#b7791f", "#319795",
           "#718096")
_FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def fmt(value: float | int | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.3g}" if abs(value) < 1 else f"{value:,.1f}"
    return f"{int(value):,}"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _open(width: int, height: int, title: str) -> list[str]:
    return [f'<svg class="chart" viewBox="0 0 {width} {height}" style="max-width:{width}px" '
            f'role="img" aria-label="{_e(title)}" {_FONT}>', f"<title>{_e(title)}</title>"]


def hbars(items: Sequence[tuple[str, float]], *, title: str, width: int = 560,
          color: str = PALETTE[0], unit: str = "", max_value: float | None = None,
          label_chars: int = 26, label_width: int = 200) -> str:
    """Horizontal bars, one per (label, value), value printed at the bar's end."""
    if not items:
        return ""
    bar_h, gap, left, right = 18, 5, label_width, 70
    height = len(items) * (bar_h + gap) + 8
    top = max_value if max_value is not None else max(v for _, v in items) or 1
    span = width - left - right
    parts = _open(width, height, title)
    for i, (label, value) in enumerate(items):
        y = 4 + i * (bar_h + gap)
        w = max(1.0, span * (value / top)) if value else 0
        label = str(label)
        parts.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end">'
                     f"<title>{_e(label)}</title>{_e(_clip(label, label_chars))}</text>")
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                     f'fill="{color}" rx="2"><title>{_e(label)}: {_e(fmt(value))}{_e(unit)}'
                     f"</title></rect>")
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 13}">{_e(fmt(value))}{_e(unit)}'
                     f"</text>")
    parts.append("</svg>")
    return "".join(parts)


def _axis(height: int, left: int, width: int, top_value: float, plot_h: int,
          top_pad: int, unit: str = "") -> list[str]:
    parts = []
    for frac in (0, 0.5, 1):
        y = top_pad + plot_h * (1 - frac)
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">'
                     f"{_e(fmt(top_value * frac if frac else 0))}{_e(unit)}</text>")
    return parts


def _x_labels(labels: Sequence[str], left: int, step: float, y: float,
              max_labels: int = 12) -> list[str]:
    every = max(1, -(-len(labels) // max_labels))
    parts = []
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1 and len(labels) <= max_labels:
            x = left + step * (i + 0.5)
            parts.append(f'<text x="{x:.1f}" y="{y}" text-anchor="middle" fill="#555">'
                         f"{_e(_clip(str(label), 16))}</text>")
    return parts


def columns(items: Sequence[tuple[str, float]], *, title: str, width: int = 760,
            height: int = 220, color: str = PALETTE[0]) -> str:
    """Vertical columns over an ordered axis (days, runs); sparse x labels."""
    return stacked_columns([label for label, _ in items], {title: [v for _, v in items]},
                           title=title, width=width, height=height, colors=(color,),
                           legend=False)


def stacked_columns(labels: Sequence[str], series: dict[str, Sequence[float]], *, title: str,
                    width: int = 760, height: int = 240,
                    colors: Sequence[str] = PALETTE, legend: bool = True) -> str:
    """Columns stacked from the series in order; a legend above the plot."""
    if not labels:
        return ""
    left, top_pad, bottom = 56, 28 if legend else 10, 24
    plot_h = height - top_pad - bottom
    totals = [sum(float(s[i] or 0) for s in series.values()) for i in range(len(labels))]
    top = max(totals) or 1
    step = (width - left - 10) / len(labels)
    bar_w = max(1.0, step * 0.75)
    parts = _open(width, height, title)
    parts += _axis(height, left, width, top, plot_h, top_pad)
    if legend:
        x = left
        for (name, _), color in zip(series.items(), colors, strict=False):
            parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{color}"/>'
                         f'<text x="{x + 16}" y="16">{_e(name)}</text>')
            x += 24 + 7 * len(name)
    for i, label in enumerate(labels):
        base = top_pad + plot_h
        x = left + step * i + (step - bar_w) / 2
        for (name, values), color in zip(series.items(), colors, strict=False):
            value = float(values[i] or 0)
            if value <= 0:
                continue
            h = plot_h * value / top
            base -= h
            parts.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}" '
                         f'height="{h:.1f}" fill="{color}"><title>{_e(label)} – {_e(name)}: '
                         f"{_e(fmt(value))}</title></rect>")
    parts += _x_labels(labels, left, step, height - 8)
    parts.append("</svg>")
    return "".join(parts)


def lines(labels: Sequence[str], series: dict[str, Sequence[float | None]], *, title: str,
          width: int = 760, height: int = 200, colors: Sequence[str] = PALETTE[1:],
          unit: str = "", max_value: float | None = None) -> str:
    """One polyline per series over an ordered axis; points carry tooltips."""
    if not labels:
        return ""
    left, top_pad, bottom = 56, 28, 24
    plot_h = height - top_pad - bottom
    values = [float(v) for s in series.values() for v in s if v is not None]
    top = max_value if max_value is not None else (max(values) if values else 0) or 1
    step = (width - left - 10) / len(labels)
    parts = _open(width, height, title)
    parts += _axis(height, left, width, top, plot_h, top_pad, unit)
    x = left
    for (name, _), color in zip(series.items(), colors, strict=False):
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{color}"/>'
                     f'<text x="{x + 16}" y="16">{_e(name)}</text>')
        x += 24 + 7 * len(name)
    for (name, vals), color in zip(series.items(), colors, strict=False):
        points = []
        for i, v in enumerate(vals):
            if v is None:
                continue
            px = left + step * (i + 0.5)
            py = top_pad + plot_h * (1 - float(v) / top)
            points.append((px, py, v, labels[i]))
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" '
                         f'stroke-width="2"/>')
        for px, py, v, label in points:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{color}">'
                         f"<title>{_e(label)} – {_e(name)}: {_e(fmt(v))}{_e(unit)}</title>"
                         f"</circle>")
    parts += _x_labels(labels, left, step, height - 8)
    parts.append("</svg>")
    return "".join(parts)
