"""A model of the ledger: random posts, deletes and counts against the API, checked against a dict after every step.

The model is the stock rules written as plainly as possible: a batch level in a bin never below zero, a bin with
``maximumAmount`` never filled past it, a list all or nothing, a delete appends the opposite amount, a finished
count posts its differences, which belong to it (a delete of one is a 409). After every step ``/bin-inventory`` must equal the model exactly.
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

from ..conftest import Api, login, make_tenant

CAPACITY = 60  # the second bin's maximumAmount; the first has none
amounts = st.integers(-25, 25).filter(bool)


class LedgerModel(RuleBasedStateMachine):
    app = None  # set by the test: one machine class per backend

    @initialize()
    def world(self):
        client = self.app.test_client()
        _tid, code, user_id = make_tenant(self.app)
        self.api = Api(client, code, "clerk", login(client, code).get_json()["sessionKey"], user_id)
        warehouse = self.api.warehouse()["id"]
        self.bins = {self.api.bin(warehouse)["id"]: 0, self.api.bin(warehouse, maximumAmount=CAPACITY)["id"]: CAPACITY}
        a, b = self.api.product()["id"], self.api.product()["id"]
        batches = [(a, self.api.batch(a)["id"]), (a, self.api.batch(a)["id"]), (b, self.api.batch(b)["id"])]
        self.positions = [(bin_id, p, bt) for bin_id in self.bins for p, bt in batches]
        self.levels = dict.fromkeys(self.positions, 0)
        self.records = {}  # id -> {"pos", "amount", "reversed", "reversal"}

    # --- the rules, as the model applies them ------------------------------------------------------------------

    def _apply(self, moves):
        """The levels after ``moves`` [(pos, amount)], or None if a stock rule refuses one of them."""
        levels = dict(self.levels)
        for pos, amount in moves:
            bin_total = sum(v for k, v in levels.items() if k[0] == pos[0])
            if levels[pos] + amount < 0:
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
        pos = data.draw(st.sampled_from(self.positions))
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
                "owned": r.get("recordType") == "STOCKTAKING",
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
        counted = {pos: data.draw(st.integers(0, 40)) for pos in lines}
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
        expected = self._apply(moves)
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
