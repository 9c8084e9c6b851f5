"""docs/coverage.md is what scripts/coverage_matrix.py generates now: the SDKs' operations, what the
real binary serves (probed) and which tests cover them. A route added, removed or newly tested
without regenerating the matrix fails here."""

import difflib
import importlib.util
import os

import pytest

from conftest import ROOT

SCRIPT = os.path.join(ROOT, "scripts", "coverage_matrix.py")


def load():
    spec = importlib.util.spec_from_file_location("coverage_matrix", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(server):
    token, _ = server.token()
    return load().generate(server.url, token)


def test_coverage_matrix_is_current(generated):
    fresh = generated
    with open(load().DOC) as f:
        current = f.read()
    diff = "".join(list(difflib.unified_diff(current.splitlines(True), fresh.splitlines(True),
                                             "docs/coverage.md", "generated"))[:80])
    assert current == fresh, ("docs/coverage.md is stale: run `.venv/bin/python scripts/coverage_matrix.py --write`"
                              f"\n{diff}")


def test_every_operation_is_classified(generated):
    text = generated
    assert "**unclassified**" not in text
    # The families' seed operations are measured as served.
    for row in ("| StartDbOmInstance |", "| ModifyFlowStart |", "| BatchStartBaremetalServers |",
                "| Server.start (os-start) |", "| Server list (detail) |"):
        line = [ln for ln in text.splitlines() if ln.startswith(row)][0]
        assert "| yes |" in line, line
