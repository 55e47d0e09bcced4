"""Reading a SPEC folder: SPEC and SPECLet markdown, ``parameters_<d>.toml``, the progress log,
and the join that gives each task its status. Pure."""
