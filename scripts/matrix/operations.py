"""Every operation of the official clients, read from the SDKs themselves."""

import importlib
import inspect
import re

HUAWEI = [
    ("DBSS", "huaweicloudsdkdbss.v1", "DbssClient"),
    ("Live", "huaweicloudsdklive.v1", "LiveClient"),
    ("Live", "huaweicloudsdklive.v2", "LiveClient"),
    ("BMS", "huaweicloudsdkbms.v1", "BmsClient"),
]


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
