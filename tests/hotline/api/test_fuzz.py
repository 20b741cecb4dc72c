"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis): whatever a client
sends, the answer is never a server error. SQLite only; the contract tests cover both databases."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlmodel import select

from hotline.auth.models import User
from hotline.auth.service import issue_token
from hotline.demo import load


@pytest.fixture
def api_schema(live_app, live_factory):
    with live_app.app_context():
        load(live_factory.s, hash_method="pbkdf2:sha256:1000")  # organisations, policies, cases, costs, vendors
    live_factory.s.commit()
    coordinator = live_factory.s.exec(select(User).where(User.role == "coordinator")).first()
    token = issue_token(live_factory.s, coordinator)
    live_factory.s.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", live_app)
    schema.config.headers = {"Authorization": f"Bearer {token}"}
    return schema


def test_no_input_makes_a_server_error(api_schema):
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case):
            response = case.call()
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:200]}")

        call()
    assert not failures, failures
