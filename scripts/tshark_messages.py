#!/usr/bin/env python3
"""Prints tshark's view of the RTMP messages in a capture, one TSV line per message:

    frame  src(ip:port)  dst(ip:port)  csid  type_id  body_size  command

tshark's RTMP dissector (filter name `rtmpt`) reports one <proto name="rtmpt"> per message in
its PDML output. A message whose first chunk has format 2 or 3 carries no type id or length in
its header, so they are taken from the last header on the same chunk stream and direction.
`command` is the first AMF string of command messages (types 17 and 20), empty otherwise.

Usage: tshark_messages.py CAPTURE [--port N ...]   (python3 standard library only)
"""
import subprocess
import sys
import xml.etree.ElementTree as ET


def tshark_pdml(capture, ports):
    args = ["tshark", "-r", capture, "-T", "pdml",
            "-o", "rtmpt.max_packet_size:16777216",
            "-o", "tcp.reassemble_out_of_order:TRUE"]
    for port in ports:
        args += ["-d", f"tcp.port=={port},rtmpt"]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def fields(element, name):
    return [f.get("show") for f in element.iter("field") if f.get("name") == name]


def endpoint(packet, side):
    ip = fields(packet, f"ip.{side}") or fields(packet, f"ipv6.{side}")
    port = fields(packet, f"tcp.{side}port")
    if not ip or not port:
        return None
    # The innermost IP (tunnels such as GTP-U put the subscriber's IP last).
    address = ip[-1]
    return f"[{address}]:{port[-1]}" if ":" in address else f"{address}:{port[-1]}"


def main():
    capture = sys.argv[1]
    ports = [sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == "--port"]
    proc = tshark_pdml(capture, ports)
    last = {}  # (src, dst, csid) -> (type_id, body_size)
    for _, packet in ET.iterparse(proc.stdout, events=("end",)):
        if packet.tag != "packet":
            continue
        frame = fields(packet, "frame.number")[0]
        src, dst = endpoint(packet, "src"), endpoint(packet, "dst")
        for proto in packet.iter("proto"):
            if proto.get("name") != "rtmpt" or not fields(proto, "rtmpt.header.csid"):
                continue
            csid = fields(proto, "rtmpt.header.csid")[0]
            key = (src, dst, csid)
            type_id = fields(proto, "rtmpt.header.typeid")
            size = fields(proto, "rtmpt.header.bodysize")
            if type_id and size:
                last[key] = (int(type_id[0], 0), int(size[0]))
            type_id, size = last.get(key, ("", ""))
            command = ""
            if type_id in (17, 20):
                strings = fields(proto, "amf.string")
                command = strings[0] if strings else ""
            print(f"{frame}\t{src}\t{dst}\t{csid}\t{type_id}\t{size}\t{command}")
        packet.clear()
    proc.wait()


if __name__ == "__main__":
    main()
