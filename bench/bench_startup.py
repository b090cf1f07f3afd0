"""Start-up: how long the command line takes as a user sees it, from the shell starting the
process to the prompt coming back, as the median of cold runs (a fresh process each run, after
one warm-up run that is not counted).

    python bench/bench_startup.py                   # this checkout, 5 runs of each command
    python bench/bench_startup.py --runs 9
    git worktree add --detach /tmp/before <commit>  # then, for a before/after:
    python bench/bench_startup.py --tree /tmp/before --name startup_before

Each command runs with this interpreter from the root of the measured tree (whose `vhdlgen` it
then imports; checked first):
- `python -c "import tensorflow"`: TensorFlow's own import and exit, the part of every command
  that reads a Keras model that no change in vhdlgen removes;
- `python -m vhdlgen simulate --help`: the start-up of a command that reads no model;
- `python -m vhdlgen inspect`: start-up, TensorFlow, reading the default student;
- `python -m vhdlgen build --out <build root>/student_4bit`: the default build (issue #19's
  17 s); a rebuild into the same folder from the second run on.
wall: time.perf_counter around the child, start to reaped (its exit included); cpu: the child's
user + sys time (RUSAGE_CHILDREN); printed: the `s wall from process start` that `build`
prints (exit excluded; absent before that line existed). Writes bench/results/<name>.md, .json.
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


def measure(argv: list[str], tree: Path, runs: int) -> dict:
    run_once(argv, tree)  # warm-up: page cache, a first build into the folder
    records = [run_once(argv, tree) for _ in range(runs)]
    return {key: summary([record[key] for record in records])
            for key in ("wall_s", "cpu_s", "printed_s")} | {"runs": records}


def check_tree(tree: Path) -> str:
    """The tree's vhdlgen is the one its commands import; its git commit (or 'unknown')."""
    found = subprocess.run([sys.executable, "-c", "import vhdlgen; print(vhdlgen.__file__)"],
                           cwd=tree, capture_output=True, text=True, check=True).stdout.strip()
    if not Path(found).resolve().is_relative_to(tree.resolve()):
        raise BenchFailure(f"python run in {tree} imports vhdlgen from {found}, not that tree")
    head = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True)
    return head.stdout.strip() or "unknown"


def cell(stats: dict | None) -> str:
    if stats is None:
        return "-"
    return f"{stats['median']:.2f} ({stats['min']:.2f}-{stats['max']:.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, default=REPO, help="checkout to measure (default: "
                        "this one)")
    parser.add_argument("--runs", type=int, default=5, help="counted runs per command (5)")
    parser.add_argument("--name", default="startup", help="results file stem (startup)")
    args = parser.parse_args()
    info = machine()
    try:
        commit = check_tree(args.tree)
        build_root = args.tree / "build" / "bench" / "startup"
        results = {}
        for label, argv in commands(build_root).items():
            say(f"{label}: 1 warm-up + {args.runs} runs in {args.tree} ({commit})")
            results[label] = measure(argv, args.tree, args.runs)
    except BenchFailure as failure:
        return abort(failure)
    rows = [[label, str(args.runs), cell(r["wall_s"]), cell(r["cpu_s"]), cell(r["printed_s"])]
            for label, r in results.items()]
    table = markdown_table(["command", "runs", "wall s, median (min-max)", "cpu s, median "
                            "(min-max)", "printed by build, s"], rows, "lrrrr")
    markdown = "\n\n".join([f"Start-up of the command line, tree {args.tree} (git {commit}).",
                            table, format_machine(info)])
    write_results(args.name, markdown, {"tree": str(args.tree), "commit": commit,
                                        "machine": info, "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
