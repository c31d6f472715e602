"""Messaging channels: delivery dedupe, contacts (opt-out, last message) and button offers.

Revision ID: 0003_channel_tables
Revises: 0002_request_references
Create Date: 2026-11-30

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003_channel_tables"
down_revision: Union[str, Sequence[str], None] = "0002_request_references"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "channel_deliveries",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("delivery_key", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "delivery_key", name=op.f("pk_channel_deliveries")),
    )
    op.create_index("ix_channel_deliveries_received_at", "channel_deliveries", ["received_at"])

    op.create_table(
        "channel_contacts",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("channel", "user_key", name=op.f("pk_channel_contacts")),
    )

    op.create_table(
        "channel_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=16), nullable=False),
        sa.Column("payloads", sa.JSON(), nullable=False),
        sa.Column("numbered", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_offers")),
        sa.UniqueConstraint("channel", "token", name="uq_channel_offers_token"),
    )
    op.create_index("ix_channel_offers_user", "channel_offers", ["channel", "user_key", "id"])


def downgrade() -> None:
    op.drop_index("ix_channel_offers_user", table_name="channel_offers")
    op.drop_table("channel_offers")
    op.drop_table("channel_contacts")
    op.drop_index("ix_channel_deliveries_received_at", table_name="channel_deliveries")
    op.drop_table("channel_deliveries")
