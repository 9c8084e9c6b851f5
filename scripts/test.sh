#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, every Rust test of the workspace (unit, property,
# HTTP integration, kill -9 crash tests with the real binary), then the real clients (the official
# Huawei Cloud Python SDK, the openstack and nova CLIs, libcloud, Ansible) against the real binary,
# then the web console in Debian's Chromium and the OpenAPI document under schemathesis.
# Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
# A from-scratch build gains nothing from incremental state, which would take gigabytes of disk.
export CARGO_INCREMENTAL=0

if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo is required (https://rustup.rs)" >&2
    exit 1
fi
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
# The PostgreSQL store's tests and the local-stack example run PostgreSQL (and the example Redis)
# from Debian's packages.
if ! command -v redis-server >/dev/null 2>&1 || ! command -v pg_isready >/dev/null 2>&1 \
    || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "installing postgresql and redis-server"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server >/dev/null
fi
echo "== PostgreSQL for the store's tests (scripts/test-postgres.sh)"
scripts/test-postgres.sh stop || true
SWITCHBOARD_TEST_POSTGRES_URL=$(scripts/test-postgres.sh start)
export SWITCHBOARD_TEST_POSTGRES_URL
export SWITCHBOARD_TEST_POSTGRES_REQUIRED=1
trap 'scripts/test-postgres.sh stop || true' EXIT

echo "== Rust tests"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --no-fail-fast
else
    cargo test --workspace --no-fail-fast
fi

echo "== real clients and real daemons (Python)"
cargo build --quiet -p switchboard --bin switchboard
venv=.venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" 2>/dev/null || {
        # Debian's python3 needs its venv package.
        (apt-get update -qq && apt-get install -y -qq python3-venv) >/dev/null
        python3 -m venv "$venv"
    }
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/python/requirements.txt
# The suite's servers come from the pytest plugin in clients/python (editable: edits apply at once).
"$venv/bin/pip" install --quiet --disable-pip-version-check -e ./clients/python
# Ansible gets its own venv on Python >= 3.12 (see tests/python/requirements-ansible.txt): the
# first such interpreter on PATH that runs, else one that pyenv has installed.
ansible_venv=.venv-ansible
if [ ! -x "$ansible_venv/bin/python" ]; then
    py=""
    for candidate in python3.12 python3.13 \
        "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python3; do
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
            py="$candidate"
            break
        fi
    done
    if [ -z "$py" ]; then
        echo "the Ansible tests need Python >= 3.12 (ansible 14 with openstack.cloud 2.6)" >&2
        exit 1
    fi
    "$py" -m venv "$ansible_venv"
fi
"$ansible_venv/bin/pip" install --quiet --disable-pip-version-check -r tests/python/requirements-ansible.txt
# The README's serve command (tests/python/test_readme.py runs it as written) needs a release
# build, minutes of both cores: start it now, beside the client tests, which mostly wait on
# their server; test_readme's own build then waits for this one and finds everything built.
cargo build --release --quiet -p switchboard --bin switchboard >target/release-build.log 2>&1 &
release_build=$!
SWITCHBOARD_BIN="$PWD/target/debug/switchboard" "$venv/bin/python" -m pytest -q --durations=10 tests/python
wait "$release_build" || { cat target/release-build.log; exit 1; }
echo "== web console in Debian's Chromium, driven by Playwright"
# playwright-core drives the system Chromium over CDP (no browser download); chromium-driver is
# Debian's WebDriver for the same browser, for anyone driving it with a WebDriver client.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    echo "installing chromium and chromium-driver"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "installing nodejs and npm"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
bash console/vendor.sh --check
npm ci --prefix tests/console --ignore-scripts --no-audit --no-fund --silent
SWITCHBOARD_BIN="$PWD/target/debug/switchboard" node --test tests/console/console.test.mjs
echo "== OpenAPI document against the real server (schemathesis)"
SWITCHBOARD_BIN="$PWD/target/debug/switchboard" bash scripts/schemathesis.sh
