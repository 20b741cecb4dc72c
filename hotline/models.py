"""Every table module, imported so SQLModel.metadata knows the whole schema (Alembic, tests)."""
from hotline.audit.models import AuditEvent  # noqa: F401
from hotline.auth.models import ApiToken, User  # noqa: F401
from hotline.cases.models import Case  # noqa: F401
from hotline.orgs.models import Organization, Policy  # noqa: F401
from hotline.outbox.models import OutboxMessage  # noqa: F401
