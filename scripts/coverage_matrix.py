#!/usr/bin/env python3
"""Generates docs/coverage.md: for each API family, every operation of the official client and
whether Switchboard serves it, measured, and which tests cover it.

- Operations come from the SDKs themselves: for DBSS, Live and BMS each `_<op>_http_info` of the
  Huawei Python SDK's client classes (method and path); for Nova and Keystone the resource
  classes that openstacksdk's compute and identity proxies use (`base_path` and allowed
  operations) and the server actions of `Server`.
- "Served" is measured: a Switchboard (started here, or `--url`) is probed with an
  administrator's token at every path, with unknown ids. An answer is "not served" when it is
  the gateway's `APIGW.0101`, a 405, Nova's "There is no such action", or the same as the
  family's answer to a path that certainly does not exist (probed first); anything else, a 404
  for the unknown id included, means the route is there.
- "Covered by" scans the tests: Python tests for the SDK method, request class or path, Rust
  HTTP tests for the path (with the method named in the file).

Run it with the test venv: `.venv/bin/python scripts/coverage_matrix.py --write` (after
`cargo build -p switchboard`); `--check` exits 1 when docs/coverage.md is stale.
tests/python/test_coverage_matrix.py runs the check.
"""

import argparse
import glob
import importlib
import inspect
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "coverage.md")
PROJECT = "5f4e2c1a9b8d4e7f8a6b3c2d1e0f9a8b"
PASSWORD = "Coverage-Matrix-Password-1"
# An id no inventory has; 36 characters, valid for every family's id checks.
UNKNOWN = "00000000-0000-4000-8000-00000000c0de"

HUAWEI = [
    ("DBSS", "huaweicloudsdkdbss.v1", "DbssClient"),
    ("Live", "huaweicloudsdklive.v1", "LiveClient"),
    ("Live", "huaweicloudsdklive.v2", "LiveClient"),
    ("BMS", "huaweicloudsdkbms.v1", "BmsClient"),
]

# Operations issue 9 asks for (regular expressions searched in "Operation METHOD path"): one of
# these that is not served is a gap.
IN_SCOPE = {
    "DBSS": r"DbOmInstance |UpdateDbOmInstanceName|ListInstances|ShowInstanceQuota|ShowServerVersion",
    "Live": r"/flows",
    "BMS": r"^(ListBareMetal|ListBaremetalFlavor|ShowTenantQuota|ShowSpecifiedVersion|ShowJobInfos|Batch(Start|Stop|Reboot))",
    "Nova": r"^(Server (list|fetch)|Server\.(start|stop|reboot|get_console_output) |Server\.\w*metadata|"
            r"Flavor (list|fetch)|Limits|AvailabilityZone|ServerAction|ServerInterface (list|fetch)|ServerRemoteConsole)",
    "Keystone": r"^(Project (list|fetch)|Domain (list|fetch)|User fetch|UserProject list|Service (list|fetch)|"
                r"Endpoint (list|fetch)|Region (list|fetch))",
}

