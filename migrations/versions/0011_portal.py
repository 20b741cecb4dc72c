"""The insured's portal: account links (invitations, password resets), case messages, cost receipts, the e-mail
subject in the outbox.

- account_link: one row per invitation or password-reset link; its signed token carries the row id and nonce,
  the row says until when it is valid and whether it was used (a link works once).
- case_message: the thread between a case's insureds and the hotline; read_at marks an insured's message as seen.
- cost_receipt + cost_receipt_content: a cost line's receipt files (PDF, JPEG, PNG, HEIC); the bytes in their
  own table so that listing receipts never reads them.
- outbox_message: + subject (e-mail).

Revision ID: 0011_portal
Revises: 0009_audit_params
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_portal"
down_revision = "0009_audit_params"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("purpose in ('invitation','password_reset')", name="ck_account_link_purpose"),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("account_link") as batch_op:
        batch_op.create_index(batch_op.f("ix_account_link_user_id"), ["user_id"], unique=False)

    op.create_table(
        "case_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("from_insured", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["incident_case.id"]),
        sa.ForeignKeyConstraint(["read_by_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_message") as batch_op:
        batch_op.create_index("ix_case_message_case_at", ["case_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_case_message_unread", ["read_at", "from_insured"], unique=False)

    op.create_table(
        "cost_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cost_line_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("content_type in ('application/pdf','image/jpeg','image/png','image/heic')",
                           name="ck_receipt_type"),
        sa.CheckConstraint("size > 0", name="ck_receipt_size"),
        sa.ForeignKeyConstraint(["case_id"], ["incident_case.id"]),
        sa.ForeignKeyConstraint(["cost_line_id"], ["cost_line.id"]),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cost_receipt") as batch_op:
        batch_op.create_index(batch_op.f("ix_cost_receipt_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cost_receipt_cost_line_id"), ["cost_line_id"], unique=False)

    op.create_table(
        "cost_receipt_content",
        sa.Column("receipt_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["receipt_id"], ["cost_receipt.id"]),
        sa.PrimaryKeyConstraint("receipt_id"),
    )
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.drop_column("subject")
    op.drop_table("cost_receipt_content")
    with op.batch_alter_table("cost_receipt") as batch_op:
        batch_op.drop_index(batch_op.f("ix_cost_receipt_cost_line_id"))
        batch_op.drop_index(batch_op.f("ix_cost_receipt_case_id"))
    op.drop_table("cost_receipt")
    with op.batch_alter_table("case_message") as batch_op:
        batch_op.drop_index("ix_case_message_unread")
        batch_op.drop_index("ix_case_message_case_at")
    op.drop_table("case_message")
    with op.batch_alter_table("account_link") as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_link_user_id"))
    op.drop_table("account_link")
