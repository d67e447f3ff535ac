"""static/js/qr.js (the web app's QR encoder for the authenticator URI), run in Node and
read back with tests/support/qr_read.py: structure per the standard, then the payload."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.qr_read import read

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

SAMPLES = [
    "A",
    "otpauth://totp/Bandstand:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Bandstand",
    "otpauth://totp/Bandstand:" + "u" * 32 + "?secret=" + "ASDF" * 25 + "&issuer=Bandstand",  # moto's long secret
    "ünïcødé ✓ " * 3,
    "x" * 213,  # version 10's capacity at level M
]


def encode(texts: list[str], mask: int | None = None) -> list[dict]:
    script = (
        f"import {{ encode }} from {json.dumps((ROOT / 'static/js/qr.js').as_uri())};\n"
        f"const texts = {json.dumps(texts)};\n"
        f"const mask = {json.dumps(mask)};\n"
        "console.log(JSON.stringify(texts.map((t) => encode(t, mask === null ? {} : { mask }))));\n"
    )
    assert NODE is not None
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", script], capture_output=True, text=True, check=True, timeout=60
    )
    result: list[dict] = json.loads(done.stdout)
    return result


def finder_ok(m: list[list[bool]], top: int, left: int) -> bool:
    for r in range(7):
        for c in range(7):
            ring = max(abs(r - 3), abs(c - 3))
            if m[top + r][left + c] != (ring != 2):
                return False
    return True


def test_each_sample_reads_back_with_a_valid_structure():
    for text, code in zip(SAMPLES, encode(SAMPLES), strict=True):
        m = code["modules"]
        n = len(m)
        assert n == code["size"] == 17 + 4 * code["version"] and all(len(row) == n for row in m)
        assert finder_ok(m, 0, 0) and finder_ok(m, 0, n - 7) and finder_ok(m, n - 7, 0)
        assert all(m[6][i] == (i % 2 == 0) and m[i][6] == (i % 2 == 0) for i in range(8, n - 8)), "timing"
        assert m[n - 8][8], "the dark module"
        reading = read(m)
        assert reading.text == text
        assert reading.level_bits == 0b00  # level M
        assert reading.version == code["version"] and reading.mask == code["mask"]


def test_the_smallest_version_is_chosen():
    versions = [code["version"] for code in encode(["A", "x" * 14, "x" * 15, "x" * 180, "x" * 213])]
    assert versions == [1, 1, 2, 9, 10]  # level M byte capacities: v1 14, v2 26, v9 180, v10 213


def test_every_mask_pattern_reads_back():
    text = SAMPLES[1]
    for mask in range(8):
        (code,) = encode([text], mask)
        assert code["mask"] == mask and read(code["modules"]).text == text


def test_text_beyond_version_10_is_refused():
    with pytest.raises(subprocess.CalledProcessError) as failed:
        encode(["x" * 214])
    assert "do not fit" in failed.value.stderr
