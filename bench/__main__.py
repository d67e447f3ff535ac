"""`make bench` / `python -m bench`: every figure we track in one table, written with
the machine's description and the date to bench/results.md. Stops by itself within 10
minutes: each step checks the time left, and a step that would not fit is skipped (and
says so in the table). Machine-dependent figures come with a ratio against a floor
measured in the same run.

`python -m bench --only="cold start"` runs one step (and the stack if it needs it) and
prints without writing. Inputs it takes from the code as it is: the identity backends from tests/conftest.py
(IDENTITY_BACKENDS), the package from out/deployment.zip (`make package`), the local
stack from scripts/devstack (as `make dev` starts it), the Lambda memory from .chalice/config.json.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).with_name("results.md")
BUDGET_SECONDS = 9 * 60  # leaves a minute for stopping the stack and writing
ZIP = ROOT / "out" / "deployment.zip"
ZIP_GOAL = 5 * 1024 * 1024
COLD_GOAL = 1.15
COLD_RUNS = 15

STARTED = time.monotonic()
rows: list[tuple[str, str, str]] = []  # (measurement, figure, goal / verdict)
notes: list[str] = []


def left() -> float:
    return BUDGET_SECONDS - (time.monotonic() - STARTED)


def say(text: str) -> None:
    print(f"[bench {time.monotonic() - STARTED:5.0f}s] {text}", file=sys.stderr, flush=True)


def row(what: str, figure: str, verdict: str = "") -> None:
    rows.append((what, figure, verdict))


ONLY = {a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--only=")}  # e.g. --only="cold start"


def step(name: str, needs_seconds: float, run: Callable[[], None]) -> None:
    if ONLY and name not in ONLY and name != "local stack":
        return
    if left() < needs_seconds:
        row(name, "skipped", f"not enough time left ({left():.0f} s)")
        return
    say(name)
    try:
        run()
    except Exception as exc:  # one broken step must not lose the others' figures
        traceback.print_exc()
        row(name, "failed", f"{type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''}")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = ", load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    return f"{cpu}, {os.cpu_count()} cores{memory}{load}; {platform.platform()}; Python {platform.python_version()}"


# -- steps ------------------------------------------------------------------------------


def package_size() -> None:
    if not ZIP.exists():
        row("deployment.zip bytes", "no out/deployment.zip", "run `make package` first (goal <= 5 MiB)")
        return
    size = ZIP.stat().st_size
    verdict = "met" if size <= ZIP_GOAL else "NOT met"
    row("deployment.zip bytes", f"{size:,} ({size / 1024 / 1024:.2f} MiB)", f"{verdict} (goal <= 5 MiB)")


def round_trips() -> None:
    from bench import roundtrips

    for count in roundtrips.measure(timeout=max(60, left() - 30)):
        figure = f"{len(count.calls)}: {roundtrips.summary(count.calls)}"
        verdict = roundtrips.verdict(count)
        row(f"DynamoDB round trips, {count.route} [{count.backend}]", figure, verdict)
        if verdict.startswith("NOT") and count.route in roundtrips.WHY_NOT:
            notes.append(
                f"{count.route} [{count.backend}] misses its round-trip goal: {roundtrips.WHY_NOT[count.route]}"
            )


def password_hashing() -> None:
    from bench import hashing

    h = hashing.measure()
    params = f"m={h.memory_kib // 1024} MiB, t={h.rounds}, p={h.parallelism}"
    row(
        f"argon2id hash ({params})",
        f"{h.hash_ms:.1f} ms",
        f"~{h.on_lambda_ms(h.lambda_mb, h.hash_ms):.0f} ms at {h.lambda_mb} MB on Lambda",
    )
    row(
        f"argon2id verify ({params})",
        f"{h.verify_ms:.1f} ms",
        f"~{h.on_lambda_ms(h.lambda_mb, h.verify_ms):.0f} ms at {h.lambda_mb} MB on Lambda",
    )
    row(
        "argon2id peak memory",
        f"{h.peak_mib:.0f} MiB process ({h.peak_mib - h.base_mib:.0f} MiB for hashing)",
        f"{h.peak_mib / h.lambda_mb * 100:.0f}% of lambda_memory_size {h.lambda_mb} MB",
    )
    recommended = h.recommended_mb()
    row(
        "Lambda memory size from these figures",
        f"{recommended} MB",
        f"smallest size whose CPU share (1 vCPU at {hashing.FULL_VCPU_MB} MB) keeps a verify <= "
        f"{hashing.TARGET_VERIFY_MS} ms (~{h.on_lambda_ms(recommended, h.verify_ms):.0f} ms); memory is not the limit",
    )


class StackSteps:
    """The steps that need the running local stack."""

    def __init__(self) -> None:
        self.stack: Any = None
        self.folder = tempfile.TemporaryDirectory(prefix="bench-")
        self.admin = ""
        self.user_pk = ""

    def start(self) -> None:
        from scripts.devstack import Stack, find_free_port

        self.stack = Stack(
            api_port=find_free_port(),
            web_port=find_free_port(),
            dynamodb_port=find_free_port(),
            cognito_port=find_free_port(),
            local_dir=Path(self.folder.name) / "local",
            seed=False,
            log_to_files=True,
            identity_backend="builtin",
        ).start()
        self.admin, name = self._admin()
        self.user_pk = f"USER#{name}"

    def _admin(self) -> tuple[str, str]:
        from bench.loopback import PASSWORD, Connection, codes_by_address

        name = f"benchadmin{int(time.time()) % 100000}"
        conn = Connection(self.stack.api_url)
        conn.call("POST", "/auth/register", {"username": name, "email": f"{name}@example.com", "password": PASSWORD})
        code = codes_by_address(self.stack.outbox_dir)[f"{name}@example.com"]
        assert conn.call("POST", "/auth/confirm", {"username": name, "code": code})[0] == 200
        self.stack.run_cli(["grant-admin", name])
        status, tokens = conn.call("POST", "/auth/login", {"username": name, "password": PASSWORD})
        assert status == 200, tokens
        conn.close()
        return tokens["access_token"], name

    def cold_start(self) -> None:
        from bench import coldstart

        env = coldstart.environment_for_app(self.stack.environment())
        for precompiled in (False, True):
            self._cold_start(coldstart.measure(env, self.admin, self.user_pk, COLD_RUNS, precompiled), precompiled)

    def _cold_start(self, result: Any, precompiled: bool) -> None:
        if precompiled:
            notes.append(
                "Cold start: both sides run in `python -S -B` with only the Lambda's packages on the path "
                "(requirements.txt + boto3 + chalice's runtime files, out/bench/lambda-site-*) and the app's "
                "sources staged as `chalice package` zips them. Lambda's /var/task is read-only, so sources "
                "without .pyc are compiled on every cold start; the `.pyc` rows show what shipping "
                "unchecked-hash bytecode in the package would save."
            )
        how = "with .pyc" if precompiled else "sources only"
        verdict = "met" if result.ratio <= COLD_GOAL else "NOT met"
        row(
            f"cold start ({how}): fresh python, import app + first signed-in GET /albums, median of {COLD_RUNS}",
            f"{result.app_median:.0f} ms (import {result.app_import_ms:.0f}, first request {result.app_first_ms:.0f})",
            f"ratio {result.ratio:.2f} vs floor: {verdict} (goal <= {COLD_GOAL}); "
            f"CPU {result.app_cpu_ms:.0f} vs {result.floor_cpu_ms:.0f} ms, "
            f"ratio {result.app_cpu_ms / result.floor_cpu_ms:.2f}",
        )
        row(
            f"cold start floor ({how}): minimal Chalice app + one boto3 GetItem, median of {COLD_RUNS}",
            f"{result.floor_median:.0f} ms "
            f"(import {result.floor_import_ms:.0f}, first request {result.floor_first_ms:.0f})",
            "floor",
        )

    def latency(self) -> None:
        from bench import loopback

        results = loopback.latencies(self.stack.api_url, self.stack.outbox_dir, self.admin, n=200)
        floor = next(r for r in results if r.route == "GET /health")
        for r in results:
            ratio = "floor" if r is floor else f"p50 x{r.p50_ms / floor.p50_ms:.1f} of /health"
            errors = f", {r.errors} unexpected statuses" if r.errors else ""
            row(
                f"loopback latency {r.route} ({r.count} requests)",
                f"p50 {r.p50_ms:.1f} ms, p95 {r.p95_ms:.1f} ms",
                ratio + errors,
            )
        self.latency_note()

    def latency_note(self) -> None:
        notes.append(
            "Loopback: the stack serves `chalice local` through scripts/devstack/local_api.py (TCP_NODELAY, "
            "one write per response). Stock `chalice local` writes headers and body separately, so Nagle's "
            "algorithm and delayed ACK add ~40 ms to every keep-alive response (`python -m scripts.bench_loopback "
            "--plain-chalice` shows it). On DynamoDB Local each transaction (register, album writes) is followed "
            "by one consistent read that waits for its commit (scripts/devstack/commit_barrier.py): it is in "
            "these latencies, not in the round trips above, which are counted as on AWS."
        )

    def server_floor(self) -> None:
        """/health on stock `chalice local` against ours, each alone: ours fixes stock chalice
        local's ~40 ms per response (Nagle's algorithm and delayed ACK)."""
        from scripts.bench_loopback import percentile, server_timings

        for plain, label in ((True, "stock `chalice local`"), (False, "our local_api.py")):
            timings = server_timings(plain, requests=200, warmup=20)
            p50, p95 = percentile(timings, 0.5), percentile(timings, 0.95)
            verdict = "before" if plain else ("met (goal p50 < 2 ms)" if p50 < 2 else "NOT met (goal p50 < 2 ms)")
            row(
                f"loopback GET /health, {label} (200 keep-alive requests)",
                f"p50 {p50:.2f} ms, p95 {p95:.2f} ms",
                verdict,
            )

    def throughput(self) -> None:
        from bench import loopback

        for clients in (1, 4, 16):
            health, health_errors = loopback.throughput(self.stack.api_url, "/health", None, clients)
            albums, album_errors = loopback.throughput(self.stack.api_url, "/albums?limit=50", self.admin, clients)
            errors = f", errors {album_errors + health_errors}" if album_errors + health_errors else ""
            row(
                f"GET /albums throughput, {clients} keep-alive client(s)",
                f"{albums:.0f} req/s (/health {health:.0f} req/s)",
                f"{albums / health:.2f} of the /health floor{errors}",
            )

    def scanned(self) -> None:
        import boto3

        from bench import loopback

        client = boto3.client(
            "dynamodb",
            endpoint_url=self.stack.dynamodb_url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        result = loopback.scanned_per_page(client, f"bench-scale-{int(time.time())}", say)
        for size, scanned in result.items():
            verdict = "met: examines one page" if scanned <= 50 else "NOT met: grows with the catalog"
            row(f"items examined per album page (limit 50) at {size:,} albums", f"{scanned} (ScannedCount)", verdict)

    def stop(self) -> None:
        if self.stack is not None:
            self.stack.stop()
        self.folder.cleanup()


# -- output -----------------------------------------------------------------------------


def table() -> str:
    widths = [max(len(r[i]) for r in [("measurement", "figure", "ratio / goal"), *rows]) for i in range(3)]
    lines = [
        "| "
        + " | ".join(h.ljust(w) for h, w in zip(("measurement", "figure", "ratio / goal"), widths, strict=True))
        + " |"
    ]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join(lines)


def revision() -> str:
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def main() -> int:
    step("deployment.zip bytes", 0, package_size)
    step("argon2id", 30, password_hashing)
    step("DynamoDB round trips", 90, round_trips)
    stack = StackSteps()
    try:
        step("local stack", 120, stack.start)
        if stack.stack is not None:
            step("cold start", 150, stack.cold_start)
            step("loopback latency", 150, stack.latency)
            step("stock server floor", 30, stack.server_floor)
            step("throughput", 40, stack.throughput)
            step("items examined per page", 150, stack.scanned)
    finally:
        stack.stop()
    text = table()
    print(text)
    if ONLY:  # a partial run does not replace the full results
        return 0
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    RESULTS.write_text(
        "# Bandstand benchmark results\n\n"
        f"Written by `make bench` (`python -m bench`) on {when}, commit {revision()}, "
        f"in {time.monotonic() - STARTED:.0f} s.\n\nMachine: {machine()}\n\n"
        "Machine-dependent figures carry a ratio against a floor measured in the same run.\n\n"
        f"{text}\n" + ("".join(f"\n- {n}" for n in notes) + "\n" if notes else "")
    )
    say(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
