"""LLM economics: cost per call, attribution to users and teams, budgets.

Importing this package is cheap: the SDK pieces and the price data load when
:func:`install` runs and on the first priced call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmlens.economics.context import attribute, current_attribution

if TYPE_CHECKING:
    from llmlens.economics.wiring import Economics

__all__ = ["attribute", "current_attribution", "doctor_prices", "install", "uninstall"]


def install(
    tracer_provider: Any, meter_provider: Any = None, logger_provider: Any = None, **settings: Any,
) -> Economics | None:
    """Add cost, attribution and budgets to these providers (idempotent, never raises)."""
    try:
        from llmlens.economics.wiring import install as _install
    except Exception:  # noqa: BLE001 - e.g. no SDK: the app runs on without economics
        return None
    return _install(tracer_provider, meter_provider, logger_provider, **settings)


def uninstall() -> None:
    from llmlens.economics.wiring import uninstall as _uninstall

    _uninstall()


def doctor_prices(models: list[str]) -> str:
    """The text of ``llmlens doctor --prices MODEL...``."""
    from llmlens.economics.doctor import doctor_prices as _doctor_prices

    return _doctor_prices(models)
