"""A project per test. Projects come from the inventory (there is no API that creates one), so
the plugin leases them: a test holds one of the pool's projects, alone, for its duration — an
exclusive `flock` on a file per (server URL, project) in the temporary directory, which the
kernel releases if the process dies, so pytest-xdist workers on one machine sharing one server
never hold the same project. Inside the lease the test gets a user of its own (`admin` of that
project by default) with a token and an AK/SK; afterwards the project is reset and the user
deleted."""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import tempfile
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .client import Client, SwitchboardError, access_key, password_token
from .helpers import Faults, Requests, Transitions, resource, wait_task
from .server import SwitchboardServer

RESET = "/switchboard/v1/state/reset"


def pool(server: SwitchboardServer, wanted: Sequence[str]) -> List[Tuple[str, str]]:
    """(id, name) of the projects to lease: those named in `wanted` (ids or names), else every
    project the administrator sees."""
    admin = server.admin
    status, _, body = admin.call("GET", "/v3/projects")
    if status == 403:  # a project administrator: its own projects
        body = admin.get("/v3/auth/projects")
    elif status != 200:
        raise SwitchboardError("GET", server.url + "/v3/projects", status, body)
    known = [(p["id"], p["name"]) for p in body["projects"]]
    if not wanted:
        return known
    chosen = [p for p in known if p[0] in wanted or p[1] in wanted]
    missing = set(wanted) - {x for p in chosen for x in p}
    if missing:
        raise LookupError(f"switchboard_projects names projects {sorted(missing)} that "
                          f"{server.url} does not have (it has {[n for _, n in known]})")
    return chosen


class Lease:
    """An exclusive hold on one project of the pool for this process."""

    def __init__(self, url: str, projects: List[Tuple[str, str]], timeout: float):
        directory = os.path.join(tempfile.gettempdir(), "pytest-switchboard-leases",
                                 hashlib.sha256(url.encode()).hexdigest()[:16])
        os.makedirs(directory, exist_ok=True)
        deadline = time.monotonic() + timeout
        while True:
            for project in projects:
                fd = os.open(os.path.join(directory, project[0] + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                self.fd, (self.id, self.name) = fd, project
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"no project of {[n for _, n in projects]} was free within "
                                   f"{timeout} s (each is leased to one test at a time)")
            time.sleep(0.1)

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


class SwitchboardProject:
    """A leased project and a user of its own: `id`, `name`, `user_id`, `user_name`, `password`,
    `domain_id`, `role`, `token` (scoped to the project), `access_key`/`secret_key`; `client`
    calls with the token; `faults`, `transitions`, `requests` are bound to the project."""

    def __init__(self, server: SwitchboardServer, lease: Lease, role: str = "admin"):
        self.server, self.url = server, server.url
        self.id, self.name, self.role = lease.id, lease.name, role
        self.user_name = f"pytest-{secrets.token_hex(6)}"
        self.password = "Pt-" + secrets.token_urlsafe(18)
        created = server.admin.post("/switchboard/v1/users", {
            "name": self.user_name, "password": self.password, "roles": {self.id: role}})["user"]
        self.user_id, self.domain_id = created["id"], created["domain_id"]
        try:
            self.token, _ = password_token(self.url, self.user_name, self.password, self.id,
                                           domain_id=self.domain_id)
            self.access_key, self.secret_key = access_key(self.url, self.token, self.user_id)
        except BaseException:
            self.delete_user()  # no user left behind by a half-made project
            raise
        self.client = Client(self.url, self.token)
        self.faults = Faults(self.client, self.id, [self.name])
        self.transitions = Transitions(self.client, clock_client=server.admin)
        self.requests = Requests(self.client)

    def __repr__(self) -> str:  # never the password, token or secret key
        return f"SwitchboardProject({self.name!r}, user={self.user_name!r}, url={self.url!r})"

    @property
    def aksk(self) -> Tuple[str, str]:
        return self.access_key, self.secret_key

    def os_env(self) -> Dict[str, str]:
        """`OS_*` variables for the openstack CLI and openstacksdk (password auth as this user)."""
        return {"OS_AUTH_URL": self.url + "/v3", "OS_IDENTITY_API_VERSION": "3",
                "OS_USERNAME": self.user_name, "OS_PASSWORD": self.password,
                "OS_PROJECT_ID": self.id, "OS_USER_DOMAIN_ID": self.domain_id,
                "OS_PROJECT_DOMAIN_ID": self.domain_id}

    def wait_task(self, task_id: Any, timeout: float = 60) -> dict:
        return wait_task(self.client, task_id, timeout)

    def resource(self, name_or_id: str) -> dict:
        return resource(self.client, name_or_id)

    def reset(self) -> Optional[Dict[str, Any]]:
        """Resets the project (resources to the inventory's state, tasks cancelled, its fault
        rules and transitions removed); returns the server's `reset` summary."""
        return reset(self.server, self.id)

    def delete_user(self) -> None:
        """Deletes the test's user (and with it its keys and tokens); a 404 is fine."""
        status, _, body = self.server.admin.call("DELETE", f"/switchboard/v1/users/{self.user_id}")
        if status not in (200, 204, 404):
            raise SwitchboardError("DELETE", f"{self.url}/switchboard/v1/users/{self.user_id}", status, body)


def reset(server: SwitchboardServer, project: str) -> Optional[Dict[str, Any]]:
    """`POST /switchboard/v1/state/reset {"project": …}`; raises on any error answer."""
    status, _, body = server.admin.call("POST", RESET, {"project": project})
    if status != 200 or not isinstance(body, dict) or "reset" not in body:
        raise SwitchboardError("POST", server.url + RESET, status, body)
    return body["reset"]
