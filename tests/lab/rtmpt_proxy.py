#!/usr/bin/env python3
"""A small RTMPT server for the test lab: the HTTP tunnel side of the protocol in front of a
plain RTMP server (nginx-rtmp), so real RTMPT clients (ffmpeg's rtmpt://) can be captured.

    rtmpt_proxy.py LISTEN_PORT RTMP_PORT

Follows the published protocol: POST /open/1 answers a session id; POST /send/ID/SEQ carries
client bytes (Content-Type application/x-fcs) and is answered with a polling-interval byte
followed by whatever the RTMP server sent; POST /idle/ID/SEQ only polls; POST /close/ID/SEQ
ends the session. Other paths (such as /fcs/ident2) get 404, as real servers answer. The
polling interval is 1 while data flows and doubles (up to 32) while the server has nothing to
send. (ffmpeg's client keeps one connection alive for the whole tunnel; it cannot follow a
server that closes connections between requests.)"""

import http.server
import secrets
import socket
import sys
import threading
import time

RTMP_PORT = int(sys.argv[2])
SESSIONS = {}
LOCK = threading.Lock()
# Polling interval bytes: 1 means "poll again soon"; idle answers raise it up to 32.
FASTEST, SLOWEST = 1, 32


class Session:
    def __init__(self):
        self.sock = socket.create_connection(("127.0.0.1", RTMP_PORT))
        self.sock.setblocking(False)
        self.interval = FASTEST

    def answer(self, data):
        """The polling-interval byte and what the RTMP server sent meanwhile."""
        out = self.exchange(data)
        self.interval = FASTEST if out or data else min(self.interval * 2, SLOWEST)
        return bytes([self.interval]) + out

    def exchange(self, data):
        if data:
            self.sock.setblocking(True)
            self.sock.sendall(data)
            self.sock.setblocking(False)
        # Give the server a moment to answer, then take what it sent.
        time.sleep(0.005)
        out = bytearray()
        while True:
            try:
                chunk = self.sock.recv(65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            out += chunk
        return bytes(out)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_one_request(self):
        # A client that goes away mid-answer is normal here (a player stopped by its deadline).
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/x-fcs")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "keep-alive")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else b""
        parts = self.path.strip("/").split("/")
        command = parts[0]
        if command == "open":
            session_id = secrets.token_hex(8)
            with LOCK:
                SESSIONS[session_id] = Session()
            self.reply(200, (session_id + "\n").encode())
            return
        session = SESSIONS.get(parts[1]) if len(parts) > 1 else None
        if session is None:
            self.reply(404, b"")
            return
        if command == "send":
            self.reply(200, session.answer(body))
        elif command == "idle":
            # An idle poll's body is one filler byte, not RTMP.
            self.reply(200, session.answer(b""))
        elif command == "close":
            session.sock.close()
            with LOCK:
                SESSIONS.pop(parts[1], None)
            self.reply(200, bytes([session.interval]))
        else:
            self.reply(404, b"")


if __name__ == "__main__":
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.serve_forever()
