"""Fault rules set at run time, seen through the official Huawei Cloud SDK (DBSS)."""

import time

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ServerResponseException
from huaweicloudsdkdbss.v1 import DbssClient, ListInstancesRequest, StartDbOmInstanceRequest

from conftest import PROJECT, call

PROD = "a1b2c3d4e5f60718293a4b5c6d7e8f90"


def status(dbss):
    clusters = dbss.list_instances(ListInstancesRequest()).clusters
    server = [c for c in clusters if c.instance_id == PROD][0].detail.server[0]
    return server.status, server.task_status


def test_a_rule_fails_the_next_dbss_start_in_dbss_dialect_then_retires(server, keys):
    token, _ = server.token()
    rule = [{"action": "dbss:instance:start", "times": 1,
             "error": {"statusCode": 500, "code": "DBSS.00000001", "message": "injected"}}]
    code, _, rules = call(server.url + "/switchboard/v1/faults", "POST", rule, token)
    assert code == 200, rules
    ak, sk = keys
    dbss = DbssClient.new_builder().with_credentials(BasicCredentials(ak, sk, PROJECT)) \
        .with_endpoint(server.url).build()
    with pytest.raises(ServerResponseException) as e:
        dbss.start_db_om_instance(StartDbOmInstanceRequest(instance_id=PROD))
    assert e.value.status_code == 500, e.value
    assert e.value.error_code == "DBSS.00000001", e.value
    assert e.value.error_msg == "injected", e.value
    assert status(dbss) == ("SHUTOFF", "NO_TASK"), "nothing was started"
    # The rule retired itself; its firing is kept, naming the SDK's request.
    _, _, left = call(server.url + "/switchboard/v1/faults", token=token)
    assert left == []
    _, _, fired = call(server.url + "/switchboard/v1/faults/fired", token=token)
    assert fired["fired"][0]["rule_id"] == rules[0]["id"]
    assert fired["fired"][0]["action"] == "dbss:instance:start"
    assert dbss.start_db_om_instance(StartDbOmInstanceRequest(instance_id=PROD)).result == "success"
    deadline = time.time() + 20
    while status(dbss) != ("ACTIVE", "NO_TASK"):
        assert time.time() < deadline, "the second start never finished"
        time.sleep(0.05)
