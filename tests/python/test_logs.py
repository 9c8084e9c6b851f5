"""Log hygiene beyond the SDK: every call that carries a secret (logins right and wrong, token
validation and revocation, user passwords set and changed, access keys, MRS `user_password`, a
Live flow's SRT passphrase, a query string) leaves none in the debug log, as text or as JSON lines,
while the request and task lines an operator needs are there."""

import time

import pytest

from conftest import PASSWORD, PROJECT, call
from logcheck import events, find

SECRETS = {
    "wrong": "Wrong-Login-Secret-7",
    "lena1": "Lena-Password-Secret-1",
    "lena2": "Lena-Password-Secret-2",
    "mrs_wrong": "Wrong-User-Password-3",
    "passphrase": "Flow-Passphrase-Secret-5",
    "query": "Query-Secret-4",
}


def header(headers, name):
    return {k.lower(): v for k, v in headers.items()}[name]


def login(s, user, password):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "password": password, "domain": {"name": "switchboard"}}}},
        "scope": {"project": {"id": PROJECT}}}}
    return call(s.url + "/v3/auth/tokens", "POST", body)


def exercise(s):
    """Every secret-carrying call; returns what the log must show and what it must not."""
    shown, hidden = {}, dict(SECRETS, admin=PASSWORD)
    token, _ = s.token()
    hidden["token"] = token
    assert login(s, "admin", SECRETS["wrong"])[0] == 401
    status, _, _ = call(s.url + "/v3/auth/tokens", token=token, headers={"X-Subject-Token": token})
    assert status == 200
    status, _, reply = call(s.url + "/switchboard/v1/users", "POST", {
        "name": "lena", "password": SECRETS["lena1"], "roles": {"local-1": "operator"}}, token)
    assert status == 201, reply
    lena = reply["user"]["id"]
    status, _, reply = call(f"{s.url}/switchboard/v1/users/{lena}", "PUT", {"password": SECRETS["lena2"]}, token)
    assert status == 200, reply
    status, headers, _ = login(s, "lena", SECRETS["lena2"])
    assert status == 201
    lena_token = header(headers, "x-subject-token")
    hidden["lena_token"] = lena_token
    status, headers, _ = call(s.url + "/web/v1/clusters", token=lena_token)
    shown["lena"] = header(headers, "x-request-id")
    status, _, reply = call(s.url + "/v3.0/OS-CREDENTIAL/credentials", "POST",
                            {"credential": {"user_id": lena, "description": "logs"}}, lena_token)
    assert status == 201, reply
    hidden["sk"] = reply["credential"]["secret"]
    status, _, _ = call(s.url + "/v3/auth/tokens", "DELETE", token=token, headers={"X-Subject-Token": lena_token})
    assert status == 204

    mrs = s.url + "/web/v1/maintain/cluster/1/service/ZooKeeper/start"
    status, _, _ = call(mrs, "POST", {"only_self": True, "user_password": SECRETS["mrs_wrong"]}, token)
    assert status == 403
    status, headers, reply = call(mrs, "POST", {"only_self": True, "user_password": PASSWORD}, token)
    assert status == 200, reply
    shown["start"], shown["task"] = header(headers, "x-request-id"), reply["id"]
    flow = {"name": "flow-logs", "region": "cn-north-4", "sources": [
        {"name": "in", "protocol": "srt-caller", "source_listener_address": "198.51.100.7",
         "source_listener_port": 9100, "min_latency": 500, "cidr_whitelist": ["198.51.100.0/24"],
         "decryption": {"algorithm": "aes256", "key_type": "srt-password", "passphrase": SECRETS["passphrase"]}}]}
    status, _, reply = call(f"{s.url}/v1/{PROJECT}/flows", "POST", flow, token)
    assert status == 201, reply
    call(f"{s.url}/v1/{PROJECT}/flows?limit=10&offset=0", token=token)
    status, headers, _ = call(f"{s.url}/switchboard/v1/tasks?limit=5&marker={SECRETS['query']}", token=token)
    shown["query"] = header(headers, "x-request-id")

    deadline = time.time() + 30
    while call(f"{s.url}/web/v1/common/command/{shown['task']}/progress", token=token)[2]["state"] == "IN_PROGRESS":
        assert time.time() < deadline, "the start did not finish"
        time.sleep(0.1)
    return shown, hidden


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_secret_reaches_the_debug_log_and_operators_see_requests_and_tasks(fmt, switchboard_factory):
    s = switchboard_factory(env={"SWITCHBOARD_LOG_FORMAT": fmt})
    try:
        shown, hidden = exercise(s)
    finally:
        s.stop()
    with open(s.log_path) as f:
        log = f.read()
    for name, secret in hidden.items():
        assert secret not in log, f"a secret ({name}) reached the log: {secret[:6]}..."
    assert "Signature=" not in log and "SDK-HMAC-SHA256" not in log
    parsed = events(log, fmt)
    assert any(e["level"] == "DEBUG" for e in parsed), "debug logging was on"

    lena = find(parsed, "request", request_id=shown["lena"])
    assert [(e["principal"], e["method"], e["path"], e["status"]) for e in lena] == \
        [("lena@default", "GET", "/web/v1/clusters", "200")], lena
    query = find(parsed, "request", request_id=shown["query"])
    assert [e["path"] for e in query] == ["/switchboard/v1/tasks"], query
    logins = find(parsed, "request", method="POST", path="/v3/auth/tokens")
    assert {e["status"] for e in logins} >= {"201", "401"} and {e["principal"] for e in logins} == {"-"}

    task = str(shown["task"])
    for message in ("task accepted", "task started", "task finished"):
        lines = find(parsed, message, task=task)
        assert len(lines) == 1, (message, lines)
        line = lines[0]
        assert (line["request_id"], line["action"], line["targets"]) == (shown["start"], "start", "mrs.1.ZooKeeper")
    assert find(parsed, "task finished", task=task)[0]["state"] == "COMPLETE"
