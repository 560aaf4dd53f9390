from ..planograma.conftest import pg, shelf  # noqa: F401  (the Planograma client and a stocked bin)
