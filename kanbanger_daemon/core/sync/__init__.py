"""Sync with a GitHub project, the planning half: the cards a board wants there, what to change
(push), what people changed (pull), card order, listings and body markers. Pure; the I/O half is
:mod:`kanbanger_daemon.sync`."""
