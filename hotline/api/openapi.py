"""The OpenAPI 3.1 document served at /api/v1/openapi.json.

Each domain's api module exports `OPENAPI_PATHS` (path → operations) and, where it has them,
`OPENAPI_SCHEMAS` (pydantic models by name). They are gathered here, from the modules whose blueprints
make up /api/v1, so a module that serves endpoints documents them.
"""
from __future__ import annotations

from types import ModuleType

from pydantic import BaseModel

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

def _error(code: dict, description: str = "", **details) -> dict:
    """The error envelope {"error": {"code", "message", "fields", ...details}} with `code` as given."""
    return {"type": "object", "required": ["error"], "description": description, "properties": {"error": {
        "type": "object", "required": ["code", "message", "fields"], "properties": {
            "code": code, "message": {"type": "string", "description": "in English, for people"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "the offending field and what to send instead"},
            **details}}}}


_STRINGS = {"type": "array", "items": {"type": "string"}}
ERRORS = {
    "Error": _error({"type": "string"}),
    "InvalidError": _error({"const": "invalid"}, "Bad input: error.fields names each field and what to send."),
    "ConflictError": _error(
        {"type": "string", "examples": ["conflict", "state", "case_closed", "guard"]},
        "The state of things does not allow it: `state` (changed by someone else meanwhile: reload), "
        "`case_closed`, `guard` (error.blockers lists what is in the way), or another named conflict.",
        blockers=_STRINGS),
    "GuardError": _error({"type": "string", "examples": ["guard"]},
                         "`guard`: a rule stops the move; error.blockers names each thing in the way.",
                         blockers=_STRINGS),
    "WarningsError": _error(
        {"type": "string", "examples": ["warnings", "case_closed"]},
        "`warnings`: the policy calls for attention first (consent needed, emergency work before the insurer "
        "notice...); error.warnings lists them and the same request with override_warnings=true goes ahead.",
        warnings=_STRINGS),
    "TooManyRequestsError": _error({"const": "too_many_requests"}, "Too many attempts: wait and try again."),
}
# The error schema of each status (409: ConflictError unless the operation names a more precise one).
_ERROR_OF = {401: ("Error", "No token, or an unknown or revoked one"), 403: ("Error", "The role may not do this"),
             404: ("Error", "No such resource, or not one the caller may know of"),
             409: ("ConflictError", "Conflict"), 413: ("Error", "The request is too large"),
             422: ("InvalidError", "Invalid input"), 429: ("TooManyRequestsError", "Too many requests")}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref(name)}}}


def responses(ok_status: int, ok_schema: dict | None, *errors: int, description: str = "OK",
              conflict: str = "ConflictError") -> dict:
    """The answers of an operation: its success and each error status it may give (401 always), every one
    with its schema; `conflict` names the 409's schema when it says more (GuardError, WarningsError)."""
    out: dict = {str(ok_status): {"description": description}}
    if ok_schema is not None:
        out[str(ok_status)]["content"] = {"application/json": {"schema": ok_schema}}
    for status in (401, *errors):
        schema, text = _ERROR_OF.get(status, ("Error", "Error"))
        if status == 409:
            schema = conflict
        out[str(status)] = {"description": text, "content": {"application/json": {"schema": ref(schema)}}}
    return out


def _tag(module: ModuleType) -> str:
    """An operation's tag: its domain, the package of the api module that serves it (hotline.costs.api: costs)."""
    return module.__name__.split(".")[-2]


def document(modules: list[ModuleType]) -> dict:
    paths: dict = {}
    schemas: dict = dict(ERRORS)
    tags: set[str] = set()
    for module in modules:
        for path, ops in getattr(module, "OPENAPI_PATHS", {}).items():
            for method, op in ops.items():
                if method in METHODS:
                    op = {**op, "tags": op.get("tags") or [_tag(module)]}
                    tags.update(op["tags"])
                paths.setdefault(path, {})[method] = op
        for schema_name, model in getattr(module, "OPENAPI_SCHEMAS", {}).items():
            if isinstance(model, type) and issubclass(model, BaseModel):
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(schema.pop("$defs", {}))
                schemas[schema_name] = schema
            else:
                schemas[schema_name] = model
    return {
        "openapi": "3.1.0",
        "info": {"title": "hotline API", "version": "1",
                 "description": "Incident-response case management for the cyber-insurance hotline. "
                                "Instants are ISO 8601 with an offset (output in +09:00); money is integer yen "
                                "in fields ending in _jpy."},
        "servers": [{"url": "/api/v1"}],
        "tags": [{"name": name} for name in sorted(tags)],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
        "paths": paths,
    }


# A parameter of the creating POSTs (hotline/api idempotent).
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Retrying after a dropped connection: the same key from the same user within 24 hours answers "
                   "with the first success (same status and body, header Idempotent-Replayed: true) and creates "
                   "nothing more. The same key with another body or path: 422; while the first request still "
                   "runs: 409 (error.code idempotency_key_in_use). A failed request frees its key."}
