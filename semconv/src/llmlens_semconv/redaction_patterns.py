"""The built-in redaction rules: PII and secrets, each replaced by a typed
placeholder.

Every pattern here passes :func:`llmlens_semconv.regex_safety.hazards`
(bounded quantifiers, no ambiguous nesting), so a scan is linear in the
length of the text. Where a shape alone would over-match, a validator
(Luhn, IBAN mod 97, ``ipaddress``) decides; rules run in the order listed,
secrets first, so a later, looser rule never sees the inside of a secret.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

Replacement = str | Callable[["re.Match[str]"], str]

KIND_SECRET = "secret"
KIND_PII = "pii"
KIND_NETWORK = "network"
KIND_CUSTOM = "custom"
DIGITS = "0123456789"


@dataclass(frozen=True, slots=True)
class Rule:
    """One pattern and what its matches become.

    ``hints``: the rule runs only when one of these substrings is in the
    text; ``hints_ci``: the same, compared with the lower-cased text;
    ``needs_chars``: the rule runs only when the text holds one of these
    characters (checked first: a one-character search is the cheapest). These
    pre-checks keep clean text cheap.
    """

    name: str
    placeholder: str
    regex: re.Pattern[str]
    replacement: Replacement
    kind: str
    hints: tuple[str, ...] = ()
    hints_ci: tuple[str, ...] = ()
    needs_chars: str = ""
    # a hand-written linear scan that replaces regex.sub (the regex is then
    # the part of the match it uses, and is checked like any other)
    scanner: Callable[[str], str] | None = None

    def apply(self, text: str) -> str:
        if self.scanner is not None:
            return self.scanner(text)
        return self.regex.sub(self.replacement, text)


def _rule(
    name: str, placeholder: str, pattern: str, kind: str, *,
    replacement: Replacement | None = None, flags: int = 0,
    hints: tuple[str, ...] = (), hints_ci: tuple[str, ...] = (), needs_digit: bool = False,
    needs_chars: str = "", scanner: Callable[[str], str] | None = None,
) -> Rule:
    return Rule(
        name=name, placeholder=placeholder, regex=re.compile(pattern, flags),
        replacement=placeholder if replacement is None else replacement, kind=kind,
        hints=hints, hints_ci=hints_ci, scanner=scanner,
        needs_chars=DIGITS if needs_digit else needs_chars,
    )


# --- validators ---------------------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


def _keep_if(valid: Callable[[str], bool], placeholder: str) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        text = match.group(0)
        return placeholder if valid(text) else text

    return replace


def _card(text: str) -> bool:
    digits = re.sub(r"[ -]", "", text)
    return 13 <= len(digits) <= 19 and luhn_valid(digits)


def _iban(match: re.Match[str]) -> str:
    text = match.group(0)
    # the shape may have taken one space-separated group too many
    candidate = text
    while len(candidate.replace(" ", "")) >= 15:
        if iban_valid(candidate):
            return "<IBAN>" + text[len(candidate):]
        if " " not in candidate:
            break
        candidate = candidate.rsplit(" ", 1)[0]
    return text


def _ssn(text: str) -> bool:
    area, group, serial = text[0:3], text[4:6], text[7:11]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _ipv4(text: str) -> bool:
    return all(int(octet) <= 255 for octet in text.split("."))


def _phone(text: str) -> bool:
    digits = sum(c.isdigit() for c in text)
    return 8 <= digits <= 15


def _ipv6(match: re.Match[str]) -> str:
    text = match.group(0)
    candidate = text.rstrip(".")
    if candidate.count(":") < 2:
        return text
    groups = [g for g in candidate.split(":") if g]
    # "1::2" (a Python slice) parses as an address; demand a real-looking one
    if len(groups) < 3 and not any(len(g) >= 3 for g in groups):
        return text
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return text
    return "<IP_ADDRESS>" + text[len(candidate):]


_EMAIL_LOCAL = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-")
_EMAIL_LOCAL_MAX = 64
_EMAIL_DOMAIN = re.compile(r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}")


def _redact_emails(text: str) -> str:
    """Find each "@", walk back over at most 64 local-part characters, match
    the domain forward: linear, and no work at all away from an "@"."""
    pieces: list[str] = []
    done = 0
    at = text.find("@")
    while at != -1:
        start = at
        while start > done and at - start < _EMAIL_LOCAL_MAX and text[start - 1] in _EMAIL_LOCAL:
            start -= 1
        domain = _EMAIL_DOMAIN.match(text, at + 1)
        bounded = start == 0 or text[start - 1] not in _EMAIL_LOCAL
        if start < at and domain is not None and bounded:
            pieces.append(text[done:start])
            pieces.append("<EMAIL>")
            done = domain.end()
            at = text.find("@", done)
        else:
            at = text.find("@", at + 1)
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def _authorization(match: re.Match[str]) -> str:
    prefix = match.group(1)
    kind = "<BEARER_TOKEN>" if "bearer" in prefix.lower() else "<CREDENTIALS>"
    return prefix + kind


_PASSWORD_KEYS = ("password", "passwd", "pwd", "passphrase")


def _secret_value(match: re.Match[str]) -> str:
    key = match.group(1).lower()
    placeholder = "<PASSWORD>" if any(k in key for k in _PASSWORD_KEYS) else "<SECRET>"
    return match.group(1) + placeholder


# --- the rules ---------------------------------------------------------------------

_BUILTIN_RULES: tuple[Rule, ...] = (
    # secrets ------------------------------------------------------------------------
    _rule(
        "private_key", "<PRIVATE_KEY>",
        r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"
        r"(?:[\s\S]{0,16384}?-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"
        r"|[A-Za-z0-9+/=\s:,\\-]{0,16384})",
        KIND_SECRET, hints=("PRIVATE KEY",), needs_chars="-",
    ),
    _rule(
        "connection_string", "<PASSWORD>",
        r"://(?<=[A-Za-z0-9+.-]://)([^\s:/?#@'\"<>]{0,256}:)[^\s/?#@'\"<>]{1,256}(@)",
        KIND_SECRET, replacement=r"://\1<PASSWORD>\2", hints=("://",), needs_chars=":",
    ),
    _rule(
        "authorization_header", "<CREDENTIALS>",
        r"\b(authorization[\"']?\s{0,3}[:=]\s{0,3}[\"']?\s{0,3}"
        r"(?:(?:basic|bearer|token|digest|apikey)\s{1,5})?)[^\s\"',;<>]{4,4096}",
        KIND_SECRET, replacement=_authorization, flags=re.IGNORECASE,
        hints_ci=("authorization",), needs_chars=":=",
    ),
    _rule(
        "bearer_token", "<BEARER_TOKEN>",
        r"\b(bearer\s{1,5})[A-Za-z0-9._~+/=-]{8,4096}",
        KIND_SECRET, replacement=r"\1<BEARER_TOKEN>", flags=re.IGNORECASE,
        hints_ci=("bearer",),
    ),
    _rule(
        "jwt", "<JWT>",
        r"eyJ(?<![A-Za-z0-9_-]eyJ)[A-Za-z0-9_-]{2,8192}\.[A-Za-z0-9_-]{2,8192}\.[A-Za-z0-9_-]{0,8192}",
        KIND_SECRET, hints=("eyJ",), needs_chars=".",
    ),
    # OpenAI (sk-, sk-proj-, sk-svcacct-, sk-admin-) and Anthropic (sk-ant-...)
    _rule(
        "openai_anthropic_key", "<API_KEY>",
        r"sk-(?<![A-Za-z0-9_-]sk-)[A-Za-z0-9_-]{20,256}",
        KIND_SECRET, hints=("sk-",), needs_chars="-",
    ),
    _rule(
        "stripe_key", "<API_KEY>",
        r"(?<![A-Za-z0-9_])(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,247}"
        r"|whsec_[A-Za-z0-9]{20,100})",
        KIND_SECRET, hints=("_live_", "_test_", "whsec_"), needs_chars="_",
    ),
    _rule(
        "aws_access_key_id", "<API_KEY>",
        r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])",
        KIND_SECRET, hints=("AKIA", "ASIA", "ABIA", "ACCA", "A3T"), needs_chars="A",
    ),
    _rule(
        "github_token", "<API_KEY>",
        r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,251})",
        KIND_SECRET, hints=("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"), needs_chars="_",
    ),
    _rule(
        "google_api_key", "<API_KEY>",
        r"(?<![A-Za-z0-9_-])(?:AIza[0-9A-Za-z_-]{35}|ya29\.[0-9A-Za-z_-]{20,2048})",
        KIND_SECRET, hints=("AIza", "ya29."), needs_chars="z9",
    ),
    _rule(
        "slack_token", "<API_KEY>",
        r"(?<![A-Za-z0-9])xox[abposre]-[A-Za-z0-9-]{10,250}",
        KIND_SECRET, hints=("xox",), needs_chars="-",
    ),
    _rule(
        "slack_webhook", "<API_KEY>",
        r"(hooks\.slack\.com/services/)[A-Za-z0-9/_-]{20,200}",
        KIND_SECRET, replacement=r"\1<API_KEY>", hints=("hooks.slack.com",), needs_chars="/",
    ),
    _rule(
        "huggingface_token", "<API_KEY>",
        r"(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{30,40}(?![A-Za-z0-9])",
        KIND_SECRET, hints=("hf_",), needs_chars="_",
    ),
    _rule(
        "organization_id", "<ORGANIZATION_ID>",
        r"(?<![A-Za-z0-9_-])org-[A-Za-z0-9]{20,40}(?![A-Za-z0-9])",
        KIND_SECRET, hints=("org-",), needs_chars="-",
    ),
    _rule(
        "project_id", "<PROJECT_ID>",
        r"(?<![A-Za-z0-9_-])proj_[A-Za-z0-9]{20,40}(?![A-Za-z0-9])",
        KIND_SECRET, hints=("proj_",), needs_chars="_",
    ),
    _rule(
        "aws_secret_access_key", "<AWS_SECRET_KEY>",
        r"((?:aws_?)?secret_?(?:access_?)?key[\"']?\s{0,3}[:=]\s{0,3}[\"']?)"
        r"[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])",
        KIND_SECRET, replacement=r"\1<AWS_SECRET_KEY>", flags=re.IGNORECASE,
        hints_ci=("secret",), needs_chars=":=",
    ),
    _rule(
        "secret_assignment", "<SECRET>",
        r"([PpSsCcAaRr](?<![A-Za-z0-9][PpSsCcAaRr])(?i:"
        r"(?<=p)(?:ass(?:word|wd|phrase)|wd|rivate_?key)|(?<=s)ecret|(?<=c)lient_?secret"
        r"|(?<=a)(?:pi[_-]?key|ccess_?token|uth_?token)|(?<=r)efresh_?token)"
        r"[\"']?\s{0,3}[:=]\s{0,3}[\"']?)[^\s\"',;<>]{4,256}",
        KIND_SECRET, replacement=_secret_value,
        hints_ci=("pass", "pwd", "secret", "key", "token"), needs_chars=":=",
    ),
    # personal data ----------------------------------------------------------------
    _rule(
        "email", "<EMAIL>", _EMAIL_DOMAIN.pattern, KIND_PII, hints=("@",),
        scanner=_redact_emails,
    ),
    _rule(
        "iban", "<IBAN>",
        r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z]\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?"
        r"(?![A-Za-z0-9])",
        KIND_PII, replacement=_iban, needs_digit=True,
    ),
    _rule(
        "credit_card", "<CREDIT_CARD>",
        r"\d(?<!\d\d)(?:\d{3}([ -]?)\d{4}\1\d{4}\1\d{1,7}|\d{3}[ -]?\d{6}[ -]?\d{4,5})(?!\d)",
        KIND_PII, replacement=_keep_if(_card, "<CREDIT_CARD>"), needs_digit=True,
    ),
    _rule(
        "us_ssn", "<SSN>",
        r"\d(?<![\d-]\d)\d{2}([- ])\d{2}\1\d{4}(?![\d-])",
        KIND_PII, replacement=_keep_if(_ssn, "<SSN>"), needs_digit=True,
    ),
    # network addresses (before phone numbers: dotted quads look numeric)
    _rule(
        "ipv6", "<IP_ADDRESS>",
        r"[0-9A-Fa-f:](?<![\w:.][0-9A-Fa-f:])(?:(?<=:)|[0-9A-Fa-f]{0,3}:)"
        r"[0-9A-Fa-f:.]{2,45}(?![\w:])",
        KIND_NETWORK, replacement=_ipv6, hints=(":",),
    ),
    _rule(
        "ipv4", "<IP_ADDRESS>",
        r"\d(?<![\d.]\d)\d{0,2}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?!\.?\d)",
        KIND_NETWORK, replacement=_keep_if(_ipv4, "<IP_ADDRESS>"), needs_digit=True,
        hints=(".",),
    ),
    _rule(
        "phone_international", "<PHONE>",
        r"\+(?<![\w+]\+)\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d[\d .-]{4,16}\d(?!\d)",
        KIND_PII, replacement=_keep_if(_phone, "<PHONE>"), hints=("+",),
    ),
    _rule(
        "phone_north_america", "<PHONE>",
        r"[(\d](?<![\w+(.-][(\d])"
        r"(?:(?<=1)[ .-](?:\(\d{3}\) ?|\d{3}[ .-])|(?<=\()\d{3}\) ?|(?<=\d)\d{2}[ .-])"
        r"\d{3}[ .-]\d{4}(?![\d-]|\.\d)",
        KIND_PII, needs_digit=True,
    ),
)


def builtin_rules() -> tuple[Rule, ...]:
    """The built-in rules, in the order they run."""
    return _BUILTIN_RULES
