"""A real Switchboard binary on a loopback port, and credentials for the real clients."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("SWITCHBOARD_BIN", os.path.join(ROOT, "target", "debug", "switchboard"))
PASSWORD = "Real-Clients-Password-1"
PROJECT = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url, method="GET", body=None, token=None, headers=None):
    """A JSON request; returns (status, headers, parsed body)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
            return r.status, dict(r.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, dict(e.headers), json.loads(raw) if raw else None


class Server:
    def __init__(self, extra_config="", config_path=None, env=None):
        self.dir = tempfile.mkdtemp(prefix="switchboard-py-")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [BINARY, "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.dir, "--sim-speed", "10"]
        if config_path:
            args += ["--config", config_path]
        elif extra_config:
            with open(os.path.join(ROOT, "switchboard.example.toml")) as f:
                text = f.read() + "\n" + extra_config
            path = os.path.join(self.dir, "config.toml")
            with open(path, "w") as f:
                f.write(text)
            args += ["--config", path]
        # Debug logging, so that the hygiene test sees everything the server could say.
        env = dict(os.environ, SWITCHBOARD_ADMIN_PASSWORD=PASSWORD, SWITCHBOARD_LOG="debug", **(env or {}))
        self.log_path = os.path.join(self.dir, "server.log")
        self.log = open(self.log_path, "w")
        # From the repository root, where example commands are relative to.
        self.proc = subprocess.Popen(args, env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.url + "/health", timeout=1)
                break
            except Exception:
                time.sleep(0.05)
        else:
            raise RuntimeError("switchboard did not start: " + open(self.log_path).read())

    def token(self, user="admin", password=PASSWORD, project=PROJECT):
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": password, "domain": {"name": "switchboard"}}}},
            "scope": {"project": {"id": project}}}}
        status, headers, reply = call(self.url + "/v3/auth/tokens", "POST", body)
        assert status == 201, reply
        return {k.lower(): v for k, v in headers.items()}["x-subject-token"], reply["token"]["user"]["id"]

    def access_key(self, user="admin", password=PASSWORD, project=PROJECT):
        token, user_id = self.token(user, password, project)
        status, _, reply = call(self.url + "/v3.0/OS-CREDENTIAL/credentials", "POST",
                                {"credential": {"user_id": user_id, "description": "real clients"}}, token)
        assert status == 201, reply
        return reply["credential"]["access"], reply["credential"]["secret"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()


VIEWER = '''
[[users]]
name = "vera"
password = "Vera-Password-1"
roles = { "local-1" = "viewer" }
'''


@pytest.fixture(scope="module")
def server():
    s = Server(extra_config=VIEWER)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def keys(server):
    return server.access_key()


OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")


def openstack(server, *args):
    """Runs the real `openstack` CLI against the server with password auth; returns stdout."""
    env = dict(
        os.environ,
        OS_AUTH_URL=server.url + "/v3",
        OS_IDENTITY_API_VERSION="3",
        OS_USERNAME="admin",
        OS_PASSWORD=PASSWORD,
        OS_PROJECT_ID=PROJECT,
        OS_USER_DOMAIN_NAME="switchboard",
        OS_PROJECT_DOMAIN_NAME="switchboard",
    )
    done = subprocess.run([OPENSTACK, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"openstack {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


