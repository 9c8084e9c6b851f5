"""Helpers over the control routes: fault rules (`/switchboard/v1/faults`), transitions and the
clock (`/switchboard/v1/transitions`, `/switchboard/v1/clock`), the request log
(`/switchboard/v1/requests`), tasks and resources. Each raises `SwitchboardError` (with the
server's error envelope) on a non-2xx answer."""

from __future__ import annotations

import time
import urllib.parse
from typing import Any, Dict, Iterable, List, Optional, Union

from .client import Client

Rule = Dict[str, Any]
Rules = Union[Rule, Iterable[Rule]]

FAULTS = "/switchboard/v1/faults"
TRANSITIONS = "/switchboard/v1/transitions"
CLOCK = "/switchboard/v1/clock"
REQUESTS = "/switchboard/v1/requests"
#: A task in one of these states is over.
FINISHED = ("COMPLETE", "FAILED", "CANCELLED")


def _rules(rules: Optional[Rules], rule: Rule) -> List[Rule]:
    """One rule given as keywords, one dict, or several."""
    if rules is None:
        return [dict(rule)] if rule else []
    if rule:
        raise TypeError("give rules either as one argument or as keywords, not both")
    return [dict(rules)] if isinstance(rules, dict) else [dict(r) for r in rules]


def _listed(reply: Any, key: str) -> Any:
    """The list of `{key: [...]}`, or the reply when it is the list itself."""
    return reply[key] if isinstance(reply, dict) and key in reply else reply


class Faults:
    """Fault rules. Bound to a project (`project` = its id), every rule set here names that
    project, and `list`, `clear` and `fired` see only rules and firings of that project, so tests
    sharing one server do not see or remove each other's rules. Unbound (`project=None`), they
    are the server's whole list: `set` replaces it, `clear` empties it."""

    def __init__(self, client: Client, project: Optional[str] = None, names: Iterable[str] = ()):
        self.client, self.project = client, project
        self._names = {project, *names} - {None}

    def set(self, rules: Optional[Rules] = None, **rule: Any) -> List[Rule]:
        """Replaces the rules (of the project, when bound) with these; returns them as stored."""
        given = self._bind(_rules(rules, rule))
        if self.project is None:
            return self.client.post(FAULTS, given)
        self.clear()
        return self._own(self.client.patch(FAULTS, given)) if given else []

    def append(self, rules: Optional[Rules] = None, **rule: Any) -> List[Rule]:
        """Appends rules after the others; returns the rules now in force (of the project)."""
        return self._own(self.client.patch(FAULTS, self._bind(_rules(rules, rule))))

    def list(self) -> List[Rule]:
        return self._own(self.client.get(FAULTS))

    def clear(self, *ids: str) -> List[Rule]:
        """Removes the rules with these ids, or every rule (of the project, when bound)."""
        if ids:
            return self._own(self.client.delete(FAULTS, id=",".join(ids)))
        if self.project is None:
            return self.client.delete(FAULTS)
        # By id: the project's rules, whether they name it by id or by name. No other test
        # changes them meanwhile: the project is leased to this one.
        mine = [r["id"] for r in self.list()]
        return self._own(self.client.delete(FAULTS, id=",".join(mine))) if mine else []

    def fired(self, limit: int = 100) -> List[Dict[str, Any]]:
        """Firings, newest first (of the project's rules, when bound)."""
        fired = self.client.get(FAULTS + "/fired", limit=limit)["fired"]
        if self.project is None:
            return fired
        return [f for f in fired if f.get("project_id", f.get("project")) in self._names]

    def _bind(self, rules: List[Rule]) -> List[Rule]:
        if self.project is not None:
            for r in rules:
                r.setdefault("project", self.project)
        return rules

    def _own(self, rules: List[Rule]) -> List[Rule]:
        if self.project is None:
            return rules
        return [r for r in rules if r.get("project") in self._names]


class Transitions:
    """Progressions (`immediate`, `manual` after N reads, `time` after S seconds) per resource,
    kind, family or project, and the simulated clock. With a project administrator's token the
    server binds them to its project. The clock is one for every project, so only a system
    administrator advances it: `clock_client` (the server's administrator) does."""

    def __init__(self, client: Client, clock_client: Optional[Client] = None):
        self.client = client
        self.clock_client = clock_client or client

    def set(self, rules: Optional[Rules] = None, **rule: Any) -> Any:
        """`set(resource="bms-db-01", progression="manual", times=2)`, or one dict, or a list."""
        given = _rules(rules, rule)
        body: Any = given[0] if len(given) == 1 else given
        return _listed(self.client.post(TRANSITIONS, body), "transitions")

    def list(self) -> Any:
        return _listed(self.client.get(TRANSITIONS), "transitions")

    def clear(self, *ids: str) -> Any:
        """Removes the transitions with these ids (`DELETE …?id=`, one by one), or all of them."""
        if not ids:
            return self.client.delete(TRANSITIONS)
        reply = None
        for one in ids:
            reply = self.client.delete(TRANSITIONS, id=one)
        return reply

    def advance_clock(self, seconds: float) -> Any:
        """Moves the simulated clock forward, for every project of the server."""
        return self.clock_client.post(CLOCK + "/advance", {"seconds": seconds})

    def clock(self) -> Any:
        return self.client.get(CLOCK)


class Requests:
    """The request log, newest first: `list(family="dbss", operation="start", status=500)`."""

    def __init__(self, client: Client):
        self.client = client

    def list(self, family: Optional[str] = None, operation: Optional[str] = None,
             status: Optional[int] = None, request_id: Optional[str] = None,
             limit: Optional[int] = None) -> List[Dict[str, Any]]:
        reply = self.client.get(REQUESTS, family=family, operation=operation, status=status,
                                request_id=request_id, limit=limit)
        return _listed(reply, "requests")

    def last(self, **filters: Any) -> Optional[Dict[str, Any]]:
        """The newest request matching the filters, or None."""
        found = self.list(limit=1, **filters)
        return found[0] if found else None


def wait_task(client: Client, task_id: Union[int, str], timeout: float = 60,
              interval: float = 0.05) -> Dict[str, Any]:
    """Polls `GET /switchboard/v1/tasks/{id}` until the task is COMPLETE, FAILED or CANCELLED;
    returns it. `TimeoutError` (with the last state) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        task = client.get(f"/switchboard/v1/tasks/{task_id}")
        if task.get("state") in FINISHED:
            return task
        if time.monotonic() > deadline:
            raise TimeoutError(f"task {task_id} still {task.get('state')} after {timeout} s: {task}")
        time.sleep(interval)


def resource(client: Client, name_or_id: str) -> Dict[str, Any]:
    """The resource with this id or name (`GET /switchboard/v1/resources`), as the token sees
    it; `LookupError` when there is none."""
    marker = None
    while True:
        query = "?limit=1000" + (f"&marker={urllib.parse.quote(marker)}" if marker else "")
        page = client.get("/switchboard/v1/resources" + query)
        for r in page["resources"]:
            if name_or_id in (r.get("id"), r.get("name")):
                return r
        # The list is paged: the next page starts after `next_marker`.
        marker = page.get("next_marker")
        if not marker:
            raise LookupError(f"no resource {name_or_id!r} at {client.url}")
