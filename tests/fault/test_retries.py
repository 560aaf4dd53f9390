"""Retries: a scanner whose post timed out on its side sends it again with the same Idempotency-Key.

The first attempt goes on in the server after the client gave up; whatever order the two meet in, the ledger
must hold the list once and the retry must answer the same records the first attempt created.
"""

import threading
import time
import uuid

import requests

from wms_service import create_app

from ..conftest import make_tenant
from .conftest import TIMEOUT, session_headers, slow_gunicorn, stock_positions

LINES = 1000  # a list big enough that the server is still writing it when the client's 1 ms read timeout fires


def _retry(base, body, headers):
    """Post until the first attempt's answer can be replayed (409 while it is still running); bounded."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        response = requests.post(base + "/bin-inventory-record", json=body, headers=headers, timeout=TIMEOUT)
        if response.status_code != 409 or time.monotonic() > deadline:
            return response
        assert "still being processed" in response.json()["message"], response.text
        time.sleep(0.05)


def _records(base, headers, reference):
    response = requests.get(
        f"{base}/bin-inventory-record?referenceType=PURCHASE_DOCUMENT&referenceId={reference}&pageSize=1000",
        headers=headers,
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    return response.json(), int(response.headers["X-Total-Count"])


@slow_gunicorn
def test_a_post_retried_after_a_client_timeout_is_written_once(database_url, gunicorn):
    app = create_app({"DATABASE_URL": database_url})
    _tid, code, _uid = make_tenant(app)
    app.extensions["wms_engine"].dispose()
    server = gunicorn(database_url)
    headers = session_headers(server.base, code)
    positions = stock_positions(server.base, headers, bins=8)

    timeouts = []
    for attempt in range(3):
        reference = 9000 + attempt
        body = [
            {
                "binId": positions[i % len(positions)][0],
                "productId": positions[0][1],
                "batchId": positions[0][2],
                "amount": 1,
                "referenceType": "PURCHASE_DOCUMENT",
                "referenceId": reference,
            }
            for i in range(LINES)
        ]
        keyed = {**headers, "Idempotency-Key": f"scanner-{uuid.uuid4()}"}
        try:
            requests.post(server.base + "/bin-inventory-record", json=body, headers=keyed, timeout=(TIMEOUT, 0.001))
            timed_out = False
        except requests.Timeout:
            timed_out = True
        timeouts.append(timed_out)
        # Two retries at once, as a client with a retry timer and a user pressing "send" again would.
        answers = []
        threads = [
            threading.Thread(target=lambda a=answers, b=body, k=keyed: a.append(_retry(server.base, b, k)))
            for _ in range(2)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT + 5)
        assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
        assert answers[0].json() == answers[1].json()
        created = answers[0].json()
        assert len(created) == LINES and all(r["referenceId"] == reference for r in created)

        stored, total = _records(server.base, headers, reference)
        assert total == LINES, f"attempt {attempt} (first timed out: {timed_out}) was written {total / LINES} times"
        assert sorted(r["id"] for r in stored) == sorted(r["id"] for r in created)

    inventory = requests.get(
        f"{server.base}/bin-inventory?productId={positions[0][1]}&pageSize=100", headers=headers, timeout=TIMEOUT
    ).json()
    assert sum(row["amount"] for row in inventory) == 3 * LINES
    assert any(timeouts), "no first attempt timed out, so no retry raced its original"


@slow_gunicorn
def test_a_retry_with_the_key_but_another_body_is_refused_and_writes_nothing(database_url, gunicorn):
    app = create_app({"DATABASE_URL": database_url})
    _tid, code, _uid = make_tenant(app)
    app.extensions["wms_engine"].dispose()
    server = gunicorn(database_url, workers=2)
    headers = session_headers(server.base, code)
    (pos, *_rest) = stock_positions(server.base, headers, bins=1)
    keyed = {**headers, "Idempotency-Key": "scanner-7"}
    line = {
        "binId": pos[0],
        "productId": pos[1],
        "batchId": pos[2],
        "amount": 4,
        "referenceType": "PURCHASE_DOCUMENT",
        "referenceId": 77,
    }
    first = requests.post(server.base + "/bin-inventory-record", json=line, headers=keyed, timeout=TIMEOUT)
    assert first.status_code == 201
    changed = requests.post(
        server.base + "/bin-inventory-record", json={**line, "amount": 5}, headers=keyed, timeout=TIMEOUT
    )
    assert changed.status_code == 409
    assert _records(server.base, headers, 77)[1] == 1
