"""Tenants, users and sessions as plain functions over a database session."""

import functools
import hashlib
import os
import re
import secrets

from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import now
from ..errors import Conflict, NotFound, Unauthorized, ValidationFailed
from .models import ApiSession, Tenant, TenantHost, User

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# scrypt with werkzeug's defaults (n=2**15, r=8, p=1): tens of milliseconds per check, a random salt each.
PASSWORD_METHOD = "scrypt"
PASSWORD_METHOD_ENV = "WMS_PASSWORD_METHOD"


def password_method() -> str:
    """The method new hashes use: werkzeug's method string from WMS_PASSWORD_METHOD, else ``PASSWORD_METHOD``.

    Only the test suite sets it (to a cheap method), so that each HTTP test does not pay for two scrypt checks.
    """
    return os.environ.get(PASSWORD_METHOD_ENV) or PASSWORD_METHOD


@functools.cache
def _dummy_hash(method: str) -> str:
    """Compared against when the user does not exist, so that a missing user costs as much as a wrong password."""
    return generate_password_hash("not a password", method=method)


def create_tenant(db, *, code: str, name: str = "", hosts=(), allow_negative_stock=False) -> Tenant:
    if not CODE_RE.match(code or ""):
        raise ValidationFailed("Invalid tenant code.", {"code": ["Letters, digits, '-' and '_', at most 64."]})
    if db.scalar(select(Tenant).where(Tenant.code == code)):
        raise Conflict(f"Tenant {code!r} already exists.")
    tenant = Tenant(code=code, name=name or code, allow_negative_stock=allow_negative_stock, created=now())
    db.add(tenant)
    db.flush()
    for host in hosts:
        add_host(db, tenant=tenant, hostname=host)
    return tenant


def add_host(db, *, tenant: Tenant, hostname: str) -> TenantHost:
    hostname = hostname.strip().lower()
    if db.scalar(select(TenantHost).where(TenantHost.hostname == hostname)):
        raise Conflict(f"Host {hostname!r} is already registered.")
    host = TenantHost(tenant_id=tenant.id, hostname=hostname)
    db.add(host)
    db.flush()
    return host


def tenant_by_code(db, code: str) -> Tenant | None:
    return db.scalar(select(Tenant).where(Tenant.code == code))


def create_user(db, *, tenant: Tenant, username: str, password: str, permissions=()) -> User:
    if not username or len(username) > 100:
        raise ValidationFailed("Invalid username.", {"username": ["1 to 100 characters."]})
    if len(password or "") < 8:
        raise ValidationFailed("Password too short.", {"password": ["At least 8 characters."]})
    exists = db.scalar(select(User).where(User.tenant_id == tenant.id, User.username == username))
    if exists:
        raise Conflict(f"User {username!r} already exists in tenant {tenant.code!r}.")
    user = User(
        tenant_id=tenant.id,
        username=username,
        password_hash=generate_password_hash(password, method=password_method()),
        permissions=" ".join(sorted({p.strip().upper() for p in permissions if p.strip()})),
        created=now(),
    )
    db.add(user)
    db.flush()
    return user


def authenticate(db, *, tenant: Tenant, username: str, password: str) -> User:
    """The tenant's active user with these credentials, or ``Unauthorized``."""
    user = db.scalar(select(User).where(User.tenant_id == tenant.id, User.username == username))
    stored = user.password_hash if user is not None else _dummy_hash(password_method())
    valid = check_password_hash(stored, password)
    if user is None or not valid or not user.active:
        raise Unauthorized("Invalid username or password.")
    return user


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def open_session(db, *, user: User, seconds: int) -> tuple[str, ApiSession]:
    key = secrets.token_urlsafe(32)
    moment = now()
    session = ApiSession(
        key_hash=_key_hash(key), tenant_id=user.tenant_id, user_id=user.id, created=moment, expires=moment + seconds
    )
    db.add(session)
    # Expired sessions are useless; dropping them here keeps the table small without a cron job.
    db.execute(delete(ApiSession).where(ApiSession.expires < moment - 86400))
    db.flush()
    return key, session


def resolve_session(db, *, client_code: str | None, key: str | None) -> User:
    """The user behind a live session key whose tenant is ``client_code``, or ``Unauthorized``."""
    if not client_code or not key:
        raise Unauthorized("Headers clientCode and sessionKey are required.")
    row = db.execute(
        select(ApiSession, User).join(User, User.id == ApiSession.user_id).where(ApiSession.key_hash == _key_hash(key))
    ).first()
    if row is None:
        raise Unauthorized("Unknown session.")
    session, user = row
    if session.closed or session.expires <= now():
        raise Unauthorized("The session has expired or was closed.")
    if user.tenant.code != client_code or not user.active:
        raise Unauthorized("The session does not belong to this clientCode.")
    return user


def close_session(db, *, key: str) -> None:
    session = db.scalar(select(ApiSession).where(ApiSession.key_hash == _key_hash(key)))
    if session is None:
        raise NotFound("Unknown session.")
    session.closed = True
