"""Bandstand's HTTP API: routes, the token check and error mapping. Glue only; the work
happens in chalicelib. Contract: ../shared/API.md."""

from __future__ import annotations

import functools
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from chalice.app import Chalice, Request, Response

from chalicelib import albums as album_cases
from chalicelib import http, logs, services
from chalicelib import users as user_cases
from chalicelib import validation as v
from chalicelib.config import get_settings
from chalicelib.errors import BandstandError, Forbidden, InvalidToken
from chalicelib.identity import Principal, Profile, Registration
from chalicelib.repository.albums import AlbumRecord

app = Chalice(app_name="bandstand", configure_logs=False)  # our JSON logging instead
log = logging.getLogger("bandstand.http")
ANY_CONTENT_TYPE = ["*/*"]  # the body check is ours (415 as a problem document)
EXPOSED_HEADERS = "ETag, Location, Retry-After, X-Request-Id"


def route(path: str, methods: tuple[str, ...] = ("GET",)) -> Callable[[Callable[..., Response]], Any]:
    """`app.route` that turns domain errors into problem documents and any other
    exception into a bare 500 that is logged once, with the request id."""

    def decorate(view: Callable[..., Response]) -> Any:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Response:
            try:
                return view(*args, **kwargs)
            except BandstandError as exc:
                return http.problem_from(exc)
            except Exception:
                log.exception("unhandled error", extra={"route": path})
                return http.problem(500, "internal_error", "Something went wrong on our side. Try again later.")

        return app.route(path, methods=list(methods), content_types=ANY_CONTENT_TYPE)(guarded)

    return decorate


# -- request helpers ----------------------------------------------------------------------


def current() -> Request:
    request = app.current_request
    assert request is not None  # always set while a route runs
    return request


def body(model: v.Model) -> dict[str, Any]:
    request = current()
    raw = request.raw_body
    return http.read_json(request.headers, raw.encode() if isinstance(raw, str) else raw, model)


def query(name: str) -> str | None:
    params = current().query_params
    value = params.get(name) if params else None
    return value if isinstance(value, str) else None


def signed_in() -> tuple[Principal, Profile]:
    """The caller from `Authorization: Bearer <access token>` (the bare token works too)."""
    header = (current().headers.get("authorization") or "").strip()
    token = header[7:].strip() if header[:7].lower() == "bearer " else header
    if not token:
        raise InvalidToken("Sign in first: send Authorization: Bearer <access_token>.")
    return services.identity().authenticate(token)


def admin() -> Principal:
    principal, _ = signed_in()
    if not principal.is_admin:
        raise Forbidden("Only admins can do this.")
    return principal


def page_body(items: list[dict[str, Any]], list_name: str, key: dict[str, Any] | None) -> Response:
    return http.json_response({"items": items, "next": http.encode_cursor(get_settings().secret_key, list_name, key)})


def cursor(list_name: str) -> dict[str, Any] | None:
    return http.decode_cursor(get_settings().secret_key, list_name, query("next"))


# -- health and docs ----------------------------------------------------------------------


@route("/health")
def health() -> Response:
    return http.json_response({"status": "ok"})


@route("/openapi.json")
def openapi() -> Response:
    from chalicelib.openapi import document

    return http.json_response(document())


# -- registration and sign-in -------------------------------------------------------------


@route("/auth/register", methods=("POST",))
def register() -> Response:
    data = body(v.REGISTER)
    profile = services.identity().register(Registration(**data))
    return http.json_response(
        {
            "username": profile.username,
            "email": profile.email,
            "full_name": profile.full_name,
            "status": profile.status,
        },
        status=201,
    )


@route("/auth/confirm", methods=("POST",))
def confirm() -> Response:
    data = body(v.CONFIRM)
    profile = services.identity().confirm(data["username"], data["code"])
    return http.json_response({"username": profile.username, "status": profile.status})


@route("/auth/resend-code", methods=("POST",))
def resend_code() -> Response:
    services.identity().resend_code(body(v.RESEND_CODE)["username"])
    return http.json_response({"detail": "If the account exists and is unconfirmed, a new code is on its way."}, 202)


@route("/auth/login", methods=("POST",))
def login() -> Response:
    data = body(v.LOGIN)
    return http.json_response(user_cases.token_body(services.identity().login(data["username"], data["password"])))


@route("/auth/refresh", methods=("POST",))
def refresh() -> Response:
    data = body(v.REFRESH)
    return http.json_response(user_cases.token_body(services.identity().refresh(data["refresh_token"])))


@route("/auth/logout", methods=("POST",))
def logout() -> Response:
    principal, _ = signed_in()
    services.identity().logout(principal)
    return http.empty_response()


@route("/auth/forgot-password", methods=("POST",))
def forgot_password() -> Response:
    services.identity().forgot_password(body(v.FORGOT_PASSWORD)["username"])
    return http.json_response({"detail": "If the account exists, a reset code is on its way."}, 202)


@route("/auth/reset-password", methods=("POST",))
def reset_password() -> Response:
    data = body(v.RESET_PASSWORD)
    services.identity().reset_password(data["username"], data["code"], data["new_password"])
    return http.json_response({"detail": "Your password has been changed. Sign in with the new one."})


