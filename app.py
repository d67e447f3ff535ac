"""Bandstand's HTTP API: route declarations and glue. Each route says who may call it and
what it takes; `route()` checks the caller, parses the body into a typed request, calls
one use case and maps domain errors to problem documents. Contract: docs/api.md."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalice.app import Chalice, Request, Response

from chalicelib import services
from chalicelib.core.errors import BandstandError, Forbidden, InvalidToken
from chalicelib.core.users import Principal, Registration
from chalicelib.usecases import inputs
from chalicelib.web import authorizers, bodies, edge, problems, shapes
from chalicelib.web import validation as v
from chalicelib.web.routing import Auth, Operation, OperationTable

if TYPE_CHECKING:  # annotations only: botocore loads with the first request, not with app.py
    from chalicelib.storage.albums import AlbumRecord

app = Chalice(app_name="bandstand", configure_logs=False)  # our JSON logging instead
log = logging.getLogger("bandstand.http")
ANY_CONTENT_TYPE = ["*/*"]  # the body check is ours (415 as a problem document)
OPERATIONS = OperationTable()
# API Gateway's Cognito authorizer on AWS stages that set API_AUTHORIZER=cognito; None locally.
AUTHORIZER = authorizers.api_authorizer()


def route(
    method: str,
    path: str,
    *,
    auth: Auth,
    summary: str,
    request: v.Model[Any] | None = None,
    response: type | None = None,
    success: int = 200,
    errors: tuple[int, ...] = (),
    paginated: bool = False,
    conditional: bool = False,
    operation_id: str | None = None,
) -> Callable[[Callable[..., Response]], Any]:
    """Declare a route. The view receives `caller` (a Principal) unless auth is "public",
    `body` (the typed request) when `request` is given, and the path parameters. The
    view's name is the OpenAPI operationId unless `operation_id` is given."""

    def decorate(view: Callable[..., Response]) -> Any:
        name = operation_id or view.__name__
        OPERATIONS.add(
            Operation(method, path, auth, summary, name, success, request, response, errors, paginated, conditional)
        )

        @functools.wraps(view)
        def guarded(**params: str) -> Response:
            try:
                problems.require_text(params, "path parameter")
                problems.require_text(current().query_params, "query parameter")
                kwargs: dict[str, Any] = dict(params)
                if auth != "public":
                    kwargs["caller"] = _caller(admin_only=auth == "admin")
                if request is not None:
                    kwargs["body"] = _body(request)
                return view(**kwargs)
            except BandstandError as exc:
                return problems.problem_from(exc)
            except Exception:
                log.exception("unhandled error", extra={"route": path})
                return problems.internal_error()

        gate = {"authorizer": AUTHORIZER} if AUTHORIZER is not None and auth != "public" else {}
        return app.route(path, methods=[method], content_types=ANY_CONTENT_TYPE, **gate)(guarded)

    return decorate


# -- request helpers ----------------------------------------------------------------------


def current() -> Request:
    request = app.current_request
    assert request is not None  # always set while a route runs
    return request


def _body(model: v.Model[Any]) -> Any:
    request = current()
    raw = request.raw_body
    return problems.read_json(request.headers, raw.encode() if isinstance(raw, str) else raw, model)


def access_token() -> str:
    """The caller's access token as sent (Cognito's AssociateSoftwareToken needs it)."""
    header = (current().headers.get("authorization") or "").strip()
    return header[7:].strip() if header[:7].lower() == "bearer " else header


def _caller(admin_only: bool) -> Principal:
    """The caller from `Authorization: Bearer <access token>` (the bare token works too)."""
    token = access_token()
    if not token:
        raise InvalidToken("Sign in first: send Authorization: Bearer <access_token>.")
    principal = services.accounts().authenticate(token)
    if admin_only and not principal.is_admin:
        raise Forbidden("Only admins can do this.")
    return principal


def query(name: str) -> str | None:
    params = current().query_params
    value = params.get(name) if params else None
    return value if isinstance(value, str) else None


def page_response(items: list[Any], next_token: str | None) -> Response:
    return problems.json_response({"items": items, "next": next_token})


