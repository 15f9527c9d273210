"""A study's files, all drawn from its JSON document (so they always agree with it):
study.json, per_type.csv, utilisation.csv, timeseries.csv, sweep.csv (with a sweep),
blocking.png, utilisation.png, sweep.png (with a sweep) and report.md."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from simulator.study.report import markdown_report


def _csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def _ci(pair: object, i: int) -> object:
    return pair[i] if isinstance(pair, list) else ""


def write_csv(doc: dict[str, Any], out: Path) -> list[Path]:
    files = [out / "per_type.csv", out / "utilisation.csv", out / "timeseries.csv"]
    rows = [*doc["per_type"], doc["overall"]]
    _csv(
        files[0],
        [
            "slice_type",
            "offered",
            "accepted",
            "blocked",
            "waited",
            "abandoned",
            "blocking",
            "blocking_ci_low",
            "blocking_ci_high",
            "acceptance",
            "waiting",
            "mean_wait_h",
            "revenue_per_h",
        ],
        (
            [
                r["slice_type"],
                r["offered"],
                r["accepted"],
                r["blocked"],
                r["waited"],
                r["abandoned"],
                r["blocking"],
                _ci(r["blocking_ci95"], 0),
                _ci(r["blocking_ci95"], 1),
                r["acceptance"],
                r["waiting"],
                r["mean_wait_h"],
                r["revenue_per_h"],
            ]
            for r in rows
        ),
    )
    util = doc["utilisation"]
    _csv(
        files[1],
        ["kind", "name", "capacity", "mean", "mean_ci_low", "mean_ci_high", "peak"],
        (
            [
                kind.rstrip("s"),
                r["name"],
                r["capacity"],
                r["mean"],
                _ci(r["mean_ci95"], 0),
                _ci(r["mean_ci95"], 1),
                r["peak"],
            ]
            for kind in ("domains", "sites", "links")
            for r in util[kind]
        ),
    )
    ts = doc["timeseries"]
    columns = [
        (f"{kind[:-1]}:{name}", values)
        for kind in ("domains", "sites", "links")
        for name, values in ts[kind].items()
    ]
    _csv(
        files[2],
        ["t_h", *(c for c, _ in columns)],
        ([t, *(values[i] for _, values in columns)] for i, t in enumerate(ts["t_h"])),
    )
    if doc["sweep"]:
        files.append(out / "sweep.csv")
        _csv(
            files[-1],
            ["load_multiplier", "load", "blocking", "blocking_ci_low", "blocking_ci_high"],
            (
                [
                    p["load_multiplier"],
                    p["load"],
                    p["blocking"],
                    _ci(p["blocking_ci95"], 0),
                    _ci(p["blocking_ci95"], 1),
                ]
                for p in doc["sweep"]["points"]
            ),
        )
    return files


def write_plots(doc: dict[str, Any], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    rows = [*doc["per_type"], doc["overall"]]
    fig, ax = plt.subplots(figsize=(7, 4))
    means = [100 * r["blocking"] for r in rows]
    errs = [
        [100 * (r["blocking"] - _num(_ci(r["blocking_ci95"], 0), r["blocking"])) for r in rows],
        [100 * (_num(_ci(r["blocking_ci95"], 1), r["blocking"]) - r["blocking"]) for r in rows],
    ]
    ax.bar([r["slice_type"] for r in rows], means, yerr=errs, capsize=4, color="#4a7ab5")
    ax.set_ylabel("blocking probability (%)")
    ax.set_title(f"Blocking per slice type, 95% CI ({doc['settings']['replications']} replications)")
    files.append(_save(fig, out / "blocking.png"))

    ts = doc["timeseries"]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    for name, values in ts["domains"].items():
        top.plot(ts["t_h"], [100 * v for v in values], label=name)
    top.set_ylabel("utilisation (%)")
    top.set_title("Utilisation over time per domain (mean over replications)")
    top.legend(loc="best")
    busiest = sorted(
        (
            *(("site " + r["name"], "sites", r) for r in doc["utilisation"]["sites"]),
            *(("link " + r["name"], "links", r) for r in doc["utilisation"]["links"]),
        ),
        key=lambda x: (-x[2]["mean"], x[0]),
    )[:6]
    for label, kind, row in busiest:
        bottom.plot(ts["t_h"], [100 * v for v in ts[kind][row["name"]]], label=label)
    bottom.set_ylabel("utilisation (%)")
    bottom.set_xlabel("simulated time (h)")
    bottom.set_title("The busiest sites and links")
    if busiest:
        bottom.legend(loc="best", fontsize="small")
    files.append(_save(fig, out / "utilisation.png"))

    if doc["sweep"]:
        sweep = doc["sweep"]
        fig, ax = plt.subplots(figsize=(7, 4))
        xs = [p["load_multiplier"] for p in sweep["points"]]
        ys = [100 * p["blocking"] for p in sweep["points"]]
        lows = [100 * _num(_ci(p["blocking_ci95"], 0), p["blocking"]) for p in sweep["points"]]
        highs = [100 * _num(_ci(p["blocking_ci95"], 1), p["blocking"]) for p in sweep["points"]]
        ax.plot(xs, ys, marker="o", label="overall blocking")
        ax.fill_between(xs, lows, highs, alpha=0.25, label="95% CI")
        ax.axhline(100 * sweep["target_blocking"], color="red", linestyle="--", label="target")
        ax.set_xlabel("load multiplier")
        ax.set_ylabel("blocking probability (%)")
        ax.legend(loc="best")
        files.append(_save(fig, out / "sweep.png"))
    return files


def _num(value: object, default: float) -> float:
    return float(value) if isinstance(value, int | float) else default


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_outputs(doc: dict[str, Any], out: Path) -> list[Path]:
    """Write every file of a study into `out` (created if needed); returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    files = [out / "study.json"]
    files[0].write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    files += write_csv(doc, out)
    files += write_plots(doc, out)
    report = out / "report.md"
    report.write_text(markdown_report(doc, [f.name for f in files]), encoding="utf-8")
    return [*files, report]
