"""booking: office hours, one-off blocks, absences and bookings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Cancelled bookings leave the unique index, so that cancelling frees the slot again.
ACTIVE = sa.text("status <> 'cancelled'")


def upgrade() -> None:

    op.create_table(
        "office_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("caseworker_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("end_time > start_time", name=op.f("ck_office_hours_time_range")),
        sa.CheckConstraint("slot_minutes > 0", name=op.f("ck_office_hours_slot_minutes")),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_office_hours_weekday")),
        sa.ForeignKeyConstraint(["caseworker_id"], ["caseworkers.id"], name=op.f("fk_office_hours_caseworker_id_caseworkers")),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"], name=op.f("fk_office_hours_location_id_locations")),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipalities.id"], name=op.f("fk_office_hours_municipality_id_municipalities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_hours")),
    )
    with op.batch_alter_table("office_hours", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_office_hours_caseworker_id"), ["caseworker_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_office_hours_municipality_id"), ["municipality_id"], unique=False)

    op.create_table(
        "time_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("caseworker_id", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_time_blocks_range")),
        sa.ForeignKeyConstraint(["caseworker_id"], ["caseworkers.id"], name=op.f("fk_time_blocks_caseworker_id_caseworkers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_blocks")),
    )
    with op.batch_alter_table("time_blocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_time_blocks_caseworker_id"), ["caseworker_id"], unique=False)

    op.create_table(
        "absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("caseworker_id", sa.Integer(), nullable=False),
        sa.Column("substitute_id", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_absences_range")),
        sa.ForeignKeyConstraint(["caseworker_id"], ["caseworkers.id"], name=op.f("fk_absences_caseworker_id_caseworkers")),
        sa.ForeignKeyConstraint(["substitute_id"], ["caseworkers.id"], name=op.f("fk_absences_substitute_id_caseworkers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absences")),
    )
    with op.batch_alter_table("absences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_absences_caseworker_id"), ["caseworker_id"], unique=False)

    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("caseworker_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("office_hours_id", sa.Integer(), nullable=True),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.Enum("documents", "work", "housing", "school", "health", "residence", "other", name="booking_topic", native_enum=False), nullable=True),
        sa.Column("status", sa.Enum("booked", "done", "no_show", "cancelled", name="booking_status", native_enum=False), nullable=False),
        sa.Column("cancel_reason", sa.Enum("client", "staff", "absence", "moved", name="booking_cancel_reason", native_enum=False), nullable=True),
        sa.Column("rescheduled_from_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_bookings_range")),
        sa.ForeignKeyConstraint(["caseworker_id"], ["caseworkers.id"], name=op.f("fk_bookings_caseworker_id_caseworkers")),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_bookings_client_id_clients"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"], name=op.f("fk_bookings_location_id_locations")),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipalities.id"], name=op.f("fk_bookings_municipality_id_municipalities")),
        sa.ForeignKeyConstraint(["office_hours_id"], ["office_hours.id"], name=op.f("fk_bookings_office_hours_id_office_hours")),
        sa.ForeignKeyConstraint(["rescheduled_from_id"], ["bookings.id"], name=op.f("fk_bookings_rescheduled_from_id_bookings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index("ix_bookings_caseworker_start", ["caseworker_id", "start_at"], unique=False)
        batch_op.create_index("ix_bookings_client_start", ["client_id", "start_at"], unique=False)
        batch_op.create_index("uq_bookings_active_slot", ["caseworker_id", "start_at"], unique=True, sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade() -> None:

    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("uq_bookings_active_slot", sqlite_where=ACTIVE, postgresql_where=ACTIVE)
        batch_op.drop_index("ix_bookings_client_start")
        batch_op.drop_index("ix_bookings_caseworker_start")
    op.drop_table("bookings")

    with op.batch_alter_table("absences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_absences_caseworker_id"))
    op.drop_table("absences")

    with op.batch_alter_table("time_blocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_time_blocks_caseworker_id"))
    op.drop_table("time_blocks")

    with op.batch_alter_table("office_hours", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_office_hours_municipality_id"))
        batch_op.drop_index(batch_op.f("ix_office_hours_caseworker_id"))
    op.drop_table("office_hours")
