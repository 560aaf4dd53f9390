"""Fault-test helpers: a database of the test's own, and a gunicorn that can be killed and started again."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests

from ..conftest import PASSWORD, fresh_database

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 30  # seconds any one wait may take before the test fails instead of hanging


def slow_gunicorn(test):
    """Starts gunicorn: slow, and kept on one xdist worker with the other gunicorn tests."""
    return pytest.mark.slow(pytest.mark.xdist_group("gunicorn")(test))


@pytest.fixture(params=["sqlite", "postgresql"])
def own_database(request, tmp_path):
    """A migrated database used by this test alone, so ``ledger verify`` over all of it means this test's ledger."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


class Gunicorn:
    """gunicorn in its own process group on a free loopback port; ``kill9`` takes down master and workers at once."""

    def __init__(self, database_url, workers=3):
        self.env = {
            **os.environ,
            "WMS_DATABASE_URL": database_url,
            "WMS_WORKERS": str(workers),
            "WMS_ACCESS_LOG": "/dev/null",
            "WMS_TIMEOUT": "60",
        }
        self.log = Path(tempfile.mkstemp(prefix="gunicorn-fault-", suffix=".log")[1])
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


@pytest.fixture
def gunicorn():
    """Start with ``gunicorn(url)``; every server started is stopped at the end, whatever happened."""
    servers = []

    def start(database_url, workers=3):
        servers.append(Gunicorn(database_url, workers).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()
        server.log.unlink(missing_ok=True)


def session_headers(base, code):
    response = requests.post(
        base + "/v1/session", json={"clientCode": code, "username": "clerk", "password": PASSWORD}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    return {"clientCode": code, "sessionKey": response.json()["sessionKey"]}


def stock_positions(base, headers, bins=4):
    """A warehouse, a product with a batch, and ``bins`` bins: [(bin, product, batch)]."""

    def create(path, body):
        response = requests.post(base + path, json=body, headers=headers, timeout=TIMEOUT)
        assert response.status_code == 201, response.text
        return response.json()

    tag = uuid.uuid4().hex[:8]
    warehouse = create("/warehouse", {"code": f"W{tag}", "name": "Main"})
    product = create("/product", {"code": f"P{tag}", "name": "Widget"})
    batch = create("/batch", {"productId": product["id"], "expiryDate": "2030-01-31", "batchCode": [f"L{tag}"]})
    made = create(
        "/bin", [{"warehouseId": warehouse["id"], "code": f"B{tag}-{i}", "active": True} for i in range(bins)]
    )
    return [(b["id"], product["id"], batch["id"]) for b in made]
