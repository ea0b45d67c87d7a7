"""Connect many python-socketio clients at once and check that all receive a room broadcast.

Usage: many_clients.py PORT COUNT [TRANSPORT]

Each client runs on its own thread with the default transports (polling, then the upgrade
to WebSocket), or only TRANSPORT (polling or websocket) when given, joins room "broadcast" and waits for one "progress" event carrying
{"task_id": "broadcast"}, which the Swift test emits once every client has joined. Exits
non-zero when any client fails to connect or to receive the event.
"""

import sys
import threading
import time

import socketio

TIMEOUT_SECONDS = 60


def run_client(port, index, transports, received, errors, clients):
    try:
        client = socketio.Client(reconnection=False)
        done = threading.Event()

        @client.on("progress")
        def on_progress(payload):
            if payload.get("task_id") == "broadcast":
                done.set()

        client.connect(
            f"http://127.0.0.1:{port}", transports=transports, wait_timeout=TIMEOUT_SECONDS
        )
        clients[index] = client
        client.call("join", {"task_id": "broadcast"}, timeout=TIMEOUT_SECONDS)
        if done.wait(TIMEOUT_SECONDS):
            received[index] = True
        else:
            errors.append(f"client {index}: no broadcast within {TIMEOUT_SECONDS} s")
    except Exception as error:  # noqa: BLE001 - every failure is reported below
        errors.append(f"client {index}: {type(error).__name__}: {error}")


def main() -> int:
    port = int(sys.argv[1])
    count = int(sys.argv[2])
    transports = [sys.argv[3]] if len(sys.argv) > 3 else None
    started = time.time()
    received = [False] * count
    errors = []
    clients = [None] * count
    threads = [
        threading.Thread(target=run_client, args=(port, index, transports, received, errors, clients))
        for index in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        if client is not None and client.connected:
            client.disconnect()
    if errors or not all(received):
        print(f"FAIL {sum(received)} of {count} clients received the broadcast")
        for error in errors[:20]:
            print(error)
        return 1
    elapsed = time.time() - started
    print(f"OK {count} clients received the broadcast in {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
