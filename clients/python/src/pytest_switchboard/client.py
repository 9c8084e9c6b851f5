"""A small JSON client for Switchboard over the standard library's urllib: raw calls that return
the status, and calls that raise `SwitchboardError` with the server's error envelope on a
non-2xx answer."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Mapping, Optional, Tuple

#: The domain of the demo inventory (`[admin] domain`).
DEFAULT_DOMAIN = "switchboard"


class SwitchboardError(Exception):
    """A non-2xx answer: `status`, the parsed `body` (the error envelope), and the `code` and
    `message` read from whichever family's envelope it is."""

    def __init__(self, method: str, url: str, status: int, body: Any):
        self.method, self.url, self.status, self.body = method, url, status, body
        self.code, self.message = _code_and_message(body)
        shown = json.dumps(body) if not isinstance(body, str) else body
        super().__init__(f"{method} {url} answered {status}: {shown}")


def _code_and_message(body: Any) -> Tuple[Optional[str], Optional[str]]:
    """The native `{"error": {"code", "message"}}`, Keystone's `{"error": {"code", "title"}}`,
    the gateway's and DBSS's `error_code`/`error_msg`, MRS's `error_code`/`error_description`."""
    if not isinstance(body, dict):
        return None, None
    err = body.get("error")
    if isinstance(err, dict):
        return (None if err.get("code") is None else str(err.get("code")),
                err.get("message") or err.get("title"))
    if "error_code" in body:
        return str(body["error_code"]), body.get("error_msg") or body.get("error_description")
    return None, None


def call(url: str, method: str = "GET", body: Any = None, token: Optional[str] = None,
         headers: Optional[Mapping[str, str]] = None,
         timeout: float = 30) -> Tuple[int, Dict[str, str], Any]:
    """One JSON request; returns (status, headers, parsed body or text, None when empty). Never
    raises for an HTTP status."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), _parse(r.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), _parse(e.read())


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


class Client:
    """Calls to one server with one token; `get`/`post`/… return the parsed body of a 2xx answer
    and raise `SwitchboardError` otherwise."""

    def __init__(self, url: str, token: Optional[str] = None, timeout: float = 30):
        self.url, self.token, self.timeout = url.rstrip("/"), token, timeout

    def __repr__(self) -> str:  # never the token
        return f"Client({self.url!r})"

    def call(self, method: str, path: str, body: Any = None,
             query: Optional[Mapping[str, Any]] = None) -> Tuple[int, Dict[str, str], Any]:
        """The raw answer: (status, headers, body)."""
        return call(self._url(path, query), method, body, self.token, timeout=self.timeout)

    def request(self, method: str, path: str, body: Any = None,
                query: Optional[Mapping[str, Any]] = None) -> Any:
        url = self._url(path, query)
        status, _, reply = call(url, method, body, self.token, timeout=self.timeout)
        if not 200 <= status < 300:
            raise SwitchboardError(method, url, status, reply)
        return reply

    def get(self, path: str, **query: Any) -> Any:
        return self.request("GET", path, query=query)

    def post(self, path: str, body: Any = None, **query: Any) -> Any:
        return self.request("POST", path, body, query)

    def put(self, path: str, body: Any = None, **query: Any) -> Any:
        return self.request("PUT", path, body, query)

    def patch(self, path: str, body: Any = None, **query: Any) -> Any:
        return self.request("PATCH", path, body, query)

    def delete(self, path: str, body: Any = None, **query: Any) -> Any:
        return self.request("DELETE", path, body, query)

    def _url(self, path: str, query: Optional[Mapping[str, Any]]) -> str:
        url = path if path.startswith("http") else self.url + path
        given = {k: v for k, v in (query or {}).items() if v is not None}
        return url + ("?" + urllib.parse.urlencode(given) if given else "")


def password_token(url: str, user: str, password: str, project: Optional[str] = None,
                   domain: str = DEFAULT_DOMAIN, domain_id: Optional[str] = None) -> Tuple[str, str]:
    """A Keystone v3 password token, scoped to `project` (an id) or unscoped; returns
    (token, user id)."""
    who: Dict[str, Any] = {"name": user, "password": password,
                           "domain": {"id": domain_id} if domain_id else {"name": domain}}
    auth: Dict[str, Any] = {"identity": {"methods": ["password"], "password": {"user": who}}}
    if project:
        auth["scope"] = {"project": {"id": project}}
    target = url.rstrip("/") + "/v3/auth/tokens"
    status, headers, reply = call(target, "POST", {"auth": auth})
    if status != 201:
        raise SwitchboardError("POST", target, status, reply)
    token = {k.lower(): v for k, v in headers.items()}["x-subject-token"]
    return token, reply["token"]["user"]["id"]


def access_key(url: str, token: str, user_id: str, description: str = "pytest-switchboard") -> Tuple[str, str]:
    """A new permanent AK/SK of `user_id` (`POST /v3.0/OS-CREDENTIAL/credentials`)."""
    reply = Client(url, token).post("/v3.0/OS-CREDENTIAL/credentials",
                                    {"credential": {"user_id": user_id, "description": description}})
    return reply["credential"]["access"], reply["credential"]["secret"]
