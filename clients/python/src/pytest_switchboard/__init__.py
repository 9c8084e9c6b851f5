"""pytest-switchboard: pytest fixtures for Switchboard.

Loaded through its `pytest11` entry point once installed (or `pytest_plugins =
["pytest_switchboard"]`). See README.md for the fixtures; the classes are importable from here.
"""

from .client import Client, SwitchboardError, access_key, call, password_token
from .helpers import Faults, Requests, Transitions
# The hooks and fixtures, so that this module is the plugin whether pytest loads it through the
# entry point or through `pytest_plugins = ["pytest_switchboard"]`.
from .plugin import (
    faults, pytest_addoption, pytest_configure, pytest_runtest_makereport, pytest_sessionfinish,
    pytest_terminal_summary, pytest_unconfigure, requests, switchboard, switchboard_extra_config,
    switchboard_factory, switchboard_project, switchboard_server_options, transitions,
)
from .projects import SwitchboardProject
from .server import SwitchboardServer, SwitchboardSetupError, find_binary, start

__version__ = "0.1.0"
__all__ = [
    "Client", "Faults", "Requests", "SwitchboardError", "SwitchboardProject",
    "SwitchboardServer", "SwitchboardSetupError", "Transitions", "access_key", "call",
    "find_binary", "password_token", "start",
    # the plugin
    "faults", "pytest_addoption", "pytest_configure", "pytest_runtest_makereport",
    "pytest_sessionfinish", "pytest_terminal_summary", "pytest_unconfigure", "requests",
    "switchboard", "switchboard_extra_config", "switchboard_factory", "switchboard_project",
    "switchboard_server_options", "transitions",
]
