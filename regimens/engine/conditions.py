"""Patient conditions named by catalog data (algorithm 9.4): trial key exclusions, subgroup figures, and the
conditions under which a catalog caution or note applies.

A condition is a code from a fixed vocabulary, some with a number (`prior_lines_over:3`). It is evaluated on
the engine's own classification (exposure and refractoriness after clinician overrides), never on raw input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from . import rules as R

# Trial key exclusions and subgroups (case-format.md, "Revision 2 additions"), plus what cautions need.
_FIXED: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "anti_cd38_refractory": (
        "anti-CD38-refractory disease",
        lambda cls: R.ANTI_CD38_CLASS in cls.exposure.refractory_classes,
    ),
    "bcma_exposed": ("prior BCMA-directed therapy", lambda cls: cls.exposure.bcma_exposed),
    "pomalidomide_exposed": ("prior pomalidomide", lambda cls: "pomalidomide" in cls.exposure.drugs),
    "pomalidomide_refractory": (
        "pomalidomide-refractory disease",
        lambda cls: cls.exposure.is_refractory("pomalidomide"),
    ),
    "lenalidomide_refractory": (
        "lenalidomide-refractory disease",
        lambda cls: cls.exposure.is_refractory("lenalidomide"),
    ),
    "bortezomib_refractory": (
        "bortezomib-refractory disease",
        lambda cls: cls.exposure.is_refractory("bortezomib"),
    ),
    "carfilzomib_refractory": (
        "carfilzomib-refractory disease",
        lambda cls: cls.exposure.is_refractory("carfilzomib"),
    ),
    "one_prior_line_not_lenalidomide_refractory": (
        "one prior line without lenalidomide-refractory disease",
        lambda cls: cls.prior_lines == 1 and not cls.exposure.is_refractory("lenalidomide"),
    ),
    "not_triple_class_exposed": (
        "disease that is not triple-class exposed",
        lambda cls: not cls.exposure.triple_class_exposed,
    ),
    "one_prior_line": ("one prior line", lambda cls: cls.prior_lines == 1),
    "frail": ("frail patients", lambda cls: cls.frailty == "frail"),
}
# Conditions with a whole number after the colon.
_NUMBERED: dict[str, tuple[Callable[[int], str], Callable[[Any, int], bool]]] = {
    "prior_lines_over": (
        lambda n: f"more than {n} prior line{'s' if n != 1 else ''}",
        lambda cls, n: cls.prior_lines > n,
    ),
    "age_at_least": (lambda n: f"age {n} or older", lambda cls, n: cls.age_years >= n),
}
VOCABULARY: tuple[str, ...] = tuple(_FIXED) + tuple(f"{name}:N" for name in _NUMBERED)


@dataclass(frozen=True)
class Condition:
    code: str
    words: str
    test: Callable[[Any], bool]

    def holds(self, cls: Any) -> bool:
        return bool(self.test(cls))


@lru_cache(maxsize=256)
def parse(code: str) -> Condition:
    """The condition of a code; ValueError names the vocabulary when the code is not in it."""
    if code in _FIXED:
        words, test = _FIXED[code]
        return Condition(code, words, test)
    name, _, number = code.partition(":")
    if name in _NUMBERED and number.isdigit():
        describe, numbered = _NUMBERED[name]
        n = int(number)
        return Condition(code, describe(n), lambda cls: numbered(cls, n))
    raise ValueError(f"unknown condition {code!r}; known: {', '.join(VOCABULARY)}")


def words(code: str) -> str:
    return parse(code).words


def holds(code: str, cls: Any) -> bool:
    return parse(code).holds(cls)


def all_hold(codes: tuple[str, ...], cls: Any) -> bool:
    return all(holds(code, cls) for code in codes)
