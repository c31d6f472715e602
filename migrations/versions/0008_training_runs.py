"""Staff studio: training runs (gates and their report) and model publications.

Revision ID: 0008_training_runs
Revises: 0007_inbox
Create Date: 2026-12-02

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0008_training_runs"
down_revision: Union[str, Sequence[str], None] = "0007_inbox"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "training_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_by", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("fingerprint", sa.String(length=12), nullable=False),
        sa.Column("model_file", sa.String(length=64), nullable=False),
        sa.Column("live_model_file", sa.String(length=64), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("workdir", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "state IN ('running', 'passed', 'failed', 'error', 'published')",
            name=op.f("ck_training_runs_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_runs")),
    )
    op.create_table(
        "model_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_file", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("swap_seconds", sa.Float(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('started', 'publish', 'rollback')",
            name=op.f("ck_model_publications_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["training_runs.id"],
            name=op.f("fk_model_publications_run_id_training_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_publications")),
    )


def downgrade() -> None:
    op.drop_table("model_publications")
    op.drop_table("training_runs")
