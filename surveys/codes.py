"""Invitation codes: 95 random bits in Crockford base32, grouped by four, with a check character.

`XXXX-XXXX-XXXX-XXXX-XXXC`: 19 random symbols (5 bits each) and one Luhn mod 32 check symbol,
which catches every single mistyped symbol and most swaps of neighbours. Codes are read
case-insensitively with spaces and dashes ignored, and with Crockford's look-alikes
(I, L → 1; O → 0). Only a SHA-256 hash is stored: with 95 random bits, a hash cannot be
reversed by trying codes.
"""
import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {symbol: i for i, symbol in enumerate(ALPHABET)}
_LOOK_ALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
RANDOM_SYMBOLS = 19
CODE_LENGTH = RANDOM_SYMBOLS + 1
BITS = RANDOM_SYMBOLS * 5


class InvalidCode(ValueError):
    """Not a well-formed code (wrong length, symbol or check character)."""


def _check_symbol(symbols: str) -> str:
    """Luhn mod N over the base32 values (N = 32)."""
    factor, total, n = 2, 0, len(ALPHABET)
    for symbol in reversed(symbols):
        addend = factor * _VALUE[symbol]
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def generate_code() -> str:
    """A new code in display form."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    return format_code(body + _check_symbol(body))


def format_code(normalized: str) -> str:
    return "-".join(normalized[i:i + 4] for i in range(0, len(normalized), 4))


def normalize_code(raw: str) -> str:
    """The canonical form of a typed or scanned code; raises InvalidCode when it is not one."""
    cleaned = "".join(raw.split()).replace("-", "").upper().translate(_LOOK_ALIKES)
    if len(cleaned) != CODE_LENGTH or any(symbol not in _VALUE for symbol in cleaned):
        raise InvalidCode(raw)
    if _check_symbol(cleaned[:-1]) != cleaned[-1]:
        raise InvalidCode(raw)
    return cleaned


def hash_code(normalized: str) -> str:
    return hashlib.sha256(b"minping-invitation:" + normalized.encode()).hexdigest()
