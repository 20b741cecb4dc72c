"""What an insured must provide before a cost line can be paid, from the category's rules and the case's facts;
the CSV guard against formulas."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from hotline.formatting import spreadsheet_safe
from hotline.portal.service import (
    NEED_CONSENT,
    NEED_COUNT,
    NEED_DETERMINATION,
    NEED_PUBLICATION,
    NEED_RECEIPT,
    needs,
)
from hotline.products.catalogue import get_product

PRODUCT = get_product("tm-juas-2026")


def line(**kw):
    return SimpleNamespace(consent_ref=None, victims=None, **kw)


def case(attack="yes", published=None):
    return SimpleNamespace(attack_confirmed=attack, publication_made_at=published)


@pytest.mark.parametrize("category,the_line,the_case,receipts,expected", [
    ("investigation", line(), case(), 1, []),
    ("investigation", line(), case(), 0, [NEED_RECEIPT]),
    ("advisory", line(), case(), 1, [NEED_CONSENT]),  # ④ needs the insurer's written consent (I-8)
    ("advisory", SimpleNamespace(consent_ref="TM-1", victims=None), case(), 1, []),
    ("other.consolation_individual", line(), case(), 1, [NEED_CONSENT, NEED_PUBLICATION, NEED_COUNT]),  # ⑥カ
    ("other.consolation_individual", SimpleNamespace(consent_ref="TM-1", victims=10),
     case(published=dt.datetime(2026, 4, 20, tzinfo=dt.UTC)), 1, []),
    ("other.consolation_corporate", line(), case(), 1, [NEED_COUNT]),  # ⑥キ: per company, no consent
    ("emergency_response", line(), case(attack="unknown"), 0, [NEED_RECEIPT, NEED_DETERMINATION]),  # ① (I-9)
    ("emergency_response", line(), case(attack="no"), 1, []),
    ("ransom", line(), case(), 1, []),  # not a category of the product: nothing the insured can provide
])
def test_what_is_still_needed(category, the_line, the_case, receipts, expected):
    assert [t.msgid for t in needs(PRODUCT.category(category), the_line, the_case, receipts)] == expected


@pytest.mark.parametrize("value,expected", [
    ("=1+1", "'=1+1"), ("+81300000101", "'+81300000101"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("株式会社=A", "株式会社=A"), ("", ""), (1200000, 1200000),
])
def test_no_cell_starts_a_formula(value, expected):
    assert spreadsheet_safe(value) == expected
