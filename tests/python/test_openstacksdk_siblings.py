"""openstacksdk, unmodified, on the Nova siblings: instance actions, console output, metadata,
limits and availability zones."""

import time
import warnings

import openstack
import pytest

from conftest import PASSWORD, PROJECT

DB01 = "95bf2490-5428-432c-ad9b-5e3406f869dd"
WEB01 = "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f"


@pytest.fixture(scope="module")
def conn(server):
    c = openstack.connect(
        auth_url=server.url + "/v3",
        username="admin",
        password=PASSWORD,
        project_id=PROJECT,
        user_domain_name="switchboard",
        project_domain_name="switchboard",
    )
    yield c
    c.close()


def wait_status(conn, server_id, status):
    for _ in range(300):
        s = conn.compute.get_server(server_id)
        if s.status == status and not s.task_state:
            return s
        time.sleep(0.05)
    raise AssertionError(f"{server_id} never became {status}")


def test_server_actions_list_the_reboot_and_its_event(conn):
    conn.compute.reboot_server(DB01, "HARD")
    wait_status(conn, DB01, "ACTIVE")
    actions = list(conn.compute.server_actions(DB01))
    assert [a.action for a in actions][:1] == ["reboot"]
    reboot = actions[0]
    assert reboot.project_id == PROJECT and reboot.request_id.startswith("req-")
    fetched = conn.compute.get_server_action(reboot.request_id, DB01)
    assert fetched.action == "reboot"
    assert [(e.event, e.result) for e in fetched.events] == [("compute_reboot_instance", "Success")]


def test_console_output_reflects_a_stop(conn):
    out = conn.compute.get_server_console_output(WEB01)["output"]
    assert "login:" not in out  # WEB01 never booted
    conn.compute.start_server(WEB01)
    wait_status(conn, WEB01, "ACTIVE")
    out = conn.compute.get_server_console_output(WEB01)["output"]
    assert out.rstrip().endswith("bms-web-01 login:")
    last = conn.compute.get_server_console_output(WEB01, length=1)["output"]
    assert last == "bms-web-01 login: "
    conn.compute.stop_server(WEB01)
    wait_status(conn, WEB01, "SHUTOFF")
    out = conn.compute.get_server_console_output(WEB01, length=2)["output"]
    assert out.endswith("reboot: Power down")


def test_metadata_set_get_delete(conn):
    conn.compute.set_server_metadata(DB01, role="db", owner="ops")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = conn.compute.get_server_metadata(DB01).metadata
    assert got == {"role": "db", "owner": "ops"}
    conn.compute.delete_server_metadata(DB01, ["owner"])
    assert conn.compute.fetch_server_metadata(DB01).metadata == {"role": "db"}
    assert conn.compute.get_server(DB01).metadata == {"role": "db"}
    with pytest.raises(openstack.exceptions.NotFoundException):
        conn.compute.delete_server_metadata(DB01, ["owner"])


def test_limits_and_availability_zones(conn):
    limits = conn.get_compute_limits()
    assert limits.total_instances_used == 2
    assert limits.instances == 10
    assert limits.server_meta == 128
    assert conn.compute.get_limits().absolute.total_instances_used == 2
    assert [z.name for z in conn.compute.availability_zones()] == ["cn-north-4a"]
    assert conn.list_availability_zone_names() == ["cn-north-4a"]
    detail = list(conn.compute.availability_zones(details=True))
    assert "bms-host-01" in detail[0].hosts


def test_openstack_cli_event_list_and_console_log(server, conn):
    from conftest import openstack as cli

    conn.compute.reboot_server(DB01, "HARD")
    wait_status(conn, DB01, "ACTIVE")
    events = cli(server, "server", "event", "list", DB01, "-f", "value", "-c", "Action")
    assert "reboot" in events.split()
    log = cli(server, "console", "log", "show", "--lines", "1", DB01)
    assert log.strip() == "bms-db-01 login:"
