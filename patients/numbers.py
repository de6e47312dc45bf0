"""The one reader of numbers typed into clinical forms (pure Python, no Django).

Browsers' number inputs may hand the server a rewritten string (or an empty one) for "0,2", so every numeric
clinical input is a text input read here, on the server, and a number is never silently changed in magnitude:

- a decimal point is always read as the decimal point: "0.2", " 1.5 ", ".5", "-3", and "1.234" is 1.234 (values are
  stored and written back into the fields with a point, so a point must read the same way every time);
- a decimal comma is read as the decimal separator ("0,2" -> 0.2, "11,9" -> 11.9), except where it could
  equally be a thousands separator: one to three digits, the first not 0, then a comma and exactly three digits
  ("1,234", "12,500") is refused as ambiguous, because reading it wrongly is a thousandfold error;
- thousands separators are refused: "1,234,567", "1.234,5", "1 234", "1'234", "1_234" and the Arabic "٬";
- exponents ("6e", "1e3"), "inf", "nan", fractions and anything else that is not plainly a number are refused;
- digits of other scripts are read like Python's own `int()` and `float()` read them, so Arabic-Indic digits
  with the Arabic decimal separator ("١٫٥") give 1.5. Decided so because a clinician on an Arabic keyboard
  types exactly that, the reading is unambiguous, and refusing it would only push them to retype.

`NumberError.message` is the field error to show; the constants below are reused by the tests.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

NOT_A_NUMBER = "Enter a number, e.g. 1.5 (digits with one decimal point or comma)."
THOUSANDS = "Leave out thousands separators: write 1234 or 1234.5, not 1,234 or 1.234,5."
AMBIGUOUS_COMMA = (
    "“{text}” could be a decimal or a thousands separator: write {decimal} with a decimal point, or {whole} "
    "without a separator."
)
EXPONENT = "Write the number in full, without an exponent (e.g. 0.002, not 2e-3)."
NOT_WHOLE = "Enter a whole number, e.g. 2."

ARABIC_DECIMAL_SEPARATOR = "\u066b"  # ٫
ARABIC_THOUSANDS_SEPARATOR = "\u066c"  # ٬
# Spaces that may surround a pasted value (stripped) or group thousands inside one (refused).
_SPACES = " \t\n\r\u00a0\u2007\u2009\u202f"
_PLAIN = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")
_COMMA = re.compile(r"(-?)(\d+),(\d+)")
_AMBIGUOUS = re.compile(r"-?[1-9]\d{0,2},\d{3}")
# Digits in groups: separated by spaces, commas, apostrophes, underscores, the Arabic "٬" or more than one point.
_GROUPED = re.compile(r"-?\d+([" + re.escape(_SPACES + ",'_" + ARABIC_THOUSANDS_SEPARATOR) + r".]\d+)+([.,]\d+)?")


class NumberError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _ascii_digits(text: str) -> str:
    """Digits of any script as 0-9 (as Python's int() reads them); every other character unchanged."""
    return "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char for char in text)


def parse_decimal(text: str) -> Decimal:
    """The number a clinician typed, or NumberError with the field error to show. Blank input is the caller's
    business (it means "not measured"): this refuses it as not a number."""
    raw = text.strip(_SPACES)
    value = _ascii_digits(raw).replace(ARABIC_DECIMAL_SEPARATOR, ".").replace("\u2212", "-")  # − minus sign
    if _PLAIN.fullmatch(value):
        return Decimal(value)
    if _AMBIGUOUS.fullmatch(value):
        head, tail = value.split(",")
        raise NumberError(AMBIGUOUS_COMMA.format(text=raw, decimal=f"{head}.{tail}", whole=f"{head}{tail}"))
    comma = _COMMA.fullmatch(value)
    if comma:
        sign, whole, fraction = comma.groups()
        return Decimal(f"{sign}{whole}.{fraction}")
    if _GROUPED.fullmatch(value):
        raise NumberError(THOUSANDS)  # 1.234,5  1 234  1,234,567  1.234.567
    if re.fullmatch(r"-?[\d.]*\d[eE][-+]?\d*", value):
        raise NumberError(EXPONENT)
    raise NumberError(NOT_A_NUMBER)


def parse_float(text: str) -> float:
    return float(parse_decimal(text))


def parse_whole(text: str) -> int:
    """A whole number (a grade, a score, a class); "2.0" is 2, "2.5" is refused."""
    number = parse_decimal(text)
    if number != number.to_integral_value():
        raise NumberError(NOT_WHOLE)
    return int(number)


def shown(value: float | int | Decimal | None) -> str:
    """A stored number written back into a text input: plain digits, never an exponent ("0.00001", "120")."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(repr(float(value))), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
