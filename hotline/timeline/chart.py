"""A horizontal bar chart drawn on the server as inline SVG (no JavaScript, nothing from a CDN)."""
from __future__ import annotations

from markupsafe import Markup, escape


def bar_chart(rows: list[tuple[str, float | None, float | None]], *, unit: str = "h", title: str = "",
              median_label: str = "median", p90_label: str = "p90", width: int = 640) -> Markup:
    """rows: (label, median, p90). A bar for the median, a tick for the p90; rows without data are empty."""
    label_w, row_h, top = 190, 26, 28
    plot_w = width - label_w - 70
    biggest = max([v for _, m, p in rows for v in (m, p) if v is not None] or [1.0]) or 1.0
    height = top + row_h * len(rows) + 10
    parts = [f'<svg class="chart" role="img" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>',
             f'<rect x="{label_w}" y="6" width="12" height="10" class="bar-median"/>'
             f'<text x="{label_w + 16}" y="15">{escape(median_label)}</text>'
             f'<line x1="{label_w + 110}" y1="4" x2="{label_w + 110}" y2="18" class="tick-p90"/>'
             f'<text x="{label_w + 116}" y="15">{escape(p90_label)}</text>']
    for i, (label, median, p90) in enumerate(rows):
        y = top + i * row_h
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        if median is not None:
            w = max(1.0, plot_w * median / biggest)
            parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="14" class="bar-median">'
                         f'<title>{escape(label)}: {median:.1f}{escape(unit)}</title></rect>')
            parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" class="value">{median:.1f}{escape(unit)}</text>')
        if p90 is not None:
            x = label_w + plot_w * p90 / biggest
            parts.append(f'<line x1="{x:.1f}" y1="{y + 1}" x2="{x:.1f}" y2="{y + 21}" class="tick-p90">'
                         f'<title>{escape(p90_label)} {p90:.1f}{escape(unit)}</title></line>')
    parts.append("</svg>")
    return Markup("".join(parts))
