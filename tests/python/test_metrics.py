"""Prometheus `/metrics` of the real binary, read with prometheus_client's own parser after a
known workload (HDFS started with its dependency): the families, their labels and counts that
match what was done."""

import time
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import PROJECT, call

START = "/web/v1/maintain/cluster/{cluster_id}/service/{service_name}/{operation}"
PROGRESS = "/web/v1/common/command/{command_id}/progress"


@pytest.fixture(scope="module")
def fresh(switchboard_factory):
    s = switchboard_factory()
    yield s
    s.stop()


def scrape(server, token):
    req = urllib.request.Request(server.url + "/metrics", headers={"X-Auth-Token": token})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = r.read().decode()
    return {f.name: f for f in text_string_to_metric_families(text)}


def value(families, name, sample_name, **labels):
    """Sum of the samples `sample_name` of family `name` whose labels include `labels`."""
    return sum(s.value for s in families[name].samples
               if s.name == sample_name and all(s.labels.get(k) == v for k, v in labels.items()))


def test_the_exposition_parses_and_counts_the_workload(fresh):
    status, _, body = call(fresh.url + "/metrics")
    assert status == 401 and body["error_code"] == "APIGW.0301"
    token, _ = fresh.token()

    status, _, body = call(fresh.url + "/web/v1/maintain/cluster/1/service/HDFS/start", "POST",
                           {"only_self": False}, token)
    assert status == 200 and body["state"] == "IN_PROGRESS", body
    polls = 0
    while True:
        status, _, progress = call(fresh.url + f"/web/v1/common/command/{body['id']}/progress",
                                   token=token)
        polls += 1
        assert status == 200
        if progress["state"] != "IN_PROGRESS":
            break
        time.sleep(0.05)
    assert progress["state"] == "COMPLETE", progress
    fam = scrape(fresh, token)

    for name, kind in [
        ("switchboard_http_requests", "counter"),
        ("switchboard_http_request_duration_seconds", "histogram"),
        ("switchboard_tasks", "counter"),
        ("switchboard_tasks_in_flight", "gauge"),
        ("switchboard_steps_in_flight", "gauge"),
        ("switchboard_step_duration_seconds", "histogram"),
        ("switchboard_store_commit_duration_seconds", "histogram"),
        ("switchboard_store_commit_group_size", "histogram"),
        ("switchboard_store_checkpoint_duration_seconds", "histogram"),
        ("process_resident_memory_bytes", "gauge"),
        ("process_open_fds", "gauge"),
    ]:
        assert name in fam, f"{name} missing from {sorted(fam)}"
        assert fam[name].type == kind, (name, fam[name].type)

    # Requests: by family, route template, method and status; one start, `polls` progress reads.
    requests = "switchboard_http_requests"
    assert value(fam, requests, requests + "_total", family="mrs", route=START, method="POST",
                 status="200") == 1
    assert value(fam, requests, requests + "_total", family="mrs", route=PROGRESS,
                 status="200") == polls
    assert value(fam, requests, requests + "_total", family="keystone", route="/v3/auth/tokens",
                 method="POST", status="201") == 1
    assert value(fam, requests, requests + "_total", route="/metrics", status="401") == 1
    routes = {s.labels["route"] for s in fam[requests].samples}
    assert not any("HDFS" in r or r.startswith("/web/v1/common/command/1") for r in routes), routes
    latency = "switchboard_http_request_duration_seconds"
    assert value(fam, latency, latency + "_count", route=START, method="POST") == 1
    assert value(fam, latency, latency + "_bucket", route=START, le="+Inf") == 1

    # Tasks and steps: one task of two sim starts (ZooKeeper, then HDFS), nothing left running.
    assert value(fam, "switchboard_tasks", "switchboard_tasks_total", state="IN_PROGRESS") == 1
    assert value(fam, "switchboard_tasks", "switchboard_tasks_total", state="COMPLETE") == 1
    assert value(fam, "switchboard_tasks", "switchboard_tasks_total", state="FAILED") == 0
    assert value(fam, "switchboard_tasks_in_flight", "switchboard_tasks_in_flight") == 0
    assert value(fam, "switchboard_steps_in_flight", "switchboard_steps_in_flight") == 0
    steps = "switchboard_step_duration_seconds"
    assert value(fam, steps, steps + "_count", driver="sim", action="start", outcome="done") == 2
    # Simulated starts take about 1.5 s at speed 1, here at --sim-speed 10.
    assert 0.05 < value(fam, steps, steps + "_sum", driver="sim", action="start") < 5

    # The store committed groups (the task's acceptance at least), the process is measured.
    commit = "switchboard_store_commit_duration_seconds"
    groups = value(fam, commit, commit + "_count")
    assert groups >= 1
    size = "switchboard_store_commit_group_size"
    assert value(fam, size, size + "_count") == groups
    assert value(fam, size, size + "_sum") >= groups
    # Steps take longer than the 50 ms between the writer's checkpoints.
    checkpoint = "switchboard_store_checkpoint_duration_seconds"
    assert 1 <= value(fam, checkpoint, checkpoint + "_count") <= groups
    assert value(fam, "process_resident_memory_bytes", "process_resident_memory_bytes") > 1e6
    assert value(fam, "process_open_fds", "process_open_fds") >= 3
