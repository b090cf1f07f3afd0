"""Strides, padding, zero padding and pooling in the lowering: interpreter == reference.

Hand-made IR graphs (no Keras) cover what the QKeras models of test_layers_qkeras.py may not:
a ZeroPadding2D merged into a strided padded Conv2D, overlapping and padded max pooling, a
standalone ZeroPadding2D, average pooling with padded edge windows, Reshape. The reference's
own equality with QKeras is tested in tests/test_layers_qkeras.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from vhdlgen.errors import UserError
from vhdlgen.fixed import FixedType, Requantizer
from vhdlgen.infer import infer_all
from vhdlgen.ir import Graph, Input
from vhdlgen.layers.activation import Activation
from vhdlgen.layers.conv2d import Conv2D
from vhdlgen.layers.pooling import Pooling2D
from vhdlgen.layers.reshape import Reshape
from vhdlgen.layers.zero_padding import ZeroPadding2D
from vhdlgen.network import Network
from vhdlgen.rtl.lower import lower, run_units
from vhdlgen.rtl.schedule import Timing
from vhdlgen.timing import ULTRASCALE_PLUS_2
from vhdlgen import windows


def _graph(layers: list, shape=(7, 9, 2)) -> Graph:
    spec = Input("in", shape, FixedType(False, 3, 2), 0, 7)
    return Graph(spec, tuple(layers), infer_all(layers, Graph(spec, ()).input_tensor))


def _relu_after(layers: list, name: str, shape=(7, 9, 2)) -> Activation:
    x = _graph(layers, shape).output
    return Activation(name, Requantizer(x.fmt.frac, FixedType(False, 4, 2), 0, 15), "relu")


def _network() -> Graph:
    rng = np.random.default_rng(0)
    conv = Conv2D("c1", rng.integers(-7, 8, (3, 3, 2, 3)), rng.integers(-20, 20, 3), 3, None,
                  (2, 2), (1, 1, 0, 1))
    layers = [ZeroPadding2D("zp", (1, 0, 2, 1)), conv]
    layers.append(_relu_after(layers, "r1"))
    layers += [Pooling2D("mp", "max", (2, 2), (1, 2), (0, 1, 0, 1)),
               Pooling2D("ap", "average", (2, 2), (2, 2), (0, 1, 0, 0)),
               ZeroPadding2D("zp2", (1, 1, 1, 1)), Pooling2D("mp2", "max", (3, 2), (2, 1)),
               Pooling2D("ap2", "average", (1, 2), (1, 1), (0, 0, 0, 1), (3, 1)),
               Reshape("rs", (6,))]
    return _graph(layers)


@pytest.mark.parametrize("timing", [Timing.levels(1), Timing.levels(3), Timing.model(ULTRASCALE_PLUS_2, 3.125, 0.3)],
                         ids=["levels1", "levels3", "timed"])
def test_interpreter_equals_reference(timing: Timing) -> None:
    graph = _network()
    codes = np.random.default_rng(1).integers(0, 8, (2000, 7, 9, 2))
    codes[:2] = [0, 7]  # the extremes
    units = lower(graph, "top", timing, 3)
    assert [u.kind for u in units] == ["ZeroPadding2D+Conv2D+Activation", "Pooling2D",
                                       "Pooling2D", "ZeroPadding2D", "Pooling2D", "Pooling2D"]
    trace = Network(graph).trace_codes(codes)
    for unit, got in zip(units, run_units(units, codes)):
        assert np.array_equal(got, trace[unit.sources[-1]].reshape(len(codes), -1)), unit.label


def test_reference_padding_and_strides_by_hand() -> None:
    """A 1x1 kernel of 1 with stride 2 and 'same'-like padding picks every other input; max
    pooling of a ramp picks each window's last element; average of 2 adds 1 bit of frac."""
    x = np.arange(5 * 5).reshape(1, 5, 5, 1) % 8
    conv = Conv2D("c", np.ones((1, 1, 1, 1)), np.zeros(1), 0, None, (2, 2), (0, 0, 0, 0))
    assert np.array_equal(Network(_graph([conv], (5, 5, 1))).predict_codes(x).reshape(3, 3),
                          x[0, ::2, ::2, 0])
    ramp = np.arange(6).reshape(1, 1, 6, 1)
    pool = Pooling2D("p", "max", (1, 3), (1, 3))
    assert Network(_graph([pool], (1, 6, 1))).predict_codes(ramp).tolist() == [[2, 5]]
    avg = Pooling2D("a", "average", (1, 2), (1, 2), (0, 0, 0, 1))
    graph = _graph([avg], (1, 3, 1))
    # windows [0, 1], [2] (the pad takes no part): sums 1 and 2 over 2 and 1 elements
    assert Network(graph).predict_codes(ramp[:, :, :3]).tolist() == [[1, 4]]
    assert graph.output.fmt.frac == 2 + 1


def test_same_padding_puts_the_extra_pad_after() -> None:
    assert windows.same_padding(9, 3, 1) == (1, 1)
    assert windows.same_padding(8, 3, 2) == (0, 1)  # TensorFlow: the odd pad goes bottom/right
    assert windows.same_padding(16, 2, 2) == (0, 0)
    assert windows.same_padding(5, 4, 1) == (1, 2)


def test_average_of_a_non_power_of_two_is_refused() -> None:
    with pytest.raises(UserError, match=r"'ap'.*over 3 elements.*float32"):
        _graph([Pooling2D("ap", "average", (1, 3), (1, 1))])
    with pytest.raises(UserError, match=r"over 6, 9 elements"):  # 'same' edges of a 3x3
        _graph([Pooling2D("ap", "average", (3, 3), (1, 1), (1, 1, 1, 1))])


def test_manifest_round_trip_keeps_every_new_field() -> None:
    """The build manifest's network (graph_json) restores strides, padding, pooling and scale:
    `simulate` reads the network from there."""
    from vhdlgen.rtl.graph_json import graph_from_json, graph_to_json

    graph = _network()
    again = graph_from_json(graph_to_json(graph))
    assert again.tensors == graph.tensors
    for a, b in zip(graph.layers, again.layers):
        assert type(a) is type(b) and a.name == b.name
        if isinstance(a, Conv2D):
            assert (a.strides, a.padding) == (b.strides, b.padding)
        elif not isinstance(a, Activation):
            assert a == b
    codes = np.random.default_rng(2).integers(0, 8, (50, 7, 9, 2))
    assert np.array_equal(Network(again).predict_codes(codes), Network(graph).predict_codes(codes))


def test_max_pooling_beyond_32_bits_is_refused() -> None:
    spec = Input("in", (2, 2, 1), FixedType(True, 40, 0), -(2**39), 2**39 - 1)
    layers = (Pooling2D("mp", "max", (2, 2), (2, 2)),)
    graph = Graph(spec, layers, infer_all(layers, Graph(spec, ()).input_tensor))
    with pytest.raises(UserError, match=r"'mp': max pooling of values beyond 32 bits"):
        lower(graph, "top", Timing.levels(3), 3)
