"""The sweep's results: one row per point in DIR/results.sqlite (standard-library sqlite3),
and its views DIR/results.csv and DIR/table.md.

The requirements of the trigger study (docs/sweep.md): fake rate < 2 per mille
(`vhdlgen.train.metrics.FAKE_RATE_LIMIT`), plateau efficiency >= 0.90
(`vhdlgen.train.evaluate.PLATEAU_TARGET`), latency < 400 ns, and a fit in the xcvu13p
(1,728,000 LUTs and 3,456,000 flip-flops: AMD DS890, UltraScale Architecture and Product Data
Sheet: Overview, table "Virtex UltraScale+ FPGA Feature Summary").
"""
from __future__ import annotations

import csv
import json
import math
import sqlite3
import time
from pathlib import Path

from vhdlgen.train.evaluate import PLATEAU_TARGET
from vhdlgen.train.metrics import FAKE_RATE_LIMIT

LATENCY_LIMIT_NS: float = 400.0
XCVU13P_LUT: int = 1_728_000
XCVU13P_FF: int = 3_456_000

#: Columns of the store, in order (name, SQLite type).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("point", "TEXT PRIMARY KEY"), ("bits", "INTEGER"), ("sparsity", "REAL"),
    ("distill", "INTEGER"), ("width", "REAL"), ("seed", "INTEGER"), ("events", "INTEGER"),
    ("epochs", "INTEGER"), ("status", "TEXT"), ("error", "TEXT"),
    ("plateau_eff", "REAL"), ("plateau_eff_err", "REAL"), ("fake_rate", "REAL"),
    ("fake_rate_err", "REAL"), ("turn_on_50", "REAL"), ("resolution", "REAL"), ("bias", "REAL"),
    ("latency_cycles", "INTEGER"), ("latency_ns", "REAL"), ("clock_ns", "REAL"),
    ("lut_report", "INTEGER"), ("adders", "INTEGER"), ("lut", "INTEGER"), ("ff", "INTEGER"),
    ("carry", "INTEGER"), ("dsp", "INTEGER"), ("sim_events", "INTEGER"),
    ("sim_bit_exact", "INTEGER"), ("model", "TEXT"), ("build_dir", "TEXT"),
    ("computed", "TEXT"), ("seconds", "REAL"), ("updated", "REAL"),
)
NAMES = tuple(name for name, _ in COLUMNS)
DB = "results.sqlite"


def connect(folder: Path) -> sqlite3.Connection:
    """The store of a sweep folder (created if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(folder / DB)
    db.row_factory = sqlite3.Row
    db.execute(f"CREATE TABLE IF NOT EXISTS points ({', '.join(f'{n} {t}' for n, t in COLUMNS)})")
    db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
    return db


def record(db: sqlite3.Connection, row: dict) -> None:
    """Insert or replace the point's row (one row per point, whatever the number of runs)."""
    values = {name: row.get(name) for name in NAMES}
    values["updated"] = time.time()
    db.execute(f"INSERT OR REPLACE INTO points ({', '.join(NAMES)}) VALUES "
               f"({', '.join('?' for _ in NAMES)})", [values[n] for n in NAMES])
    db.commit()


def set_meta(db: sqlite3.Connection, key: str, value: object) -> None:
    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))
    db.commit()


def rows(folder: Path) -> list[dict]:
    """Every row of the store, ordered by bits, sparsity, distillation, width, seed."""
    if not (folder / DB).is_file():
        from vhdlgen.errors import UserError

        raise UserError(f"{folder} has no {DB}; give the --out folder of a sweep")
    db = connect(folder)
    try:
        return [dict(r) for r in db.execute(
            "SELECT * FROM points ORDER BY bits, sparsity, distill, width, seed")]
    finally:
        db.close()


def _ok(value: object, test) -> bool | None:  # noqa: ANN001
    return None if value is None or (isinstance(value, float) and math.isnan(value)) \
        else bool(test(value))


