"""The embedded local AWS ("sandbox"): moto's server in-process, seeded with the domain scenario.

``Sandbox(port=0, seed=7, live=True).start()``; see :mod:`opsconsole.sandbox.sandbox`.
Importing this package does not import moto; starting a sandbox does.
"""

from __future__ import annotations

from opsconsole.sandbox.sandbox import Sandbox

__all__ = ["Sandbox"]
