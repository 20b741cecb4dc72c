"""costs: the cost ledger (issue 4)

Revision ID: 0003
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cost_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("amount_jpy", sa.BigInteger(), nullable=False),
        sa.Column("arose_on", sa.Date(), nullable=False),
        sa.Column("ordered_at", sa.DateTime(timezone=True), nullable=True),
        # Plain integers without foreign keys: vendor tables belong to another migration branch.
        sa.Column("vendor_id", sa.Integer(), nullable=True),
        sa.Column("dispatch_id", sa.Integer(), nullable=True),
        sa.Column("invoice_ref", sa.String(length=100), nullable=True),
        sa.Column("victims", sa.Integer(), nullable=True),
        sa.Column("consent_ref", sa.String(length=200), nullable=True),
        sa.Column("consent_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("amount_jpy >= 0", name="ck_cost_amount"),
        sa.CheckConstraint("victims is null or victims >= 0", name="ck_cost_victims"),
        sa.ForeignKeyConstraint(["case_id"], ["incident_case.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["removed_by_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cost_line_case_arose", "cost_line", ["case_id", "arose_on", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cost_line_case_arose", table_name="cost_line")
    op.drop_table("cost_line")
