"""Password rules beyond Django's own: a password may not contain the user's name or username, nor be one short
piece repeated ("boardboardboard" passes Django's similarity check, whose ratio is 0.5 for a 15-character
password built from a 5-letter username, and its length check)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

# Parts of a name shorter than this are too common to refuse ("li", "al").
SHORTEST_PART = 3
# A password that is one piece repeated, of at most this many characters ("abcabcabcabc").
LONGEST_REPEATED_PIECE = 6


class ContainsUserAttributeValidator:
    """Refuses a password that contains the username, a first or last name, or the email's local part."""

    attributes = ("username", "first_name", "last_name", "email")

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        lowered = password.lower()
        for attribute in self.attributes:
            value = str(getattr(user, attribute, "") or "").lower()
            if attribute == "email":
                value = value.split("@", 1)[0]
            for part in {value, *re.split(r"\W+", value)}:
                if len(part) >= SHORTEST_PART and part in lowered:
                    raise ValidationError(
                        "The password contains your %(attribute)s; choose one that does not.",
                        code="password_contains_user_attribute",
                        params={"attribute": attribute.replace("_", " ")},
                    )

    def get_help_text(self) -> str:
        return "Your password can't contain your username, your name or your email address."


class RepeatedPieceValidator:
    """Refuses a password that is one short piece repeated, such as "boardboardboard" or "abcabcabcabc"."""

    def validate(self, password: str, user: Any = None) -> None:
        pattern = rf"(.{{1,{LONGEST_REPEATED_PIECE}}}?)\1+"
        if re.fullmatch(pattern, password.lower(), flags=re.DOTALL):
            raise ValidationError(
                "The password repeats one short piece; choose one that does not.", code="password_repeated_piece"
            )

    def get_help_text(self) -> str:
        return "Your password can't be one short piece repeated."
