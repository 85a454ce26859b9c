"""The seeded scenario: workflow 1 and 2 of shared/domain.md, deterministic for a seed.

:mod:`~opsconsole.sandbox.scenario.seeding` puts it together (``seed``, ``Scenario``,
``plan_for``); one package per area holds its part, ``catalog`` names what exists.
Importing this package imports nothing else: the area modules that only describe the
scenario (``executions.definitions``, ``catalog``) can be read without moto.
"""
