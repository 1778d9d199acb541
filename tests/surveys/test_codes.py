"""Invitation codes: enough entropy, forgiving to read, strict to accept."""
import math
import re

import pytest

from surveys.codes import ALPHABET, BITS, InvalidCode, format_code, generate_code, hash_code, normalize_code

DISPLAY = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$")


def test_codes_carry_at_least_80_random_bits_in_groups_of_four():
    assert BITS >= 80
    code = generate_code()
    assert DISPLAY.match(code), code
    assert len({generate_code() for _ in range(2000)}) == 2000


def test_symbols_are_uniform_over_the_crockford_alphabet():
    counts = {s: 0 for s in ALPHABET}
    for _ in range(2000):
        for symbol in generate_code().replace("-", "")[:-1]:
            counts[symbol] += 1
    expected = 2000 * 19 / 32
    chi2 = sum((c - expected) ** 2 / expected for c in counts.values())
    assert chi2 < 70  # 31 degrees of freedom: p ≈ 1e-4


def test_reading_ignores_case_spaces_dashes_and_look_alikes():
    code = generate_code()
    canonical = normalize_code(code)
    sloppy = " ".join(code.lower().replace("-", " ")).replace("1", "l").replace("0", "o")
    assert normalize_code(sloppy) == canonical
    assert format_code(canonical) == code


@pytest.mark.parametrize("position", range(20))
def test_every_single_mistyped_symbol_is_caught(position):
    canonical = normalize_code(generate_code())
    for replacement in ALPHABET:
        if replacement == canonical[position]:
            continue
        typo = canonical[:position] + replacement + canonical[position + 1:]
        with pytest.raises(InvalidCode):
            normalize_code(typo)


def test_most_swaps_of_neighbours_are_caught():
    caught = total = 0
    for _ in range(200):
        canonical = normalize_code(generate_code())
        for i in range(19):
            if canonical[i] == canonical[i + 1]:
                continue
            swapped = canonical[:i] + canonical[i + 1] + canonical[i] + canonical[i + 2:]
            total += 1
            try:
                normalize_code(swapped)
            except InvalidCode:
                caught += 1
    assert caught / total > 0.95


@pytest.mark.parametrize("raw", ["", "ABCD", "U" * 20, "!" * 20, "0" * 21])
def test_malformed_codes_are_refused(raw):
    with pytest.raises(InvalidCode):
        normalize_code(raw)


def test_only_a_hash_is_kept_and_it_is_stable():
    canonical = normalize_code(generate_code())
    digest = hash_code(canonical)
    assert re.fullmatch(r"[0-9a-f]{64}", digest) and canonical.lower() not in digest
    assert hash_code(canonical) == digest and hash_code(normalize_code(generate_code())) != digest
    assert math.log2(32) * 19 == BITS
