"""Check that the Jumper server closes WebSockets it gives up on.

Usage: server_close.py PORT MODE, where MODE is:
  silent    open an Engine.IO WebSocket, never send a pong to the server's pings and expect the
            server to close the connection after its ping timeout;
  shutdown  open a session, connect to the main namespace, print CONNECTED, and expect
            the server to close the connection when the test stops it.
Exits non-zero when the connection stays open for 20 s.
"""

import sys
import time

import websocket

TIMEOUT_SECONDS = 20


def main() -> int:
    port = int(sys.argv[1])
    mode = sys.argv[2]
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket", timeout=TIMEOUT_SECONDS
    )
    ws.recv()  # the open packet
    if mode == "shutdown":
        ws.send("40")
        reply = ws.recv()
        if not reply.startswith("40"):
            print(f"FAIL CONNECT answered with {reply!r}")
            return 1
        print("CONNECTED", flush=True)

    started = time.time()
    messages = []
    try:
        while time.time() - started < TIMEOUT_SECONDS:
            message = ws.recv()
            if message == "" and not ws.connected:
                break
            messages.append(message)
    except (websocket.WebSocketConnectionClosedException, ConnectionError):
        # A reset after the close frame also counts as closed by the server.
        pass
    except websocket.WebSocketTimeoutException:
        print(f"FAIL the server kept the connection open; received {messages}")
        return 1
    elapsed = time.time() - started
    if mode == "silent" and "2" not in messages:
        print(f"FAIL no ping before the close; received {messages}")
        return 1
    print(f"OK closed by the server after {elapsed:.1f} s with {messages}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
