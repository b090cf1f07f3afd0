"""--output-format: outputs requantized exactly as NumPy rounds and clips, within the stated bound,
and the lowered design (what the RTL renders) computes the same codes.

The expected values come from NumPy's own round-half-to-even (`np.round`) and `np.clip` on the
full-precision outputs, not from vhdlgen's requantizer.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vhdlgen.errors import UserError
from vhdlgen.fixed import FixedType
from vhdlgen.network import Network, load
from vhdlgen.output_format import error, with_output_format
from vhdlgen.rtl.lower import lower, run_units
from vhdlgen.rtl.schedule import Timing
from vhdlgen.timing import ULTRASCALE_PLUS_2

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def student() -> Network:
    return load(ROOT / "models" / "student_4bit.h5")


def inputs(network: Network, n: int = 3000, seed: int = 7) -> np.ndarray:
    """Random pooled-hit images (0, 0.5, 1) plus the all-0 and all-1 corners."""
    rng = np.random.default_rng(seed)
    x = rng.choice([0.0, 0.5, 1.0], size=(n, *network.input_shape), p=[0.8, 0.1, 0.1])
    x[0], x[1] = 0.0, 1.0
    return x.astype(np.float32)


@pytest.mark.parametrize("text", ["fixed<12,6>", "fixed<8,3>", "fixed<6,2>", "fixed<30,8>"])
def test_outputs_round_half_even_and_saturate_like_numpy(student, text) -> None:
    fmt = FixedType.parse(text)
    x = inputs(student)
    exact = student.predict(x)
    formatted = Network(with_output_format(student.graph, fmt))
    lo, hi = fmt.min_code * fmt.step, fmt.max_code * fmt.step
    expected = np.clip(np.round(exact * 2.0 ** fmt.frac) / 2.0 ** fmt.frac, lo, hi)
    got = formatted.predict(x)
    assert np.array_equal(got, expected)
    assert formatted.graph.output.fmt == fmt
    bound = error(student.graph.output, fmt)
    assert np.abs(got - exact).max() <= bound.bound


def test_the_bound_is_reached_by_rounding_and_by_saturation(student) -> None:
    x = inputs(student)
    exact = student.predict(x)
    fine = error(student.graph.output, FixedType.parse("fixed<12,6>"))
    assert fine.rounding == 2.0 ** -7  # half of fixed<12,6>'s step 2**-6
    assert ("SATURATES" in fine.describe()) == (fine.saturation > 0)
    tiny = FixedType.parse("fixed<4,1>")  # -1 to 0.875: the pT output saturates
    report = error(student.graph.output, tiny)
    assert report.saturation > 0 and "SATURATES" in report.describe()
    got = Network(with_output_format(student.graph, tiny)).predict(x)
    assert np.abs(got - exact).max() <= report.bound
    assert np.abs(got - exact).max() > report.rounding  # some event does saturate


def test_a_finer_format_is_exact(student) -> None:
    x = inputs(student, 500)
    exact_fmt = student.graph.output.fmt
    finer = FixedType(True, exact_fmt.width + 4, exact_fmt.frac + 2)
    got = Network(with_output_format(student.graph, finer)).predict(x)
    assert np.array_equal(got, student.predict(x))
    assert error(student.graph.output, finer).bound == 0.0


@pytest.mark.parametrize("text", ["fixed<12,6>", "fixed<5,2>"])
def test_lowered_design_computes_the_formatted_codes(student, text) -> None:
    graph = with_output_format(student.graph, FixedType.parse(text))
    network = Network(graph)
    codes = network.input_codes(inputs(student, 2000, seed=3))
    units = lower(graph, "top", Timing.model(ULTRASCALE_PLUS_2, 3.125, 0.3), 3)
    assert np.array_equal(run_units(units, codes)[-1], network.predict_codes(codes))


def test_a_layer_named_like_the_format_layer_is_refused(student) -> None:
    graph = with_output_format(student.graph, FixedType.parse("fixed<12,6>"))
    with pytest.raises(UserError, match="output_format"):
        with_output_format(graph, FixedType.parse("fixed<10,5>"))


def test_the_option_reaches_predict_and_inspect(student) -> None:
    """`output_format=` (the CLI's --output-format) changes what predict returns, and inspect's
    table states the bound."""
    import vhdlgen
    from vhdlgen.summary import describe

    x = inputs(student, 300)
    design = vhdlgen.convert(ROOT / "models" / "student_4bit.h5", output_format="fixed<12,6>")
    expected = Network(with_output_format(student.graph, FixedType.parse("fixed<12,6>")))
    assert np.array_equal(design.predict(x), expected.predict(x))
    assert "output format fixed<12,6>" in describe(design.network.graph)
    with pytest.raises(UserError, match="output_format"):
        vhdlgen.convert(ROOT / "models" / "student_4bit.h5", output_format="fixed<12")
