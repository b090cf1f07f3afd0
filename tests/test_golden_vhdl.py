"""Generated VHDL: golden snapshot, determinism, no multiplier, legal identifiers, installed
package finds its templates. No simulator (the builds run `ghdl --synth`, so GHDL is required).

- Golden: a tiny conv + dense model's rtl/*.vhd and sources.f equal tests/golden/tiny_conv/ byte
  for byte. After an INTENDED change of the generated text, refresh the snapshot with
      VHDLGEN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden_vhdl.py
  (the test then rewrites the folder and fails once, saying so) and review `git diff tests/golden`.
- Determinism: the 2-bit student built here and in a fresh Python process with another hash seed
  gives byte-identical trees (every file; report.json without build_seconds).
- No `*` in any generated .vhd (comments stripped): constant weights are shift-and-add.
- Every identifier is a legal VHDL basic identifier; no declared name is a reserved word or
  declared twice, even for a model whose layer names are hostile (reserved words, spaces,
  double underscores, leading digits, dots, names that collide after cleaning).
- A non-editable install (a wheel, unzipped) finds its templates and static primitives and
  renders exactly what the editable install renders.
"""
from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

import qmodels
from tools import require_tool

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("VHDLGEN_UPDATE_GOLDEN") == "1"
HASH = "0" * 64

# VHDL-2008 reserved words (IEEE 1076-2008, 15.10), written out independently of vhdlgen.
RESERVED = set("""
abs access after alias all and architecture array assert assume assume_guarantee attribute
begin block body buffer bus case component configuration constant context cover default
disconnect downto else elsif end entity exit fairness file for force function generate generic
group guarded if impure in inertial inout is label library linkage literal loop map mod nand new
next nor not null of on open or others out package parameter port postponed procedure process
property protected pure range record register reject release rem report restrict
restrict_guarantee return rol ror select sequence severity shared signal sla sll sra srl strong
subtype then to transport type unaffected units until use variable vmode vprop vunit wait when
while with xnor xor
""".split())
LEGAL = re.compile(r"[A-Za-z](?:_?[A-Za-z0-9])*\Z")
DECLARED = [
    re.compile(r"\b(?:entity|package(?:\s+body)?|architecture|function|procedure)\s+(\w+)", re.I),
    re.compile(r"\b(?:signal|variable|constant)\s+(\w+)", re.I),
    re.compile(r"^\s*(\w+)\s*:\s*(?:entity|process|if|for|block)\b", re.I | re.M),
    re.compile(r"^\s*(\w+)\s*:\s*(?:in|out|inout|natural|positive|integer)\b", re.I | re.M),
]


# ------------------------------------------------------------------------------------ models
def tiny_conv(seed: int = 5, names: dict[str, str] | None = None):
    """(4,5,1) input ufixed<2,1> -> QConv2D 2 filters 2x2 + quantized_relu(3) -> Flatten ->
    QDense(3) + quantized_relu(3) -> QDense(2) quantized output. `names` renames layers."""
    from qkeras import QActivation, QConv2D, QDense, quantized_bits, quantized_relu
    from tensorflow import keras

    n = {k: k for k in ("inp", "in_q", "conv", "conv_q", "flat", "fc", "fc_q", "out")}
    n.update(names or {})
    inp = keras.layers.Input((4, 5, 1), name=n["inp"])
    x = QActivation(quantized_bits(2, 1, keep_negative=False), name=n["in_q"])(inp)
    x = QConv2D(2, (2, 2), kernel_quantizer=quantized_bits(3, 0, symmetric=1, alpha="auto_po2"),
                bias_quantizer=quantized_bits(3, 0, symmetric=1), name=n["conv"])(x)
    x = QActivation(quantized_relu(3), name=n["conv_q"])(x)
    x = keras.layers.Flatten(name=n["flat"])(x)
    x = QDense(3, kernel_quantizer=quantized_bits(3, 0, symmetric=1, alpha="auto_po2"),
               bias_quantizer=quantized_bits(3, 0, symmetric=1), name=n["fc"])(x)
    x = QActivation(quantized_relu(3), name=n["fc_q"])(x)
    x = QDense(2, kernel_quantizer=quantized_bits(4, 0, symmetric=1),
               bias_quantizer=quantized_bits(4, 0, symmetric=1), name=n["out"])(x)
    model = keras.Model(inp, x, name="tiny_conv")
    qmodels.randomize(model, seed)
    return model


