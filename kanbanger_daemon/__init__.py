"""kanbanger-daemon: keeps Spec_Engine SPEC boards and GitHub Projects V2 in sync."""

__version__ = "0.1.0"
