"""`BuildOptions`: what the generated hardware should look like (the clock, the part, the
pipeline's timing and the build client), validated before anything is lowered or written."""
from __future__ import annotations

from dataclasses import dataclass

from vhdlgen.errors import UserError
from vhdlgen.rtl.client import BuildClient
from vhdlgen.rtl.pipeline_choice import GOALS, Goal
from vhdlgen.rtl.schedule import Timing
from vhdlgen.rtl.testbench import DEFAULT_TEST_VECTORS
from vhdlgen.timing import CORNERS, DEFAULT_CORNER, DelayModel, corner_model, load_delay_model

DEFAULT_PART = "xcvu13p-fhga2104-2L-e"
DEFAULT_CLOCK_NS = 3.125
DEFAULT_SHARE_DEPTH = 3
DEFAULT_ADDER_INPUTS = "auto"
ADDER_INPUTS = (2, 3, "auto")
DEFAULT_MARGIN_NS = 0.3


@dataclass(frozen=True)
class BuildOptions:
    """What the generated hardware should look like; defaults from the published study.

    Registers go where the UltraScale+ delay model says a stage would exceed `clock_ns` less
    `margin_ns`; `adder_levels_per_stage` overrides that with a fixed count of adder levels."""

    clock_ns: float = DEFAULT_CLOCK_NS
    part: str = DEFAULT_PART
    adder_levels_per_stage: int | None = None
    top: str | None = None  # entity name; default derived from the model file name
    share_depth: int = DEFAULT_SHARE_DEPTH
    adder_inputs: int | str = DEFAULT_ADDER_INPUTS  # 2 / 3: binary / ternary adders in every
    #                                                 unit; "auto": per unit, as `goal` prefers
    goal: str = GOALS[0]  # what the pipeline minimises first: flip-flops or cycles
    max_cycles: int | None = None  # latency cap of the network, in cycles
    margin_ns: float = DEFAULT_MARGIN_NS
    max_logic_levels: int | None = None  # cap on LUT + CARRY8 levels per stage; None: the
    #                                      delay model's level_cap of the clock (6 at 3.125 ns)
    register_inputs: bool = False  # a register on in_data/in_valid in the top (+1 cycle)
    register_layers: bool = False  # every layer ends on a register (no open boundaries)
    test_vectors: int = DEFAULT_TEST_VECTORS  # DIR/tb/: testbench + vectors; 0 = no tb/
    timing_corner: str = DEFAULT_CORNER  # the shipped delay model's corner: signoff | typical
    delay_model: str | None = None  # a JSON delay model (`vhdlgen timing --fit`); overrides
    #                                 timing_corner
    client: BuildClient | None = None  # what a client adds (vhdlgen.rtl.client), e.g. the
    #                                    Level-0 chain's vhdlgen.chain.client.ChainOptions

    def validate(self) -> None:
        if self.client is not None:
            self.client.validate()
        if self.timing_corner not in CORNERS:
            raise UserError(f"--timing-corner {self.timing_corner}: accepted "
                            f"{', '.join(CORNERS)}")
        self.delay  # an unreadable --delay-model is refused before the model is read
        if not self.clock_ns > 0:
            raise UserError(f"--clock-ns {self.clock_ns}: must be a positive number of ns")
        if self.adder_levels_per_stage is not None and not 1 <= self.adder_levels_per_stage <= 16:
            raise UserError(
                f"--adder-levels-per-stage {self.adder_levels_per_stage}: accepted 1 to 16"
            )
        if not 0 <= self.share_depth <= 8:
            raise UserError(f"--share-depth {self.share_depth}: accepted 0 (no sharing) to 8")
        if self.adder_inputs not in ADDER_INPUTS or isinstance(self.adder_inputs, bool):
            raise UserError(f"--adder-inputs {self.adder_inputs}: accepted 2 (binary adders), "
                            "3 (ternary adders) or auto (per layer, as --goal prefers)")
        if self.goal not in GOALS:
            raise UserError(f"--goal {self.goal}: accepted {' or '.join(GOALS)}")
        if self.max_cycles is not None and self.max_cycles < 1:
            raise UserError(f"--max-cycles {self.max_cycles}: accepted 1 or more")
        if self.max_logic_levels is not None and not 3 <= self.max_logic_levels <= 64:
            raise UserError(f"--max-logic-levels {self.max_logic_levels}: accepted 3 to 64 "
                            "(an adder alone is a LUT and a CARRY8, the requantizer two LUTs)")
        if not 0 <= self.margin_ns < self.clock_ns:
            raise UserError(f"--margin-ns {self.margin_ns}: accepted 0 to less than the clock "
                            f"period ({self.clock_ns} ns)")

    @property
    def logic_levels(self) -> int | None:
        """The cap on the modelled logic levels of a stage (None with adder levels per stage)."""
        if self.adder_levels_per_stage is not None:
            return None
        if self.max_logic_levels is not None:
            return self.max_logic_levels
        return self.delay.level_cap(self.clock_ns, self.margin_ns)

    @property
    def delay(self) -> DelayModel:
        """The delay model the stages are timed with: `delay_model`'s file, else the shipped
        model of `timing_corner`."""
        if self.delay_model is not None:
            return load_delay_model(self.delay_model)
        return corner_model(self.timing_corner)

    @property
    def pipeline_goal(self) -> Goal:
        """What the choice of adder forms and open boundaries minimises (`pipeline_choice`)."""
        return Goal(self.goal, self.max_cycles, int(self.register_inputs))

    @property
    def timing(self) -> Timing:
        if self.adder_levels_per_stage is not None:
            return Timing.levels(self.adder_levels_per_stage)
        return Timing.model(self.delay, self.clock_ns, self.margin_ns, self.logic_levels)

    def describe(self) -> str:
        stages = (f"{self.adder_levels_per_stage} adder levels per stage"
                  if self.adder_levels_per_stage is not None
                  else f"stages timed by the UltraScale+ delay model ({self.delay.corner} "
                  f"corner), margin {self.margin_ns} ns"
                  f", at most {self.logic_levels} logic levels"
                  + (" (from the clock)" if self.max_logic_levels is None else ""))
        adders = {2: ", binary adders", 3: ", ternary adders"}.get(
            self.adder_inputs, ", binary or ternary adders per layer")
        adders += f", fewest {self.goal} first"
        adders += f", at most {self.max_cycles} cycles" if self.max_cycles is not None else ""
        inputs = ", registered inputs" if self.register_inputs else ""
        inputs += ", every layer registered" if self.register_layers else ""
        client = self.client.describe() if self.client is not None else ""
        return (f"clock {self.clock_ns} ns, part {self.part}, {stages}, "
                f"subexpression depth {self.share_depth}{adders}{inputs}{client}")
