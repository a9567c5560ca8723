"""casework: contact time entries, integration plan goals, case details, closed quarters

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "case_details",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("care_start", sa.Date(), nullable=True),
        sa.Column("care_extended", sa.Boolean(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_case_details_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_case_details")),
    )
    op.create_table(
        "closed_quarters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=6), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("total_minutes", sa.Integer(), nullable=False),
        sa.Column("hourly_rate", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("vat_rate", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("net", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("vat", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("gross", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["caseworkers.id"],
            name=op.f("fk_closed_quarters_closed_by_id_caseworkers"),
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"], ["municipalities.id"],
            name=op.f("fk_closed_quarters_municipality_id_municipalities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closed_quarters")),
        sa.UniqueConstraint(
            "municipality_id", "quarter", name=op.f("uq_closed_quarters_municipality_id")
        ),
    )
    op.create_table(
        "contact_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("caseworker_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("case_reference", sa.String(length=16), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("consultation", "home_visit", "phone", "accompaniment", "group_event",
                    "travel", name="contact_kind", native_enum=False),
            nullable=False,
        ),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("quarter", sa.String(length=6), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("telegram_key", sa.String(length=48), nullable=True),
        sa.Column("is_correction", sa.Boolean(), nullable=False),
        sa.Column("correction_of_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(is_correction AND minutes BETWEEN -600 AND 600 AND minutes <> 0) "
            "OR (NOT is_correction AND minutes BETWEEN 1 AND 600)",
            name=op.f("ck_contact_entries_minutes_range"),
        ),
        sa.ForeignKeyConstraint(
            ["caseworker_id"], ["caseworkers.id"],
            name=op.f("fk_contact_entries_caseworker_id_caseworkers"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_contact_entries_client_id_clients"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["correction_of_id"], ["contact_entries.id"],
            name=op.f("fk_contact_entries_correction_of_id_contact_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by_id"], ["caseworkers.id"],
            name=op.f("fk_contact_entries_deleted_by_id_caseworkers"),
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"], ["municipalities.id"],
            name=op.f("fk_contact_entries_municipality_id_municipalities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_entries")),
        sa.UniqueConstraint("telegram_key", name=op.f("uq_contact_entries_telegram_key")),
    )
    with op.batch_alter_table("contact_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_entries_billing",
            ["municipality_id", "quarter", "is_correction", "kind", "deleted_at", "minutes",
             "client_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_contact_entries_caseworker_date", ["caseworker_id", "entry_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contact_entries_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "plan_goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column(
            "area",
            sa.Enum("german_course", "work", "housing", "school_kita", "health", "residence",
                    "other", name="plan_area", native_enum=False),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("open", "in_progress", "reached", "dropped", name="goal_status",
                    native_enum=False),
            nullable=False,
        ),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_plan_goals_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["caseworkers.id"],
            name=op.f("fk_plan_goals_created_by_id_caseworkers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_goals")),
    )
    with op.batch_alter_table("plan_goals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_goals_client_id"), ["client_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("plan_goals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_goals_client_id"))

    op.drop_table("plan_goals")
    with op.batch_alter_table("contact_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_entries_client_id"))
        batch_op.drop_index("ix_contact_entries_caseworker_date")
        batch_op.drop_index("ix_contact_entries_billing")

    op.drop_table("contact_entries")
    op.drop_table("closed_quarters")
    op.drop_table("case_details")
