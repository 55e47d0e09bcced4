"""Plain helpers that several test modules share: paths, a fake clock, the fake GitHub's
environment, scripted servers, builders of SPECs and boards. Fixtures live in conftest.py.

A test module imports what it shares from here (``from tests.helpers.x import ...``), never from
another test module, so that each helper is written once and a test module can move freely.
"""
