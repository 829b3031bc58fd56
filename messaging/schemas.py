"""JSON shapes of threads, messages and meetings, and of the requests that create them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from marketplace.core.bounds import PRICE, Id, Integer
from marketplace.core.money import CURRENCIES


class ContextSchema(Schema):
    type = fields.String(required=True, validate=validate.Length(max=30))
    id = Id(required=True)


class MoneySchema(Schema):
    amount = Integer(PRICE, required=True, domain_rule=True)
    currency = fields.String(required=True, validate=validate.OneOf(list(CURRENCIES)))


class ThreadInputSchema(Schema):
    to_company_id = Id(load_default=None)
    subject = fields.String(required=True, validate=validate.Length(max=200))
    body = fields.String(required=True)
    context = fields.Nested(ContextSchema, load_default=None, allow_none=True)
    quantity = fields.String(load_default=None, allow_none=True)
    target_price = fields.Nested(MoneySchema, load_default=None, allow_none=True)
    needed_by = fields.Date(load_default=None, allow_none=True)


class MessageInputSchema(Schema):
    body = fields.String(required=True)


class ParticipantInputSchema(Schema):
    company_id = Id(required=True)


class InboxQuerySchema(Schema):
    unread = fields.Boolean(load_default=False)
    context = fields.String(load_default=None, validate=validate.Length(max=30))
    partner = Id(strict=False, load_default=None)
    archived = fields.Boolean(load_default=False)
    q = fields.String(load_default=None, validate=validate.Length(max=200))


class SlotInputSchema(Schema):
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)


class MeetingInputSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(max=200))
    timezone = fields.String(load_default="UTC")
    place = fields.String(load_default="")
    video_url = fields.String(load_default="")
    slots = fields.List(fields.Nested(SlotInputSchema), required=True)


class AcceptInputSchema(Schema):
    slot_id = Id(required=True)


class AttachmentSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()


class MessageSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    author_id = fields.Integer(allow_none=True)
    author_name = fields.Function(lambda m: m.author.full_name if m.author else None)
    author_company_id = fields.Integer(allow_none=True)
    body_html = fields.String()
    body_text = fields.String()
    system_data = fields.Dict(allow_none=True)
    quantity = fields.String(allow_none=True)
    target_price = fields.Function(
        lambda m: (
            {"amount": m.target_price_amount, "currency": m.target_price_currency}
            if m.target_price_amount is not None
            else None
        )
    )
    needed_by = fields.Date(allow_none=True)
    created_at = fields.DateTime()
    attachments = fields.List(fields.Nested(AttachmentSchema))


class ParticipantSchema(Schema):
    company_id = fields.Integer()
    name = fields.Function(lambda p: p.company.name)


class ThreadSchema(Schema):
    id = fields.Integer()
    subject = fields.String()
    context = fields.Method("dump_context")
    participants = fields.List(fields.Nested(ParticipantSchema))
    created_at = fields.DateTime()
    last_message_at = fields.DateTime()
    unread = fields.Method("dump_unread")

    def __init__(
        self,
        *args,
        unread: dict[int, int] | None = None,
        summaries: dict[int, dict | None] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.unread_by_thread = unread or {}
        self.summaries = summaries or {}

    def dump_context(self, thread) -> dict | None:
        if thread.context_type is None:
            return None
        return self.summaries.get(thread.id) or {
            "type": thread.context_type,
            "id": thread.context_id,
        }

    def dump_unread(self, thread) -> int:
        return self.unread_by_thread.get(thread.id, 0)


class SlotSchema(Schema):
    id = fields.Integer()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()


class MeetingSchema(Schema):
    id = fields.Integer()
    thread_id = fields.Integer()
    uid = fields.String()
    title = fields.String()
    place = fields.String()
    video_url = fields.String()
    timezone = fields.String()
    status = fields.String()
    proposed_by_company_id = fields.Integer()
    accepted_slot_id = fields.Integer(allow_none=True)
    slots = fields.Function(lambda m: SlotSchema(many=True).dump(m.open_slots))