def requirements(row: dict) -> dict[str, bool | None]:
    """Each requirement: True met, False missed, None not measured (e.g. --no-estimate)."""
    return {"fake rate": _ok(row.get("fake_rate"), lambda v: v < FAKE_RATE_LIMIT),
            "plateau": _ok(row.get("plateau_eff"), lambda v: v >= PLATEAU_TARGET),
            "latency": _ok(row.get("latency_ns"), lambda v: v < LATENCY_LIMIT_NS),
            "fit": _ok(row.get("lut"), lambda v: v <= XCVU13P_LUT and
                       (row.get("ff") or 0) <= XCVU13P_FF)}


def meets_all(row: dict) -> bool:
    """True when every requirement is measured and met."""
    return row.get("status") == "done" and all(requirements(row).values())


def cheapest(table: list[dict]) -> dict | None:
    """The point meeting every requirement with the fewest yosys LUTs (then FFs)."""
    good = [r for r in table if meets_all(r)]
    return min(good, key=lambda r: (r["lut"], r["ff"] or 0)) if good else None


def write_csv(folder: Path, table: list[dict]) -> Path:
    path = folder / "results.csv"
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[*NAMES, "meets_all"])
        writer.writeheader()
        for row in table:
            writer.writerow({**row, "meets_all": int(meets_all(row))})
    return path


def _fmt(value: object, spec: str, scale: float = 1.0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec) if spec == "d" else format(value * scale, spec)


def markdown(table: list[dict]) -> str:
    """The co-design table: one line per point, and the cheapest point meeting everything.
    The pT resolution is the robust spread around the median (the bias) near threshold: a
    network that outputs a constant has a small one and a large bias, hence both columns."""
    head = ("| bits | sparsity | KD | width | seed | plateau eff. | fake rate (per mille) | "
            "50 % point (GeV) | pT resolution | pT bias | latency (cycles / ns) | LUT (yosys) | "
            "FF | LUT (generator) | sim | meets all | status |\n" + "|---" * 17 + "|\n")
    lines = []
    for r in table:
        sim = "-" if not r.get("sim_events") else f"{r['sim_events']} exact"
        lines.append(
            f"| {r['bits']} | {r['sparsity']:g} | {'on' if r['distill'] else 'off'} | "
            f"{r['width']:g} | {r['seed']} | {_fmt(r['plateau_eff'], '.4f')} | "
            f"{_fmt(r['fake_rate'], '.2f', 1e3)} | {_fmt(r['turn_on_50'], '.2f')} | "
            f"{_fmt(r['resolution'], '.1%')} | {_fmt(r['bias'], '+.1%')} | "
            f"{_fmt(r['latency_cycles'], 'd')} / "
            f"{_fmt(r['latency_ns'], '.1f')} | {_fmt(r['lut'], 'd')} | {_fmt(r['ff'], 'd')} | "
            f"{_fmt(r['lut_report'], 'd')} | {sim} | {'yes' if meets_all(r) else 'no'} | "
            f"{r['status']}{': ' + r['error'] if r.get('error') else ''} |")
    best = cheapest(table)
    tail = ("\nCheapest point meeting every requirement: " +
            (f"{best['bits']} bits, sparsity {best['sparsity']:g}, distillation "
             f"{'on' if best['distill'] else 'off'}, width {best['width']:g}, seed {best['seed']}"
             f" ({best['lut']} LUT, {best['ff']} FF)." if best else
             "none (or not measured: points without a yosys estimate cannot meet the fit "
             "requirement).") +
            f"\nRequirements: fake rate < {FAKE_RATE_LIMIT * 1e3:g} per mille, plateau "
            f"efficiency >= {PLATEAU_TARGET:g}, latency < {LATENCY_LIMIT_NS:g} ns, yosys LUT <= "
            f"{XCVU13P_LUT:,} and FF <= {XCVU13P_FF:,} (xcvu13p).\n")
    return head + "\n".join(lines) + "\n" + tail


def write_views(folder: Path) -> list[Path]:
    """results.csv and table.md from the store."""
    table = rows(folder)
    md = folder / "table.md"
    md.write_text(markdown(table))
    return [write_csv(folder, table), md]
