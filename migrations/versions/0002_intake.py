"""intake and the clocks: case clock facts, reference counter, deadlines, reminders

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_CASE_COLUMNS = ("pmark_holder", "appi_known_at", "gdpr_aware_at", "card_known_at", "pmark_discovered_at",
                 "next_due_at")


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild on SQLite: incident_case is referenced by other tables).
    op.add_column('incident_case', sa.Column('pmark_holder', sa.Boolean(), server_default=sa.false(),
                                             nullable=False))
    for name in _CASE_COLUMNS[1:]:
        op.add_column('incident_case', sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_case_status_next_due', 'incident_case', ['status', 'next_due_at'], unique=False)

    op.create_table('case_reference_counter',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year')
    )
    op.create_table('deadline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_day', sa.Date(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('met_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rule', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status in ('open','met','missed','not_applicable')", name='ck_deadline_status'),
    sa.ForeignKeyConstraint(['case_id'], ['incident_case.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'kind', name='uq_deadline_case_kind')
    )
    op.create_index('ix_deadline_status_due', 'deadline', ['status', 'due_at'], unique=False)
    op.create_table('reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deadline_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('offset_label', sa.String(length=10), nullable=False),
    sa.Column('for_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('send_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient', sa.String(length=30), nullable=False),
    sa.Column('recipient_role', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status in ('pending','sent','skipped')", name='ck_reminder_status'),
    sa.ForeignKeyConstraint(['case_id'], ['incident_case.id'], ),
    sa.ForeignKeyConstraint(['deadline_id'], ['deadline.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('deadline_id', 'offset_label', 'recipient', 'for_due_at', name='uq_reminder_slot')
    )
    op.create_index('ix_reminder_case_id', 'reminder', ['case_id'], unique=False)
    op.create_index('ix_reminder_deadline_id', 'reminder', ['deadline_id'], unique=False)
    op.create_index('ix_reminder_status_send', 'reminder', ['status', 'send_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_reminder_status_send', table_name='reminder')
    op.drop_index('ix_reminder_deadline_id', table_name='reminder')
    op.drop_index('ix_reminder_case_id', table_name='reminder')
    op.drop_table('reminder')
    op.drop_index('ix_deadline_status_due', table_name='deadline')
    op.drop_table('deadline')
    op.drop_table('case_reference_counter')
    op.drop_index('ix_case_status_next_due', table_name='incident_case')
    # SQLite >= 3.35 drops a plain column natively, so no table rebuild here either.
    for name in reversed(_CASE_COLUMNS):
        op.drop_column('incident_case', name)
