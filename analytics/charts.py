"""Inline SVG charts (no scripts, no inline styles: the review app's CSP allows neither) and the number formats
the analytics templates use."""
from __future__ import annotations

from html import escape

from markupsafe import Markup

ACCENT, FAIL, GRID, MUTED, BAND = "#2f5fd0", "#c8232c", "#e1e4e8", "#656d76", "#eaf0fd"
MIN_CALLS = 5  # fewer calls than this: "not enough calls" instead of a chart


def trend(points: list[dict], width: int = 560, height: int = 180, target: float | None = None) -> Markup:
    """Mean QA score per period with its 95 % interval as a band; points: key, mean_score, ci_low, ci_high, n."""
    shown = [p for p in points if p["mean_score"] is not None and p["n"] >= MIN_CALLS]
    if len(shown) < 2:
        return Markup('<p class="muted">Not enough calls for a trend (needs two periods of '
                      f'{MIN_CALLS}+ calls).</p>')
    left, top, plot_w, plot_h = 36, 10, width - 36 - 34, height - 40  # room for the last period's label
    step = plot_w / (len(shown) - 1)
    x = [left + i * step for i in range(len(shown))]

    def y(v):
        return top + plot_h * (1 - max(0.0, min(100.0, v)) / 100)

    lows = [p["ci_low"] if p["ci_low"] is not None else p["mean_score"] for p in shown]
    highs = [p["ci_high"] if p["ci_high"] is not None else p["mean_score"] for p in shown]
    band = " ".join(f"{a:.1f},{y(v):.1f}" for a, v in zip(x + x[::-1], highs + lows[::-1]))
    line = " ".join(f"{a:.1f},{y(p['mean_score']):.1f}" for a, p in zip(x, shown))
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="QA score trend">']
    for v in (0, 50, 100):
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="{GRID}"/>'
                     f'<text x="{left - 4}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="10" fill="{MUTED}">{v}</text>')
    if target is not None:
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
                     f'stroke="{FAIL}" stroke-dasharray="4 3"><title>target {target:g}%</title></line>')
    parts.append(f'<polygon points="{band}" fill="{BAND}"/><polyline points="{line}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
    for a, p in zip(x, shown):
        parts.append(f'<circle cx="{a:.1f}" cy="{y(p["mean_score"]):.1f}" r="3" fill="{ACCENT}"><title>{escape(str(p["key"]))}: '
                     f'{p["mean_score"]:.1f}% (95% CI {fmt_num(p["ci_low"])}–{fmt_num(p["ci_high"])}, n={p["n"]})</title></circle>'
                     f'<text x="{a:.1f}" y="{height - 12}" text-anchor="middle" font-size="10" fill="{MUTED}">{escape(str(p["key"]))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(rows: list[dict], value: str = "fail_rate", label: str = "item", width: int = 560,
         compare: str | None = None) -> Markup:
    """Horizontal bars of a 0..1 rate per row; `compare` draws a tick for a second rate (e.g. the team's)."""
    rows = [r for r in rows if r.get(value) is not None]
    if not rows:
        return Markup('<p class="muted">Not enough calls.</p>')
    left, row_h, plot_w = 170, 22, width - 230
    parts = [f'<svg class="chart" viewBox="0 0 {width} {len(rows) * row_h + 8}" role="img" aria-label="rates">']
    for i, r in enumerate(rows):
        top = 4 + i * row_h
        name = escape(str(r[label]).replace("_", " "))
        parts.append(f'<text x="{left - 8}" y="{top + 13}" text-anchor="end" font-size="11">{name}</text>'
                     f'<rect x="{left}" y="{top + 3}" width="{plot_w}" height="12" fill="{GRID}"/>'
                     f'<rect x="{left}" y="{top + 3}" width="{plot_w * r[value]:.1f}" height="12" fill="{FAIL}">'
                     f'<title>{name}: {fmt_rate(r[value])}</title></rect>'
                     f'<text x="{left + plot_w + 6}" y="{top + 13}" font-size="11">{fmt_rate(r[value])}</text>')
        if compare and r.get(compare) is not None:
            cx = left + plot_w * r[compare]
            parts.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{top}" y2="{top + 18}" stroke="#1f2328" stroke-width="2">'
                         f'<title>team {fmt_rate(r[compare])}</title></line>')
    parts.append("</svg>")
    return Markup("".join(parts))


def fmt_num(value, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def fmt_rate(value) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def fmt_p(value) -> str:
    return "–" if value is None else ("<0.001" if value < 0.001 else f"{value:.3f}")


FORMATS = {"num": fmt_num, "rate": fmt_rate, "p": fmt_p, "trend": trend, "bars": bars, "min_calls": MIN_CALLS}
