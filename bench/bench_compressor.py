"""Adder tree vs 6:3-counter compressor tree of one constant-weighted sum, in yosys' carry flow.

    python bench/bench_compressor.py                                  # N = 6 12 24 48, W = 2 4
    python bench/bench_compressor.py --n 6 12 --w 4 --ghdl-vectors 0 --no-probe   # quicker

y = sum_i c_i * x_i: x_i unsigned W bits, c_i seeded random nonzero integers in -7..7 in canonical
signed digits (vhdlgen.fixed.csd_digits), so + and - terms +-(x_i << k). Two entities, each
between an input and an output register: `adder_tree`, the adder graph vhdlgen builds today
(vhdlgen.rtl.cmvm.optimise without sharing, written as `integer range` variables with `+`/`-`);
`compressor_tree`, a bit heap of the same sum (a negative term as its complement plus a
constant) reduced by Dadda-style layers of counters of up to six bits (6:3 ... 2:2, plain
xor/and/or logic, no `+`) to two rows, then one `+`. Generalized parallel counters: Parandeh-
Afshar, Brisk and Ienne, "Efficient synthesis of compressor trees on FPGAs" (ASP-DAC 2008);
Kumm and Zipf, "Efficient high speed compression trees on Xilinx FPGAs" (MBMV 2014); FloPoCo's
BitHeap. Bit-exactness: the same heap algorithm in numpy against the integer sum, and GHDL on
both entities (`--ghdl-vectors`). Then bench_unit.estimate_unit (ghdl --synth, the estimate's
yosys `carry` flow), vhdlgen.estimate.paths.logic_levels under the signoff delay model, and a
probe with `synth_xilinx -nowidelut`. A proxy for Vivado. Writes bench/results/compressor.md/.json.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from itertools import groupby
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_unit import estimate_unit  # noqa: E402
from common import (REPO, format_machine, machine, markdown_table, say,  # noqa: E402
                    write_results)
from vhdlgen.estimate.netlist import LUT, MUXF, count_resources  # noqa: E402
from vhdlgen.estimate.paths import bit_levels, logic_levels  # noqa: E402
from vhdlgen.estimate.tools import yosys, yosys_script  # noqa: E402
from vhdlgen.fixed import csd_digits, signed_width  # noqa: E402
from vhdlgen.rtl.cmvm import ADD, CONST, VIEW, Ref, optimise  # noqa: E402
from vhdlgen.timing.model import corner_model  # noqa: E402

Layer = list[tuple[str, list[str], int]]  # per counter: name, input bits (v(0) first), outputs
ZERO = "'0'"
PREFIX = {VIEW: "v", ADD: "a"}  # VHDL names of the adder plan's values
C63 = """  -- bit count of up to six bits in plain logic: two full adders, sums and carries merged
  function c63(v : std_logic_vector(5 downto 0)) return std_logic_vector is
    variable s1, k1, s2, k2, t : std_logic;
  begin
    s1 := v(0) xor v(1) xor v(2);  k1 := (v(0) and v(1)) or (v(0) and v(2)) or (v(1) and v(2));
    s2 := v(3) xor v(4) xor v(5);  k2 := (v(3) and v(4)) or (v(3) and v(5)) or (v(4) and v(5));
    t := s1 and s2;
    return ((k1 and k2) or (k1 and t) or (k2 and t)) & (k1 xor k2 xor t) & (s1 xor s2);
  end function;
