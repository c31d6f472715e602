"""Staff studio: answer versions and the version patients get.

Revision ID: 0005_answer_versions
Revises: 0004_studio_tables
Create Date: 2026-12-01

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005_answer_versions"
down_revision: Union[str, Sequence[str], None] = "0004_studio_tables"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "answer_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response", sa.String(length=200), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("buttons", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("last_reviewed", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('draft', 'published')", name=op.f("ck_answer_versions_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_versions")),
        sa.UniqueConstraint("response", "number", name=op.f("uq_answer_versions_response")),
    )
    op.create_index(
        op.f("ix_answer_versions_response"), "answer_versions", ["response"], unique=False
    )
    op.create_table(
        "live_answers",
        sa.Column("response", sa.String(length=200), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["answer_versions.id"],
            name=op.f("fk_live_answers_version_id_answer_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response", name=op.f("pk_live_answers")),
    )


def downgrade() -> None:
    op.drop_table("live_answers")
    op.drop_index(op.f("ix_answer_versions_response"), table_name="answer_versions")
    op.drop_table("answer_versions")
