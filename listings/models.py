"""Sell offers with price tiers and images, buy requests, the category tree and CSV import jobs."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from marketplace.companies.models import Company
from marketplace.core import clock
from marketplace.core.db import TimestampMixin
from marketplace.core.extensions import db
from marketplace.core.money import Money


class OfferStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    PAUSED = "paused"
    ARCHIVED = "archived"


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    INVITED = "invited"


class Category(db.Model):
    """One node of the shipped category tree; top-level slugs are the company industries."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("categories.id", ondelete="CASCADE"), index=True
    )
    name_en: Mapped[str] = mapped_column(sa.String(120))
    name_pl: Mapped[str] = mapped_column(sa.String(120))
    # [{"key", "type": text|number|choice|bool, "unit", "choices", "label_en", "label_pl"}]
    attributes: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Category | None] = relationship(remote_side=[id])

    def name(self, locale: str = "en") -> str:
        return self.name_pl if locale == "pl" else self.name_en

    @property
    def is_top_level(self) -> bool:
        return self.parent_id is None

    @property
    def industry(self) -> str:
        return self.parent.slug if self.parent is not None else self.slug

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class Offer(TimestampMixin, db.Model):
    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    sku: Mapped[str | None] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(5), default="en")
    attributes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    unit: Mapped[str] = mapped_column(sa.String(20))
    moq: Mapped[int] = mapped_column(default=1)
    currency: Mapped[str] = mapped_column(sa.String(3))
    price_on_request: Mapped[bool] = mapped_column(default=False)
    available_quantity: Mapped[int | None]
    lead_time_days: Mapped[int | None]
    incoterm: Mapped[str | None] = mapped_column(sa.String(3))
    incoterm_place: Mapped[str | None] = mapped_column(sa.String(120))
    origin_country: Mapped[str | None] = mapped_column(sa.String(2))
    valid_until: Mapped[dt.date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(20), default=OfferStatus.DRAFT, index=True)
    published_at: Mapped[dt.datetime | None]

    company: Mapped[Company] = relationship(lazy="joined", innerjoin=True)
    category: Mapped[Category] = relationship(lazy="joined", innerjoin=True)
    price_tiers: Mapped[list[PriceTier]] = relationship(
        back_populates="offer",
        cascade="all, delete-orphan",
        order_by="PriceTier.min_quantity",
        lazy="selectin",
    )
    images: Mapped[list[OfferImage]] = relationship(
        back_populates="offer",
        cascade="all, delete-orphan",
        order_by="OfferImage.position",
        lazy="selectin",
    )

    __table_args__ = (
        sa.UniqueConstraint("company_id", "sku"),
        sa.CheckConstraint("status in ('draft','published','paused','archived')", name="status"),
        sa.CheckConstraint("moq > 0", name="moq_positive"),
        sa.Index("ix_offers_public", "status", "category_id", "published_at"),
    )

    @property
    def is_public(self) -> bool:
        return (
            self.status == OfferStatus.PUBLISHED
            and (self.valid_until is None or self.valid_until >= clock.today())
            and self.company.is_active
        )

    @property
    def lowest_price(self) -> Money | None:
        if self.price_on_request or not self.price_tiers:
            return None
        return Money(min(t.unit_price for t in self.price_tiers), self.currency)

    def __repr__(self) -> str:
        return f"<Offer {self.id} {self.title!r}>"


class PriceTier(db.Model):
    """From min_quantity units up, each unit costs unit_price (minor units of the offer's currency)."""

    __tablename__ = "offer_price_tiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("offers.id", ondelete="CASCADE"), index=True
    )
    min_quantity: Mapped[int]
    unit_price: Mapped[int]

    offer: Mapped[Offer] = relationship(back_populates="price_tiers")

    __table_args__ = (
        sa.UniqueConstraint("offer_id", "min_quantity"),
        sa.CheckConstraint("min_quantity > 0", name="min_quantity_positive"),
        sa.CheckConstraint("unit_price > 0", name="unit_price_positive"),
    )


class OfferImage(db.Model):
    __tablename__ = "offer_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("offers.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(80))
    content_type: Mapped[str] = mapped_column(sa.String(80))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    offer: Mapped[Offer] = relationship(back_populates="images")


