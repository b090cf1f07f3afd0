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


HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
CHUNK = 1 << 15  # rows per block, so a million wide vectors never need gigabytes at once


def hex_digits(total_bits: int) -> int:
    return (total_bits + 3) // 4


def to_hex(codes: np.ndarray, element_width: int) -> np.ndarray:
    """Codes (N, elements) -> ASCII hex (N, D) uint8: the packed word, most significant digit
    first, D = hex_digits(elements * element_width); two's complement when negative."""
    codes = np.asarray(codes, dtype=np.int64).reshape(len(codes), -1)
    total = codes.shape[1] * element_width
    digits = hex_digits(total)
    out = np.empty((len(codes), digits), dtype=np.uint8)
    for start in range(0, len(codes), CHUNK):
        block = codes[start:start + CHUNK] & ((1 << element_width) - 1)
        bits = ((block[:, :, None] >> np.arange(element_width)) & 1).astype(np.uint8)
        bits = np.pad(bits.reshape(len(block), total), ((0, 0), (0, 4 * digits - total)))
        nibbles = bits.reshape(len(block), digits, 4) @ np.array([1, 2, 4, 8], dtype=np.uint8)
        out[start:start + CHUNK] = HEX[nibbles[:, ::-1]]
    return out


def from_hex(text: np.ndarray, elements: int, element_width: int, signed: bool) -> np.ndarray:
    """ASCII hex (N, D) uint8, most significant digit first -> codes (N, elements) int64.
    Raises ValueError naming the first row that is not all hex digits (e.g. 'X' or 'U' bits)."""
    lookup = np.full(256, 255, dtype=np.uint8)
    lookup[HEX] = np.arange(16)
    lookup[np.frombuffer(b"ABCDEF", dtype=np.uint8)] = np.arange(10, 16)
    nibbles = lookup[text[:, ::-1]]
    bad = np.flatnonzero((nibbles == 255).any(axis=1))
    if bad.size:
        raise ValueError(f"row {int(bad[0])} is not a hex word: {bytes(text[bad[0]]).decode()!r}")
    total = elements * element_width
    weights = np.int64(1) << np.arange(element_width, dtype=np.int64)
    codes = np.empty((len(text), elements), dtype=np.int64)
    for start in range(0, len(text), CHUNK):
        block = nibbles[start:start + CHUNK]
        bits = ((block[:, :, None] >> np.arange(4, dtype=np.uint8)) & 1).reshape(len(block), -1)
        if bits[:, total:].any():
            raise ValueError("a hex word has bits above the port width")
        codes[start:start + CHUNK] = (bits[:, :total].reshape(len(block), elements, element_width)
                                      .astype(np.int64) @ weights)
    if signed:
        codes = np.where(codes >= 1 << (element_width - 1), codes - (1 << element_width), codes)
    return codes
