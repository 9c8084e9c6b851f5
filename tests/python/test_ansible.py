"""Ansible's openstack.cloud collection, unmodified (the pinned `ansible` package), against
Switchboard's Keystone and Nova: `ansible-playbook -f 30` over 30 servers runs server_info
(detailed), server_action stop / start / reboot_hard with `wait: true` and server_metadata,
all green, and the API then shows every server running with its metadata and its actions.

Ansible has its own venv (`.venv-ansible`, Python >= 3.12, from requirements-ansible.txt; made by
scripts/test.sh, or named by SWITCHBOARD_ANSIBLE_VENV): see requirements-ansible.txt for why."""

import os
import subprocess
import time

import pytest

from conftest import PROJECT, ROOT, call
from fleet import clouds_yaml, fleet_config, server_id, write_config

COUNT = 30
HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.environ.get("SWITCHBOARD_ANSIBLE_VENV", os.path.join(ROOT, ".venv-ansible"))
BIN = os.path.join(VENV, "bin")


@pytest.fixture(scope="module")
def fleet(switchboard_factory):
    directory = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"switchboard-ansible-{os.getpid()}")
    os.makedirs(directory, exist_ok=True)
    # 30 forks log in about 210 times as one account: more than the default burst allows on a
    # fast machine, and keystoneauth does not retry a 429.
    config = fleet_config(COUNT, prefix="ans").replace("account_burst = 100", "account_burst = 1000", 1)
    assert "account_burst = 1000" in config
    s = switchboard_factory(config_path=write_config(directory, config))
    s.work = directory
    yield s
    s.stop()


def inventory(directory):
    path = os.path.join(directory, "inventory.yml")
    hosts = "".join(f"        ans-{i:02d}:\n          server: ans-{i:02d}\n          slot: {i}\n"
                    for i in range(1, COUNT + 1))
    with open(path, "w") as f:
        f.write(f"""all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: {os.path.join(BIN, "python")}
  children:
    servers:
      hosts:
{hosts}""")
    return path


def test_playbook_with_30_forks_over_30_servers(fleet):
    assert os.path.exists(os.path.join(BIN, "ansible-playbook")), \
        f"no Ansible venv at {VENV}: scripts/test.sh makes it from tests/python/requirements-ansible.txt"
    env = dict(
        os.environ,
        OS_CLIENT_CONFIG_FILE=clouds_yaml(fleet.work, fleet.url),
        ANSIBLE_HOME=os.path.join(fleet.work, "ansible-home"),
        ANSIBLE_LOCAL_TEMP=os.path.join(fleet.work, "ansible-tmp"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_PYTHON_INTERPRETER=os.path.join(BIN, "python"),
    )
    started = time.monotonic()
    done = subprocess.run(
        [os.path.join(BIN, "ansible-playbook"), "-f", "30", "-i", inventory(fleet.work),
         os.path.join(HERE, "ansible", "playbook.yml")],
        env=env, capture_output=True, text=True, timeout=900)
    took = time.monotonic() - started
    tail = done.stdout[-12000:] + done.stderr[-4000:]
    assert done.returncode == 0, f"ansible-playbook failed after {took:.0f}s:\n{tail}"
    recap = done.stdout[done.stdout.rindex("PLAY RECAP"):]
    assert recap.count("failed=0") == COUNT and "unreachable=0" in recap, recap
    print(f"ansible-playbook -f 30 over {COUNT} servers: {took:.1f}s")

    token, _ = fleet.token()
    status, _, listed = call(f"{fleet.url}/v2.1/{PROJECT}/servers/detail", token=token)
    assert status == 200, listed
    by_name = {s["name"]: s for s in listed["servers"]}
    for i in range(1, COUNT + 1):
        name = f"ans-{i:02d}"
        assert by_name[name]["status"] == "ACTIVE", by_name[name]
        assert by_name[name]["metadata"] == {"managed_by": "ansible", "slot": str(i)}, by_name[name]
        status, _, meta = call(f"{fleet.url}/v2.1/{PROJECT}/servers/{server_id(i)}/metadata", token=token)
        assert status == 200 and meta == {"metadata": {"managed_by": "ansible", "slot": str(i)}}, meta
        status, _, actions = call(f"{fleet.url}/v2.1/{PROJECT}/servers/{server_id(i)}/os-instance-actions",
                                  token=token)
        assert status == 200, actions
        done_actions = sorted(a["action"] for a in actions["instanceActions"])
        assert done_actions == ["reboot", "start", "stop"], done_actions
