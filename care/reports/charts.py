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
