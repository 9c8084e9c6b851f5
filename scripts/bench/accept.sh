#!/usr/bin/env bash
# Accept throughput of the real release binary under wrk: one command.
#   scripts/bench/accept.sh [--services 20000] [--duration 10] [--runs 3] [--connections 64]
# Installs wrk from Debian's packages when it is missing, builds the release binaries, and runs
# `switchboard-bench accept-wrk` (which starts target/release/switchboard on a generated config
# and drives it with scripts/bench/accept.lua). Other benches: target/release/switchboard-bench
# reads | scale | inventory (see README "Benchmarks").
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ]; then apt-get install -y wrk; else sudo apt-get install -y wrk; fi
fi
cargo build --release -p switchboard --bins
exec target/release/switchboard-bench accept-wrk "$@"
