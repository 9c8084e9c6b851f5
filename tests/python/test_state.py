"""openstacksdk, unmodified: change servers, reset the state, and see the initial state again;
a snapshot taken before the changes restores it too."""

import time

import openstack
import pytest

from conftest import PASSWORD, PROJECT, call


@pytest.fixture(scope="module")
def server(switchboard_factory):
    """A server of the module's own: these tests reset and restore all of it."""
    s = switchboard_factory()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def conn(server):
    c = openstack.connect(
        auth_url=server.url + "/v3",
        username="admin",
        password=PASSWORD,
        project_id=PROJECT,
        user_domain_name="switchboard",
        project_domain_name="switchboard",
        region_name="local-1",
    )
    yield c
    c.close()


def statuses(conn):
    return {s.id: s.status for s in conn.compute.servers()}


def change_every_server(conn):
    for s in conn.compute.servers():
        if s.status == "ACTIVE":
            conn.compute.stop_server(s)
        else:
            conn.compute.start_server(s)


def test_a_reset_gives_the_initial_state_back(server, conn):
    token, _ = server.token()
    initial = statuses(conn)
    change_every_server(conn)
    for _ in range(200):
        if all(v != initial[k] for k, v in statuses(conn).items()):
            break
        time.sleep(0.05)
    assert statuses(conn) != initial
    status, _, reply = call(server.url + "/switchboard/v1/state/reset", "POST", {}, token)
    assert status == 200, reply
    assert reply["reset"]["took_ms"] < 1000, reply
    assert statuses(conn) == initial


def test_a_snapshot_restores_what_it_holds(server, conn):
    token, _ = server.token()
    status, _, snapshot = call(server.url + "/switchboard/v1/state/snapshot", token=token)
    assert status == 200
    before = statuses(conn)
    change_every_server(conn)
    status, _, reply = call(server.url + "/switchboard/v1/state/snapshot", "PUT", snapshot, token)
    assert status == 200, reply
    assert statuses(conn) == before
