"""JSON API for threads, messages and meetings under /api/v1."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from marketplace.core.access import Permission, require
from marketplace.core.api import auth_required, doc, load_body, load_query, page_args
from marketplace.core.uow import unit_of_work
from messaging import inbox, meetings, participants, schemas, services

bp = Blueprint("messaging_api", __name__, url_prefix="/api/v1")


def _thread_json(thread, user) -> dict:
    schema = schemas.ThreadSchema(
        unread=inbox.unread_counts(user, [thread.id]),
        summaries={thread.id: services.context_summary(thread, user.company_id)},
    )
    return schema.dump(thread)


@bp.post("/threads")
@auth_required
@doc(
    summary="Start a conversation with another company",
    body=schemas.ThreadInputSchema,
    response=schemas.ThreadSchema,
    status=201,
    tags=["messaging"],
)
def create_thread():
    require(current_user, Permission.MESSAGE)
    data = load_body(schemas.ThreadInputSchema())
    context = data.pop("context", None) or {}
    price = data.pop("target_price", None) or {}
    with unit_of_work():
        thread = services.start_thread(
            current_user,
            {
                **data,
                "context_type": context.get("type"),
                "context_id": context.get("id"),
                "target_price_amount": price.get("amount"),
                "target_price_currency": price.get("currency"),
            },
        )
    return jsonify(_thread_json(thread, current_user)), 201


@bp.get("/threads")
@auth_required
@doc(
    summary="Your company's conversations by last activity",
    query=schemas.InboxQuerySchema,
    response=schemas.ThreadSchema,
    paginated=True,
    tags=["messaging"],
)
def list_threads():
    filters = load_query(schemas.InboxQuerySchema())
    cursor, limit = page_args()
    page = inbox.inbox(
        current_user,
        unread=filters["unread"],
        context_type=filters["context"],
        partner_id=filters["partner"],
        archived=filters["archived"],
        q=filters["q"],
        cursor=cursor,
        limit=limit,
    )
    ids = [t.id for t in page.items]
    schema = schemas.ThreadSchema(unread=inbox.unread_counts(current_user, ids))
    return jsonify({"items": schema.dump(page.items, many=True), "next_cursor": page.next_cursor})


@bp.get("/threads/<int:thread_id>")
@auth_required
@doc(
    summary="One conversation with its messages, oldest first (cursor pages forward)",
    response=schemas.ThreadSchema,
    tags=["messaging"],
)
def get_thread(thread_id: int):
    thread = services.get_thread(current_user, thread_id)
    cursor, limit = page_args()
    page = services.messages_page(thread, cursor, limit)
    body = _thread_json(thread, current_user)
    body["messages"] = schemas.MessageSchema(many=True).dump(page.items)
    body["next_cursor"] = page.next_cursor
    return jsonify(body)


@bp.post("/threads/<int:thread_id>/messages")
@auth_required
@doc(
    summary="Reply in a conversation (JSON, or multipart with 'body' and 'attachments' files)",
    body=schemas.MessageInputSchema,
    response=schemas.MessageSchema,
    status=201,
    tags=["messaging"],
)
def post_message(thread_id: int):
    thread = services.get_thread(current_user, thread_id)
    files = []
    if request.mimetype == "multipart/form-data":
        data = {"body": request.form.get("body", "")}
        files = [(f.stream, f.filename) for f in request.files.getlist("attachments") if f.filename]
    else:
        data = load_body(schemas.MessageInputSchema())
    with unit_of_work():
        message = services.post_message(current_user, thread, data, files)
    return jsonify(schemas.MessageSchema().dump(message)), 201


@bp.post("/threads/<int:thread_id>/participants")
@auth_required
@doc(
    summary="Bring a further company into the conversation (it sees the earlier messages too)",
    body=schemas.ParticipantInputSchema,
    response=schemas.ThreadSchema,
    status=201,
    tags=["messaging"],
)
def add_participant(thread_id: int):
    thread = services.get_thread(current_user, thread_id)
    data = load_body(schemas.ParticipantInputSchema())
    with unit_of_work():
        participants.add_company(current_user, thread, data["company_id"])
    return jsonify(_thread_json(thread, current_user)), 201


@bp.post("/threads/<int:thread_id>/read")
@auth_required
@doc(
    summary="Mark the conversation as read for you",
    response=schemas.ThreadSchema,
    tags=["messaging"],
)
def mark_read(thread_id: int):
    thread = services.get_thread(current_user, thread_id)
    with unit_of_work():
        services.mark_read(current_user, thread)
    return jsonify(_thread_json(thread, current_user))


@bp.post("/threads/<int:thread_id>/meetings")
@auth_required
@doc(
    summary="Propose a meeting with one or more time slots",
    body=schemas.MeetingInputSchema,
    response=schemas.MeetingSchema,
    status=201,
    tags=["messaging"],
)
def propose_meeting(thread_id: int):
    thread = services.get_thread(current_user, thread_id)
    data = load_body(schemas.MeetingInputSchema())
    with unit_of_work():
        meeting = meetings.propose(current_user, thread, data)
    return jsonify(schemas.MeetingSchema().dump(meeting)), 201


@bp.post("/meetings/<int:meeting_id>/accept")
@auth_required
@doc(
    summary="Accept one proposed time",
    body=schemas.AcceptInputSchema,
    response=schemas.MeetingSchema,
    tags=["messaging"],
)
def accept_meeting(meeting_id: int):
    meeting = meetings.get_meeting(current_user, meeting_id)
    data = load_body(schemas.AcceptInputSchema())
    with unit_of_work():
        meetings.accept(current_user, meeting, data["slot_id"])
    return jsonify(schemas.MeetingSchema().dump(meeting))


@bp.post("/meetings/<int:meeting_id>/decline")
@auth_required
@doc(summary="Decline a proposed meeting", response=schemas.MeetingSchema, tags=["messaging"])
def decline_meeting(meeting_id: int):
    meeting = meetings.get_meeting(current_user, meeting_id)
    with unit_of_work():
        meetings.decline(current_user, meeting)
    return jsonify(schemas.MeetingSchema().dump(meeting))
