"""A small web app that needs PostgreSQL and Redis: it refuses to start without them, and its
/health answers 200 only while both answer."""

import http.server
import os
import socket
import subprocess
import sys

PG_PORT = int(os.environ.get("EXAMPLE_PGPORT", "25432"))
REDIS_PORT = int(os.environ.get("EXAMPLE_REDIS_PORT", "26379"))
PORT = int(os.environ.get("EXAMPLE_APP_PORT", "28080"))  # below the ephemeral range (32768–60999): no outbound connection can hold it


def redis_ok():
    try:
        with socket.create_connection(("127.0.0.1", REDIS_PORT), 1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def postgres_ok():
    done = subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(PG_PORT)])
    return done.returncode == 0


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = redis_ok() and postgres_ok()
        self.send_response(200 if ok else 503)
        self.end_headers()
        self.wfile.write(b"ok\n" if ok else b"dependencies down\n")

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    if not (redis_ok() and postgres_ok()):
        print("postgres or redis is not answering", file=sys.stderr)
        sys.exit(1)
    http.server.HTTPServer(("127.0.0.1", PORT), Health).serve_forever()
