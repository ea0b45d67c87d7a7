"""Upgrade from polling to WebSocket while a poll is parked, as browser clients do.

Usage: upgrade_with_parked_poll.py PORT

Opens a polling session with requests, connects to the main namespace, parks a GET on a
thread, then opens a WebSocket with the sid and sends the probe. The server must reply
"3probe" on the WebSocket and release the parked GET with a noop ("6"). After "5"
(upgrade), joining "finished-upgrade" over the WebSocket must bring the final event, and
further polls must be rejected. Exits non-zero on failure.
"""

import json
import sys
import threading
import time

import requests
import websocket

TIMEOUT_SECONDS = 10


def main() -> int:
    port = int(sys.argv[1])
    base = f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling"
    session = requests.Session()

    opening = session.get(base, timeout=TIMEOUT_SECONDS).text
    sid = json.loads(opening[1:])["sid"]
    polling = f"{base}&sid={sid}"
    session.post(polling, data="40", timeout=TIMEOUT_SECONDS)
    connected = session.get(polling, timeout=TIMEOUT_SECONDS).text
    if '40{"sid":' not in connected:
        print(f"FAIL CONNECT reply {connected!r}")
        return 1

    parked = {}

    def park():
        started = time.time()
        # A second session so the parked GET has its own connection.
        parked["body"] = requests.get(polling, timeout=TIMEOUT_SECONDS).text
        parked["seconds"] = time.time() - started

    poller = threading.Thread(target=park)
    poller.start()
    time.sleep(0.3)

    ws = websocket.create_connection(
        f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket&sid={sid}",
        timeout=TIMEOUT_SECONDS,
    )
    ws.send("2probe")
    probe_reply = ws.recv()
    if probe_reply != "3probe":
        print(f"FAIL probe reply was {probe_reply!r}, expected 3probe")
        return 1
    poller.join(TIMEOUT_SECONDS)
    if parked.get("body") != "6":
        print(f"FAIL parked poll returned {parked!r}, expected a noop")
        return 1

    ws.send("5")
    ws.send('42["join","finished-upgrade"]')
    deadline = time.time() + TIMEOUT_SECONDS
    while time.time() < deadline:
        message = ws.recv()
        if message.startswith('42["progress"'):
            break
    else:
        print("FAIL no final event over the upgraded WebSocket")
        return 1

    late_poll = session.get(polling, timeout=TIMEOUT_SECONDS)
    if late_poll.status_code != 400:
        print(f"FAIL a poll after the upgrade returned {late_poll.status_code} {late_poll.text!r}")
        return 1

    ws.close()
    print(f"OK upgraded with a parked poll released after {parked['seconds']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
