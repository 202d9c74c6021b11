"""Real parts for tests: runtime archives built from this machine's interpreters, a loopback
HTTP server that can misbehave on request, and operator catalogs listing what it serves."""
