"""Staff studio: example-question versions and new topics.

Revision ID: 0006_examples_and_topics
Revises: 0005_answer_versions
Create Date: 2026-12-01

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006_examples_and_topics"
down_revision: Union[str, Sequence[str], None] = "0005_answer_versions"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "example_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("examples", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('draft', 'published')", name=op.f("ck_example_versions_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_example_versions")),
        sa.UniqueConstraint("topic", "number", name=op.f("uq_example_versions_topic")),
    )
    op.create_index(op.f("ix_example_versions_topic"), "example_versions", ["topic"], unique=False)
    op.create_table(
        "new_topics",
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("examples", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("buttons", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('draft', 'published')", name=op.f("ck_new_topics_state")),
        sa.PrimaryKeyConstraint("topic", name=op.f("pk_new_topics")),
    )


def downgrade() -> None:
    op.drop_table("new_topics")
    op.drop_index(op.f("ix_example_versions_topic"), table_name="example_versions")
    op.drop_table("example_versions")
