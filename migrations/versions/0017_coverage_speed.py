"""Coverage that answers at once: an index on cost_line (case_id, updated_at, removed_at), so that a web worker
finds the lines of a policy changed since the result it keeps by a range read per case instead of reading every
line, and counts the lines not removed from the index alone.

Revision ID: 0017_coverage_speed
Revises: 0011_portal
"""
from alembic import op

revision = "0017_coverage_speed"
down_revision = "0011_portal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cost_line_case_updated", "cost_line", ["case_id", "updated_at", "removed_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cost_line_case_updated", table_name="cost_line")
