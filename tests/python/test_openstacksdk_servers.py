"""openstacksdk, unmodified, against Switchboard's Nova: servers and flavors at the highest
microversion the SDK negotiates (2.100 for servers, 2.61 for flavors)."""

import openstack
import pytest
from openstack import utils

from conftest import PASSWORD, PROJECT

BATCH = 30
# More servers than one page of the sizes below; every third one stopped.
EXTRA = "".join(
    f'''
[[servers]]
id = "b0000000-0000-4000-8000-0000000000{i:02d}"
project = "local-1"
name = "bms-batch-{i:02d}"
state = "{"stopped" if i % 3 == 0 else "running"}"
attrs = {{ flavor = "physical.s4.large", image = "1a6635d8-afea-4f3f-9f5c-2b6d1f4e8a10", created = "2025-01-01T00:{i:02d}:00Z" }}
'''
    for i in range(1, BATCH + 1)
)


@pytest.fixture(scope="module")
def many(switchboard_factory):
    s = switchboard_factory(extra_config=EXTRA)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def conn(many):
    c = openstack.connect(
        auth_url=many.url + "/v3",
        username="admin",
        password=PASSWORD,
        project_id=PROJECT,
        user_domain_name="switchboard",
        project_domain_name="switchboard",
        region_name="local-1",
    )
    yield c
    c.close()


def test_the_sdk_negotiates_its_highest_microversions(conn):
    assert utils.maximum_supported_microversion(conn.compute, "2.100") == "2.100"
    assert utils.maximum_supported_microversion(conn.compute, "2.61") == "2.61"


@pytest.mark.parametrize("limit", [1, 7, 32, 1000])
def test_servers_with_a_limit_page_to_the_end_without_looping(conn, limit):
    servers = list(conn.compute.servers(limit=limit))
    ids = [s.id for s in servers]
    assert len(ids) == BATCH + 2
    assert len(set(ids)) == len(ids), "each server once"
    plain = list(conn.compute.servers(details=False, limit=limit))
    assert [s.id for s in plain] == ids


def test_status_and_name_filters(conn):
    stopped = {s.name for s in conn.compute.servers(status="SHUTOFF")}
    assert stopped == {"bms-web-01"} | {f"bms-batch-{i:02d}" for i in range(3, BATCH + 1, 3)}
    active = list(conn.compute.servers(status="active"))
    assert all(s.status == "ACTIVE" for s in active)
    assert len(active) == BATCH + 2 - len(stopped)
    assert [s.name for s in conn.compute.servers(name="^bms-web-01$")] == ["bms-web-01"]
    names = sorted(s.name for s in conn.compute.servers(name="batch-0[1-3]$"))
    assert names == ["bms-batch-01", "bms-batch-02", "bms-batch-03"]


def test_cloud_layer_reads_a_server_in_detail_with_its_embedded_flavor(conn):
    server = conn.get_server("bms-db-01", detailed=True)
    assert server.id == "95bf2490-5428-432c-ad9b-5e3406f869dd"
    assert server.status == "ACTIVE"
    assert server.flavor.original_name == "physical.s4.xlarge"
    assert server.flavor.vcpus == 48
    assert server.flavor.extra_specs["resource_type"] == "ironic"
    assert server.scheduler_hints == {}
    assert server.pinned_availability_zone is None
    assert server.hostname == "bms-db-01"
    # The cloud layer looked its image up in the image service.
    assert server.image["id"] == "1a6635d8-afea-4f3f-9f5c-2b6d1f4e8a10"
    assert server.image["name"] == "1a6635d8-afea-4f3f-9f5c-2b6d1f4e8a10"


def test_wait_for_server_through_stop_and_start(conn):
    server = conn.compute.find_server("bms-batch-01")
    conn.compute.stop_server(server)
    stopped = conn.compute.wait_for_server(server, status="SHUTOFF", interval=0.2, wait=60)
    assert stopped.vm_state == "stopped"
    conn.compute.start_server(server)
    started = conn.compute.wait_for_server(server, status="ACTIVE", interval=0.2, wait=60)
    assert started.power_state == 1


def test_flavors(conn):
    flavors = {f.id: f for f in conn.compute.flavors()}
    assert set(flavors) == {"physical.s4.large", "physical.s4.xlarge"}
    xlarge = flavors["physical.s4.xlarge"]
    assert (xlarge.vcpus, xlarge.ram, xlarge.disk) == (48, 393216, 1600)
    assert xlarge.extra_specs["resource_type"] == "ironic"
    assert xlarge.description.startswith("BMS")
    got = conn.compute.get_flavor("physical.s4.large")
    assert got.ram == 196608 and got.is_public
    found = conn.compute.find_flavor("physical.s4.xlarge")
    assert found.id == "physical.s4.xlarge"
    assert conn.compute.find_flavor("no-such-flavor") is None
    # What Ansible's modules ask for: GET /flavors/detail?is_public=None.
    assert {f.name for f in conn.list_flavors()} == set(flavors)
    assert conn.get_flavor("physical.s4.large").vcpus == 32
