"""`make smoke` against the local stack, so it is known to work before it is needed on AWS."""

from __future__ import annotations

import pytest

from scripts import smoke


def test_smoke_journey_passes_on_the_local_stack(make_stack, capsys: pytest.CaptureFixture[str]) -> None:
    stack = make_stack(seed=True)
    assert smoke.main(["--url", stack.api_url, "--origin", stack.web_url, "--outbox", str(stack.outbox_dir)]) == 0
    out = capsys.readouterr().out
    for step in ("register", "confirm", "sign in", "list albums", "refresh", "sign out", "401"):
        assert f"ok  {step}" in out
    # and it fails, saying why, when the origin is not the site's
    assert (
        smoke.main(["--url", stack.api_url, "--origin", "https://elsewhere.example", "--outbox", str(stack.outbox_dir)])
        == 1
    )
