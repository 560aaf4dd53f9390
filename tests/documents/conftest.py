"""The documents' tests use the stock tests' small world (a tenant, a user, a warehouse and factories)."""

from tests.stock.conftest import make_world, world  # noqa: F401
