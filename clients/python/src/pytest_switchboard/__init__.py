"""pytest-switchboard: pytest fixtures for Switchboard.

Loaded through its `pytest11` entry point once installed (or `pytest_plugins =
["pytest_switchboard"]`). See README.md for the fixtures; the classes are importable from here.
"""

from .client import Client, SwitchboardError, access_key, call, password_token
from .helpers import Faults, Requests, Transitions
from .plugin import *  # noqa: F401,F403 (the hooks and fixtures, for pytest)
from .plugin import __all__ as _plugin
from .projects import ResetUnavailable, SwitchboardProject
from .server import SwitchboardServer, SwitchboardSetupError, find_binary, start

__version__ = "0.1.0"
__all__ = [
    "Client", "Faults", "Requests", "ResetUnavailable", "SwitchboardError", "SwitchboardProject",
    "SwitchboardServer", "SwitchboardSetupError", "Transitions", "access_key", "call",
    "find_binary", "password_token", "start", *_plugin,
]
