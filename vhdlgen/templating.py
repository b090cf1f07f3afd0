"""The Jinja2 environment that renders every generated text file (VHDL, Tcl, XDC)."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import jinja2


def templates_dir() -> Path:
    """The repository's `templates/` folder, installed as the package `vhdlgen.templates`."""
    return Path(str(resources.files("vhdlgen.templates")))


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """StrictUndefined (a missing value is an error, never an empty string), no stray blank lines."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(template: str, **context: object) -> str:
    """Render one template by its path relative to the templates folder."""
    return environment().get_template(template).render(**context)
