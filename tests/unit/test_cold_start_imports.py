"""What a cold start imports: nothing of the AWS SDK at `import app`, never boto3, and
not two-step sign-in until a request needs it
(chalicelib/core/aws.py says why; `make bench` measures the cold start itself)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import app
at_import = sorted(m for m in ("boto3", "botocore", "s3transfer") if m in sys.modules)
from chalicelib import services
from scripts.devstack.parts import LOCAL_PARTS
services.use_local_parts(LOCAL_PARTS)  # as the local API server does (MAILER=outbox)
services.dynamodb_client()
services.accounts()
services.albums()
after_services = sorted(m for m in ("boto3", "s3transfer") if m in sys.modules)
two_step_before_use = sorted(m for m in ("pyotp", "chalicelib.usecases.two_step.service") if m in sys.modules)
services.two_step()
two_step_after_use = sorted(m for m in ("pyotp", "chalicelib.usecases.two_step.service") if m in sys.modules)
print(json.dumps({"at_import": at_import, "after_services": after_services,
                  "two_step_before_use": two_step_before_use, "two_step_after_use": two_step_after_use}))
"""


@pytest.mark.parametrize("identity_backend", ["builtin"])  # the probe builds the services itself
def test_import_loads_no_sdk_and_the_services_never_load_boto3(app_env: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["DYNAMODB_ENDPOINT"] = "http://127.0.0.1:9"  # never called: building clients only
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    # Two-step sign-in (and pyotp) is built by the first request that needs it.
    assert found == {
        "at_import": [],
        "after_services": [],
        "two_step_before_use": [],
        "two_step_after_use": ["chalicelib.usecases.two_step.service", "pyotp"],
    }
