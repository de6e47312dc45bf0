"""Reading the numbers clinicians type (patients.numbers): a number is read as typed or refused with a reason,
never changed in magnitude."""

from decimal import Decimal

import pytest

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
