"""Threads between companies, their messages and attachments, read state, meetings, notifications, abuse control."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.companies.models import Company
from marketplace.core import clock
from marketplace.core.extensions import db


class MessageKind(enum.StrEnum):
    USER = "user"
    SYSTEM = "system"


class EmailMode(enum.StrEnum):
    IMMEDIATELY = "immediately"
    DIGEST = "digest"
    NEVER = "never"


class MeetingStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class Thread(db.Model):
    __tablename__ = "threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    context_type: Mapped[str | None] = mapped_column(sa.String(30))
    context_id: Mapped[int | None]
    created_by_company_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    last_message_at: Mapped[dt.datetime] = mapped_column(default=clock.now, index=True)
    last_message_id: Mapped[int] = mapped_column(default=0)

    participants: Mapped[list[ThreadParticipant]] = relationship(
        back_populates="thread", cascade="all, delete-orphan", lazy="selectin"
    )
    messages: Mapped[list[Message]] = relationship(
        back_populates="thread", cascade="all, delete-orphan", order_by="Message.id"
    )

    __table_args__ = (sa.Index("ix_threads_context", "context_type", "context_id"),)

    @property
    def company_ids(self) -> list[int]:
        return [p.company_id for p in self.participants]

    def partners_of(self, company_id: int | None) -> list[Company]:
        return [p.company for p in self.participants if p.company_id != company_id]

    def participant(self, company_id: int | None) -> ThreadParticipant | None:
        return next((p for p in self.participants if p.company_id == company_id), None)


class ThreadParticipant(db.Model):
    """A company taking part in a thread; archiving is per company."""

    __tablename__ = "thread_participants"

    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    archived_at: Mapped[dt.datetime | None]

    thread: Mapped[Thread] = relationship(back_populates="participants")
    company: Mapped[Company] = relationship(lazy="joined")


class Message(db.Model):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(10), default=MessageKind.USER)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    author_company_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="SET NULL")
    )
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    # Plain text for search and mail; for system messages the untranslated text with %(name)s slots.
    body_text: Mapped[str] = mapped_column(sa.Text, default="")
    system_data: Mapped[dict | None] = mapped_column(sa.JSON)
    quantity: Mapped[str | None] = mapped_column(sa.String(60))
    target_price_amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    target_price_currency: Mapped[str | None] = mapped_column(sa.String(3))
    needed_by: Mapped[dt.date | None] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    thread: Mapped[Thread] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship(lazy="joined")
    author_company: Mapped[Company | None] = relationship(lazy="joined")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        sa.CheckConstraint("kind in ('user','system')", name="kind"),
        sa.Index("ix_messages_company_created", "author_company_id", "created_at"),
    )

    @property
    def is_system(self) -> bool:
        return self.kind == MessageKind.SYSTEM

    @property
    def has_inquiry(self) -> bool:
        return bool(self.quantity or self.target_price_amount is not None or self.needed_by)


class Attachment(db.Model):
    __tablename__ = "message_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(80))
    content_type: Mapped[str] = mapped_column(sa.String(80))
    size: Mapped[int]
    filename: Mapped[str] = mapped_column(sa.String(200))

    message: Mapped[Message] = relationship(back_populates="attachments")


class ReadState(db.Model):
    """How far one person has read one thread."""

    __tablename__ = "thread_read_states"

    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    last_read_message_id: Mapped[int] = mapped_column(default=0)
    read_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class MessagingSettings(db.Model):
    """One person's notification choice and calendar feed secret (only its SHA-256 is stored)."""

    __tablename__ = "messaging_settings"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email_mode: Mapped[str] = mapped_column(sa.String(12), default=EmailMode.IMMEDIATELY)
    calendar_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    calendar_token_created_at: Mapped[dt.datetime | None]

    __table_args__ = (
        sa.CheckConstraint("email_mode in ('immediately','digest','never')", name="email_mode"),
    )


class Notification(db.Model):
    """Something a person should know; the text is rendered in their language when shown or mailed."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(30))
    thread_id: Mapped[int | None] = mapped_column(sa.ForeignKey("threads.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"))
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    read_at: Mapped[dt.datetime | None]
    emailed_at: Mapped[dt.datetime | None]
    # Settled without e-mail (sent with email off, or the person chose never): no digest or
    # later change of mind mails it afterwards.
    email_skipped: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    thread: Mapped[Thread | None] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (sa.Index("ix_notifications_user_created", "user_id", "created_at"),)


class Meeting(db.Model):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), index=True
    )
    uid: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    video_url: Mapped[str] = mapped_column(sa.String(500), default="")
    timezone: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(12), default=MeetingStatus.PROPOSED)
    proposed_by_company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE")
    )
    proposed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    accepted_slot_id: Mapped[
        int | None
    ]  # one of this meeting's slots (no FK: the tables refer to each other)
    sequence: Mapped[int] = mapped_column(default=0)
    # First accepted: from then on the meeting is in the participants' calendars, and every
    # move, decline or cancellation is sent to them as an .ics update.
    invited_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    thread: Mapped[Thread] = relationship()
    slots: Mapped[list[MeetingSlot]] = relationship(
        back_populates="meeting",
        cascade="all, delete-orphan",
        order_by="MeetingSlot.starts_at",
        lazy="selectin",
    )
    proposed_by_company: Mapped[Company] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "status in ('proposed','accepted','declined','cancelled')", name="status"
        ),
    )

    @property
    def accepted_slot(self) -> MeetingSlot | None:
        return next((slot for slot in self.slots if slot.id == self.accepted_slot_id), None)

    @property
    def open_slots(self) -> list[MeetingSlot]:
        return [slot for slot in self.slots if not slot.withdrawn]


class MeetingSlot(db.Model):
    __tablename__ = "meeting_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    withdrawn: Mapped[bool] = mapped_column(default=False)  # replaced by a reschedule

    meeting: Mapped[Meeting] = relationship(back_populates="slots")

    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="order"),)


class CompanyBlock(db.Model):
    """The blocking company accepts no new threads from the blocked one."""

    __tablename__ = "company_blocks"

    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    blocked_company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    blocked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    blocked_company: Mapped[Company] = relationship(foreign_keys=[blocked_company_id])


class MessageReport(db.Model):
    """A message reported to the operator."""

    __tablename__ = "message_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reporter_company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE")
    )
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    resolved_at: Mapped[dt.datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    message: Mapped[Message] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    reporter_company: Mapped[Company] = relationship()
