"""The `--output-format` requantizer as its own row of the build report.

`--output-format` appends an activation (`vhdlgen.output_format.LAYER_NAME`) to the graph. After
a weighted last layer it is lowered into that layer's entity: its rounding offset joins the
biases and its shift and saturation follow the last adder, in the same stage when it fits the
stage budget, else in one more. The report books the stages after the last adder's stage under an
output unit row instead of the layer (the RTL is the same either way).
"""
from __future__ import annotations

from vhdlgen.output_format import LAYER_NAME
from vhdlgen.rtl.lower import Unit


def output_unit(unit: Unit, layer: dict) -> dict | None:
    """The output unit of the last `unit` (its report entry `layer`, changed in place to keep
    only the layer's own cycles), or None when no --output-format requantizer is fused into it."""
    if LAYER_NAME not in unit.sources or len(unit.sources) < 2:
        return None
    graph = unit.graph
    last_adder = max((adder.stage for adder in graph.adders), default=0)
    cycles = max(max(graph.output_stages, default=0) - last_adder, 0)
    own = layer["latency_cycles"] - cycles
    delays, levels = layer["stage_delays"], layer["stage_logic_levels"]
    layer.update(latency_cycles=own, entity_latency_cycles=unit.latency)
    return {
        "name": LAYER_NAME, "source_layers": [LAYER_NAME], "entity": unit.entity,
        "kind": "Activation (--output-format requantizer)", "latency_cycles": cycles,
        "output_cycle": layer["output_cycle"], "output": layer["output"],
        "stage_delays": delays[len(delays) - cycles:] if cycles else [],
        "stage_logic_levels": levels[len(levels) - cycles:] if cycles else [],
        "requantizers": layer["requantizers"],
        "note": (f"rendered inside {unit.entity}: "
                 + (f"its last {cycles} stage{'s' if cycles > 1 else ''} only requantize"
                    if cycles else "the requantizer fits the last adder's stage")),
    }


def unit_rows(report: dict) -> list[tuple[str, ...]]:
    """report.txt's unit table: a header, one row per layer unit, the output unit after the last
    (with the layer's own cycles and stages on the layer's row)."""
    unit = "ns" if "timing" in report else "adder levels"
    extra = report.get("output_unit")
    rows = [("unit", "layers", "cycles", "adders", "shared", "LUT est.", "longest stage",
             "output")]
    for index, layer in enumerate(report["layers"]):
        delays, sources = layer["stage_delays"], layer["source_layers"]
        if extra is not None and index == len(report["layers"]) - 1:
            delays = delays[:len(delays) - extra["latency_cycles"]]
            sources = [s for s in sources if s != extra["name"]]
        rows.append((layer["name"], "+".join(sources), str(layer["latency_cycles"]),
                     str(layer["adders"]), str(layer["shared_adders"]),
                     str(layer["lut_estimate"]), f"{max(delays, default=0):.2f} {unit}",
                     layer["output"]["format"] if extra is None or index < len(
                         report["layers"]) - 1 else "full precision"))
    if extra is not None:
        stage = (f"{max(extra['stage_delays']):.2f} {unit}" if extra["stage_delays"]
                 else f"in {report['layers'][-1]['name']}'s last")
        rows.append(("output unit", extra["name"], str(extra["latency_cycles"]), "-", "-", "-",
                     stage, extra["output"]["format"]))
    return rows
