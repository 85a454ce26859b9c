"""The embedded local AWS ("sandbox"): moto's server in-process, seeded with the domain scenario.

``Sandbox(port=0, seed=7, live=True).start()``; see :mod:`opsconsole.sandbox.sandbox`.
Importing this package does not import moto (about 450 modules): ``Sandbox`` is
loaded on first use, so tools that only look at the package stay light.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Sandbox"]


def __getattr__(name: str) -> Any:
    if name == "Sandbox":
        return importlib.import_module("opsconsole.sandbox.sandbox").Sandbox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
