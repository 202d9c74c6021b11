"""A tiny web app with no dependencies: answers with the Python it runs on."""

import http.server
import os
import sys

MESSAGE = f"Hello from Python {sys.version.split()[0]} at {sys.prefix}\n"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = MESSAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    if "--once" in sys.argv:
        print(MESSAGE, end="")
    else:
        port = int(os.environ.get("PORT", "8080"))
        print(f"Listening on 0.0.0.0:{port}", flush=True)
        http.server.ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()  # noqa: S104
