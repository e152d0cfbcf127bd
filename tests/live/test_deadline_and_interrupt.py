"""Ctrl-C and --timeout against endpoints that never answer or answer a byte at a time.

Every run is the real CLI in a subprocess with a generous ``timeout=``: a regression (a hang)
fails the test instead of hanging it. The assertions are on what a user sees: the exit code and
the messages, never on measured time.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from policy_lint.live import demo
from policy_lint.live.deadline import Deadline, Stopped

from .conftest import dummy_env
from .endpoints import ACCOUNT, Endpoint, serving

pytestmark = pytest.mark.slow

GUARD = 120  # seconds: far beyond any correct run, short enough to fail a hang


def _start(endpoint: Endpoint, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "policy_lint", "verify", "--regions", "ap-northeast-1", *args],
        env=dummy_env({"AWS_ENDPOINT_URL": endpoint.url}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=GUARD)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("verify did not exit: it hangs")
    assert "Traceback" not in err and "internal error" not in err, err
    return proc.returncode, out, err


def test_ctrl_c_while_calls_hang_exits_130() -> None:
    """The caller's identity is answered, so the run is inside the collector's thread pool when every
    other call hangs; Ctrl-C there used to print "interrupted" and then wait on the workers forever."""
    with serving(Endpoint(identity="answer", other="silent")) as endpoint:
        proc = _start(endpoint)
        assert endpoint.collecting.wait(GUARD), "verify never reached the collector"
        proc.send_signal(signal.SIGINT)
        code, _, err = _finish(proc)
    assert code == 130
    assert err.strip().splitlines()[-1] == "policy-lint: interrupted"


def test_ctrl_c_during_the_first_call_exits_130() -> None:
    with serving(Endpoint(identity="silent")) as endpoint:
        proc = _start(endpoint)
        # the identity request is the first thing verify sends: Ctrl-C while it is in flight
        assert endpoint.requested.wait(GUARD), "verify never sent a request"
        proc.send_signal(signal.SIGINT)
        code, _, err = _finish(proc)
    assert code == 130 and "policy-lint: interrupted" in err


@pytest.mark.parametrize("behaviour", ["silent", "drip"])
def test_no_identity_before_the_deadline_is_exit_2(behaviour: str) -> None:
    """A silent endpoint, and one that sends a byte every second (no socket timeout ever fires):
    the first call cannot be answered before --timeout, nothing can be collected, exit 2."""
    with serving(Endpoint(identity=behaviour, other=behaviour)) as endpoint:
        code, out, err = _finish(_start(endpoint, "--timeout", "3"))
    assert code == 2 and out == ""
    assert "AWS did not answer within the --timeout of 3 s while asking sts:GetCallerIdentity" in err


def test_slow_drip_after_the_identity_is_unknown_not_failed(tmp_path: Path) -> None:
    """Every collection call drips forever: at the deadline the run stops, and what was not collected
    is unknown with the reason; nothing fails on a fact that never arrived (exit 0)."""
    config = tmp_path / "onboarding.yaml"
    config.write_text(demo.config_text(ACCOUNT), encoding="utf-8")
    with serving(Endpoint(identity="answer", other="drip")) as endpoint:
        proc = _start(endpoint, "--timeout", "4", "--config", str(config), "--format", "json")
        code, out, err = _finish(proc)
    report: dict[str, Any] = json.loads(out)
    assert code == 0, err
    assert report["summary"]["fail"] == 0 and report["summary"]["unknown"] > 0
    errors = report["scope"]["collection_errors"]
    assert errors["iam:ListUsers"] == (
        "iam:ListUsers not collected: the overall --timeout of 4 s ran out before AWS answered"
    )
    unknown = {r["rule_id"]: r["message"] for r in report["results"] if r["status"] == "unknown"}
    assert "could not all be listed" in unknown["OB101"]  # the user may exist: not a failure
    assert "--timeout of 4 s ran out" in unknown["OB203"]  # the bucket's encryption never arrived
    assert "policy-lint: warning: the --timeout of 4 s ran out" in err


def test_fail_on_unknown_makes_a_timed_out_run_fail(tmp_path: Path) -> None:
    with serving(Endpoint(identity="answer", other="silent")) as endpoint:
        code, _, err = _finish(_start(endpoint, "--timeout", "2", "--fail-on-unknown"))
    assert code == 1 and "ran out" in err


def test_deadline_abandons_a_call_that_never_returns() -> None:
    """In-process: a call blocked for good is abandoned at the deadline (Stopped), and a cancelled
    deadline refuses further calls at once."""
    import threading

    never = threading.Event()
    deadline = Deadline(0.5)
    with pytest.raises(Stopped, match=r"--timeout of 0\.5 s"):
        deadline.run(never.wait)
    never.set()  # release the abandoned thread
    with pytest.raises(Stopped):
        deadline.run(lambda: 1)
    open_ended = Deadline()
    open_ended.cancel()
    with pytest.raises(Stopped, match="interrupted"):
        open_ended.run(lambda: 1)
    assert Deadline().run(lambda: 42) == 42


def test_a_call_starting_as_the_run_is_cancelled_is_not_awaited() -> None:
    """cancel() landing between run()'s first check and its registration must still stop it:
    otherwise that worker waits for a hung call and Ctrl-C seems to do nothing."""
    deadline = Deadline()
    real_lock = deadline._lock

    class CancelJustBefore:
        """The lock run() registers under; the first time, a whole cancel() runs just before."""

        fired = False

        def __enter__(self) -> None:
            if not self.fired:
                self.fired = True
                deadline._cancelled.set()
                with real_lock:  # cancel() wakes the callers registered so far: none yet
                    for waiting in deadline._waiting:
                        waiting.set()
            real_lock.acquire()

        def __exit__(self, *exc: object) -> None:
            real_lock.release()

    deadline._lock = CancelJustBefore()  # type: ignore[assignment]
    with pytest.raises(Stopped, match="interrupted"):
        deadline.run(lambda: __import__("time").sleep(GUARD))
