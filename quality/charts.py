"""A rating trend drawn on the server as an SVG polyline: no JavaScript needed."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 320, 80, 4


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    points: str  # "x,y x,y ..." for <polyline points>
    last_x: float
    last_y: float
    low: int
    high: int


def sparkline(scores: list[int]) -> Sparkline | None:
    """Scores 0-100, oldest first, scaled into the box (100 at the top)."""
    if not scores:
        return None
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    step = inner_w / (len(scores) - 1) if len(scores) > 1 else 0
    coords = [
        (PAD + i * step if len(scores) > 1 else WIDTH / 2, PAD + inner_h * (1 - s / 100))
        for i, s in enumerate(scores)
    ]
    return Sparkline(
        width=WIDTH,
        height=HEIGHT,
        points=" ".join(f"{x:.1f},{y:.1f}" for x, y in coords),
        last_x=round(coords[-1][0], 1),
        last_y=round(coords[-1][1], 1),
        low=min(scores),
        high=max(scores),
    )
