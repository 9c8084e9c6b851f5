"""The README's first commands work as written: `cargo run … -- serve` serves the demo (steered only
through environment variables), CI runs exactly the README's test command, and every `serve`
command in the README and the examples' headers uses flags that exist and configs that check."""

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

from conftest import PROJECT, ROOT, call

README = os.path.join(ROOT, "README.md")
EXAMPLES = [os.path.join("examples", d, "switchboard.toml")
            for d in sorted(os.listdir(os.path.join(ROOT, "examples")))
            if os.path.exists(os.path.join(ROOT, "examples", d, "switchboard.toml"))]
PASSWORD = "Readme-Password-1"
# The first release build of the workspace takes minutes on a small machine.
BUILD_TIMEOUT = 3600


def two_commands():
    """The commands of the fenced block under "## The two commands": (serve, test)."""
    with open(README) as f:
        text = f.read()
    section = re.search(r"^## The two commands\n(.*?)(?=^## )", text, re.M | re.S)
    assert section, "README has no '## The two commands' section"
    block = re.search(r"^```sh\n(.*?)^```", section.group(1), re.M | re.S)
    assert block, "'## The two commands' has no ```sh block"
    commands = [shlex.split(line, comments=True) for line in block.group(1).splitlines()]
    commands = [c for c in commands if c]
    serve = [c for c in commands if c[:2] == ["cargo", "run"] and "serve" in c]
    tests = [c for c in commands if c not in serve]
    assert len(serve) == 1 and len(tests) == 1, f"expected a serve and a test command: {commands}"
    return serve[0], tests[0]


def serve_commands():
    """Every `cargo run … -- serve …` in the README and the examples' header comments, split,
    without leading VAR=value assignments; with where each came from."""
    found = []
    with open(README) as f:
        for line in f:
            if "cargo run" in line and "-- serve" in line:
                found.append(("README.md", line))
    for path in EXAMPLES:
        with open(os.path.join(ROOT, path)) as f:
            header = [l[1:].strip() for l in f.read().splitlines() if l.startswith("#")]
        joined = "\n".join(header).replace("\\\n", " ")
        found += [(path, l) for l in joined.splitlines() if "cargo run" in l and "-- serve" in l]
    commands = []
    for origin, line in found:
        words = shlex.split(line, comments=True)
        while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
            words.pop(0)
        commands.append((origin, words))
    return commands


def cargo(args, timeout=BUILD_TIMEOUT):
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def release_build():
    """Builds the release binary once, so that the commands below only run it."""
    done = cargo(["cargo", "build", "--release", "-p", "switchboard", "--bin", "switchboard"])
    assert done.returncode == 0, done.stderr[-4000:]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_readme_serve_command_serves_the_demo(release_build):
    serve, _ = two_commands()
    data = tempfile.mkdtemp(prefix="switchboard-readme-")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, SWITCHBOARD_LISTEN=f"127.0.0.1:{port}", SWITCHBOARD_DATA_DIR=data,
               SWITCHBOARD_ADMIN_PASSWORD=PASSWORD)
    log_path = os.path.join(data, "server.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen(serve, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.time() + 120
        while True:
            assert proc.poll() is None, f"{shlex.join(serve)} exited:\n" + open(log_path).read()
            try:
                if urllib.request.urlopen(url + "/health", timeout=1).status == 200:
                    break
            except OSError:
                pass
            assert time.time() < deadline, "no /health:\n" + open(log_path).read()
            time.sleep(0.1)
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "password": PASSWORD, "domain": {"name": "switchboard"}}}},
            "scope": {"project": {"id": PROJECT}}}}
        status, headers, reply = call(url + "/v3/auth/tokens", "POST", body)
        assert status == 201, reply
        assert {k.lower() for k in headers} >= {"x-subject-token"}
        assert os.path.exists(os.path.join(data, "switchboard.db")), "data went to SWITCHBOARD_DATA_DIR"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


