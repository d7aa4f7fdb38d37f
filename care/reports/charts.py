"""Chart geometry for the report templates (pure): bar heights and line points."""

from collections.abc import Sequence


def bars(items: Sequence[tuple[str, int]], css: Sequence[str] = ()) -> list[dict]:
    """Each bar's label, count and height in percent of the tallest bar."""
    top = max((count for _, count in items), default=0) or 1
    return [
        {
            "label": label,
            "count": count,
            "height": round(100 * count / top, 1),
            "css": css[i] if i < len(css) else "",
        }
        for i, (label, count) in enumerate(items)
    ]


def line_points(
    values: Sequence[float | None], width: int = 600, height: int = 160
) -> list[tuple[float, float, int]]:
    """(x, y, index) of shares 0..1 spread across `width`; None values are left out."""
    step = width / max(len(values) - 1, 1)
    return [
        (round(i * step, 1), round(height - value * height, 1), i)
        for i, value in enumerate(values)
        if value is not None
    ]


def polyline(points: Sequence[tuple[float, float, int]]) -> str:
    return " ".join(f"{x},{y}" for x, y, _ in points)


PALETTE = ("#417690", "#2e7d32", "#c9a227", "#ba2121", "#6a1b9a", "#00838f")


def series_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    width: int = 600,
    height: int = 160,
) -> dict:
    """Counts per label for several series, scaled to the largest: SVG lines and a legend."""
    top = max((v for _, values in series for v in values), default=0) or 1
    step = width / max(len(labels) - 1, 1)
    lines = []
    for i, (name, values) in enumerate(series):
        points = [
            (round(j * step, 1), round(height - height * v / top, 1), j)
            for j, v in enumerate(values)
        ]
        lines.append(
            {
                "name": name,
                "color": PALETTE[i % len(PALETTE)],
                "points": polyline(points),
                "dots": [
                    {"x": x, "y": y, "label": labels[j], "value": values[j]}
                    for x, y, j in points
                ],
            }
        )
    return {
        "lines": lines,
        "top": top,
        "width": width,
        "height": height,
        "first": labels[0] if labels else "",
        "last": labels[-1] if labels else "",
    }
