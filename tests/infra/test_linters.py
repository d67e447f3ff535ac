"""cfn-lint with no finding and checkov with no failed check, on the packaged template."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKOV = ROOT / ".venv-tools" / "bin" / "checkov"
CHECKOV_OPTIONS = ["--framework", "cloudformation", "--skip-download", "--output", "json"]


def test_cfn_lint_finds_nothing(package_dir: Path) -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(package_dir / "sam.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr  # not even a warning


def declared_skips(resources: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (check["id"], f"{resource['Type']}.{logical_id}")
        for logical_id, resource in resources.items()
        for check in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    }


def test_checkov_fails_no_check_and_every_skip_is_used(package_dir: Path, resources: dict[str, Any]) -> None:
    if not CHECKOV.exists():
        pytest.fail("checkov is missing: run `make .venv-tools/.installed` (make test does)")
    # Offline: no download of policies or of the guideline mapping.
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    env.pop("BC_API_KEY", None)
    result = subprocess.run(
        [str(CHECKOV), "-f", str(package_dir / "sam.json"), *CHECKOV_OPTIONS],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    report = json.loads(result.stdout)
    summary = report["summary"]
    failed = [(c["check_id"], c["resource"], c["check_name"]) for c in report["results"]["failed_checks"]]
    assert summary["failed"] == 0, failed
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 20
    skipped = {(c["check_id"], c["resource"]) for c in report["results"]["skipped_checks"]}
    # Each skip written next to its resource is one checkov really applies there.
    assert skipped == declared_skips(resources)
