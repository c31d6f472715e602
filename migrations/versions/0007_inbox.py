"""Staff studio inbox: conversations and patient messages read from Rasa's event broker.

Revision ID: 0007_inbox
Revises: 0006_examples_and_topics
Create Date: 2026-12-02

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007_inbox"
down_revision: Union[str, Sequence[str], None] = "0006_examples_and_topics"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "inbox_conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("start_day", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.Float(), nullable=False),
        sa.Column("red_flag", sa.Boolean(), nullable=False),
        sa.Column("booking", sa.Boolean(), nullable=False),
        sa.Column("callback", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_conversations")),
        sa.UniqueConstraint("sender_id", name=op.f("uq_inbox_conversations_sender_id")),
    )
    op.create_index(
        op.f("ix_inbox_conversations_last_at"), "inbox_conversations", ["last_at"], unique=False
    )
    op.create_index(
        op.f("ix_inbox_conversations_start_day"),
        "inbox_conversations",
        ["start_day"],
        unique=False,
    )
    op.create_table(
        "inbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("typed", sa.Boolean(), nullable=False),
        sa.Column("intent", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=120), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("low_confidence", sa.Boolean(), nullable=False),
        sa.Column("rephrased", sa.Boolean(), nullable=False),
        sa.Column("rating", sa.String(length=8), nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolution", sa.String(length=120), nullable=False),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('pending', 'answered', 'declined', 'did_you_mean', 'fallback', "
            "'red_flag')",
            name=op.f("ck_inbox_messages_outcome"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'assigned', 'out_of_scope', 'new_topic', 'dismissed')",
            name=op.f("ck_inbox_messages_status"),
        ),
        sa.CheckConstraint("role IN ('patient', 'assistant')", name=op.f("ck_inbox_messages_role")),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["inbox_conversations.id"],
            name=op.f("fk_inbox_messages_conversation_id_inbox_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_inbox_messages_message_id")),
    )
    op.create_index(
        op.f("ix_inbox_messages_conversation_id"),
        "inbox_messages",
        ["conversation_id"],
        unique=False,
    )
    op.create_index(
        "ix_inbox_messages_review", "inbox_messages", ["status", "needs_review", "at"], unique=False
    )
    op.create_index("ix_inbox_messages_day", "inbox_messages", ["day", "role"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_inbox_messages_day", table_name="inbox_messages")
    op.drop_index("ix_inbox_messages_review", table_name="inbox_messages")
    op.drop_index(op.f("ix_inbox_messages_conversation_id"), table_name="inbox_messages")
    op.drop_table("inbox_messages")
    op.drop_index(op.f("ix_inbox_conversations_start_day"), table_name="inbox_conversations")
    op.drop_index(op.f("ix_inbox_conversations_last_at"), table_name="inbox_conversations")
    op.drop_table("inbox_conversations")
