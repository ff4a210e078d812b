//! tshark's view of the TLS connections in a capture, to check rtmpscope's RTMPS facts against.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// What tshark saw of one TLS connection.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TlsFacts {
    /// The version the ServerHello chose (`0x0303`, `0x0304`).
    pub version: String,
    /// The cipher suite the ServerHello chose (`0x1302`).
    pub cipher_suite: String,
    /// Records each way (client to server, server to client).
    pub records: [u64; 2],
    /// Bytes inside application-data records, each way.
    pub application_data: [u64; 2],
    /// Alert records, both ways.
    pub alerts: u64,
}

/// Every TLS connection of `capture`, by the client's port. `server_ports` must name every
/// server port; they are decoded as TLS whatever tshark would take them for.
pub fn tshark_tls(capture: &Path, server_ports: &[u16]) -> BTreeMap<u16, TlsFacts> {
    let mut command = Command::new("tshark");
    command.arg("-r").arg(capture);
    for port in server_ports {
        command.args(["-d", &format!("tcp.port=={port},tls")]);
    }
    command.args(["-Y", "tls", "-T", "fields", "-E", "separator=\t"]);
    for field in [
        "tcp.srcport",
        "tcp.dstport",
        "tls.record.content_type",
        "tls.record.opaque_type",
        "tls.record.length",
        "tls.handshake.type",
        "tls.handshake.ciphersuite",
        "tls.handshake.extensions.supported_version",
        "tls.handshake.version",
    ] {
        command.args(["-e", field]);
    }
    let output = command.output().expect("run tshark");
    assert!(output.status.success());
    let mut facts: BTreeMap<u16, TlsFacts> = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let field = |i: usize| f.get(i).copied().unwrap_or_default();
        let (src, dst): (u16, u16) = (field(0).parse().unwrap(), field(1).parse().unwrap());
        let (client, dir) = if server_ports.contains(&dst) {
            (src, 0)
        } else {
            (dst, 1)
        };
        let entry = facts.entry(client).or_default();
        let list = |i: usize| {
            field(i)
                .split(',')
                .filter(|v| !v.is_empty())
                .collect::<Vec<_>>()
        };
        // tshark names the type of a TLS 1.3 record, which hides the real one, "opaque".
        let kinds = [list(2), list(3)].concat();
        for (kind, length) in kinds.iter().zip(list(4)) {
            entry.records[dir] += 1;
            match *kind {
                "23" => entry.application_data[dir] += length.parse::<u64>().unwrap(),
                "21" => entry.alerts += 1,
                _ => {}
            }
        }
        if list(5).contains(&"2") {
            // A ServerHello: TLS 1.3 names itself in supported_versions.
            entry.cipher_suite = field(6).to_owned();
            entry.version = list(7)
                .first()
                .or(list(8).first())
                .copied()
                .unwrap_or_default()
                .to_owned();
        }
    }
    facts
}
