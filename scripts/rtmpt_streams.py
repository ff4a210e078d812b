#!/usr/bin/env python3
"""tshark's view of the RTMP messages inside the RTMPT tunnels of a capture, one TSV line per
message:

    session_id  dir(c2s|s2c)  csid  type_id  body_size  command

tshark's RTMPT dissector decodes each HTTP body on its own and loses the chunk streams after a
few bodies, so it cannot be compared with directly. Instead tshark reads the HTTP (its own
HTTP dissector, with the RTMPT one turned off so that bodies stay raw), this script joins each
tunnel's bodies in request order (the /send request bodies are the client's bytes; every
answer to send, idle and close, less its first byte, the polling interval, is the server's),
writes each tunnel as one plain TCP connection to port 1935 into OUT.pcap, and runs tshark's
RTMP dissector on that through tshark_messages.py.

Usage: rtmpt_streams.py CAPTURE OUT.pcap   (python3 standard library only)
"""
import os
import struct
import subprocess
import sys
from urllib.parse import urlparse

HERE = os.path.dirname(os.path.abspath(__file__))
SEGMENT = 16000


def http_messages(capture):
    """(uri of the request, is_answer, body) for every HTTP message, in capture order."""
    fields = ["http.request.uri", "http.response_for.uri", "media.type"]
    args = ["tshark", "-r", capture, "--disable-protocol", "rtmpt", "-Y", "http",
            "-T", "fields", "-E", "separator=\t"]
    for field in fields:
        args += ["-e", field]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        request, answered, body = (line.split("\t") + ["", "", ""])[:3]
        body = bytes.fromhex(body.replace(":", "")) if body else b""
        if request:
            yield request, False, body
        elif answered:
            yield urlparse(answered).path, True, body


def tunnels(capture):
    """{session id: (client bytes, server bytes)}, in the order the tunnels appear."""
    parts = {}
    for uri, is_answer, body in http_messages(capture):
        words = uri.strip("/").split("/")
        if len(words) != 3 or words[0] not in ("send", "idle", "close"):
            continue
        command, session, seq = words[0], words[1], int(words[2])
        sides = parts.setdefault(session, ({}, {}))
        if is_answer:
            sides[1][seq] = body[1:]
        elif command == "send":
            sides[0][seq] = body
    return {
        session: tuple(b"".join(side[seq] for seq in sorted(side)) for side in sides)
        for session, sides in parts.items()
    }


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, payload):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6,
                     0, bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return b"\0" * 12 + b"\x08\x00" + ip + tcp + payload


def write_pcap(path, streams):
    """One TCP connection a tunnel: handshake, the client's bytes, then the server's."""
    client, server = [10, 0, 0, 1], [10, 0, 0, 2]
    packets = []
    for index, (c2s, s2c) in enumerate(streams):
        port = 40000 + index
        packets.append(frame(client, server, port, 1935, 0, 0, 0x02, b""))
        packets.append(frame(server, client, 1935, port, 0, 1, 0x12, b""))
        for sender, data in ((0, c2s), (1, s2c)):
            seq = 1
            for at in range(0, len(data), SEGMENT):
                piece = data[at:at + SEGMENT]
                if sender == 0:
                    packets.append(frame(client, server, port, 1935, seq, 1, 0x18, piece))
                else:
                    packets.append(frame(server, client, 1935, port, seq, 1, 0x18, piece))
                seq += len(piece)
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for number, packet in enumerate(packets):
            out.write(struct.pack("<IIII", number, 0, len(packet), len(packet)))
            out.write(packet)


def main():
    capture, out = sys.argv[1], sys.argv[2]
    found = tunnels(capture)
    sessions = list(found)
    write_pcap(out, [found[s] for s in sessions])
    lines = subprocess.run([sys.executable, os.path.join(HERE, "tshark_messages.py"), out],
                           capture_output=True, text=True, check=True).stdout
    for line in lines.splitlines():
        _, src, dst, csid, type_id, size, command = (line.split("\t") + [""] * 7)[:7]
        src_port, dst_port = (int(end.rsplit(":", 1)[1]) for end in (src, dst))
        direction, client_port = ("s2c", dst_port) if src_port == 1935 else ("c2s", src_port)
        session = sessions[client_port - 40000]
        print("\t".join([session, direction, csid, type_id, size, command]))


if __name__ == "__main__":
    main()