class BuyRequest(TimestampMixin, db.Model):
    """A buyer's public or invited-only call for supply: what, how much, by when, delivered where."""

    __tablename__ = "buy_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(5), default="en")
    quantity: Mapped[int]
    unit: Mapped[str] = mapped_column(sa.String(20))
    target_unit_price: Mapped[int | None]
    currency: Mapped[str] = mapped_column(sa.String(3))
    needed_by: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    delivery_country: Mapped[str] = mapped_column(sa.String(2))
    delivery_city: Mapped[str | None] = mapped_column(sa.String(120))
    delivery_latitude: Mapped[float | None] = mapped_column(sa.Float)
    delivery_longitude: Mapped[float | None] = mapped_column(sa.Float)
    visibility: Mapped[str] = mapped_column(sa.String(10), default=Visibility.PUBLIC)
    status: Mapped[str] = mapped_column(sa.String(20), default=RequestStatus.OPEN, index=True)
    closed_at: Mapped[dt.datetime | None]

    company: Mapped[Company] = relationship(lazy="joined", innerjoin=True)
    category: Mapped[Category] = relationship(lazy="joined", innerjoin=True)
    invitations: Mapped[list[BuyRequestInvitation]] = relationship(
        back_populates="buy_request", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        sa.CheckConstraint("status in ('open','closed','cancelled')", name="status"),
        sa.CheckConstraint("visibility in ('public','invited')", name="visibility"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    @property
    def invited_company_ids(self) -> list[int]:
        return sorted(link.company_id for link in self.invitations)

    @property
    def is_open(self) -> bool:
        """Open and not past its deadline (the deadline closes it even before the close job runs)."""
        return self.status == RequestStatus.OPEN and self.needed_by >= clock.today()

    @property
    def effective_status(self) -> str:
        if self.status == RequestStatus.OPEN and not self.is_open:
            return RequestStatus.CLOSED
        return self.status

    @classmethod
    def shown_as(cls, status: str) -> sa.ColumnElement[bool]:
        """SQL for effective_status == status, so every filter agrees with what a page shows."""
        due = cls.needed_by < clock.today()
        if status == RequestStatus.OPEN:
            return sa.and_(cls.status == RequestStatus.OPEN, sa.not_(due))
        if status == RequestStatus.CLOSED:
            return sa.or_(
                cls.status == RequestStatus.CLOSED, sa.and_(cls.status == RequestStatus.OPEN, due)
            )
        return cls.status == status

    @property
    def target_price(self) -> Money | None:
        if self.target_unit_price is None:
            return None
        return Money(self.target_unit_price, self.currency)

    def __repr__(self) -> str:
        return f"<BuyRequest {self.id} {self.title!r}>"


class BuyRequestInvitation(db.Model):
    __tablename__ = "buy_request_invitations"

    buy_request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("buy_requests.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    buy_request: Mapped[BuyRequest] = relationship(back_populates="invitations")


class ImportStatus(enum.StrEnum):
    VALIDATING = "validating"
    IMPORTING = "importing"
    DONE = "done"
    REJECTED = "rejected"  # all-or-nothing import with broken rows: nothing written
    FAILED = "failed"  # its steps kept breaking: nothing written, the page says so


class ImportJob(db.Model):
    """One CSV upload worked through in steps, so a page can show honest progress."""

    __tablename__ = "offer_import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(sa.String(200))
    source: Mapped[str | None] = deferred(mapped_column(sa.Text))  # the file, until the job ends
    valid_rows_only: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(20), default=ImportStatus.VALIDATING)
    total_rows: Mapped[int] = mapped_column(default=0)
    validated_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    # [{"row": 3, "column": "moq", "message": "..."}], the first MAX_ERRORS_KEPT of error_count
    errors: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    error_count: Mapped[int] = mapped_column(default=0)
    # every row with an error, however many errors are kept for display (emptied when done)
    bad_rows: Mapped[list[int]] = deferred(mapped_column(sa.JSON, default=list, nullable=False))
    failed_steps: Mapped[int] = mapped_column(default=0)  # in a row; reset by a step that works
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    finished_at: Mapped[dt.datetime | None]

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED)

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.finished else 0
        done = self.validated_rows + self.processed_rows
        return min(100, done * 100 // (2 * self.total_rows)) if not self.finished else 100
