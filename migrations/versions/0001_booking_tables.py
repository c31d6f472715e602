"""Booking / call-back requests and their delivery outbox.

Revision ID: 0001_booking_tables
Revises:
Create Date: 2025-11-21

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0001_booking_tables"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "booking_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("pain_area", sa.Text(), nullable=True),
        sa.Column("patient_type", sa.String(length=16), nullable=True),
        sa.Column("preferred_times", sa.Text(), nullable=True),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('booking', 'callback')", name=op.f("ck_booking_requests_kind")
        ),
        sa.CheckConstraint(
            "status IN ('new', 'delivered', 'failed', 'cancelled')",
            name=op.f("ck_booking_requests_status"),
        ),
        sa.CheckConstraint(
            "patient_type IS NULL OR patient_type IN ('new', 'returning')",
            name=op.f("ck_booking_requests_patient_type"),
        ),
        sa.CheckConstraint(
            "phone IS NOT NULL OR email IS NOT NULL", name=op.f("ck_booking_requests_contact")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_requests")),
    )
    op.create_index("ix_booking_requests_created_at", "booking_requests", ["created_at"])
    op.create_index("ix_booking_requests_phone", "booking_requests", ["phone"])
    op.create_index("ix_booking_requests_email", "booking_requests", ["email"])

    op.create_table(
        "booking_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("adapter", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed', 'cancelled')",
            name=op.f("ck_booking_deliveries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["booking_requests.id"],
            name=op.f("fk_booking_deliveries_request_id_booking_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_deliveries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_booking_deliveries_idempotency_key")),
    )
    op.create_index(
        "ix_booking_deliveries_due", "booking_deliveries", ["status", "next_attempt_at"]
    )
    op.create_index("ix_booking_deliveries_request_id", "booking_deliveries", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_booking_deliveries_request_id", table_name="booking_deliveries")
    op.drop_index("ix_booking_deliveries_due", table_name="booking_deliveries")
    op.drop_table("booking_deliveries")
    op.drop_index("ix_booking_requests_email", table_name="booking_requests")
    op.drop_index("ix_booking_requests_phone", table_name="booking_requests")
    op.drop_index("ix_booking_requests_created_at", table_name="booking_requests")
    op.drop_table("booking_requests")
