"""The registry of layer kinds: IR classes by JSON type, Keras handlers by Keras class name.

A kind module (`vhdlgen.layers.<kind>`) registers its IR class with `ir_kind` and the Keras
classes it reads with `keras`; `vhdlgen.layers` imports every module of the package, so a new
kind is found without editing any list.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, TypeVar

from vhdlgen.ir import Layer, Tensor

#: (Keras layer, the Keras layer after it or None) -> problems, empty when it is supported
Check = Callable[[object, object], list[str]]
#: (Keras layer, its input tensor, frontend options, the Keras layers after it) -> IR layers;
#: a builder may take layers it absorbs off the front of the list (an average's quantizer)
Build = Callable[[object, Tensor, object, list], list[Layer]]


@dataclass(frozen=True)
class KerasKind:
    """How vhdlgen reads one Keras layer class: `check` before anything is built, `build`
    after; `text` says what it accepts in the list of supported layers, at position `order`."""

    check: Check
    build: Build
    text: str
    order: int


IR_KINDS: dict[str, type[Layer]] = {}
KERAS_KINDS: dict[str, KerasKind] = {}
_TEXTS: dict[int, str] = {}
L = TypeVar("L", bound=type[Layer])


def ir_kind(cls: L) -> L:
    """Class decorator: `cls` is an IR layer kind; its JSON "type" is its class name."""
    if cls.__name__ in IR_KINDS:
        raise ValueError(f"IR layer kind {cls.__name__} registered twice")
    IR_KINDS[cls.__name__] = cls
    return cls


def keras(names: tuple[str, ...], check: Check, build: Build, text: str, order: int) -> None:
    """Register the Keras classes `names` (one text for all of them in the supported list)."""
    for name in names:
        if name in KERAS_KINDS:
            raise ValueError(f"Keras layer {name} registered twice")
        KERAS_KINDS[name] = KerasKind(check, build, text, order)
    if order in _TEXTS:
        raise ValueError(f"supported-layer text position {order} taken twice")
    _TEXTS[order] = text


def supported_texts() -> list[str]:
    """What every registered kind accepts, in order."""
    return [_TEXTS[order] for order in sorted(_TEXTS)]
