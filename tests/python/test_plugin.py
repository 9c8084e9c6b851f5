"""The pytest-switchboard plugin (clients/python) tested as pytest plugins are, through
pytester: each test runs an inner pytest session in a subprocess, with the plugin loaded from its
entry point, and checks what the inner tests recorded."""

import json
import os
import subprocess
import sys

import pytest

from pytest_switchboard import Faults, find_binary

DB01 = "95bf2490-5428-432c-ad9b-5e3406f869dd"
LOCAL_1 = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"
LOCAL_2 = "0b1e2c3d4e5f40718293a4b5c6d7e8f9"
TWO_PROJECTS = f'''
[[projects]]
id = "{LOCAL_2}"
name = "local-2"
domain = "switchboard"
'''

# What names a server and its administrator to the plugin: removed from inner sessions' environment.
CREDENTIALS = ("SWITCHBOARD_URL", "SWITCHBOARD_TOKEN", "SWITCHBOARD_ADMIN_PASSWORD", "SWITCHBOARD_ADMIN_USER",
               "SWITCHBOARD_ADMIN_DOMAIN", "SWITCHBOARD_PROJECT_ID")

# Inner tests append what they saw to $RECORD, one JSON object per line.
RECORD = '''
import json, os

def record(**seen):
    with open(os.environ["RECORD"], "a") as f:
        f.write(json.dumps(seen) + "\\n")
'''

REAL_CLIENTS = RECORD + '''
import openstack
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkdbss.v1 import DbssClient, ListInstancesRequest
from pytest_switchboard.plugin import STARTED


def check(request, switchboard, project):
    # The token with openstacksdk, the AK/SK with the official Huawei SDK.
    conn = openstack.connect(auth_type="v3token", auth_url=project.url + "/v3", token=project.token,
                             project_id=project.id, identity_api_version="3")
    servers = sorted(s.name for s in conn.compute.servers())
    dbss = DbssClient.new_builder().with_credentials(
        BasicCredentials(project.access_key, project.secret_key, project.id)).with_endpoint(project.url).build()
    instances = sorted(c.instance_id for c in dbss.list_instances(ListInstancesRequest()).clusters)
    users = [u["name"] for u in switchboard.admin.get("/switchboard/v1/users")["users"]]
    record(url=switchboard.url, pid=switchboard.process.pid,
           started=len(request.config.stash[STARTED]), project=project.id, user=project.user_name,
           user_id=project.user_id, ak=project.access_key, token=project.token[-8:],
           servers=servers, instances=instances, users=users)


def test_one(request, switchboard, switchboard_project):
    check(request, switchboard, switchboard_project)


def test_two(request, switchboard, switchboard_project):
    check(request, switchboard, switchboard_project)
'''


@pytest.fixture
def inner(pytester, monkeypatch, tmp_path, request):
    """Runs an inner session in a subprocess; returns (result, recorded objects)."""
    monkeypatch.setenv("SWITCHBOARD_BIN", find_binary(os.environ.get("SWITCHBOARD_BIN"),
                                                      request.config.rootpath))
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    record = tmp_path / "record.jsonl"
    monkeypatch.setenv("RECORD", str(record))

    def run(source, *args):
        if record.exists():
            record.unlink()
        pytester.makepyfile(test_inner=source)
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA", *args, timeout=300)
        lines = record.read_text().splitlines() if record.exists() else []
        return result, [json.loads(line) for line in lines]

    return run


def test_one_server_per_run_and_a_user_of_its_own_per_test_whose_credentials_work(inner):
    result, seen = inner(REAL_CLIENTS)
    result.assert_outcomes(passed=2)
    one, two = seen
    assert one["url"] == two["url"] and one["pid"] == two["pid"], "one server for the session"
    assert one["started"] == two["started"] == 1
    assert one["user_id"] != two["user_id"] and one["ak"] != two["ak"] and one["token"] != two["token"]
    # Both real clients saw the demo with the test's own credentials.
    for s in seen:
        assert s["servers"] == ["bms-db-01", "bms-web-01"], s
        assert s["instances"] == ["0f9e8d7c6b5a49382716059483726150", "a1b2c3d4e5f60718293a4b5c6d7e8f90"]
    # The first test's user was deleted before the second began.
    assert one["user"] in one["users"] and one["user"] not in two["users"]


