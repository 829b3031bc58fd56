"""CSV pages: upload an offer file, watch its progress step by step, download the export."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from listings import csv_io, forms, imports
from marketplace.core import clock
from marketplace.core.access import Permission, permission_required
from marketplace.core.errors import ValidationError
from marketplace.core.forms import saved
from marketplace.core.uow import unit_of_work

bp = Blueprint("listings_csv", __name__)
MAX_CSV_BYTES = 25 * 1024 * 1024


@bp.route("/offers/import", methods=["GET", "POST"])
@login_required
@permission_required(Permission.SELL)
def upload():
    form = forms.ImportForm()
    if request.method == "POST" and form.validate():
        file = request.files.get("file")
        with saved(form, fields_only=True) as outcome:
            if file is None or not file.filename:
                raise ValidationError({"file": [_("Choose a CSV file.")]})
            job = imports.start_import(
                current_user,
                file.stream,
                file.filename,
                valid_rows_only=bool(form.valid_rows_only.data),
                max_bytes=min(MAX_CSV_BYTES, current_app.config["MAX_CONTENT_LENGTH"]),
            )
        if outcome.ok:
            return redirect(url_for("listings_csv.job_page", job_id=job.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("listings/import.html", form=form, columns=csv_io.COLUMNS), status


def _job_json(job) -> dict:
    return {
        "id": job.id,
        "status": job.status,
        "finished": job.finished,
        "percent": job.progress_percent,
        "total_rows": job.total_rows,
        "validated_rows": job.validated_rows,
        "processed_rows": job.processed_rows,
        "created": job.created_count,
        "updated": job.updated_count,
        "errors": job.error_count,
    }


@bp.get("/offers/import/<int:job_id>")
@login_required
@permission_required(Permission.SELL)
def job_page(job_id: int):
    job = imports.job_for(current_user, job_id)
    if request.args.get("format") == "json":
        return jsonify(_job_json(job))
    return render_template("listings/import_job.html", job=job, progress=_job_json(job))


@bp.post("/offers/import/<int:job_id>/step")
@login_required
@permission_required(Permission.SELL)
def job_step(job_id: int):
    """One slice of the work; the page's script calls this until the job is finished."""
    job = imports.job_for(current_user, job_id)
    broke = False
    try:
        with unit_of_work():
            imports.run_step(job)
    except Exception:  # noqa: BLE001 - whatever broke the step (rolled back), the job must count it
        current_app.logger.exception("offer import %s: a step failed", job_id)
        broke = True
        with unit_of_work():
            job = imports.step_failed(imports.job_for(current_user, job_id))
    retry = broke and not job.finished
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return jsonify(_job_json(job)), 503 if retry else 200
    if retry:
        flash(_("This step of the import failed; continue to try it again."), "error")
    elif job.finished:
        flash(_("The import is finished."), "success")
    return redirect(url_for("listings_csv.job_page", job_id=job.id))


@bp.get("/offers/export.csv")
@login_required
@permission_required(Permission.SELL)
def export():
    filename = f"offers-{clock.today().isoformat()}.csv"
    return Response(
        stream_with_context(csv_io.export_rows(current_user.company_id)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
