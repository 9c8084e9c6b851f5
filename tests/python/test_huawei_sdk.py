"""The official Huawei Cloud Python SDK, unmodified, against Switchboard (AK/SK signatures)."""

import datetime
import time

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_handler import HttpHandler
from huaweicloudsdkcore.region.region import Region
from huaweicloudsdkbms.v1 import (
    BatchRebootBaremetalServersRequest, BatchStartBaremetalServersRequest, BatchStopBaremetalServersRequest,
    BmsClient, OsStartBody, OsStopBody, OsStopBodyType, RebootBody, ServersInfoType, ServersList,
    ShowJobInfosRequest, StartServersInfo,
)
from huaweicloudsdkdbss.v1 import (
    DbssClient, ListInstancesRequest, RebootDbOmInstanceRequest, StartDbOmInstanceRequest, StopDbOmInstanceRequest,
)
from huaweicloudsdklive.v1 import (
    ListFlowsRequest, LiveClient, ModifyFlowStartRequest, ModifyFlowStopRequest, ShowFlowDetailRequest,
)

from conftest import PROJECT, VIEWER
from logcheck import events, find

PROD = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
NEWS = "ec897482-d24b-4d64-aa39-407980902b1d"
DB01 = "95bf2490-5428-432c-ad9b-5e3406f869dd"
WEB01 = "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f"


@pytest.fixture(scope="module", params=["text", "json"])
def server(request, switchboard_factory):
    """The conftest server, once per log format: the hygiene test below reads both."""
    s = switchboard_factory(extra_config=VIEWER, env={"SWITCHBOARD_LOG_FORMAT": request.param})
    s.log_format = request.param
    yield s
    s.stop()


def client(cls, server, ak, sk, project=PROJECT, handler=None):
    builder = cls.new_builder().with_credentials(BasicCredentials(ak, sk, project)).with_endpoint(server.url)
    if handler is not None:
        builder = builder.with_http_handler(handler)
    return builder.build()


