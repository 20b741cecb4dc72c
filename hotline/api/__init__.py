"""The JSON API under /api/v1: bearer-token authentication, body parsing and the OpenAPI document."""
from __future__ import annotations

from typing import TypeVar

from flask import Blueprint, current_app, g, jsonify, request
from pydantic import BaseModel

from hotline.errors import Invalid, Unauthenticated
from hotline.extensions import get_session
from hotline.validation import QUERY


def authenticate_bearer() -> None:
    """Every /api/v1 request needs `Authorization: Bearer <token>`; the OpenAPI document is public."""
    if request.endpoint and request.endpoint.endswith("openapi"):
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated()
    from hotline.auth import throttle
    from hotline.auth.service import user_for_token

    user = user_for_token(get_session(), token.strip())
    if user is None:  # a token cannot be guessed, but a scan is slowed (429) and a real token is never locked out
        throttle.check_token()
        throttle.token_failed()
        raise Unauthenticated("The bearer token is unknown or revoked.")
    g.api_user = user


def make_api_blueprint(children: list[Blueprint]) -> Blueprint:
    """Built per app so the child blueprints can be registered on many apps (tests)."""
    api = Blueprint("api", __name__, url_prefix="/api/v1")
    api.before_request(authenticate_bearer)
    for child in children:
        api.register_blueprint(child)

    import sys

    from hotline.api.openapi import document

    modules = [sys.modules[child.import_name] for child in children]

    @api.get("/openapi.json")
    def openapi():
        return jsonify(document(modules))

    return api


M = TypeVar("M", bound=BaseModel)


def parse_body(model: type[M]) -> M:
    """The request's JSON object validated by a pydantic model (hotline/validation.py types, strict); 422 with
    fields when it is not. JSON nested too deep for the parser is refused like any other bad body."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        data = None
    if not isinstance(data, dict):
        raise Invalid({"body": "expected a JSON object"}, "The body must be a JSON object.")
    return model.model_validate(data)


def parse_query(model: type[M]) -> M:
    """The query string validated by a pydantic model, in query mode: integers are ASCII digits (`limit=²` is
    a 422, not a 500). A parameter given twice counts once, as request.args.get reads it."""
    return model.model_validate(request.args.to_dict(), context=QUERY)


IDEMPOTENCY_HEADER = "Idempotency-Key"


def _content() -> bytes:
    """What a request asks, whatever its encoding, to tell a retry from another request: a JSON body's data (keys
    in any order), a multipart body's fields and files (a retry has another boundary)."""
    import hashlib
    import json

    if request.mimetype == "multipart/form-data":
        files = []
        for name, upload in request.files.items(multi=True):
            files.append((str(name), upload.filename or "", hashlib.sha256(upload.stream.read()).hexdigest()))
            upload.stream.seek(0)  # the view reads it again
        fields = sorted((str(k), str(v)) for k, v in request.form.items(multi=True))  # a nameless part: None
        return json.dumps([fields, sorted(files)], ensure_ascii=False).encode()
    data = request.get_data()
    try:
        return json.dumps(json.loads(data), sort_keys=True, ensure_ascii=False).encode()
    except (ValueError, RecursionError):  # not JSON: the bytes themselves
        return data


def idempotent(view):
    """For a creating POST: with an `Idempotency-Key` header, the same key from the same user within 24 hours
    answers with the first success (same status and body) and creates nothing more (hotline/idempotency)."""
    from functools import wraps

    from flask import Response

    from hotline.idempotency import service as keys

    @wraps(view)
    def wrapper(*args, **kwargs):
        raw = request.headers.get(IDEMPOTENCY_HEADER)
        user = g.get("api_user")
        if raw is None or user is None:
            return view(*args, **kwargs)
        session = get_session()
        key = keys.check_key(raw.strip())
        replay = keys.claim(session, user_id=user.id, key=key,
                            request=keys.fingerprint(request.method, request.path, _content()))
        if replay is not None:
            return Response(replay.body, replay.status, mimetype="application/json",
                            headers={"Idempotent-Replayed": "true"})
        try:
            response = view(*args, **kwargs)
        except BaseException:
            keys.release(session, user_id=user.id, key=key)
            raise
        answer = current_app.make_response(response)
        if 200 <= answer.status_code < 300:
            keys.keep(session, user_id=user.id, key=key, status=answer.status_code, body=answer.get_data(as_text=True))
        else:
            keys.release(session, user_id=user.id, key=key)
        return answer

    wrapper.idempotent = True  # the OpenAPI test checks that every creating POST has it
    return wrapper
