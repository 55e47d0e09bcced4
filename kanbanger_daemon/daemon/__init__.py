"""The long-running process: watch → debounce → work queue → reconcile (``runtime``, ``wiring``),
the status file, one daemon per workspace (``lock``), systemd notify and signals."""
