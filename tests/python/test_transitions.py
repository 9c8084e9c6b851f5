"""Controllable transitions with a real client: `openstack server reboot --hard --wait` against a
server set to advance after 2 reads sees HARD_REBOOT on its first two polls and ACTIVE on the
third, counted from the CLI's own debug log of the requests it sent and the answers it got."""

import json
import os
import re
import subprocess

from conftest import OPENSTACK, PASSWORD, PROJECT, call

SERVER_ID = "95bf2490-5428-432c-ad9b-5e3406f869dd"


def openstack_debug(server, *args):
    """Runs the real `openstack` CLI with `--debug`; returns its debug log (stderr)."""
    env = dict(
        os.environ,
        OS_AUTH_URL=server.url + "/v3",
        OS_IDENTITY_API_VERSION="3",
        OS_USERNAME="admin",
        OS_PASSWORD=PASSWORD,
        OS_PROJECT_ID=PROJECT,
        OS_USER_DOMAIN_NAME="switchboard",
        OS_PROJECT_DOMAIN_NAME="switchboard",
    )
    done = subprocess.run([OPENSTACK, "--debug", *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"openstack {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stderr


def polls_after_the_reboot(log):
    """The status each `GET …/servers/<id>` answered after the reboot action, in order."""
    requests = re.finditer(r"REQ: curl -g -i -X (\w+) (\S+)", log)
    statuses, rebooted = [], False
    for m in requests:
        method, url = m.group(1), m.group(2).strip("'\"")
        if method == "POST" and url.endswith(f"/servers/{SERVER_ID}/action"):
            rebooted = True
        elif rebooted and method == "GET" and url.endswith(f"/servers/{SERVER_ID}"):
            body = re.search(r"RESP BODY: (\{.*\})", log[m.end():])
            assert body, f"no answer logged for {url}"
            statuses.append(json.loads(body.group(1))["server"]["status"])
    return statuses


def test_reboot_wait_takes_exactly_the_polls_a_manual_transition_asks_for(server):
    token, _ = server.token()
    setting = {"resource": "bms-db-01", "progression": "manual", "times": 2}
    status, _, reply = call(server.url + "/switchboard/v1/transitions", "POST", setting, token)
    assert status == 200, reply
    try:
        log = openstack_debug(server, "server", "reboot", "--hard", "--wait", SERVER_ID)
        assert polls_after_the_reboot(log) == ["HARD_REBOOT", "HARD_REBOOT", "ACTIVE"], log[-4000:]
        _, _, listed = call(server.url + "/switchboard/v1/transitions", token=token)
        assert listed["transitions"][0]["reads_seen"] == 2, listed
    finally:
        call(server.url + "/switchboard/v1/transitions", "DELETE", token=token)
