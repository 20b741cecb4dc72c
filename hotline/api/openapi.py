"""The OpenAPI 3.1 document served at /api/v1/openapi.json.

Each domain's api module exports `OPENAPI_PATHS` (path → operations) and, where it has them,
`OPENAPI_SCHEMAS` (pydantic models by name). They are gathered here, from the modules whose blueprints
make up /api/v1, so a module that serves endpoints documents them.
"""
from __future__ import annotations

from types import ModuleType

from pydantic import BaseModel

ERROR = {
    "type": "object",
    "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}}},
        "required": ["code", "message", "fields"]}},
}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref(name)}}}


def responses(ok_status: int, ok_schema: dict | None, *errors: int, description: str = "OK") -> dict:
    out: dict = {str(ok_status): {"description": description}}
    if ok_schema is not None:
        out[str(ok_status)]["content"] = {"application/json": {"schema": ok_schema}}
    for status in (401, *errors):
        out[str(status)] = {"description": "Error", "content": {"application/json": {"schema": ref("Error")}}}
    return out


def document(modules: list[ModuleType]) -> dict:
    paths: dict = {}
    schemas: dict = {"Error": ERROR}
    for module in modules:
        for path, ops in getattr(module, "OPENAPI_PATHS", {}).items():
            paths.setdefault(path, {}).update(ops)
        for schema_name, model in getattr(module, "OPENAPI_SCHEMAS", {}).items():
            if isinstance(model, type) and issubclass(model, BaseModel):
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(schema.pop("$defs", {}))
                schemas[schema_name] = schema
            else:
                schemas[schema_name] = model
    _idempotency_keys(paths)
    return {
        "openapi": "3.1.0",
        "info": {"title": "hotline API", "version": "1",
                 "description": "Incident-response case management for the cyber-insurance hotline. "
                                "Instants are ISO 8601 with an offset (output in +09:00); money is integer yen "
                                "in fields ending in _jpy."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
        "paths": paths,
    }


def _idempotency_keys(paths: dict) -> None:
    """Every creating POST (one answering 201) takes an Idempotency-Key (hotline/api `idempotent`; a test checks
    that the views and the document agree)."""
    for ops in paths.values():
        op = ops.get("post")
        if op and "201" in op.get("responses", {}):
            op["parameters"] = [*op.get("parameters", []), IDEMPOTENCY_KEY]
            op["responses"].setdefault("409", {"description": "Error", "content": {
                "application/json": {"schema": ref("Error")}}})
            op["responses"].setdefault("422", {"description": "Error", "content": {
                "application/json": {"schema": ref("Error")}}})


# A parameter of the creating POSTs (hotline/api idempotent).
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Retrying after a dropped connection: the same key from the same user within 24 hours answers "
                   "with the first success (same status and body, header Idempotent-Replayed: true) and creates "
                   "nothing more. The same key with another body or path: 422; while the first request still "
                   "runs: 409 (error.code idempotency_key_in_use). A failed request frees its key."}
