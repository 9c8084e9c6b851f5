"""The pytest hooks and fixtures: `switchboard` (a server per test run), `switchboard_factory`
(servers of their own, with extra configuration), `switchboard_project` (a leased project and a
user of its own per test, reset afterwards), and `faults`, `transitions`, `requests` bound to
that project."""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Iterator, List

import pytest

from . import server as servers
from .projects import Lease, SwitchboardProject, pool
from .server import SwitchboardServer, SwitchboardSetupError

LOG_KEY = pytest.StashKey[List[tuple]]()
STARTED = pytest.StashKey[List[SwitchboardServer]]()
FAILED = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("switchboard", "Switchboard server for tests")

    def option(name: str, help: str, ini_type: str = "string", default: Any = None) -> None:
        group.addoption(f"--{name.replace('_', '-')}", dest=name, default=None, help=help)
        parser.addini(name, help, type=ini_type, default=default)

    option("switchboard_bin", "switchboard binary to start (env SWITCHBOARD_BIN; default: "
           "target/debug/switchboard, then target/release/switchboard, from the rootdir up)")
    option("switchboard_url", "use this running server instead of starting one (env "
           "SWITCHBOARD_URL; credentials from SWITCHBOARD_ADMIN_PASSWORD or SWITCHBOARD_TOKEN)")
    option("switchboard_config", "configuration file of the started server (default: the "
           "built-in demo inventory)")
    option("switchboard_extra_config", "TOML file appended to the configuration of the started "
           "server (the demo's, or --switchboard-config)")
    option("switchboard_sim_speed", "divide simulated durations by this (--sim-speed)")
    option("switchboard_role", "role of each test's user in its project (default: admin)")
    option("switchboard_lease_timeout", "seconds to wait for a free project (default: 300)")
    option("switchboard_start_timeout", "seconds to wait for /ready (default: 60)")
    parser.addini("switchboard_projects", "projects (ids or names) leased to tests; default: "
                  "every project of the inventory", type="linelist", default=[])
    parser.addini("switchboard_log_lines", "lines of a server's log shown on failure (default: 200)",
                  default="200")


def setting(config: pytest.Config, name: str, env: str = "") -> Any:
    """A command-line option, else the environment variable, else the ini value."""
    value = config.getoption(name)
    if value is None and env:
        value = os.environ.get(env)
    return value if value not in (None, "") else (config.getini(name) or None)


def pytest_configure(config: pytest.Config) -> None:
    config.stash[STARTED] = []
    config.addinivalue_line("markers", "switchboard: uses the Switchboard plugin's server")


@pytest.fixture(scope="session")
def switchboard_extra_config(pytestconfig: pytest.Config) -> str:
    """TOML appended to the session server's configuration; override it in a conftest."""
    path = setting(pytestconfig, "switchboard_extra_config")
    if not path:
        return ""
    with open(path) as f:
        return f.read()


@pytest.fixture(scope="session")
def switchboard_server_options(pytestconfig: pytest.Config, switchboard_extra_config: str) -> Dict[str, Any]:
    """Keyword arguments of every start (`pytest_switchboard.server.start`): override it in a
    conftest to change `sim_speed`, `env`, `args`…"""
    speed = setting(pytestconfig, "switchboard_sim_speed")
    return {"config_path": setting(pytestconfig, "switchboard_config"),
            "extra_config": switchboard_extra_config,
            "sim_speed": float(speed) if speed else None,
            "timeout": float(setting(pytestconfig, "switchboard_start_timeout") or 60),
            "cwd": str(pytestconfig.rootpath)}


