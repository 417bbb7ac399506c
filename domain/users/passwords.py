"""The password policy: at least 12 characters, not a well-known password and not the username.

"Well-known" is judged by zxcvbn (pinned in pyproject.toml): its list of the 30,000 most common passwords, the
same list with the usual decorations stripped (`Password2026!` is `password`), and its guess estimate with the
username and display name as known words (`vanphong-demo` for the user `vanphong` is refused)."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 200
MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable: moderate protection from offline slow-hash scenario"
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _letters(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in folded if c.isalpha())


def check_password(password: str, username: str = "", display_name: str = "", field: str = "password") -> None:
    """Raises `InvalidInput` (422) with a stable code naming what is wrong."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"the password must have at least {MIN_LENGTH} characters", code="password_too_short",
                           field=field, min_length=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"the password must have at most {MAX_LENGTH} characters", code="too_long", field=field)
    name = _letters(username)
    if username and (password.casefold() == username.casefold() or (name and _letters(password) in (name, name[::-1]))):
        raise InvalidInput("the password must not be the username", code="password_is_username", field=field)
    lowered = password.casefold()
    if lowered in _common() or _EDGES.sub("", lowered) in _common():
        raise InvalidInput("this is a well-known password; choose another", code="password_common", field=field)
    from zxcvbn import zxcvbn

    inputs = [x for x in (username, display_name) if x]
    if zxcvbn(password[:100], user_inputs=inputs)["score"] < MIN_SCORE:
        raise InvalidInput("this password is too easy to guess (a common word, a name, your username or a "
                           "pattern); a few unrelated words make a better one", code="password_common", field=field)
