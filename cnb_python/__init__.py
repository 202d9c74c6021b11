"""cnb-python: a Cloud Native Buildpack for Python apps."""

__version__ = "0.2.0"
