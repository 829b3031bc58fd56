"""Users (company members and marketplace operators), API tokens, invitations and spending limits."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.companies.models import Company
from marketplace.core import clock, security
from marketplace.core.access import Permission, Role, role_allows
from marketplace.core.extensions import db
from marketplace.core.money import Money

ROLE_VALUES = ",".join(f"'{role.value}'" for role in Role)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    full_name: Mapped[str] = mapped_column(sa.String(200))
    job_title: Mapped[str | None] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    company_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str | None] = mapped_column(sa.String(20))
    is_operator: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(sa.String(5), default="en")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Warsaw")
    email_confirmed_at: Mapped[dt.datetime | None]
    disabled_at: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    company: Mapped[Company | None] = relationship(lazy="joined")

    __table_args__ = (
        sa.CheckConstraint(f"role is null or role in ({ROLE_VALUES})", name="role"),
        sa.CheckConstraint("company_id is not null or is_operator", name="member_or_operator"),
    )

    @property
    def is_active(self) -> bool:
        """flask-login: disabled people and members of a suspended company cannot sign in, and
        their sessions and tokens stop working; operators keep access to act on suspensions."""
        return self.disabled_at is None and not self.company_suspended

    @property
    def company_suspended(self) -> bool:
        return not self.is_operator and self.company is not None and not self.company.is_active

    @property
    def session_fingerprint(self) -> str:
        return security.fingerprint("session", self.password_hash)

    def get_id(self) -> str:
        """What flask-login keeps in the session and remember cookie: with a digest of the
        password hash, a changed or reset password ends every session opened before."""
        return f"{self.id}:{self.session_fingerprint}"

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def can(self, permission: Permission | str) -> bool:
        return role_allows(self.role, Permission(permission))

    @property
    def role_label(self) -> str:
        return Role(self.role).value if self.role else ""

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class ApiToken(db.Model):
    """A bearer token for the API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Invitation(db.Model):
    """A colleague invited by e-mail to join a company with a role."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[str] = mapped_column(sa.String(20))
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    accepted_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    company: Mapped[Company] = relationship()

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


class SpendingLimit(db.Model):
    """How much one buyer may commit per purchase without an approver (a per-person setting
    inside the company, read by orders and procurement alike)."""

    __tablename__ = "spending_limits"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("company_id", "user_id"),
        sa.CheckConstraint("amount >= 0", name="amount"),
    )

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    def covers(self, total: Money) -> bool:
        """Within the limit; a total in another currency cannot be compared, so it is not."""
        return total.currency == self.currency and total.amount <= self.amount
