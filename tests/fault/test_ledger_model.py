"""A model of the ledger: random posts, deletes, counts and reservations against the API and the reservation
service, checked against a dict after every step.

The model is the stock rules written as plainly as possible: a batch level in a bin never below zero, a bin with
``maximumAmount`` never filled past it, a list all or nothing, a delete appends the opposite amount, a finished
count posts its differences, which belong to it (a delete of one is a 409). Reservations: a reserve takes free stock in allocation order (all batches expire
the same day and no bin is preferred or ordered, so: bin id, then batch id), a plain post may not take reserved
stock, a consume posts the reserved stock, a count always posts and its excess reservations give way, the newest
first, moved to free stock unless their line named the bin. After every step ``/bin-inventory`` must equal the
model exactly, the reservations and their kept totals must equal the model's, and ``0 <= reserved <= on hand``.
"""

import itertools

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from wms_service.auth.models import Tenant, User
from wms_service.db import new_session
from wms_service.stock import reservations
from wms_service.stock.models import BinInventoryBatch, Reservation
from wms_service.stock.references import DocumentKind, Reference

from ..conftest import Api, login, make_tenant

CAPACITY = 60  # the second bin's maximumAmount; the first has none
amounts = st.integers(-25, 25).filter(bool)


class LedgerModel(RuleBasedStateMachine):
    app = None  # set by the test: one machine class per backend

    @initialize()
    def world(self):
        client = self.app.test_client()
        self.tenant_id, code, user_id = make_tenant(self.app)
        self.api = Api(client, code, "clerk", login(client, code).get_json()["sessionKey"], user_id)
        warehouse = self.warehouse = self.api.warehouse()["id"]
        self.bins = {self.api.bin(warehouse)["id"]: 0, self.api.bin(warehouse, maximumAmount=CAPACITY)["id"]: CAPACITY}
        a, b = self.api.product()["id"], self.api.product()["id"]
        batches = [(a, self.api.batch(a)["id"]), (a, self.api.batch(a)["id"]), (b, self.api.batch(b)["id"])]
        self.positions = [(bin_id, p, bt) for bin_id in self.bins for p, bt in batches]
        self.levels = dict.fromkeys(self.positions, 0)
        self.records = {}  # id -> {"pos", "amount", "reversed", "reversal", "owned"}
        # Reservation rows in the order they were made: [order id, line id, pos, quantity, bin named].
        self.held = []
        # Some stock everywhere to start with, so reservations find some and counts overtake them.
        stock = self.api.post("/bin-inventory-record", json=[self._body(pos, 10) for pos in self.positions])
        assert stock.status_code == 201, stock.get_json()
        self._accept(stock.get_json(), dict.fromkeys(self.positions, 10))

    def reserved(self, pos):
        return sum(row[3] for row in self.held if row[2] == pos)

    def _service(self, work):
        """Run ``work(session, tenant, user)`` through the reservation service in its own transaction."""
        session = new_session(self.app, write=True)
        try:
            result = work(session, session.get(Tenant, self.tenant_id), session.get(User, self.api.user_id))
            session.commit()
            return result
        finally:
            session.close()

    # --- the rules, as the model applies them ------------------------------------------------------------------

    def _apply(self, moves, counting=False):
        """The levels after ``moves`` [(pos, amount)], or None if a stock rule refuses one of them."""
        levels = dict(self.levels)
        for pos, amount in moves:
            bin_total = sum(v for k, v in levels.items() if k[0] == pos[0])
            if levels[pos] + amount < 0:
                return None
            if amount < 0 and not counting and levels[pos] + amount < self.reserved(pos):
                return None
            if amount > 0 and self.bins[pos[0]] and bin_total + amount > self.bins[pos[0]]:
                return None
            levels[pos] += amount
        return levels

    def _body(self, pos, amount):
        return {"binId": pos[0], "productId": pos[1], "batchId": pos[2], "amount": amount}

    # --- what clients do ---------------------------------------------------------------------------------------

    @rule(data=st.data(), amount=amounts)
    def post_one(self, data, amount):
        self._post_one(data.draw(st.sampled_from(self.positions)), amount)

    @precondition(lambda self: self.held)
    @rule(data=st.data())
    def take_around_the_free_stock(self, data):
        """A plain take of all the free stock of a reserved place, or of some of the reserved stock too."""
        pos = data.draw(st.sampled_from(sorted({row[2] for row in self.held})))
        free = self.levels[pos] - self.reserved(pos)
        amount = -(free + data.draw(st.integers(0, self.reserved(pos))))
        if amount:
            self._post_one(pos, amount)

    def _post_one(self, pos, amount):
        expected = self._apply([(pos, amount)])
        response = self.api.post("/bin-inventory-record", json=self._body(pos, amount))
        if expected is None:
            assert response.status_code == 409, response.get_json()
            return
        assert response.status_code == 201, response.get_json()
        self._accept([response.get_json()], expected)

    @rule(data=st.data())
    def post_list(self, data):
        moves = data.draw(st.lists(st.tuples(st.sampled_from(self.positions), amounts), min_size=1, max_size=6))
        expected = self._apply(moves)
        response = self.api.post("/bin-inventory-record", json=[self._body(p, a) for p, a in moves])
        if expected is None:
            assert response.status_code == 409, response.get_json()
            return
        assert response.status_code == 201, response.get_json()
        body = response.get_json()
        assert [(r["binId"], r["productId"], r["batchId"], r["amount"]) for r in body] == [(*p, a) for p, a in moves]
        self._accept(body, expected)

    def _accept(self, created, levels):
        for r in created:
            self.records[r["id"]] = {
                "pos": (r["binId"], r["productId"], r["batchId"]),
                "amount": r["amount"],
                "reversed": False,
                "reversal": r.get("reversesId") is not None,
                "owned": r.get("recordType") is not None,
            }
        self.levels = levels

    @precondition(lambda self: self.records)
    @rule(data=st.data())
    def delete(self, data):
        record_id = data.draw(st.sampled_from(sorted(self.records)))
        record = self.records[record_id]
        response = self.api.delete(f"/bin-inventory-record/{record_id}")
        if record["reversed"] or record["reversal"] or record["owned"]:
            assert response.status_code == 409, response.get_json()
            return
        expected = self._apply([(record["pos"], -record["amount"])])
        if expected is None:
            assert response.status_code == 409, response.get_json()
            return
        assert response.status_code == 204, response.get_json()
        record["reversed"] = True
        reversal = self.api.get(f"/bin-inventory-record?id={record_id}&includeDeleted=true").get_json()[0][
            "reversedById"
        ]
        self.records[reversal] = {
            "pos": record["pos"],
            "amount": -record["amount"],
            "reversed": False,
            "reversal": True,
            "owned": False,
        }
        self.levels = expected

    @rule(data=st.data())
    def count_a_bin(self, data):
        bin_id = data.draw(st.sampled_from(sorted(self.bins)))
        lines = data.draw(
            st.lists(
                st.sampled_from([p for p in self.positions if p[0] == bin_id]), min_size=1, max_size=3, unique=True
            )
        )
        self._count(bin_id, {pos: data.draw(st.integers(0, 40)) for pos in lines})

    @precondition(lambda self: self.held)
    @rule(data=st.data())
    def count_less_than_is_reserved(self, data):
        pos = data.draw(st.sampled_from(sorted({row[2] for row in self.held})))
        self._count(pos[0], {pos: data.draw(st.integers(0, self.reserved(pos) - 1))})

    def _count(self, bin_id, counted):
        count = self.api.create("/stocktaking", {"binId": bin_id})
        response = self.api.put(
            f"/stocktaking/{count['id']}/stocktaking-record",
            json=[{"productId": p[1], "batchId": p[2], "countedQuantity": q} for p, q in counted.items()],
        )
        assert response.status_code == 200, response.get_json()
        for line in response.get_json():
            pos = (bin_id, line["productId"], line["batchId"])
            assert (line["expectedQuantity"], line["difference"]) == (self.levels[pos], counted[pos] - self.levels[pos])
        moves = [(pos, q - self.levels[pos]) for pos, q in counted.items() if q != self.levels[pos]]
        expected = self._apply(moves, counting=True)
        response = self.api.put(f"/stocktaking/{count['id']}", json={"finished": True})
        if expected is None:
            assert response.status_code == 409, response.get_json()
            assert self.api.delete(f"/stocktaking/{count['id']}").status_code == 204
            return
        assert response.status_code == 200, response.get_json()
        posted = self.api.get(f"/bin-inventory-record?referenceId={count['id']}&binId={bin_id}&pageSize=100").get_json()
        posted = [r for r in posted if r["recordType"] == "STOCKTAKING"]
        assert sorted((r["productId"], r["batchId"], r["amount"]) for r in posted) == sorted(
            (p[1], p[2], a) for p, a in moves
        )
        self._accept(posted, expected)
        self._refit([pos for pos, _ in moves])

    def _refit(self, counted):
        """A count overtook reservations: the newest give way, moved to free stock unless they named the bin."""
        excess = {pos: self.reserved(pos) - max(self.levels[pos], 0) for pos in counted}
        cuts = []
        for row in reversed(self.held):
            if excess.get(row[2], 0) > 0:
                cut = min(excess[row[2]], row[3])
                excess[row[2]] -= cut
                row[3] -= cut
                cuts.append((row, cut))
        self.held = [row for row in self.held if row[3]]
        for row, cut in cuts:
            if not row[4]:
                self._take(row[0], row[1], row[2][1], cut, None, bin_named=False)

    def _take(self, order, line, product, quantity, bin_id, bin_named):
        """Reserve in allocation order as the model sees it; answers how much was reserved."""
        wanted = quantity
        for pos in sorted(p for p in self.positions if p[1] == product and bin_id in (None, p[0])):
            free = self.levels[pos] - self.reserved(pos)
            if wanted and free > 0:
                amount = min(wanted, free)
                wanted -= amount
                row = next((r for r in self.held if r[:3] == [order, line, pos]), None)
                if row is None:
                    self.held.append([order, line, pos, amount, bin_named])
                else:
                    row[3] += amount
        return quantity - wanted

    @rule(data=st.data(), order=st.integers(1, 3), line=st.integers(1, 2), quantity=st.integers(1, 30))
    def reserve(self, data, order, line, quantity):
        product = data.draw(st.sampled_from(sorted({p[1] for p in self.positions})))
        bin_id = data.draw(st.sampled_from([None, *sorted(self.bins)]))
        got = self._service(
            lambda db, tenant, _user: reservations.reserve(
                db,
                tenant=tenant,
                reference=Reference(DocumentKind.ORDER, order),
                line_id=line,
                warehouse_id=self.warehouse,
                product_id=product,
                quantity=quantity,
                bin_id=bin_id,
            )
        )
        expected = self._take(order, line, product, quantity, bin_id, bin_named=bin_id is not None)
        assert (got.reserved, got.shortfall) == (expected, quantity - expected)

    @precondition(lambda self: self.held)
    @rule(data=st.data())
    def release(self, data):
        order, line = data.draw(st.sampled_from(sorted({(r[0], r[1]) for r in self.held})))
        reference = Reference(DocumentKind.ORDER, order)
        released = self._service(
            lambda db, tenant, _user: reservations.release(db, tenant=tenant, reference=reference, line_id=line)
        )
        assert released == sum(r[3] for r in self.held if r[:2] == [order, line])
        self.held = [r for r in self.held if r[:2] != [order, line]]

    @precondition(lambda self: self.held)
    @rule(data=st.data())
    def consume(self, data):
        order, line = data.draw(st.sampled_from(sorted({(r[0], r[1]) for r in self.held})))
        reference = Reference(DocumentKind.ORDER, order)
        posted = self._service(
            lambda db, tenant, user: [
                {"id": r.id, "binId": r.bin_id, "productId": r.product_id, "batchId": r.batch_id, "amount": r.amount}
                | {"recordType": r.record_type}
                for r in reservations.consume(db, tenant=tenant, user=user, reference=reference, line_id=line)
            ]
        )
        taken = [r for r in self.held if r[:2] == [order, line]]
        assert [(r["binId"], r["productId"], r["batchId"], r["amount"]) for r in posted] == [
            (*r[2], -r[3]) for r in taken
        ]
        self.held = [r for r in self.held if r[:2] != [order, line]]
        levels = dict(self.levels)
        for r in taken:
            levels[r[2]] -= r[3]
        self._accept(posted, levels)

    # --- what must always hold ---------------------------------------------------------------------------------

    @invariant()
    def inventory_equals_the_model(self):
        if not hasattr(self, "api"):
            return
        for bin_id in self.bins:
            rows = self.api.get(f"/bin-inventory?binId={bin_id}&pageSize=100").get_json()
            seen = {}
            for row in rows:
                assert row["amount"] == sum(b["amount"] for b in row["batches"])
                for b in row["batches"]:
                    seen[(bin_id, row["productId"], b["batchId"])] = b["amount"]
            model = {k: v for k, v in self.levels.items() if k[0] == bin_id}
            assert {k: seen.get(k, 0) for k in model} == model
            assert all(v >= 0 for v in seen.values())
            if self.bins[bin_id]:
                assert sum(seen.values()) <= self.bins[bin_id]

    @invariant()
    def reservations_equal_the_model_and_fit(self):
        if not hasattr(self, "api"):
            return
        session = new_session(self.app)
        try:
            b, r = BinInventoryBatch, Reservation
            kept = {
                (bin_id, product_id, batch_id): (reserved, amount)
                for bin_id, product_id, batch_id, reserved, amount in session.execute(
                    select(b.bin_id, b.product_id, b.batch_id, b.reserved, b.amount).where(
                        b.tenant_id == self.tenant_id
                    )
                )
            }
            rows = {
                (bin_id, product_id, batch_id): int(total)
                for bin_id, product_id, batch_id, total in session.execute(
                    select(r.bin_id, r.product_id, r.batch_id, func.sum(r.quantity))
                    .where(r.tenant_id == self.tenant_id)
                    .group_by(r.bin_id, r.product_id, r.batch_id)
                )
            }
        finally:
            session.close()
        for pos in self.positions:
            reserved, on_hand = kept.get(pos, (0, 0))
            assert reserved == rows.get(pos, 0) == self.reserved(pos), pos
            assert 0 <= reserved <= max(on_hand, 0), pos

    @invariant()
    def listing_counts_what_was_not_deleted(self):
        if not hasattr(self, "api"):
            return
        response = self.api.get("/bin-inventory-record?pageSize=1")
        assert int(response.headers["X-Total-Count"]) == sum(not r["reversed"] for r in self.records.values())


_machines = itertools.count()


def test_the_ledger_follows_the_model(app):
    machine = type(f"LedgerModel{next(_machines)}", (LedgerModel,), {"app": app})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=12,
            stateful_step_count=12,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
