"""Cold start as Lambda pays it: a fresh interpreter imports the app and serves its first
signed-in GET /albums against DynamoDB Local, against the floor of a minimal Chalice app
serving one GetItem through boto3. Only what the Lambda package holds is on the path:
requirements.txt, boto3 (the runtime's) and chalice's two runtime files."""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE_ROOT = ROOT / "out" / "bench"
RUNNER = Path(__file__).with_name("coldstart_runner.py")


def pinned(requirement_file: Path, name: str) -> str:
    for line in requirement_file.read_text().splitlines():
        match = re.match(rf"^{name}==(\S+)", line.strip(), re.IGNORECASE)
        if match:
            return f"{name}=={match.group(1)}"
    raise SystemExit(f"{name} is not pinned in {requirement_file}")


def lambda_site() -> Path:
    """A folder holding exactly the Lambda's packages, built once per requirements set."""
    requirements = (ROOT / "requirements.txt").read_text()
    boto3 = pinned(ROOT / "requirements-dev.txt", "boto3")
    digest = hashlib.sha256((requirements + boto3).encode()).hexdigest()[:12]
    site = SITE_ROOT / f"lambda-site-{digest}"
    if (site / ".complete").exists():
        return site
    shutil.rmtree(site, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(site), "-r", "requirements.txt", boto3],
        cwd=ROOT,
        check=True,
    )
    import chalice
    import chalice.app

    (site / "chalice").mkdir(exist_ok=True)
    shutil.copy(chalice.__file__, site / "chalice" / "__init__.py")
    shutil.copy(chalice.app.__file__, site / "chalice" / "app.py")
    (site / ".complete").write_text("")
    return site


def staged_project(precompiled: bool = False) -> Path:
    """app.py, chalicelib and the floor app as `chalice package` zips them from a clean
    checkout: sources without bytecode. Lambda's /var/task is read-only, so a cold start
    compiles them (`-B` keeps it that way run after run); the floor compiles its own.
    `precompiled`: with unchecked-hash bytecode next to them, as a package could ship it."""
    stage = SITE_ROOT / ("project-compiled" if precompiled else "project")
    shutil.rmtree(stage, ignore_errors=True)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "chalicelib", stage / "chalicelib", ignore=skip)
    shutil.copy(ROOT / "app.py", stage / "app.py")
    (stage / "bench").mkdir()
    (stage / "bench" / "__init__.py").write_text("")
    shutil.copy(ROOT / "bench" / "floor_app.py", stage / "bench" / "floor_app.py")
    if precompiled:
        import compileall
        import py_compile

        mode = py_compile.PycInvalidationMode.UNCHECKED_HASH
        compileall.compile_dir(stage, quiet=1, invalidation_mode=mode)
    return stage


@dataclass(frozen=True)
class ColdStart:
    app_ms: list[float]
    floor_ms: list[float]
    app_import_ms: float
    app_first_ms: float
    floor_import_ms: float
    floor_first_ms: float
    app_cpu_ms: float
    floor_cpu_ms: float

    @property
    def app_median(self) -> float:
        return statistics.median(self.app_ms)

    @property
    def floor_median(self) -> float:
        return statistics.median(self.floor_ms)

    @property
    def ratio(self) -> float:
        return self.app_median / self.floor_median


def _run(mode: str, site: Path, project: Path, token: str, env: Mapping[str, str]) -> tuple[float, dict[str, float]]:
    argv = [sys.executable, "-S", "-B", str(RUNNER), mode, str(site), str(project), token]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=dict(env), cwd=project, capture_output=True, text=True, timeout=60)
    wall = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"cold start ({mode}) failed:\n{done.stderr[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    # CPU time of the child: less shaken than wall time by other work on a shared machine
    figures["cpu_ms"] = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    if figures["status"] != 200:
        raise RuntimeError(f"cold start ({mode}) answered {figures['status']}:\n{done.stderr[-2000:]}")
    return wall, figures


def measure(env: Mapping[str, str], token: str, floor_pk: str, runs: int = 15, precompiled: bool = False) -> ColdStart:
    """`runs` of each, alternated (app, floor, app, ...), after one unmeasured warm-up of
    each so the OS file cache is equally warm for both."""
    site, project = lambda_site(), staged_project(precompiled)
    clean = {k: v for k, v in env.items() if not k.startswith("PYTHON")}
    clean.update({"FLOOR_PK": floor_pk, "PYTHONDONTWRITEBYTECODE": "1"})
    for mode in ("app", "floor"):
        _run(mode, site, project, token, clean)
    app_ms, floor_ms, app_parts, floor_parts = [], [], [], []
    for _ in range(runs):
        wall, parts = _run("app", site, project, token, clean)
        app_ms.append(wall)
        app_parts.append(parts)
        wall, parts = _run("floor", site, project, token, clean)
        floor_ms.append(wall)
        floor_parts.append(parts)

    def med(parts: list[dict[str, float]], key: str) -> float:
        return statistics.median(p[key] for p in parts)

    return ColdStart(
        app_ms,
        floor_ms,
        med(app_parts, "import_ms"),
        med(app_parts, "first_ms"),
        med(floor_parts, "import_ms"),
        med(floor_parts, "first_ms"),
        med(app_parts, "cpu_ms"),
        med(floor_parts, "cpu_ms"),
    )


def environment_for_app(stack_env: Mapping[str, str]) -> dict[str, str]:
    """The stack's environment plus the local stage's variables from .chalice/config.json
    (what `chalice local` would add), with the mailer a Lambda has."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    env = dict(stack_env)
    env.update(config.get("environment_variables", {}))
    env.update(config["stages"]["local"].get("environment_variables", {}))
    env.pop("PYTHONPATH", None)
    env["LOG_LEVEL"] = "WARNING"
    # As on Lambda: SES, not the local stack's outbox (which is not in the package). The
    # measured request sends no mail, so no SES client is made.
    env["MAILER"] = "ses"
    return env


if __name__ == "__main__":  # build the site only: python -m bench.coldstart
    print(lambda_site(), os.listdir(lambda_site()))
