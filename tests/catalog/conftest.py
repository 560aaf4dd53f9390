"""The catalog's rules, proved once for both faces: a tenant to drive the service directly, and both clients."""

import pytest

from wms_service.auth import service as auth
from wms_service.auth.models import User
from wms_service.db import now

from ..conftest import unique_code
from ..planograma.conftest import Planograma


@pytest.fixture
def pg(client, api):
    """A Planograma client for ``api``'s tenant, with ``pg.native`` the Erply-style client."""
    return Planograma(client, api.tenant_code, native=api)


class Owner:
    """A tenant and a user, enough for the catalog service (no password: the service never checks one)."""

    def __init__(self, db):
        self.tenant = auth.create_tenant(db, code=unique_code())
        self.user = User(tenant_id=self.tenant.id, username="clerk", password_hash="-", created=now())
        db.add(self.user)
        db.flush()


@pytest.fixture
def owner(db):
    return Owner(db)
