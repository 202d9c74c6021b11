"""`cnb-python dev`: a local platform that runs the buildpack the way the CNB lifecycle does.

No images and no registry: detect and build run as subprocesses with the lifecycle's inputs,
the outputs are validated at least as strictly as the lifecycle reads them, and a rebuild first
restores the previous layers exactly as the lifecycle's analyzer and restorer would. See
docs/dev-platform.md.
"""
