"""Chart data for the admin pages: plain dicts for plain HTML and inline SVG."""

from segmentation.models import SCORED_SEGMENTS, RfmRun, Segment

# One colour per segment, warm for valuable, cool for slipping away.
COLOURS = {
    "champions": "#1a7f37",
    "loyal": "#2da44e",
    "potential_loyalist": "#6fdd8b",
    "new_customers": "#54aeff",
    "promising": "#80ccff",
    "need_attention": "#d4a72c",
    "about_to_sleep": "#e09b13",
    "at_risk": "#e16f24",
    "cant_lose_them": "#cf222e",
    "hibernating": "#8c959f",
    "lost": "#57606a",
    "prospect": "#b6e3ff",
    "lapsed": "#d0d7de",
    "unclassified": "#ffffff",
}
# Segments whose colour needs white text.
DARK = {"champions", "cant_lose_them", "lost", "at_risk", "loyal"}
BAR_HEIGHT = 22
BAR_LEFT = 200
BAR_SPACE = 440


def segment_bars(run: RfmRun | None) -> dict:
    """Bars for every segment of the run, largest share 100% wide."""
    counts = (run.summary.get("segments", {}) if run else {}) or {}
    total = sum(counts.values())
    biggest = max(counts.values(), default=0)
    bars = []
    for index, segment in enumerate(Segment):
        count = counts.get(segment.value, 0)
        if not count and segment not in SCORED_SEGMENTS:
            continue
        bars.append(
            {
                "slug": segment.value,
                "label": segment.label,
                "count": count,
                "share": 100 * count / total if total else 0,
                "width": round(BAR_SPACE * count / biggest, 1) if biggest else 0,
                "label_x": BAR_LEFT + 6 + (round(BAR_SPACE * count / biggest, 1) if biggest else 0),
                "colour": COLOURS[segment.value],
                "y": len(bars) * (BAR_HEIGHT + 6),
            }
        )
    return {
        "bars": bars,
        "total": total,
        "height": len(bars) * (BAR_HEIGHT + 6),
        "left": BAR_LEFT,
    }


def heat_map(grid: list[list[int]] | None) -> list[dict]:
    """Rows R=5..1 of cells F/FM=1..5 with a count, a share and a shade (0..1)."""
    if not grid:
        return []
    total = sum(map(sum, grid)) or 1
    biggest = max(max(row) for row in grid) or 1
    rows = []
    for r in range(5, 0, -1):
        cells = [
            {
                "count": count,
                "share": 100 * count / total,
                "shade": round(0.08 + 0.92 * count / biggest, 3) if count else 0,
                "dark": count / biggest > 0.55,
            }
            for count in grid[r - 1]
        ]
        rows.append({"r": r, "cells": cells})
    return rows


def rule_grid(grid) -> list[dict]:
    """The segment table R=5..1 x FM=1..5 that the current rules produce."""
    rows = []
    slugs = [segment.value for segment in Segment]
    for r in range(5, 0, -1):
        cells = []
        for fm in range(1, 6):
            segment = Segment(slugs[int(grid[r - 1, fm - 1])])
            cells.append(
                {
                    "label": segment.label,
                    "slug": segment.value,
                    "colour": COLOURS[segment],
                    "text": "#fff" if segment.value in DARK else "#111",
                }
            )
        rows.append({"r": r, "cells": cells})
    return rows
