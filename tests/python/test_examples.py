"""The local-stack example: PostgreSQL and Redis from Debian's packages and a web app that needs
both, started in dependency order by the process driver, each gated on readiness."""

import os
import shutil
import tempfile
import time
import urllib.request

import pytest

from conftest import ROOT, call

EXAMPLE = os.path.join(ROOT, "examples", "local-stack", "switchboard.toml")


@pytest.fixture(scope="module")
def stack(switchboard_factory):
    work = tempfile.mkdtemp(prefix="local-stack-")
    os.chmod(work, 0o755)
    s = switchboard_factory(config_path=EXAMPLE, env={"EXAMPLE_PGDATA": os.path.join(work, "postgres")})
    yield s
    # The daemons outlive the server by design: stop them (and wait) before it goes.
    token, _ = s.token()
    for service in ("postgres", "redis"):
        command(s, token, service, "stop")
    s.stop()
    shutil.rmtree(work, ignore_errors=True)


def command(server, token, service, op):
    status, _, body = call(f"{server.url}/web/v1/maintain/cluster/1/service/{service}/{op}", "POST",
                           {"only_self": False}, token)
    assert status == 200, body
    deadline = time.time() + 120
    while time.time() < deadline:
        _, _, progress = call(f"{server.url}/web/v1/common/command/{body['id']}/progress", token=token)
        if progress["state"] != "IN_PROGRESS":
            return progress
        time.sleep(0.2)
    raise AssertionError(f"{op} {service} did not finish")


def health():
    try:
        return urllib.request.urlopen("http://127.0.0.1:28080/health", timeout=2).status
    except Exception:
        return None


def test_the_app_starts_after_its_databases_and_stops_before_them(stack):
    token, _ = stack.token()
    done = command(stack, token, "webapp", "start")
    assert done["state"] == "COMPLETE", done["error_description"]
    steps = [s["name"] for s in done["res_obj"]["step_list"]]
    assert steps[-1] == "Start webapp" and set(steps[:2]) == {"Start postgres", "Start redis"}, steps
    assert health() == 200, "the app answers, with both databases up"

    stopped = command(stack, token, "postgres", "stop")
    assert stopped["state"] == "COMPLETE", stopped["error_description"]
    assert [s["name"] for s in stopped["res_obj"]["step_list"]] == ["Stop webapp", "Stop postgres"]
    assert health() is None, "the app is gone"
