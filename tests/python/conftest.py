"""The real clients' suite runs on the pytest-switchboard plugin (clients/python, installed by
scripts/test.sh): its `switchboard_factory` starts each module's server, its `switchboard` and
`switchboard_project` fixtures give tests a shared server and a project of their own. What is
left here is this suite's: the demo's ids, the known admin password its module-level helpers
name, the viewer `vera`, and the openstack CLI."""

import os
import subprocess
import sys

import pytest

try:
    from pytest_switchboard import call  # noqa: F401 (the tests import it from here)
except ImportError as e:
    raise ImportError("tests/python runs on the pytest-switchboard plugin: "
                      "pip install -e clients/python (scripts/test.sh does)") from e

pytest_plugins = ["pytest_switchboard", "pytester"]

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "Real-Clients-Password-1"
PROJECT = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"

VIEWER = '''
[[users]]
name = "vera"
password = "Vera-Password-1"
roles = { "local-1" = "viewer" }
'''


@pytest.fixture(scope="session")
def switchboard_server_options(switchboard_server_options):
    """Every server of the suite: the admin password and project above, simulated time ten
    times faster, debug logs (the hygiene tests read everything a server could say), run from
    the repository root (example commands are relative to it)."""
    return dict(switchboard_server_options, admin_password=PASSWORD, admin_project=PROJECT,
                sim_speed=10, cwd=ROOT, env={"SWITCHBOARD_LOG": "debug"})


@pytest.fixture(scope="module")
def server(switchboard_factory):
    """A server of the module's own: the demo and `vera`."""
    s = switchboard_factory(extra_config=VIEWER)
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