# Why an operation that is not served is out of scope: the first matching rule (a regular
# expression searched in "Operation METHOD path") gives the reason.
OUT_OF_SCOPE = {
    "DBSS": [
        (r"/db-om", "EIPs, passwords, security groups and billing of DB O&M instances are not emulated"),
        (r".", "database audit (rules, alarms, SQL logs, agents, audit instances, tags, ECS specs): "
               "Switchboard emulates the lifecycle of DB O&M instances only"),
    ],
    "Live": [
        (r".", "live streaming (domains, recording, transcoding, snapshots, OTT channels, statistics): "
               "Switchboard emulates the lifecycle of StreamConnect flows only"),
    ],
    "BMS": [
        (r"Create|Delete|Reinstall|ChangeBaremetalServerOs|ChangeBaremetalServerName",
         "creating, deleting, renaming and reinstalling servers: Switchboard manages the power state "
         "of an inventory of existing servers"),
        (r"[Vv]olume|[Nn]ic|[Ii]nterface", "volumes and networks are not emulated"),
        (r"[Pp]assword|[Pp]wd|[Mm]etadata|[Tt]ags|[Rr]emoteConsole|remote_console|AvailableResource",
         "guest configuration (passwords, metadata, tags, consoles) and capacity are not emulated by BMS v1"),
    ],
    "Nova": [
        (r"Flavor (create|delete|commit)|[Ff]lavorAccess|TenantAccess|extra_specs|os-flavor",
         "flavors come from the inventory; they are read-only"),
        (r"[Vv]olume|[Ii]mage|[Ss]hare|[Ff]ixed|[Ff]loating|[Ss]ecurity|ServerInterface (create|delete)",
         "volumes, images, shares, security groups and port changes: storage and networks are not emulated"),
        (r"^Server (create|delete|commit)|rebuild|resize|[Rr]esize|createImage|[Bb]ackup|[Mm]igrat|evacuate|"
         r"[Ss]helve|[Rr]escue|forceDelete|restore|changePassword|os-resetState|trigger|lock|pause|"
         r"suspend|resume",
         "creating, deleting, rebuilding, resizing, migrating or pausing servers: Switchboard manages "
         "the power state of an inventory of existing bare-metal servers"),
        (r"_tag|_tags|/tags|password|topology", "server tags, passwords and NUMA topology are not emulated"),
        (r"ServerIP", "addresses are read from the server's `addresses`"),
        (r"Aggregate|Hypervisor|Service|QuotaSet|QuotaClassSet|Usage|ServerGroup|Keypair|"
         r"ConsoleAuthToken|ServerExternalEvent|Extension|ServerDiagnostics",
         "cloud administration (aggregates, hypervisors, services, quotas, usage, keypairs, server "
         "groups, events, diagnostics, extensions) is not emulated"),
    ],
    "Keystone": [
        (r"Credential|Policy|Trust|Federation|IdentityProvider|Mapping|ServiceProvider|Protocol|"
         r"Application|AccessRule|Limit|Group|Role|_role|DomainConfig|EndpointGroup|System|OS-|_tag|/tags",
         "identity administration beyond tokens and reads (roles, groups, trusts, federation, "
         "limits, policies, credentials) is done through the admin API and the configuration"),
        (r" (POST|PUT|PATCH|DELETE) ", "the catalog, projects, domains and users are read-only "
                                       "(they come from the configuration and the admin API)"),
        (r"^User list", "users are listed through the admin API (`GET /switchboard/v1/users`)"),
    ],
}


class _Stub:
    """A request with no attributes set: `_<op>_http_info` then only describes the call."""
    attribute_map = {}


def huawei_operations():
    ops = []
    for family, module, cls_name in HUAWEI:
        cls = getattr(importlib.import_module(module), cls_name)
        for name in sorted(dir(cls)):
            m = re.fullmatch(r"_(\w+)_http_info", name)
            if not m or name.startswith("_call_"):
                continue
            info = getattr(cls, name)(_Stub())
            op = info["response_type"][: -len("Response")]
            ops.append({
                "family": family, "operation": op, "method": info["method"], "path": info["resource_path"],
                "sdk": f"{module}.{cls_name}", "names": [op + "Request", m.group(1) + "("],
            })
    return ops


def _resources(proxy_module, package):
    """Resource classes of the modules under `package` that the proxy module imports."""
    from openstack import resource
    proxy = importlib.import_module(proxy_module)
    found = {}
    for value in vars(proxy).values():
        if inspect.ismodule(value) and value.__name__.startswith(package):
            for cls in vars(value).values():
                if (inspect.isclass(cls) and issubclass(cls, resource.Resource) and cls.__module__ == value.__name__
                        and getattr(cls, "base_path", None)):
                    found[f"{value.__name__}.{cls.__name__}"] = cls
    return [found[k] for k in sorted(found)]


PROXY_VERBS = {"_list": "list", "_get": "fetch", "_find": "fetch", "_create": "create", "_update": "commit",
               "_delete": "delete", "_head": "head"}
# How the CLI and novaclient name a resource in the tests: `"server", "event", "list"`, `servers.list(`.
CLI_NOUNS = {"Server": "server", "Flavor": "flavor", "ServerAction": "server\", \"event", "Limits": "limits",
             "AvailabilityZone": "availability\", \"zone", "Project": "project", "Domain": "domain",
             "User": "user", "Service": "service", "Endpoint": "endpoint", "Region": "region"}
CLI_VERBS = {"list": "list", "fetch": "show", "create": "create", "delete": "delete", "commit": "set"}
NOVACLIENT = {"Server": "servers", "Flavor": "flavors", "ServerAction": "instance_action",
              "AvailabilityZone": "availability_zones", "Limits": "limits", "ServerInterface": "servers.interface"}