# Keras accepts names matching ^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$
# "Fc.1" and "fc-1" (the two hidden units) become the same identifier after cleaning.
HOSTILE = {"inp": "In.Put", "in_q": "signal", "conv": "Fc.1", "conv_q": "1st-relu",
           "flat": "flat.", "fc": "fc-1", "fc_q": "Conv2D__x", "out": "OUT__>"}


def graph_of(model, name: str):
    from vhdlgen.frontend import graph_from_keras

    return graph_from_keras(model, source=f"{name}.h5", source_hash=HASH)


def build_to(graph, out: Path, top: str | None = None) -> dict:
    from vhdlgen.rtl.build import BuildOptions, build

    return build(graph, out, BuildOptions(top=top)).data


@pytest.fixture(scope="module")
def ghdl() -> str:
    return require_tool("ghdl")  # build() runs the `ghdl --synth` gate


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, ghdl):
    """The tiny model built once: (graph, build dir, report)."""
    graph = graph_of(tiny_conv(), "tiny_conv")
    out = tmp_path_factory.mktemp("golden") / "tiny_conv"
    return graph, out, build_to(graph, out)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, ghdl):
    graph = graph_of(tiny_conv(seed=6, names=HOSTILE), "Entity")  # the top: from the model
    out = tmp_path_factory.mktemp("hostile") / "hostile"  # name (an explicit --top is refused)
    return graph, out, build_to(graph, out)


