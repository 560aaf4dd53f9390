"""A key taken in the tenant: both faces answer the same 409 message, naming the row that holds it."""


def test_a_taken_product_code_is_the_same_conflict_on_both_faces(pg):
    holder = pg.native.product()
    native = pg.native.post("/product", json={"code": holder["code"], "name": "again"})
    assert native.status_code == 409
    assert native.get_json()["errors"] == {"code": [f"Already used by product {holder['id']}."]}
    planograma = pg.fail("put", "/api/product/add", {"name": "again", "code": holder["code"]}, status=409)
    message = f"Product {holder['id']} already has code {holder['code']!r}."
    assert native.get_json()["message"] == message
    # The Planograma envelope appends the field errors to the message.
    assert planograma == f"{message[:-1]}: code: Already used by product {holder['id']}."
    assert [p["productId"] for p in pg.products(models=[holder["code"]])] == [holder["id"]]