NOVACLIENT_VERBS = {"list": ["list"], "fetch": ["get", "find"], "create": ["create"], "delete": ["delete"],
                    "commit": ["update"]}


def _proxy_methods(proxy_module):
    """(resource class name, verb) → proxy methods that call it; class name → extra list paths."""
    source = inspect.getsource(importlib.import_module(proxy_module))
    uses, list_paths = {}, {}
    for m in re.finditer(r"\n    def (\w+)\(.*?(?=\n    def |\Z)", source, re.S):
        name, body = m.group(1), m.group(0)
        if name.startswith("_"):
            continue
        for call, cls in re.findall(r"self\.(_list|_get|_find|_create|_update|_delete|_head)\(\s*_?\w+\.(\w+)", body):
            uses.setdefault((cls, PROXY_VERBS[call]), set()).add(name)
            if call == "_list":
                for path in re.findall(r"base_path = ['\"](/[^'\"]+)['\"]", body):
                    list_paths.setdefault(cls, set()).add(path)
                for path in re.findall(r"else ['\"](/[^'\"]+)['\"]", body):
                    list_paths.setdefault(cls, set()).add(path)
    return uses, list_paths


def _path(base):
    return re.sub(r"%\((\w+)\)s", r"{\1}", base)


def _names(cls_name, verb, uses):
    names = [f".{m}(" for m in sorted(uses.get((cls_name, verb), ()))]
    if cls_name in CLI_NOUNS and verb in CLI_VERBS:
        names.append(f'"{CLI_NOUNS[cls_name]}", "{CLI_VERBS[verb]}"')
    if cls_name in NOVACLIENT:
        names += [f"{NOVACLIENT[cls_name]}.{v}(" for v in NOVACLIENT_VERBS.get(verb, [])]
    return names


def openstack_operations():
    ops = []
    for family, proxy_module, package, prefix in [
        ("Nova", "openstack.compute.v2._proxy", "openstack.compute.v2", "/v2.1/{project_id}"),
        ("Keystone", "openstack.identity.v3._proxy", "openstack.identity.v3", "/v3"),
    ]:
        uses, list_paths = _proxy_methods(proxy_module)
        for cls in _resources(proxy_module, package):
            name = cls.__name__
            base = prefix + _path(cls.base_path)
            sdk = f"{cls.__module__}.{name}"
            item = base + "/{id}" if _requires_id(cls) else base

            def add(operation, method, path, names, body=None):
                op = {"family": family, "operation": operation, "method": method, "path": path, "sdk": sdk,
                      "names": names}
                if body is not None:
                    op["body"] = body
                ops.append(op)

            allowed = [
                ("list", cls.allow_list, "GET", base),
                ("create", cls.allow_create, _create_method(cls), base),
                ("fetch", cls.allow_fetch, "GET", item),
                ("commit", cls.allow_commit, cls.commit_method, item),
                ("delete", cls.allow_delete, "DELETE", item),
                ("head", cls.allow_head, "HEAD", item),
            ]
            for verb, allow, method, path in allowed:
                if allow:
                    add(f"{name} {verb}", method, path, _names(name, verb, uses))
            for extra in sorted(list_paths.get(name, set()) - {cls.base_path}):
                add(f"{name} list ({extra.rsplit('/', 1)[-1]})", "GET", prefix + _path(extra), _names(name, "list", uses))
            for meth, action in _actions(cls):
                add(f"{name}.{meth} ({action})", "POST", item + "/action",
                    [f".{meth}_server(", f"{meth}_server(", f"servers.{meth}(", f'"{action}"', f"'{action}'",
                     f'"{CLI_NOUNS.get(name, name.lower())}", "{meth}"'], body={action: None})
            for meth, method, tail in _sub_urls(cls):
                add(f"{name}.{meth}", method, item + tail, [f".{meth}(", f"_{meth}("])
    return ops


def _requires_id(cls):
    """Whether fetch and friends address `base_path/{id}` (Limits fetches `base_path` itself)."""
    default = inspect.signature(cls.fetch).parameters.get("requires_id")
    if default is not None and default.default is False:
        return False
    return getattr(cls, "requires_id", True)


