"""Each built-in rule: what it replaces, with which placeholder, and what it
leaves alone."""

from __future__ import annotations

import pytest

from llmlens_semconv.redaction import Redactor, redactor_from_env
from llmlens_semconv.redaction_patterns import builtin_rules, iban_valid, luhn_valid

# test secrets are assembled at run time so the repository holds none
OPENAI_KEY = "sk-" + "proj-" + "Ab3" * 16
ANTHROPIC_KEY = "sk-" + "ant-api03-" + "x9Z_" * 22
AWS_KEY_ID = "AKIA" + "Q3EXAMPLE7KEYID9"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
GITHUB_TOKEN = "ghp_" + "a1B2" * 9
GITHUB_PAT = "github_" + "pat_" + "11AAAA" * 5
GOOGLE_KEY = "AIza" + "Sy" + "D3f" * 11
SLACK_TOKEN = "xox" + "b-" + "123456789012-abcdefABCDEF"
STRIPE_KEY = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
JWT = ("eyJ" + "hbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" + "." + "eyJ" + "zdWIiOiIxMjM0NTY3ODkwIn0"
       + "." + "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
PEM = ("-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n"
       "4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u\n"
       "-----END " + "RSA PRIVATE KEY-----")


@pytest.fixture(scope="module")
def redact() -> Redactor:
    redactor = redactor_from_env({})
    assert redactor is not None
    return redactor


REPLACED = [
    ("write to jane.doe+news@mail.example.co.uk today", "write to <EMAIL> today"),
    ("call +1 (415) 555-0134 now", "call <PHONE> now"),
    ("call +44 20 7946 0958 now", "call <PHONE> now"),
    ("call 415-555-0134 or (415) 555-0134", "call <PHONE> or <PHONE>"),
    ("card 4111 1111 1111 1111 ok", "card <CREDIT_CARD> ok"),
    ("card 4111-1111-1111-1111 ok", "card <CREDIT_CARD> ok"),
    ("card 4012888888881881 ok", "card <CREDIT_CARD> ok"),
    ("amex 3782 822463 10005 ok", "amex <CREDIT_CARD> ok"),
    ("iban DE89 3704 0044 0532 0130 00 ok", "iban <IBAN> ok"),
    ("iban GB82WEST12345698765432 ok", "iban <IBAN> ok"),
    ("ssn 078-05-1120 ok", "ssn <SSN> ok"),
    ("host 10.20.30.40 ok", "host <IP_ADDRESS> ok"),
    ("host 2001:db8:85a3::8a2e:370:7334 ok", "host <IP_ADDRESS> ok"),
    ("host fe80::1ff:fe23:4567:890a.", "host <IP_ADDRESS>."),
    (f"token {JWT} ok", "token <JWT> ok"),
    ("Authorization: Bearer abc.def-ghi_jkl123", "Authorization: Bearer <BEARER_TOKEN>"),
    ("use bearer QWERTYUIOPASDFGH please", "use bearer <BEARER_TOKEN> please"),
    ("authorization: Basic dXNlcjpwYXNzd29yZA==", "authorization: Basic <CREDENTIALS>"),
    (f"key {OPENAI_KEY} ok", "key <API_KEY> ok"),
    (f"key {ANTHROPIC_KEY} ok", "key <API_KEY> ok"),
    (f"id {AWS_KEY_ID} ok", "id <API_KEY> ok"),
    (f"gh {GITHUB_TOKEN} / {GITHUB_PAT}", "gh <API_KEY> / <API_KEY>"),
    (f"google {GOOGLE_KEY} ok", "google <API_KEY> ok"),
    (f"slack {SLACK_TOKEN} ok", "slack <API_KEY> ok"),
    (f"stripe {STRIPE_KEY} ok", "stripe <API_KEY> ok"),
    ("org " + "org-" + "AbCdEf" * 4 + " ok", "org <ORGANIZATION_ID> ok"),
    ("project " + "proj_" + "AbCdEf" * 4 + " ok", "project <PROJECT_ID> ok"),
    (f"aws_secret_access_key = {AWS_SECRET}", "aws_secret_access_key = <AWS_SECRET_KEY>"),
    (f'"SecretAccessKey": "{AWS_SECRET}"', '"SecretAccessKey": "<AWS_SECRET_KEY>"'),
    (f"AWS_SECRET_ACCESS_KEY={AWS_SECRET}\n", "AWS_SECRET_ACCESS_KEY=<AWS_SECRET_KEY>\n"),
    (f"before {PEM} after", "before <PRIVATE_KEY> after"),
    ("postgres://app:s3cr3t!@db.internal:5432/main",
     "postgres://app:<PASSWORD>@db.internal:5432/main"),
    ("mongodb+srv://root:hunter22@cluster0.example.net/db",
     "mongodb+srv://root:<PASSWORD>@cluster0.example.net/db"),
    ("Server=db;User Id=sa;Password=Pa55word!;", "Server=db;User Id=sa;Password=<PASSWORD>;"),
    ('{"db_password": "hunter22"}', '{"db_password": "<PASSWORD>"}'),
    ("x-api-key: abcd1234efgh", "x-api-key: <SECRET>"),
]


@pytest.mark.parametrize(("text", "expected"), REPLACED)
def test_rule_replaces_with_typed_placeholder(redact: Redactor, text: str, expected: str) -> None:
    assert redact(text) == expected


LEFT_ALONE = [
    "card 4111 1111 1111 1112 fails the Luhn check",
    "number 1234567812345678 fails the Luhn check",
    "iban DE89 3704 0044 0532 0130 01 fails the checksum",
    "ssn-shaped 000-12-3456 and 666-12-3456 are never issued",
    "a date 2024-01-15, a time 12:30:45, a slice x[1::2], a version 1.2.3",
    "an order number 123456789 and a price of $1,234.50",
    "std::vector<int> and a MAC 00:1A:2B:3C:4D:5E",
    "plain prose about passwords in general, and a task-runner-keyword",
    "a long number 41111111111111111111 of twenty digits",
]


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_near_misses_are_left_alone(redact: Redactor, text: str) -> None:
    assert redact(text) == text


def test_sixteen_digits_failing_luhn_are_kept_but_valid_ones_go(redact: Redactor) -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert redact("4111111111111112 4111111111111111") == "4111111111111112 <CREDIT_CARD>"


def test_iban_checksum() -> None:
    assert iban_valid("GB82WEST12345698765432")
    assert not iban_valid("GB82WEST12345698765433")


def test_iban_followed_by_more_groups_is_still_found(redact: Redactor) -> None:
    assert redact("DE89 3704 0044 0532 0130 00 1234") == "<IBAN> 1234"


def test_connection_string_keeps_scheme_user_and_host(redact: Redactor) -> None:
    out = redact("redis://default:Sup3rS3cret@cache.example.com:6379/0")
    assert out == "redis://default:<PASSWORD>@cache.example.com:6379/0"
    assert "Sup3rS3cret" not in out


def test_rules_run_in_order_so_secrets_are_not_split(redact: Redactor) -> None:
    # the password part must not be taken for an e-mail local part
    out = redact("mysql://u:pw123@db.example.com/x mail ops@example.com")
    assert out == "mysql://u:<PASSWORD>@db.example.com/x mail <EMAIL>"


def test_every_rule_has_a_typed_placeholder() -> None:
    for rule in builtin_rules():
        assert rule.placeholder.startswith("<") and rule.placeholder.endswith(">")
        assert rule.placeholder[1:-1].replace("_", "").isupper()


def test_clean_text_costs_no_rule_without_its_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []
    rules = builtin_rules()

    class Spy:
        def __init__(self, rule: object) -> None:
            self.rule = rule

        def __getattr__(self, name: str) -> object:
            return getattr(self.rule, name)

        def apply(self, text: str) -> str:
            ran.append(self.rule.name)  # type: ignore[attr-defined]
            return self.rule.apply(text)  # type: ignore[attr-defined]

    redactor = Redactor([Spy(r) for r in rules])  # type: ignore[misc]
    assert redactor("Just some words without any special characters at all") == (
        "Just some words without any special characters at all")
    assert ran == []
