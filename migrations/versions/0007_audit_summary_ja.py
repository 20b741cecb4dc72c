"""The audit log keeps a Japanese summary beside the English one, for the Japanese timeline.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy on SQLite), so the append-only triggers stay in place.
    op.add_column("audit_event", sa.Column("summary_ja", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.drop_column("summary_ja")
