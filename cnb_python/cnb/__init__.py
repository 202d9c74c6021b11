"""The Cloud Native Buildpack API (0.10) as the lifecycle implements it.

Nothing in this package knows about Python apps: it reads the contexts the lifecycle gives a
buildpack and writes the files the lifecycle reads back (build plan, layers, env files,
launch.toml, build.toml, store.toml, SBOMs). See ../shared/reference/cnb-contract.md.
"""
