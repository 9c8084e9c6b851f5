"""The redfish driver against sushy-emulator --fake (a Redfish BMC), driven by the openstack CLI."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import base64

import bcrypt
import pytest

from conftest import PROJECT, call, openstack

BMC_USER, BMC_PASSWORD = "root", "bmc-Password-1"
SUSHY = os.path.join(os.path.dirname(sys.executable), "sushy-emulator")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Bmc:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sushy-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        htpasswd = os.path.join(self.dir, "htpasswd")
        with open(htpasswd, "w") as f:
            f.write(f"{BMC_USER}:{bcrypt.hashpw(BMC_PASSWORD.encode(), bcrypt.gensalt()).decode()}\n")
        config = os.path.join(self.dir, "sushy.conf")
        with open(config, "w") as f:
            f.write(f"SUSHY_EMULATOR_AUTH_FILE = {htpasswd!r}\n")
        self.log = open(os.path.join(self.dir, "sushy.log"), "w")
        self.proc = subprocess.Popen(
            [SUSHY, "--fake", "-i", "127.0.0.1", "-p", str(self.port), "--config", config],
            stdout=self.log, stderr=subprocess.STDOUT,
            # sushy keeps the fake systems' state in $TMPDIR/sushy-emulator: one BMC, one state.
            env={**os.environ, "TMPDIR": self.dir})
        for _ in range(200):
            try:
                urllib.request.urlopen(self.url + "/redfish/v1", timeout=1)
                break
            except Exception:
                time.sleep(0.05)
        self.system = self.get("/redfish/v1/Systems")["Members"][0]["@odata.id"]

    def get(self, path):
        req = urllib.request.Request(self.url + path)
        req.add_header("Authorization", "Basic " + base64.b64encode(f"{BMC_USER}:{BMC_PASSWORD}".encode()).decode())
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.load(r)

    def power(self):
        return self.get(self.system)["PowerState"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()


def redfish_server(id_, name, url, password, timeout="5s"):
    return f"""
[[servers]]
id = "{id_}"
project = "local-1"
name = "{name}"
state = "stopped"
driver = "redfish"
config = {{ url = "{url}", username = "{BMC_USER}", password = "{password}", timeout = "{timeout}", power_timeout = "60s" }}
attrs = {{ flavor = "physical.s4.large", image = "1a6635d8-afea-4f3f-9f5c-2b6d1f4e8a10" }}
"""


@pytest.fixture(scope="module")
def bmc():
    b = Bmc()
    yield b
    b.stop()


@pytest.fixture(scope="module")
def rf(bmc, switchboard_factory):
    closed = f"http://127.0.0.1:{free_port()}"
    extra = (redfish_server("7a1e0000-0000-4000-8000-000000000001", "bms-redfish-01", bmc.url, BMC_PASSWORD)
             + redfish_server("7a1e0000-0000-4000-8000-000000000002", "bms-badpass-01", bmc.url, "wrong-password")
             + redfish_server("7a1e0000-0000-4000-8000-000000000003", "bms-nobmc-01", closed, BMC_PASSWORD, "1s"))
    s = switchboard_factory(extra_config=extra)
    yield s
    s.stop()


def server_body(server, server_id):
    token, _ = server.token()
    status, _, body = call(f"{server.url}/v2.1/{PROJECT}/servers/{server_id}", token=token)
    assert status == 200, body
    return body["server"]


def wait_for(check, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition never held")


def test_start_hard_reboot_and_stop_reach_the_bmc(rf, bmc):
    sid = "7a1e0000-0000-4000-8000-000000000001"
    assert bmc.power() == "Off"
    openstack(rf, "server", "start", "bms-redfish-01")
    wait_for(lambda: server_body(rf, sid)["status"] == "ACTIVE")
    assert bmc.power() == "On"

    openstack(rf, "server", "reboot", "--hard", "bms-redfish-01")
    # The fake BMC shows a restart as Off until it comes back On: the reset was ForceRestart.
    wait_for(lambda: bmc.power() == "Off", 10)
    wait_for(lambda: bmc.power() == "On")
    wait_for(lambda: server_body(rf, sid)["status"] == "ACTIVE")

    openstack(rf, "server", "stop", "bms-redfish-01")
    wait_for(lambda: server_body(rf, sid)["status"] == "SHUTOFF")
    assert bmc.power() == "Off"


def test_a_wrong_bmc_password_shows_error_with_the_bmcs_words(rf):
    sid = "7a1e0000-0000-4000-8000-000000000002"
    openstack(rf, "server", "start", "bms-badpass-01")
    body = wait_for(lambda: (lambda b: b if b["status"] == "ERROR" else None)(server_body(rf, sid)))
    assert "401" in body["fault"]["message"], body["fault"]


def test_an_unreachable_bmc_shows_error(rf):
    sid = "7a1e0000-0000-4000-8000-000000000003"
    openstack(rf, "server", "start", "bms-nobmc-01")
    body = wait_for(lambda: (lambda b: b if b["status"] == "ERROR" else None)(server_body(rf, sid)))
    assert "unreachable" in body["fault"]["message"], body["fault"]


def test_the_log_names_failed_tasks_reasons_but_never_a_bmc_password(rf):
    """Runs last in this module: the failed starts above are in the log with the BMC's words,
    and no BMC password is, at debug level."""
    from logcheck import events, find
    with open(rf.log_path) as f:
        log = f.read()
    for secret in (BMC_PASSWORD, "wrong-password"):
        assert secret not in log, f"a BMC password reached the log: {secret[:4]}..."
    failed = find(events(log, "text"), "task finished", state="FAILED")
    reasons = " ".join(e.get("reason", "") for e in failed)
    assert "401" in reasons and "unreachable" in reasons, failed


def test_console_output_says_the_bmc_has_no_log_services(rf):
    # sushy-tools serves no Redfish LogServices: the console output is a note saying so.
    token, _ = rf.token()
    sid = "7a1e0000-0000-4000-8000-000000000001"
    status, _, body = call(f"{rf.url}/v2.1/{PROJECT}/servers/{sid}/action", "POST",
                           {"os-getConsoleOutput": {}}, token)
    assert status == 200, body
    assert body["output"].startswith("No console output: the BMC serves no Redfish LogServices"), body
