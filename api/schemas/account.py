"""The signed-in user's own account: changing the password."""
from __future__ import annotations

from api.schemas import Input, Text


class PasswordChangeIn(Input, kw_only=True):
    current_password: Text(200, 1)
    new_password: Text(200, 1)
