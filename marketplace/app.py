"""create_app(): reads configuration, wires extensions, blueprints, error handlers, commands, and every
reaction across packages (message contexts, job handlers, signal receivers)."""

from __future__ import annotations

import functools
import logging
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from listings import api as listings_api
from listings import buy_requests as listings_buy_requests
from listings import cli as listings_cli
from listings import import_views as listings_import_views
from listings import request_views as listings_request_views
from listings import services as listings_services
from listings import views as listings_views
from marketplace.accounts import api as accounts_api
from marketplace.accounts import cli as accounts_cli
from marketplace.accounts import views as accounts_views
from marketplace.accounts.login import init_login
from marketplace.admin import api as admin_api
from marketplace.admin import trade as admin_trade
from marketplace.admin import views as admin_views
from marketplace.companies import api as companies_api
from marketplace.companies import views as companies_views
from marketplace.core import api as core_api
from marketplace.core import credentials, routing, security, templating, text_input, uow
from marketplace.core import headers as core_headers
from marketplace.core import jobs as core_jobs
from marketplace.core import mail as core_mail
from marketplace.core.config import PROJECT_ROOT, PROXY_HEADERS, load_config
from marketplace.core.db import configure_sqlite
from marketplace.core.errors import DomainError
from marketplace.core.extensions import babel, csrf, db, limiter, login_manager, migrate
from marketplace.core.i18n import select_locale
from marketplace.demo import cli as demo_cli
from marketplace.orders import api as orders_api
from marketplace.orders import cli as orders_cli
from marketplace.orders import notify as orders_notify
from marketplace.orders import ratings as orders_ratings
from marketplace.orders import scorecard_sync as orders_scorecard_sync
from marketplace.orders import services as orders_services
from marketplace.orders import views as orders_views
from marketplace.payments import api as payments_api
from marketplace.payments import authorisations as payments_authorisations
from marketplace.payments import execution as payments_execution
from marketplace.procurement import api as procurement_api
from marketplace.procurement import approval_views as procurement_approval_views
from marketplace.procurement import approvals as procurement_approvals
from marketplace.procurement import cli as procurement_cli
from marketplace.procurement import tenders as procurement_tenders
from marketplace.procurement import views as procurement_views
from marketplace.site import views as site_views
from messaging import api as messaging_api
from messaging import contexts as messaging_contexts
from messaging import meeting_views as messaging_meeting_views
from messaging import meetings as messaging_meetings
from messaging import notification_views as messaging_notification_views
from messaging import notifications as messaging_notifications
from messaging import views as messaging_views
from search import api as search_api
from search import cli as search_cli
from search import engine as search_engine
from search import outbox as search_outbox
from search import views as search_views

# Each top-level package keeps its own Polish catalog; Flask-Babel merges them.
TRANSLATION_DIRECTORIES = [
    PROJECT_ROOT / package / "translations"
    for package in ("marketplace", "listings", "messaging", "search")
] + [
    PROJECT_ROOT / "marketplace" / package / "translations"
    for package in ("orders", "payments", "procurement")
]


