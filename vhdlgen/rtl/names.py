"""Legal, readable VHDL identifiers derived from layer and model names."""
from __future__ import annotations

import re

RESERVED = frozenset("""
abs access after alias all and architecture array assert assume assume_guarantee attribute begin
block body buffer bus case component configuration constant context cover default disconnect
downto else elsif end entity exit fairness file for force function generate generic group
guarded if impure in inertial inout is label library linkage literal loop map mod nand new next
nor not null of on open or others out package parameter port postponed procedure process
property protected pure range record register reject release rem report restrict
restrict_guarantee return rol ror select sequence severity shared signal sla sll sra srl
strong subtype then to transport type unaffected units until use variable vmode vprop vunit
wait when while with xnor xor
""".split())


def identifier(text: str) -> str:
    """`text` as a VHDL basic identifier: letters, digits and single inner underscores,
    starting with a letter, lower case, never a reserved word."""
    name = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not name:
        name = "n"
    if not name[0].isalpha():
        name = f"n_{name}"
    if name in RESERVED:
        name = f"{name}_n"
    return name


def unique_identifiers(texts: list[str]) -> list[str]:
    """identifier() of each text, made unique (case-insensitively) with numeric suffixes."""
    seen: set[str] = set()
    result = []
    for text in texts:
        base = identifier(text)
        name, counter = base, 1
        while name in seen:
            counter += 1
            name = f"{base}_{counter}"
        seen.add(name)
        result.append(name)
    return result
