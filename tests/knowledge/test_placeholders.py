"""Placeholder contacts: example.org addresses and +46 0000 numbers are recognised, real ones are not."""

from __future__ import annotations

import pytest

from bot.knowledge.placeholders import in_text, mask, placeholder_email, placeholder_phone


@pytest.mark.parametrize("address", ["kultur.naestved@example.org", "info@example.com", "a@kultur.example"])
def test_an_address_at_a_reserved_example_domain_is_a_placeholder(address: str) -> None:
    assert placeholder_email(address)


@pytest.mark.parametrize("address", ["kultur@flen.se", "info@example-kultur.nl", "post@examples.org"])
def test_a_real_address_is_no_placeholder(address: str) -> None:
    assert not placeholder_email(address)


@pytest.mark.parametrize("number", ["+46 0000 00 00 01", "+45 0000 0001", "+31 00 000 0004", "0000 0000"])
def test_a_number_no_network_gives_out_is_a_placeholder(number: str) -> None:
    assert placeholder_phone(number)


@pytest.mark.parametrize("number", ["+46 8 700 00 00", "+45 55 88 10 00", "+31 71 516 50 00", "0157-430 00"])
def test_a_real_number_is_no_placeholder(number: str) -> None:
    assert not placeholder_phone(number)


def test_placeholders_inside_a_text_are_found_and_masked() -> None:
    text = "Boka på speeddating.kulturkluster@example.org eller ring +46 0000 00 00 01, inte kultur@flen.se."
    assert in_text(text) == ["speeddating.kulturkluster@example.org", "+46 0000 00 00 01"]
    assert mask(text, "…") == "Boka på … eller ring …, inte kultur@flen.se."
