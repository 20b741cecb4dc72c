"""One CaseFacts for every rule, built by one function from a Case or from the coverage's column-only row."""
from __future__ import annotations

from dataclasses import fields

from sqlmodel import select

from hotline.cases.models import FACT_COLUMNS, Case, facts_of
from tests.support import jst
from workflows.facts import CaseFacts


def test_facts_from_a_case_and_from_its_columns_are_the_same(factory, db):
    case = factory.case(personal_records_affected=3_000, card_data=True, malicious=True, eu_data_subjects=True,
                        attack_confirmed="no", discovery_source="public_body", pmark_holder=True,
                        publication_made_at=jst(2026, 4, 20, 10, 0), appi_known_at=jst(2026, 4, 12, 9, 0))
    from_row = facts_of(db.execute(select(*FACT_COLUMNS).where(Case.id == case.id)).one())
    assert from_row == facts_of(case)
    assert from_row.id == case.id and from_row.reference == case.reference
    assert from_row.first_discovered_at == jst(2026, 4, 10, 23, 30)
    assert from_row.appi_known_at == jst(2026, 4, 12, 9, 0) and from_row.gdpr_aware_at is None
    assert (from_row.card_data, from_row.malicious, from_row.pmark_holder) == (True, True, True)
    assert from_row.discovery_source == "public_body" and from_row.attack_confirmed == "no"
    # every fact the rules read is a column of the case: nothing is defaulted silently
    assert [c.key for c in FACT_COLUMNS] == [f.name for f in fields(CaseFacts)]
