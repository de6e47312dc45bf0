"""Passwords built from the user's own name, or from one short piece repeated, are refused."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from myeloma_cds.validators import ContainsUserAttributeValidator, RepeatedPieceValidator

BORIS = SimpleNamespace(username="board", first_name="Boris", last_name="Lindqvist", email="b.lindqvist@example.org")


@pytest.mark.parametrize("password", ["boardboardboard", "my-Board-2026!x", "lindqvist-rocks-42", "B.Lindqvist#2026"])
def test_a_password_holding_the_users_name_is_refused(password):
    with pytest.raises(ValidationError):
        ContainsUserAttributeValidator().validate(password, BORIS)


def test_a_password_without_the_users_name_passes():
    ContainsUserAttributeValidator().validate("correct-horse-battery-staple", BORIS)
    ContainsUserAttributeValidator().validate("boar-d-ris-q", BORIS)  # pieces shorter than the name


@pytest.mark.parametrize("password", ["boardboardboard", "abcabcabcabc", "aaaaaaaaaaaa", "xyzxyzxyzXYZ"])
def test_one_short_piece_repeated_is_refused(password):
    with pytest.raises(ValidationError):
        RepeatedPieceValidator().validate(password)


@pytest.mark.parametrize("password", ["abcdefgabcdefg", "correct-horse-battery-staple", "abcabcabcabd"])
def test_a_password_that_is_not_one_short_piece_repeated_passes(password):
    RepeatedPieceValidator().validate(password)  # a 7-character piece twice is past the rule's length


def test_the_configured_validators_refuse_boardboardboard_for_the_board_member():
    from django.contrib.auth.password_validation import validate_password

    with pytest.raises(ValidationError) as refused:
        validate_password("boardboardboard", BORIS)
    codes = {error.code for error in refused.value.error_list}
    assert {"password_contains_user_attribute", "password_repeated_piece"} <= codes
