"""The README and docs/ as a newcomer uses them: every `make` command they show is a target
the Makefile has (checked with `make -n`, variables as written), every `python -m` module
exists, every file they name is in the repository, every link stays inside it (anchors
included), every shell block parses, and the figures they quote match their source."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Made by running things, so not in a fresh clone: named, but not required to exist.
GENERATED = (".local", "LOCAL_DIR/", "out/", "test-artifacts", ".venv", "node_modules", "build/", "dist/")
# Slash-separated names that are not paths of this repository.
NOT_PATHS = {
    "application/json",  # a media type
    "alias/aws/sns",  # a KMS key alias
    "moto/cognitoidp/resources/jwks-private.json",  # inside the installed moto package
}
FENCE = re.compile(r"^ *```(\w*)\n(.*?)^ *```", re.M | re.S)
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
PLACEHOLDER = re.compile(r"<[A-Za-z][^<>\s]*>|\.\.\.")


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def doc_ids() -> list[str]:
    return [str(p.relative_to(ROOT)) for p in DOCS]


def shell_blocks(path: Path) -> list[str]:
    return [body for lang, body in FENCE.findall(text(path)) if lang in {"sh", "bash", "shell"}]


def commands(path: Path) -> list[str]:
    """Each command line of the shell blocks and of the inline code spans, comments cut."""
    found = []
    for block in shell_blocks(path):
        joined = block.replace("\\\n", " ")
        found += [
            line.split(" # ")[0].strip() for line in joined.splitlines() if line.strip() and not line.startswith("#")
        ]
    found += [span.strip() for span in CODE_SPAN.findall(text(path))]
    return found


def make_invocations(path: Path) -> list[list[str]]:
    """`make TARGET VAR=value ...` as written (placeholders filled), from blocks and spans."""
    invocations = []
    for command in commands(path):
        for part in re.split(r"&&|;|\|", command):
            words = part.strip().split()
            while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
                words = words[1:]  # `IDENTITY_BACKEND=cognito make dev`
            if len(words) >= 2 and words[0] == "make" and not words[1].startswith("-"):
                filled = PLACEHOLDER.sub("x", " ".join(words[1:]))
                invocations.append(shlex.split(filled))
    return invocations


@cache
def makefile_targets() -> set[str]:
    makefile = text(ROOT / "Makefile")
    variables = dict(re.findall(r"^([A-Z_]+) :?= (\S+)$", makefile, re.M))
    expanded = re.sub(r"\$\(([A-Z_]+)\)", lambda m: variables.get(m.group(1), m.group(0)), makefile)
    return set(re.findall(r"^([a-zA-Z0-9_./-]+):", expanded, re.M))


@pytest.mark.parametrize("doc", doc_ids())
def test_every_make_command_names_a_target_that_runs_dry(doc: str) -> None:
    invocations = {tuple(words) for words in make_invocations(ROOT / doc)}
    for words in sorted(invocations):
        targets = [w for w in words if "=" not in w]
        assert targets, f"{doc}: `make {' '.join(words)}` names no target"
        for target in targets:
            assert target in makefile_targets(), f"{doc}: `make {target}` is not a Makefile target"
        # Dry run with the variables as written: the target resolves and its usage checks pass.
        done = subprocess.run(
            ["make", "-n", "--no-print-directory", *words],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, f"{doc}: `make -n {' '.join(words)}` failed: {done.stderr}"


def test_the_readme_shows_the_quick_start_targets() -> None:
    named = {words[0] for words in make_invocations(ROOT / "README.md")}
    assert {"dev", "admin", "clean-data", "test", "deploy", "aws-seed", "aws-admin", "destroy"} <= named


@pytest.mark.parametrize("doc", doc_ids())
def test_every_python_module_named_exists(doc: str) -> None:
    modules = set(re.findall(r"python3? -m ([A-Za-z_][\w.]*)", text(ROOT / doc)))
    for module in modules - {"venv", "pip", "pytest"}:
        assert importlib.util.find_spec(module) is not None, f"{doc}: `python -m {module}`: no such module"


def named_paths(path: Path) -> set[str]:
    """Code spans that look like a path in the repository (a folder or a file with a suffix)."""
    found = set()
    for span in CODE_SPAN.findall(text(path)):
        for word in span.split():
            word = word.strip("\"',;:()")
            if PLACEHOLDER.search(word) or "*" in word or "{" in word or "://" in word or "=" in word:
                continue
            if re.fullmatch(r"[\w.-]+(/[\w.-]+)+/?|[\w-]+\.(py|md|json|txt|toml|html|png|cfg|sh)", word):
                found.add(word)
    return found


@pytest.mark.parametrize("doc", doc_ids())
def test_every_file_named_is_in_the_repository(doc: str) -> None:
    missing = []
    for name in named_paths(ROOT / doc):
        if name.startswith(GENERATED) or name.startswith("/") or name in NOT_PATHS:
            continue
        candidates = [ROOT / name, (ROOT / doc).parent / name]
        # Short names ("provider.py", "jwks.py") are named in the text of their folder.
        if not any(c.exists() for c in candidates) and not list(ROOT.glob(f"*/**/{name}")):
            missing.append(name)
    assert not missing, f"{doc} names files that do not exist: {sorted(missing)}"


def github_anchor(heading: str) -> str:
    slug = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return slug.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    body = FENCE.sub("", text(path))
    return {github_anchor(h) for h in re.findall(r"^#+ (.+)$", body, re.M)}


@pytest.mark.parametrize("doc", doc_ids())
def test_every_link_stays_in_the_repository_and_finds_its_anchor(doc: str) -> None:
    path = ROOT / doc
    for target in LINK.findall(FENCE.sub("", text(path))):
        if target.startswith(("https://", "http://127.0.0.1", "mailto:")):
            continue
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / file_part).resolve() if file_part else path
        assert resolved.is_relative_to(ROOT), f"{doc}: {target} points outside the repository"
        assert resolved.exists(), f"{doc}: {target} does not exist"
        if anchor and resolved.suffix == ".md":
            assert anchor in anchors(resolved), f"{doc}: no heading for #{anchor} in {resolved.name}"


@pytest.mark.parametrize("doc", doc_ids())
def test_no_insider_references(doc: str) -> None:
    for paragraph in re.split(r"\n\s*\n", text(ROOT / doc)):
        if "TODO(lead)" in paragraph:
            continue  # notes for the maintainer merging the open work, removed with it
        # The project's planning folder beside the checkout: a cloner does not have it.
        outside = "/".join(("..", "shared"))
        assert outside not in paragraph and "shared/API.md" not in paragraph, f"{doc}: {paragraph}"
        found = re.search(r"\bissues? \d+\b|\bwas 4\b|workplace", paragraph, re.I)
        assert not found, f"{doc}: {found.group(0)!r} in: {paragraph}"


@pytest.mark.parametrize("doc", doc_ids())
def test_every_shell_block_parses(doc: str) -> None:
    for block in shell_blocks(ROOT / doc):
        filled = PLACEHOLDER.sub("x", block)
        done = subprocess.run(["bash", "-n"], input=filled, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{doc}: a shell block does not parse: {done.stderr}\n{block}"


# -- figures -----------------------------------------------------------------------------------


def table_rows(markdown: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in markdown.splitlines()
        if line.startswith("|") and not re.fullmatch(r"\|[-| ]+\|", line.strip())
    ]


def test_quoted_benchmark_rows_match_bench_results() -> None:
    testing = text(ROOT / "docs" / "testing.md")
    quote = testing.split("<!-- quoted from bench/results.md -->")[1].split("<!-- end of quote -->")[0]
    quoted = table_rows(quote)[1:]  # without the header
    assert len(quoted) >= 10
    results = table_rows(text(ROOT / "bench" / "results.md"))
    for row in quoted:
        assert row in results, f"docs/testing.md quotes a row bench/results.md no longer has: {row}"


def test_the_blocklist_count_is_the_files() -> None:
    lines = text(ROOT / "chalicelib" / "data" / "common-passwords.txt").splitlines()
    count = len([line for line in lines if line and not line.startswith("#")])
    written = f"{count:,}"
    mentions = 0
    for path in DOCS:
        for figure in re.findall(r"([\d,]+)(?:-entry| common passwords)", text(path)):
            assert figure == written, f"{path.name} says {figure} blocked passwords; the file has {written}"
            mentions += 1
    assert mentions >= 2


def test_the_album_count_is_the_seeds() -> None:
    albums = json.loads(text(ROOT / "data" / "albums.json"))
    assert f"catalog of {len(albums)} albums" in text(ROOT / "README.md")


def test_the_quick_start_mail_line_is_the_mailers() -> None:
    # Step 3 greps the mail for "code is"; the outbox's mail must still say so.
    mail = text(ROOT / "chalicelib" / "core" / "mail.py")
    assert "verification code is" in mail
    assert "Your Bandstand verification code is" in text(ROOT / "README.md")
