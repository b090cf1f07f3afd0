"""Start-up: how long the command line takes as a user sees it, from the shell starting the
process to the prompt coming back, as the median of cold runs (a fresh process each run, after
one warm-up run that is not counted).

    python bench/bench_startup.py                   # this checkout, 5 runs of each command
    python bench/bench_startup.py --runs 9
    git worktree add --detach /tmp/before <commit>  # then, before against after:
    python bench/bench_startup.py --before /tmp/before

Each command runs with this interpreter from the root of the measured tree (whose `vhdlgen` it
then imports; checked first):
- `python -c "import tensorflow"`: TensorFlow's own import and exit, the part of every command
  that reads a Keras model that no change in vhdlgen removes;
- `python -m vhdlgen simulate --help`: the start-up of a command that reads no model;
- `python -m vhdlgen inspect`: start-up, TensorFlow, reading the default student;
- `python -m vhdlgen build --out <tree>/build/bench/startup/student_4bit`: the default build
  (issue #19's 17 s); a rebuild into the same folder from the warm-up on.
wall: time.perf_counter around the child, start to reaped (its exit included); cpu: the child's
user + sys time (RUSAGE_CHILDREN); printed: the `s wall from process start` that `build`
prints (exit excluded; "-" before that line existed). With --before, the two trees run in turn,
after then before, run by run, and after/before is the median of those pairs' wall ratios (the
machine's speed drifts less within a pair). Writes bench/results/<name>.md and .json.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (REPO, BenchFailure, abort, format_machine, machine,  # noqa: E402
                    markdown_table, say, write_results)

PRINTED = re.compile(r"\(([0-9.]+) s wall from process start")


def commands(build_root: Path) -> dict[str, list[str]]:
    """The measured commands by label, each an argv for this interpreter."""
    python = sys.executable
    return {
        "import tensorflow": [python, "-c", "import tensorflow"],
        "vhdlgen simulate --help": [python, "-m", "vhdlgen", "simulate", "--help"],
        "vhdlgen inspect": [python, "-m", "vhdlgen", "inspect"],
        "vhdlgen build": [python, "-m", "vhdlgen", "build", "--out",
                          str(build_root / "student_4bit")],
    }


def run_once(argv: list[str], tree: Path) -> dict:
    """One cold run: wall and CPU seconds, and the wall time the command printed (or None)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise BenchFailure(f"{' '.join(argv[1:])} exited {result.returncode}: "
                           f"{result.stderr[-2000:]}")
    printed = PRINTED.search(result.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "printed_s": float(printed.group(1)) if printed else None}


def summary(values: list[float | None]) -> dict | None:
    """median, min and max of the values (None when the command printed none)."""
    if any(value is None for value in values):
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def measure(argv: dict[str, list[str]], runs: int) -> dict[str, list[dict]]:
    """Per tree: `runs` cold runs of its argv, the trees in turn run by run, after a warm-up
    of each (page cache, a first build into the folder)."""
    for tree, command in argv.items():
        run_once(command, Path(tree))
    records: dict[str, list[dict]] = {tree: [] for tree in argv}
    for _ in range(runs):
        for tree, command in argv.items():
            records[tree].append(run_once(command, Path(tree)))
    return records


def check_tree(tree: Path) -> str:
    """The tree's vhdlgen is the one its commands import; its git commit (or 'unknown')."""
    found = subprocess.run([sys.executable, "-c", "import vhdlgen; print(vhdlgen.__file__)"],
                           cwd=tree, capture_output=True, text=True, check=True).stdout.strip()
    if not Path(found).resolve().is_relative_to(tree.resolve()):
        raise BenchFailure(f"python run in {tree} imports vhdlgen from {found}, not that tree")
    head = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True)
    return head.stdout.strip() or "unknown"


def cell(values: list[float | None]) -> str:
    stats = summary(values)
    if stats is None:
        return "-"
    return f"{stats['median']:.2f} ({stats['min']:.2f}-{stats['max']:.2f})"


def table(results: dict[str, dict[str, list[dict]]], labels: dict[str, str]) -> str:
    """One row per command and tree, with the after/before ratio when there are two trees."""
    rows = []
    for command, per_tree in results.items():
        trees = list(per_tree)
        for tree in trees:
            runs = per_tree[tree]
            ratio = "-"
            if len(trees) == 2 and tree == trees[0]:
                pairs = [a["wall_s"] / b["wall_s"] for a, b in zip(runs, per_tree[trees[1]])]
                ratio = f"{statistics.median(pairs):.2f}"
            rows.append([command, labels[tree], str(len(runs)),
                         *(cell([r[key] for r in runs]) for key in ("wall_s", "cpu_s",
                                                                     "printed_s")), ratio])
    return markdown_table(["command", "tree", "runs", "wall s, median (min-max)",
                           "cpu s, median (min-max)", "printed by build, s",
                           "wall after/before, median of pairs"], rows, "llrrrrr")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, default=None,
                        help="a second checkout, measured in turn with this one")
    parser.add_argument("--runs", type=int, default=5, help="counted runs per command (5)")
    parser.add_argument("--name", default="startup", help="results file stem (startup)")
    args = parser.parse_args()
    info = machine()
    trees = [REPO] + ([args.before.resolve()] if args.before else [])
    try:
        labels = {str(tree): f"{'after' if tree == REPO else 'before'} ({check_tree(tree)})"
                  for tree in trees}
        results = {}
        for label in commands(REPO):
            argv = {str(tree): commands(tree / "build" / "bench" / "startup")[label]
                    for tree in trees}
            say(f"{label}: 1 warm-up + {args.runs} runs of {', '.join(labels.values())}")
            results[label] = measure(argv, args.runs)
    except BenchFailure as failure:
        return abort(failure)
    markdown = "\n\n".join(["Start-up of the command line (bench/bench_startup.py).",
                            table(results, labels), format_machine(info)])
    write_results(args.name, markdown, {"trees": labels, "machine": info, "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
