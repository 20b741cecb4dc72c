"""Finding any case (issue 11) fast at a million cases (issue 13).

- organization.search_key, policy.search_key: the company name and the policy number as the search compares
  them (hotline.validation.search_key: NFKC, lower case, no legal form such as 株式会社, katakana as hiragana,
  letters and digits only), computed here for the rows already there; trigram indexes on PostgreSQL (pg_trgm) so
  that a substring of either is an index search; on SQLite, a full-text table of trigrams beside each
  (organization_search_fts, policy_search_fts: FTS5, rowid = the row's id), kept in step by triggers.
- incident_case: indexes on the two phones (searched as E.164), and the list's order, (next_due_at IS NULL,
  next_due_at, id DESC), alone and after each filter: status, phase, coordinator (this one replaces the
  coordinator's single-column index).

Revision ID: 0014_case_search
Revises: 0011_portal
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0014_case_search"
down_revision = "0015_intake_speed"
branch_labels = None
depends_on = None

ORDER = [sa.text("(next_due_at IS NULL)"), sa.text("next_due_at"), sa.text("id DESC")]
LIST_INDEXES = {"ix_case_list_order": [], "ix_case_status_list_order": ["status"],
                "ix_case_phase_list_order": ["phase"], "ix_case_coordinator_list_order": ["coordinator_id"]}
KEYED = {"organization": ("name", 200), "policy": ("policy_number", 60)}

# hotline.validation.search_key as this revision computed the keys (a migration does not change with the code).
_LEGAL_FORMS = re.compile(
    r"株式会社|有限会社|合同会社|合資会社|合名会社|相互会社|(?:一般|公益)(?:社団|財団)法人|特定非営利活動法人|npo法人"
    r"|医療法人|社会福祉法人|学校法人|独立行政法人|[(（][株有合同資名社財医学][)）]"
    r"|\bkabushiki\s*kaisha\b|\bco\.?,?\s*ltd\.?|\binc\.?$|\bk\.k\.?$")


def search_key(text):
    text = _LEGAL_FORMS.sub("", unicodedata.normalize("NFKC", text or "").lower())
    text = text.translate({c: c - 0x60 for c in range(ord("ァ"), ord("ヶ") + 1)})
    return "".join(c for c in text if c.isalnum())


def create_sqlite_fts(table: str) -> None:
    """FTS5 with the trigram tokenizer answers `MATCH '"東京商事"'` (a substring of 3 characters or more) from its
    index; triggers keep it in step with every insert, key change and delete."""
    fts = f"{table}_search_fts"
    op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5(search_key, tokenize='trigram')")
    op.execute(f"INSERT INTO {fts} (rowid, search_key) SELECT id, search_key FROM {table}")
    op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
               f"INSERT INTO {fts} (rowid, search_key) VALUES (new.id, new.search_key); END")
    op.execute(f"CREATE TRIGGER {fts}_update AFTER UPDATE OF search_key ON {table} BEGIN "
               f"UPDATE {fts} SET search_key = new.search_key WHERE rowid = old.id; END")
    op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
               f"DELETE FROM {fts} WHERE rowid = old.id; END")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, (source, length) in KEYED.items():
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("search_key", sa.String(length=length), server_default="",
                                          nullable=False))
        rows = bind.execute(sa.text(f"SELECT id, {source} FROM {table}")).all()
        if rows:
            bind.execute(sa.text(f"UPDATE {table} SET search_key = :key WHERE id = :id"),
                         [{"id": i, "key": search_key(value)} for i, value in rows])
        op.create_index(f"ix_{table}_search_key_trgm", table, ["search_key"], postgresql_using="gin",
                        postgresql_ops={"search_key": "gin_trgm_ops"})
        if bind.dialect.name == "sqlite":
            create_sqlite_fts(table)
    with op.batch_alter_table("incident_case") as batch_op:
        batch_op.create_index("ix_incident_case_caller_phone", ["caller_phone"], unique=False)
        batch_op.create_index("ix_incident_case_contact_phone", ["contact_phone"], unique=False)
        batch_op.drop_index("ix_incident_case_coordinator_id")
    for name, columns in LIST_INDEXES.items():
        op.create_index(name, "incident_case", [*columns, *ORDER])


def downgrade() -> None:
    for name in LIST_INDEXES:
        op.drop_index(name, table_name="incident_case")
    with op.batch_alter_table("incident_case") as batch_op:
        batch_op.create_index("ix_incident_case_coordinator_id", ["coordinator_id"], unique=False)
        batch_op.drop_index("ix_incident_case_contact_phone")
        batch_op.drop_index("ix_incident_case_caller_phone")
    for table in KEYED:
        if op.get_bind().dialect.name == "sqlite":
            for trigger in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_search_fts_{trigger}")
            op.execute(f"DROP TABLE {table}_search_fts")
        op.drop_index(f"ix_{table}_search_key_trgm", table_name=table)
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("search_key")
