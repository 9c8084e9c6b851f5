"""Helpers for the real-client suites: a Switchboard config with a fleet of servers, the
`clouds.yaml` that openstacksdk-based clients (Ansible, the openstack CLI) read, and the venv's
console scripts."""

import os
import sys

from conftest import PASSWORD, PROJECT, ROOT

BIN = os.path.dirname(sys.executable)


def server_id(i):
    """A fixed, valid UUID per fleet slot."""
    return f"0a5e1000-0000-4000-8000-{i:012d}"


def fleet_config(count, prefix="fleet", state="running", extra=""):
    """The demo config plus `count` servers named `{prefix}-01`… in project local-1; `state` is
    a state or a function of the slot number."""
    with open(os.path.join(ROOT, "switchboard.example.toml")) as f:
        text = f.read()
    rows = [text, extra]
    for i in range(1, count + 1):
        rows.append(f'''
[[servers]]
id = "{server_id(i)}"
project = "local-1"
name = "{prefix}-{i:02d}"
state = "{state(i) if callable(state) else state}"
attrs = {{ flavor = "physical.s4.large", image = "1a6635d8-afea-4f3f-9f5c-2b6d1f4e8a10", availability_zone = "cn-north-4a", addresses = {{ "vpc-demo" = [{{ addr = "192.168.2.{i}", version = 4, mac = "fa:16:3e:22:00:{i:02x}" }}] }} }}
''')
    return "\n".join(rows)


def write_config(directory, text):
    path = os.path.join(directory, "fleet.toml")
    with open(path, "w") as f:
        f.write(text)
    return path


def clouds_yaml(directory, url, auth_path="/v3", cloud="switchboard"):
    """A clouds.yaml for the server with password auth; returns its path."""
    path = os.path.join(directory, "clouds.yaml")
    with open(path, "w") as f:
        f.write(f"""clouds:
  {cloud}:
    auth:
      auth_url: {url}{auth_path}
      username: admin
      password: {PASSWORD}
      project_id: {PROJECT}
      user_domain_name: switchboard
      project_domain_name: switchboard
    identity_api_version: 3
""")
    return path

