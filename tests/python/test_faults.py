"""Fault rules set at run time, seen through the official Huawei Cloud SDK (DBSS): on the
plugin's shared server, in the test's own project, with its own user's AK/SK."""

import time

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ServerResponseException
from huaweicloudsdkdbss.v1 import DbssClient, ListInstancesRequest, StartDbOmInstanceRequest

PROD = "a1b2c3d4e5f60718293a4b5c6d7e8f90"


def status(dbss):
    clusters = dbss.list_instances(ListInstancesRequest()).clusters
    server = [c for c in clusters if c.instance_id == PROD][0].detail.server[0]
    return server.status, server.task_status


def test_a_rule_fails_the_next_dbss_start_in_dbss_dialect_then_retires(switchboard_project, faults):
    rules = faults.set(action="dbss:instance:start", times=1,
                       error={"statusCode": 500, "code": "DBSS.00000001", "message": "injected"})
    assert [r["project"] for r in rules] == [switchboard_project.id], "bound to the test's project"
    ak, sk = switchboard_project.aksk
    dbss = DbssClient.new_builder().with_credentials(BasicCredentials(ak, sk, switchboard_project.id)) \
        .with_endpoint(switchboard_project.url).build()
    assert status(dbss) == ("SHUTOFF", "NO_TASK")
    with pytest.raises(ServerResponseException) as e:
        dbss.start_db_om_instance(StartDbOmInstanceRequest(instance_id=PROD))
    assert e.value.status_code == 500, e.value
    assert e.value.error_code == "DBSS.00000001", e.value
    assert e.value.error_msg == "injected", e.value
    assert status(dbss) == ("SHUTOFF", "NO_TASK"), "nothing was started"
    # The rule retired itself; its firing is kept, naming the SDK's request.
    assert faults.list() == []
    fired = faults.fired()
    assert fired[0]["rule_id"] == rules[0]["id"]
    assert fired[0]["action"] == "dbss:instance:start"
    assert dbss.start_db_om_instance(StartDbOmInstanceRequest(instance_id=PROD)).result == "success"
    deadline = time.time() + 20
    while status(dbss) != ("ACTIVE", "NO_TASK"):
        assert time.time() < deadline, "the second start never finished"
        time.sleep(0.05)
