"""Where a benchmark runs: the machine, a fresh database, and a gunicorn server on 127.0.0.1.

Every database is made for one run and dropped after it (PostgreSQL ``bench_<pid>_<hex>``, SQLite a temp file),
so numbers never depend on what an earlier run left behind.
"""

import contextlib
import os
import platform
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("WMS_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def machine() -> dict:
    """What the numbers were measured on; the load average says how noisy the machine was."""
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    free = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip() if shutil.which("free") else ""
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_total_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "free_h": free,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _pg_version(),
        "platform": platform.platform(),
    }


def _pg_version():
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except Exception as exc:  # noqa: BLE001 - only a label in the report
        return f"unavailable ({exc.__class__.__name__})"


@contextlib.contextmanager
def database(backend: str):
    """A migrated, empty database; yields its SQLAlchemy URL and drops it afterwards."""
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="wms_bench_")
        url = f"sqlite:///{folder}/bench.sqlite3"
        try:
            migrate(url)
            yield url
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    import psycopg

    name = f"bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        migrate(url)
        yield url
    finally:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


def migrate(url):
    subprocess.run(
        [str(BIN / "wms-service"), "db", "upgrade"], env=service_env(url), check=True, capture_output=True, timeout=120
    )


def service_env(url) -> dict:
    return {**os.environ, "WMS_DATABASE_URL": url, "WMS_ACCESS_LOG": "/dev/null"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with ``workers`` sync workers on a free loopback port."""

    def __init__(self, url: str, workers: int = 4):
        self.url = url
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def __enter__(self):
        env = {
            **service_env(self.url),
            "WMS_BIND": f"127.0.0.1:{self.port}",
            "WMS_WORKERS": str(self.workers),
            "WMS_TIMEOUT": "120",
        }
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "wms_service:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError("gunicorn exited:\n" + self.log.read().decode(errors="replace")[-3000:])
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.base + "/health", timeout=2).status_code == 200 and self._all_workers_up():
                    return self
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def _all_workers_up(self):
        return len(psutil.Process(self.proc.pid).children()) >= self.workers

    def worker_memory_mib(self) -> tuple[list[float], list[float]]:
        """Each worker's resident memory, and the same without file-backed pages (the mapped SQLite database):
        what each worker allocated itself."""
        infos = [c.memory_info() for c in psutil.Process(self.proc.pid).children()]
        return (
            sorted(round(i.rss / 2**20, 1) for i in infos),
            sorted(round((i.rss - i.shared) / 2**20, 1) for i in infos),
        )

    def worker_pids(self) -> list[int]:
        return [c.pid for c in psutil.Process(self.proc.pid).children()]

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()
