"""A real gunicorn for the tests that need one: its own process group, a free loopback port, its log kept."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 30  # seconds any one wait may take before the test fails instead of hanging


class Gunicorn:
    """gunicorn in its own process group on a free loopback port; ``kill9`` takes down master and workers at once."""

    def __init__(self, database_url, workers=3, env=None):
        self.env = {
            **os.environ,
            "WMS_DATABASE_URL": database_url,
            "WMS_WORKERS": str(workers),
            "WMS_ACCESS_LOG": "/dev/null",
            "WMS_TIMEOUT": "60",
            **(env or {}),
        }
        self.log = Path(tempfile.mkstemp(prefix="gunicorn-", suffix=".log")[1])
        self.proc = None

    def start(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wms_service:create_app()"],
                cwd=ROOT,
                env={**self.env, "WMS_BIND": f"127.0.0.1:{port}"},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + TIMEOUT
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"gunicorn exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                if requests.get(self.base + "/health", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer /health:\n{self.log.read_text()}")
            time.sleep(0.1)

    def kill9(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=TIMEOUT)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill9()

    def close(self):
        """Stop it and remove its log."""
        self.stop()
        self.log.unlink(missing_ok=True)