@pytest.fixture(scope="session")
def switchboard_factory(pytestconfig: pytest.Config,
                        switchboard_server_options: Dict[str, Any]) -> Iterator[Callable[..., SwitchboardServer]]:
    """`switchboard_factory(extra_config=…, config_path=…, env=…, sim_speed=…, args=…,
    admin_password=…)` starts a server of its own; all are stopped at the end of the run (or
    earlier by `server.stop()`). Options not given come from `switchboard_server_options`, except
    the configuration: without `config_path` it is the demo, with `extra_config` appended; `env`
    is added to the options' `env`."""
    started: List[SwitchboardServer] = []

    def make(**options: Any) -> SwitchboardServer:
        given = {k: v for k, v in switchboard_server_options.items()
                 if k not in ("config_path", "extra_config")}
        env = {**(given.get("env") or {}), **(options.pop("env", None) or {})}
        given.update(options, env=env)
        binary = servers.find_binary(setting(pytestconfig, "switchboard_bin", "SWITCHBOARD_BIN"),
                                     pytestconfig.rootpath)
        server = servers.start(binary, **given)
        started.append(server)
        pytestconfig.stash[STARTED].append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def switchboard(pytestconfig: pytest.Config,
                switchboard_server_options: Dict[str, Any]) -> Iterator[SwitchboardServer]:
    """The run's server: the one at `--switchboard-url`/`SWITCHBOARD_URL`, else the binary
    started once for the session."""
    url = setting(pytestconfig, "switchboard_url", "SWITCHBOARD_URL")
    if url:
        yield servers.existing(url, os.environ)
        return
    binary = servers.find_binary(setting(pytestconfig, "switchboard_bin", "SWITCHBOARD_BIN"),
                                 pytestconfig.rootpath)
    server = servers.start(binary, **switchboard_server_options)
    server.session = True
    pytestconfig.stash[STARTED].append(server)
    yield server
    died = not server.alive()
    code = server.stop()
    if died:
        raise SwitchboardSetupError(f"the switchboard server at {server.url} exited during the "
                                    f"run (code {code}); its log:\n{_tail(server.log(), 200)}")


@pytest.fixture
def switchboard_project(request: pytest.FixtureRequest,
                        switchboard: SwitchboardServer) -> Iterator[SwitchboardProject]:
    """A project of the pool held by this test alone, with a user of its own (token, AK/SK);
    afterwards the project is reset (`POST /switchboard/v1/state/reset`) and the user deleted."""
    config = request.config
    projects = pool(switchboard, config.getini("switchboard_projects"))
    lease = Lease(switchboard.url, projects,
                  float(setting(config, "switchboard_lease_timeout") or 300))
    try:
        _mark_log(request, switchboard)
        project = SwitchboardProject(switchboard, lease, setting(config, "switchboard_role") or "admin")
        try:
            yield project
        finally:
            try:
                project.reset()
            finally:
                project.delete_user()
    finally:
        lease.release()


@pytest.fixture
def faults(switchboard_project: SwitchboardProject):
    """Fault rules bound to the test's project: `faults.set(action="dbss:instance:start",
    times=1, error={…})`, `append`, `list`, `clear`, `fired`."""
    return switchboard_project.faults


@pytest.fixture
def transitions(switchboard_project: SwitchboardProject):
    """Progressions and the clock, as the test's project administrator: `set`, `list`, `clear`,
    `advance_clock(seconds)`, `clock()`."""
    return switchboard_project.transitions


@pytest.fixture
def requests(switchboard_project: SwitchboardProject):
    """The request log as the test's user sees it: `list(family=…, operation=…, status=…)`."""
    return switchboard_project.requests


def _mark_log(request: pytest.FixtureRequest, server: SwitchboardServer) -> None:
    """Remembers where the server's log stood, so a failing test shows what it logged since."""
    if server.log_path and os.path.exists(server.log_path):
        request.node.stash.setdefault(LOG_KEY, []).append(
            (server, os.path.getsize(server.log_path)))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.failed and LOG_KEY in item.stash:
        lines = int(item.config.getini("switchboard_log_lines"))
        for server, offset in item.stash[LOG_KEY]:
            with open(server.log_path, errors="replace") as f:
                f.seek(offset)
                text = f.read()
            report.sections.append((f"switchboard log ({server.url}) {report.when}", _tail(text, lines)))
    return report


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """On a failed run, where every started server's log is kept, and the end of the session
    server's and of any that exited by itself (failing tests show their own part already)."""
    if exitstatus in (0, 5):
        return
    lines = int(config.getini("switchboard_log_lines"))
    for server in config.stash.get(STARTED, []):
        terminalreporter.write_sep("-", f"switchboard log: {server.log_path}")
        if getattr(server, "session", False) or server.exited_by_itself:
            terminalreporter.write_line(_tail(server.log(), lines))


def pytest_unconfigure(config: pytest.Config) -> None:
    """Data directories go, except after a failed run (their logs were named above)."""
    failed = config.stash.get(FAILED, False)
    for server in config.stash.get(STARTED, []):
        server.stop()
        if not failed:
            server.remove_data()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config.stash[FAILED] = exitstatus not in (0, 5)


def _tail(text: str, lines: int) -> str:
    return "\n".join(text.splitlines()[-lines:])

