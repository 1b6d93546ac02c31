"""The one place that lists the kiosk's screens.

Each screen is a module under ``kiosk_app.ui`` — ``ticket/``, ``result/`` or
``common/``, by the kiosk that shows it — with a ``.kv`` file of the same name
beside it and a ``KScreen`` subclass named in the spec; ``roles`` says which
kiosk roles (ticket, result, both) show it.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScreenSpec:
    name: str                       # the controller's screen name
    module: str                     # kiosk_app.ui.<module>, e.g. "ticket.home"
    cls: str                        # class in that module
    roles: tuple[str, ...] = ("ticket", "both")


SCREENS: list[ScreenSpec] = [
    ScreenSpec("home", "ticket.home", "HomeScreen", ("ticket", "result", "both")),
    ScreenSpec("services", "ticket.services", "ServicesScreen"),
    ScreenSpec("priority", "ticket.priority", "PriorityScreen"),
    ScreenSpec("ticket", "ticket.ticket", "TicketScreen"),
    ScreenSpec("dossier", "ticket.dossier", "DossierScreen", ("ticket", "result", "both")),
    ScreenSpec("procedures", "ticket.procedures", "ProceduresScreen"),
    ScreenSpec("appointment", "ticket.appointment", "AppointmentScreen"),
    ScreenSpec("offline", "common.offline", "OfflineScreen", ("ticket", "result", "both")),
    # the result kiosk with lockers (kiosk_app/result/controller.py drives them)
    *(ScreenSpec(f"result_{name}", f"result.{name}", cls, ("result", "both")) for name, cls in (
        ("home", "ResultHomeScreen"), ("dossier", "ResultDossierScreen"), ("code", "ResultCodeScreen"),
        ("door", "ResultDoorScreen"), ("outcome", "ResultOutcomeScreen"), ("login", "ResultLoginScreen"),
        ("staff", "ResultStaffScreen"), ("deposit", "ResultDepositScreen"), ("postal", "ResultPostalScreen"),
        ("postal_code", "ResultPostalCodeScreen"))),
]


def register(spec: ScreenSpec) -> None:
    if any(s.name == spec.name for s in SCREENS):
        raise ValueError(f"screen {spec.name!r} is already registered")
    SCREENS.append(spec)


def screens_for(role: str) -> list[ScreenSpec]:
    return [s for s in SCREENS if role in s.roles]
