"""The documents' tests use the stock tests' small world (a tenant, a user, a warehouse and factories)."""

from tests.planograma.conftest import pg, shelf  # noqa: F401,E402  (the Planograma client and a stocked bin)
from tests.stock.conftest import make_world, world  # noqa: F401
