"""A count finished while receipts pour into its bin, against gunicorn with several workers (on each backend):
every receipt the server acknowledged is in the bin afterwards, and the ledger proves the totals."""

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.test_concurrency import (  # noqa: F401 (server, remote and position are fixtures)
    ROOT,
    TIMEOUT,
    assert_clean_log,
    assert_cli_ledger_verifies,
    assert_ledger_verifies,
    line,
    on_gunicorn,
    position,
    remote,
    server,
    statuses,
)

RECEIPTS = 24
AMOUNT = 5
BEFORE = 4  # receipts acknowledged before the finish is sent; the rest race it


@on_gunicorn
def test_receipts_racing_a_counts_finish_are_all_kept(app, server, remote, position):  # noqa: F811
    pos = position()
    remote.create("/bin-inventory-record", line(pos, 10))
    count = remote.create("/stocktaking", {"binId": pos["bin"]})
    counted = {"productId": pos["product"], "batchId": pos["batch"], "countedQuantity": 7}
    assert remote.request("PUT", f"/stocktaking/{count['id']}/stocktaking-record", json=counted).status_code == 200

    start = threading.Barrier(RECEIPTS + 1, timeout=TIMEOUT)
    acknowledged, some_in = [], threading.Event()
    lock = threading.Lock()

    def receive():
        own = remote.clone()
        start.wait()
        response = own.request("POST", "/bin-inventory-record", json=line(pos, AMOUNT))
        with lock:
            acknowledged.append(response.status_code)
            if acknowledged.count(201) >= BEFORE:
                some_in.set()
        return response

    def finish():
        own = remote.clone()
        start.wait()
        # Some receipts are in before the finish is sent, so a finish that wrote them off could not pass.
        assert some_in.wait(TIMEOUT)
        return own.request("PUT", f"/stocktaking/{count['id']}", json={"finished": True})

    with ThreadPoolExecutor(max_workers=RECEIPTS + 1) as pool:
        receipts = [pool.submit(receive) for _ in range(RECEIPTS)]
        finished = pool.submit(finish)
        responses = [f.result(timeout=TIMEOUT * 2) for f in receipts]
        finished = finished.result(timeout=TIMEOUT * 2)

    assert finished.status_code == 200, finished.text
    assert statuses(responses) == {201: RECEIPTS}, [r.text for r in responses]
    # 10 held, 7 counted: the count writes off 3, and every acknowledged receipt stays.
    assert remote.amount(pos["bin"], pos["product"]) == 10 - 3 + RECEIPTS * AMOUNT
    records = remote.request("GET", f"/bin-inventory-record?binId={pos['bin']}&pageSize=1000").json()
    (write_off,) = [r for r in records if r["referenceId"] == count["id"]]
    assert (write_off["amount"], write_off["referenceType"]) == (-3, "INVENTORY_WRITE_OFF")
    receipt_ids = [r.json()["id"] for r in responses]
    before_finish = sum(1 for record_id in receipt_ids if record_id < write_off["id"])
    assert before_finish >= BEFORE
    # The finished line shows exactly the receipts that were in when the count was finished.
    (shown,) = remote.request("GET", f"/stocktaking/{count['id']}/stocktaking-record").json()
    assert (shown["expectedQuantity"], shown["difference"], shown["movedSinceCount"]) == (
        10,
        -3,
        before_finish * AMOUNT,
    )
    assert_ledger_verifies(app, remote.headers["clientCode"])
    assert_cli_ledger_verifies(app)
    assert_clean_log(server)
