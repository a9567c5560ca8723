"""reminders: waste zones and collections, reminder settings, children, external appointments

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "waste_zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipalities.id"], name=op.f("fk_waste_zones_municipality_id_municipalities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waste_zones")),
        sa.UniqueConstraint("municipality_id", "name", name=op.f("uq_waste_zones_municipality_id")),
    )
    op.create_table(
        "waste_collections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name_de", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["zone_id"], ["waste_zones.id"], name=op.f("fk_waste_collections_zone_id_waste_zones"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waste_collections")),
        sa.UniqueConstraint("zone_id", "day", "kind", "name_de", name=op.f("uq_waste_collections_zone_id")),
    )
    op.create_table(
        "reminder_settings",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("appointments", sa.Boolean(), nullable=False),
        sa.Column("waste", sa.Boolean(), nullable=False),
        sa.Column("school", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("waste_zone_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_reminder_settings_client_id_clients"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["waste_zone_id"], ["waste_zones.id"], name=op.f("fk_reminder_settings_waste_zone_id_waste_zones"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_reminder_settings")),
    )
    with op.batch_alter_table("reminder_settings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_settings_waste_zone_id"), ["waste_zone_id"], unique=False)

    op.create_table(
        "children",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("place", sa.Enum("school", "kita", name="child_place", native_enum=False), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_children_client_id_clients"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_children")),
    )
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_children_client_id"), ["client_id"], unique=False)

    op.create_table(
        "external_appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("caseworker_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.Enum("auslaenderbehoerde", "jobcenter", "doctor", "school", "kita", "other", name="appointment_kind", native_enum=False), nullable=False),
        sa.Column("description", sa.String(length=80), nullable=True),
        sa.Column("place_name", sa.String(length=120), nullable=False),
        sa.Column("place_address", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["caseworker_id"], ["caseworkers.id"], name=op.f("fk_external_appointments_caseworker_id_caseworkers"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_external_appointments_client_id_clients"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_appointments")),
    )
    with op.batch_alter_table("external_appointments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_external_appointments_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_external_appointments_starts_at"), ["starts_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("external_appointments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_external_appointments_starts_at"))
        batch_op.drop_index(batch_op.f("ix_external_appointments_client_id"))
    op.drop_table("external_appointments")
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_children_client_id"))
    op.drop_table("children")
    with op.batch_alter_table("reminder_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_settings_waste_zone_id"))
    op.drop_table("reminder_settings")
    op.drop_table("waste_collections")
    op.drop_table("waste_zones")
