"""county indexes: contact entries by client and date, outbox rows by client and state

The county-scale benchmark (benchmarks/county_scale.py) showed /cases "no contact for 30+
days" reading every entry, and /case counting a client's pending reminders by scanning the
pending outbox rows. The client-and-date index (covering the "counts as contact" columns)
replaces the client-only one.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_contact_entries_client_date", "contact_entries",
                    ["client_id", "entry_date", "is_correction", "deleted_at"], unique=False)
    op.drop_index("ix_contact_entries_client_id", table_name="contact_entries")
    op.create_index("ix_outbox_client_state", "outbox", ["client_id", "state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_client_state", table_name="outbox")
    op.create_index("ix_contact_entries_client_id", "contact_entries", ["client_id"],
                    unique=False)
    op.drop_index("ix_contact_entries_client_date", table_name="contact_entries")
