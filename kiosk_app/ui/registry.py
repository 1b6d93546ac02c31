"""The one place that lists the kiosk's screens.

Each screen is a module under ``kiosk_app.ui.screens`` with a ``.kv`` file of
the same name beside it and a ``Screen`` subclass named in the spec. A result
kiosk (lockers, issue 6) adds its screens by appending specs here — or by
calling ``register()`` from its own module — with ``roles=("result", "both")``.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScreenSpec:
    name: str                       # the controller's screen name
    module: str                     # kiosk_app.ui.screens.<module>
    cls: str                        # class in that module
    roles: tuple[str, ...] = ("ticket", "both")


SCREENS: list[ScreenSpec] = [
    ScreenSpec("home", "home", "HomeScreen", ("ticket", "result", "both")),
    ScreenSpec("services", "services", "ServicesScreen"),
    ScreenSpec("priority", "priority", "PriorityScreen"),
    ScreenSpec("ticket", "ticket", "TicketScreen"),
    ScreenSpec("dossier", "dossier", "DossierScreen", ("ticket", "result", "both")),
    ScreenSpec("procedures", "procedures", "ProceduresScreen"),
    ScreenSpec("offline", "offline", "OfflineScreen", ("ticket", "result", "both")),
    # result kiosk with lockers (issue 6; kiosk_app/result_app.py drives them)
    *(ScreenSpec(f"result_{name}", f"result_{name}", cls, ("result", "both")) for name, cls in (
        ("home", "ResultHomeScreen"), ("dossier", "ResultDossierScreen"), ("code", "ResultCodeScreen"),
        ("door", "ResultDoorScreen"), ("outcome", "ResultOutcomeScreen"), ("login", "ResultLoginScreen"),
        ("staff", "ResultStaffScreen"), ("deposit", "ResultDepositScreen"))),
]


def register(spec: ScreenSpec) -> None:
    if any(s.name == spec.name for s in SCREENS):
        raise ValueError(f"screen {spec.name!r} is already registered")
    SCREENS.append(spec)


def screens_for(role: str) -> list[ScreenSpec]:
    return [s for s in SCREENS if role in s.roles]