"""


def c63(v: list[np.ndarray]) -> list[np.ndarray]:
    """The VHDL c63 on 0/1 arrays (fewer than six inputs are padded with zeros)."""
    v = v + [np.zeros_like(v[0])] * (6 - len(v))
    s1, s2 = v[0] ^ v[1] ^ v[2], v[3] ^ v[4] ^ v[5]
    k1, k2 = [(a & b) | (a & c) | (b & c) for a, b, c in (v[:3], v[3:])]
    t = s1 & s2
    return [s1 ^ s2, k1 ^ k2 ^ t, (k1 & k2) | (k1 & t) | (k2 & t)]


def heap_of(weights: list[int], w: int, width: int) -> list[list[str]]:
    """The bit heap (bits per column, VHDL expressions) of sum(c_i * x_i) modulo 2**width."""
    cols: list[list[str]] = [[] for _ in range(width)]
    const = 0
    for i, c in enumerate(weights):
        for k, sign in csd_digits(c):
            for j in range(min(w, width - k)):
                cols[j + k].append(f"x_r({i * w + j})" if sign > 0 else f"(not x_r({i * w + j}))")
            if sign < 0:  # -(x << k) = (~x << k) - ((2**w - 1) << k)
                const -= ((1 << w) - 1) << k
    for c in range(width):
        if (const % (1 << width)) >> c & 1:
            cols[c].append("'1'")
    return cols


def compress(cols: list[list[str]]) -> tuple[list[Layer], list[list[str]], dict[str, int]]:
    """Dadda-style layers of counters until every column holds at most two bits: (layers, final
    columns, counter layer driving each bit, 0 for input bits). A layer aims at the next lower
    height of 2, 3, 6, 12, 24, ... (a column of at most 6k bits, k counters, gets at most 3k);
    columns are compressed LSB first only as far as needed; the last layer (target 2) uses 3:2
    and 2:2 counters only, so no column gets more than one carry."""
    width, layers = len(cols), []
    depth = {b: 0 for col in cols for b in col}
    while (height := max(map(len, cols))) > 2:
        target = 2 if height <= 3 else max(3 << i for i in range(12) if 3 << i < height)
        layer: Layer = []
        new: list[list[str]] = [[] for _ in range(width)]
        for c, bits in enumerate(cols):
            while len(bits) >= 2 and len(bits) + len(new[c]) > target:
                size = min(3 if target == 2 else 6, len(bits) + len(new[c]) - target + 1)
                take, bits = bits[:size], bits[size:]
                name, outs = f"c{len(layers) + 1}_{len(layer)}", len(take).bit_length()
                layer.append((name, take, outs))
                for b in range(min(outs, width - c)):
                    new[c + b].append(f"{name}({b})")
                    depth[f"{name}({b})"] = len(layers) + 1
            new[c].extend(bits)
        layers.append(layer)
        cols = new
    return layers, cols, depth


def simulate(layers: list[Layer], cols: list[list[str]], x: np.ndarray, w: int) -> np.ndarray:
    """The compressor tree on inputs x (vectors, N): the heap in numpy, then the final add."""
    env = {"'1'": np.ones(len(x), np.int64)}
    for i in range(x.shape[1]):
        for j in range(w):
            env[f"x_r({i * w + j})"] = (x[:, i] >> j) & 1
            env[f"(not x_r({i * w + j}))"] = 1 - env[f"x_r({i * w + j})"]
    for name, ins, outs in (counter for layer in layers for counter in layer):
        for b, bit in enumerate(c63([env[i] for i in ins])[:outs]):
            env[f"{name}({b})"] = bit
    width = len(cols)
    total = sum((env[bit] << c) for c, col in enumerate(cols) for bit in col) % (1 << width)
    return np.where(total >= 1 << (width - 1), total - (1 << width), total)


def entity_text(entity: str, inputs: int, width: int, signals: str = "", variables: str = "",
                clocked: str = "      y <= y_c;\n", concurrent: str = "") -> str:
    """An entity: input register x_r <= x, then `clocked` in the same process (its variables:
    `variables`), `concurrent` statements outside it; the output y is registered."""
    return ("library ieee;\nuse ieee.std_logic_1164.all;\nuse ieee.numeric_std.all;\n\n"
            f"entity {entity} is\n  port (clk : in std_logic; x : in std_logic_vector("
            f"{inputs - 1} downto 0);\n        y : out std_logic_vector({width - 1} downto 0));\n"
            f"end entity;\n\narchitecture rtl of {entity} is\n  signal x_r : std_logic_vector("
            f"{inputs - 1} downto 0);\n{signals}begin\n  process (clk)\n{variables}  begin\n"
            f"    if rising_edge(clk) then\n      x_r <= x;\n{clocked}    end if;\n"
            f"  end process;\n{concurrent}end architecture;\n")


def compressor_vhdl(entity: str, n: int, w: int, layers: list[Layer], cols: list[list[str]]
                    ) -> tuple[str, int]:
    """The compressor tree entity, and the column where its final adder starts."""
    width = len(cols)
    c0 = next((c for c, col in enumerate(cols) if len(col) == 2), width)
    rows = [[col[r] if len(col) > r else "'0'" for col in cols] for r in (0, 1)]
    decls = C63 + "".join(f"  signal {name} : std_logic_vector(2 downto 0);\n"
                          for layer in layers for name, _, _ in layer)
    decls += f"  signal row_a, row_b, y_c : std_logic_vector({width - 1} downto 0);\n"
    body = "".join(f"  {name} <= c63({' & '.join(reversed(ins + [ZERO] * (6 - len(ins))))});\n"
                   for layer in layers for name, ins, _ in layer)
    body += "".join(f"  row_{r} <= {' & '.join(reversed(rows[i]))};\n" for i, r in enumerate("ab"))
    if c0 > 0:
        body += f"  y_c({c0 - 1} downto 0) <= row_a({c0 - 1} downto 0);\n"
    if c0 < width:
        top = f"{width - 1} downto {c0}"
        body += (f"  y_c({top}) <= std_logic_vector(unsigned(row_a({top})) + "
                 f"unsigned(row_b({top})));\n")
    return entity_text(entity, n * w, width, signals=decls, concurrent=body), c0


def adder_vhdl(entity: str, n: int, w: int, weights: list[int], width: int) -> tuple[str, int]:
    """vhdlgen's adder tree of the sum (integer ranges, `+`/`-`), and its adder depth."""
    plan = optimise([dict(enumerate(weights))], [0], [(0, (1 << w) - 1)] * n, max_depth=0)

    def ref(r: Ref) -> str:
        return f"({r.index})" if r.kind == CONST else f"{PREFIX[r.kind]}{r.index}"

    decls, body = "", ""
    for v, (e, k) in enumerate(plan.views):
        decls += f"    variable v{v} : integer range 0 to {((1 << w) - 1) << k};\n"
        zeros = f' & "{"0" * k}"' if k else ""
        body += f"      v{v} := to_integer(unsigned(x_r({e * w + w - 1} downto {e * w}){zeros}));\n"
    for a, add in enumerate(plan.adders):
        lo, hi = plan.intervals[a]
        decls += f"    variable a{a} : integer range {lo} to {hi};\n"
        rhs = (f"-{ref(add.a)}" if add.b is None else
               f"{ref(add.a)} {'+' if add.sign > 0 else '-'} {ref(add.b)}")
        body += f"      a{a} := {rhs};\n"
    body += f"      y <= std_logic_vector(to_signed({ref(plan.roots[0])}, {width}));\n"
    return (entity_text(entity, n * w, width, variables=decls, clocked=body),
            max(a.depth for a in plan.adders))


