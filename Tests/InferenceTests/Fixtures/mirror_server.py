"""A Hugging Face hub stand-in for the model download tests, listening on 127.0.0.1 only.

Usage: mirror_server.py ROOT LOG [--truncate NAME] [--hide NAME] [--wrong-sha NAME]

Serves ROOT/NAME for GET /{owner}/{repo}/resolve/main/NAME with the file's sha256 as ETag and
HTTP Range support (206 with Content-Range). --truncate sends only half of NAME's body on the
first request and closes the connection; --hide returns 404 for NAME; --wrong-sha states a
wrong sha256 for NAME. Each request is appended to LOG as "NAME RANGE". Prints the port.
"""

import hashlib
import http.server
import os
import signal
import sys

root, log_path = sys.argv[1], sys.argv[2]
options = dict(zip(sys.argv[3::2], sys.argv[4::2]))
truncated_once = set()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        parts = self.path.split("/")
        name = parts[-1]
        range_header = self.headers.get("Range", "-")
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(f"{name} {range_header}\n")
        path = os.path.join(root, name)
        if "/resolve/main/" not in self.path or not os.path.isfile(path) or options.get("--hide") == name:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with open(path, "rb") as file:
            data = file.read()
        sha = hashlib.sha256(data).hexdigest()
        if options.get("--wrong-sha") == name:
            sha = "0" * 64
        start = 0
        if range_header.startswith("bytes="):
            start = int(range_header[len("bytes="):].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", f'"{sha}"')
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if options.get("--truncate") == name and name not in truncated_once:
            truncated_once.add(name)
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(body)


# A child of the test process inherits SIGTERM blocked, so it unblocks it and installs a handler.
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
