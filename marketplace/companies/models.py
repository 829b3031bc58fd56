"""Companies, their industries, certificates and the history of verification decisions."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core import clock
from marketplace.core.db import TimestampMixin
from marketplace.core.extensions import db


class VerificationStatus(enum.StrEnum):
    UNVERIFIED = "unverified"
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class VerificationDecision(enum.StrEnum):
    """How one verification request ended: by the operator, or undone by a change of identity."""

    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # the identity changed while the request waited
    REVOKED = "revoked"  # the identity changed after approval; the badge is gone


class CompanyStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Company(TimestampMixin, db.Model):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(220), unique=True)
    legal_name: Mapped[str | None] = mapped_column(sa.String(300))
    vat_id: Mapped[str | None] = mapped_column(sa.String(20))
    nip: Mapped[str | None] = mapped_column(sa.String(10))
    krs: Mapped[str | None] = mapped_column(sa.String(10))
    regon: Mapped[str | None] = mapped_column(sa.String(14))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    capabilities: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    size: Mapped[str | None] = mapped_column(sa.String(10))
    year_founded: Mapped[int | None]
    website: Mapped[str | None] = mapped_column(sa.String(300))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    country: Mapped[str] = mapped_column(sa.String(2), index=True)
    city: Mapped[str | None] = mapped_column(sa.String(120))
    postal_code: Mapped[str | None] = mapped_column(sa.String(20))
    street: Mapped[str | None] = mapped_column(sa.String(200))
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    logo_key: Mapped[str | None] = mapped_column(sa.String(80))
    logo_content_type: Mapped[str | None] = mapped_column(sa.String(80))
    status: Mapped[str] = mapped_column(sa.String(20), default=CompanyStatus.ACTIVE)
    verification_status: Mapped[str] = mapped_column(
        sa.String(20), default=VerificationStatus.UNVERIFIED, index=True
    )
    verified_at: Mapped[dt.datetime | None]
    # Supplier scorecard figures written by orders (ratings, delivery, disputes); read by search.
    scorecard: Mapped[dict | None] = mapped_column(sa.JSON, default=dict)

    industry_links: Mapped[list[CompanyIndustry]] = relationship(
        back_populates="company", cascade="all, delete-orphan", lazy="selectin"
    )
    certificates: Mapped[list[Certificate]] = relationship(
        back_populates="company",
        cascade="all, delete-orphan",
        order_by="Certificate.id",
        lazy="selectin",
    )
    verifications: Mapped[list[VerificationRequest]] = relationship(
        back_populates="company",
        cascade="all, delete-orphan",
        order_by="VerificationRequest.id.desc()",
    )

    __table_args__ = (
        sa.CheckConstraint(
            "verification_status in ('unverified','pending','verified','rejected')",
            name="verification_status",
        ),
        sa.CheckConstraint("status in ('active','suspended')", name="status"),
    )

    @property
    def industries(self) -> list[str]:
        return [link.industry for link in self.industry_links]

    @property
    def is_verified(self) -> bool:
        return self.verification_status == VerificationStatus.VERIFIED

    @property
    def is_active(self) -> bool:
        return self.status == CompanyStatus.ACTIVE

    @property
    def latest_verification(self) -> VerificationRequest | None:
        return self.verifications[0] if self.verifications else None

    def __repr__(self) -> str:
        return f"<Company {self.id} {self.name!r}>"


class CompanyIndustry(db.Model):
    __tablename__ = "company_industries"

    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    industry: Mapped[str] = mapped_column(sa.String(40), primary_key=True, index=True)
    company: Mapped[Company] = relationship(back_populates="industry_links")


class Certificate(db.Model):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(200))
    issuer: Mapped[str] = mapped_column(sa.String(200))
    number: Mapped[str] = mapped_column(sa.String(100))
    valid_until: Mapped[dt.date | None] = mapped_column(sa.Date)
    document_key: Mapped[str | None] = mapped_column(sa.String(80))
    document_content_type: Mapped[str | None] = mapped_column(sa.String(80))
    document_name: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    company: Mapped[Company] = relationship(back_populates="certificates")

    @property
    def is_valid(self) -> bool:
        return self.valid_until is None or self.valid_until >= clock.today()


class VerificationRequest(db.Model):
    """One request for verification and how it ended (see VerificationDecision)."""

    __tablename__ = "verification_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    requested_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    decision: Mapped[str | None] = mapped_column(sa.String(20))  # a VerificationDecision
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[dt.datetime | None]

    company: Mapped[Company] = relationship(back_populates="verifications")

    @property
    def is_open(self) -> bool:
        return self.decision is None
