"""The OpenAPI document is valid OpenAPI 3.1 (openapi-spec-validator), every operation has a unique camelCase
operationId and a tag (what generated clients name their methods and classes by), every error answer has a schema,
and the app's real 409 and 422 answers match the schemas the document gives them."""
from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from openapi_spec_validator.versions import consts, get_spec_version

from tests.hotline.dispatch.test_dispatch import add_vendor

CAMEL_CASE = re.compile(r"^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*$")
METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


@pytest.fixture
def doc(client):
    return client.get("/api/v1/openapi.json").get_json()


def operations(doc):
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", op


def test_the_document_is_valid_openapi_3_1(doc):
    assert get_spec_version(doc) == consts.OPENAPIV31
    validate(doc)  # raises on any error


def test_every_operation_has_a_unique_camel_case_operation_id_and_a_declared_tag(doc):
    ops = dict(operations(doc))
    assert len(ops) >= 43
    missing = [where for where, op in ops.items() if not op.get("operationId")]
    assert not missing, f"no operationId: {missing}"
    ids = [op["operationId"] for op in ops.values()]
    assert not [i for i in ids if not CAMEL_CASE.match(i)], "operationIds must be camelCase"
    assert len(ids) == len(set(ids)), f"repeated: {sorted({i for i in ids if ids.count(i) > 1})}"
    declared = {t["name"] for t in doc["tags"]}
    assert not [where for where, op in ops.items() if not op.get("tags") or not set(op["tags"]) <= declared]
    assert {"cases", "costs", "dispatch", "phases"} <= declared


def test_every_error_answer_has_a_schema_and_named_conflicts_say_what_they_carry(doc):
    schemas = doc["components"]["schemas"]
    for where, op in operations(doc):
        for status, answer in op["responses"].items():
            if status.startswith(("4", "5")):
                schema = answer.get("content", {}).get("application/json", {}).get("schema")
                assert schema and schema["$ref"].rsplit("/", 1)[-1] in schemas, (where, status)
    dispatch_409 = doc["paths"]["/cases/{reference}/dispatches"]["post"]["responses"]["409"]
    assert dispatch_409["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/WarningsError"}
    assert "warnings" in schemas["WarningsError"]["properties"]["error"]["properties"]
    phase_409 = doc["paths"]["/cases/{reference}/phases/{key}"]["post"]["responses"]["409"]
    assert phase_409["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/GuardError"}
    assert schemas["InvalidError"]["properties"]["error"]["properties"]["code"] == {"const": "invalid"}
    assert schemas["TooManyRequestsError"]["properties"]["error"]["properties"]["code"] == {
        "const": "too_many_requests"}


def _matches(doc, name: str, body: dict) -> None:
    schema = doc["components"]["schemas"][name]
    Draft202012Validator.check_schema(schema)
    Draft202012Validator(schema).validate(body)


def test_the_real_409s_and_422_match_their_schemas(doc, factory, api_as):
    coord = api_as(factory.user("coordinator"))
    case = factory.case()
    vendor = add_vendor(coord, "Law firm", caps=("legal",))
    r = coord.post(f"/cases/{case.reference}/dispatches",
                   json={"vendor_id": vendor["id"], "capability": "legal", "brief": "報告の相談"})
    assert r.status_code == 409 and r.get_json()["error"]["warnings"]
    _matches(doc, "WarningsError", r.get_json())
    r = coord.post(f"/cases/{case.reference}/phases/closure", json={"action": "complete"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "guard" and r.get_json()["error"]["blockers"]
    _matches(doc, "GuardError", r.get_json())
    r = coord.post(f"/cases/{case.reference}/costs", json={"category": "investigation", "amount_jpy": "1000"})
    assert r.status_code == 422
    _matches(doc, "InvalidError", r.get_json())
    with pytest.raises(Exception):  # noqa: B017, PT011  the schemas do tell answers apart
        _matches(doc, "InvalidError", {"error": {"code": "guard", "message": "", "fields": {}}})
