"""Keystone and Nova discovery with the real clients, unmodified: keystoneauth with every form of
auth URL, keystoneclient reads, v3token rescoping, `openstack project show` and `versions show`,
and novaclient's version discovery and NotFound."""

import json
import os
import subprocess

import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import generic, v3
from keystoneclient.v3 import client as ks_client
from novaclient import api_versions
from novaclient import client as nova_client
from novaclient import exceptions as nova_exceptions

from conftest import OPENSTACK, PASSWORD, PROJECT


def password_session(server, auth_url, user="admin", password=PASSWORD):
    auth = generic.Password(auth_url=auth_url, username=user, password=password,
                            user_domain_name="switchboard", project_id=PROJECT)
    return ks_session.Session(auth=auth)


def cli(server, *args, auth_url=None, **env_extra):
    env = dict(os.environ, OS_AUTH_URL=auth_url or server.url, OS_USERNAME="admin",
               OS_PASSWORD=PASSWORD, OS_PROJECT_ID=PROJECT, OS_USER_DOMAIN_NAME="switchboard")
    for key in list(env):
        if key.startswith("OS_") and key in env_extra.get("drop", ()):
            del env[key]
    env.update({k: v for k, v in env_extra.items() if k != "drop"})
    done = subprocess.run([OPENSTACK, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"openstack {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.parametrize("suffix", ["", "/", "/v3", "/identity", "/identity/v3"])
def test_keystoneauth_discovers_v3_from_any_auth_url(server, suffix):
    sess = password_session(server, server.url + suffix)
    assert sess.get_project_id() == PROJECT
    assert sess.get_endpoint(service_type="compute", interface="public") == \
        f"{server.url}/compute/v2.1/{PROJECT}"
    assert sess.get_endpoint(service_type="identity", interface="public",
                             min_version="3", max_version="3.latest").rstrip("/") == \
        f"{server.url}/identity/v3"


@pytest.mark.parametrize("suffix", ["", "/identity"])
def test_keystoneauth_without_any_domain_still_picks_v3(server, suffix):
    # No domain at all: keystoneauth walks the versions from the lowest, so the root document
    # must hold nothing it could take for Keystone v2.
    _, user_id = server.token()
    auth = generic.Password(auth_url=server.url + suffix, user_id=user_id, password=PASSWORD,
                            project_id=PROJECT)
    sess = ks_session.Session(auth=auth)
    assert sess.get_project_id() == PROJECT
    assert isinstance(auth._plugin, v3.Password)


def test_keystoneclient_reads(server):
    sess = password_session(server, server.url)
    kc = ks_client.Client(session=sess, interface="public")
    project = kc.projects.get(PROJECT)
    assert project.name == "local-1" and project.enabled
    assert [p.name for p in kc.auth.projects()] == ["local-1"]
    assert [d.name for d in kc.auth.domains()] == ["switchboard"]
    user = kc.users.get(sess.get_user_id())
    assert user.name == "admin"
    assert "vera" in [u.name for u in kc.users.list()]
    assert [p.name for p in kc.projects.list(user=sess.get_user_id())] == ["local-1"]
    assert {"admin", "operator", "viewer"} <= {r.name for r in kc.roles.list()}
    services = {s.type: s for s in kc.services.list()}
    assert services["compute"].name == "nova"
    endpoints = kc.endpoints.list(service=services["compute"].id)
    assert [e.url for e in endpoints] == [f"{server.url}/compute/v2.1/$(project_id)s"]
    assert [r.id for r in kc.regions.list()] == ["local-1"]
    assert [d.name for d in kc.domains.list()] == ["switchboard"]
    catalog = sess.get("/auth/catalog", endpoint_filter={"service_type": "identity",
                                                         "interface": "public",
                                                         "version": (3, 0)}).json()
    assert {e["type"] for e in catalog["catalog"]} >= {"identity", "compute"}


def test_keystoneclient_member_sees_its_own_project_only(server):
    sess = password_session(server, server.url, user="vera", password="Vera-Password-1")
    kc = ks_client.Client(session=sess, interface="public")
    assert kc.projects.get(PROJECT).name == "local-1"
    from keystoneauth1 import exceptions as ka_exceptions
    with pytest.raises(ka_exceptions.NotFound):
        kc.projects.get("0a0b0c0d0e0f40418283848586878889")
    with pytest.raises(ka_exceptions.Forbidden):
        kc.users.list()


def test_v3token_rescopes_an_unscoped_token(server):
    unscoped = ks_session.Session(auth=v3.Password(
        auth_url=server.url + "/v3", username="admin", password=PASSWORD,
        user_domain_name="switchboard", unscoped=True))
    token = unscoped.get_token()
    assert unscoped.get_project_id() is None
    scoped = ks_session.Session(auth=generic.Token(auth_url=server.url, token=token,
                                                   project_id=PROJECT))
    assert scoped.get_project_id() == PROJECT
    assert scoped.get_token() != token
    # And the CLI, with OS_AUTH_TYPE=v3token.
    out = cli(server, "server", "list", "-f", "json", OS_AUTH_TYPE="v3token", OS_TOKEN=token,
              drop=("OS_USERNAME", "OS_PASSWORD", "OS_USER_DOMAIN_NAME"))
    assert {s["Name"] for s in json.loads(out)} == {"bms-db-01", "bms-web-01"}


@pytest.mark.parametrize("suffix", ["", "/v3", "/identity"])
def test_openstack_project_show(server, suffix):
    out = cli(server, "project", "show", "local-1", "-f", "json", auth_url=server.url + suffix)
    project = json.loads(out)
    assert project["id"] == PROJECT
    assert project["name"] == "local-1"


def test_openstack_versions_show_lists_each_service_once_with_its_own_versions(server):
    rows = json.loads(cli(server, "versions", "show", "-f", "json"))
    by_type = {}
    for row in rows:
        by_type.setdefault(row["Service Type"], []).append(row)
    assert [r["Version"] for r in by_type["identity"]] == ["3.14"]
    compute = by_type["compute"]
    assert [r["Version"] for r in compute] == ["2.0", "2.1"]
    assert compute[1]["Min Microversion"] == "2.1"
    assert compute[1]["Max Microversion"] not in (None, "")
    assert compute[1]["Endpoint"] == f"{server.url}/compute/v2.1/"
    # The Huawei families: their catalog URL's own version (v1), inferred, since their discovery
    # finds no version document (and never Nova's or Keystone's).
    for family in ("dbss", "live", "bms"):
        assert len(by_type[family]) == 1, by_type[family]
        assert by_type[family][0]["Version"] == "1.0", by_type[family]
        assert by_type[family][0]["Max Microversion"] is None, by_type[family]


def test_novaclient_discovers_its_version_and_raises_not_found(server):
    sess = password_session(server, server.url + "/v3")
    nova = nova_client.Client("2.1", session=sess)
    current = nova.versions.get_current()
    assert current.id == "v2.1"
    latest = api_versions.discover_version(nova, api_versions.APIVersion("2.latest"))
    assert latest >= api_versions.APIVersion("2.1")
    assert {s.name for s in nova.servers.list()} == {"bms-db-01", "bms-web-01"}
    with pytest.raises(nova_exceptions.NotFound):
        nova.servers.get("00000000-0000-0000-0000-000000000000")
    # An unserved route answers Nova's fault, which novaclient turns into NotFound too.
    with pytest.raises(nova_exceptions.NotFound):
        nova.client.get("/os-nothing-here")