@pytest.fixture(scope="module")
def student_twice(tmp_path_factory, ghdl):
    """student2 built in this process and in a fresh one with another PYTHONHASHSEED."""
    root = tmp_path_factory.mktemp("determinism")
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import qmodels
        from vhdlgen.frontend import graph_from_keras
        from vhdlgen.rtl.build import BuildOptions, build
        graph = graph_from_keras(qmodels.MODELS["student2"](), source="student2.h5",
                                 source_hash={HASH!r})
        build(graph, sys.argv[1], BuildOptions())
    """)
    seed = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"
    proc = subprocess.Popen([sys.executable, "-c", script, str(root / "b")], cwd=root,
                            env={**os.environ, "PYTHONHASHSEED": seed},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    build_to(graph_of(qmodels.MODELS["student2"](), "student2"), root / "a")
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    return root / "a", root / "b"


# ------------------------------------------------------------------------------------ helpers
def code_of(vhdl: str) -> str:
    """VHDL without comments, string and character literals."""
    vhdl = re.sub(r"--[^\n]*", "", vhdl)
    vhdl = re.sub(r'"[^"\n]*"', '""', vhdl)
    return re.sub(r"'[^'\n]'", "''", vhdl)


def vhd_files(build_dir: Path) -> dict[str, str]:
    files = {p.name: p.read_text() for p in sorted((build_dir / "rtl").glob("*.vhd"))}
    assert files, f"no .vhd in {build_dir}/rtl"
    return files


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def identifier_problems(name: str, text: str) -> list[str]:
    code = code_of(text)
    problems = []
    if "\\" in code:
        problems.append(f"{name}: extended identifier (backslash)")
    for match in re.finditer(r"[A-Za-z_][A-Za-z0-9_]*|\d[\w#.]*", code):
        token = match.group()
        if not token[0].isdigit() and not LEGAL.match(token):
            problems.append(f"{name}: illegal identifier {token!r}")
    declared = [m.group(1).lower() for pattern in DECLARED for m in pattern.finditer(code)]
    for word in declared:
        if word in RESERVED:
            problems.append(f"{name}: declares reserved word {word!r}")
    process_vars = re.findall(r"\bvariable\s+(\w+)", code, re.I)
    signals = re.findall(r"\bsignal\s+(\w+)", code, re.I)
    for kind, names in (("variable", process_vars), ("signal", signals)):
        dup = {n for n in names if [x.lower() for x in names].count(n.lower()) > 1}
        if dup:
            problems.append(f"{name}: {kind}s declared twice: {sorted(dup)[:5]}")
    return problems


# ------------------------------------------------------------------------------------ tests
def test_golden_snapshot(tiny) -> None:
    _, out, _ = tiny
    actual = {**vhd_files(out), "sources.f": (out / "rtl" / "sources.f").read_text()}
    golden = GOLDEN / "tiny_conv"
    if UPDATE:
        shutil.rmtree(golden, ignore_errors=True)
        golden.mkdir(parents=True)
        for name, text in actual.items():
            (golden / name).write_text(text)
        pytest.fail(f"VHDLGEN_UPDATE_GOLDEN=1: rewrote {golden}; review `git diff` and rerun "
                    "without the variable", pytrace=False)
    assert golden.is_dir(), "no golden snapshot; create it with VHDLGEN_UPDATE_GOLDEN=1"
    expected = {p.name: p.read_text() for p in sorted(golden.iterdir())}
    assert sorted(actual) == sorted(expected), "different set of generated files"
    for name in expected:
        if actual[name] != expected[name]:
            a, e = actual[name].splitlines(), expected[name].splitlines()
            line = next((i for i, (x, y) in enumerate(zip(a, e)) if x != y), min(len(a), len(e)))
            pytest.fail(f"{name} differs from the golden file at line {line + 1}:\n"
                        f"  golden: {e[line] if line < len(e) else '<end>'}\n"
                        f"  now:    {a[line] if line < len(a) else '<end>'}\n"
                        "if the change is intended: VHDLGEN_UPDATE_GOLDEN=1 (see module doc)",
                        pytrace=False)


def test_golden_model_is_small_and_covers_conv_and_dense(tiny) -> None:
    _, out, report = tiny
    kinds = [layer["kind"] for layer in report["layers"]]
    assert any("Conv2D" in k for k in kinds) and any("Dense" in k for k in kinds), kinds
    assert sum(len(t) for t in vhd_files(out).values()) < 70_000


def test_rebuild_is_byte_identical(student_twice) -> None:
    a, b = (tree(p) for p in student_twice)
    assert sorted(a) == sorted(b), set(a) ^ set(b)
    ra, rb = (json.loads(t["report.json"]) for t in (a, b))
    for r in (ra, rb):
        r.pop("build_seconds", None)
    assert ra == rb
    assert a["report.json"] == b["report.json"] or ra == rb
    different = [name for name in a if name != "report.json" and a[name] != b[name]]
    assert not different, f"files differ between two builds of the same model: {different}"


def test_no_multiplication_operator(tiny, hostile, student_twice) -> None:
    dirs = [tiny[1], hostile[1], student_twice[0]]
    offenders = [f"{d.name}/{name}: {line.strip()}" for d in dirs
                 for name, text in vhd_files(d).items()
                 for line in code_of(text).splitlines() if "*" in line]
    assert not offenders, offenders[:5]


def test_verilog_netlist_has_no_shift_operator(tiny, ghdl) -> None:
    """The requantizer's floor is a slice: GHDL 2.0's Verilog writer turns numeric_std's
    shift_right of a signed value into `>>`, a logical shift in Verilog, so a netlist read by
    yosys (`estimate`) or any Verilog flow would compute another function."""
    _, out, report = tiny
    rtl = out / "rtl"
    sources = (rtl / "sources.f").read_text().split()
    proc = subprocess.run([ghdl, "--synth", "--std=08", "--out=verilog", *sources, "-e",
                           report["top"]], cwd=rtl, capture_output=True, text=True, check=True)
    assert "assign" in proc.stdout and ">>" not in proc.stdout and "<<" not in proc.stdout


@pytest.mark.parametrize("which", ["tiny", "hostile", "student"])
def test_identifiers_are_legal(which, tiny, hostile, student_twice) -> None:
    build_dir = {"tiny": tiny[1], "hostile": hostile[1], "student": student_twice[0]}[which]
    problems = [p for name, text in vhd_files(build_dir).items()
                for p in identifier_problems(name, text)]
    assert not problems, problems[:10]


def test_hostile_names_are_cleaned_and_distinct(hostile) -> None:
    _, out, report = hostile
    assert report["top"] == "entity_n"
    assert [layer["source_layers"][0] for layer in report["layers"]] == ["Fc.1", "fc-1", "OUT__>"]
    names = [layer["name"] for layer in report["layers"]]
    entities = [layer["entity"] for layer in report["layers"]]
    assert len({n.lower() for n in names}) == len(names), names
    assert len({e.lower() for e in entities}) == len(entities), entities
    for name in names + entities + [report["top"]]:
        assert LEGAL.match(name) and name.lower() not in RESERVED, name
    assert sorted(p.name for p in (out / "rtl").glob("*.vhd")) == sorted(report["sources"])


# ------------------------------------------------------------------------------------ install
INSTALLED = textwrap.dedent("""
    import json, pickle, sys
    from pathlib import Path
    site = Path(sys.argv[1]).resolve()
    import vhdlgen, vhdlgen.templates
    from vhdlgen.templating import templates_dir
    from vhdlgen.rtl.build_options import BuildOptions
    from vhdlgen.rtl.design import make_design
    from vhdlgen.rtl.render import render_files
    found = {"vhdlgen": str(Path(vhdlgen.__file__).resolve()),
             "templates": str(templates_dir().resolve()),
             "files": sorted(str(p.relative_to(templates_dir())) for p in templates_dir().rglob("*")
                             if p.is_file() and "__pycache__" not in p.parts)}
    graph = pickle.loads(Path(sys.argv[2]).read_bytes())
    options = BuildOptions(adder_levels_per_stage=3, top="tiny")
    found["rendered"] = render_files(make_design(graph, options))
    print(json.dumps(found))