RESET = RECORD + f'''
import time

DB01 = "{DB01}"


def test_changes_the_project(switchboard_project, faults):
    faults.set(action="nova:server:reboot", error={{"statusCode": 409}})
    switchboard_project.client.post(f"/v2.1/{{switchboard_project.id}}/servers/{{DB01}}/action",
                                    {{"os-stop": None}})
    deadline = time.time() + 30
    while switchboard_project.resource(DB01)["state"] != "stopped":
        assert time.time() < deadline
        time.sleep(0.05)


def test_finds_the_inventory_again(switchboard, switchboard_project, faults):
    record(faults=switchboard.faults.list(), state=switchboard_project.resource(DB01)["state"])
    assert faults.list() == []
    assert switchboard_project.resource(DB01)["state"] == "running"
'''


def test_state_changed_in_one_test_is_reset_before_the_next(inner):
    result, seen = inner(RESET)
    result.assert_outcomes(passed=2)
    assert seen == [{"faults": [], "state": "running"}]


REVOKED = '''
from pytest_switchboard import call


def test_revokes_the_administrators_token(switchboard, switchboard_project):
    token = switchboard.admin_token
    status, _, _ = call(switchboard.url + "/v3/auth/tokens", "DELETE", token=token,
                        headers={"X-Subject-Token": token})
    assert status == 204
'''


def test_a_reset_that_answers_an_error_fails_the_teardown(inner):
    """The reset after the test is refused (the administrator's token was revoked): the test's
    teardown errors with the server's answer, rather than the next test starting on dirty state."""
    result, _ = inner(REVOKED)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*POST http://127.0.0.1:*/switchboard/v1/state/reset answered 401*"])


URL_MODE = RECORD + '''
import os


def test_uses_the_running_server(switchboard, switchboard_project):
    assert switchboard.url == os.environ["SWITCHBOARD_URL"] and switchboard.process is None
    servers = switchboard_project.client.get(f"/v2.1/{switchboard_project.id}/servers")["servers"]
    record(user=switchboard_project.user_name, user_id=switchboard_project.user_id, servers=sorted(s["name"] for s in servers))
'''


@pytest.mark.parametrize("credential", ["password", "token"])
def test_switchboard_url_uses_a_running_server_with_a_password_or_a_token(inner, monkeypatch,
                                                                          switchboard, credential):
    monkeypatch.setenv("SWITCHBOARD_URL", switchboard.url)
    # Nothing may be started: a binary that does not exist proves it.
    monkeypatch.setenv("SWITCHBOARD_BIN", "/nonexistent/switchboard")
    if credential == "password":
        monkeypatch.setenv("SWITCHBOARD_ADMIN_PASSWORD", switchboard.admin_password)
    else:
        monkeypatch.setenv("SWITCHBOARD_TOKEN", switchboard.admin_token)
    result, seen = inner(URL_MODE)
    result.assert_outcomes(passed=1)
    assert seen[0]["servers"] == ["bms-db-01", "bms-web-01"]
    users = [u["name"] for u in switchboard.admin.get("/switchboard/v1/users")["users"]]
    assert seen[0]["user"] not in users, "the test's user was deleted afterwards"
    audit = switchboard.admin.get("/switchboard/v1/audit", limit=200)
    assert seen[0]["user_id"] in json.dumps(audit), "created through the admin API, audited"


@pytest.fixture(scope="module")
def two_projects(switchboard_factory):
    """The demo and a second, empty project."""
    s = switchboard_factory(extra_config=TWO_PROJECTS)
    yield s
    s.stop()


