"""Message pages: inbox, contacting a company, a thread with live updates, notifications, reports."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.companies.models import Company
from marketplace.core import bounds, live, security, uploads
from marketplace.core.access import Permission, permission_required, require
from marketplace.core.errors import DomainError, NotFound, ValidationError
from marketplace.core.extensions import db
from marketplace.core.forms import committed, saved
from marketplace.core.money import Money, MoneyError
from marketplace.core.pagination import parse_limit
from marketplace.core.uow import unit_of_work
from messaging import (
    contexts,
    forms,
    meetings,
    moderation,
    notifications,
    participants,
    services,
)
from messaging import inbox as threads
from messaging.models import Message

bp = Blueprint("messaging", __name__)


@bp.app_template_global()
def unread_threads() -> int:
    """For the nav badge: one COUNT query, only for signed-in company members."""
    if not current_user.is_authenticated or not current_user.company_id:
        return 0
    return threads.unread_thread_count(current_user)


@bp.app_template_global()
def message_text(message: Message) -> str:
    """A system message in the reader's language (its text is a msgid with %(name)s slots)."""
    text = _(message.body_text)
    try:
        return text % (message.system_data or {}) if message.system_data else text
    except (KeyError, ValueError, TypeError):
        return message.body_text


def _files() -> list[tuple]:
    return [
        (f.stream, f.filename) for f in request.files.getlist("attachments") if f and f.filename
    ]


def _context_label(kind: str | None) -> str:
    labels = {
        "offer": _("Offer"),
        "buy_request": _("Buy request"),
        "order": _("Order"),
        "quote": _("Quote"),
        "tender": _("Tender"),
    }
    return labels.get(kind or "", kind or "")


bp.add_app_template_global(_context_label, "context_label")


# --- inbox -----------------------------------------------------------------


@bp.get("/messages")
@login_required
@permission_required(Permission.READ)
def inbox():
    partner = bounds.read(request.args, "partner")
    context_type = request.args.get("context") or None
    try:
        page = threads.inbox(
            current_user,
            unread=request.args.get("unread") == "1",
            context_type=context_type,
            partner_id=partner,
            archived=request.args.get("archived") == "1",
            q=(request.args.get("q") or "").strip() or None,
            cursor=request.args.get("cursor") or None,
            limit=parse_limit(request.args.get("limit"), 20, 100),
        )
    except ValidationError:
        return redirect(url_for("messaging.inbox"))
    counts = threads.unread_counts(current_user, [t.id for t in page.items])
    return render_template(
        "messaging/inbox.html",
        page=page,
        counts=counts,
        partners=threads.partners(current_user),
        context_types=contexts.KNOWN_TYPES,
        filters={
            "unread": request.args.get("unread", ""),
            "context": context_type or "",
            "partner": partner or "",
            "archived": request.args.get("archived", ""),
            "q": request.args.get("q", ""),
        },
    )


@bp.get("/messages/unread.json")
@login_required
def unread_json():
    return jsonify(
        {
            "threads": unread_threads(),
            "notifications": notifications.unread_count(current_user),
        }
    )


@bp.get("/live")
@login_required
def live_stream():
    """Server-sent events for this person's company, and for one thread when it is open."""
    channels = [f"user:{current_user.id}"]
    if current_user.company_id:
        channels.append(f"company:{current_user.company_id}")
    thread_id = bounds.read(request.args, "thread")
    if thread_id:
        services.get_thread(current_user, thread_id)
        channels.append(f"thread:{thread_id}")
    db.session.remove()  # the stream holds no database connection while it waits
    return live.stream(channels)


# --- new thread ------------------------------------------------------------


def _target_price(form: forms.ContactForm) -> tuple[int | None, str | None]:
    raw = (form.target_price.data or "").strip()
    if not raw:
        return None, None
    try:
        money = Money.parse(raw, form.target_price_currency.data)
    except MoneyError:
        raise ValidationError({"target_price": [_("Enter an amount such as 12.50.")]}) from None
    return money.amount, money.currency


