"""Which tests name each operation."""

import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


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


def _tail(path, ops, family):
    """The path from its last fixed segment on, when that segment is an extension's name
    (`os-extra_specs`, `remote-consoles`) that no other family's path and at most a handful of
    this family's have: tests often build the rest of such paths with a helper."""
    parts = path.split("/")
    fixed = [i for i, p in enumerate(parts) if p and "{" not in p]
    if not fixed or fixed[-1] < len(parts) - 2:
        return None
    tail = "/".join(parts[fixed[-1]:])
    last = parts[fixed[-1]]
    sharing = [o for o in ops if f"/{last}" in o["path"]]
    if any(o["family"] != family for o in sharing) or len(sharing) > 6 or not re.search(r"[-_]", last):
        return None
    return "/" + tail


def cover(ops):
    """Sets op["covered"]: the test files that name the operation. Actions share one path, so
    only their names (the SDK method, the action key) count for them."""
    py, rust = _test_files()
    statics = {seg for op in ops for seg in op["path"].split("/") if seg and "{" not in seg}
    for op in ops:
        regex = None if "body" in op else _path_regex(op["path"], statics)
        tail = None if "body" in op else _tail(op["path"], ops, op["family"])
        tail_regex = _path_regex(tail, statics) if tail else None
        word = re.compile(r"\b" + op["method"] + r"\b", re.I)
        found = []
        for name, text in py:
            if any(n in text for n in op["names"]) or (regex and _near(regex, op["method"], text, python=True)):
                found.append(name)
        for name, text in rust:
            if regex is None:
                if any(n in text for n in op["names"] if n.startswith(('"', "'"))):
                    found.append(name)
            elif _near(regex, op["method"], text) or (
                    tail_regex and tail_regex.search(text) and word.search(text)):
                found.append(name)
        op["covered"] = [os.path.basename(f).removesuffix(".rs").removesuffix(".py") for f in found]
