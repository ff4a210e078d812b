//! Which member of the RTMP family a connection carries, and the facts each variant exposes.
//!
//! The first bytes a client sends tell the variant: C0 = 3 is plain RTMP, 6 or 8 RTMPE, a TLS
//! ClientHello RTMPS (when the connection is one RTMP would use), an HTTP request a candidate
//! RTMPT tunnel.

use serde::Serialize;

use crate::rtmp::reader::Reader;

/// The RTMP family member of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// Plain RTMP over TCP.
    Rtmp,
    /// RTMP tunnelled in HTTP requests.
    Rtmpt,
    /// RTMP inside TLS.
    Rtmps,
    /// Adobe's encrypted RTMP (handshake version 6 or 8).
    Rtmpe,
}

impl Variant {
    /// The lowercase name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Rtmp => "rtmp",
            Variant::Rtmpt => "rtmpt",
            Variant::Rtmps => "rtmps",
            Variant::Rtmpe => "rtmpe",
        }
    }
}

/// Facts from the TLS ClientHello of an RTMPS connection.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TlsInfo {
    /// The version the ClientHello's legacy field names (`TLS 1.2` for every modern client).
    pub client_version: String,
    /// Whether the client offers TLS 1.3 (supported_versions extension).
    pub offers_tls13: bool,
    /// The server name the client asked for (SNI), if it sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// Application protocols offered (ALPN), in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alpn: Vec<String>,
    /// How many cipher suites the client offered.
    pub cipher_suites_offered: usize,
}

/// What the first client bytes of a TLS connection gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientHello {
    /// The first record is not whole yet.
    NeedMore,
    /// Not a ClientHello (or too broken to read).
    Invalid,
    /// The ClientHello's facts.
    Hello(TlsInfo),
}

/// Largest TLS record: 16 KiB of plaintext plus the 5-byte header and some expansion.
pub const MAX_TLS_RECORD: usize = 5 + (16 << 10) + 2048;

/// Reads the ClientHello in the first TLS record of a connection.
pub fn parse_client_hello(bytes: &[u8]) -> ClientHello {
    let mut record = Reader::new(bytes);
    let (Some(content_type), Some(_), Some(length)) =
        (record.u8(), record.be_u16(), record.be_u16())
    else {
        return ClientHello::NeedMore;
    };
    if content_type != 0x16 {
        return ClientHello::Invalid;
    }
    let Some(body) = record.take(usize::from(length)) else {
        return if bytes.len() < MAX_TLS_RECORD {
            ClientHello::NeedMore
        } else {
            ClientHello::Invalid
        };
    };
    hello_facts(body).map_or(ClientHello::Invalid, ClientHello::Hello)
}

/// The facts of a ClientHello handshake message (extensions cut short are read as far as
/// they go).
fn hello_facts(body: &[u8]) -> Option<TlsInfo> {
    let mut reader = Reader::new(body);
    if reader.u8()? != 1 {
        return None; // not a ClientHello
    }
    let _length = reader.be_u24()?;
    let version = reader.be_u16()?;
    reader.take(32)?; // random
    let session_id = reader.u8()?;
    reader.take(usize::from(session_id))?;
    let suites = reader.be_u16()?;
    reader.take(usize::from(suites))?;
    let compression = reader.u8()?;
    reader.take(usize::from(compression))?;
    let mut info = TlsInfo {
        client_version: tls_version_name(version),
        cipher_suites_offered: usize::from(suites / 2),
        ..TlsInfo::default()
    };
    let extensions_length = reader.be_u16().unwrap_or(0);
    let mut extensions = Reader::new(
        reader
            .take(usize::from(extensions_length))
            .unwrap_or_else(|| reader.rest()),
    );
    while let (Some(kind), Some(length)) = (extensions.be_u16(), extensions.be_u16()) {
        let Some(data) = extensions.take(usize::from(length)) else {
            break;
        };
        match kind {
            0 => info.sni = server_name(data),
            16 => info.alpn = alpn(data),
            43 => {
                info.offers_tls13 = data
                    .get(1..)
                    .unwrap_or_default()
                    .chunks(2)
                    .any(|v| v == [3, 4])
            }
            _ => {}
        }
    }
    Some(info)
}

