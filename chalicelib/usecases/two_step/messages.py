"""The mails two-step sign-in sends: (subject, body). None carries a secret or a code."""

from __future__ import annotations


def _footer(web: str) -> str:
    where = f" on the Security section of your profile ({web}/profile.html)" if web else " on your profile page"
    return f"You can manage two-step sign-in{where}.\n"


def turned_on(name: str, web: str) -> tuple[str, str]:
    return "Two-step sign-in is on", (
        f"Hello {name},\n\n"
        "Two-step sign-in is now on for your Bandstand account: signing in asks for a code "
        "from your authenticator app after the password.\n\n"
        "Keep your recovery codes somewhere safe: each signs you in once if you lose the app.\n\n"
        "If this was not you, reset your password and contact us at once.\n\n" + _footer(web)
    )


def turned_off(name: str, web: str) -> tuple[str, str]:
    return "Two-step sign-in is off", (
        f"Hello {name},\n\n"
        "Two-step sign-in was turned off for your Bandstand account: the password alone signs in now.\n\n"
        "If this was not you, reset your password at once and turn two-step sign-in on again.\n\n" + _footer(web)
    )


def recovery_code_used(name: str, left: int, web: str) -> tuple[str, str]:
    plural = "" if left == 1 else "s"
    return "A recovery code was used to sign in", (
        f"Hello {name},\n\n"
        "Someone just signed in to your Bandstand account with your password and one of your "
        f"recovery codes. It cannot be used again; {left} recovery code{plural} left.\n\n"
        "If this was not you, reset your password and make new recovery codes.\n\n" + _footer(web)
    )


def admin_reset(name: str, web: str) -> tuple[str, str]:
    return "Two-step sign-in was turned off by an administrator", (
        f"Hello {name},\n\n"
        "An administrator turned two-step sign-in off for your Bandstand account, as you asked "
        "after losing your authenticator and recovery codes. The password alone signs in now; "
        "turn two-step sign-in on again with a new authenticator.\n\n"
        "If you did not ask for this, reset your password and contact us at once.\n\n" + _footer(web)
    )