def _create_method(cls):
    opts = getattr(cls, "create_opts", None)
    method = getattr(opts, "method", None)
    return method if isinstance(method, str) else "POST"


def _functions(cls):
    """Public functions of the class and of openstack's mixins it inherits."""
    seen = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("openstack.") and klass.__module__ != "openstack.resource":
            for name, fn in vars(klass).items():
                if not name.startswith("_") and inspect.isfunction(fn):
                    seen[name] = fn
    return sorted(seen.items())


def _actions(cls):
    """(method, action key) for each method of the class that posts a body to /action."""
    found = []
    post = getattr(cls, "_action", None)
    if post is None or "'action'" not in inspect.getsource(post):
        return found
    for name, fn in _functions(cls):
        source = inspect.getsource(fn)
        if "_action(" not in source:
            continue
        m = re.search(r"body(?::[^=]+)? = \{\s*['\"]([\w-]+)['\"]", source)
        if m:
            found.append((name, m.group(1)))
    return found


def _sub_urls(cls):
    """(method, HTTP method, path tail) for each method that calls a URL below the resource."""
    found = []
    for name, fn in _functions(cls):
        source = inspect.getsource(fn)
        url = re.search(r"urljoin\(\s*(?:self\._base_path_with_uri\(\)|(?:\w+\.)?base_path),\s*self\.id,"
                        r"\s*['\"]([\w-]+)['\"](?:,\s*(\w+))?", source)
        verb = re.search(r"session\.(get|post|put|delete|patch|head)\(", source)
        if url and verb and url.group(1) != "action":
            tail = "/" + url.group(1) + ("/{" + url.group(2) + "}" if url.group(2) else "")
            found.append((name, verb.group(1).upper(), tail))
    return found


# ---- probing


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, method="GET", body=None, token=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            raw, status, got = r.read(), r.status, dict(r.headers)
    except urllib.error.HTTPError as e:
        raw, status, got = e.read(), e.code, dict(e.headers)
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return status, got, parsed


def login(url, password=PASSWORD):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "password": password, "domain": {"name": "switchboard"}}}},
        "scope": {"project": {"id": PROJECT}}}}
    status, headers, reply = request(url + "/v3/auth/tokens", "POST", body)
    if status != 201:
        raise RuntimeError(f"login failed: {status} {reply}")
    return {k.lower(): v for k, v in headers.items()}["x-subject-token"]


def _shape(status, body):
    """An answer without what changes per request (request ids, the path in messages)."""
    def clean(v):
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items() if k not in ("request_id", "requestId")}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v
    return status, json.dumps(clean(body), sort_keys=True)


NOVA_HEADERS = {"OpenStack-API-Version": "compute latest", "X-OpenStack-Nova-API-Version": "latest"}


def _concrete(path):
    return (path.replace("{project_id}", PROJECT).replace("{api_version}", "v1")
            .replace("{version}", "v1"))


NOWHERE = "no-such-route-c0de"


def _sibling(path):
    """The path with its last fixed segment replaced by one no API has, or None."""
    parts = path.split("/")
    for i in range(len(parts) - 1, 0, -1):
        if parts[i] and "{" not in parts[i] and parts[i] not in ("v1", "v1.1", "v2", "v2.1", "v3"):
            return "/".join(parts[:i] + [NOWHERE] + parts[i + 1:]), parts[i]
    return None


def probe(url, token, ops):
    """Sets op["served"] for each operation: the answer at its path is compared with the answers
    where no route can be (the family's root, and the path with its last fixed segment
    replaced), so a route that would take the segment as an id does not count."""
    nowhere = {
        "DBSS": "/v1/{project_id}/" + NOWHERE, "Live": "/v1/{project_id}/" + NOWHERE,
        "BMS": "/v1/{project_id}/" + NOWHERE, "Nova": "/v2.1/{project_id}/" + NOWHERE,
        "Keystone": "/v3/" + NOWHERE,
    }

    def ask(family, method, path, body=None):
        headers = NOVA_HEADERS if family == "Nova" else None
        if body is None and method in ("POST", "PUT", "PATCH"):
            body = {}
        return request(url + _concrete(path), method, body, token, headers)

    baseline = {}
    for family, path in nowhere.items():
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            status, _, reply = ask(family, method, path)
            baseline.setdefault(family, set()).add(_shape(status, reply))
    def fill(path):
        return re.sub(r"\{(?!project_id\}|api_version\}|version\})\w+\}", UNKNOWN, path)

    for op in ops:
        path = fill(op["path"])
        method = "GET" if op["method"] == "HEAD" else op["method"]
        status, _, reply = ask(op["family"], method, path, op.get("body"))
        text = json.dumps(reply)
        shape = _shape(status, reply)
        unserved = (status == 405 or "APIGW.0101" in text or "There is no such action" in text
                    or shape in baseline[op["family"]])
        sibling = _sibling(op["path"])
        if not unserved and sibling and "body" not in op:
            other, segment = sibling
            s2, _, r2 = ask(op["family"], method, fill(other))
            unserved = _shape(s2, json.loads(json.dumps(r2).replace(NOWHERE, segment))) == shape
        op["served"] = not unserved


