"""Tenants, users and sessions as plain functions over a database session."""

import functools
import hashlib
import ipaddress
import os
import re
import secrets
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import now
from ..errors import Conflict, NotFound, Unauthorized, ValidationFailed
from .models import PERMISSIONS, ApiSession, LoginFailure, Tenant, TenantHost, User
from .throttle import Throttle
from .throttle import key as throttle_key

if TYPE_CHECKING:
    from .bearer import CredentialCache

# The rules, as enforced below and as the messages state them.
CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
CODE_RULE = "A tenant code is 1 to 64 letters, digits, '-' or '_', and starts with a letter or a digit."
HOST_LABEL_RE = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
HOST_RULE = "A host is an IP address or a DNS name: dot-separated labels of letters, digits and '-' (1 to 63 each)."
# Bearer puts the username before a ':', and HTTP drops a header's surrounding spaces and has no line breaks.
USERNAME_RE = re.compile(r"[^\s:\x00-\x1f\x7f](?:[^:\x00-\x1f\x7f]{0,98}[^\s:\x00-\x1f\x7f])?")
USERNAME_RULE = "A username is 1 to 100 characters, without ':' or control characters, and no space at either end."
MIN_PASSWORD, MAX_PASSWORD = 8, 1024  # /v1/session takes at most 1024
PASSWORD_RE = re.compile(r"[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f]")
PASSWORD_RULE = (
    f"A password is {MIN_PASSWORD} to {MAX_PASSWORD} characters, without control characters (line breaks, tabs), "
    "and does not end with a space."
)
# OWASP's minimum for scrypt (N=2**17, r=8, p=1; CONTRACT section 9): 128 MiB and a few hundred milliseconds per
# check, a random salt each. Hashes of another method (werkzeug's default N=2**15 before) are upgraded at the next
# successful login.
PASSWORD_METHOD = "scrypt:131072:8:1"
PASSWORD_METHOD_ENV = "WMS_PASSWORD_METHOD"
INVALID = "Invalid username or password."


def password_method() -> str:
    """The method new hashes use: werkzeug's method string from WMS_PASSWORD_METHOD, else ``PASSWORD_METHOD``.

    Only the test suite sets it (to a cheap method), so that each HTTP test does not pay for two scrypt checks.
    """
    return os.environ.get(PASSWORD_METHOD_ENV) or PASSWORD_METHOD


@functools.cache
def _dummy_hash(method: str) -> str:
    """Compared against when the user does not exist, so that a missing user costs as much as a wrong password."""
    return generate_password_hash("not a password", method=method)


def create_tenant(
    db: Session, *, code: str, name: str = "", hosts: Iterable[str] = (), allow_negative_stock: bool = False
) -> Tenant:
    if not CODE_RE.fullmatch(code or ""):
        raise ValidationFailed(f"Invalid tenant code. {CODE_RULE}", {"code": [CODE_RULE]})
    if db.scalar(select(Tenant).where(Tenant.code == code)):
        raise Conflict(f"Tenant {code!r} already exists.")
    tenant = Tenant(code=code, name=name or code, allow_negative_stock=allow_negative_stock, created=now())
    db.add(tenant)
    db.flush()
    for host in hosts:
        add_host(db, tenant=tenant, hostname=host)
    return tenant


def add_host(db: Session, *, tenant: Tenant, hostname: str) -> TenantHost:
    hostname = hostname.strip().lower().rstrip(".")
    if not _is_host(hostname):
        raise ValidationFailed(f"Invalid host {hostname!r}. {HOST_RULE}", {"host": [HOST_RULE]})
    if db.scalar(select(TenantHost).where(TenantHost.hostname == hostname)):
        raise Conflict(f"Host {hostname!r} is already registered.")
    host = TenantHost(tenant_id=tenant.id, hostname=hostname)
    db.add(host)
    db.flush()
    return host


