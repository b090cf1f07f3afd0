"""Interval-derived widths are never exceeded, and the interval bounds are tight.

Every tensor of the IR carries the exact code range [lo, hi] that inference derived from the
integer weights, and a format just wide enough for it. Here:
- extreme network inputs (all zero, all max, checkerboards, half/half, random codes) never produce
  a traced code outside [lo, hi] or outside its format's code range;
- for EVERY Conv2D/Dense layer, inputs chosen per weight sign (x = hi where w > 0, lo where w < 0,
  at one output position, for each output channel) reach the layer's computed hi and lo exactly
  (the bound is achieved: the widths are not padded), and the layers after it stay in range;
- through the whole network (float inputs -> input quantizer -> first layer) the first layer's
  bound is reached too, for a dense-only and for a conv model.
"""
from __future__ import annotations

import numpy as np
import pytest

import qmodels
from vhdlgen import reference
from vhdlgen.fixed import type_for_interval
from vhdlgen.frontend import graph_from_keras
from vhdlgen.layers.activation import Activation
from vhdlgen.layers.conv2d import Conv2D
from vhdlgen.layers.dense import Dense
from vhdlgen.network import Network

NAMES = ["student2", "student4", "student5", "wide_conv", "no_input_quant", "sequential",
         "dense_only"]


@pytest.fixture(scope="module", params=NAMES)
def network(request) -> Network:
    return Network(graph_from_keras(qmodels.MODELS[request.param]()))


def check_in_range(network: Network, trace: dict[str, np.ndarray], start: int = 0) -> None:
    graph = network.graph
    for layer, tensor in list(zip(graph.layers, graph.tensors))[start:]:
        codes = trace[layer.name]
        assert codes.dtype == np.int64
        assert codes.min() >= tensor.lo and codes.max() <= tensor.hi, (layer.name, tensor)
        assert codes.min() >= tensor.fmt.min_code and codes.max() <= tensor.fmt.max_code


def test_formats_cover_intervals_narrowly(network: Network) -> None:
    graph = network.graph
    for layer, tensor in zip(graph.layers, graph.tensors):
        assert tensor.fmt.min_code <= tensor.lo <= tensor.hi <= tensor.fmt.max_code, layer.name
        if isinstance(layer, (Conv2D, Dense)):  # accumulators: exactly the narrowest format
            assert tensor.fmt == type_for_interval(tensor.lo, tensor.hi, tensor.fmt.frac)


def test_extreme_inputs_stay_in_range(network: Network) -> None:
    spec = network.graph.input
    x = np.concatenate([
        qmodels.corner_inputs(spec.shape, spec.fmt, spec.lo, spec.hi),
        qmodels.uniform_inputs(300, 7, spec.fmt, spec.shape, spec.lo, spec.hi),
    ])
    if spec.quantizer is not None:  # far out of range floats saturate in the input quantizer
        far = [np.full(spec.shape, v, np.float32) for v in (1e6, -1e6, 3e38, -3e38)]
        x = np.concatenate([x, np.stack(far)])
    trace = network.trace(x)
    if spec.quantizer is not None:
        assert trace[spec.quantizer].min() >= spec.lo and trace[spec.quantizer].max() <= spec.hi
    check_in_range(network, trace)


def sign_inputs(layer, x_lo: int, x_hi: int, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Input codes (COUT, *shape) driving each output channel j to its max (first array) and
    min (second) at output position 0: x = hi where w > 0 and lo where w < 0 (and vice versa)."""
    kernel = layer.kernel
    cout = kernel.shape[-1]
    highs = np.full((cout, *shape), x_lo, np.int64)
    lows = np.full((cout, *shape), x_hi, np.int64)
    for j in range(cout):
        w = kernel[..., j]
        if isinstance(layer, Conv2D):
            kh, kw = w.shape[:2]
            highs[j, :kh, :kw, :] = np.where(w > 0, x_hi, x_lo)
            lows[j, :kh, :kw, :] = np.where(w > 0, x_lo, x_hi)
        else:
            highs[j] = np.where(w > 0, x_hi, x_lo)
            lows[j] = np.where(w > 0, x_lo, x_hi)
    return highs, lows


def test_every_weighted_layer_reaches_its_bound(network: Network) -> None:
    graph = network.graph
    checked = 0
    for index, layer in enumerate(graph.layers):
        if not isinstance(layer, (Conv2D, Dense)):
            continue
        x = graph.layer_input(index)
        highs, lows = sign_inputs(layer, x.lo, x.hi, x.shape)
        codes = np.concatenate([highs, lows])
        outputs = reference.run(graph.layers[index:], codes)
        trace = {l.name: out for l, out in zip(graph.layers[index:], outputs)}
        check_in_range(network, trace, start=index)
        out = outputs[0].reshape(len(codes), -1, layer.kernel.shape[-1])[:, 0, :]  # position 0
        cout = layer.kernel.shape[-1]
        channel_max = out[np.arange(cout), np.arange(cout)]
        channel_min = out[cout + np.arange(cout), np.arange(cout)]
        tensor = graph.tensors[index]
        assert channel_max.max() == tensor.hi, (layer.name, channel_max, tensor)
        assert channel_min.min() == tensor.lo, (layer.name, channel_min, tensor)
        following = graph.layers[index + 1] if index + 1 < len(graph.layers) else None
        if isinstance(following, Activation):  # monotone: the activation's bounds are reached too
            assert outputs[1].max() == graph.tensors[index + 1].hi
            assert outputs[1].min() == graph.tensors[index + 1].lo
        checked += 1
    assert checked >= 2


@pytest.mark.parametrize("name", ["dense_only", "student4"])
def test_first_layer_bound_reached_through_the_network(name: str) -> None:
    """Float inputs chosen per weight sign, through the input quantizer, reach the first weighted
    layer's interval ends exactly: the interval bound is tight (achieved) end to end."""
    network = Network(graph_from_keras(qmodels.MODELS[name]()))
    graph = network.graph
    index = next(i for i, l in enumerate(graph.layers) if isinstance(l, (Conv2D, Dense)))
    layer, spec = graph.layers[index], graph.input
    highs, lows = sign_inputs(layer, spec.lo, spec.hi, spec.shape)
    x = (np.concatenate([highs, lows]) * spec.fmt.step).astype(np.float32)
    trace = network.trace(x)
    check_in_range(network, trace)
    out = trace[layer.name].reshape(len(x), -1, layer.kernel.shape[-1])[:, 0, :]
    assert out.max() == graph.tensors[index].hi and out.min() == graph.tensors[index].lo
    assert graph.tensors[index].fmt.width >= 2
