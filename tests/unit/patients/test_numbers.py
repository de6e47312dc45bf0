"""Reading the numbers clinicians type (patients.numbers): a number is read as typed or refused with a reason,
never changed in magnitude."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patients import numbers


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("0.2", Decimal("0.2")),
        ("0,2", Decimal("0.2")),  # a decimal comma is the decimal separator
        ("11,9", Decimal("11.9")),
        (" 1.5 ", Decimal("1.5")),
        ("\u00a01.5\t", Decimal("1.5")),  # a pasted non-breaking space around the value
        (".5", Decimal("0.5")),
        ("5.", Decimal("5")),
        ("-3", Decimal("-3")),
        ("\u22123", Decimal("-3")),  # the typographic minus sign
        ("1234", Decimal("1234")),
        ("1234,5", Decimal("1234.5")),  # four digits before the comma: no thousands group
        ("0,123", Decimal("0.123")),  # a leading 0 is never a thousands group
        ("1,2345", Decimal("1.2345")),  # four digits after the comma: no thousands group
        ("1,23", Decimal("1.23")),
        ("١٫٥", Decimal("1.5")),  # Arabic-Indic digits with the Arabic decimal separator
        ("۱۲", Decimal("12")),  # Extended Arabic-Indic (Persian) digits
    ],
)
def test_a_number_is_read_with_a_decimal_point_or_comma(typed, read):
    assert numbers.parse_decimal(typed) == read


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1.234,5", numbers.THOUSANDS),
        ("1 234", numbers.THOUSANDS),
        ("1\u202f234", numbers.THOUSANDS),  # narrow no-break space, the French thousands separator
        ("1'234", numbers.THOUSANDS),
        ("1_234", numbers.THOUSANDS),
        ("1,234,567", numbers.THOUSANDS),
        ("1.234.567", numbers.THOUSANDS),
        ("١٬٢٣٤", numbers.THOUSANDS),  # the Arabic thousands separator
        ("6e", numbers.EXPONENT),
        ("1e3", numbers.EXPONENT),
        ("2E-3", numbers.EXPONENT),
        ("abc", numbers.NOT_A_NUMBER),
        ("inf", numbers.NOT_A_NUMBER),
        ("nan", numbers.NOT_A_NUMBER),
        ("1/2", numbers.NOT_A_NUMBER),
        ("1.5 g/dL", numbers.NOT_A_NUMBER),
        ("+-1", numbers.NOT_A_NUMBER),
        ("", numbers.NOT_A_NUMBER),
    ],
)
def test_thousands_separators_exponents_and_words_are_refused(typed, message):
    with pytest.raises(numbers.NumberError) as error:
        numbers.parse_decimal(typed)
    assert error.value.message == message


@pytest.mark.parametrize("typed", ["1,234", "12,500", "999,000", "-1,234"])
def test_a_comma_that_may_group_thousands_is_refused_as_ambiguous(typed):
    """One to three digits (the first not 0), a comma, exactly three digits: 1.234 or 1234? Refused."""
    with pytest.raises(numbers.NumberError) as error:
        numbers.parse_decimal(typed)
    head, tail = typed.split(",")
    assert error.value.message == numbers.AMBIGUOUS_COMMA.format(
        text=typed, decimal=f"{head}.{tail}", whole=f"{head}{tail}"
    )


@pytest.mark.parametrize(("typed", "read"), [("2", 2), (" 3 ", 3), ("2.0", 2), ("2,0", 2), ("٣", 3), ("0", 0)])
def test_a_whole_number_is_read(typed, read):
    assert numbers.parse_whole(typed) == read


@pytest.mark.parametrize(("typed", "message"), [("2.5", numbers.NOT_WHOLE), ("two", numbers.NOT_A_NUMBER)])
def test_a_whole_number_refuses_a_fraction_or_a_word(typed, message):
    with pytest.raises(numbers.NumberError) as error:
        numbers.parse_whole(typed)
    assert error.value.message == message


@pytest.mark.parametrize(
    ("value", "text"), [(0.2, "0.2"), (11.9, "11.9"), (1e-05, "0.00001"), (120.0, "120"), (3, "3"), (None, "")]
)
def test_a_stored_number_is_written_back_in_plain_digits(value, text):
    assert numbers.shown(value) == text


decimals = st.decimals(min_value=-100000, max_value=100000, places=4, allow_nan=False, allow_infinity=False)


@given(decimals)
def test_any_number_written_with_a_decimal_point_is_read_exactly(value):
    assert numbers.parse_decimal(format(value, "f")) == value


@given(decimals, st.sampled_from([(",", "."), (" ", ","), ("\u00a0", ","), ("'", "."), (".", ",")]))
def test_a_number_written_in_any_local_style_is_read_as_that_number_or_refused(value, style):
    """The safety claim: with thousands grouped by a comma, a space, an apostrophe or a point, and a decimal point
    or comma, a value is read as itself or refused, never as another number. (One exception, below: a point is
    always the decimal point, so a single point group is not a thousands group.)"""
    separator, decimal_mark = style
    whole, _, fraction = format(abs(value), "f").partition(".")
    fraction = fraction.rstrip("0")  # 1234.0000 is written 1,234 (or 1 234, 1.234, ...)
    groups = [whole[max(i - 3, 0) : i] for i in range(len(whole), 0, -3)][::-1]
    if separator == "." and len(groups) == 2 and not fraction:
        return  # "1.234": read as 1.234, see the next test
    typed = ("-" if value < 0 else "") + separator.join(groups) + (decimal_mark + fraction if fraction else "")
    try:
        read = numbers.parse_decimal(typed)
    except numbers.NumberError:
        return
    assert read == value, typed


def test_a_point_is_always_the_decimal_point():
    """Values are stored and shown with a decimal point ("1.234" written back into a field must read the same),
    so a point never groups thousands: "1.234" is 1.234. A point followed by a comma, or two points, is refused."""
    assert numbers.parse_decimal("1.234") == Decimal("1.234")
    for typed in ("1.234,5", "1.234.567"):
        with pytest.raises(numbers.NumberError):
            numbers.parse_decimal(typed)
