"""Bit packing of the flat data ports (the layout of report.json 'in_data' / 'out_data')."""
from __future__ import annotations

import numpy as np


def pack(codes: np.ndarray, element_width: int) -> list[int]:
    """Codes (N, elements) -> one integer per row; element i at bits [i*W, (i+1)*W)."""
    codes = np.asarray(codes, dtype=np.int64).reshape(len(codes), -1)
    unsigned = codes & ((1 << element_width) - 1)
    bits = (unsigned[:, :, None] >> np.arange(element_width)) & 1
    packed = np.packbits(bits.reshape(len(codes), -1).astype(np.uint8), axis=1, bitorder="little")
    return [int.from_bytes(row.tobytes(), "little") for row in packed]


def unpack(values: list[int], elements: int, element_width: int, signed: bool) -> np.ndarray:
    """Integers -> codes (N, elements), sign-extending each element when `signed`."""
    total = elements * element_width
    nbytes = (total + 7) // 8
    raw = np.frombuffer(b"".join(int(v).to_bytes(nbytes, "little") for v in values),
                        dtype=np.uint8).reshape(len(values), nbytes)
    bits = np.unpackbits(raw, axis=1, bitorder="little")[:, :total]
    bits = bits.reshape(len(values), elements, element_width).astype(np.int64)
    codes = (bits << np.arange(element_width)).sum(axis=2)
    if signed:
        codes = np.where(codes >= 1 << (element_width - 1), codes - (1 << element_width), codes)
    return codes
