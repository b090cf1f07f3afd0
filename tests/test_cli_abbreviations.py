"""Options are never abbreviated: argparse's default took `--clock-n` for `--clock-ns`. The
root parser and every subcommand's (those other modules register too) refuse a prefix in one
line that names the option meant."""
from __future__ import annotations

import pytest

from vhdlgen.__main__ import main, parser


@pytest.mark.parametrize("argv, flag, near", [
    (["build", "--clock-n", "3"], "--clock-n", "--clock-ns"),
    (["predict", "--mod", "m.h5", "--input", "x.npy", "--output", "y.npy"], "--mod", "--model"),
    (["simulate", "--build", "b", "--input", "x", "--output", "y", "--wave"], "--wave",
     "--waves"),
    (["estimate", "--build", "b", "--flo", "carry"], "--flo", "--flow"),
])
def test_options_are_never_abbreviated(argv, flag, near, tmp_path, capsys) -> None:
    """A prefix of an option is refused in one line naming it and the option meant (argparse
    took `--clock-n` as `--clock-ns`); --model points nowhere, so a run would fail otherwise."""
    argv = argv + (["--model", str(tmp_path / "none.h5")] if argv[0] == "build" else [])
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"vhdlgen {argv[0]}: error: unknown option {flag} (did you mean {near}?)")
    assert "never abbreviated" in err


def test_every_parser_refuses_abbreviations() -> None:
    root = parser()
    commands = next(a for a in root._actions if a.dest == "command").choices
    assert not root.allow_abbrev and len(commands) >= 8
    assert [name for name, sub in commands.items() if sub.allow_abbrev] == []
