"""Subcommands of the `cnb-python` operator CLI, one module each with `register(subparsers)`."""