@bp.route("/messages/new", methods=["GET", "POST"])
@login_required
@permission_required(Permission.MESSAGE)
def new_thread():
    to_id = bounds.read(request.args, "to")
    parsed = contexts.parse(request.args.get("context"))
    summary = contexts.resolve(*parsed, current_user.company_id) if parsed else None
    if parsed and summary is None:
        raise NotFound()
    if to_id is None and summary:
        to_id = summary.get("company_id")
    recipient = db.session.get(Company, to_id) if to_id else None
    if recipient is None or not recipient.is_active:
        raise NotFound()
    form = forms.ContactForm()
    if request.method == "GET":
        form.subject.data = summary["title"] if summary else ""
    status = 200
    if form.validate_on_submit():
        with saved(form, fields_only=True) as outcome:
            amount, currency = _target_price(form)
            thread = services.start_thread(
                current_user,
                {
                    "to_company_id": recipient.id,
                    "subject": form.subject.data,
                    "body": form.body.data,
                    "context_type": parsed[0] if parsed else None,
                    "context_id": parsed[1] if parsed else None,
                    "quantity": form.quantity.data,
                    "target_price_amount": amount,
                    "target_price_currency": currency,
                    "needed_by": form.needed_by.data,
                },
                _files(),
            )
        if outcome.ok:
            flash(_("Your message is sent to %(name)s.", name=recipient.name), "success")
            return redirect(url_for("messaging.thread", thread_id=thread.id))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template(
        "messaging/new_thread.html", form=form, recipient=recipient, summary=summary
    ), status


# --- one thread ------------------------------------------------------------


def _thread_page(
    thread, *, reply_form=None, meeting_form=None, add_company_form=None, status: int = 200
):
    meeting_form = meeting_form or forms.MeetingForm(formdata=None)
    if not meeting_form.timezone.data or meeting_form.timezone.data == "None":
        meeting_form.timezone.data = current_user.timezone or "Europe/Warsaw"
    messages = services.messages_since(thread, 0)
    return render_template(
        "messaging/thread.html",
        thread=thread,
        summary=services.context_summary(thread, current_user.company_id),
        messages=messages,
        last_id=messages[-1].id if messages else 0,
        partners=thread.partners_of(current_user.company_id),
        meetings=meetings.for_thread(thread),
        reply_form=reply_form or forms.ReplyForm(formdata=None),
        meeting_form=meeting_form,
        report_form=forms.ReportForm(formdata=None),
        add_company_form=add_company_form or forms.AddCompanyForm(formdata=None),
        archived=thread.participant(current_user.company_id).archived_at is not None,
        blocked={
            p.id
            for p in thread.partners_of(current_user.company_id)
            if moderation.is_blocked(p.id, current_user.company_id)
        },
    ), status


def _mark_read_in_own_transaction(thread_id: int, message_id: int) -> None:
    """Called after the page's reads ended (a unit of work of their own, writing nothing), so the
    upsert opens its own transaction (SQLite then waits for the write lock instead of failing
    because another thread committed since our reads began)."""
    with unit_of_work():
        services.mark_read_ids(current_user.id, thread_id, message_id)


@bp.get("/messages/<int:thread_id>")
@login_required
def thread(thread_id: int):
    with unit_of_work():
        thread = services.get_thread(current_user, thread_id)
    _mark_read_in_own_transaction(thread.id, thread.last_message_id)
    return _thread_page(thread)


@bp.get("/messages/<int:thread_id>/since")
@login_required
def since(thread_id: int):
    """New messages after a given id, as an HTML fragment (live updates and the polling fallback)."""
    with unit_of_work():
        thread = services.get_thread(current_user, thread_id)
        after = bounds.read(request.args, "after", bounds.AFTER_ID) or 0
        messages = services.messages_since(thread, after)
        last_id = messages[-1].id if messages else after
    if messages:
        _mark_read_in_own_transaction(thread.id, last_id)
    response = current_app.make_response(
        render_template("messaging/_messages.html", messages=messages, thread=thread)
    )
    response.headers["X-Last-Message-Id"] = str(last_id)
    return response


