"""The Cognito identity provider: credentials and tokens in an Amazon Cognito user pool.

Cognito calls and DynamoDB round trips per operation (tests/functional/test_cognito_calls.py
counts them):
  register        TransactWriteItems (record + email claim) + SignUp on the sign-up client
                  (a taken address: the failed TransactWriteItems + an InitiateAuth of the
                  same cost + PutItem holding the username)
                  [+ TransactWriteItems undoing the claim when Cognito refuses]
  confirm         GetItem + ConfirmSignUp + AdminGetUser (the pool's sub) + UpdateItem
                  (status mirror and sub)
  resend_code     GetItem (+GetItem by email) + ResendConfirmationCode
  login           InitiateAuth (+GetItem when signing in by email; an address without
                  an account still makes the InitiateAuth, so it takes as long)
  refresh         InitiateAuth
  logout          UpdateItem (cut-off) + AdminUserGlobalSignOut
  forgot_password GetItem (+GetItem by email) + ForgotPassword
  reset_password  GetItem (+GetItem by email) + UpdateItem (the reset's marker)
                  + ConfirmForgotPassword + AdminUserGlobalSignOut + UpdateItem (cut-off,
                  marker removed); a refused code: ... + ConfirmForgotPassword + UpdateItem
                  (marker removed). Never a sign-in.
  authenticate    GetItem (cut-off, status, sub and groups); the token is verified locally
                  (+AdminGetUser + UpdateItem once, if a confirm's mirror write had failed)
  delete_user     AdminDeleteUser + TransactWriteItems (record + claim)
  add_to_group    AdminAddUserToGroup + UpdateItem (groups mirror)
  (once per container and app client: DescribeUserPoolClient, for the client's secret)
Profiles (read, full name, the list) are not the provider's: storage/profiles.py.

The pool is reachable only through the app: its app clients have secrets (app_client.py)
and every call that names a client carries SECRET_HASH. Two clients: the web client signs
people in and issues every token, and may not write `email` (an access token cannot
rewrite the pool's address); the sign-up client may write `email` (SignUp needs it) but
allows no sign-in flow, so it issues no token that could use that right.

Sign-out: Cognito's GlobalSignOut revokes refresh tokens, but API Gateway's Cognito
authorizer (and a JWKS check) keeps accepting access tokens until they expire. So the
record keeps a cut-off and `authenticate` refuses tokens issued before it. Cognito's
`iat` has whole seconds: the cut-off is the second after the sign-out, and sign-out
returns once that second has begun, so every token issued before it is dead and every
token issued after it (a sign-in right away) lives.

Groups and status: the pool is the authority; the record mirrors both, written right
after Cognito accepted a change, so the one GetItem of `authenticate` gives the current
groups (taking someone out of `admin` acts at once, not when the token expires) and the
list needs no Cognito call per user. Cognito's ListUsers is not used for GET /users: it
has no order (the contract says oldest first) and at most 60 per page (the contract: 100).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core.clock import Clock, SystemClock
from chalicelib.core.errors import (
    AlreadyConfirmed,
    EmailTaken,
    Forbidden,
    InvalidCode,
    InvalidCredentials,
    InvalidToken,
    NotFound,
    TooManyRequests,
    ValidationError,
)
from chalicelib.core.identifiers import USERNAME_RE, normal_form
from chalicelib.core.users import Principal, Profile, Registration, TokenSet
from chalicelib.identity import PasswordCheck, SecondStepGate, SessionGuard
from chalicelib.identity.cognito import errors as cognito_errors
from chalicelib.identity.cognito.app_client import AppClient
from chalicelib.identity.cognito.delivery import CodeDelivery, Recipient
from chalicelib.identity.cognito.errors import translate
from chalicelib.identity.cognito.jwks import AccessTokenVerifier
from chalicelib.storage.cognito_users import CognitoUserRepository
from chalicelib.storage.profiles import to_profile
from chalicelib.storage.users import UserRecord

log = logging.getLogger("bandstand.identity")

# A refresh token the app hands out is "<username>:<the pool's refresh token>": the secret
# hash of REFRESH_TOKEN_AUTH needs the username, and the pool's token (an encrypted JWT)
# does not tell it. Usernames hold no ":"; a wrong name only fails Cognito's check.
REFRESH_SEPARATOR = ":"
# How long a reset's marker lets a retry with the same code finish the sign-out.
RESET_RETRY_SECONDS = 120


def _code_digest(username: str, code: str) -> str:
    # The marker only has to recognise the same code from the same user for two minutes; a
    # six-digit code's digest hides nothing from someone who can read the table, so it is
    # removed as soon as the code is refused, and the code is single-use at Cognito.
    return hashlib.sha256(f"{username}\n{code}".encode()).hexdigest()


def _typed_names(typed: str) -> tuple[str, str | None]:
    """The names a reset request itself gives: the username typed, or the address typed."""
    return (typed.lower(), typed) if "@" in typed else (typed.lower(), None)


def _recipient(user: UserRecord) -> Recipient:
    return Recipient(user.username, user.email, user.full_name)


class CognitoIdentityProvider:
    def __init__(
        self,
        cognito: Any,
        users: CognitoUserRepository,
        verifier: AccessTokenVerifier,
        delivery: CodeDelivery,
        pool_id: str,
        client_id: str,
        signup_client_id: str | None = None,
        clock: Clock | None = None,
        wall_time: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._cognito = cognito
        self._users = users
        self._verifier = verifier
        self._delivery = delivery
        self._pool = pool_id
        self._client = client_id
        self._web = AppClient(cognito, pool_id, client_id)
        self._signup = AppClient(cognito, pool_id, signup_client_id) if signup_client_id else self._web
        self._clock = clock or SystemClock()  # profile times (tests move it)
        self._wall = wall_time  # token times: Cognito stamps `iat` with the real clock
        self._sleep = sleep

    # -- registration ------------------------------------------------------------------

    def register(self, request: Registration) -> Profile:
        now = self._clock.now_ms()
        # A new account accepts tokens from its first whole second on; a deleted account's
        # tokens died with its record, and a token of an old account of the same name
        # carries another `sub` than the one `confirm` binds (tokens exist only after it).
        valid_after = math.floor(self._wall()) * 1000
        try:
            self._users.claim(request.username, request.email, request.full_name, now, valid_after)
        except EmailTaken:
            # A fresh sign-up makes a Cognito round trip (SignUp); so does this one, so the
            # taken address does not answer sooner (docs/api.md: same timing).
            self._burn(request.email, request.password)
            # And holds the username as a fresh sign-up does (a repeat answers 409 either
            # way): a record without email or claim, and no pool user, so it can never
            # sign in or be confirmed. UsernameTaken if a twin took the name meanwhile.
            self._users.hold(request.username, now, "")
            raise
        # The claim is the route's only DynamoDB call: a fault on it changes nothing, and
        # nothing after SignUp can fail halfway (the pool's `sub` is bound at confirm).
        try:
            response = self._cognito.sign_up(
                **self._signup.call_args(request.username),
                Username=request.username,
                Password=request.password,
                UserAttributes=[{"Name": "email", "Value": request.email}],
            )
        except ClientError as exc:
            if cognito_errors.error_code(exc) == "CodeDeliveryFailureException":
                # The account exists; only the mail failed. As on builtin, the sign-up
                # stands and "Resend code" sends another.
                log.warning("code not sent", extra={"reason": "CodeDeliveryFailureException"})
                return Profile(request.username, request.email, request.full_name or None, "UNCONFIRMED", (), now)
            self._release(request)
            raise translate(exc, cognito_errors.SIGN_UP) from None
        self._delivery.sign_up_sent(Recipient(request.username, request.email, request.full_name), response)
        log.info("user registered", extra={"user_sub": response.get("UserSub")})
        return Profile(request.username, request.email, request.full_name or None, "UNCONFIRMED", (), now)

    def confirm(self, username: str, code: str) -> Profile:
        user = self._users.get(username.strip().lower())
        if user is None or user.held:
            raise InvalidCode()
        if user.confirmed:
            raise AlreadyConfirmed()
        try:
            self._cognito.confirm_sign_up(
                **self._web.call_args(user.username),
                Username=user.username,
                ConfirmationCode=self._delivery.code_for_pool("confirm", code),
            )
        except ClientError as exc:
            # A retry after a fault on the mirror below: the pool has confirmed the account
            # already (Cognito: NotAuthorizedException, "Current status is CONFIRMED") and
            # the record does not say so yet. Finish the mirror instead of refusing.
            if cognito_errors.error_code(exc) != "NotAuthorizedException" or not self._bind(user):
                raise translate(exc, cognito_errors.CONFIRM_SIGN_UP) from None
            return to_profile(replace(user, status="CONFIRMED"))
        if not self._bind(user):
            raise InvalidCode()  # the pool user vanished meanwhile (deleted)
        return to_profile(replace(user, status="CONFIRMED"))

    def resend_code(self, username_or_email: str) -> None:
        user = self._find(username_or_email)
        if user is None or user.confirmed:
            return  # the same 202 either way: no enumeration
        try:
            self._delivery.resend_confirmation(self._cognito, self._web, _recipient(user))
        except ClientError as exc:
            # Whatever Cognito says (confirmed meanwhile, its own per-user code limit), the
            # answer stays the 202 an unknown name gets: a 429 or 400 here would show that
            # the account exists, since unknown names never reach Cognito.
            log.warning("code not resent", extra={"reason": cognito_errors.error_code(exc)})

    # -- sessions ----------------------------------------------------------------------

    def login(
        self, username_or_email: str, password: str, guard: SessionGuard, second_step: SecondStepGate | None = None
    ) -> TokenSet:
        guard.check()  # the try, taken by one conditional write before Cognito sees the password
        username = self._sign_in_name(username_or_email)
        if username is None:
            self._burn(username_or_email, password)
            raise InvalidCredentials()
        response = self._web.password_sign_in(username, password)
        if second_step is not None and response.get("ChallengeName") == "SOFTWARE_TOKEN_MFA":
            return second_step.pool_challenged(username, password, str(response.get("Session", "")))
        result = response.get("AuthenticationResult")
        if not result:
            # A challenge (a new password required): not part of this API.
            raise Forbidden("This account cannot sign in here; reset its password.", code="password_reset_required")
        if second_step is not None:
            second_step.pool_signed_in(username)  # refuses while a recovery-code sign-in holds MFA off
        pool_refresh = result.get("RefreshToken")
        refresh = f"{username}{REFRESH_SEPARATOR}{pool_refresh}" if pool_refresh else None
        return TokenSet(result["IdToken"], result["AccessToken"], int(result["ExpiresIn"]), refresh)

    def refresh(self, refresh_token: str) -> TokenSet:
        username, separator, pool_token = refresh_token.partition(REFRESH_SEPARATOR)
        if not separator or not pool_token or not USERNAME_RE.fullmatch(username):
            raise InvalidToken()
        try:
            response = self._cognito.initiate_auth(
                ClientId=self._client,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters=self._web.auth_parameters(username, REFRESH_TOKEN=pool_token),
            )
        except ClientError as exc:
            raise translate(exc, cognito_errors.REFRESH_AUTH) from None
        result = response.get("AuthenticationResult") or {}
        if "AccessToken" not in result:
            raise InvalidToken()
        return TokenSet(result["IdToken"], result["AccessToken"], int(result["ExpiresIn"]))

    def logout(self, principal: Principal) -> None:
        self._end_sessions(principal.username)

    def authenticate(self, access_token: str) -> Principal:
        claims = self._verifier.verify(access_token)
        user = self._users.get(claims.username.lower())
        if user is None or claims.issued_at * 1000 < user.tokens_valid_after_ms:
            raise InvalidToken()
        if not (user.confirmed and user.sub):
            # The pool confirmed the account (it issued a token) but the confirm mirror
            # failed: bind the pool's current `sub` now, never the token's own.
            sub = self._bind(user)
            if sub is None:
                raise InvalidToken()
            user = replace(user, status="CONFIRMED", sub=sub)
        if user.sub != claims.sub:  # an old account of the same name
            raise InvalidToken()
        return Principal(user.username, claims.sub, user.groups, user.email)

    # -- passwords ---------------------------------------------------------------------

    def forgot_password(self, username_or_email: str) -> None:
        user = self._find(username_or_email)
        if user is None or not user.confirmed:
            return
        try:
            response = self._cognito.forgot_password(**self._web.call_args(user.username), Username=user.username)
        except ClientError as exc:
            # The same 202 as for an unknown name, whatever Cognito says (see resend_code).
            log.warning("reset code not sent", extra={"reason": cognito_errors.error_code(exc)})
            return
        self._delivery.reset_sent(_recipient(user), response)

    def reset_password(
        self, username_or_email: str, code: str, new_password: str, password_check: PasswordCheck
    ) -> None:
        typed = username_or_email.strip()
        # Cognito checks the code in ConfirmForgotPassword, which also sets the password, so
        # the app's password rules (blocklist, the account's names) must pass before the
        # code is known to be right. For a wrong code, the answer must not depend on
        # whether the account exists, nor on what its record holds:
        # 1. the rules against what the request itself says (length, blocklist, the name
        #    typed): validation_error for a known and an unknown identifier alike;
        # 2. an unknown identifier: invalid_code;
        # 3. the rules against the account's own names (the username, the address's local
        #    part): a password that breaks them gets invalid_code, what an unknown
        #    identifier gets for that same request, and nothing is set. The rightful owner
        #    (who has the code) is told the code failed rather than the rule; the cost of
        #    the alternative, an answer that tells a stranger the account's address, is
        #    worse. Without step 3 the pool would take a password the contract forbids.
        password_check(*_typed_names(typed))
        user = self._find(typed)
        if user is None:
            raise InvalidCode()
        try:
            password_check(user.username, user.email)
        except ValidationError:
            raise InvalidCode() from None
        digest = _code_digest(user.username, code)
        now_ms = math.floor(self._wall() * 1000)
        retry = self._users.begin_reset(user.username, digest, now_ms + RESET_RETRY_SECONDS * 1000, now_ms)
        try:
            self._cognito.confirm_forgot_password(
                **self._web.call_args(user.username),
                Username=user.username,
                ConfirmationCode=self._delivery.code_for_pool("reset", code),
                Password=new_password,
            )
        except ClientError as exc:
            # A retry after a fault on the sign-out below: a request with this very code
            # marked the reset moments ago and Cognito now says the code is used, so that
            # request set the password; finish its sign-out. Anything else is a refused
            # code: the marker goes, nobody is signed in or out. See docs/cognito-backend.md.
            if not (retry and cognito_errors.error_code(exc) == "ExpiredCodeException"):
                self._users.abandon_reset(user.username, digest)
                raise translate(exc, cognito_errors.RESET, field="new_password") from None
            log.info("password reset finished on retry")
        # Cognito keeps the old sessions alive after a reset; the contract ends them. The
        # pool first: a fault on the cut-off write then leaves the refresh tokens revoked
        # and the marker in place (503), and the retry above finishes.
        self._end_sessions(user.username, pool_first=True)

    # -- the account ----------------------------------------------------------------------

    def delete_user(self, principal: Principal) -> None:
        # Cognito first: if the second step fails, the record still names the account and
        # a retried DELETE finishes the job (a user Cognito no longer has counts as gone).
        try:
            self._cognito.admin_delete_user(UserPoolId=self._pool, Username=principal.username)
        except ClientError as exc:
            if not isinstance(translate(exc, cognito_errors.ADMIN), NotFound):
                raise translate(exc, cognito_errors.ADMIN) from None
        self._users.delete(principal.username, principal.email)
        log.info("user deleted", extra={"user_sub": principal.sub})

    def add_to_group(self, username: str, group: str) -> None:
        try:
            self._cognito.admin_add_user_to_group(UserPoolId=self._pool, Username=username, GroupName=group)
        except ClientError as exc:
            raise translate(exc, cognito_errors.ADMIN) from None
        if not self._users.add_group(username, group):
            raise NotFound("No such user.")

    # -- helpers -----------------------------------------------------------------------

    def _sign_in_name(self, username_or_email: str) -> str | None:
        """The pool username for a sign-in name: an address through its claim."""
        name = normal_form(username_or_email)
        if "@" in name:
            return self._users.username_for_email(name)
        return name if USERNAME_RE.fullmatch(name) else None

    def _find(self, username_or_email: str) -> UserRecord | None:
        """The account, if any: a held username (see register) is none."""
        username = self._sign_in_name(username_or_email)
        user = self._users.get(username) if username else None
        return None if user is None or user.held else user

    def _end_sessions(self, username: str, *, pool_first: bool = False) -> None:
        """Refuse every access token issued up to now (the cut-off, whole seconds), and
        revoke every refresh token in the pool. Sign-out writes the cut-off first (a fault
        changes nothing); a reset revokes first (`pool_first`, see reset_password)."""
        cutoff = math.floor(self._wall()) + 1
        if pool_first:
            self._sign_out_everywhere(username)
            self._users.finish_reset(username, cutoff * 1000)
        else:
            self._users.revoke_sessions(username, cutoff * 1000)
        if not pool_first:
            self._sign_out_everywhere(username)
        # Return once the cut-off second has begun: a token issued after the answer is
        # newer than the cut-off.
        left = cutoff - self._wall()
        if left > 0:
            self._sleep(left)

    def _sign_out_everywhere(self, username: str) -> None:
        try:
            self._cognito.admin_user_global_sign_out(UserPoolId=self._pool, Username=username)
        except ClientError as exc:
            if not isinstance(translate(exc, cognito_errors.ADMIN), NotFound):
                raise translate(exc, cognito_errors.ADMIN) from None

    def _bind(self, user: UserRecord) -> str | None:
        """Mirror the pool's confirmation: status CONFIRMED and the pool's `sub` in one
        UpdateItem (after AdminGetUser). None when the pool has no confirmed user of that
        name, or the record is gone."""
        try:
            found = self._cognito.admin_get_user(UserPoolId=self._pool, Username=user.username)
        except ClientError as exc:
            error = translate(exc, cognito_errors.ADMIN)
            if isinstance(error, NotFound):
                return None
            raise error from None
        if found.get("UserStatus") != "CONFIRMED":
            return None
        sub = next((str(a.get("Value", "")) for a in found.get("UserAttributes", []) if a.get("Name") == "sub"), "")
        if not sub or not self._users.mark_confirmed(user.username, sub):
            return None
        return sub

    def _burn(self, name: str, password: str) -> None:
        """Sign in as a name no account can have (usernames hold no @), so an address
        without an account costs the same Cognito round trip as one with an account."""
        try:
            burnt = name.strip().lower()
            self._cognito.initiate_auth(
                ClientId=self._client,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters=self._web.auth_parameters(burnt, USERNAME=burnt, PASSWORD=password),
            )
        except ClientError as exc:
            error = translate(exc, cognito_errors.SIGN_IN)
            if isinstance(error, TooManyRequests):
                raise error from None  # Cognito's own throttle: same for every name

    def _release(self, request: Registration) -> None:
        try:
            self._users.release(request.username, request.email)
        except Exception:
            # The claim stays: the name and address look taken until an operator frees them.
            log.exception("claim not released")
