"""Check WebSocket framing details of the Jumper server with websocket-client.

Usage: websocket_frames.py PORT

Opens an Engine.IO WebSocket without a session, expects the open packet, sends a ping
frame and expects a pong frame with the same data, then sends the Socket.IO CONNECT packet
"40" split over two fragments and expects the CONNECT reply. Exits non-zero on failure.
"""

import json
import sys

import websocket
from websocket import ABNF


def main() -> int:
    port = int(sys.argv[1])
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket", timeout=10
    )
    opening = ws.recv()
    if not opening.startswith("0{"):
        print(f"FAIL first message {opening!r} is not an open packet")
        return 1
    handshake = json.loads(opening[1:])
    if handshake.get("upgrades") != [] or not handshake.get("sid"):
        print(f"FAIL unexpected handshake {handshake!r}")
        return 1

    ws.ping("are-you-there")
    opcode, frame = ws.recv_data_frame(control_frame=True)
    if opcode != ABNF.OPCODE_PONG or frame.data != b"are-you-there":
        print(f"FAIL ping answered with opcode {opcode} data {frame.data!r}")
        return 1

    ws.send_frame(ABNF.create_frame("4", ABNF.OPCODE_TEXT, fin=0))
    ws.send_frame(ABNF.create_frame("0", ABNF.OPCODE_CONT, fin=1))
    answer = ws.recv()
    if not answer.startswith('40{"sid":'):
        print(f"FAIL fragmented CONNECT answered with {answer!r}")
        return 1

    ws.close()
    print("OK ping, pong and fragments")
    return 0


if __name__ == "__main__":
    sys.exit(main())
