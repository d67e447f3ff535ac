"""The web app's email check (static/js/validation.js, run by Node) accepts exactly the
addresses the server's `email` field accepts: a form never passes an address the API
refuses, nor refuses one the API takes."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from chalicelib.core.rules import EMAIL
from tests.support.prerequisites import skip_or_fail

REPO_ROOT = Path(__file__).resolve().parents[2]
WEB_VALIDATION = REPO_ROOT / "static" / "js" / "validation.js"
# Reads a JSON list of addresses on stdin, prints whether email() found no fault in each.
CHECK_ALL = """
import { email } from "./validation.mjs";
let input = "";
for await (const chunk of process.stdin) input += chunk;
console.log(JSON.stringify(JSON.parse(input).map((address) => email(address) === "")));
"""

VALID = [
    "a@b.co",
    "someone@example.com",
    "  padded@example.com\u3000",
    "first.last+tag@sub.example.co.uk",
    "o'brien@example.ie",
    "x@a-b.example.museum",
    "jörg@example.de",
    "\U0001f600" * 64 + "@example.com",  # 64 characters, 128 UTF-16 units
    "l" * 64 + "@" + "d" * 63 + ".com",
    "x@" + ".".join(["d" * 63] * 3) + "." + "d" * 60,  # 254 characters
    "\ufeffa@example.com",  # U+FEFF is no whitespace to Python
]
INVALID = [
    "",
    "  padded@example.com\t",  # one-line fields refuse control characters, before trimming
    "line@example.com\u2028",
    "   ",
    "x@y",
    "plain",
    "a b@example.com",
    "a@b@example.com",
    '"quoted"@example.com',
    "a,b@example.com",
    "[a]@example.com",
    "a@example.c",
    "a@example.123",
    "a@-example.com",
    "a@example-.com",
    "a@example..com",
    "a@.example.com",
    "a@example.com.",
    "a@exa_mple.com",
    "a@bücher.de",
    "\U0001f600" * 65 + "@example.com",
    "l" * 65 + "@example.com",
    "a@" + "d" * 64 + ".com",
    "x@" + ".".join(["d" * 63] * 3) + "." + "d" * 61,  # 255 characters
    "a\u0085b@example.com",  # Python's \s has U+0085 and U+001C-U+001F; JS's has not
    "a\x1cb@example.com",
    "a\u3000b@example.com",
]
# Mostly plain characters, sometimes one that either rule could treat differently.
RARE_IN_LOCAL = "\"',;[]\\@ \t\u0085\x1c\u3000\ufeff\u00e9\U0001f600"
RARE_IN_DOMAIN = "-_.\u00e9 \r"
PADDING = ["", "", " ", "\t", "\n", "\u0085", "\x1c", "\ufeff", "\u3000"]


def web_verdicts(addresses: list[str], tmp_path: Path) -> list[bool]:
    node = shutil.which("node")
    if node is None:
        skip_or_fail("node is not installed (the web app's checks run on it)")
    # .mjs: Node loads the file as an ES module whatever package.json says.
    shutil.copy(WEB_VALIDATION, tmp_path / "validation.mjs")
    done = subprocess.run(
        [str(node), "--input-type=module", "-e", CHECK_ALL],
        input=json.dumps(addresses),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    verdicts: list[bool] = json.loads(done.stdout)
    return verdicts


def server_accepts(address: str) -> bool:
    return EMAIL.check(address)[1] is None


def word(chooser: random.Random, common: str, rare: str, size: int) -> str:
    return "".join(chooser.choice(rare if chooser.random() < 0.15 else common) for _ in range(size))


def random_addresses(count: int) -> list[str]:
    chooser = random.Random(20261206)  # fixed: the same addresses every run
    picked = []
    for _ in range(count):
        local = word(chooser, "abz09.+", RARE_IN_LOCAL, chooser.randint(0, 6))
        labels = [word(chooser, "abz09", RARE_IN_DOMAIN, chooser.randint(0, 5)) for _ in range(chooser.randint(1, 3))]
        top = chooser.choice(["com", "c", "uk", "9z", ""])
        address = f"{local}@{'.'.join([*labels, top])}"
        picked.append(chooser.choice(PADDING) + address + chooser.choice(PADDING))
    return picked


def test_the_samples_are_what_the_server_says():
    assert [server_accepts(a) for a in VALID] == [True] * len(VALID)
    assert [server_accepts(a) for a in INVALID] == [False] * len(INVALID)


@pytest.mark.parametrize("kind", ["samples", "random"])
def test_the_web_app_accepts_exactly_the_addresses_the_server_accepts(kind, tmp_path):
    addresses = VALID + INVALID if kind == "samples" else random_addresses(3000)
    expected = [server_accepts(a) for a in addresses]
    if kind == "random":  # both verdicts occur, so agreeing means something
        assert 50 < sum(expected) < len(expected) - 50
    disagreements = [(a, e) for a, e, w in zip(addresses, expected, web_verdicts(addresses, tmp_path)) if e != w]
    assert disagreements == []