# -- users --------------------------------------------------------------------------------


@route("/users/me", methods=("GET", "PATCH", "DELETE"))
def me() -> Response:
    principal, profile = signed_in()
    method = current().method
    if method == "PATCH":
        data = body(v.PROFILE_UPDATE)
        profile = services.identity().update_full_name(principal, data.get("full_name"))
    elif method == "DELETE":
        services.identity().delete_user(principal)
        return http.empty_response()
    return http.json_response(user_cases.profile_body(profile))


@route("/users")
def list_users() -> Response:
    principal, _ = signed_in()
    limit = v.parse_limit(query("limit"))
    page = user_cases.list_users(services.identity(), principal, limit, cursor("users"))
    return page_body([user_cases.profile_body(p) for p in page.items], "users", page.next_key)


@route("/users/{username}")
def get_user(username: str) -> Response:
    principal, _ = signed_in()
    return http.json_response(user_cases.profile_body(user_cases.view_user(services.identity(), principal, username)))


# -- albums -------------------------------------------------------------------------------


@route("/albums", methods=("GET", "POST"))
def albums() -> Response:
    if current().method == "POST":
        admin()
        created = album_cases.create(services.albums(), body(v.ALBUM_CREATE))
        return album_response(created, 201, {"Location": f"/albums/{created.album_id}"})
    signed_in()
    limit = v.parse_limit(query("limit"))
    page = services.albums().list(limit, cursor("albums"))
    return page_body([album_cases.album_body(a) for a in page.items], "albums", page.last_key)


@route("/albums/{album_id}", methods=("GET", "PUT", "PATCH", "DELETE"))
def album(album_id: str) -> Response:
    method = current().method
    if method == "GET":
        signed_in()
        return album_response(album_cases.get(services.albums(), album_id))
    admin()
    if_match = current().headers.get("if-match")
    if method == "DELETE":
        album_cases.delete(services.albums(), album_id, if_match)
        return http.empty_response()
    model = v.ALBUM_REPLACE if method == "PUT" else v.ALBUM_PATCH
    return album_response(album_cases.update(services.albums(), album_id, body(model), if_match))


def album_response(record: AlbumRecord, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # The ETag is the album's version: send it back in If-Match to make an edit conditional.
    return http.json_response(
        album_cases.album_body(record), status, {"ETag": album_cases.etag(record), **(headers or {})}
    )


# -- the edge: CORS, preflight, request ids, access log -----------------------------------


def _preflight(request: Any, origin: str | None) -> Response:
    methods = sorted(app.routes.get(request.context.get("resourcePath", ""), {}))
    headers: dict[str, str | list[str]] = {"Allow": ", ".join(methods)}
    if origin:
        headers.update(
            {
                "Access-Control-Allow-Methods": ", ".join(methods),
                "Access-Control-Allow-Headers": "Authorization, Content-Type, If-Match",
                "Access-Control-Max-Age": "600",
            }
        )
    return Response(body="", status_code=204, headers=headers)


def _as_problem(response: Response) -> Response:
    """Chalice answers some errors itself (405, 415) in its own shape; make them problems."""
    headers = {k.lower(): str(v) for k, v in response.headers.items()}
    if response.status_code < 400 or headers.get("content-type", "").startswith(http.PROBLEM_JSON):
        return response
    code = "method_not_allowed" if response.status_code == 405 else "request_error"
    detail = "This method is not allowed on this resource." if response.status_code == 405 else "The request failed."
    extra = {"Allow": headers["allow"]} if "allow" in headers else None
    return http.problem(response.status_code, code, detail, headers=extra)


@app.middleware("http")
def edge(request: Any, get_response: Callable[[Any], Response]) -> Response:
    started = time.perf_counter()
    rid = (request.context or {}).get("requestId") or uuid.uuid4().hex
    token = logs.request_id.set(rid)
    try:
        settings = get_settings()
        logs.configure(settings.log_level)
        origin = request.headers.get("origin")
        allowed = origin if origin and origin.rstrip("/") in settings.cors_origins else None
        try:
            response = (
                _preflight(request, allowed) if request.method == "OPTIONS" else _as_problem(get_response(request))
            )
        except Exception:
            log.exception("unhandled error at the edge")
            response = http.problem(500, "internal_error", "Something went wrong on our side. Try again later.")
        response.headers["X-Request-Id"] = rid
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("Cache-Control", "no-store")
        if allowed:
            response.headers["Access-Control-Allow-Origin"] = allowed
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            response.headers["Vary"] = "Origin"
        log.info(
            "request",
            extra={
                "method": request.method,
                "route": (request.context or {}).get("resourcePath"),
                "status": response.status_code,
                "latency_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response
    finally:
        logs.request_id.reset(token)


def _answer_preflight() -> Response:  # never called: the edge answers OPTIONS first
    return Response(body="", status_code=204)


# Every path answers OPTIONS so browsers can preflight; API Gateway and `chalice local`
# only hand OPTIONS to the app when a route declares it.
for _path in list(app.routes):
    app.route(_path, methods=["OPTIONS"], content_types=ANY_CONTENT_TYPE, name=f"preflight{_path}")(_answer_preflight)