def _is_host(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return len(name) <= 253 and all(HOST_LABEL_RE.fullmatch(label) for label in name.split("."))


def tenant_by_code(db: Session, code: str) -> Tenant | None:
    return db.scalar(select(Tenant).where(Tenant.code == code))


def tenants(db: Session) -> list[tuple[Tenant, list[str], int]]:
    """Every tenant with its hostnames and how many users it has, by code."""
    hosts: dict[int, list[str]] = {}
    for tenant_id, hostname in db.execute(
        select(TenantHost.tenant_id, TenantHost.hostname).order_by(TenantHost.hostname)
    ):
        hosts.setdefault(tenant_id, []).append(hostname)
    counts = dict(db.execute(select(User.tenant_id, func.count()).group_by(User.tenant_id)).all())
    return [(t, hosts.get(t.id, []), counts.get(t.id, 0)) for t in db.scalars(select(Tenant).order_by(Tenant.code))]


def users(db: Session, *, tenant: Tenant) -> list[User]:
    return list(db.scalars(select(User).where(User.tenant_id == tenant.id).order_by(User.username)))


def user_by_name(db: Session, *, tenant: Tenant, username: str) -> User:
    user = db.scalar(select(User).where(User.tenant_id == tenant.id, User.username == username))
    if user is None:
        raise NotFound(f"No user {username!r} in tenant {tenant.code!r}.")
    return user


def create_user(db: Session, *, tenant: Tenant, username: str, password: str, permissions: Iterable[str] = ()) -> User:
    if not USERNAME_RE.fullmatch(username or ""):
        raise ValidationFailed(f"Invalid username. {USERNAME_RULE}", {"username": [USERNAME_RULE]})
    _check_password(password)
    held = permission_names(permissions)
    exists = db.scalar(select(User).where(User.tenant_id == tenant.id, User.username == username))
    if exists:
        raise Conflict(f"User {username!r} already exists in tenant {tenant.code!r}.")
    user = User(
        tenant_id=tenant.id,
        username=username,
        password_hash=generate_password_hash(password, method=password_method()),
        permissions=" ".join(held),
        created=now(),
    )
    db.add(user)
    db.flush()
    return user


def permission_names(names: Iterable[str]) -> list[str]:
    """The names upper-cased, each once, sorted; an unknown one is refused with the list of known ones."""
    held = sorted({name.strip().upper() for name in names if name.strip()})
    unknown = [name for name in held if name not in PERMISSIONS]
    if unknown:
        rule = f"The permissions are {', '.join(PERMISSIONS)}."
        raise ValidationFailed(f"Unknown permission {', '.join(map(repr, unknown))}. {rule}", {"permission": [rule]})
    return held


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationFailed(f"Password too short. {PASSWORD_RULE}", {"password": [PASSWORD_RULE]})
    if len(password) > MAX_PASSWORD or not PASSWORD_RE.fullmatch(password):
        raise ValidationFailed(f"Invalid password. {PASSWORD_RULE}", {"password": [PASSWORD_RULE]})


def set_password(db: Session, *, user: User, password: str) -> int:
    """Give ``user`` a new password: their sessions end and their failed logins are forgotten. Returns how many
    sessions ended. (Bearer's cached checks end by themselves: they hold for the old hash only.)"""
    _check_password(password)
    user.password_hash = generate_password_hash(password, method=password_method())
    forget_failures(db, tenant_code=user.tenant.code, username=user.username)
    return revoke_sessions(db, user=user)


def set_active(db: Session, *, user: User, active: bool) -> int:
    """Enable or disable ``user``; disabling ends their sessions (returns how many)."""
    user.active = active
    return 0 if active else revoke_sessions(db, user=user)


def revoke_sessions(db: Session, *, user: User) -> int:
    """Close every live session of ``user``; returns how many."""
    return db.execute(
        update(ApiSession)
        .where(ApiSession.user_id == user.id, ApiSession.closed.is_(False), ApiSession.expires > now())
        .values(closed=True)
    ).rowcount


def forget_failures(db: Session, *, tenant_code: str, username: str) -> None:
    db.execute(delete(LoginFailure).where(LoginFailure.key_hash == throttle_key(tenant_code, username)))


def log_in(
    db: Session,
    *,
    writer: Callable[[], Session],
    throttle: Throttle,
    tenant: Tenant | None,
    tenant_code: str,
    username: str,
    password: str,
    cache: "CredentialCache | None" = None,
) -> User:
    """The tenant's active user with these credentials, or ``Unauthorized``; throttled (auth/throttle.py).

    ``tenant`` is None when ``tenant_code`` names none: that costs a hash like a wrong password. ``cache`` (Bearer's)
    may confirm a password without hashing, but only after the throttle let the attempt through.

    The throttle's writes, and a hash upgrade, run in short transactions of their own from ``writer``: a failure
    must be counted although the request answers 401 and rolls its own back, and on SQLite the write lock is
    taken after the hashing, for one statement.
    """
    pair = throttle_key(tenant.code if tenant is not None else tenant_code, username)
    failures = throttle.check(db, pair)
    user = None
    if tenant is not None and "\x00" not in username:  # no stored name holds a NUL, nor could PostgreSQL be asked
        user = db.scalar(select(User).where(User.tenant_id == tenant.id, User.username == username))
    if user is not None and user.active and cache is not None and cache.confirms(user, password):
        if failures:
            _in_own_transaction(writer, lambda w: throttle.reset(w, pair))
        return user
    stored = user.password_hash if user is not None else _dummy_hash(password_method())
    valid = check_password_hash(stored, password)
    if user is None or not valid or not user.active:
        _in_own_transaction(writer, lambda w: throttle.record_failure(w, pair))
        raise Unauthorized(INVALID)
    upgraded = (
        None if _method(stored) == password_method() else generate_password_hash(password, method=password_method())
    )
    if failures or upgraded:

        def work(w):
            if failures:
                throttle.reset(w, pair)
            if upgraded:
                # Only if unchanged meanwhile: a password set by an operator is never overwritten by an old one.
                w.execute(
                    update(User).where(User.id == user.id, User.password_hash == stored).values(password_hash=upgraded)
                )

        _in_own_transaction(writer, work)
    if cache is not None and not upgraded:
        cache.remember(user, password)
    return user


def _method(stored: str) -> str:
    return stored.partition("$")[0]


def _in_own_transaction(writer: Callable[[], Session], work: Callable[[Session], None]) -> None:
    session = writer()
    try:
        work(session)
        session.commit()
    finally:
        session.close()


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def open_session(db: Session, *, user: User, seconds: int) -> tuple[str, ApiSession]:
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


def resolve_session(db: Session, *, client_code: str | None, key: str | None) -> User:
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


def close_session(db: Session, *, key: str) -> None:
    session = db.scalar(select(ApiSession).where(ApiSession.key_hash == _key_hash(key)))
    if session is None:
        raise NotFound("Unknown session.")
    session.closed = True