# ---- covering tests


def _test_files():
    py = sorted(glob.glob(os.path.join(ROOT, "tests", "python", "test_*.py")))
    py = [p for p in py if not p.endswith("test_coverage_matrix.py")]
    rust = sorted(glob.glob(os.path.join(ROOT, "crates", "*", "tests", "**", "*.rs"), recursive=True))
    read = lambda p: open(p, encoding="utf-8").read()
    return [(os.path.relpath(p, ROOT), read(p)) for p in py], [(os.path.relpath(p, ROOT), read(p)) for p in rust]


def _path_regex(path, statics):
    """The path as tests spell it: a parameter is a literal id or a format!/f-string placeholder,
    but never a fixed segment of another path (`/servers/detail` is not `/servers/{id}`)."""
    path = path.replace("{api_version}", "v1").replace("{version}", "v1")
    parts = re.split(r"\{\w+\}", path)
    param = r"(?!(?:" + "|".join(map(re.escape, sorted(statics))) + r")[\"'?/\s)])[^/\s\"'?]+"
    return re.compile(r"(?<![A-Za-z_])" + param.join(re.escape(p) for p in parts) + r"(?=[\"'?\s]|$)")


def _near(regex, method, text, python=False):
    """The path, with its method named within a few lines (Python helpers default to GET)."""
    word = re.compile(r"\b" + method + r"\b", re.I)
    for m in regex.finditer(text):
        if (python and method == "GET") or word.search(text[max(0, m.start() - 300): m.end() + 300]):
            return True
    return False


def cover(ops):
    """Sets op["covered"]: the test files that name the operation. Actions share one path, so
    only their names (the SDK method, the action key) count for them."""
    py, rust = _test_files()
    statics = {seg for op in ops for seg in op["path"].split("/") if seg and "{" not in seg}
    for op in ops:
        regex = None if "body" in op else _path_regex(op["path"], statics)
        found = []
        for name, text in py:
            if any(n in text for n in op["names"]) or (regex and _near(regex, op["method"], text, python=True)):
                found.append(name)
        for name, text in rust:
            if regex is None:
                if any(n in text for n in op["names"] if n.startswith(('"', "'"))):
                    found.append(name)
            elif _near(regex, op["method"], text):
                found.append(name)
        op["covered"] = [os.path.basename(f).removesuffix(".rs").removesuffix(".py") for f in found]


# ---- rendering


def note(op):
    if op["served"]:
        return ""
    text = f"{op['operation']} {op['method']} {op['path']}"
    if re.search(IN_SCOPE[op["family"]], text):
        return "**gap**: issue 9 asks for it"
    for pattern, reason in OUT_OF_SCOPE[op["family"]]:
        if re.search(pattern, text):
            return reason
    return "**unclassified**"


FAMILIES = ["BMS", "DBSS", "Live", "Nova", "Keystone"]
SOURCES = {
    "BMS": "`huaweicloudsdkbms.v1.BmsClient`",
    "DBSS": "`huaweicloudsdkdbss.v1.DbssClient`",
    "Live": "`huaweicloudsdklive.v1.LiveClient` and `huaweicloudsdklive.v2.LiveClient`",
    "Nova": "openstacksdk's compute proxy (`openstack.compute.v2`)",
    "Keystone": "openstacksdk's identity proxy (`openstack.identity.v3`)",
}