def test_ci_runs_exactly_the_readme_test_command():
    _, test = two_commands()
    with open(os.path.join(ROOT, ".ci", "run")) as f:
        lines = [shlex.split(l, comments=True) for l in f.read().splitlines()]
    lines = [l for l in lines if l]
    assert any(l[0] == "cd" for l in lines[:-1]), ".ci/run runs from the repository root"
    assert lines[-1] == ["exec", *test], f".ci/run ends with {lines[-1]}, README says {test}"


def test_every_serve_command_in_the_docs_uses_real_flags(release_build):
    serve, _ = two_commands()
    prefix = serve[:serve.index("serve") + 1]
    commands = serve_commands()
    assert len(commands) >= 1 + len(EXAMPLES), commands
    done = cargo([*prefix, "--help"])
    assert done.returncode == 0, done.stderr[-4000:]
    help_text = done.stdout
    for origin, words in commands:
        assert words[:len(prefix)] == prefix, f"{origin}: {shlex.join(words)} is not {shlex.join(prefix)} …"
        for flag in (w.split("=")[0] for w in words[len(prefix):] if w.startswith("--")):
            assert flag in help_text, f"{origin}: serve has no {flag}"


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_examples_configs_check(release_build, example):
    origin_commands = [w for o, w in serve_commands() if o == example]
    assert origin_commands, f"{example} has no serve command in its header"
    words = origin_commands[0]
    config = words[words.index("--config") + 1]
    assert config == example, f"{example}'s header runs {config}"
    serve, _ = two_commands()
    check = serve[:serve.index("serve")] + ["check", "--config", config]
    done = cargo(check, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "configuration is valid" in done.stdout


def command_line_blocks():
    """The two ```sh blocks of "## Command line": the server's command, the client's script."""
    with open(README) as f:
        text = f.read()
    section = re.search(r"^## Command line\n(.*?)(?=^## )", text, re.M | re.S)
    assert section, "README has no '## Command line' section"
    blocks = re.findall(r"^```sh\n(.*?)^```", section.group(1), re.M | re.S)
    assert len(blocks) >= 2, "'## Command line' starts with a serve block and a client block"
    return blocks[0], blocks[1]


def test_the_command_line_walk_through_runs_as_written(release_build):
    serve_block, client_block = command_line_blocks()
    words = shlex.split(serve_block.strip(), comments=True)
    env_words = []
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        env_words.append(words.pop(0))
    assert words[:2] == ["cargo", "run"] and "serve" in words, serve_block
    data = tempfile.mkdtemp(prefix="switchboard-readme-cli-")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, SWITCHBOARD_LISTEN=f"127.0.0.1:{port}", SWITCHBOARD_DATA_DIR=data,
               **dict(w.split("=", 1) for w in env_words))
    log_path = os.path.join(data, "server.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen(words, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.time() + 120
        while True:
            assert proc.poll() is None, "the server exited:\n" + open(log_path).read()
            try:
                if urllib.request.urlopen(url + "/ready", timeout=1).status == 200:
                    break
            except OSError:
                pass
            assert time.time() < deadline, "not ready:\n" + open(log_path).read()
            time.sleep(0.1)
        # The block as written, but pointed at this server's port and with a home of its own.
        script = "shopt -s expand_aliases\nset -e\n" + client_block.replace(
            "http://127.0.0.1:8080", url)
        home = os.path.join(data, "home")
        os.makedirs(home)
        client_env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
        # A home of its own for the profile, but the toolchain `cargo run` needs from the real one.
        client_env.setdefault("RUSTUP_HOME", os.path.expanduser("~/.rustup"))
        client_env.setdefault("CARGO_HOME", os.path.expanduser("~/.cargo"))
        client_env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"))
        done = subprocess.run(["bash", "-c", script], cwd=ROOT, env=client_env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "HDFS" in done.stdout and "ZooKeeper" in done.stdout, done.stdout
        assert "COMPLETE" in done.stdout + done.stderr, done.stdout + done.stderr
        profile = os.path.join(home, ".config", "switchboard", "default.json")
        assert os.stat(profile).st_mode & 0o777 == 0o600
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)
