"""Every table module, imported so SQLModel.metadata knows the whole schema (Alembic, tests)."""
from hotline.accounts.models import AccountLink  # noqa: F401
from hotline.audit.models import AuditEvent  # noqa: F401
from hotline.auth.models import ApiToken, User  # noqa: F401
from hotline.cases.models import Case, CaseReferenceCounter  # noqa: F401
from hotline.costs.models import CostLine, Receipt, ReceiptContent  # noqa: F401
from hotline.deadlines.models import Deadline, Reminder  # noqa: F401
from hotline.dispatch.models import Dispatch, DispatchAttempt, Vendor, VendorContact  # noqa: F401
from hotline.idempotency.models import IdempotencyKey  # noqa: F401
from hotline.messages.models import CaseMessage  # noqa: F401
from hotline.orgs.models import Organization, Policy  # noqa: F401
from hotline.outbox.models import OutboxMessage  # noqa: F401
from hotline.phases.models import CasePhase, CaseTask  # noqa: F401
