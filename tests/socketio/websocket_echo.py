"""Exercise the HTTP server's plain WebSocket support through an echo handler.

Usage: websocket_echo.py PORT

Connects to ws://127.0.0.1:PORT/echo, expects "echo:hello" for "hello", then sends
"burst 250": the handler starts 4 threads that each send 250 numbered messages at once.
Every message must arrive intact and each thread's numbers in order, which fails if frames
from different threads interleave. Exits non-zero on failure.
"""

import re
import sys

import websocket

THREADS = 4
PER_THREAD = 250


def main() -> int:
    port = int(sys.argv[1])
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}/echo", timeout=10)

    ws.send("hello")
    reply = ws.recv()
    if reply != "echo:hello":
        print(f"FAIL echo returned {reply!r}")
        return 1

    ws.send(f"burst {PER_THREAD}")
    pattern = re.compile(r"^t(\d)-(\d+)-" + "x" * 100 + "$")
    next_number = [0] * THREADS
    for _ in range(THREADS * PER_THREAD):
        message = ws.recv()
        match = pattern.match(message)
        if match is None:
            print(f"FAIL corrupted message {message[:80]!r}")
            return 1
        thread, number = int(match.group(1)), int(match.group(2))
        if number != next_number[thread]:
            print(f"FAIL thread {thread} sent {number} where {next_number[thread]} was expected")
            return 1
        next_number[thread] += 1

    ws.close()
    print(f"OK {THREADS * PER_THREAD} concurrent messages intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
