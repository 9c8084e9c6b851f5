"""Asking a running Switchboard which operations it serves."""

import json
import os
import re
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROJECT = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"
PASSWORD = "Coverage-Matrix-Password-1"
# An id no inventory has; 36 characters, valid for every family's id checks.
UNKNOWN = "00000000-0000-4000-8000-00000000c0de"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, method="GET", body=None, token=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            raw, status, got = r.read(), r.status, dict(r.headers)
    except urllib.error.HTTPError as e:
        raw, status, got = e.read(), e.code, dict(e.headers)
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return status, got, parsed


def login(url, password=PASSWORD):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "password": password, "domain": {"name": "switchboard"}}}},
        "scope": {"project": {"id": PROJECT}}}}
    status, headers, reply = request(url + "/v3/auth/tokens", "POST", body)
    if status != 201:
        raise RuntimeError(f"login failed: {status} {reply}")
    return {k.lower(): v for k, v in headers.items()}["x-subject-token"]


def _shape(status, body):
    """An answer without what changes per request (request ids, the path in messages)."""
    def clean(v):
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items() if k not in ("request_id", "requestId")}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v
    return status, json.dumps(clean(body), sort_keys=True)


NOVA_HEADERS = {"OpenStack-API-Version": "compute latest", "X-OpenStack-Nova-API-Version": "latest"}


def _concrete(path):
    return (path.replace("{project_id}", PROJECT).replace("{api_version}", "v1")
            .replace("{version}", "v1"))


NOWHERE = "no-such-route-c0de"


def _sibling(path):
    """The path with its last fixed segment replaced by one no API has, or None."""
    parts = path.split("/")
    for i in range(len(parts) - 1, 0, -1):
        if parts[i] and "{" not in parts[i] and parts[i] not in ("v1", "v1.1", "v2", "v2.1", "v3"):
            return "/".join(parts[:i] + [NOWHERE] + parts[i + 1:]), parts[i]
    return None


def probe(url, token, ops):
    """Sets op["served"] for each operation: the answer at its path is compared with the answers
    where no route can be (the family's root, and the path with its last fixed segment
    replaced), so a route that would take the segment as an id does not count."""
    nowhere = {
        "DBSS": "/v1/{project_id}/" + NOWHERE, "Live": "/v1/{project_id}/" + NOWHERE,
        "BMS": "/v1/{project_id}/" + NOWHERE, "Nova": "/v2.1/{project_id}/" + NOWHERE,
        "Keystone": "/v3/" + NOWHERE,
    }

    def ask(family, method, path, body=None):
        headers = NOVA_HEADERS if family == "Nova" else None
        if body is None and method in ("POST", "PUT", "PATCH"):
            body = {}
        return request(url + _concrete(path), method, body, token, headers)

    baseline = {}
    for family, path in nowhere.items():
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            status, _, reply = ask(family, method, path)
            baseline.setdefault(family, set()).add(_shape(status, reply))
    def fill(path):
        return re.sub(r"\{(?!project_id\}|api_version\}|version\})\w+\}", UNKNOWN, path)

    for op in ops:
        path = fill(op["path"])
        method = "GET" if op["method"] == "HEAD" else op["method"]
        status, _, reply = ask(op["family"], method, path, op.get("body"))
        text = json.dumps(reply)
        shape = _shape(status, reply)
        unserved = (status == 405 or "APIGW.0101" in text or "There is no such action" in text
                    or shape in baseline[op["family"]])
        sibling = _sibling(op["path"])
        if not unserved and sibling and "body" not in op:
            other, segment = sibling
            s2, _, r2 = ask(op["family"], method, fill(other))
            unserved = _shape(s2, json.loads(json.dumps(r2).replace(NOWHERE, segment))) == shape
        op["served"] = not unserved


class LocalServer:
    """The real binary on a loopback port with the built-in demo and a fresh data directory."""

    def __init__(self):
        binary = os.environ.get("SWITCHBOARD_BIN", os.path.join(ROOT, "target", "debug", "switchboard"))
        self.dir = tempfile.mkdtemp(prefix="switchboard-coverage-")
        self.url = f"http://127.0.0.1:{_free_port()}"
        env = dict(os.environ, SWITCHBOARD_ADMIN_PASSWORD=PASSWORD)
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen([binary, "serve", "--listen", self.url[len("http://"):], "--data-dir", self.dir],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.url + "/health", timeout=1)
                return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("switchboard did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()
