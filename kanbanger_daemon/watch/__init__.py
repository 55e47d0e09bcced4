"""Watching ``SPECs/**``: the watchdog observer (rebuilt when it dies, polling when inotify runs
out), which file events are noise, and the per-board debounce that turns a burst into one run."""
