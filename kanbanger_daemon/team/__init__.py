"""Team workflow: the setup wizard, doctor checks, the git hook and their small helpers.

Sits between ``cli`` (which only parses and prints) and ``daemon``/``github`` (which it drives).
Nothing under ``daemon``, ``github``, ``watch`` or ``core`` imports this package.
"""
