"""Sync with a GitHub project, the I/O half: push a board (``push``, ``apply``), take people's
changes back (``pull``), the sync state beside each board (``state_file``), the process-wide
``BoardPusher`` (``pusher``) and the project's status updates (``health_poster``). The planning
half is :mod:`kanbanger_daemon.core.sync`; requests go through :mod:`kanbanger_daemon.github`."""