def create_app(config: dict | None = None) -> Flask:
    settings = load_config(config)
    app = Flask(
        "marketplace",
        root_path=str(PROJECT_ROOT / "marketplace"),
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(settings)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(
        str(path) for path in TRANSLATION_DIRECTORIES if path.is_dir()
    )
    # Checked in credentials.protect_csrf, which exempts API calls that no cookie reaches.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    logging.basicConfig(level=logging.INFO)
    register_proxy_fix(app)
    routing.init_app(app)  # before any rule: path ids are bounded
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    register_message_contexts()
    register_job_handlers()
    register_signal_receivers()
    templating.init_app(app)
    return app


def register_proxy_fix(app: Flask) -> None:
    """Read the client's address and scheme from a trusted proxy's X-Forwarded-* headers (rate
    limits count per client, not per proxy), only as many hops as configured."""
    hops = {f"x_{part}": app.config[f"PROXY_FIX_X_{part.upper()}"] for part in PROXY_HEADERS}
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)  # type: ignore[method-assign]


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    login_manager.init_app(app)
    init_login(login_manager)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    credentials.init_app(app)
    app.before_request(text_input.refuse_nul_parameters)
    core_headers.init_app(app)
    core_jobs.init_app(app)
    search_engine.init_app(app)


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(site_views.bp)
    app.register_blueprint(accounts_views.bp)
    app.register_blueprint(companies_views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(accounts_api.bp)
    app.register_blueprint(companies_api.bp)
    app.register_blueprint(admin_api.bp)
    app.register_blueprint(site_views.api_bp)
    app.register_blueprint(payments_api.bp)
    app.register_blueprint(orders_api.bp)
    app.register_blueprint(orders_views.bp)
    app.register_blueprint(admin_trade.bp)
    app.register_blueprint(messaging_views.bp)
    app.register_blueprint(messaging_meeting_views.bp)
    app.register_blueprint(messaging_notification_views.bp)
    app.register_blueprint(messaging_api.bp)
    app.register_blueprint(search_views.bp)
    app.register_blueprint(search_api.bp)
    app.register_blueprint(listings_views.bp)
    app.register_blueprint(listings_request_views.bp)
    app.register_blueprint(listings_import_views.bp)
    app.register_blueprint(listings_api.bp)
    app.register_blueprint(procurement_views.bp)
    app.register_blueprint(procurement_approval_views.bp)
    app.register_blueprint(procurement_api.bp)


def register_message_contexts() -> None:
    """What a thread is about, resolved by the package that owns it (messaging cannot import them)."""
    for kind in ("offer", "buy_request"):
        messaging_contexts.register(
            kind, functools.partial(listings_services.context_summary, kind)
        )
    messaging_contexts.register("tender", procurement_tenders.context_summary)
    messaging_contexts.register("order", orders_notify.context_summary)


def register_job_handlers() -> None:
    """The background work each package does (a name without a handler cannot be enqueued).
    Registering again, as a second app in one process does, changes nothing."""
    for handlers in (
        core_mail.JOB_HANDLERS,
        listings_buy_requests.JOB_HANDLERS,
        messaging_meetings.JOB_HANDLERS,
        messaging_notifications.JOB_HANDLERS,
        orders_services.JOB_HANDLERS,
        orders_ratings.JOB_HANDLERS,
        payments_authorisations.JOB_HANDLERS,
        payments_execution.JOB_HANDLERS,
        procurement_tenders.JOB_HANDLERS,
    ):
        for name, handler in handlers.items():
            core_jobs.register(name, handler)


def register_signal_receivers() -> None:
    """Reactions against the import arrows: a lower package sends, a higher one follows, in the
    sender's transaction. Connecting again changes nothing."""
    orders_services.connect_receivers()  # payments: escrow funded, refused, late payment refunded
    orders_scorecard_sync.connect_receivers()  # messaging: a message posted
    procurement_approvals.connect_receivers()  # orders: an order held for an approver
    search_outbox.register_events()  # every session's flushes and commits feed the outbox


def register_error_handlers(app: Flask) -> None:
    def wants_json() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        headers = {}
        if getattr(error, "retry_after", None):
            headers["Retry-After"] = str(error.retry_after)
        if wants_json():
            response = core_api.problem_from_error(error)
            response.headers.update(headers)
            return response
        page = render_template("errors.html", status=error.status, message=error.message)
        return page, error.status, headers

    @app.errorhandler(sa.exc.DBAPIError)
    def database_error(error: sa.exc.DBAPIError):
        """A concurrent writer's failure outside a unit of work (an autoflush) answers as inside
        one; anything else stays a server error."""
        if "_login_user" not in g:
            # Finding the person was what failed: answer as to a visitor (the message's language
            # and the error page would otherwise ask the busy database again, and fail).
            g._login_user = login_manager.anonymous_user()
        mapped = uow.concurrent_write_error(error)
        if mapped is None:
            raise error
        db.session.rollback()
        return domain_error(mapped)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if wants_json():
            return core_api.problem(400, "CSRF check failed", error.description)
        return render_template("errors.html", status=400, message=error.description), 400

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge):
        message = _too_large_message()
        if wants_json():
            return core_api.problem(413, "Content too large", message)
        back = urlsplit(request.referrer or "")
        if back.netloc == request.host and back.path:
            # Back to the form the person sent, which says what went wrong.
            flash(message, "error")
            target = back.path + (f"?{back.query}" if back.query else "")
            return redirect(security.local_target(target, url_for("site.home")), 303)
        return render_template("errors.html", status=413, message=message), 413

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if wants_json():
            # a path parameter out of range names itself, as a body field would
            field_errors = getattr(error, "field_errors", None)
            return core_api.problem(status, error.name, error.description or "", field_errors)
        return render_template("errors.html", status=status, message=error.description), status


def _too_large_message() -> str:
    config = current_app.config
    megabyte = 1024 * 1024
    total = config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None and request.content_length <= total:
        # The whole fits, so one text field went over Werkzeug's in-memory limit.
        return _(
            "A text field is too long: at most %(kb)d KB each.",
            kb=config["MAX_FORM_MEMORY_SIZE"] // 1024,
        )
    return _(
        "What you sent is too large: at most %(total)d MB at once, each file up to %(file)d MB. "
        "Send fewer or smaller files.",
        total=total // megabyte,
        file=config["MAX_DOCUMENT_BYTES"] // megabyte,
    )


def register_commands(app: Flask) -> None:
    app.cli.add_command(accounts_cli.cli)
    app.cli.add_command(demo_cli.seed_demo)
    app.cli.add_command(orders_cli.cli)
    app.cli.add_command(core_jobs.cli)
    app.cli.add_command(listings_cli.cli)
    app.cli.add_command(search_cli.cli)
    app.cli.add_command(procurement_cli.cli)
