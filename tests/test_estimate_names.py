"""vhdlgen/estimate/names.py: netlist names back to the RTL, with the naming rules that made
them (vhdlgen/rtl/names.py)."""
from __future__ import annotations

import pytest

from vhdlgen.estimate import RtlNames, rtl_text
from vhdlgen.estimate.names import name_rank
from vhdlgen.rtl.names import adder_name, register_name, shared_name


RTL = RtlNames(top="tiny", entities={"u_fc": "tiny_fc", "u_fc.valid": "vhdlgen_valid_pipe"},
               process_labels=frozenset({"pipeline"}))


@pytest.mark.parametrize("net, expected", [
    ("u_fc.pipeline_y_1_a3_r2[4]", dict(unit="u_fc", entity="tiny_fc", signal="y_1_a3_r2",
                                        neuron="y_1", adder=3, stage=2, shared=None, bit=4)),
    ("u_fc.pipeline_y_h0_w1_c0_a12", dict(unit="u_fc", neuron="y_h0_w1_c0", adder=12,
                                          stage=None, bit=None)),
    ("u_fc.pipeline_t417_r0[1]", dict(neuron=None, shared=417, stage=0, adder=None, bit=1)),
    ("u_fc.pipeline_y_2_r1", dict(neuron="y_2", stage=1, adder=None)),  # output register
    ("u_fc.n2509_o[0]", dict(unit="u_fc", signal="n2509_o", neuron=None, bit=0)),
    ("u_fc.valid.n2987_q", dict(unit="u_fc", instance="u_fc.valid", entity="tiny_fc")),
    ("u_fc.x_0_s1", dict(neuron="x_0_s1", stage=None)),  # x shifted by 1: not a register
    ("in_data[4]", dict(unit="tiny", entity="tiny", instance=None, signal="in_data", bit=4)),
    ("u_zz.pipeline_q", dict(unit="u_zz", entity=None, signal="q", neuron="q")),
    ("net bit 17", dict(net="net bit 17", unit=None, signal=None, neuron=None)),
    (None, dict(net=None, unit=None)),
    ("", dict(signal=None)),
])
def test_rtl_names_describe(net, expected) -> None:
    info = RTL.describe(net)
    assert set(info) == {"net", "unit", "entity", "instance", "signal", "neuron", "adder",
                         "shared", "stage", "bit"}
    assert {k: info[k] for k in expected} == expected


def test_rtl_text() -> None:
    assert rtl_text(RTL.describe("u_fc.pipeline_y_1_a3_r2[4]")) == \
        "tiny_fc (u_fc): y_1 adder 3, register after stage 2 bit 4"
    assert rtl_text(RTL.describe("u_fc.pipeline_t9[0]")) == \
        "tiny_fc (u_fc): shared subexpression t9 bit 0"
    assert rtl_text(RTL.describe("u_fc.n25_q")) == "tiny_fc (u_fc): n25_q (generated net)"
    assert rtl_text(RTL.describe("out_data[1]")) == "tiny: out_data bit 1"
    assert rtl_text(RTL.describe("net bit 3")) == "net bit 3"
    assert rtl_text(None) == "?"


def test_rtl_names_from_sources() -> None:
    verilog = """module vhdlgen_valid_pipe_2
  (input  clk);
endmodule

module tiny_fc
  (input  clk);
  vhdlgen_valid_pipe_2 valid (
    .clk(clk));
endmodule

module tiny
  (input  clk);
  wire x;
  tiny_fc u_fc (
    .clk(clk));
endmodule
"""
    vhdl = ["entity tiny is\nend entity;", "entity tiny_fc is\nend;\n"
            "architecture rtl of tiny_fc is\nbegin\n  pipeline : process (clk)\n",
            "ENTITY vhdlgen_valid_pipe IS\n"]
    rtl = RtlNames.from_sources("TINY", verilog, vhdl)
    assert rtl.top == "tiny"
    assert dict(rtl.entities) == {"u_fc": "tiny_fc", "u_fc.valid": "vhdlgen_valid_pipe"}
    assert rtl.process_labels == {"pipeline"}
    # nothing recognisable: an empty mapping, never an error
    assert RtlNames.from_sources("top", "garbage (\n", ["not vhdl"]).entities == {}


def test_name_rank_orders_registers_first_and_generated_names_last() -> None:
    ranked = sorted(["u_fc.n25_q", "in_data", "u_fc.pipeline_y_1_r2", "u_fc.y_1_a3", "top_net"],
                    key=name_rank)
    assert ranked == ["u_fc.pipeline_y_1_r2", "u_fc.y_1_a3", "in_data", "top_net",
                      "u_fc.n25_q"]
    assert [name_rank(n) for n in ranked] == [1, 2, 3, 3, 4]


@pytest.mark.parametrize("value, stage, index", [("y_3", 2, 7), ("y_h1_w0_c2", 0, 12)])
def test_the_rules_that_make_names_read_them_back(value, stage, index) -> None:
    """What rtl/names.py writes (registers, adders, shared terms), describe() reads: the same
    rules on both sides, not a second copy of them."""
    rtl = RtlNames(top="t", entities={"u_a": "t_a"}, process_labels=frozenset({"pipeline"}))
    got = rtl.describe(f"u_a.pipeline_{register_name(adder_name(value, index), stage)}[3]")
    assert (got["neuron"], got["adder"], got["shared"]) == (value, index, None)
    assert (got["stage"], got["bit"], got["entity"]) == (stage, 3, "t_a")
    shared = rtl.describe(f"u_a.pipeline_{register_name(shared_name(index), stage)}")
    assert (shared["shared"], shared["stage"], shared["neuron"]) == (index, stage, None)
