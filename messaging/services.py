"""Every change to threads and messages, and the reads that decide who sees them.

Public surface for other packages (they may import messaging, not the other way round):

    thread_for_context(company_id, partner_company_id, context_type, context_id, subject)
        -> the thread between the two companies about that object, opened if needed
    post_system_message(thread, text, data)
        -> a message without an author, e.g. post_system_message(t, "Quote %(number)s sent", {"number": "Q-7"});
           `text` is an English msgid (mark it with lazy_gettext/N_ in your package so it is translated):
           each reader sees it in their own language.
"""

from __future__ import annotations

from typing import IO, Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from marketplace.companies.models import Company, CompanyStatus
from marketplace.core import clock, live, uploads
from marketplace.core.access import Permission, require
from marketplace.core.errors import NotFound, ValidationError
from marketplace.core.extensions import db
from marketplace.core.pagination import Page, paginate
from messaging import checks, contexts, moderation, notifications
from messaging.events import message_posted
from messaging.models import (
    Attachment,
    Message,
    MessageKind,
    ReadState,
    Thread,
    ThreadParticipant,
)

MAX_ATTACHMENTS = 5
Upload = tuple[IO[bytes], str]


# --- reads -----------------------------------------------------------------


def get_thread(actor: Any, thread_id: int) -> Thread:
    """The thread when the actor's company takes part in it; NotFound otherwise (never 403)."""
    require(actor, Permission.READ)
    thread = db.session.execute(
        sa.select(Thread)
        .join(ThreadParticipant)
        .where(Thread.id == thread_id, ThreadParticipant.company_id == actor.company_id)
    ).scalar_one_or_none()
    if thread is None:
        raise NotFound()
    return thread


def context_summary(thread: Thread, viewer_company_id: int | None) -> dict | None:
    return contexts.resolve(thread.context_type, thread.context_id, viewer_company_id)


def messages_page(thread: Thread, cursor: str | None, limit: int) -> Page:
    """Oldest first, so a reader pages forward through the conversation."""
    return paginate(
        sa.select(Message).where(Message.thread_id == thread.id),
        order=Message.id,
        tiebreak=Message.id,
        cursor=cursor,
        limit=limit,
        descending=False,
    )


def messages_since(thread: Thread, after_id: int) -> list[Message]:
    return list(
        db.session.execute(
            sa.select(Message)
            .where(Message.thread_id == thread.id, Message.id > after_id)
            .order_by(Message.id)
        ).scalars()
    )


def get_attachment(actor: Any, thread_id: int, attachment_id: int) -> Attachment:
    thread = get_thread(actor, thread_id)
    attachment = db.session.execute(
        sa.select(Attachment)
        .join(Message)
        .where(Attachment.id == attachment_id, Message.thread_id == thread.id)
    ).scalar_one_or_none()
    if attachment is None:
        raise NotFound()
    return attachment


# --- attachments -----------------------------------------------------------


