"""Durable state for the local Cognito emulator: moto keeps its user pools in memory, so
this module saves moto's cognito-idp backends to a file after every request that changes
them, before the response goes out, and loads them when the emulator starts.

    app = DurableCognito(moto_wsgi_app, Path(".local/cognito/state.pickle"))
    app.load()                      # before serving: the pools of the last run, if any

"Nothing acknowledged is ever lost": a client only sees a SignUp's answer once the pool
with that user is on disk (temp file, fsync, rename, fsync of the folder), so a killed
emulator restarts with every user it ever confirmed.

The file holds what moto holds, passwords in clear included: it is written 0600 and is for
the local emulator only (never put a real password into a local stack).
"""

from __future__ import annotations

import copyreg
import os
import pickle
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
# Calls that only read: everything else (InitiateAuth too, which stores refresh tokens) saves.
READ_PREFIXES = ("Describe", "List", "AdminGet", "AdminList")
READ_CALLS = frozenset({"GetUser", "GetGroup", "GetCSVHeader", "GetSigningCertificate", "GetUserPoolMfaConfig"})

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def is_mutating(target: str | None) -> bool:
    """Whether a request with this X-Amz-Target may change cognito-idp state."""
    if not target or not target.startswith(TARGET_PREFIX):
        return False
    action = target[len(TARGET_PREFIX) :]
    return not (action.startswith(READ_PREFIXES) or action in READ_CALLS)


def _import_rsa_key(data: dict[str, Any]) -> Any:
    from joserfc.jwk import RSAKey

    return RSAKey.import_key(data)


def _reduce_rsa_key(key: Any) -> tuple[Callable[[dict[str, Any]], Any], tuple[dict[str, Any]]]:
    # A pool's signing key wraps a cryptography RSA key, which does not pickle: keep its JWK.
    return _import_rsa_key, (key.as_dict(private=True),)


def register_reducers() -> None:
    """Teach pickle the key objects a moto user pool holds."""
    from joserfc.jwk import RSAKey

    copyreg.pickle(RSAKey, _reduce_rsa_key)


def _backends() -> Any:
    from moto.cognitoidp.models import cognitoidp_backends

    return cognitoidp_backends


def snapshot() -> dict[tuple[str, str], Any]:
    """Every cognito-idp backend moto has made, by (account, region)."""
    return {
        (account, region): backend
        for account, per_account in _backends().items()
        for region, backend in dict.items(per_account)
    }


def restore(state: dict[tuple[str, str], Any]) -> None:
    backends = _backends()
    for (account, region), backend in state.items():
        backends[account][region] = backend


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a crash leaves the old or the new file, never
    half of one: a 0600 temp file in the same folder, fsync, rename, fsync the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:  # mkstemp creates it 0600
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def save(path: Path) -> None:
    write_atomically(path, pickle.dumps(snapshot(), protocol=pickle.HIGHEST_PROTOCOL))


def load(path: Path) -> bool:
    """Put the saved pools back into moto; False when there is no file yet. Temp files a
    killed save left behind are removed (the state file is the old one, whole)."""
    for leftover in path.parent.glob(f"{path.name}.*.tmp"):
        leftover.unlink(missing_ok=True)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return False
    restore(pickle.loads(data))  # our own file, 0600 in LOCAL_DIR: trusted input
    return True


class DurableCognito:
    """WSGI middleware around moto's server app: a request that changes cognito-idp state
    is answered only after that state is on disk. One lock serialises requests, so a save
    never pickles a pool another thread is changing (a local emulator needs no concurrency)."""

    def __init__(self, app: WsgiApp, state_file: Path) -> None:
        self.app = app
        self.state_file = state_file
        self.lock = threading.Lock()
        register_reducers()

    def load(self) -> bool:
        with self.lock:
            return load(self.state_file)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], Any]:
            captured[:] = [status, headers, exc_info]
            return lambda _chunk: None  # moto's Flask app never uses write()

        with self.lock:
            result = self.app(environ, capture)
            try:
                body = b"".join(result)  # the whole answer is made before we save
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            if is_mutating(environ.get("HTTP_X_AMZ_TARGET")):
                save(self.state_file)
        status, headers, exc_info = captured
        start_response(status, headers, exc_info)
        return [body]
