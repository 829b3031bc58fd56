"""Home page, /healthz and /readyz, the language switch and the OpenAPI document with its page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from marketplace.accounts import services as accounts
from marketplace.companies import services as companies
from marketplace.companies.reference import INDUSTRIES
from marketplace.core import security
from marketplace.core.extensions import db
from marketplace.core.openapi import build_spec
from marketplace.core.uow import unit_of_work

bp = Blueprint("site", __name__)
api_bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")


@bp.get("/")
def home():
    newest = companies.directory(verified=True, limit=8).items
    return render_template("site/home.html", newest=newest, industries=INDUSTRIES)


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    try:
        # A real round trip on this app's own pool, as a reader (takes no write lock).
        with db.engine.connect().execution_options(read_only=True) as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        current_app.logger.warning("readiness check failed: %s", exc)
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})


@bp.post("/language")
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            with unit_of_work():
                accounts.set_locale(current_user, lang)
    return redirect(security.local_target(request.form.get("next"), url_for("site.home")))


@api_bp.get("/openapi.json")
def openapi():
    return jsonify(build_spec(current_app))


@api_bp.get("/docs")
def docs():
    return render_template("site/api_docs.html", spec=build_spec(current_app))
