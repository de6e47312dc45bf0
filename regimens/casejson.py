"""Reading a case's JSON text the same way at every door: the API, `manage.py recommend`, `manage.py
import_case` and the import page.

Text that no case can be is refused here, with one message: larger than 1 MB, not UTF-8, not JSON, nested
more than 32 levels, or holding an integer of thousands of digits. Everything else reaches the engine, which
names the field of each bad value (regimens/engine/ranges.py): NaN and Infinity are read as the floats they
spell and 1e300 or a 309-digit integer as the numbers they are, so "restaging.hemoglobin_g_dl: must be between
0 and 25 (g/dL)" is the answer whichever door the case came through.
"""

from __future__ import annotations

import json
from typing import Any

MAX_BYTES = 1_000_000  # a case is a few kilobytes; the import page refuses larger files with the same limit
MAX_DEPTH = 32  # a case nests 5 levels; 2,000 nested lists would exhaust the recursion of whoever reads them


class UnreadableCase(ValueError):
    """Text that is not a JSON value a case could be; `message` says why, for one line of output."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        self.message = message
        self.too_large = too_large
        super().__init__(message)


TOO_LARGE = f"larger than {MAX_BYTES // 1_000_000} MB: that is not a case file"


def _constant(name: str) -> float:
    """NaN, Infinity, -Infinity: read as floats, which the engine refuses with the field's range."""
    return float(name)


def depth(data: object) -> int:
    """How deeply lists and objects nest (iteratively: a deep value cannot exhaust recursion here)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                break
            stack.extend((item, level + 1) for item in value)
    return deepest


def read_case_json(raw: str | bytes) -> Any:
    """The JSON value of a case file or body; raises UnreadableCase."""
    if len(raw) > MAX_BYTES:
        raise UnreadableCase(TOO_LARGE, too_large=True)
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UnreadableCase("not UTF-8 text (save the case as UTF-8 JSON)") from None
    else:
        text = raw
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise UnreadableCase(TOO_LARGE, too_large=True)
    try:
        data = json.loads(text, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise UnreadableCase(f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise UnreadableCase(f"nested too deeply (more than {MAX_DEPTH} levels of lists and objects)") from None
    except ValueError:  # an integer beyond Python's digit limit (4,300)
        raise UnreadableCase("a number has thousands of digits: no value of a case is that long") from None
    if depth(data) > MAX_DEPTH:
        raise UnreadableCase(f"nested too deeply (more than {MAX_DEPTH} levels of lists and objects)")
    return data