fn server_name(data: &[u8]) -> Option<String> {
    let mut reader = Reader::new(data);
    let _list_length = reader.be_u16()?;
    if reader.u8()? != 0 {
        return None; // not a host name
    }
    let length = reader.be_u16()?;
    Some(String::from_utf8_lossy(reader.take(usize::from(length))?).into_owned())
}

fn alpn(data: &[u8]) -> Vec<String> {
    let mut reader = Reader::new(data.get(2..).unwrap_or_default());
    let mut protocols = Vec::new();
    while let Some(length) = reader.u8() {
        match reader.take(usize::from(length)) {
            Some(name) => protocols.push(String::from_utf8_lossy(name).into_owned()),
            None => break,
        }
    }
    protocols
}

/// The name of a TLS protocol version number (`TLS 1.2`, …).
pub fn tls_version_name(version: u16) -> String {
    match version {
        0x0300 => "SSL 3.0".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        other => format!("0x{other:04x}"),
    }
}

/// Facts about an RTMPT tunnel.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TunnelInfo {
    /// The session id the server gave in its /open response.
    pub session_id: String,
    /// TCP connections that carried the tunnel.
    pub connections: u32,
    /// Requests the client made (send, idle, close).
    pub requests: u64,
    /// Of those, idle polls.
    pub idle_polls: u64,
    /// Smallest polling interval byte the server answered with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polling_interval_min: Option<u8>,
    /// Largest polling interval byte.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polling_interval_max: Option<u8>,
}

impl TunnelInfo {
    /// Notes the polling interval byte of one response.
    pub fn observe_interval(&mut self, interval: u8) {
        self.polling_interval_min = Some(
            self.polling_interval_min
                .map_or(interval, |m| m.min(interval)),
        );
        self.polling_interval_max = Some(
            self.polling_interval_max
                .map_or(interval, |m| m.max(interval)),
        );
    }
}

/// What the first bytes a client sends on a connection say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirstBytes {
    /// Not enough bytes yet to tell.
    NeedMore,
    /// C0 = 3 and a plausible C1: plain RTMP.
    Rtmp,
    /// C0 = 6 or 8: RTMPE (the version byte).
    Rtmpe(u8),
    /// A TLS handshake record carrying a ClientHello: RTMPS if the connection is RTMP.
    Tls,
    /// An HTTP request line: a candidate RTMPT tunnel.
    Http,
    /// None of the above.
    Other,
}

/// HTTP request methods that open a request line.
const HTTP_METHODS: [&[u8]; 6] = [
    b"POST ",
    b"GET ",
    b"HEAD ",
    b"PUT ",
    b"OPTIONS ",
    b"DELETE ",
];

/// Classifies a connection by the first bytes its client sent.
pub fn classify_client_start(bytes: &[u8]) -> FirstBytes {
    let Some(&first) = bytes.first() else {
        return FirstBytes::NeedMore;
    };
    match first {
        // C0 = 3, then C1 begins; 9 bytes let the zero/version field be seen.
        3 if bytes.len() < 9 => FirstBytes::NeedMore,
        3 => FirstBytes::Rtmp,
        6 | 8 => FirstBytes::Rtmpe(first),
        // A TLS handshake record (content type 22, version 3.x) holding a ClientHello (1).
        0x16 => match (bytes.get(1), bytes.get(2), bytes.get(5)) {
            (Some(3), Some(0..=4), Some(1)) => FirstBytes::Tls,
            (None, _, _) | (_, None, _) | (_, _, None) => FirstBytes::NeedMore,
            _ => FirstBytes::Other,
        },
        _ => {
            let longest = HTTP_METHODS.iter().map(|m| m.len()).max().unwrap_or(0);
            if HTTP_METHODS.iter().any(|m| bytes.starts_with(m)) {
                FirstBytes::Http
            } else if bytes.len() < longest && HTTP_METHODS.iter().any(|m| m.starts_with(bytes)) {
                FirstBytes::NeedMore
            } else {
                FirstBytes::Other
            }
        }
    }
}

