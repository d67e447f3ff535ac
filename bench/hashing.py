"""argon2id at the configured parameters: ms per hash and per verify, peak memory, and
the Lambda memory size that follows from them."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Lambda's CPU share grows with memory: one full vCPU at 1,769 MB (AWS documentation).
FULL_VCPU_MB = 1769
TARGET_VERIFY_MS = 150  # what a sign-in may spend hashing on Lambda

CHILD = """
import json, resource, statistics, time
from chalicelib.identity.builtin import hashing
hasher = hashing.PasswordHasher()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # before the first hash
hasher.hash("warm-up")
hashes, verifies = [], []
for i in range(RUNS):
    t = time.perf_counter(); stored = hasher.hash(f"Correct Horse {i}"); hashes.append(time.perf_counter() - t)
    t = time.perf_counter(); hasher.verify(f"Correct Horse {i}", stored); verifies.append(time.perf_counter() - t)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"hash_ms": statistics.median(hashes) * 1000, "verify_ms": statistics.median(verifies) * 1000,
                  "peak_kib": peak, "base_kib": base, "memory_kib": hashing.ARGON2_MEMORY_KIB,
                  "rounds": hashing.ARGON2_ROUNDS, "parallelism": hashing.ARGON2_PARALLELISM}))
"""


@dataclass(frozen=True)
class Hashing:
    hash_ms: float
    verify_ms: float
    peak_mib: float
    base_mib: float
    memory_kib: int
    rounds: int
    parallelism: int
    lambda_mb: int

    def on_lambda_ms(self, memory_mb: int, ms: float) -> float:
        """Estimated time at a Lambda memory size, if this machine's core is one vCPU."""
        return ms * FULL_VCPU_MB / min(memory_mb, FULL_VCPU_MB)

    def recommended_mb(self) -> int:
        """The smallest common size at which a verify stays under TARGET_VERIFY_MS."""
        for size in (512, 768, 1024, 1280, 1536, FULL_VCPU_MB):
            if self.on_lambda_ms(size, self.verify_ms) <= TARGET_VERIFY_MS:
                return size
        return FULL_VCPU_MB


def measure(runs: int = 15) -> Hashing:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    code = f"RUNS = {runs}\n{CHILD}"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    d = json.loads(done.stdout)
    return Hashing(
        d["hash_ms"],
        d["verify_ms"],
        d["peak_kib"] / 1024,
        d["base_kib"] / 1024,
        d["memory_kib"],
        d["rounds"],
        d["parallelism"],
        int(config.get("lambda_memory_size", 128)),
    )
