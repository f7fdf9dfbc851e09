"""The agreement chart's geometry (an inline SVG, no script): per item, rater-vs-rater and machine-vs-human
agreement as bars."""
from __future__ import annotations


def agreement_chart(per_item: list[dict], machine_rows: list[dict]) -> dict:
    """Bars per item: rater-vs-rater agreement and machine-vs-human agreement (0..1), for an inline SVG."""
    labels = list(dict.fromkeys([row["item"] for row in per_item] + [row["item"] for row in machine_rows]))
    human = {row["item"]: row["agreement"] for row in per_item}
    machine = {row["item"]: row["agreement"] for row in machine_rows}
    row_h, top, left, width = 26, 28, 170, 420
    bars = []
    for index, item in enumerate(labels):
        y = top + index * row_h
        bars.append({"item": item, "y": y, "human": human.get(item), "machine": machine.get(item),
                     "hw": (human.get(item) or 0) * width, "mw": (machine.get(item) or 0) * width})
    return {"bars": bars, "left": left, "width": width, "height": top + len(labels) * row_h + 10,
            "ticks": [{"x": left + width * t / 4, "label": f"{25 * t}%"} for t in range(5)],
            "has_human": bool(per_item)}
