"""Drive the Jumper Socket.IO server with the reference python-socketio client.

Usage: client_modes.py PORT MODE, where MODE is polling, websocket or upgrade.

The script connects with the transports of MODE, joins room "task-MODE" and expects the
progress events 1, 2 and 3 that the Swift test emits to that room once the client is a member.
It then joins "finished-MODE" and expects the final event that the server's join handler
returns, leaves a room, and disconnects. It exits non-zero with a message on any failure.
"""

import sys
import threading
import time

import socketio

TIMEOUT_SECONDS = 20


def main() -> int:
    port = int(sys.argv[1])
    mode = sys.argv[2]
    transports = {"polling": ["polling"], "websocket": ["websocket"], "upgrade": None}[mode]

    client = socketio.Client(reconnection=False)
    progress = []
    finals = []
    got_three = threading.Event()
    got_final = threading.Event()

    @client.on("progress")
    def on_progress(payload):
        if payload.get("task_id") == f"task-{mode}":
            progress.append(payload["progress"])
            if len(progress) >= 3:
                got_three.set()
        elif payload.get("task_id") == f"finished-{mode}":
            finals.append(payload)
            got_final.set()

    url = f"http://127.0.0.1:{port}"
    if transports is None:
        client.connect(url, wait_timeout=TIMEOUT_SECONDS)
    else:
        client.connect(url, transports=transports, wait_timeout=TIMEOUT_SECONDS)

    expected_transport = "polling" if mode == "polling" else "websocket"
    if mode == "upgrade":
        # The upgrade runs during connect in python-engineio's threaded client.
        deadline = time.time() + TIMEOUT_SECONDS
        while client.transport() != "websocket" and time.time() < deadline:
            time.sleep(0.05)
    if client.transport() != expected_transport:
        print(f"FAIL transport is {client.transport()}, expected {expected_transport}")
        return 1

    ack = client.call("join", {"task_id": f"task-{mode}"}, timeout=TIMEOUT_SECONDS)
    if ack != {"status": "joined", "room": f"task-{mode}"}:
        print(f"FAIL unexpected join ack {ack!r}")
        return 1

    if not got_three.wait(TIMEOUT_SECONDS):
        print(f"FAIL received progress {progress}, expected [1, 2, 3]")
        return 1
    if progress != [1, 2, 3]:
        print(f"FAIL progress arrived as {progress}, expected [1, 2, 3] in order")
        return 1

    # A plain string room without an ack: the final event must still arrive at once.
    client.emit("join", f"finished-{mode}")
    if not got_final.wait(TIMEOUT_SECONDS):
        print("FAIL no final event after joining a finished task")
        return 1
    if finals[0].get("status") != "completed":
        print(f"FAIL final event {finals[0]!r} has no status completed")
        return 1

    leave_ack = client.call("leave", {"room": f"task-{mode}"}, timeout=TIMEOUT_SECONDS)
    if leave_ack != {"status": "left", "room": f"task-{mode}"}:
        print(f"FAIL unexpected leave ack {leave_ack!r}")
        return 1

    bad_ack = client.call("join", {"nothing": 1}, timeout=TIMEOUT_SECONDS)
    if not isinstance(bad_ack, dict) or bad_ack.get("error") != "Invalid room":
        print(f"FAIL invalid join answered {bad_ack!r}")
        return 1

    # Stay connected across a few heartbeats: the test server pings every second.
    time.sleep(3)
    if not client.connected:
        print("FAIL client lost the connection during heartbeats")
        return 1

    client.disconnect()
    print(f"OK mode={mode} transport={expected_transport} progress={progress}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
