"""What a username is, and the one normal form of usernames and emails (docs/api.md, Conventions).

Every comparison of a name a person typed goes through `normal_form`: uniqueness (the
email claim), sign-in, the lockout, the mail throttles and the code cap. With a second
form anywhere, a spelling variant (a long s, an "st" ligature or full-width letters in `sam.stone@…`)
would be one account to one rule and a stranger to another.
"""

from __future__ import annotations

import re
import unicodedata

# A domain rule, not an HTTP one: the providers and the two-step store check names and
# token prefixes against it too. Matched after lower-casing.
USERNAME_PATTERN = r"[a-z0-9][a-z0-9._-]{2,31}"
USERNAME_RE = re.compile(f"^{USERNAME_PATTERN}$")


def normal_form(typed: str) -> str:
    """NFKC, then case-folded; NFKC once more, since folding can leave a decomposed
    sequence, so that the form of a form is itself (stored keys match re-typed ones)."""
    folded = unicodedata.normalize("NFKC", typed).casefold()
    # Stripped last: NFKC can turn a character into a space and a combining mark.
    return unicodedata.normalize("NFKC", folded).strip()
