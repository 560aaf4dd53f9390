"""The Planograma scheme: ``Authorization: Bearer <user>:<password>``, the tenant found from the request host.

Checking a scrypt hash takes a few hundred milliseconds on purpose, and this scheme sends the password with every
request. ``CredentialCache`` remembers, for a few minutes, that a password was right for a user's current hash,
so repeated requests skip scrypt while the stored hash stays as slow as ever. It holds no password: its key is
an HMAC of the password under a random secret that lives only in this process's memory. A cached answer counts
only while the user's stored hash is the one it was checked against, so a changed password ends it at once;
the user row (and its ``active`` flag) is read on every request, and so is the login throttle's count
(auth/throttle.py): past its limit even a cached password is refused.
"""

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy import case, false, or_, select
from sqlalchemy.orm import Session

from ..errors import Unauthorized
from . import service
from .models import Tenant, TenantHost, User
from .throttle import Throttle

MISSING_MESSAGE = "Invalid API KEY"
HTTP_SPACE = " \t"


def parse_header(value: str | None) -> tuple[str, str]:
    """(username, password) from ``Bearer <user>:<password>``; the password may itself contain ':'."""
    # Decoded before anything is stripped, and only HTTP's spaces and tabs are: a password ending in "à" (UTF-8
    # C3 A0) arrives ending in "\xa0", which str.strip() would take for a space.
    value = _utf8(value or "").strip(HTTP_SPACE)
    if not value:
        raise Unauthorized(MISSING_MESSAGE)
    scheme, _, credentials = value.partition(" ")
    username, colon, password = credentials.strip(HTTP_SPACE).partition(":")
    if scheme.lower() != "bearer" or not colon or not username or not password or not _is_unicode(credentials):
        raise Unauthorized("Invalid Authorization header: expected 'Bearer <user>:<password>'.")
    return username, password


def _is_unicode(text: str) -> bool:
    """No lone surrogates (a server hands headers over as latin-1, which has none; a test client may not)."""
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _utf8(header_text: str) -> str:
    """The header's bytes read as UTF-8, as clients send them (RFC 7617's charset; JSON's, so the same password works
    on /v1/session). WSGI hands headers over decoded as latin-1; bytes that are not UTF-8 stay as they came."""
    try:
        return header_text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return header_text


def hostname(host: str) -> str:
    """The request's Host without port or trailing dot, lower-cased (``[::1]:8000`` -> ``::1``)."""
    host = (host or "").strip().lower()
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.rpartition(":")[0]
    return host.rstrip(".")


def tenant_for_host(db: Session, host: str) -> tuple[Tenant | None, str]:
    """(tenant, its code): a hostname registered on a tenant, else the host's first label taken as the tenant code.

    An unknown tenant is (None, the code the host names): the login goes on as for an unknown user, so that it
    costs the same and answers the same as a wrong password.
    """
    name = hostname(host)
    if "\x00" in name or not _is_unicode(name):
        return None, name  # no tenant has it, and PostgreSQL could not even be asked
    code = name.split(".", 1)[0]
    # One query for both (every Bearer request asks): the registered hostname's tenant first, else the code's.
    hosted = select(TenantHost.tenant_id).where(TenantHost.hostname == name).scalar_subquery()
    named = Tenant.code == code if name else false()
    tenant = db.scalar(
        select(Tenant).where(or_(Tenant.id == hosted, named)).order_by(case((Tenant.id == hosted, 0), else_=1)).limit(1)
    )
    return tenant, tenant.code if tenant is not None else code


class CredentialCache:
    """(tenant, user, HMAC(password)) -> the user id and password hash a successful check was made against."""

    def __init__(self, ttl_seconds: float, max_entries: int = 10_000):
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._secret = secrets.token_bytes(32)
        self._entries: OrderedDict[tuple, tuple[int, str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def _key(self, tenant_id: int, username: str, password: str) -> tuple:
        digest = hmac.new(self._secret, password.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()
        return tenant_id, username, digest

    def confirms(self, user: User, password: str) -> bool:
        """True if this password was checked against the user's current hash less than ``ttl`` seconds ago."""
        if self.ttl <= 0:
            return False
        key = self._key(user.tenant_id, user.username, password)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return False
            user_id, password_hash, expires = entry
            if (
                expires <= time.monotonic()
                or user_id != user.id
                or not hmac.compare_digest(password_hash, user.password_hash)
            ):
                del self._entries[key]
                return False
            return True

    def remember(self, user: User, password: str) -> None:
        if self.ttl <= 0:
            return
        key = self._key(user.tenant_id, user.username, password)
        with self._lock:
            self._entries[key] = (user.id, user.password_hash, time.monotonic() + self.ttl)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def authenticate(
    db: Session,
    *,
    cache: CredentialCache,
    throttle: Throttle,
    writer: Callable[[], Session],
    host: str,
    authorization: str | None,
) -> User:
    """The active user the header names in the host's tenant, or ``Unauthorized`` (or a 429 past the throttle)."""
    username, password = parse_header(authorization)
    tenant, code = tenant_for_host(db, host)
    return service.log_in(
        db,
        writer=writer,
        throttle=throttle,
        tenant=tenant,
        tenant_code=code,
        username=username,
        password=password,
        cache=cache,
    )
