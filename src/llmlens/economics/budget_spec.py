"""``LLMLENS_BUDGETS``: token and USD budgets, inline or in a file.

Inline, entries separated by ``;`` or new lines (spaces are ignored)::

    [NAME@]SCOPE=AMOUNT UNIT/WINDOW

    team:search=500usd/month
    tenant:acme=10M tokens/day
    model:gpt-4o=2M tokens/day
    service:chatbot=20usd/hour
    all=1000usd/month
    search-hourly@team:search=$25 usd/hour

SCOPE is ``team:V``, ``tenant:V``, ``feature:V``, ``service:V`` (the resource's
``service.name``), ``model:V`` (response or request model) or ``all``.
AMOUNT takes an optional ``$`` and a ``k``/``M``/``G`` multiplier; UNIT is
``usd`` or ``tokens`` (input + output tokens); WINDOW is ``hour``, ``day`` or
``month`` (calendar windows in UTC). The default name is ``SCOPE/UNIT/WINDOW``.

A file (the variable names an existing path) holds YAML or JSON: a list (or
``{budgets: [...]}``) whose items are inline entries or mappings::

    budgets:
      - {name: search-monthly, team: search, limit: 500, unit: usd, window: month}
      - "model:gpt-4o=2M tokens/day"
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BUDGETS_ENV = "LLMLENS_BUDGETS"
SCOPES = ("team", "tenant", "feature", "service", "model", "all")
UNITS = {"usd": "usd", "$": "usd", "tokens": "tokens", "token": "tokens", "tok": "tokens"}
WINDOWS = ("hour", "day", "month")
_MULTIPLIERS = {"k": 1e3, "m": 1e6, "g": 1e9, "b": 1e9}


class BudgetSpecError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Budget:
    name: str
    scope: str  # one of SCOPES
    value: str | None  # None for "all"
    unit: str  # "usd" or "tokens"
    limit: float
    window: str  # one of WINDOWS

    @property
    def scope_label(self) -> str:
        return self.scope if self.value is None else f"{self.scope}:{self.value}"


def load_budgets(spec: str | None) -> list[Budget]:
    """Budgets from the variable's value: a file path or an inline spec."""
    if not spec or not spec.strip():
        return []
    text = spec.strip()
    if "=" not in text or os.path.isfile(text):
        return parse_budget_file(Path(text))
    return parse_inline(text)


def parse_inline(spec: str) -> list[Budget]:
    budgets = [
        parse_entry(entry)
        for line in spec.replace(";", "\n").splitlines()
        if (entry := line.strip()) and not entry.startswith("#")
    ]
    _check_unique(budgets)
    return budgets


def parse_entry(entry: str) -> Budget:
    compact = "".join(entry.split())
    name = None
    if "@" in compact.split("=", 1)[0]:
        name, compact = compact.split("@", 1)
    selector, sep, amount_part = compact.partition("=")
    if not sep or "/" not in amount_part:
        raise BudgetSpecError(f"{entry!r}: expected SCOPE=AMOUNT UNIT/WINDOW")
    amount_unit, window = amount_part.rsplit("/", 1)
    scope, value = _selector(selector, entry)
    amount, unit = _amount_unit(amount_unit, entry)
    return _budget(name, scope, value, unit, amount, window.lower(), entry)


def parse_budget_file(path: Path) -> list[Budget]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BudgetSpecError(f"cannot read the budget file: {exc}") from exc
    if path.suffix.lower() == ".json":
        data: Any = json.loads(text)
    else:
        try:
            import yaml
        except ImportError:
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    if isinstance(data, Mapping):
        data = data.get("budgets")
    if isinstance(data, str):
        return parse_inline(data)
    if not isinstance(data, list):
        raise BudgetSpecError("the budget file must hold a list of budgets")
    budgets = [
        parse_entry(item) if isinstance(item, str) else _from_mapping(item) for item in data
    ]
    _check_unique(budgets)
    return budgets


def _from_mapping(item: Any) -> Budget:
    if not isinstance(item, Mapping):
        raise BudgetSpecError(f"{item!r}: a budget is a mapping or an inline entry")
    scopes = [s for s in SCOPES if s in item]
    if len(scopes) != 1:
        raise BudgetSpecError(f"{dict(item)!r}: name exactly one of {', '.join(SCOPES)}")
    scope = scopes[0]
    value = None if scope == "all" else str(item[scope])
    unit = UNITS.get(str(item.get("unit", "")).lower())
    if unit is None:
        raise BudgetSpecError(f"{dict(item)!r}: unit must be usd or tokens")
    try:
        limit = float(item["limit"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BudgetSpecError(f"{dict(item)!r}: limit must be a number") from exc
    window = str(item.get("window", "")).lower()
    return _budget(item.get("name"), scope, value, unit, limit, window, repr(dict(item)))


def _selector(selector: str, entry: str) -> tuple[str, str | None]:
    scope, _, value = selector.partition(":")
    scope = scope.lower()
    if scope not in SCOPES:
        raise BudgetSpecError(f"{entry!r}: scope must be one of {', '.join(SCOPES)}")
    if scope == "all":
        return scope, None
    if not value:
        raise BudgetSpecError(f"{entry!r}: {scope} needs a value ({scope}:NAME)")
    return scope, value


def _amount_unit(text: str, entry: str) -> tuple[float, str]:
    text = text.lstrip("$")
    lowered = text.lower()
    for suffix in sorted(UNITS, key=len, reverse=True):
        if lowered.endswith(suffix):
            number = text[: -len(suffix)]
            unit = UNITS[suffix]
            break
    else:
        raise BudgetSpecError(f"{entry!r}: unit must be usd or tokens")
    multiplier = 1.0
    if number and number[-1].lower() in _MULTIPLIERS:
        multiplier = _MULTIPLIERS[number[-1].lower()]
        number = number[:-1]
    try:
        return float(number) * multiplier, unit
    except ValueError as exc:
        raise BudgetSpecError(f"{entry!r}: amount must be a number") from exc


def _budget(
    name: Any, scope: str, value: str | None, unit: str, limit: float, window: str, entry: str,
) -> Budget:
    if window not in WINDOWS:
        raise BudgetSpecError(f"{entry!r}: window must be one of {', '.join(WINDOWS)}")
    if not limit > 0:
        raise BudgetSpecError(f"{entry!r}: the limit must be positive")
    label = scope if value is None else f"{scope}:{value}"
    return Budget(
        name=str(name) if name else f"{label}/{unit}/{window}",
        scope=scope, value=value, unit=unit, limit=limit, window=window,
    )


def _check_unique(budgets: list[Budget]) -> None:
    seen: set[str] = set()
    for budget in budgets:
        if budget.name in seen:
            raise BudgetSpecError(f"two budgets are named {budget.name!r}")
        seen.add(budget.name)
