"""`cnb-python package`: a self-contained buildpack for one architecture.

A source checkout needs a Python with our dependencies; build images may have none. The
package carries its own interpreter (`runtime/`, a python-build-standalone build from the
catalog, which runs on any glibc 2.17+ system) and our dependencies installed for exactly that
interpreter and arch (`vendor/`). `bin/_phase.sh` prefers `runtime/bin/python3`.

- `tree`: copying the sources, normalising the result, writing a `.tgz` reproducibly;
- `fetch`: the interpreter, the vendored dependencies, and the offline edition's runtimes and
  tool wheels;
- `builder`: the whole run, in order.
"""
