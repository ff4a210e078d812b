#!/usr/bin/env python3
"""Seeds the fuzz corpora (fuzz/corpus/<target>/) from the sample captures and from values
built from the AMF, FLV and codec specifications.

    python3 scripts/fuzz_seeds.py

Classic pcap samples with Ethernet framing are read; for each TCP connection the handshake
and the chunk streams of both directions become handshake and chunk seeds, the frames become
pipeline seeds (2-byte length + frame, the format of the pipeline target)."""

import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
HANDSHAKE = 1 + 2 * 1536
MAX_SEED = 16 * 1024


def frames(path):
    """Yields the frames of a classic Ethernet pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        return
    if struct.unpack(endian + "I", data[20:24])[0] != 1:
        return
    at = 24
    while at + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[at + 8:at + 12])[0]
        yield data[at + 16:at + 16 + caplen]
        at += 16 + caplen


def tcp_payloads(frame):
    """(src port, dst port, payload) of an Ethernet/IPv4-or-IPv6/TCP frame, or None."""
    ether_type = struct.unpack(">H", frame[12:14])[0]
    if ether_type == 0x0800:
        ihl = (frame[14] & 0x0F) * 4
        if frame[23] != 6:
            return None
        total = struct.unpack(">H", frame[16:18])[0]
        tcp = frame[14 + ihl:14 + total]
    elif ether_type == 0x86DD:
        if frame[20] != 6:
            return None
        tcp = frame[54:]
    else:
        return None
    offset = (tcp[12] >> 4) * 4
    sport, dport = struct.unpack(">HH", tcp[:4])
    return sport, dport, tcp[offset:]


def streams(path, servers=(1935,)):
    """The bytes each side of each connection sent, keyed by (client port, server port, dir)."""
    result = {}
    for frame in frames(path):
        parsed = tcp_payloads(frame)
        if not parsed or not parsed[2]:
            continue
        sport, dport, payload = parsed
        key = (sport, dport, "c2s") if dport in servers else (dport, sport, "s2c")
        result.setdefault(key, bytearray()).extend(payload)
    return result


def write(target, name, data):
    directory = os.path.join(CORPUS, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(bytes(data))


def amf0_string(text):
    raw = text.encode()
    return b"\x02" + struct.pack(">H", len(raw)) + raw


def amf0_number(value):
    return b"\x00" + struct.pack(">d", value)


def amf0_object(pairs, marker=b"\x03"):
    out = bytearray(marker)
    if marker == b"\x08":
        out += struct.pack(">I", len(pairs))
    for key, value in pairs:
        raw = key.encode()
        out += struct.pack(">H", len(raw)) + raw + value
    return bytes(out + b"\x00\x00\x09")


def spec_seeds():
    """Values built from the specifications, for the value-level targets."""
    connect = (amf0_string("connect") + amf0_number(1) + amf0_object([
        ("app", amf0_string("live")),
        ("tcUrl", amf0_string("rtmp://127.0.0.1/live")),
        ("fourCcList", b"\x0a\x00\x00\x00\x02" + amf0_string("hvc1") + amf0_string("av01")),
        ("capsEx", amf0_number(1)),
    ]))
    write("amf0", "connect", connect)
    write("amf0", "metadata", amf0_string("onMetaData") + amf0_object(
        [("width", amf0_number(320)), ("stereo", b"\x01\x01"), ("date", b"\x0b" + b"\x00" * 10)],
        marker=b"\x08"))
    write("amf0", "misc", b"\x05\x06\x0d\x07\x00\x01" + b"\x10\x00\x03Foo" + b"\x00\x00\x09"
          + b"\x0c\x00\x00\x00\x02hi" + b"\x0f\x00\x00\x00\x03<a/>")
    write("amf3", "object", b"\x0a\x0b\x01\x05ab\x04\x7f\x07cd\x06\x05hi\x01")
    write("amf3", "misc", b"\x09\x05\x01\x04\x01\x04\x02\x0c\x07abc\x0d\x05\x00\x00\x00\x00\x01"
          + b"\x00\x00\x00\x02\x11\x03\x00\x0a\x07\x07Foo\x0a\x01")
    for name, record in [
        ("avc", "17000000000142c00dffe100186742c00dd90141fb0110000003001000000303c0f142a48001000568cb83cb20"),
        ("aac", "af001210"),
        ("hevc_ex", "9068766331" + "0101600000009000000000005df000fcfdf8f800000f03200001001840010c01ffff01600000030090000003000003005d959809210001002b42010101600000030090000003000003005da00280802d165959a4932bc05a02000003000200000300321022000100074401c172b4624027"),
        ("av1_ex", "906176303181010c000a0b0000000cc4ff6736be4010"),
        ("vp9_ex", "9076703039010000000015820202020000"),
        ("opus_ex", "904f707573" + "4f7075734865616401023801" + "80bb0000000000"),
        ("flac_ex", "90664c6143664c614300000022120012000004b20004b20ac440f00000113a"),
    ]:
        write("media", name, bytes.fromhex(record))


def u29(value):
    """An AMF3 variable-length integer (values below 2^21)."""
    if value < 0x80:
        return bytes([value])
    if value < 0x4000:
        return bytes([value >> 7 | 0x80, value & 0x7F])
    return bytes([value >> 14 | 0x80, (value >> 7) & 0x7F | 0x80, value & 0x7F])


def amf3_inline(raw):
    return u29(len(raw) << 1 | 1) + raw


def reference_seeds():
    """AMF3 bodies built on references (first byte: the reference budget in 64-byte units),
    for amf3_refs; secrets and bodies (a count byte, length-prefixed secrets, the body), for
    redact."""
    # Traits with a class and two members, referred to by the next objects; then the string
    # table and the object table referred to.
    traits = (b"\x0a\x23" + amf3_inline(b"Point") + amf3_inline(b"x") + amf3_inline(b"y")
              + b"\x04\x01\x04\x02")
    refs = b"\x0a\x01\x04\x03\x04\x04" * 3
    items = 1 + 3 + 3 + 3
    strings = b"\x06" + amf3_inline(b"hello") + b"\x06\x00\x06\x00"
    objects = b"\x0a\x02\x0a\x04\x09\x00"
    body = b"\x09" + u29(items << 1 | 1) + b"\x01" + traits + refs + strings + objects
    write("amf3_refs", "traits", b"\x08" + body)
    # A 64-byte class name referred to 100 times: stops at a 1 KiB budget.
    bomb = (b"\x09" + u29(101 << 1 | 1) + b"\x01\x0a\x03" + amf3_inline(b"C" * 64)
            + b"\x0a\x01" * 100)
    write("amf3_refs", "bomb", b"\x10" + bomb)
    # Dynamic members named by string references, and an externalizable wrapper by traits
    # reference.
    dynamic = (b"\x09\x07\x01" + b"\x0a\x0b\x01" + amf3_inline(b"name") + b"\x06\x00\x01"
               + b"\x0a\x07" + amf3_inline(b"flex.messaging.io.ArrayCollection") + b"\x09\x01\x01"
               + b"\x0a\x05\x09\x01\x01")
    write("amf3_refs", "dynamic", b"\x04" + dynamic)

    def secrets_and_body(secrets, body):
        out = bytearray([len(secrets) - 1])
        for secret in secrets:
            out += bytes([len(secret) - 1]) + secret
        return bytes(out + body)

    publish = (amf0_string("publish") + amf0_number(5) + b"\x05" + amf0_string("key_123456")
               + amf0_string("live"))
    status = amf0_object([("details", amf0_string("key_123456 key_123456x")),
                          ("tcUrl", amf0_string("rtmp://u:pw@h/app?token=abc&k=key_123456")),
                          ("name", amf0_string("abc"))])
    write("redact", "publish", secrets_and_body([b"key_123456", b"abc", b"pw"], publish + status))
    write("redact", "overlaps", secrets_and_body([b"123456_x", b"key_123456", b"aaaaaa"],
                                                 b"key_123456_x 123456_x aaaaaaaa **"))


def http_seeds():
    """RTMPT requests and responses as the lab's tunnel exchanges them."""
    write("http", "requests", bytes([63]) + b"POST /open/1 HTTP/1.1\r\nContent-Type: application/x-fcs\r\nContent-Length: 1\r\n\r\n\x00"
          b"POST /send/ab12/1 HTTP/1.1\r\nContent-Length: 3\r\n\r\n\x03\x00\x00POST /idle/ab12/2 HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
    write("http", "responses", bytes([7]) + b"HTTP/1.1 200 OK\r\nContent-Type: application/x-fcs\r\nContent-Length: 5\r\n\r\nab12\n"
          b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n\x01\x03")


def tls_decrypt_seeds():
    """Operation scripts for the tls_decrypt target (its harness seals the records itself):
    for each of its six suites, application records both ways (op 0/1 with a size byte),
    a gap (op 2 << 1), a flipped byte (3), raw junk (4), a KeyUpdate (5) and an alert (6)."""
    for suite in range(6):
        ops = bytes([0x10, 200, 0x11, 50, 0x30, 7, 4 << 1 | 0x20, 0x16, 3, 0x00, 1,
                     5 << 1, 0x00, 20, 2 << 1 | 0x30, 0x00, 90, 0x21, 0, 6 << 1, 3 << 1, 0x00, 5])
        write("tls_decrypt", f"suite{suite}", bytes([suite]) + ops)
        write("tls_decrypt", f"suite{suite}-bytes", bytes([suite + 6 * 8]) + ops[:6])


def family_seeds(path, stem):
    """Seeds for the tls and stream targets from the RTMPS and RTMPT samples: each connection's
    two sides, split by the first byte (tls), or as records of up to 126 bytes in the order
    the packets came (stream)."""
    if stem.startswith("rtmps"):
        sides = streams(path, (443, 1935))
        for client, server in sorted({(c, s) for c, s, _ in sides}):
            c2s = bytes(sides.get((client, server, "c2s"), b""))[:MAX_SEED // 2]
            s2c = bytes(sides.get((client, server, "s2c"), b""))[:MAX_SEED // 2]
            split = 255 * len(c2s) // max(1, len(c2s) + len(s2c))
            write("tls", f"{stem}-{client}", bytes([split]) + c2s + s2c)
    if stem.startswith("rtmpt"):
        records = bytearray([0])
        for frame in frames(path):
            parsed = tcp_payloads(frame)
            if not parsed or not parsed[2]:
                continue
            sport, _, payload = parsed
            server = 0x80 if sport == 8080 else 0
            for at in range(0, len(payload), 126):
                piece = payload[at:at + 126]
                records += bytes([server | len(piece)]) + piece
            if len(records) > MAX_SEED:
                break
        write("stream", stem, records)


def main():
    spec_seeds()
    reference_seeds()
    http_seeds()
    tls_decrypt_seeds()
    samples = os.path.join(ROOT, "samples")
    for sample in sorted(os.listdir(samples)):
        path = os.path.join(samples, sample)
        if not sample.endswith(".pcap"):
            continue
        stem = sample[:-5]
        framed = bytearray()
        for frame in frames(path):
            if len(framed) + 2 + len(frame) > 4 * MAX_SEED:
                break
            framed += struct.pack(">H", len(frame)) + frame
        if framed:
            write("pipeline", stem, framed)
        by_port = {}
        for (client, server, direction), data in streams(path).items():
            by_port.setdefault((client, server), {})[direction] = data
        for (client, _), sides in sorted(by_port.items()):
            c2s, s2c = sides.get("c2s", b""), sides.get("s2c", b"")
            write("handshake", f"{stem}-{client}", bytes([128]) + c2s[:HANDSHAKE] + s2c[:HANDSHAKE])
            for direction, data in (("c2s", c2s), ("s2c", s2c)):
                body = data[HANDSHAKE:HANDSHAKE + MAX_SEED]
                if body:
                    write("chunk", f"{stem}-{client}-{direction}", bytes([255]) + body)
        family_seeds(path, stem)
    for target in sorted(os.listdir(CORPUS)):
        print(f"{target}: {len(os.listdir(os.path.join(CORPUS, target)))} seeds", file=sys.stderr)


if __name__ == "__main__":
    main()
