#!/usr/bin/env python3
"""Release-train benchmark: one service's release against a train of all four
services with the same settings, on a private emulator stack.

    make bench-train                 # or: .venv/bin/python benchmarks/train_bench.py

Stands up its own emulator (port 4920, listener base 11500: outside the
kernel's ephemeral range; SLIPWAY_TRAIN_BENCH_EMULATOR_PORT and
SLIPWAY_TRAIN_BENCH_LISTENER_BASE move it) with the foundation applied, the
way benchmarks/release_bench.py does (its Bench is reused), then measures:

  1. one release of `user` (deploy_service.yml), and
  2. a train of the four services without dependencies (one wave: the
     train's own cost, comparable with four playbooks run at once), side by
     side in each of --rounds rounds (6), each run after a random pause that
     puts it at a random point of the emulator's 5 s metric flush: the ratios
     are of the means and of the medians;
  3. a train of the four in the catalogue's dependency order (two waves:
     api-gateway after user and event, notification after event);
  4. four deploy_service.yml processes at once (what a train replaces).

Every release uses the same settings: strategy canary, a one-second bake,
a metrics gate that judges from 5 requests, no wait before the scale-down. Prints a table with each wall time and its ratio to
the one release, writes it under benchmarks/results/. Never asserts a timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# release_bench reads its ports when imported: this bench's own, unless they are set.
os.environ["SLIPWAY_BENCH_EMULATOR_PORT"] = os.environ.get("SLIPWAY_TRAIN_BENCH_EMULATOR_PORT", "4920")
os.environ["SLIPWAY_BENCH_LISTENER_BASE"] = os.environ.get("SLIPWAY_TRAIN_BENCH_LISTENER_BASE", "11500")

from benchmarks.release_bench import PORT, RESULTS, SHORT_WAITS, Bench, BenchError, log, table  # noqa: E402
from tests.support import BIN, SERVICES  # noqa: E402
from tests.support.emulator import EmulatorError, port_in_use  # noqa: E402

STRATEGY = "canary"
# A one-second bake and no scale-down wait (release_bench's SHORT_WAITS); the metrics gate judges, on the emulator
# without traffic, only the release's own verification requests (as the integration tests run), from 5 of them.
SETTINGS = {**SHORT_WAITS, "strategy": STRATEGY, "service_release_min_requests": 5}
# The emulator's metric flush: every SLIPWAY_METRIC_FLUSH_SECONDS (5 s by default), checked on its tick (0.5 s).
FLUSH_CYCLE_SECONDS = 5.5


@dataclass
class Measure:
    scenario: str
    wall: float
    calls: int
    ok: bool
    detail: str


class TrainBench(Bench):
    def __init__(self, tmp: Path, seed: int = 0) -> None:
        super().__init__(tmp)
        self.rng = random.Random(seed)

    def train_cmd(self, tag: str, flat: bool) -> list[str]:
        extra: dict[str, Any] = {"image_tag": tag, **SETTINGS, "service_release_summary_dir": str(self.summaries)}
        if flat:
            catalogue = self.catalogue()
            extra["slipway_services"] = {name: {k: v for k, v in entry.items() if k != "depends_on"} for name, entry in catalogue.items()}
        return [str(BIN / "ansible-playbook"), "playbooks/release_train.yml", "-i", str(self.inventory), "-e", json.dumps(extra)]

    def catalogue(self) -> dict[str, Any]:
        import yaml

        return yaml.safe_load((self.inventory / "group_vars" / "all" / "services.yml").read_text())["slipway_services"]

    def timed(self, scenario: str, cmds: list[list[str]]) -> tuple[Measure, list[str]]:
        for name in SERVICES:
            self.settle(name, timeout=180)
        # A release's steps end on the emulator's metric flush (every 5 s, on its 0.5 s tick). Run after run, the
        # bench's own rhythm would start every run at the same point of that cycle, and one run kind would always
        # catch a flush the other always misses. A random pause (not timed) puts each run at a random point of it.
        time.sleep(self.rng.uniform(0.0, FLUSH_CYCLE_SECONDS))
        self.counter(reset=True)
        log(scenario)
        t0 = time.monotonic()
        runs = [self.start(cmd) for cmd in cmds]
        codes = [self.finish(run, timeout=900) for run in runs]
        wall = time.monotonic() - t0
        calls = sum(self.counter().values())
        texts = [run.text for run in runs]
        for code, text in zip(codes, texts, strict=True):
            if code != 0:
                self.notes.append(f"{scenario}: ansible-playbook exited {code}:\n{text[-2500:]}")
        return Measure(scenario, wall, calls, all(c == 0 for c in codes), ""), texts

    def deploy_cmd(self, service: str, tag: str) -> list[str]:
        return self.playbook_cmd(service, tag, STRATEGY, SETTINGS)

    def one(self, scenario: str, service: str, tag: str) -> Measure:
        measure, texts = self.timed(scenario, [self.deploy_cmd(service, tag)])
        m = re.search(r"summary: (\S+\.json)", texts[0])
        summary = json.loads(Path(m.group(1)).read_text()) if m else {}
        measure.detail = f"{summary.get('outcome', '?')}, {float(summary.get('timings', {}).get('total', 0)):.1f} s in the module"
        return measure

    def train(self, scenario: str, tag: str, flat: bool) -> Measure:
        measure, texts = self.timed(scenario, [self.train_cmd(tag, flat)])
        m = re.search(r"summary: (\S+/train-\S+\.json)", texts[0])
        if not m:
            measure.detail = "no train summary"
            return measure
        summary = json.loads(Path(m.group(1)).read_text())
        rows = summary["services"]
        spans = ", ".join(f"{r['service']} {r['started_at'][11:19]}-{r['finished_at'][11:19]}" for r in rows if r.get("started_at"))
        measure.detail = f"{summary['outcome']}, waves {summary['waves']}"
        self.notes.append(f"{scenario}: {spans}")
        return measure

    def parallel(self, scenario: str, tag: str) -> Measure:
        measure, _ = self.timed(scenario, [self.deploy_cmd(name, tag) for name in SERVICES])
        measure.detail = "four processes"
        return measure


def report(measures: list[Measure], base: Measure, setup_seconds: float, notes: list[str]) -> str:
    out = [
        f"Slipway release-train benchmark — {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}, "
        f"{platform.node()} ({os.cpu_count()} cores, Python {platform.python_version()}); stack setup {setup_seconds:.0f}s; "
        f"every release: strategy {STRATEGY}, bake 1 s, min_requests 5, no scale-down wait",
        "",
    ]
    rows = [[m.scenario, f"{m.wall:.1f}", f"{m.wall / base.wall:.2f} x", str(m.calls), ("ok" if m.ok else "FAILED") + f" ({m.detail})"] for m in measures]
    out.append(table(["scenario", "wall s", "vs one release", "API calls", "result"], rows))
    if notes:
        out += ["", "Notes:"] + [f"  - {n}" for n in notes]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary stack directory (the emulator is always stopped)")
    parser.add_argument("--rounds", type=int, default=6, help="rounds of one release and one one-wave train (ratios of the means and medians; default 6)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random pauses before each run (default 0)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if port_in_use(PORT):
        print(f"train bench: port {PORT} is in use; set SLIPWAY_TRAIN_BENCH_EMULATOR_PORT", file=sys.stderr)
        return 2

    def on_term(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    tmp = Path(tempfile.mkdtemp(prefix="slipway-train-bench-"))
    try:
        bench = TrainBench(tmp, seed=args.seed)
    except EmulatorError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"train bench: {exc}", file=sys.stderr)
        return 2
    try:
        setup_seconds = bench.setup()
        rounds = range(1, args.rounds + 1)
        for name in SERVICES:
            for tag in [f"3.{r}.0" for r in rounds] + ["4.0.0", "5.0.0"]:
                bench.push(name, tag)
        for tag in ["1.1.0"] + [f"2.{r}.0" for r in rounds]:
            bench.push("user", tag)
        # The first ansible-playbook run pays for cold caches; not measured against.
        warm = bench.one("0. warm-up: user (first run)", "user", "1.1.0")
        # One release and the one-wave train, side by side in each round. Every step of a release ends on the
        # emulator's metric flush, so a run takes one flush longer whenever its slowest step window ends just after
        # a flush: the times are two-valued, 5 s apart. The mean weighs both; the median is whichever came more often.
        ones, trains = [], []
        for r in rounds:
            ones.append(bench.one(f"1. one release: user (round {r})", "user", f"2.{r}.0"))
            trains.append(bench.train(f"2. train of four, no dependencies (one wave; round {r})", f"3.{r}.0", flat=True))
        base = sorted(ones, key=lambda m: m.wall)[len(ones) // 2]
        middle = sorted(trains, key=lambda m: m.wall)[len(trains) // 2]
        mean_one = statistics.fmean(m.wall for m in ones)
        mean_train = statistics.fmean(m.wall for m in trains)
        bench.notes.insert(
            0,
            f"{args.rounds} rounds: means one release {mean_one:.1f} s, one-wave train {mean_train:.1f} s: {mean_train / mean_one:.2f} x;"
            f" medians {base.wall:.1f} s and {middle.wall:.1f} s: {middle.wall / base.wall:.2f} x"
            f" (per round: {', '.join(f'{t.wall / o.wall:.2f} x' for o, t in zip(ones, trains, strict=True))}); the ratios below are to the median one release",
        )
        measures = [
            warm,
            *[m for pair in zip(ones, trains, strict=True) for m in pair],
            bench.train("3. train of four, catalogue dependencies (two waves)", "4.0.0", flat=False),
            bench.parallel("4. four deploy_service.yml at once", "5.0.0"),
        ]
        text = report(measures, base, setup_seconds, bench.notes)
        print()
        print(text)
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
        (RESULTS / f"train_bench-{stamp}.txt").write_text(text + "\n")
        (RESULTS / f"train_bench-{stamp}.json").write_text(
            json.dumps({"setup_seconds": setup_seconds, "measures": [m.__dict__ for m in measures], "notes": bench.notes}, indent=1)
        )
        log(f"written to {RESULTS}/train_bench-{stamp}.{{txt,json}}")
        return 0 if all(m.ok for m in measures) else 1
    except KeyboardInterrupt:
        print("\ntrain bench: interrupted; tearing down", file=sys.stderr)
        return 130
    except BenchError as exc:
        print(f"train bench: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        bench.teardown()
        if args.keep_temp:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
