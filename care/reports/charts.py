"""Chart geometry for the report templates (pure): bar heights and an SVG polyline."""

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


def polyline(
    values: Sequence[float | None], width: int = 600, height: int = 160
) -> str:
    """SVG points for shares 0..1 spread across `width` (gaps where a value is None)."""
    if not values:
        return ""
    step = width / max(len(values) - 1, 1)
    return " ".join(
        f"{round(i * step, 1)},{round(height - value * height, 1)}"
        for i, value in enumerate(values)
        if value is not None
    )