def render(ops, versions):
    out = ["# API coverage", "",
           "Generated by [`scripts/coverage_matrix.py`](../scripts/coverage_matrix.py) from the SDKs; do not edit "
           "(`tests/python/test_coverage_matrix.py` fails when it is stale; regenerate with "
           "`.venv/bin/python scripts/coverage_matrix.py --write`).", "",
           "- **Operations**: every operation of the official client — the Huawei Python SDK's "
           "`_<op>_http_info` for BMS, DBSS and Live; for Nova and Keystone the resource classes "
           "openstacksdk's proxies use (their `base_path` and allowed operations) and `Server`'s actions.",
           "- **Served** is measured: a fresh Switchboard is probed with an administrator's token at each "
           "path with unknown ids; the gateway's `APIGW.0101`, a 405, Nova's \"There is no such action\" or the "
           "family's answer to a path that does not exist mean not served.",
           "- **Covered by**: the tests that name the SDK method or request class (Python) or the path "
           "(Python, and Rust HTTP tests that name the method).",
           "- **Note**: why an unserved operation is out of scope; **gap** marks one that is in scope.", "",
           "SDKs: " + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())) + ".", "",
           "| family | operations | served | covered by a test | out of scope | gaps |", "|---|---|---|---|---|---|"]
    for family in FAMILIES:
        mine = [o for o in ops if o["family"] == family]
        gaps = sum(1 for o in mine if note(o).startswith("**gap"))
        out.append(f"| [{family}](#{family.lower()}) | {len(mine)} | {sum(o['served'] for o in mine)} | "
                   f"{sum(bool(o['covered']) for o in mine)} | {sum(not o['served'] for o in mine) - gaps} | {gaps} |")
    for family in FAMILIES:
        out += ["", f"## {family}", "", f"From {SOURCES[family]}.", "",
                "| operation | method and path | served | covered by | note |", "|---|---|---|---|---|"]
        mine = sorted((o for o in ops if o["family"] == family),
                      key=lambda o: (not o["served"], o["path"], o["method"], o["operation"]))
        for o in mine:
            covered = ", ".join(o["covered"])
            out.append(f"| {o['operation']} | `{o['method']} {o['path']}` | {'yes' if o['served'] else 'no'} | "
                       f"{covered} | {note(o)} |")
    return "\n".join(out) + "\n"


def sdk_versions():
    from importlib.metadata import version
    names = ["huaweicloudsdkbms", "huaweicloudsdkdbss", "huaweicloudsdklive", "openstacksdk"]
    return {n: version(n) for n in names}


def generate(url, token):
    ops = huawei_operations() + openstack_operations()
    probe(url, token, ops)
    cover(ops)
    return render(ops, sdk_versions())


class LocalServer:
    """The real binary on a loopback port with the built-in demo and a fresh data directory."""

    def __init__(self):
        binary = os.environ.get("SWITCHBOARD_BIN", os.path.join(ROOT, "target", "debug", "switchboard"))
        self.dir = tempfile.mkdtemp(prefix="switchboard-coverage-")
        self.url = f"http://127.0.0.1:{_free_port()}"
        env = dict(os.environ, SWITCHBOARD_ADMIN_PASSWORD=PASSWORD)
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen([binary, "serve", "--listen", self.url[len("http://"):], "--data-dir", self.dir],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.url + "/health", timeout=1)
                return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("switchboard did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="probe this server instead of starting one (admin password from "
                                      "SWITCHBOARD_ADMIN_PASSWORD)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="write docs/coverage.md")
    mode.add_argument("--check", action="store_true", help="exit 1 if docs/coverage.md is stale")
    args = parser.parse_args()
    server = None
    if args.url:
        url, token = args.url.rstrip("/"), login(args.url.rstrip("/"), os.environ["SWITCHBOARD_ADMIN_PASSWORD"])
    else:
        server = LocalServer()
        url, token = server.url, login(server.url)
    try:
        text = generate(url, token)
    finally:
        if server:
            server.stop()
    if args.write:
        os.makedirs(os.path.dirname(DOC), exist_ok=True)
        with open(DOC, "w") as f:
            f.write(text)
    elif args.check:
        current = open(DOC).read() if os.path.exists(DOC) else ""
        if current != text:
            print("docs/coverage.md is stale: run .venv/bin/python scripts/coverage_matrix.py --write", file=sys.stderr)
            sys.exit(1)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
