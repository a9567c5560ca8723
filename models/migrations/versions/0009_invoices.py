"""invoices: issued invoices and credit notes, and the gap-free number counters

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("invoice_counters",
    sa.Column("prefix", sa.String(length=10), nullable=False),
    sa.Column("year", sa.Integer(), nullable=False),
    sa.Column("last_number", sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint("prefix", "year", name=op.f("pk_invoice_counters"))
    )
    op.create_table("invoices",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("number", sa.String(length=24), nullable=False),
    sa.Column("prefix", sa.String(length=10), nullable=False),
    sa.Column("year", sa.Integer(), nullable=False),
    sa.Column("sequence", sa.Integer(), nullable=False),
    sa.Column("kind", sa.String(length=16), nullable=False),
    sa.Column("municipality_id", sa.Integer(), nullable=False),
    sa.Column("quarter", sa.String(length=6), nullable=False),
    sa.Column("refers_to_id", sa.Integer(), nullable=True),
    sa.Column("issue_date", sa.Date(), nullable=False),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("issued_by_id", sa.Integer(), nullable=True),
    sa.Column("net", sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column("vat", sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column("gross", sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column("vat_rate", sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column("lines", sa.JSON(), nullable=False),
    sa.Column("pdf", sa.LargeBinary(), nullable=False),
    sa.Column("xml", sa.LargeBinary(), nullable=False),
    sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
    sa.Column("xml_sha256", sa.String(length=64), nullable=False),
    sa.CheckConstraint("kind IN ('invoice', 'credit_note')", name=op.f("ck_invoices_kind")),
    sa.ForeignKeyConstraint(["issued_by_id"], ["caseworkers.id"], name=op.f("fk_invoices_issued_by_id_caseworkers")),
    sa.ForeignKeyConstraint(["municipality_id"], ["municipalities.id"], name=op.f("fk_invoices_municipality_id_municipalities")),
    sa.ForeignKeyConstraint(["refers_to_id"], ["invoices.id"], name=op.f("fk_invoices_refers_to_id_invoices")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
    sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
    sa.UniqueConstraint("prefix", "year", "sequence", name=op.f("uq_invoices_prefix"))
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoices_municipality_id"), ["municipality_id"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_municipality_id"))

    op.drop_table("invoices")
    op.drop_table("invoice_counters")
