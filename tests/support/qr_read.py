"""Reading a QR code matrix back (ISO/IEC 18004, byte mode, level M, versions 1-10), to
check static/js/qr.js without a third-party decoder: every rule here is taken from the
standard on its own (function areas, format and version BCH codes, the zigzag order,
block interleaving, Reed-Solomon syndromes), not from the encoder."""

from __future__ import annotations

from dataclasses import dataclass

Matrix = list[list[bool]]

# Level M per version: (EC codewords per block, [data codewords of each block]).
LEVEL_M: dict[int, tuple[int, list[int]]] = {
    1: (10, [16]),
    2: (16, [28]),
    3: (26, [44]),
    4: (18, [32, 32]),
    5: (24, [43, 43]),
    6: (16, [27] * 4),
    7: (18, [31, 31, 32, 32]),
    8: (22, [38, 38, 39, 39]),
    9: (22, [36, 36, 36, 37, 37]),
    10: (26, [43, 43, 43, 43, 44]),
}
ALIGNMENT = {1: [], 2: [6, 18], 3: [6, 22], 4: [6, 26], 5: [6, 30], 6: [6, 34], 7: [6, 22, 38], 8: [6, 24, 42]}
ALIGNMENT |= {9: [6, 26, 46], 10: [6, 28, 50]}
MASKS = [
    lambda r, c: (r + c) % 2 == 0,
    lambda r, c: r % 2 == 0,
    lambda r, c: c % 3 == 0,
    lambda r, c: (r + c) % 3 == 0,
    lambda r, c: (r // 2 + c // 3) % 2 == 0,
    lambda r, c: (r * c) % 2 + (r * c) % 3 == 0,
    lambda r, c: ((r * c) % 2 + (r * c) % 3) % 2 == 0,
    lambda r, c: ((r + c) % 2 + (r * c) % 3) % 2 == 0,
]


def bch_ok(word: int, data_bits: int, poly: int, total_bits: int) -> bool:
    """Whether `word` (data then check bits) is a codeword of the BCH code `poly`."""
    rem = word
    degree = total_bits - data_bits
    for bit in range(total_bits - 1, degree - 1, -1):
        if rem >> bit & 1:
            rem ^= poly << (bit - degree)
    return rem == 0


def reserved(version: int) -> set[tuple[int, int]]:
    n = 17 + 4 * version
    cells: set[tuple[int, int]] = set()
    for top, left in ((0, 0), (0, n - 7), (n - 7, 0)):  # finders with separators
        for r in range(top - 1, top + 8):
            for c in range(left - 1, left + 8):
                if 0 <= r < n and 0 <= c < n:
                    cells.add((r, c))
    finders = set(cells)
    for i in range(n):  # timing
        cells.add((6, i))
        cells.add((i, 6))
    centres = ALIGNMENT[version]
    for r in centres:
        for c in centres:
            if (r, c) in finders:
                continue  # would overlap a finder
            cells |= {(r + dr, c + dc) for dr in range(-2, 3) for dc in range(-2, 3)}
    for i in range(9):  # format information
        cells |= {(8, i), (i, 8)}
    for i in range(8):
        cells |= {(8, n - 1 - i), (n - 1 - i, 8)}
    if version >= 7:
        for i in range(6):
            for j in range(3):
                cells |= {(i, n - 11 + j), (n - 11 + j, i)}
    return cells


def format_words(m: Matrix) -> tuple[int, int]:
    """Both copies of the 15 format bits, bit 14 first, as placed by the standard."""
    n = len(m)
    first_positions = [(8, c) for c in (0, 1, 2, 3, 4, 5, 7, 8)] + [(r, 8) for r in (7, 5, 4, 3, 2, 1, 0)]
    second_positions = [(r, 8) for r in range(n - 1, n - 8, -1)] + [(8, c) for c in range(n - 8, n)]
    first = second = 0
    for (r1, c1), (r2, c2) in zip(first_positions, second_positions, strict=True):
        first = first << 1 | m[r1][c1]
        second = second << 1 | m[r2][c2]
    return first, second


def version_words(m: Matrix) -> tuple[int, int]:
    """The 18 version bits from the top-right and bottom-left blocks, bit 17 first."""
    n = len(m)
    top = bottom = 0
    for i in range(17, -1, -1):
        top = top << 1 | m[i // 3][n - 11 + i % 3]
        bottom = bottom << 1 | m[n - 11 + i % 3][i // 3]
    return top, bottom


EXP = [0] * 512
LOG = [0] * 256
_v = 1
for _i in range(255):
    EXP[_i], LOG[_v] = _v, _i
    _v = (_v << 1) ^ (0x11D if _v & 0x80 else 0)
for _i in range(255, 512):
    EXP[_i] = EXP[_i - 255]


def gf_mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else EXP[LOG[a] + LOG[b]]


def syndromes(block: list[int], ec: int) -> list[int]:
    """The block as a polynomial (first codeword highest) at a^0 .. a^(ec-1): all zero
    for a valid Reed-Solomon codeword."""
    out = []
    for i in range(ec):
        value = 0
        for byte in block:
            value = gf_mul(value, EXP[i]) ^ byte
        out.append(value)
    return out


@dataclass
class Reading:
    version: int
    mask: int
    level_bits: int
    text: str


def read(m: Matrix) -> Reading:
    n = len(m)
    assert (n - 17) % 4 == 0, "size is 17 + 4 * version"
    version = (n - 17) // 4
    first, second = format_words(m)
    assert first == second, "the two format copies differ"
    word = first ^ 0x5412
    assert bch_ok(word, 5, 0x537, 15), "format information is not a BCH(15,5) codeword"
    level_bits, mask = word >> 13, word >> 10 & 7
    if version >= 7:
        top, bottom = version_words(m)
        assert top == bottom and top >> 12 == version and bch_ok(top, 6, 0x1F25, 18), "version information"
    skip = reserved(version)
    bits: list[int] = []
    right = n - 1
    upward = True
    while right >= 1:
        if right == 6:
            right = 5
        rows = range(n - 1, -1, -1) if upward else range(n)
        for r in rows:
            for c in (right, right - 1):
                if (r, c) not in skip:
                    bits.append(int(m[r][c] ^ MASKS[mask](r, c)))
        upward = not upward
        right -= 2
    ec, sizes = LEVEL_M[version]
    total = sum(sizes) + ec * len(sizes)
    codewords = [int("".join(map(str, bits[i * 8 : i * 8 + 8])), 2) for i in range(total)]
    blocks: list[list[int]] = [[] for _ in sizes]
    k = 0
    for i in range(max(sizes)):
        for b, size in enumerate(sizes):
            if i < size:
                blocks[b].append(codewords[k])
                k += 1
    for _ in range(ec):
        for block in blocks:
            block.append(codewords[k])
            k += 1
    for block in blocks:
        assert syndromes(block, ec) == [0] * ec, "a block fails its Reed-Solomon check"
    data = [byte for block, size in zip(blocks, sizes, strict=True) for byte in block[:size]]
    stream = "".join(f"{b:08b}" for b in data)
    assert stream[:4] == "0100", "byte mode"
    count_bits = 8 if version < 10 else 16
    length = int(stream[4 : 4 + count_bits], 2)
    start = 4 + count_bits
    payload = bytes(int(stream[start + 8 * i : start + 8 * i + 8], 2) for i in range(length))
    return Reading(version, mask, level_bits, payload.decode())