/// Test-only builders of real-looking first bytes.
#[cfg(test)]
pub(crate) mod test_support {
    /// A ClientHello record: TLS 1.2 legacy version, 2 suites, SNI, ALPN, supported_versions.
    pub(crate) fn client_hello(sni: &str, alpn: &[&str]) -> Vec<u8> {
        let mut extensions = Vec::new();
        let name = sni.as_bytes();
        extensions.extend_from_slice(&[0, 0]);
        extensions.extend_from_slice(&((name.len() + 5) as u16).to_be_bytes());
        extensions.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
        extensions.push(0);
        extensions.extend_from_slice(&(name.len() as u16).to_be_bytes());
        extensions.extend_from_slice(name);
        if !alpn.is_empty() {
            let list: Vec<u8> = alpn
                .iter()
                .flat_map(|p| std::iter::once(p.len() as u8).chain(p.bytes()))
                .collect();
            extensions.extend_from_slice(&[0, 16]);
            extensions.extend_from_slice(&((list.len() + 2) as u16).to_be_bytes());
            extensions.extend_from_slice(&(list.len() as u16).to_be_bytes());
            extensions.extend_from_slice(&list);
        }
        extensions.extend_from_slice(&[0, 43, 0, 5, 4, 3, 4, 3, 3]);
        let mut hello = vec![3, 3];
        hello.extend_from_slice(&[0x11; 32]);
        hello.push(0);
        hello.extend_from_slice(&[0, 4, 0x13, 0x01, 0xC0, 0x2F, 1, 0]);
        hello.extend_from_slice(&(extensions.len() as u16).to_be_bytes());
        hello.extend_from_slice(&extensions);
        let mut message = vec![1];
        message.extend_from_slice(&(hello.len() as u32).to_be_bytes()[1..]);
        message.extend_from_slice(&hello);
        let mut record = vec![0x16, 3, 1];
        record.extend_from_slice(&(message.len() as u16).to_be_bytes());
        record.extend_from_slice(&message);
        record
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::client_hello;
    use super::*;

    #[test]
    fn reads_the_client_hello() {
        let record = client_hello("live.example.com", &["rtmp"]);
        let ClientHello::Hello(info) = parse_client_hello(&record) else {
            panic!()
        };
        assert_eq!(info.sni.as_deref(), Some("live.example.com"));
        assert_eq!(info.alpn, ["rtmp"]);
        assert_eq!(info.client_version, "TLS 1.2");
        assert!(info.offers_tls13);
        assert_eq!(info.cipher_suites_offered, 2);
        for cut in 0..record.len() {
            assert_eq!(
                parse_client_hello(&record[..cut]),
                ClientHello::NeedMore,
                "cut at {cut}"
            );
        }
        assert_eq!(parse_client_hello(b"GET / HTTP/1.1"), ClientHello::Invalid);
    }

    #[test]
    fn classifies_first_bytes() {
        assert_eq!(classify_client_start(&[]), FirstBytes::NeedMore);
        assert_eq!(classify_client_start(&[3, 0, 0]), FirstBytes::NeedMore);
        assert_eq!(
            classify_client_start(&[3, 0, 0, 0, 0, 9, 0, 124, 2]),
            FirstBytes::Rtmp
        );
        assert_eq!(classify_client_start(&[6]), FirstBytes::Rtmpe(6));
        assert_eq!(classify_client_start(&[8, 1]), FirstBytes::Rtmpe(8));
        assert_eq!(
            classify_client_start(&[0x16, 3, 1, 0, 200, 1]),
            FirstBytes::Tls
        );
        assert_eq!(classify_client_start(&[0x16, 3]), FirstBytes::NeedMore);
        assert_eq!(
            classify_client_start(b"POST /open/1 HTTP/1.1"),
            FirstBytes::Http
        );
        assert_eq!(classify_client_start(b"PO"), FirstBytes::NeedMore);
        assert_eq!(classify_client_start(b"SSH-2.0-OpenSSH"), FirstBytes::Other);
    }
}
