"""A Switchboard server for tests: the real binary started on a free loopback port with its own
data directory and a generated admin password, or an existing one named by its URL."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence, Tuple

from .client import DEFAULT_DOMAIN, Client, SwitchboardError, access_key, call, password_token
from .helpers import Faults, Requests, Transitions, resource, wait_task

BUILD_HINT = ("build it with `cargo build -p switchboard --bin switchboard` (from the repository "
              "root), or name one with --switchboard-bin / SWITCHBOARD_BIN, or a running server "
              "with --switchboard-url / SWITCHBOARD_URL")


class SwitchboardSetupError(Exception):
    """No binary to start, or the server did not come up (the message carries its log)."""


def find_binary(given: Optional[str], start: Path) -> str:
    """`given` (must exist), else `target/debug/switchboard` or `target/release/switchboard` in
    `start` or the nearest parent that has one."""
    if given:
        if not os.access(given, os.X_OK):
            raise SwitchboardSetupError(f"no switchboard binary at {given}: {BUILD_HINT}")
        return given
    for directory in [start, *start.parents]:
        for profile in ("debug", "release"):
            candidate = directory / "target" / profile / "switchboard"
            if os.access(candidate, os.X_OK):
                return str(candidate)
    raise SwitchboardSetupError(f"no switchboard binary under {start}/target: {BUILD_HINT}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SwitchboardServer:
    """A server and its bootstrap administrator. `process`, `data_dir` and `log_path` are None
    for an existing server (`SWITCHBOARD_URL`)."""

    def __init__(self, url: str, admin_user: str = "admin", admin_password: Optional[str] = None,
                 admin_domain: str = DEFAULT_DOMAIN, admin_project: Optional[str] = None,
                 admin_token: Optional[str] = None):
        self.url = url.rstrip("/")
        self.admin_user, self.admin_password, self.admin_domain = admin_user, admin_password, admin_domain
        self._project, self._token = admin_project, admin_token
        self.process: Optional[subprocess.Popen] = None
        self.data_dir: Optional[str] = None
        self.log_path: Optional[str] = None
        #: Whether a started server had exited before `stop()` asked it to.
        self.exited_by_itself = False
        self.session = False
        self._log = None

    def __repr__(self) -> str:  # never the password or the token
        return f"SwitchboardServer({self.url!r})"

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def dir(self) -> Optional[str]:
        """The data directory (the name the suite's older `Server` had)."""
        return self.data_dir

    @property
    def project(self) -> str:
        """The project the administrator's token is scoped to: `SWITCHBOARD_PROJECT_ID`, else
        the first of its projects (the demo's `local-1`)."""
        if self._project is None:
            token = self._token or password_token(self.url, self.admin_user, self._password(),
                                                  domain=self.admin_domain)[0]
            projects = Client(self.url, token).get("/v3/auth/projects")["projects"]
            if not projects:
                raise SwitchboardSetupError(f"the administrator has no project at {self.url}")
            self._project = projects[0]["id"]
        return self._project

    @property
    def admin_token(self) -> str:
        """A token of the administrator, scoped to `project`."""
        if self._token is None:
            self._token = password_token(self.url, self.admin_user, self._password(), self.project,
                                         self.admin_domain)[0]
        return self._token

    @property
    def admin(self) -> Client:
        """A client with the administrator's token."""
        return Client(self.url, self.admin_token)

    def client(self, token: Optional[str] = None) -> Client:
        return Client(self.url, token)

    def token(self, user: Optional[str] = None, password: Optional[str] = None,
              project: Optional[str] = None) -> Tuple[str, str]:
        """A new password token (the administrator's by default), scoped to `project` (the
        administrator's by default); returns (token, user id)."""
        return password_token(self.url, user or self.admin_user,
                              password if password is not None else self._password(),
                              project or self.project, self.admin_domain)

    def access_key(self, user: Optional[str] = None, password: Optional[str] = None,
                   project: Optional[str] = None) -> Tuple[str, str]:
        """A new AK/SK of `user` (the administrator by default); returns (access, secret)."""
        token, user_id = self.token(user, password, project)
        return access_key(self.url, token, user_id)

    @property
    def faults(self) -> Faults:
        """The whole server's fault rules, as the administrator."""
        return Faults(self.admin)

    @property
    def transitions(self) -> Transitions:
        return Transitions(self.admin)

    @property
    def requests(self) -> Requests:
        return Requests(self.admin)

    def wait_task(self, task_id: Any, timeout: float = 60) -> dict:
        return wait_task(self.admin, task_id, timeout)

    def resource(self, name_or_id: str) -> dict:
        return resource(self.admin, name_or_id)

    def log(self) -> str:
        """What the server printed so far (empty for an existing server)."""
        if not self.log_path or not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def alive(self) -> bool:
        return self.process is None or self.process.poll() is None

    def stop(self, timeout: float = 10) -> Optional[int]:
        """Stops a started server (SIGTERM, then SIGKILL); returns its exit code. Idempotent."""
        if self.process is None:
            return None
        if self.process.poll() is not None:
            self.exited_by_itself = self.exited_by_itself or self._log is not None
        else:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        if self._log is not None:
            self._log.close()
            self._log = None
        return self.process.returncode

    def remove_data(self) -> None:
        if self.data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def _password(self) -> str:
        if self.admin_password is None:
            raise SwitchboardSetupError(
                f"no administrator password for {self.url}: set SWITCHBOARD_ADMIN_PASSWORD "
                "(or SWITCHBOARD_TOKEN)")
        return self.admin_password


def start(binary: str, *, config_path: Optional[str] = None, extra_config: str = "",
          base_config: Optional[str] = None, env: Optional[Mapping[str, str]] = None,
          sim_speed: Optional[float] = None, args: Sequence[str] = (),
          admin_password: Optional[str] = None, admin_project: Optional[str] = None,
          cwd: Optional[str] = None,
          timeout: float = 60, attempts: int = 3) -> SwitchboardServer:
    """Starts `binary serve` on a free loopback port with a data directory of its own and waits
    for `/ready`. The configuration is `config_path` (default: the built-in demo) with
    `extra_config` appended (to `base_config`, when given, or to `switchboard.example.toml`, the
    demo's text). `admin_project` (an id) scopes the administrator's tokens; by default its
    first project, which costs a login to find. Retries on another port when the one picked was
    taken meanwhile."""
    data_dir = tempfile.mkdtemp(prefix="pytest-switchboard-")
    password = admin_password or "Pt-" + secrets.token_urlsafe(18)
    argv = [binary, "serve", "--data-dir", os.path.join(data_dir, "data")]
    if extra_config:
        path = os.path.join(data_dir, "config.toml")
        with open(path, "w") as f:
            f.write(_base(base_config or config_path, binary, cwd) + "\n" + extra_config)
        argv += ["--config", path]
    elif config_path:
        argv += ["--config", config_path]
    if sim_speed is not None:
        argv += ["--sim-speed", str(sim_speed)]
    argv += list(args)
    child_env = dict(os.environ, **(env or {}))
    # A test wants to see what its client sent: the request log is on unless told otherwise.
    child_env.setdefault("SWITCHBOARD_REQUEST_LOG", "1000")
    child_env["SWITCHBOARD_ADMIN_PASSWORD"] = password
    for attempt in range(attempts):
        server = SwitchboardServer(f"http://127.0.0.1:{free_port()}", admin_password=password,
                                   admin_project=admin_project)
        server.data_dir = data_dir
        server.log_path = os.path.join(data_dir, "server.log")
        server._log = open(server.log_path, "a")
        server.process = subprocess.Popen(argv + ["--listen", f"127.0.0.1:{server.port}"],
                                          env=child_env, stdout=server._log,
                                          stderr=subprocess.STDOUT, cwd=cwd)
        if _wait_ready(server, timeout):
            return server
        server.stop()
        log = server.log()
        if "in use" not in log.lower() or attempt == attempts - 1:
            raise SwitchboardSetupError(
                f"switchboard did not become ready at {server.url} within {timeout} s "
                f"(exit code {server.process.returncode}); {' '.join(argv)}\n--- its log ---\n{log}")
    raise AssertionError("unreachable")


def _wait_ready(server: SwitchboardServer, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(server.url + "/ready", timeout=1) as r:
                if r.status == 200:
                    return True
        except Exception:  # refused while binding, 503 while starting
            pass
        time.sleep(0.05)
    return False


def _base(base_config: Optional[str], binary: str, cwd: Optional[str]) -> str:
    """The configuration extra text is appended to: `base_config`, else the demo's text,
    `switchboard.example.toml` in a parent of the binary (`<repo>/target/debug/switchboard`), of
    the server's working directory (the rootdir) or of pytest's."""
    if base_config:
        return Path(base_config).read_text()
    here, invoked = Path(cwd or os.getcwd()).resolve(), Path.cwd()
    for directory in [*Path(binary).resolve().parents, here, *here.parents, invoked, *invoked.parents]:
        if (directory / "switchboard.example.toml").is_file():
            return (directory / "switchboard.example.toml").read_text()
    raise SwitchboardSetupError(
        "extra configuration is appended to the demo's switchboard.example.toml, found neither "
        f"above {binary} nor above {here}: name a base with --switchboard-config")


def existing(url: str, env: Mapping[str, str]) -> SwitchboardServer:
    """The server at `url`, administered with `SWITCHBOARD_TOKEN`, or with
    `SWITCHBOARD_ADMIN_USER` (admin) / `SWITCHBOARD_ADMIN_PASSWORD` / `SWITCHBOARD_ADMIN_DOMAIN`
    (switchboard); `SWITCHBOARD_PROJECT_ID` scopes the token (default: its first project)."""
    token, password = env.get("SWITCHBOARD_TOKEN"), env.get("SWITCHBOARD_ADMIN_PASSWORD")
    if not token and not password:
        raise SwitchboardSetupError(
            f"SWITCHBOARD_URL={url} needs SWITCHBOARD_ADMIN_PASSWORD (and SWITCHBOARD_ADMIN_USER "
            "when not admin) or SWITCHBOARD_TOKEN, an administrator's token")
    server = SwitchboardServer(url, env.get("SWITCHBOARD_ADMIN_USER", "admin"), password,
                               env.get("SWITCHBOARD_ADMIN_DOMAIN", DEFAULT_DOMAIN),
                               env.get("SWITCHBOARD_PROJECT_ID"), token)
    status, _, body = call(server.url + "/ready", timeout=10)
    if status != 200:
        raise SwitchboardSetupError(f"{server.url}/ready answered {status}: {body}")
    try:  # fail here, once, rather than in every test
        server.admin.get("/v3/auth/projects")
    except SwitchboardError as e:
        raise SwitchboardSetupError(f"cannot log in as the administrator at {url}: {e}") from e
    return server
