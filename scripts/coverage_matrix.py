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
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from matrix.operations import huawei_operations, openstack_operations  # noqa: E402
from matrix.probe import LocalServer, login, probe  # noqa: E402
from matrix.render import render, sdk_versions  # noqa: E402
from matrix.scan import cover  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "coverage.md")


def generate(url, token):
    ops = huawei_operations() + openstack_operations()
    probe(url, token, ops)
    cover(ops)
    return render(ops, sdk_versions())


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