def test_bound_fault_helpers_set_list_and_clear_only_their_projects_rules(two_projects):
    one = Faults(two_projects.admin, LOCAL_1, ["local-1"])
    two = Faults(two_projects.admin, LOCAL_2, ["local-2"])
    set_one = one.set([{"action": "dbss:instance:start", "error": {"statusCode": 500}},
                       {"family": "nova", "latency_ms": 1}])
    assert [r["project"] for r in set_one] == [LOCAL_1, LOCAL_1]
    two.set(action="nova:server:reboot", error={"statusCode": 409})
    assert len(two_projects.faults.list()) == 3
    assert len(one.list()) == 2 and len(two.list()) == 1
    # set replaces the project's rules only; clear removes the project's rules only.
    one.set(family="bms", latency_ms=5)
    assert [r["family"] for r in one.list()] == ["bms"] and len(two.list()) == 1
    one.append(family="live", latency_ms=5, project="local-1")  # by name: still the project's
    assert [r["family"] for r in one.list()] == ["bms", "live"]
    assert one.clear() == []
    assert two_projects.faults.list() == two.list() and len(two.list()) == 1
    two.clear()
    assert two_projects.faults.list() == []


HOLD = RECORD + '''
import time


def test_holds_the_project(switchboard_project):
    start = time.time()
    time.sleep(1.5)
    record(project=switchboard_project.id, start=start, end=time.time())
'''


@pytest.mark.parametrize("projects", [1, 2])
def test_sessions_sharing_a_server_never_hold_the_same_project_at_once(pytester, tmp_path, request,
                                                                       projects):
    """What pytest-xdist workers sharing one SWITCHBOARD_URL do. Three sessions at once: with one
    project (the demo's) they take turns; with two, never two on the same project at a time."""
    server = request.getfixturevalue("switchboard" if projects == 1 else "two_projects")
    pytester.makepyfile(test_hold=HOLD)
    record = tmp_path / "hold.jsonl"
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIALS}
    env.update(SWITCHBOARD_URL=server.url, RECORD=str(record), SWITCHBOARD_ADMIN_PASSWORD=server.admin_password)
    runs = [subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_hold.py"],
                             cwd=pytester.path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True) for _ in range(3)]
    for run in runs:
        out, _ = run.communicate(timeout=120)
        assert run.returncode == 0, out
    held = [json.loads(line) for line in record.read_text().splitlines()]
    assert len(held) == 3 and {h["project"] for h in held} <= {LOCAL_1, LOCAL_2}
    for a in held:
        for b in held:
            if a is not b and a["project"] == b["project"]:
                assert a["end"] <= b["start"] or b["end"] <= a["start"], (a, b)


def test_without_a_binary_the_error_says_how_to_build_one(inner):
    result, _ = inner(URL_MODE, "--switchboard-bin=/nonexistent/switchboard")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no switchboard binary at /nonexistent/switchboard*cargo build -p switchboard*"])


KILLED = '''
import signal


def test_kills_the_server(switchboard):
    switchboard.process.send_signal(signal.SIGKILL)
    switchboard.process.wait(timeout=10)
'''


def test_a_server_that_dies_during_the_run_is_an_error_with_its_log(inner):
    result, _ = inner(KILLED)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*the switchboard server at http://127.0.0.1:* exited during the run (code -9)*",
                                 "*Switchboard listening on http://127.0.0.1:*"])


FAILING = '''
def test_fails(switchboard_project):
    assert False, "on purpose"
'''


def test_a_failing_test_shows_the_servers_log(inner):
    result, _ = inner(FAILING)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*switchboard log (http://127.0.0.1:*) call*",
                                 "*path=/v3/auth/tokens status=201*",
                                 "*switchboard log: */server.log*"])


def test_transitions_helper_sets_lists_and_clears_and_advances_the_clock(switchboard_project, transitions):
    transitions.set(resource="bms-db-01", progression="manual", times=2)
    listed = transitions.list()
    assert [(t.get("resource") in ("bms-db-01", DB01), t.get("progression"), t.get("times"))
            for t in listed] == [(True, "manual", 2)], listed
    before = transitions.clock()["clock"]["offset_ms"]
    transitions.advance_clock(5)
    assert transitions.clock()["clock"]["offset_ms"] >= before + 5000
    transitions.clear()
    assert transitions.list() == []


def test_requests_helper_shows_what_the_client_sent(switchboard_project, requests):
    path = f"/v1/{switchboard_project.id}/instance/quota"
    switchboard_project.client.get(path)
    mine = requests.list(family="dbss", limit=10)
    assert mine and all(r["family"] == "dbss" for r in mine), mine
    assert mine[0]["path"] == path and mine[0]["status"] == 200, mine[0]
    assert requests.last(family="dbss") == mine[0]
