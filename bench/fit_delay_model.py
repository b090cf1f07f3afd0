"""Fit the shipped UltraScale+ -2 delay model's corners on the recorded Vivado paths.

    python bench/fit_delay_model.py            # writes vhdlgen/timing/ultrascale_plus_2.json
    python bench/fit_delay_model.py --check    # exit 1 if the shipped file differs from a fit

Reads `vhdlgen/timing/calibration.json` (public routed paths, each with its source), fits the
`typical` and `signoff` corners (`vhdlgen.timing.fit`), writes both to
`vhdlgen/timing/ultrascale_plus_2.json`, and prints the residual table of docs/rtl.md: every
recorded path, Vivado's register-to-register time against each corner's.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from vhdlgen.timing.fit import fit_corners, residual_table
from vhdlgen.timing.model import CORNER_FILE
from vhdlgen.timing.paths import load_calibration


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--check", action="store_true",
                        help="compare with the shipped file instead of writing it")
    args = parser.parse_args()
    records = load_calibration()
    corners = fit_corners(records)
    text = json.dumps({c: m.to_json() for c, m in corners.items()}, indent=2) + "\n"
    print(residual_table(corners, records))
    if args.check:
        same = Path(CORNER_FILE).read_text(encoding="utf-8") == text
        print(f"{CORNER_FILE}: {'equal to' if same else 'DIFFERS from'} a fresh fit")
        return 0 if same else 1
    Path(CORNER_FILE).write_text(text, encoding="utf-8")
    print(f"wrote {CORNER_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
