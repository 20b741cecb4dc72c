"""Organisations and policies. Each function that changes something commits its unit of work."""
from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, select

from hotline.audit.service import record
from hotline.errors import Invalid, NotFound
from hotline.orgs.models import Organization, Policy
from hotline.orgs.schemas import OrganizationIn, PolicyIn
from hotline.products.catalogue import catalogue
from workflows.text import N_


def create_organization(session: Session, data: OrganizationIn, *, actor) -> Organization:
    org = Organization(name=data.name, phone=data.phone)
    session.add(org)
    session.flush()
    record(session, actor=actor, kind="organization_created", entity="organization", entity_id=org.id,
           params={"name": org.name})
    session.commit()
    return org


def create_policy(session: Session, data: PolicyIn, *, actor) -> Policy:
    errors: dict[str, str] = {}
    if session.get(Organization, data.organization_id) is None:
        errors["organization_id"] = N_("no such organisation")
    product = catalogue().get(data.product)
    if product is None:
        errors["product"] = f"unknown product; known: {', '.join(sorted(catalogue()))}"
    elif data.plan not in product.plans:
        errors["plan"] = f"unknown plan for {data.product}; one of {', '.join(product.plans)}"
    if data.period_end <= data.period_start:
        errors["period_end"] = N_("must be after period_start")
    if session.exec(select(Policy).where(Policy.policy_number == data.policy_number)).first():
        errors["policy_number"] = N_("a policy with this number already exists")
    if errors:
        raise Invalid(errors)
    policy = Policy(**data.model_dump())
    session.add(policy)
    session.flush()
    record(session, actor=actor, kind="policy_created", entity="policy", entity_id=policy.id,
           params={"number": policy.policy_number, "product": policy.product, "plan": policy.plan})
    session.commit()
    return policy


def get_policy(session: Session, policy_id: int, *, organization_scope: int | None = None) -> Policy:
    policy = session.get(Policy, policy_id)
    if policy is None or (organization_scope is not None and policy.organization_id != organization_scope):
        raise NotFound("policy")
    return policy


def search_policies(session: Session, text: str = "", *, organization_scope: int | None = None,
                    limit: int = 50) -> list[tuple[Policy, Organization]]:
    """Policy lookup for intake: by policy number or company name, case-insensitive, partial."""
    query = select(Policy, Organization).join(Organization, Organization.id == Policy.organization_id)
    if text.strip():
        like = f"%{text.strip().lower()}%"
        query = query.where(or_(Policy.policy_number.ilike(like), Organization.name.ilike(like)))
    if organization_scope is not None:
        query = query.where(Policy.organization_id == organization_scope)
    return list(session.exec(query.order_by(Organization.name, Policy.policy_number).limit(limit)))


def list_organizations(session: Session) -> list[Organization]:
    return list(session.exec(select(Organization).order_by(Organization.name)))
