"""The results table (printed beside each target), the JSON files and the plot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
PLOT = Path(__file__).resolve().parent.parent / "docs" / "assets" / "performance.png"


def _value(item: dict[str, Any]) -> str:
    value = item.get("value")
    if isinstance(value, float):
        text = f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    else:
        text = str(value)
    return f"{text} {item.get('unit', '')}".strip()


def _verdict(item: dict[str, Any]) -> str:
    ok = item.get("ok")
    return "" if ok is None else ("PASS" if ok else "FAIL")


def table(results: list[dict[str, Any]]) -> str:
    """A plain-text table: workload, metric, value, target, verdict."""
    lines: list[tuple[str, str, str, str, str]] = []
    for result in results:
        name = result.get("name", "?")
        if "error" in result:
            lines.append((name, "ERROR", result["error"], "", "FAIL"))
            continue
        if "skipped" in result:
            lines.append((name, "skipped", result["skipped"], "", ""))
            continue
        rows = result.get("rows")
        if not isinstance(rows, list):
            rows = [
                {"metric": key, "value": value}
                for key, value in result.items()
                if isinstance(value, (int, float, str)) and key != "name"
            ]
        for item in rows:
            lines.append(
                (
                    name,
                    str(item.get("metric", "")),
                    _value(item),
                    str(item.get("target", "")),
                    _verdict(item),
                )
            )
    headers = ("workload", "metric", "value", "target", "")
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
    widths[1] = min(widths[1], 72)

    def fmt(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    out = [fmt(headers), fmt(tuple("-" * width for width in widths))]
    out += [fmt(line) for line in lines]
    return "\n".join(line.rstrip() for line in out)


def markdown(results: list[dict[str, Any]]) -> str:
    """The same table in Markdown, for ``docs/performance.md``."""
    out = ["| workload | metric | value | target | |", "| --- | --- | --- | --- | --- |"]
    for result in results:
        for item in result.get("rows", []):
            out.append(
                f"| {result.get('name', '?')} | {item.get('metric', '')} | {_value(item)} "
                f"| {item.get('target', '')} | {_verdict(item)} |"
            )
    return "\n".join(out)


def save(name: str, result: dict[str, Any], machine: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = dict(result)
    payload.setdefault("machine", machine)
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def plot(path: Path = PLOT) -> Path | None:
    """Draw the latest result of each workload found in ``benchmarks/results``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("w1_requests", _w1),
        ("cache", _cache),
        ("w2_cpu", _w2),
        ("w3_memory", _w3),
        ("w4_text", _w4),
        ("response_reading", _reading),
    ]
    available = [(load(name), draw) for name, draw in panels]
    available = [(data, draw) for data, draw in available if data and "details" in data]
    if not available:
        return None
    columns = 3
    rows = -(-len(available) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(15, 4.6 * rows), squeeze=False)
    for axis, (data, draw) in zip(axes.flat, available, strict=False):
        draw(axis, data)
        axis.grid(axis="x" if axis.get_xlabel() else "y", alpha=0.3)
    for axis in list(axes.flat)[len(available) :]:
        axis.set_visible(False)
    machine = available[0][0].get("machine", {}) if available[0][0] else {}
    figure.suptitle(
        "langchain-azure-image-embeddings vs the seed pattern and langchain-azure-ai "
        f"(emulator on loopback; {machine.get('nproc', '?')} CPUs, "
        f"Python {machine.get('python', '?')})",
        fontsize=12,
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _bars(axis: Any, labels: list[str], values: list[float], colors: list[str], fmt: str) -> None:
    bars = axis.bar(labels, values, color=colors)
    for bar, value in zip(bars, values, strict=True):
        axis.annotate(
            fmt.format(value),
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=9,
        )


SEED, OURS, OURS2, IDEAL = "#b0b0b0", "#3f51b5", "#7986cb", "#4caf50"


def _w1(axis: Any, data: dict[str, Any]) -> None:
    d = data["details"]
    _bars(
        axis,
        ["seed loop", "ours sync", "ours async", "ideal"],
        [d["seed"]["wall_s"], d["sync"]["wall_s"], d["async"]["wall_s"], d["ideal_s"]],
        [SEED, OURS, OURS2, IDEAL],
        "{:.2f} s",
    )
    axis.set_yscale("log")
    from matplotlib.ticker import FormatStrFormatter, NullFormatter

    axis.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    axis.yaxis.set_minor_formatter(NullFormatter())
    axis.set_ylabel("wall time, s (log)")
    axis.set_title("W1: 200 JPEGs, 100 ms latency, 1 image/request")


def _cache(axis: Any, data: dict[str, Any]) -> None:
    d = data["details"]
    _bars(
        axis,
        ["in memory\n1st", "in memory\n2nd", "files\n1st", "files\n2nd"],
        [
            d["memory"]["first_s"],
            d["memory"]["second_s"],
            d["files"]["first_s"],
            d["files"]["second_s"],
        ],
        [OURS, IDEAL, OURS, IDEAL],
        "{:.2f} s",
    )
    axis.set_ylabel("wall time, s")
    axis.set_title("Cache: W1 images again (0 requests)")


def _w2(axis: Any, data: dict[str, Any]) -> None:
    d = data["details"]
    count = d["count"]
    labels = ["CPU ms / photo", "KiB uploaded / photo / 10"]
    seed = [1000 * d["seed"]["cpu_s"] / count, d["seed"]["bytes"] / count / 1024 / 10]
    ours = [1000 * d["ours"]["cpu_s"] / count, d["ours"]["bytes"] / count / 1024 / 10]
    positions = range(len(labels))
    width = 0.38
    for offset, values, color, label in ((-1, seed, SEED, "seed loop"), (1, ours, OURS, "ours")):
        bars = axis.bar(
            [p + offset * width / 2 for p in positions], values, width, color=color, label=label
        )
        for bar, value in zip(bars, values, strict=True):
            axis.annotate(
                f"{value:.0f}",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=9,
            )
    axis.set_xticks(list(positions), labels)
    axis.legend()
    axis.set_title("W2: 40 photo-like 12 MP JPEGs")


def _w3(axis: Any, data: dict[str, Any]) -> None:
    d = data["details"]
    labels, growth, bound = [], [], []
    for mode in ("embed_image", "generator"):
        labels.append(mode)
        growth.append(d[mode]["growth"]["bytes"] / 2**20)
        bound.append(d[mode]["growth"]["bound"] / 2**20)
    positions = range(len(labels))
    width = 0.38
    axis.bar([p - width / 2 for p in positions], growth, width, color=OURS, label="RSS growth")
    axis.bar([p + width / 2 for p in positions], bound, width, color=IDEAL, label="bound")
    axis.set_xticks(list(positions), labels)
    axis.set_ylabel("MiB")
    axis.legend()
    axis.set_title("W3: peak RSS growth, N=200 -> 2,000")


def _w4(axis: Any, data: dict[str, Any]) -> None:
    d = data["details"]
    _bars(
        axis,
        ["AzureAIEmbeddingsModel", "ours"],
        [d["baseline"]["wall_s"], d["ours"]["wall_s"]],
        [SEED, OURS],
        "{:.1f} s",
    )
    axis.set_ylabel("wall time, s")
    axis.set_title("W4: 10,000 texts, 96/request, 100 ms latency")


def _reading(axis: Any, data: dict[str, Any]) -> None:
    ways = data["details"]["ways"]
    short = {
        "sdk_model_layer": "SDK model layer",
        "sdk_model_layer_base64": "SDK + base64",
        "send_request_json": "send_request + json (2x)",
        "send_request_stream_json": "stream + json",
        "send_request_stream_orjson": "stream + orjson",
        "base64_array": "base64 + array",
        "base64_numpy": "base64 + numpy",
        "package_float": "package default",
        "package_base64": "package base64",
    }
    names = [name for name in short if name in ways]
    values = [ways[name]["cpu_ms"] for name in names]
    colors = [OURS if name.startswith("package") else SEED for name in names]
    axis.barh([short[name] for name in names], values, color=colors)
    for index, value in enumerate(values):
        axis.annotate(f"{value:.1f}", (value, index), va="center", fontsize=9)
    axis.set_xscale("log")
    axis.set_xlabel("client CPU ms per response (log)")
    axis.invert_yaxis()
    axis.set_title("Reading a 96 x 1024 response")
