"""listings: import jobs count every error, remember their broken rows and failed steps; finished jobs drop the file

Existing jobs get their error count and broken rows from the errors they kept; the uploaded file
of a job that already ended is removed (it was kept forever, up to 25 MB each).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:00:00.000000

"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_jobs = sa.table(
    "offer_import_jobs",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("errors", sa.JSON),
    sa.column("error_count", sa.Integer),
    sa.column("bad_rows", sa.JSON),
    sa.column("source", sa.Text),
)


def upgrade() -> None:
    # offer_import_jobs has no child tables, so SQLite's batch rebuild cannot cascade anything.
    with op.batch_alter_table("offer_import_jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("error_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("bad_rows", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column("failed_steps", sa.Integer(), nullable=False, server_default="0")
        )
    bind = op.get_bind()
    for job_id, status, errors in bind.execute(
        sa.select(_jobs.c.id, _jobs.c.status, _jobs.c.errors)
    ).all():
        if isinstance(errors, str):
            errors = json.loads(errors)
        errors = errors or []
        finished = status in ("done", "rejected")
        bind.execute(
            _jobs.update()
            .where(_jobs.c.id == job_id)
            .values(
                error_count=len(errors),
                bad_rows=[] if finished else sorted({e["row"] for e in errors}),
                **({"source": None} if finished else {}),
            )
        )
    with op.batch_alter_table("offer_import_jobs", schema=None) as batch_op:
        batch_op.alter_column("error_count", server_default=None)
        batch_op.alter_column("bad_rows", server_default=None)
        batch_op.alter_column("failed_steps", server_default=None)


def downgrade() -> None:
    # the older code knows no failed jobs; like a rejected one, a failed job wrote nothing
    op.execute("UPDATE offer_import_jobs SET status = 'rejected' WHERE status = 'failed'")
    with op.batch_alter_table("offer_import_jobs", schema=None) as batch_op:
        batch_op.drop_column("failed_steps")
        batch_op.drop_column("bad_rows")
        batch_op.drop_column("error_count")
