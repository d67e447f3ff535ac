"""`make package`: the merge template, then `chalice package`, in one place for the
Makefile and tests/infra.

    python -m infra.package --stage prod --out out

Writes out/sam.json and out/deployment.zip. Chalice zips chalicelib/ whole, bytecode
caches included, so they are removed first: the package is the same from a fresh clone
and from a working tree that has run the tests. Then every module in the zip gets an
unchecked-hash .pyc (PEP 552) from the Lambda runtime's Python: Lambda's file system is
read-only, so without them every cold start compiles the sources again, and unchecked
pycs are used without a stat of the source.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from infra.merge_template import build

ROOT = Path(__file__).resolve().parent.parent


def package(stage: str, out: Path, region: str = "us-east-1", work: Path = ROOT / "build" / "infra") -> Path:
    merge = work / f"merge-{stage}.json"
    merge.parent.mkdir(parents=True, exist_ok=True)
    merge.write_text(json.dumps(build(stage), indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    for cache in sorted((ROOT / "chalicelib").rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)
    chalice = Path(sys.executable).parent / "chalice"
    subprocess.run(  # noqa: S603 (a fixed argv: this venv's chalice)
        [str(chalice), "package", "--stage", stage, "--merge-template", str(merge), str(out)],
        cwd=ROOT,
        env={**os.environ, "AWS_DEFAULT_REGION": region},
        check=True,
    )
    add_bytecode(out / "deployment.zip", lambda_runtime(out / "sam.json"))
    return out


def lambda_runtime(template: Path) -> str:
    """The functions' runtime (python3.11): every function of the template has the same."""
    resources = json.loads(template.read_text(encoding="utf-8"))["Resources"]
    (runtime,) = {r["Properties"]["Runtime"] for r in resources.values() if r["Type"] == "AWS::Serverless::Function"}
    return str(runtime)


def add_bytecode(archive: Path, runtime: str) -> None:
    """Rewrite the zip with __pycache__/*.cpython-XY.pyc (unchecked hash) next to each .py."""
    ours = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if runtime != ours:
        # Bytecode is per Python version: Lambda would ignore (and recompile) ours.
        raise SystemExit(f"package with {runtime} (the Lambda runtime), not {ours}")
    with tempfile.TemporaryDirectory() as work:
        tree = Path(work) / "tree"
        with zipfile.ZipFile(archive) as source:
            modes = {info.filename: info.external_attr for info in source.infolist()}
            source.extractall(tree)
        compileall.compile_dir(
            tree, quiet=1, workers=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH, ddir="/var/task"
        )
        rebuilt = Path(work) / "deployment.zip"
        with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as target:
            for path in sorted(p for p in tree.rglob("*") if p.is_file()):
                name = path.relative_to(tree).as_posix()
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                info.external_attr = modes.get(name, 0o644 << 16)
                info.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(info, path.read_bytes())
        shutil.move(str(rebuilt), archive)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True)
    parser.add_argument("--out", type=Path, default=ROOT / "out")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"))
    args = parser.parse_args(argv)
    package(args.stage, args.out, args.region)
    print(f"wrote {args.out / 'sam.json'} and {args.out / 'deployment.zip'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
