"""The `openstack` CLI, unmodified, against Switchboard's Keystone and Nova APIs."""

import json
import time

from conftest import openstack

def show(server, name):
    return json.loads(openstack(server, "server", "show", name, "-f", "json"))


def wait_status(server, name, status):
    deadline = time.time() + 30
    while time.time() < deadline:
        if show(server, name)["status"] == status:
            return
        time.sleep(0.2)
    raise AssertionError(f"{name} never became {status}")


def test_server_list_and_show(server):
    servers = json.loads(openstack(server, "server", "list", "-f", "json"))
    by_name = {s["Name"]: s for s in servers}
    assert set(by_name) == {"bms-db-01", "bms-web-01"}
    assert by_name["bms-db-01"]["Status"] == "ACTIVE"
    assert by_name["bms-web-01"]["Status"] == "SHUTOFF"
    shown = show(server, "bms-db-01")
    assert shown["id"] == "95bf2490-5428-432c-ad9b-5e3406f869dd"
    assert shown["OS-EXT-STS:vm_state"] == "active"


def test_server_stop_start_and_hard_reboot(server):
    openstack(server, "server", "stop", "bms-db-01")
    wait_status(server, "bms-db-01", "SHUTOFF")
    openstack(server, "server", "start", "bms-db-01")
    wait_status(server, "bms-db-01", "ACTIVE")
    openstack(server, "server", "reboot", "--hard", "bms-db-01")
    wait_status(server, "bms-db-01", "ACTIVE")