def wait_until(check, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("condition never held")


def instance_status(dbss, instance_id):
    clusters = dbss.list_instances(ListInstancesRequest()).clusters
    server = [c for c in clusters if c.instance_id == instance_id][0].detail.server[0]
    return server.status, server.task_status


def test_dbss_start_stop_reboot_and_list(server, keys):
    dbss = client(DbssClient, server, *keys)
    assert dbss.start_db_om_instance(StartDbOmInstanceRequest(instance_id=PROD)).result == "success"
    assert instance_status(dbss, PROD) == ("SHUTOFF", "powering-on")
    wait_until(lambda: instance_status(dbss, PROD) == ("ACTIVE", "NO_TASK"))
    assert dbss.reboot_db_om_instance(RebootDbOmInstanceRequest(instance_id=PROD)).result == "success"
    wait_until(lambda: instance_status(dbss, PROD) == ("ACTIVE", "NO_TASK"))
    assert dbss.stop_db_om_instance(StopDbOmInstanceRequest(instance_id=PROD)).result == "success"
    wait_until(lambda: instance_status(dbss, PROD) == ("SHUTOFF", "NO_TASK"))
    assert len(dbss.list_instances(ListInstancesRequest()).clusters) == 2


def test_live_start_stop_list_and_show(server, keys):
    live = client(LiveClient, server, *keys)
    started = live.modify_flow_start(ModifyFlowStartRequest(flow_id=NEWS))
    assert (started.flow_id, started.status) == (NEWS, "ACTIVE")
    flows = live.list_flows(ListFlowsRequest(limit=10, offset=0))
    assert flows.total == 2
    assert {f.name for f in flows.flows} == {"flow-news", "flow-sports"}
    detail = live.show_flow_detail(ShowFlowDetailRequest(flow_id=NEWS))
    assert detail.status == "ACTIVE" and detail.name == "flow-news"
    stopped = live.modify_flow_stop(ModifyFlowStopRequest(flow_id=NEWS))
    assert stopped.status == "STANDBY"


def wait_job(bms, job_id):
    status = {}

    def done():
        status["job"] = bms.show_job_infos(ShowJobInfosRequest(job_id=job_id))
        return status["job"].status in ("SUCCESS", "FAIL")

    wait_until(done)
    return status["job"]


def test_bms_batch_start_stop_reboot_and_jobs(server, keys):
    bms = client(BmsClient, server, *keys)
    start = bms.batch_start_baremetal_servers(BatchStartBaremetalServersRequest(
        body=OsStartBody(os_start=StartServersInfo(servers=[ServersList(id=WEB01)]))))
    job = wait_job(bms, start.job_id)
    assert job.status == "SUCCESS"
    assert job.entities.sub_jobs_total == 1
    assert job.entities.sub_jobs[0].entities.server_id == WEB01
    reboot = bms.batch_reboot_baremetal_servers(BatchRebootBaremetalServersRequest(
        body=RebootBody(reboot=ServersInfoType(type="HARD", servers=[ServersList(id=DB01), ServersList(id=WEB01)]))))
    assert wait_job(bms, reboot.job_id).status == "SUCCESS"
    stop = bms.batch_stop_baremetal_servers(BatchStopBaremetalServersRequest(
        body=OsStopBody(os_stop=OsStopBodyType(type="HARD", servers=[ServersList(id=WEB01)]))))
    assert wait_job(bms, stop.job_id).status == "SUCCESS"
    with pytest.raises(ClientRequestException) as refused:
        bms.batch_stop_baremetal_servers(BatchStopBaremetalServersRequest(
            body=OsStopBody(os_stop=OsStopBodyType(type="HARD", servers=[ServersList(id=WEB01)]))))
    assert refused.value.status_code == 400
    assert refused.value.error_code == "BMS.0039"
    assert refused.value.request_id


def test_region_mode_resolves_the_project_through_iam(server, keys):
    ak, sk = keys
    credentials = BasicCredentials(ak, sk).with_iam_endpoint(server.url)
    dbss = DbssClient.new_builder().with_credentials(credentials).with_region(Region("local-1", server.url)).build()
    assert len(dbss.list_instances(ListInstancesRequest()).clusters) == 2


def expect_refusal(call, status, error_code, message_part=""):
    with pytest.raises(ClientRequestException) as e:
        call()
    assert e.value.status_code == status, e.value
    assert e.value.error_code == error_code, e.value
    assert message_part in e.value.error_msg, e.value
    return e.value


def test_a_wrong_secret_key_is_refused(server, keys):
    ak, _ = keys
    live = client(LiveClient, server, ak, "not-the-secret-key-0000000000000000000000")
    expect_refusal(lambda: live.list_flows(ListFlowsRequest()), 401, "APIGW.0301", "verify aksk signature fail")


def test_a_request_tampered_after_signing_is_refused(server, keys):
    def tamper(request, **_):
        body = request.body or b""
        request.body = body + (b" " if isinstance(body, bytes) else " ")

    bms = client(BmsClient, server, *keys, handler=HttpHandler().add_request_handler(tamper))
    body = OsStartBody(os_start=StartServersInfo(servers=[ServersList(id=WEB01)]))
    expect_refusal(lambda: bms.batch_start_baremetal_servers(BatchStartBaremetalServersRequest(body=body)),
                   401, "APIGW.0301", "verify aksk signature fail")


def test_a_stale_sdk_date_is_refused(server, keys, monkeypatch):
    import huaweicloudsdkcore.signer.signer as signer

    class TwentyMinutesAgo(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return datetime.datetime.utcnow() - datetime.timedelta(minutes=20)

    monkeypatch.setattr(signer, "datetime", TwentyMinutesAgo)
    live = client(LiveClient, server, *keys)
    expect_refusal(lambda: live.list_flows(ListFlowsRequest()), 401, "APIGW.0301", "15 minutes")


def test_a_key_used_on_another_project_is_refused(server, keys):
    other = "e" * 32
    dbss = client(DbssClient, server, *keys, project=other)
    expect_refusal(lambda: dbss.list_instances(ListInstancesRequest()), 403, "APIGW.0302")


def test_a_user_without_the_permission_is_refused(server):
    ak, sk = server.access_key(user="vera", password="Vera-Password-1")
    dbss = client(DbssClient, server, ak, sk)
    assert len(dbss.list_instances(ListInstancesRequest()).clusters) == 2, "a viewer may read"
    expect_refusal(lambda: dbss.start_db_om_instance(StartDbOmInstanceRequest(instance_id=PROD)), 403, "APIGW.0302")
    bms = client(BmsClient, server, ak, sk)
    body = OsStartBody(os_start=StartServersInfo(servers=[ServersList(id=WEB01)]))
    expect_refusal(lambda: bms.batch_start_baremetal_servers(BatchStartBaremetalServersRequest(body=body)), 403, "BMS.0288")


def test_no_secret_reaches_the_log(server, keys):
    """Runs last in this module: after every call above, the debug log holds no secret, and the
    signed requests and their tasks are there, with who made them."""
    from conftest import PASSWORD
    token, _ = server.token()
    ak, sk = keys
    with open(server.log_path) as f:
        log = f.read()
    assert "request" in log, "debug logging was on"
    for secret in [PASSWORD, "Vera-Password-1", sk, token, "Signature=", "SDK-HMAC-SHA256"]:
        assert secret not in log, f"a secret reached the log: {secret[:6]}..."
    parsed = events(log, server.log_format)
    start = find(parsed, "request", method="POST", path=f"/v1/{PROJECT}/db-om/{PROD}/start")
    assert sorted((e["principal"], e["status"]) for e in start) == \
        [("admin@default", "200"), ("vera@default", "403")], start
    admin = [e for e in start if e["principal"] == "admin@default"][0]
    accepted = find(parsed, "task accepted", request_id=admin["request_id"])
    assert len(accepted) == 1 and accepted[0]["targets"] == PROD, accepted
    assert find(parsed, "task finished", task=accepted[0]["task"], state="COMPLETE")
