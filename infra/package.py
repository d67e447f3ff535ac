"""`make package`: the merge template, then `chalice package`, in one place for the
Makefile and tests/infra.

    python -m infra.package --stage prod --out out

Writes out/sam.json and out/deployment.zip. Chalice zips chalicelib/ whole, bytecode
caches included, so they are removed first: the package is the same from a fresh clone
and from a working tree that has run the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
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
    return out


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