def _store_attachments(message: Message, files: list[Upload]) -> None:
    max_bytes = int(current_app.config.get("MESSAGING_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024))
    for stream, filename in files:
        stored = uploads.store(
            stream,
            filename,
            field="attachments",
            allowed=uploads.ATTACHMENT_TYPES,
            max_bytes=max_bytes,
        )
        message.attachments.append(
            Attachment(
                key=stored.key,
                content_type=stored.content_type,
                size=stored.size,
                filename=stored.filename,
            )
        )


# --- writes ----------------------------------------------------------------


def _add_message(thread: Thread, message: Message) -> Message:
    thread.messages.append(message)
    db.session.flush()
    thread.last_message_id = message.id
    thread.last_message_at = message.created_at
    for participant in thread.participants:
        participant.archived_at = None  # a new message brings an archived thread back
    db.session.flush()
    live.publish_on_commit(
        f"thread:{thread.id}", "message", {"thread_id": thread.id, "message_id": message.id}
    )
    for company_id in thread.company_ids:
        live.publish_on_commit(f"company:{company_id}", "unread", {"thread_id": thread.id})
    if message.kind == MessageKind.USER:
        message_posted.send(message)
    return message


def mark_read_ids(user_id: int, thread_id: int, message_id: int) -> None:
    """One upsert statement: it takes the write lock at once instead of upgrading a read (SQLite)."""
    insert = sqlite_insert if db.session.get_bind().dialect.name == "sqlite" else pg_insert
    stmt = insert(ReadState).values(
        thread_id=thread_id, user_id=user_id, last_read_message_id=message_id, read_at=clock.now()
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[ReadState.thread_id, ReadState.user_id],
        set_={
            "last_read_message_id": stmt.excluded.last_read_message_id,
            "read_at": stmt.excluded.read_at,
        },
        where=ReadState.last_read_message_id < stmt.excluded.last_read_message_id,
    )
    db.session.execute(stmt)
    live.publish_on_commit(f"user:{user_id}", "unread", {"thread_id": thread_id})


def _read_over_own(user_id: int, thread_id: int, previous_id: int, message_id: int) -> None:
    """Move the person's mark over the note of their own action, but only when they had read
    everything before it: a partner's message they have not seen stays unread."""
    read_up_to = db.session.execute(
        sa.select(ReadState.last_read_message_id).where(
            ReadState.thread_id == thread_id, ReadState.user_id == user_id
        )
    ).scalar()
    if (read_up_to or 0) >= previous_id:
        mark_read_ids(user_id, thread_id, message_id)


def _open_thread(
    company_ids: list[int],
    subject: str,
    *,
    context_type: str | None,
    context_id: int | None,
    created_by: Any = None,
    created_by_company_id: int | None = None,
) -> Thread:
    thread = Thread(
        subject=subject[:200],
        context_type=context_type,
        context_id=context_id,
        created_by_id=getattr(created_by, "id", None),
        created_by_company_id=created_by_company_id,
    )
    thread.participants = [ThreadParticipant(company_id=cid) for cid in dict.fromkeys(company_ids)]
    db.session.add(thread)
    db.session.flush()
    return thread


def start_thread(actor: Any, data: dict[str, Any], files: list[Upload] | None = None) -> Thread:
    """A person opens a conversation with another company, optionally about an offer or request."""
    require(actor, Permission.MESSAGE)
    files = files or []
    errors: dict[str, list[str]] = {}
    subject = checks.clean_subject(data.get("subject"), errors)
    html, text = checks.clean_body(data.get("body"), errors)
    inquiry = checks.inquiry_fields(data, errors)
    if len(files) > MAX_ATTACHMENTS:
        errors.setdefault("attachments", []).append(
            _("At most %(count)s files per message.", count=MAX_ATTACHMENTS)
        )

    context_type = data.get("context_type") or None
    context_id = data.get("context_id")
    summary = None
    if context_type:
        if context_type not in contexts.registered_types():
            errors.setdefault("context", []).append(_("Unknown context type."))
        else:
            summary = contexts.resolve(context_type, context_id, actor.company_id)
            if summary is None:
                errors.setdefault("context", []).append(_("This offer or request was not found."))

    to_id = data.get("to_company_id") or (summary or {}).get("company_id")
    recipient = db.session.get(Company, to_id) if isinstance(to_id, int) else None
    if recipient is None or recipient.status != CompanyStatus.ACTIVE:
        errors.setdefault("to_company_id", []).append(_("Choose a company to write to."))
    elif recipient.id == actor.company_id:
        errors.setdefault("to_company_id", []).append(_("You cannot write to your own company."))
    elif moderation.is_blocked(actor.company_id, by_company_id=recipient.id):
        errors.setdefault("to_company_id", []).append(
            _("This company does not accept new conversations from yours.")
        )
    elif summary and summary.get("company_id") not in (recipient.id, actor.company_id):
        errors.setdefault("context", []).append(
            _("This offer or request belongs to neither company.")
        )
    if errors:
        raise ValidationError(errors)
    checks.check_rate(actor.company_id, new_thread=True)

    thread = _open_thread(
        [actor.company_id, recipient.id],
        subject,
        context_type=context_type,
        context_id=context_id if context_type else None,
        created_by=actor,
        created_by_company_id=actor.company_id,
    )
    message = Message(
        kind=MessageKind.USER,
        author_id=actor.id,
        author_company_id=actor.company_id,
        body_html=html,
        body_text=text,
        **inquiry,
    )
    _store_attachments(message, files)
    _add_message(thread, message)
    mark_read_ids(actor.id, thread.id, message.id)
    notifications.notify_companies(
        [recipient.id], "new_thread", thread=thread, exclude_user_id=actor.id, data=_who(actor)
    )
    return thread


def _who(actor: Any) -> dict[str, str]:
    return {"author": actor.full_name, "company": actor.company.name if actor.company else ""}


def post_message(
    actor: Any, thread: Thread, data: dict[str, Any], files: list[Upload] | None = None
) -> Message:
    """A participant replies in the thread."""
    require(actor, Permission.MESSAGE)
    if actor.company_id not in thread.company_ids:
        raise NotFound()
    files = files or []
    errors: dict[str, list[str]] = {}
    html, text = checks.clean_body(data.get("body"), errors)
    inquiry = checks.inquiry_fields(data, errors)
    if len(files) > MAX_ATTACHMENTS:
        errors.setdefault("attachments", []).append(
            _("At most %(count)s files per message.", count=MAX_ATTACHMENTS)
        )
    if errors:
        raise ValidationError(errors)
    checks.check_rate(actor.company_id, new_thread=False)
    message = Message(
        kind=MessageKind.USER,
        author_id=actor.id,
        author_company_id=actor.company_id,
        body_html=html,
        body_text=text,
        **inquiry,
    )
    _store_attachments(message, files)
    _add_message(thread, message)
    mark_read_ids(actor.id, thread.id, message.id)
    others = [cid for cid in thread.company_ids if cid != actor.company_id]
    notifications.notify_companies(
        others, "new_message", thread=thread, exclude_user_id=actor.id, data=_who(actor)
    )
    return message


def notify_people(
    users: list[Any],
    text: str,
    params: dict[str, Any],
    endpoint: str,
    values: dict[str, Any] | None = None,
    *,
    email: bool = True,
) -> None:
    """Tell these people something from another package: in their notification list (linking to
    url_for(endpoint, **values)) and by e-mail as each of them prefers (now, digest or never).

    text is an English msgid with %(name)s placeholders; each reader sees it in their language."""
    people = [u for u in users if u is not None and u.disabled_at is None]
    data = {"text": text, "params": params, "endpoint": endpoint, "values": values or {}}
    notifications.notify_users(people, notifications.NOTICE, data=data, email=email)


def post_system_message(
    thread: Thread,
    text: str,
    data: dict[str, Any] | None = None,
    *,
    notify: bool = True,
    read_by: Any = None,
) -> Message:
    """A note from the marketplace in the thread ("Quote sent"); see the module docstring.

    read_by is the person whose action the note records: it does not show as unread to them."""
    previous_id = thread.last_message_id
    message = Message(kind=MessageKind.SYSTEM, body_text=str(text), system_data=data or {})
    _add_message(thread, message)
    if read_by is not None:
        _read_over_own(read_by.id, thread.id, previous_id, message.id)
    if notify:
        notifications.notify_companies(
            thread.company_ids, "system_message", thread=thread, data={"message_id": message.id}
        )
    return message


def thread_for_context(
    company_id: int,
    partner_company_id: int,
    context_type: str,
    context_id: int,
    subject: str,
    *,
    actor: Any = None,
) -> Thread:
    """The thread between the two companies about this object; opened (empty) when there is none."""
    errors: dict[str, list[str]] = {}
    if context_type not in contexts.KNOWN_TYPES and context_type not in contexts.registered_types():
        errors["context"] = [_("Unknown context type.")]
    # The subject comes from another object's title (an offer, a tender), which may span lines
    # or run long; folding and cutting it keeps quoting and ordering working, while other
    # control characters are refused.
    subject = checks.one_line(str(subject or ""))[: checks.MAX_SUBJECT]
    subject = checks.clean_subject(subject, errors)
    if errors:
        raise ValidationError(errors)
    mine = sa.orm.aliased(ThreadParticipant)
    theirs = sa.orm.aliased(ThreadParticipant)
    thread = (
        db.session.execute(
            sa.select(Thread)
            .join(mine, sa.and_(mine.thread_id == Thread.id, mine.company_id == company_id))
            .join(
                theirs,
                sa.and_(theirs.thread_id == Thread.id, theirs.company_id == partner_company_id),
            )
            .where(Thread.context_type == context_type, Thread.context_id == context_id)
            .order_by(Thread.id)
            .limit(1)
        )
        .scalars()
        .first()
    )
    if thread is not None:
        return thread
    return _open_thread(
        [company_id, partner_company_id],
        subject,
        context_type=context_type,
        context_id=context_id,
        created_by=actor,
        created_by_company_id=company_id,
    )


def mark_read(user: Any, thread: Thread, up_to: int | None = None) -> None:
    """The person has seen the thread up to this message (everything so far by default)."""
    mark_read_ids(user.id, thread.id, up_to if up_to is not None else thread.last_message_id)


def set_archived(actor: Any, thread: Thread, archived: bool) -> None:
    require(actor, Permission.MESSAGE)
    participant = thread.participant(actor.company_id)
    if participant is None:
        raise NotFound()
    participant.archived_at = clock.now() if archived else None
    db.session.flush()
