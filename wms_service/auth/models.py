from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, IdMixin, IdType

ADMIN = "ADMIN"
# CONTRACT section 9; ADMIN holds them all.
PERMISSIONS = ("ADMIN", "CATALOG", "ORDERS", "PURCHASE_ORDER", "RECEIVING", "STOCK")


class Tenant(IdMixin, Base):
    __tablename__ = "tenant"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    allow_negative_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[int] = mapped_column(IdType)


class TenantHost(IdMixin, Base):
    """A hostname registered on a tenant, for the Planograma API's host-based tenant lookup."""

    __tablename__ = "tenant_host"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    hostname: Mapped[str] = mapped_column(String(253), unique=True)


class User(IdMixin, Base):
    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("tenant_id", "username"),)

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Space-separated permission names; ADMIN holds every permission.
    permissions: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created: Mapped[int] = mapped_column(IdType)

    tenant: Mapped[Tenant] = relationship(lazy="joined")

    @property
    def permission_set(self) -> set[str]:
        return set(self.permissions.split())

    def has_permission(self, name: str) -> bool:
        held = self.permission_set
        return ADMIN in held or name in held


class ApiSession(IdMixin, Base):
    """An Erply-style session. Only a hash of the key is stored, so a leaked table opens no sessions."""

    __tablename__ = "api_session"
    __table_args__ = (Index("ix_api_session_expires", "expires"),)

    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created: Mapped[int] = mapped_column(IdType)
    expires: Mapped[int] = mapped_column(IdType)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)


class LoginFailure(IdMixin, Base):
    """Failed logins of one tenant and username in the current window (auth/throttle.py).

    Keyed by a hash of the pair, so a username of any length or content fits, and unknown tenants and users are
    counted like known ones (their rows are told apart by nothing).
    """

    __tablename__ = "login_failure"

    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[int] = mapped_column(IdType, index=True)
