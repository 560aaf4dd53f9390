"""What the Planograma credential cache saves: /api requests with the cache off (scrypt on every request) and on.

Runs the app in-process (Flask test client, no network) on a scratch database, so the numbers are the
service's own cost per request. Usage:

    .venv/bin/python bench/auth_cache.py [--requests 200] [--database-url postgresql+psycopg://...]
"""

import argparse
import os
import statistics
import tempfile
import time

from sqlalchemy import select
from werkzeug.security import check_password_hash

from wms_service import create_app
from wms_service.auth import service as auth
from wms_service.auth.models import Tenant, User
from wms_service.db import new_session

PASSWORD = "bench password 1"


def build_app(database_url, cache_seconds):
    return create_app({"DATABASE_URL": database_url, "AUTH_CACHE_SECONDS": cache_seconds})


def prepare(database_url):
    app = build_app(database_url, 0)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    code = f"bench{os.getpid()}x{int(time.time())}"
    session = new_session(app, write=True)
    tenant = auth.create_tenant(session, code=code)
    auth.create_user(session, tenant=tenant, username="integration", password=PASSWORD)
    session.commit()
    session.close()
    app.extensions["wms_engine"].dispose()
    return code


def scrypt_check_ms(database_url, code, rounds=20):
    """The cost of one check of the stored hash, what every request paid before the cache."""
    app = build_app(database_url, 0)
    session = new_session(app)
    stored = session.scalar(select(User.password_hash).join(User.tenant).where(Tenant.code == code))
    session.close()
    app.extensions["wms_engine"].dispose()
    start = time.perf_counter()
    for _ in range(rounds):
        check_password_hash(stored, PASSWORD)
    return (time.perf_counter() - start) / rounds * 1000


def timed_requests(app, code, count, body):
    client = app.test_client()
    headers = {"Host": f"{code}.wms.bench", "Authorization": f"Bearer integration:{PASSWORD}"}
    durations = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.post("/api/product/read", json=body, headers=headers)
        durations.append(time.perf_counter() - start)
        assert response.status_code == 200, response.get_json()
    return durations


def summary(label, durations):
    ms = sorted(d * 1000 for d in durations)
    p95 = ms[int(len(ms) * 0.95) - 1]
    return f"| {label} | {len(ms)} | {statistics.median(ms):.2f} | {p95:.2f} | {len(ms) / sum(durations):.0f} |"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="wms-auth-bench-"), "bench.sqlite3")
    code = prepare(url)

    scrypt_ms = scrypt_check_ms(url, code)

    rows = []
    for label, seconds in (("cache off (scrypt every request)", 0), ("cache on (300 s)", 300)):
        app = build_app(url, seconds)
        timed_requests(app, code, 3, {})  # warm up: connections, first check
        rows.append(summary(label, timed_requests(app, code, args.requests, {})))
        app.extensions["wms_engine"].dispose()

    print(f"database: {url.split('://')[0]}; one scrypt check: {scrypt_ms:.1f} ms")
    print("| POST /api/product/read | requests | median ms | p95 ms | requests/s |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
