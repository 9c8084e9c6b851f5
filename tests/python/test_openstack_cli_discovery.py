"""The `openstack` CLI, unmodified, on the paths a new user takes: `OS_AUTH_URL` with and without
`/v3` and under DevStack's `/identity`, `OS_AUTH_TYPE=v3token`, `versions show` (each service
discovered as itself), `project show`, `flavor list`, `server event list`, `console log show`."""

import json
import os
import subprocess
import time

import pytest

from conftest import OPENSTACK, PASSWORD, PROJECT

DB01 = "95bf2490-5428-432c-ad9b-5e3406f869dd"


def run(server, *args, auth_path="/v3", **env):
    """The CLI with password auth at `server.url + auth_path`; `env` overrides (None removes)."""
    base = dict(
        os.environ,
        OS_AUTH_URL=server.url + auth_path,
        OS_IDENTITY_API_VERSION="3",
        OS_USERNAME="admin",
        OS_PASSWORD=PASSWORD,
        OS_PROJECT_ID=PROJECT,
        OS_USER_DOMAIN_NAME="switchboard",
        OS_PROJECT_DOMAIN_NAME="switchboard",
    )
    for key, value in env.items():
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return subprocess.run([OPENSTACK, *args], env=base, capture_output=True, text=True, timeout=120)


def ok(done):
    assert done.returncode == 0, f"{done.args}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def rows(done):
    return json.loads(ok(done))


@pytest.mark.parametrize("auth_path", ["/v3", "", "/", "/identity", "/identity/v3"])
@pytest.mark.parametrize("identity_version", ["3", None])
def test_auth_url_with_and_without_version(server, auth_path, identity_version):
    listed = rows(run(server, "server", "list", "-f", "json", auth_path=auth_path,
                      OS_IDENTITY_API_VERSION=identity_version))
    assert {"bms-db-01", "bms-web-01"} <= {s["Name"] for s in listed}


def test_v3token(server):
    token = ok(run(server, "token", "issue", "-f", "value", "-c", "id")).strip()
    env = dict(OS_AUTH_TYPE="v3token", OS_TOKEN=token, OS_USERNAME=None, OS_PASSWORD=None,
               OS_USER_DOMAIN_NAME=None)
    listed = rows(run(server, "server", "list", "-f", "json", **env))
    assert {"bms-db-01", "bms-web-01"} <= {s["Name"] for s in listed}
    shown = rows(run(server, "project", "show", PROJECT, "-f", "json", **env))
    assert shown["name"] == "local-1"
    refused = run(server, "server", "list", **dict(env, OS_TOKEN="not-a-token"))
    assert refused.returncode != 0 and "Traceback" not in refused.stderr


def test_project_show(server):
    shown = rows(run(server, "project", "show", PROJECT, "-f", "json"))
    assert shown["id"] == PROJECT and shown["name"] == "local-1", shown
    by_name = rows(run(server, "project", "show", "local-1", "--domain", "switchboard", "-f", "json"))
    assert by_name["id"] == PROJECT
    missing = run(server, "project", "show", "no-such-project")
    assert missing.returncode != 0 and "Traceback" not in missing.stderr, missing.stderr


def test_versions_show_names_each_service_as_itself(server):
    versions = rows(run(server, "versions", "show", "-f", "json"))
    by_type = {}
    for v in versions:
        by_type.setdefault(v["Service Type"], []).append(v)
    identity = [v for v in by_type["identity"] if v["Status"] == "CURRENT"]
    assert identity and all(v["Version"].startswith("3.") for v in identity), by_type["identity"]
    compute = [v for v in by_type["compute"] if v["Status"] == "CURRENT"]
    assert [v["Version"] for v in compute] == ["2.1"], by_type["compute"]
    assert float(compute[0]["Max Microversion"].split(".")[1]) >= 47, compute
    # Only Nova has microversions; no other family poses as Nova.
    for service, found in by_type.items():
        if service != "compute":
            assert all(not v["Max Microversion"] for v in found), (service, found)


def test_flavor_list(server):
    flavors = {f["Name"]: f for f in rows(run(server, "flavor", "list", "-f", "json"))}
    assert {"physical.s4.xlarge", "physical.s4.large"} <= set(flavors), flavors
    shown = rows(run(server, "flavor", "show", "physical.s4.large", "-f", "json"))
    assert shown["name"] == "physical.s4.large"


def test_server_event_list_and_console_log(server):
    ok(run(server, "server", "reboot", "--hard", "--wait", "bms-db-01"))
    events = rows(run(server, "server", "event", "list", "bms-db-01", "-f", "json"))
    assert events and events[0]["Action"] == "reboot", events
    request_id = events[0]["Request ID"]
    event = rows(run(server, "server", "event", "show", "bms-db-01", request_id, "-f", "json"))
    assert event["action"] == "reboot" and event["events"], event
    log = ok(run(server, "console", "log", "show", "bms-db-01"))
    assert log.strip(), "empty console log"
    deadline = time.time() + 30
    while rows(run(server, "server", "show", DB01, "-f", "json"))["status"] != "ACTIVE":
        assert time.time() < deadline
        time.sleep(0.2)
