"""Random reference codes for requests (the numeric id stays internal).

Existing requests get a code too, so staff can find every request by reference.

Revision ID: 0002_request_references
Revises: 0001_booking_tables
Create Date: 2026-11-30

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from bot.bookings.references import new_reference

revision: str = "0002_request_references"
down_revision: Union[str, Sequence[str], None] = "0001_booking_tables"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("booking_requests") as batch:
        batch.add_column(sa.Column("reference", sa.String(length=16), nullable=True))
    connection = op.get_bind()
    requests = sa.table("booking_requests", sa.column("id"), sa.column("reference"))
    used = set()
    for (request_id,) in connection.execute(sa.select(requests.c.id)).fetchall():
        code = new_reference()
        while code in used:
            code = new_reference()
        used.add(code)
        connection.execute(
            requests.update().where(requests.c.id == request_id).values(reference=code)
        )
    with op.batch_alter_table("booking_requests") as batch:
        batch.alter_column("reference", existing_type=sa.String(length=16), nullable=False)
        batch.create_unique_constraint(op.f("uq_booking_requests_reference"), ["reference"])


def downgrade() -> None:
    with op.batch_alter_table("booking_requests") as batch:
        batch.drop_constraint(op.f("uq_booking_requests_reference"), type_="unique")
        batch.drop_column("reference")
