"""The request log shows exactly what a real client sent: the openstack CLI and the Huawei SDK."""

import json
import urllib.parse

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkdbss.v1 import DbssClient, StartDbOmInstanceRequest

from conftest import PASSWORD, PROJECT, call, openstack

PROD = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
DB01 = "95bf2490-5428-432c-ad9b-5e3406f869dd"


@pytest.fixture(scope="module")
def demo(switchboard_factory):
    # The plugin's servers keep the last requests (SWITCHBOARD_REQUEST_LOG).
    s = switchboard_factory()
    yield s
    s.stop()


def logged(server, **query):
    token, _ = server.token()
    code, _, reply = call(server.url + "/switchboard/v1/requests?" + urllib.parse.urlencode(query), token=token)
    assert code == 200, reply
    return reply["requests"]


def test_the_openstack_cli_reboot_is_logged_as_sent(demo):
    openstack(demo, "server", "reboot", "--hard", "bms-db-01")
    [reboot] = logged(demo, operation="nova:server:reboot")
    assert reboot["path"].endswith(f"/servers/{DB01}/action")
    assert json.loads(reboot["body"]) == {"reboot": {"type": "HARD"}}
    agent = reboot["headers"]["user-agent"]
    assert "openstacksdk" in agent or "python-openstackclient" in agent, agent
    assert reboot["headers"]["x-auth-token"] == "***"
    assert reboot["status"] < 300 and reboot["task_id"] is not None, reboot
    # The CLI's own login is there, its password masked.
    logins = logged(demo, family="keystone", status="201")
    assert any(agent.split()[0] in e["headers"].get("user-agent", "") for e in logins), logins
    assert PASSWORD not in json.dumps(logged(demo, limit=1000))


def test_the_huawei_sdk_signed_start_is_logged_with_its_signature_masked(demo):
    ak, sk = demo.access_key()
    dbss = DbssClient.new_builder().with_credentials(BasicCredentials(ak, sk, PROJECT)) \
        .with_endpoint(demo.url).build()
    dbss.start_db_om_instance(StartDbOmInstanceRequest(instance_id=PROD))
    [start] = logged(demo, operation="dbss:instance:start")
    assert start["path"] == f"/v1/{PROJECT}/db-om/{PROD}/start"
    headers = start["headers"]
    assert headers["user-agent"].startswith("huaweicloud-usdk-python"), headers
    assert headers["authorization"] == "SDK-HMAC-SHA256 ***", headers
    assert "x-sdk-date" in headers, headers
    assert start["principal"]["project_id"] == PROJECT
    assert sk not in json.dumps(logged(demo, limit=1000))