def ghdl_check(work: Path, files: list[Path], x: np.ndarray, expect: np.ndarray, w: int,
               width: int) -> None:
    """Simulate both entities on the vectors with GHDL; raise (CalledProcessError) on a mismatch."""
    packed = [sum(int(v) << (i * w) for i, v in enumerate(row)) for row in x]
    duts = "".join(f"  d{j} : entity work.{f.stem} port map (clk => clk, x => x, y => y{j});\n"
                   for j, f in enumerate(files))
    checks = "".join(f"      assert to_integer(signed(y{j})) = ys(v) report \"{f.stem} wrong at \" "
                     f"& integer'image(v) severity failure;\n" for j, f in enumerate(files))
    bits = x.shape[1] * w
    (work / "tb.vhd").write_text(
        "library ieee;\nuse ieee.std_logic_1164.all;\nuse ieee.numeric_std.all;\n\n"
        "entity tb is end entity;\narchitecture sim of tb is\n  type vecs_t is array (natural "
        f"range <>) of std_logic_vector({bits - 1} downto 0);\n  type ints_t is array (natural "
        f"range <>) of integer;\n  constant xs : vecs_t := ("
        + ", ".join(f'"{p:0{bits}b}"' for p in packed) + ");\n  constant ys : ints_t := ("
        + ", ".join(map(str, expect)) + f");\n  signal clk : std_logic := '0';\n  signal x : "
        f"std_logic_vector({bits - 1} downto 0);\n  signal y0, y1 : std_logic_vector({width - 1} "
        f"downto 0);\nbegin\n{duts}  process begin\n    for v in xs'range loop\n      x <= xs(v);\n"
        "      for t in 1 to 2 loop\n"
        "        clk <= '0'; wait for 1 ns; clk <= '1'; wait for 1 ns;\n"
        "      end loop;\n"
        f"{checks}    end loop;\n    wait;\n  end process;\nend architecture;\n")
    for cmd in (["-a", *map(str, files), "tb.vhd"], ["-e", "tb"], ["-r", "tb"]):
        subprocess.run(["ghdl", cmd[0], "--std=08", *cmd[1:]], cwd=work, check=True,
                       capture_output=True)


