"""Optional feature modules: each may expose `router`, `migrations` and `setup(app)`.

Other parts of the product add themselves by existing: a name listed here whose
module is not there yet is skipped; an error inside an existing module is not.
"""
from __future__ import annotations

import importlib
from types import ModuleType

FEATURES: tuple[str, ...] = (
    "queue_server.web",
    "queue_server.voice",
    "queue_server.ratings",
    "queue_server.dashboard",
    "queue_server.dossiers",
    "queue_server.lockers",
    "queue_server.notices",
)


def load_features(names: tuple[str, ...] = FEATURES) -> list[ModuleType]:
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real missing dependency inside the module: say so
                raise
    return modules