def album_response(record: AlbumRecord, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # The ETag is the album's version: send it back in If-Match to make an edit conditional.
    return problems.json_response(bodies.album_body(record), status, {"ETag": bodies.etag(record), **(headers or {})})


def if_match() -> int | None:
    """The version If-Match expects (None without the header): the use cases compare versions."""
    return bodies.expected_version(current().headers.get("if-match"))


# -- health and docs ----------------------------------------------------------------------


@route("GET", "/health", auth="public", summary="Liveness check", response=shapes.Health)
def health() -> Response:
    return problems.json_response({"status": "ok"})


@route("GET", "/openapi.json", auth="public", summary="This document", operation_id="get_openapi")
def openapi() -> Response:
    from chalicelib.web.openapi import document

    return problems.json_response(document(OPERATIONS))


# -- registration and sign-in -------------------------------------------------------------


@route(
    "POST",
    "/auth/register",
    auth="public",
    summary="Create an account; a 6-digit code is emailed",
    request=v.REGISTER,
    response=shapes.Registered,
    success=201,
    errors=(409,),
)
def register(body: inputs.RegisterRequest) -> Response:
    profile = services.accounts().register(Registration(body.username, body.email, body.password, body.full_name))
    registered: shapes.Registered = {
        "username": profile.username,
        "email": profile.email,
        "full_name": profile.full_name,
        "status": "UNCONFIRMED",
    }
    return problems.json_response(registered, status=201)


@route(
    "POST",
    "/auth/confirm",
    auth="public",
    summary="Confirm the email address with the code",
    request=v.CONFIRM,
    response=shapes.Confirmed,
    errors=(409, 429),
)
def confirm(body: inputs.ConfirmRequest) -> Response:
    profile = services.accounts().confirm(body.username, body.code)
    confirmed: shapes.Confirmed = {"username": profile.username, "status": "CONFIRMED"}
    return problems.json_response(confirmed)


@route(
    "POST",
    "/auth/resend-code",
    auth="public",
    summary="Email a new confirmation code",
    request=v.RESEND_CODE,
    response=shapes.Accepted,
    success=202,
    errors=(429,),
)
def resend_code(body: inputs.NameRequest) -> Response:
    services.accounts().resend_code(body.username)
    return problems.json_response(
        {"detail": "If the account exists and is unconfirmed, a new code is on its way."}, 202
    )


@route(
    "POST",
    "/auth/login",
    auth="public",
    summary="Sign in with username or email",
    request=v.LOGIN,
    response=shapes.LoginAnswer,
    errors=(401, 403, 429),
)
def login(body: inputs.LoginRequest) -> Response:
    from chalicelib.usecases.two_step.factor import ChallengeIssued

    try:
        tokens = services.accounts().login(body.username, body.password, body.recovery_code)
    except ChallengeIssued as issued:  # two-step sign-in is on: the code is due
        return problems.json_response(bodies.challenge_body(issued.challenge))
    return problems.json_response(bodies.token_body(tokens))


@route(
    "POST",
    "/auth/refresh",
    auth="public",
    summary="New ID and access tokens from a refresh token",
    request=v.REFRESH,
    response=shapes.Tokens,
    errors=(401,),
)
def refresh(body: inputs.RefreshRequest) -> Response:
    return problems.json_response(bodies.token_body(services.accounts().refresh(body.refresh_token)))


@route("POST", "/auth/logout", auth="user", summary="Revoke every session of the caller", success=204)
def logout(caller: Principal) -> Response:
    services.accounts().logout(caller)
    return problems.empty_response()


@route(
    "POST",
    "/auth/forgot-password",
    auth="public",
    summary="Email a password reset code",
    request=v.FORGOT_PASSWORD,
    response=shapes.Accepted,
    success=202,
    errors=(429,),
)
def forgot_password(body: inputs.NameRequest) -> Response:
    services.accounts().forgot_password(body.username)
    return problems.json_response({"detail": "If the account exists, a reset code is on its way."}, 202)


@route(
    "POST",
    "/auth/reset-password",
    auth="public",
    summary="Set a new password with the reset code",
    request=v.RESET_PASSWORD,
    response=shapes.Accepted,
    errors=(429,),
)
def reset_password(body: inputs.ResetPasswordRequest) -> Response:
    services.accounts().reset_password(body.username, body.code, body.new_password)
    return problems.json_response({"detail": "Your password has been changed. Sign in with the new one."})


# -- users --------------------------------------------------------------------------------


@route("GET", "/users/me", auth="user", summary="The caller's profile", response=shapes.MeBody)
def get_me(caller: Principal) -> Response:
    profile = services.accounts().profile(caller)
    return problems.json_response(bodies.me_body(profile, services.two_step().status(caller.username)))


@route(
    "PATCH",
    "/users/me",
    auth="user",
    summary="Change the caller's full name",
    request=v.PROFILE_UPDATE,
    response=shapes.ProfileBody,
)
def patch_me(caller: Principal, body: inputs.ProfileUpdate) -> Response:
    return problems.json_response(bodies.profile_body(services.accounts().update_full_name(caller, body.full_name)))


@route("DELETE", "/users/me", auth="user", summary="Delete the caller's account", success=204)
def delete_me(caller: Principal) -> Response:
    services.accounts().delete(caller)
    return problems.empty_response()


@route(
    "GET",
    "/users",
    auth="admin",
    summary="All profiles, oldest first",
    response=shapes.ProfileBody,
    errors=(400,),
    paginated=True,
)
def list_users(caller: Principal) -> Response:
    page = services.accounts().list_users(v.parse_limit(query("limit")), query("next"))
    return page_response([bodies.profile_body(p) for p in page.items], page.next_token)


@route(
    "GET",
    "/users/{username}",
    auth="user",
    summary="One profile (self or admin)",
    response=shapes.ProfileBody,
    errors=(403, 404),
)
def get_user(caller: Principal, username: str) -> Response:
    return problems.json_response(bodies.profile_body(services.accounts().view_user(caller, username)))


# -- two-step sign-in ---------------------------------------------------------------------


@route(
    "POST",
    "/users/me/mfa/totp",
    auth="user",
    summary="Start adding an authenticator app (its secret and otpauth URI)",
    response=shapes.TotpEnrolment,
    success=201,
    errors=(409,),
)
def mfa_enrol(caller: Principal) -> Response:
    enrolment = services.two_step().enrol(caller, access_token())
    body: shapes.TotpEnrolment = {"secret": enrolment.secret, "otpauth_uri": enrolment.otpauth_uri}
    return problems.json_response(body, 201, {"Cache-Control": "no-store"})


@route(
    "POST",
    "/users/me/mfa/totp/verify",
    auth="user",
    summary="Confirm the authenticator with a code: two-step sign-in is on",
    request=v.TOTP_VERIFY,
    response=shapes.RecoveryCodes,
    errors=(409, 429),
)
def mfa_verify(caller: Principal, body: inputs.TotpCodeRequest) -> Response:
    codes = services.two_step().verify(caller, access_token(), body.code)
    return problems.json_response({"recovery_codes": codes}, 200, {"Cache-Control": "no-store"})


@route(
    "POST",
    "/auth/login/mfa",
    auth="public",
    summary="Finish a sign-in with the authenticator code",
    request=v.LOGIN_MFA,
    response=shapes.Tokens,
    errors=(401, 429),
)
def login_mfa(body: inputs.LoginMfaRequest) -> Response:
    return problems.json_response(bodies.token_body(services.two_step().complete(body.session, body.code)))


@route(
    "POST",
    "/users/me/mfa/recovery-codes",
    auth="user",
    summary="New recovery codes (the old ones stop working)",
    request=v.TOTP_VERIFY,
    response=shapes.RecoveryCodes,
    errors=(409, 429),
)
def mfa_recovery_codes(caller: Principal, body: inputs.TotpCodeRequest) -> Response:
    codes = services.two_step().regenerate(caller, body.code)
    return problems.json_response({"recovery_codes": codes}, 200, {"Cache-Control": "no-store"})


@route(
    "DELETE",
    "/users/me/mfa",
    auth="user",
    summary="Turn two-step sign-in off (with a code or a recovery code)",
    request=v.MFA_OFF,
    success=204,
    errors=(409,),
)
def mfa_off(caller: Principal, body: inputs.MfaOffRequest) -> Response:
    services.two_step().turn_off(caller, body.code, body.recovery_code)
    return problems.empty_response()


@route(
    "DELETE",
    "/users/{username}/mfa",
    auth="admin",
    summary="Turn two-step sign-in off for a user who lost every factor",
    success=204,
    errors=(404,),
)
def mfa_admin_reset(caller: Principal, username: str) -> Response:
    services.two_step().admin_reset(caller, username)
    return problems.empty_response()


# -- albums -------------------------------------------------------------------------------


@route(
    "GET",
    "/albums",
    auth="user",
    summary="Albums in rank order",
    response=shapes.AlbumBody,
    errors=(400,),
    paginated=True,
)
def list_albums(caller: Principal) -> Response:
    limit = v.parse_limit(query("limit"))
    page = services.albums().list_page(limit, query("next"))
    return page_response([bodies.album_body(a) for a in page.items], page.next_token)


@route(
    "POST",
    "/albums",
    auth="admin",
    summary="Add an album",
    request=v.ALBUM_CREATE,
    response=shapes.AlbumBody,
    success=201,
    errors=(409,),
)
def create_album(caller: Principal, body: inputs.AlbumFields) -> Response:
    created = services.albums().create(body)
    return album_response(created, 201, {"Location": f"/albums/{created.album_id}"})


@route("GET", "/albums/{album_id}", auth="user", summary="One album", response=shapes.AlbumBody, errors=(404,))
def get_album(caller: Principal, album_id: str) -> Response:
    return album_response(services.albums().get(album_id))


@route(
    "PUT",
    "/albums/{album_id}",
    auth="admin",
    summary="Replace an album",
    request=v.ALBUM_REPLACE,
    response=shapes.AlbumBody,
    errors=(404, 409),
    conditional=True,
)
def replace_album(caller: Principal, album_id: str, body: inputs.AlbumFields) -> Response:
    return album_response(services.albums().update(album_id, body, if_match()))


@route(
    "PATCH",
    "/albums/{album_id}",
    auth="admin",
    summary="Change some fields of an album",
    request=v.ALBUM_PATCH,
    response=shapes.AlbumBody,
    errors=(404, 409),
    conditional=True,
)
def patch_album(caller: Principal, album_id: str, body: inputs.AlbumPatch) -> Response:
    return album_response(services.albums().update(album_id, body, if_match()))


@route(
    "DELETE",
    "/albums/{album_id}",
    auth="admin",
    summary="Delete an album",
    success=204,
    errors=(404, 409),
    conditional=True,
)
def delete_album(caller: Principal, album_id: str) -> Response:
    services.albums().delete(album_id, if_match())
    return problems.empty_response()


# -- the edge: CORS, preflight, request ids, access log -----------------------------------


@app.middleware("http")
def edge_middleware(request: Any, get_response: Callable[[Any], Response]) -> Response:
    return edge.handle(request, get_response, OPERATIONS.methods)


# Every path answers OPTIONS so browsers can preflight: API Gateway and `chalice local`
# only hand OPTIONS to the app when a route declares it. The view is the preflight answer.
def _preflight_view(methods: list[str]) -> Callable[..., Response]:
    def preflight(**_path_params: str) -> Response:
        return edge.preflight(current().headers.get("origin"), methods)

    return preflight


# API Gateway answers a method no route declares itself (403 "Missing Authentication
# Token", 404 after our gateway responses), never reaching the app. So each path also
# declares the standard methods it lacks, as public views answering the 405 problem with
# `Allow` that docs/api.md promises. They are not operations: the OpenAPI document omits them.
STANDARD_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _not_allowed_view(methods: list[str]) -> Callable[..., Response]:
    def not_allowed(**_path_params: str) -> Response:
        return edge.method_not_allowed(methods)

    return not_allowed


for _path in sorted({op.path for op in OPERATIONS}):
    _declared = OPERATIONS.methods(_path)
    app.route(_path, methods=["OPTIONS"], content_types=ANY_CONTENT_TYPE, name=f"preflight{_path}")(
        _preflight_view(_declared)
    )
    _lacking = [m for m in STANDARD_METHODS if m not in _declared]
    app.route(_path, methods=_lacking, content_types=ANY_CONTENT_TYPE, name=f"not_allowed{_path}")(
        _not_allowed_view(_declared)
    )


# -- Cognito's Custom Message trigger (AWS only) ------------------------------------------
# The pool calls this before it mails a code, so people get the words of the local outbox
# (chalicelib.core.mail.code_message) with distinct subjects for sign-up and reset. Cognito puts
# its code where request.codeParameter ("{####}") stands; other messages keep its default.
CUSTOM_MESSAGE_PURPOSES = {
    "CustomMessage_SignUp": "confirm",
    "CustomMessage_ResendCode": "confirm",
    "CustomMessage_ForgotPassword": "reset",
}


@app.lambda_function(name="cognito_custom_message")
def cognito_custom_message(event: dict[str, Any], context: Any) -> dict[str, Any]:
    import html
    import os

    from chalicelib.core.mail import code_message

    purpose = CUSTOM_MESSAGE_PURPOSES.get(str(event.get("triggerSource", "")))
    request = event.get("request") or {}
    if purpose is None or not request.get("codeParameter"):
        return event
    attributes = request.get("userAttributes") or {}
    greeting = str(attributes.get("name") or event.get("userName") or "")
    subject, body = code_message(purpose, greeting, str(request["codeParameter"]), os.environ.get("WEB_BASE_URL", ""))
    # Cognito mails emailMessage as HTML: the text, escaped ("{####}" has nothing to escape),
    # with its line breaks kept.
    event.setdefault("response", {})
    event["response"]["emailSubject"] = subject
    event["response"]["emailMessage"] = html.escape(body, quote=False).replace("\n", "<br>\n")
    return event
