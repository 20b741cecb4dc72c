"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis), on both databases:
whatever a client sends, the answer is never a server error nor a stack trace, and a refused request (4xx)
writes no row."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlmodel import select

from hotline.auth.models import User
from hotline.auth.service import issue_token
from hotline.demo import load
from tests.support import row_counts

EXAMPLES = 15  # per operation and database


@pytest.fixture
def api_schema(app, db):
    with app.app_context():
        load(db, hash_method="pbkdf2:sha256:1000")  # organisations, policies, cases, costs, vendors
    db.commit()
    coordinator = db.exec(select(User).where(User.role == "coordinator")).first()
    token = issue_token(db, coordinator)
    db.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.config.headers = {"Authorization": f"Bearer {token}"}
    return schema


def test_no_input_makes_a_server_error_or_writes_on_a_refusal(api_schema, db):
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case):
            before = row_counts(db)
            response = case.call()
            where = f"{case.method} {case.formatted_path} {case.body!r:.200} {case.query!r:.200}"
            if response.status_code >= 500 or "Traceback" in response.text:
                failures.append(f"{where}: {response.status_code} {response.text[:200]}")
            elif 400 <= response.status_code < 500 and row_counts(db) != before:
                failures.append(f"{where}: {response.status_code} but rows were written")

        call()
    assert not failures, failures[:5]
