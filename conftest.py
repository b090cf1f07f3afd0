"""Shared pytest set-up: `tests/` holds helpers (model factories) that rtl_tests/ imports too."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "tests"))