@bp.post("/messages/<int:thread_id>/reply")
@login_required
def reply(thread_id: int):
    thread = services.get_thread(current_user, thread_id)
    require(current_user, Permission.MESSAGE)
    form = forms.ReplyForm()
    if form.validate_on_submit():
        with saved(form, fields_only=True) as outcome:
            services.post_message(current_user, thread, {"body": form.body.data}, _files())
        if outcome.ok:
            return redirect(url_for("messaging.thread", thread_id=thread.id, _anchor="reply"))
    return _thread_page(thread, reply_form=form, status=422)


@bp.post("/messages/<int:thread_id>/participants")
@login_required
def add_participant(thread_id: int):
    thread = services.get_thread(current_user, thread_id)
    require(current_user, Permission.MESSAGE)
    form = forms.AddCompanyForm()
    if form.validate_on_submit():
        with saved(form, fields_only=True) as outcome:
            company_id = participants.company_id_for_reference(form.company_id.data)
            participants.add_company(current_user, thread, company_id)
        if outcome.ok:
            flash(_("The company is added and sees the whole conversation."), "success")
            return redirect(url_for("messaging.thread", thread_id=thread.id))
    return _thread_page(thread, add_company_form=form, status=422)


@bp.post("/messages/<int:thread_id>/archive")
@login_required
def archive(thread_id: int):
    thread = services.get_thread(current_user, thread_id)
    archived = request.form.get("archived", "1") == "1"
    with unit_of_work():
        services.set_archived(current_user, thread, archived)
    flash(
        _("The conversation is archived.")
        if archived
        else _("The conversation is back in the inbox."),
        "success",
    )
    return redirect(
        url_for("messaging.inbox") if archived else url_for("messaging.thread", thread_id=thread.id)
    )


@bp.get("/messages/<int:thread_id>/attachments/<int:attachment_id>")
@login_required
def attachment(thread_id: int, attachment_id: int):
    item = services.get_attachment(current_user, thread_id, attachment_id)
    inline = item.content_type in uploads.IMAGE_TYPES
    return uploads.send(item.key, item.content_type, item.filename, inline=inline)


def _not_reported(error: DomainError) -> str:
    return _(
        "Not reported: %(reason)s",
        reason=" ".join(error.field_errors.get("reason", [error.message])),
    )


@bp.post("/messages/<int:thread_id>/messages/<int:message_id>/report")
@login_required
def report(thread_id: int, message_id: int):
    thread = services.get_thread(current_user, thread_id)
    form = forms.ReportForm()
    with committed(_not_reported, fields_only=True) as outcome:
        moderation.report_message(current_user, thread, message_id, form.reason.data or "")
    if not outcome.ok:
        return redirect(url_for("messaging.thread", thread_id=thread.id)), 303
    flash(_("Thank you. The operator will look at this message."), "success")
    return redirect(url_for("messaging.thread", thread_id=thread.id))


@bp.post("/messages/block/<int:company_id>")
@login_required
def block(company_id: int):
    with unit_of_work():
        moderation.block_company(current_user, company_id)
    flash(_("This company can no longer start conversations with yours."), "success")
    return redirect(security.local_target(request.form.get("next"), url_for("messaging.inbox")))


@bp.post("/messages/unblock/<int:company_id>")
@login_required
def unblock(company_id: int):
    with unit_of_work():
        moderation.unblock_company(current_user, company_id)
    flash(_("The company is unblocked."), "success")
    return redirect(security.local_target(request.form.get("next"), url_for("messaging.inbox")))


# --- operator --------------------------------------------------------------


@bp.get("/operator/message-reports")
@login_required
def reports():
    if not current_user.is_operator:
        raise NotFound()
    return render_template("messaging/reports.html", reports=moderation.open_reports())


@bp.post("/operator/message-reports/<int:report_id>/resolve")
@login_required
def resolve_report(report_id: int):
    if not current_user.is_operator:
        raise NotFound()
    with unit_of_work():
        moderation.resolve_report(current_user, report_id)
    flash(_("The report is closed."), "success")
    return redirect(url_for("messaging.reports"))