def figures(build: Path, entity: str) -> dict:
    """From the stat.json and netlist.json yosys left in `build`: resources, levels, deepest
    path, signoff ns, LUT/MUXF cells and the netlist levels of the counter nets that survive."""
    stat = json.loads((build / "stat.json").read_text())["modules"]
    res = count_resources(next(iter(stat.values()))["num_cells_by_type"])
    module = json.loads((build / "netlist.json").read_text())["modules"][entity]
    lv = logic_levels(module, model=corner_model("signoff"))
    depth = bit_levels(module, corner_model("signoff"))
    kept: dict[int, set[int]] = {}  # counter layer -> netlist levels of its surviving nets
    for net, info in module["netnames"].items():
        if m := re.fullmatch(r"c(\d+)_\d+", net):
            kept.setdefault(int(m[1]), set()).update(
                int(depth[b]) for b in info["bits"] if isinstance(b, int) and b in depth)
    cells = Counter(c["type"] for c in module["cells"].values()
                    if LUT.match(c["type"]) or MUXF.match(c["type"]))
    return {"lut": res["lut"], "carry4": res["carry"], "ff": res["ff"], "levels": lv["levels"],
            "levels_carry8": lv["levels_carry8"], "path_carry8": lv["path_carry8"]["cells"],
            "signoff_ns": lv["timing"]["ns"], "cells": dict(sorted(cells.items())),
            "counter_net_levels": {k: sorted(v) for k, v in sorted(kept.items())}}


def measure(vhdl: str, entity: str, work: Path, probe: bool) -> dict:
    """bench_unit.estimate_unit (carry flow) and `figures`; `probe`: the same flow again with
    synth_xilinx -nowidelut (LUT6 only, no LUT7-9 from MUXF7/8/9) as "nowidelut"."""
    build = work / entity
    (build / "rtl").mkdir(parents=True)
    (build / "rtl" / f"{entity}.vhd").write_text(vhdl)
    (build / "rtl" / "sources.f").write_text(f"{entity}.vhd\n")
    got = estimate_unit(build, entity, build)
    result = figures(build, entity)
    assert (got["lut"], got["levels"]) == (result["lut"], result["levels_carry8"])
    if probe:
        script = yosys_script(build / f"{entity}.v", entity, "carry")
        assert script.count(" -noclkbuf") == 2
        (build / "synth.ys").write_text(script.replace(" -noclkbuf", " -noclkbuf -nowidelut"))
        subprocess.run([yosys(), "-q", "-s", "synth.ys"], cwd=build, check=True,
                       capture_output=True)
        result["nowidelut"] = figures(build, entity)
    return result


