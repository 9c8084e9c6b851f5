"""python-novaclient and the `nova` CLI, unmodified, against Switchboard's Nova: microversion
discovery from the catalog URL (`GET /v2.1/{project}`), list filters (`status`, `name` as a
regular expression), `limit` and `marker`, sorting, get, stop / start / hard reboot, instance
actions, console output, and a 404 raised as `NotFound` (Nova's fault format)."""

import os
import subprocess
import time

import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from novaclient import api_versions, client as nova_client, exceptions

from conftest import PASSWORD, PROJECT
from fleet import BIN, fleet_config, server_id, write_config

COUNT = 10
NAMES = [f"nc-{i:02d}" for i in range(1, COUNT + 1)]
# Odd slots start running, even ones stopped.
STOPPED = {f"nc-{i:02d}" for i in range(2, COUNT + 1, 2)}
UNKNOWN = "00000000-0000-4000-8000-00000000dead"


@pytest.fixture(scope="module")
def server(switchboard_factory, tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("novaclient"))
    text = fleet_config(COUNT, prefix="nc", state=lambda i: "stopped" if i % 2 == 0 else "running")
    s = switchboard_factory(config_path=write_config(directory, text))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def nova(server):
    auth = v3.Password(auth_url=server.url + "/v3", username="admin", password=PASSWORD, project_id=PROJECT,
                       user_domain_name="switchboard", project_domain_name="switchboard")
    session = ks_session.Session(auth=auth)
    # As the nova CLI does: read the server's microversion range at the catalog URL, then take the
    # highest both sides know.
    probe = nova_client.Client("2.1", session=session)
    version = api_versions.discover_version(probe, api_versions.APIVersion("2.latest"))
    return nova_client.Client(version, session=session)


def ours(servers):
    return [s.name for s in servers if s.name.startswith("nc-")]


def wait_status(nova, server, status):
    deadline = time.time() + 30
    while time.time() < deadline:
        if nova.servers.get(server).status == status:
            return
        time.sleep(0.1)
    raise AssertionError(f"{server} never became {status}")


def test_version_discovery_negotiates_a_modern_microversion(nova):
    # The highest both sides know: novaclient 18.13.1 knows up to 2.96; 2.47 embeds the flavor.
    assert nova.api_version >= api_versions.APIVersion("2.47"), nova.api_version
    assert nova.api_version <= api_versions.APIVersion("2.96")
    current = nova.versions.get_current()
    assert current.status == "CURRENT" and current.id == "v2.1", current


def test_list_filters_limit_marker_and_sort(nova):
    assert sorted(ours(nova.servers.list())) == NAMES
    assert set(ours(nova.servers.list(search_opts={"status": "SHUTOFF"}))) == STOPPED
    assert set(ours(nova.servers.list(search_opts={"status": "ACTIVE"}))) == set(NAMES) - STOPPED
    assert sorted(ours(nova.servers.list(search_opts={"name": "^nc-0[12]$"}))) == ["nc-01", "nc-02"]
    assert nova.servers.list(search_opts={"name": "^no-such-server$"}) == []
    # Filters and a limit together: the page holds matching servers only.
    page = nova.servers.list(search_opts={"status": "SHUTOFF", "name": "^nc-"}, limit=2)
    assert len(page) == 2 and {s.name for s in page} <= STOPPED, [s.name for s in page]

    ordered = nova.servers.list(sort_keys=["display_name"], sort_dirs=["asc"])
    names = [s.name for s in ordered]
    assert names == sorted(names), names
    first = nova.servers.list(limit=3, sort_keys=["display_name"], sort_dirs=["asc"])
    assert [s.name for s in first] == names[:3]
    second = nova.servers.list(limit=3, marker=first[-1].id, sort_keys=["display_name"], sort_dirs=["asc"])
    assert [s.name for s in second] == names[3:6]
    # limit=-1 pages with markers until an empty page.
    assert sorted(s.name for s in nova.servers.list(limit=-1)) == sorted(names)


def test_get_stop_start_hard_reboot(nova):
    one = nova.servers.get(server_id(1))
    assert one.name == "nc-01" and one.status == "ACTIVE"
    # From 2.47 the flavor is embedded: its name, no id.
    assert one.flavor["original_name"] == "physical.s4.large", one.flavor
    nova.servers.stop(one)
    wait_status(nova, one.id, "SHUTOFF")
    nova.servers.start(one)
    wait_status(nova, one.id, "ACTIVE")
    nova.servers.reboot(one, reboot_type="HARD")
    wait_status(nova, one.id, "ACTIVE")

    actions = nova.instance_action.list(one)
    assert [a.action for a in actions][:3] == ["reboot", "start", "stop"], [a.action for a in actions]
    detail = nova.instance_action.get(one, actions[0].request_id)
    assert detail.action == "reboot" and detail.events, detail.to_dict()
    assert nova.servers.get_console_output(one).strip()


def test_unknown_server_raises_not_found(nova):
    with pytest.raises(exceptions.NotFound):
        nova.servers.get(UNKNOWN)
    with pytest.raises(exceptions.NotFound):
        nova.servers.stop(UNKNOWN)
    with pytest.raises(exceptions.NotFound):
        nova.instance_action.list(UNKNOWN)


def run_nova(server, *args):
    env = dict(os.environ, OS_AUTH_URL=server.url + "/v3", OS_USERNAME="admin", OS_PASSWORD=PASSWORD,
               OS_PROJECT_ID=PROJECT, OS_USER_DOMAIN_NAME="switchboard", OS_PROJECT_DOMAIN_NAME="switchboard")
    env.pop("OS_COMPUTE_API_VERSION", None)
    return subprocess.run([os.path.join(BIN, "nova"), *args], env=env, capture_output=True, text=True, timeout=120)


def ok(done):
    assert done.returncode == 0, f"{done.args}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_nova_cli(server):
    listed = ok(run_nova(server, "list"))
    for name in NAMES:
        assert name in listed
    shown = ok(run_nova(server, "show", "nc-03"))
    assert server_id(3) in shown and "ACTIVE" in shown
    ok(run_nova(server, "stop", "nc-03"))
    deadline = time.time() + 30
    while "SHUTOFF" not in ok(run_nova(server, "show", "nc-03")):
        assert time.time() < deadline, "nc-03 never stopped"
        time.sleep(0.2)
    assert ok(run_nova(server, "console-log", "nc-03")).strip()
    actions = ok(run_nova(server, "instance-action-list", "nc-03"))
    assert "stop" in actions, actions
    missing = run_nova(server, "show", UNKNOWN)
    assert missing.returncode != 0 and "No server with a name or ID" in missing.stderr, missing.stderr
    assert "Traceback" not in missing.stderr