""")


def test_installed_wheel_finds_its_templates(tiny, tmp_path) -> None:
    """Build a wheel from a copy of the sources, unzip it, import it from there (cwd elsewhere)."""
    from vhdlgen.rtl.build_options import BuildOptions
    from vhdlgen.rtl.design import make_design
    from vhdlgen.rtl.render import STATIC_PRIMITIVES, render_files

    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("vhdlgen", "templates"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    wheels = tmp_path / "wheels"
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "-q", str(src), "-w", str(wheels)],
                          cwd=src, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    (wheel,) = wheels.glob("vhdlgen-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(site)
    for primitive in STATIC_PRIMITIVES:
        assert f"vhdlgen/templates/{primitive}" in names, f"{primitive} not in the wheel"

    graph = tiny[0]
    (tmp_path / "graph.pkl").write_bytes(pickle.dumps(graph))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    proc = subprocess.run([sys.executable, "-c", INSTALLED, str(site), str(tmp_path / "graph.pkl")],
                          cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert Path(found["vhdlgen"]).is_relative_to(site.resolve()), found["vhdlgen"]
    assert Path(found["templates"]).is_relative_to(site.resolve()), found["templates"]
    repo_templates = sorted(str(p.relative_to(ROOT / "templates"))
                            for p in (ROOT / "templates").rglob("*")
                            if p.is_file() and "__pycache__" not in p.parts)
    assert found["files"] == repo_templates, "installed templates differ from templates/"
    options = BuildOptions(adder_levels_per_stage=3, top="tiny")
    assert found["rendered"] == render_files(make_design(graph, options))


def test_checkers_catch_bad_vhdl() -> None:
    """The checks above are not vacuous."""
    bad = ("entity signal is end entity;\narchitecture rtl of x__y is\n"
           "  signal a_ : integer; signal a_ : integer; -- fine * here\n"
           "begin\n  b <= a_ * 2; -- comment\nend;\n")
    problems = identifier_problems("bad.vhd", bad)
    assert any("reserved word 'signal'" in p for p in problems), problems
    assert any("'x__y'" in p for p in problems) and any("'a_'" in p for p in problems), problems
    assert any("declared twice" in p for p in problems), problems
    assert [l for l in code_of(bad).splitlines() if "*" in l] == ["  b <= a_ * 2; "]
    assert identifier_problems("ok.vhd", "signal s_1 : std_logic := '1'; -- x__y\n") == []
