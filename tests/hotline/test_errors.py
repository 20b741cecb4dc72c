"""Domain errors know nothing of HTTP; one module maps them to status codes and the API's error envelope."""
import ast
from pathlib import Path

import hotline.errors as errors
from hotline.error_handlers import STATUS, envelope, status_of


def test_domain_errors_import_nothing_of_the_web():
    """Only the pure message type of the rules (workflows.text): a message may be a Text, rendered by the edge."""
    tree = ast.parse(Path(errors.__file__).read_text())
    imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported <= {"__future__", "workflows.text"}, imported


def test_a_message_that_is_a_text_reads_english_in_the_envelope():
    from workflows.text import Text

    guard = errors.Blocked(Text("Cannot %(what)s", what=Text("start")), blockers=[Text("the case is closed")])
    assert envelope(guard.code, guard.message, guard.fields, **guard.details()) == {
        "error": {"code": "guard", "message": "Cannot start", "fields": {}, "blockers": ["the case is closed"]}}


def test_every_domain_error_has_one_status_and_its_details_in_the_envelope():
    kinds = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, errors.DomainError)
             and v is not errors.DomainError]
    assert {status_of(k.__new__(k)) for k in kinds} <= set(STATUS.values())
    guard = errors.Blocked("Cannot complete Closure: x", blockers=["x"])
    assert status_of(guard) == 409 and guard.code == "guard"
    assert envelope(guard.code, guard.message, guard.fields, **guard.details()) == {
        "error": {"code": "guard", "message": "Cannot complete Closure: x", "fields": {}, "blockers": ["x"]}}
    warn = errors.NeedsOverride("attention", warnings=["w"])
    assert status_of(warn) == 409 and warn.details() == {"warnings": ["w"]} and warn.code == "warnings"
    assert status_of(errors.Invalid({"a": "b"})) == 422 and status_of(errors.NotFound("case")) == 404
    assert errors.Conflict("closed", code="case_closed").code == "case_closed"
