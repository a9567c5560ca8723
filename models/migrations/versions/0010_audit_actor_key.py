"""audit log: strangers are recorded by a keyed hash of their Telegram id, not the id

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("actor_key", sa.String(length=24), nullable=True))
    op.create_index(op.f("ix_audit_log_actor_key"), "audit_log", ["actor_key"], unique=False)
    # Rows written for strangers before this revision carry their Telegram id: drop it.
    op.execute("UPDATE audit_log SET actor_telegram_id = NULL WHERE actor_role = 'stranger'")


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_actor_key"), table_name="audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("actor_key")