def run_point(n: int, w: int, seed: int, vectors: int, ghdl_vectors: int, work: Path,
              probe: bool) -> list[dict]:
    """One (N, W): weights, both forms, their bit-exactness checks and measurements."""
    rng = np.random.default_rng(seed + 1000 * n + w)
    weights = [int(c) for c in rng.choice([c for c in range(-7, 8) if c], n)]
    top = (1 << w) - 1
    width = signed_width(sum(min(c, 0) for c in weights) * top,
                         sum(max(c, 0) for c in weights) * top)
    layers, cols, depth = compress(heap_of(weights, w, width))
    x = rng.integers(0, 1 << w, (vectors, n))
    x[0], x[1] = 0, top
    expect = x @ np.array(weights)
    if not np.array_equal(simulate(layers, cols, x, w), expect):
        raise SystemExit(f"N={n} W={w}: the bit heap in Python is not bit-exact")
    tag = f"n{n}_w{w}"
    comp, c0 = compressor_vhdl(f"compressor_tree_{tag}", n, w, layers, cols)
    adder, adder_depth = adder_vhdl(f"adder_tree_{tag}", n, w, weights, width)
    if ghdl_vectors:
        files = [work / f"{form}_{tag}.vhd" for form in ("adder_tree", "compressor_tree")]
        for f, text in zip(files, (adder, comp)):
            f.write_text(text)
        ghdl_check(work, files, x[:ghdl_vectors], expect[:ghdl_vectors], w, width)
    blocks = -(-(width - c0) // 8)  # CARRY8 of the final adder; a bit enters it at its column
    expected = max(depth[b] + ((1 + blocks - (c - c0) // 8) if c >= c0 else 0)
                   for c, col in enumerate(cols) for b in col if b != "'1'")
    base = {"n": n, "w": w, "terms": sum(len(csd_digits(c)) for c in weights), "out_bits": width,
            "weights": weights, "python_vectors": vectors, "ghdl_vectors": ghdl_vectors}
    rows = []
    for form, vhdl, extra in (
            ("adder_tree", adder, {"adder_depth": adder_depth}),
            ("compressor_tree", comp, {"counter_layers": len(layers),
                                       "counters": list(map(len, layers)),
                                       "final_adder_bits": width - c0,
                                       "expected_levels_carry8": expected})):
        say(f"N={n} W={w} {form}: ghdl --synth + yosys carry flow{' + -nowidelut' * probe}")
        rows.append({**base, "form": form, **extra, **measure(vhdl, f"{form}_{tag}", work, probe)})
    return rows


def compact(cells: list[str]) -> str:
    """LUT6 LUT6 CARRY8 -> LUT6x2 CARRY8."""
    return " ".join(c + (f"x{n}" if (n := len(list(g))) > 1 else "") for c, g in groupby(cells))


def verdict(got: int, expected: int) -> str:
    return ("one LUT level per layer" if got == expected else
            f"{'fewer' if got < expected else 'MORE'} than one LUT level per layer")


def render(rows: list[dict], info: dict, command: str) -> str:
    """The markdown: table, legend, one note per (N, W), what ABC did."""
    probe = "nowidelut" in rows[0]
    header = ["N", "W", "terms", "form", "LUT", "CARRY4", "FF", "levels", "CARRY8 levels",
              "layers / adder depth", "expected", "signoff ns", "deepest path (CARRY8-packed)"]
    header += ["nowidelut: LUT", "CARRY8 levels", "signoff ns", "deepest path"] * probe
    table = []
    for r in rows:
        table.append([str(r[k]) for k in ("n", "w", "terms")] + [r["form"], f"{r['lut']:,}"]
                     + [str(r[k]) for k in ("carry4", "ff", "levels", "levels_carry8")]
                     + [str(r.get("counter_layers", r.get("adder_depth"))),
                        str(r.get("expected_levels_carry8", "-")), f"{r['signoff_ns']:.3f}",
                        compact(r["path_carry8"])])
        if probe:
            p = r["nowidelut"]
            table[-1] += [f"{p['lut']:,}", str(p["levels_carry8"]), f"{p['signoff_ns']:.3f}",
                          compact(p["path_carry8"])]
    notes = []
    for a, c in zip(rows[::2], rows[1::2]):
        e, pa, pc = c["expected_levels_carry8"], a.get("nowidelut"), c.get("nowidelut")
        notes.append(
            f"- N={a['n']} W={a['w']}: compressor / adder tree LUT {c['lut'] / a['lut']:.2f}, "
            f"CARRY8 levels {c['levels_carry8'] / a['levels_carry8']:.2f}, signoff ns "
            f"{c['signoff_ns'] / a['signoff_ns']:.2f}. {c['counter_layers']} counter layers "
            f"({'/'.join(map(str, c['counters']))} counters), final adder "
            f"{c['final_adder_bits']} bits; {c['levels_carry8']} levels vs {e} structural: "
            f"{verdict(c['levels_carry8'], e)}; surviving counter nets (layer: levels) "
            f"{c['counter_net_levels']}; LUT/MUXF cells {c['cells']}."
            + (f" -nowidelut: {verdict(pc['levels_carry8'], e)}, surviving counter nets "
               f"{pc['counter_net_levels']}; compressor / adder tree LUT "
               f"{pc['lut'] / pa['lut']:.2f}, CARRY8 levels "
               f"{pc['levels_carry8'] / pa['levels_carry8']:.2f}, signoff ns "
               f"{pc['signoff_ns'] / pa['signoff_ns']:.2f}." if probe else ""))
    return "\n".join([
        "# Adder tree vs 6:3-counter compressor tree (yosys carry flow)", "",
        f"Command: `{command}`", "", format_machine(info), f"Delay model: {info['delay_model']}.",
        "", markdown_table(header, table, "rrrl" + "r" * 8 + "l" + "rrrl" * probe), "",
        "`levels`: LUT/MUXF/CARRY4 cells on the deepest register-to-register path; `CARRY8 "
        "levels`: the same with CARRY4 pairs packed (vhdlgen.estimate.paths). `layers / adder "
        "depth`: counter layers of the compressor, adder depth of vhdlgen's tree. `expected`: the "
        "compressor's CARRY8 levels if every counter layer is one LUT level and the final adder "
        "one LUT plus its CARRY8s from the column where each bit enters it. `signoff ns`: the "
        "critical path, FF to FF, under the signoff corner. `nowidelut`: the same carry flow with "
        "`synth_xilinx -nowidelut`, a probe of ABC's mapping (not the project's flow). One "
        "combinational stage: vhdlgen would pipeline both at its level cap. Bit-exact: the "
        f"Python heap on {rows[0]['python_vectors']:,} random vectors per point, GHDL on "
        f"{rows[0]['ghdl_vectors']} (0: not run) for both entities.", "",
        *notes, "", *findings(rows), ""])


def findings(rows: list[dict]) -> list[str]:
    """What ABC did, when a carry-flow compressor is deeper than its structure through MUXFs."""
    deeper = [r for r in rows if r["form"] == "compressor_tree"
              and r["levels_carry8"] > r["expected_levels_carry8"]]
    if not any("MUXF" in " ".join(r["path_carry8"]) for r in deeper):
        return []
    muxf = {id(r): sum(c.startswith("MUXF") for c in r["path_carry8"]) for r in deeper}
    wide = "; ".join(f"N={r['n']} W={r['w']} {r['levels_carry8']} levels, {muxf[id(r)]} of them "
                     f"MUXF (structure {r['expected_levels_carry8']})" for r in deeper)
    shallow = all(r["levels_carry8"] - muxf[id(r)] <= r["expected_levels_carry8"] for r in deeper)
    return [
        "What ABC did instead: it merges counter layers into wide LUTs. yosys' `abc -luts` in "
        "this flow may map LUTs of seven to nine inputs (built by `xilinx/lut_map.v` from LUT6 + "
        "MUXF7/MUXF8/MUXF9), and yosys writes every LUT size into ABC's `lutdefs.txt` with the "
        "same delay 1.00 (passes/techmap/abc.cc), so to ABC a LUT9 is as fast as a LUT6; counted "
        "as cells (vhdlgen.estimate.paths, and Vivado's logic levels) each MUXF is one more "
        f"level. Compressors deeper than their structure: {wide}; without their MUXF cells "
        f"{'none' if shallow else 'some'} of these paths {'is' if shallow else 'are still'} "
        "deeper than the structure. Mostly only last-layer counter nets survive by name, at "
        "scattered levels: the earlier layers are dissolved into the wide LUTs (a LUT9 costs "
        "eight LUT6, hence the LUT count)."]


def run_grid(args: argparse.Namespace, run: Callable[[int, int, Path, list], list[dict]]
             ) -> list[dict]:
    """`run(n, w, folder, rows so far)` for every (N, W) of `args.n` x `args.w`, each in its own
    folder under `args.work` (default: a temporary one); the rows of all points."""
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as scratch:
        for w in args.w:
            for n in args.n:
                point = (args.work or Path(scratch)) / f"n{n}_w{w}"
                point.mkdir(parents=True)
                rows += run(n, w, point, rows)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[6, 12, 24, 48], help="inputs")
    parser.add_argument("--w", type=int, nargs="+", default=[2, 4], help="input bits")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--vectors", type=int, default=20000, help="Python bit-exactness vectors")
    parser.add_argument("--ghdl-vectors", type=int, default=300, help="0: no GHDL simulation")
    parser.add_argument("--no-probe", action="store_true", help="skip the -nowidelut runs")
    parser.add_argument("--work", type=Path, help="keep the VHDL and netlists here (default: temp)")
    parser.add_argument("--name", default="compressor", help="results file stem")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results")
    args = parser.parse_args(argv)
    command = " ".join(["python bench/bench_compressor.py",
                        *(argv if argv is not None else sys.argv[1:])])
    info = {**machine(), "delay_model": corner_model("signoff").describe()}
    rows = run_grid(args, lambda n, w, point, rows: run_point(
        n, w, args.seed, args.vectors, args.ghdl_vectors, point, not args.no_probe))
    write_results(args.name, render(rows, info, command),
                  {"command": command, "machine": info, "rows": rows}, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
