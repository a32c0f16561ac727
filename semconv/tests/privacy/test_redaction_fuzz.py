"""Seeded random texts with secrets and PII planted in noise: none of the
planted values survives redaction, and the noise around them is kept."""

from __future__ import annotations

import random
import string

import pytest

from llmlens_semconv.redaction import Redactor, redactor_from_env
from llmlens_semconv.redaction_patterns import luhn_valid


def card(rng: random.Random) -> str:
    while True:
        digits = "4" + "".join(rng.choice(string.digits) for _ in range(15))
        if luhn_valid(digits):
            sep = rng.choice(["", " ", "-"])
            return sep.join(digits[i:i + 4] for i in range(0, 16, 4))


def email(rng: random.Random) -> str:
    local = "".join(rng.choice(string.ascii_lowercase + "._") for _ in range(rng.randint(1, 20)))
    domain = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 12)))
    return f"{rng.choice(string.ascii_lowercase)}{local}@{domain}.{rng.choice(['com', 'io'])}"


def openai_key(rng: random.Random) -> str:
    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(48))
    return "sk-" + rng.choice(["", "proj-"]) + body


def github_token(rng: random.Random) -> str:
    return "gh" + "p_" + "".join(rng.choice(string.ascii_letters + string.digits)
                                  for _ in range(36))


def ipv4(rng: random.Random) -> str:
    return ".".join(str(rng.randint(1, 254)) for _ in range(4))


def ssn(rng: random.Random) -> str:
    return f"{rng.randint(1, 665):03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def phone(rng: random.Random) -> str:
    return f"+1 ({rng.randint(200, 999)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"


PLANTERS = [card, email, openai_key, github_token, ipv4, ssn, phone]
NOISE = string.ascii_letters + "     ,.;!?()'\n"
SEPARATORS = [" ", "\n", " (", ": ", ' "', ", ", "\t"]


def noise(rng: random.Random) -> str:
    return "".join(rng.choice(NOISE) for _ in range(rng.randint(5, 60)))


@pytest.fixture(scope="module")
def redact() -> Redactor:
    redactor = redactor_from_env({})
    assert redactor is not None
    return redactor


@pytest.mark.parametrize("seed", range(25))
def test_planted_values_never_survive(redact: Redactor, seed: int) -> None:
    rng = random.Random(seed)
    planted: list[str] = []
    pieces: list[str] = []
    for _ in range(40):
        pieces.append(noise(rng) + rng.choice(SEPARATORS))
        value = rng.choice(PLANTERS)(rng)
        planted.append(value)
        pieces.append(value)
        pieces.append(rng.choice(SEPARATORS) + noise(rng))
    text = "".join(pieces)
    out = redact(text)
    for value in planted:
        assert value not in out, value
    # the noise is untouched: every word-only fragment of it is still there
    for piece in pieces[::3]:
        for word in piece.split():
            if word.isalpha() and len(word) > 3:
                assert word in out
