"""A real webhook receiver on a loopback port: an http.server in a thread that records what it is sent.

``mode`` says how it answers: "ok" (204), "fail" (500) or "hang" (no answer until the test ends). ``stop`` takes
it off its port (a receiver that is down) and ``start`` puts it back on the same port.
"""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, port=0):
        self.mode = "ok"
        self.received = []  # (headers, raw body, parsed body, time) of each request, in arrival order
        self.in_flight = {}  # event id -> requests being handled now
        self.overlaps = []  # event ids that were being handled twice at the same time
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.port = port
        self.server = None
        self.delay = 0.0  # seconds each request takes before its answer

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = json.loads(raw)
                with receiver.lock:
                    receiver.received.append((dict(self.headers), raw, body, time.time()))
                    count = receiver.in_flight.get(body["id"], 0) + 1
                    receiver.in_flight[body["id"]] = count
                    if count > 1:
                        receiver.overlaps.append(body["id"])
                try:
                    if receiver.mode == "hang":
                        receiver.release.wait(60)
                        return
                    if receiver.delay:
                        time.sleep(receiver.delay)
                    self.send_response(500 if receiver.mode == "fail" else 204)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                finally:
                    with receiver.lock:
                        receiver.in_flight[body["id"]] -= 1

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def close(self):
        self.release.set()
        self.stop()

    def bodies(self):
        with self.lock:
            return [body for _headers, _raw, body, _at in self.received]

    def ids(self):
        return [body["id"] for body in self.bodies()]


def verifies(secret, headers, raw):
    expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers.get("X-WMS-Signature", ""), expected)
