"""Cases: loading a case the way every edge must, with the organisation scope applied."""
from __future__ import annotations

from sqlmodel import Session, select

from hotline.auth.models import User
from hotline.auth.permissions import check_case_visible
from hotline.cases.models import Case
from hotline.errors import NotFound
from hotline.orgs.models import Policy


def get_visible_case(session: Session, user: User, reference: str) -> tuple[Case, Policy]:
    """The case and its policy, or 404 when it does not exist or belongs to another company (insureds)."""
    row = session.exec(select(Case, Policy).join(Policy, Policy.id == Case.policy_id)
                       .where(Case.reference == reference)).first()
    if row is None:
        raise NotFound("case")
    case, policy = row
    check_case_visible(user, policy.organization_id)
    return case, policy
