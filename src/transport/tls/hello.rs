//! The hello messages: what a ClientHello and a ServerHello show in the clear (versions, the
//! chosen cipher suite, the server name, application protocols, a HelloRetryRequest).

use super::names::TlsVersion;
use super::{TlsInfo, HANDSHAKE, MAX_TLS_RECORD};
use crate::common::reader::Reader;

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

/// Reads the ClientHello in the first TLS record of a connection.
pub fn parse_client_hello(bytes: &[u8]) -> ClientHello {
    let mut record = Reader::new(bytes);
    let (Some(content_type), Some(_), Some(length)) =
        (record.u8(), record.be_u16(), record.be_u16())
    else {
        return ClientHello::NeedMore;
    };
    if content_type != HANDSHAKE {
        return ClientHello::Invalid;
    }
    let Some(body) = record.take(usize::from(length)) else {
        return if bytes.len() < MAX_TLS_RECORD {
            ClientHello::NeedMore
        } else {
            ClientHello::Invalid
        };
    };
    client_hello_facts(body).map_or(ClientHello::Invalid, ClientHello::Hello)
}

/// The random of the ClientHello in the first TLS record of a connection (the key a key log
/// files its secrets under), when the record is whole and holds one.
pub fn client_random(bytes: &[u8]) -> Option<[u8; 32]> {
    let mut record = Reader::new(bytes);
    let (content_type, _, length) = (record.u8()?, record.be_u16()?, record.be_u16()?);
    if content_type != HANDSHAKE {
        return None;
    }
    let mut hello = Reader::new(record.take(usize::from(length))?);
    hello_start(&mut hello, CLIENT_HELLO).map(|(_, random)| random)
}

/// The start of a hello message: type, length, version, random, session id. Returns the
/// version and the random.
pub(super) fn hello_start(reader: &mut Reader<'_>, kind: u8) -> Option<(u16, [u8; 32])> {
    if reader.u8()? != kind {
        return None;
    }
    let _length = reader.be_u24()?;
    let version = reader.be_u16()?;
    let random = reader.array::<32>()?;
    let session_id = reader.u8()?;
    reader.take(usize::from(session_id))?;
    Some((version, random))
}

/// Calls `each(kind, data)` for every whole extension of a hello (a list cut short is read as
/// far as it goes).
pub(super) fn extensions(reader: &mut Reader<'_>, mut each: impl FnMut(u16, &[u8])) {
    let length = reader.be_u16().unwrap_or(0);
    let mut list = Reader::new(
        reader
            .take(usize::from(length))
            .unwrap_or_else(|| reader.rest()),
    );
    while let (Some(kind), Some(length)) = (list.be_u16(), list.be_u16()) {
        let Some(data) = list.take(usize::from(length)) else {
            break;
        };
        each(kind, data);
    }
}

/// The facts of a ClientHello handshake message.
pub(super) fn client_hello_facts(body: &[u8]) -> Option<TlsInfo> {
    let mut reader = Reader::new(body);
    let (version, _) = hello_start(&mut reader, CLIENT_HELLO)?;
    let suites = reader.be_u16()?;
    reader.take(usize::from(suites))?;
    let compression = reader.u8()?;
    reader.take(usize::from(compression))?;
    let mut info = TlsInfo {
        client_version: TlsVersion(version),
        cipher_suites_offered: usize::from(suites / 2),
        ..TlsInfo::default()
    };
    extensions(&mut reader, |kind, data| match kind {
        EXT_SERVER_NAME => info.sni = server_name(data),
        EXT_ALPN => info.alpn = alpn(data),
        EXT_SUPPORTED_VERSIONS => {
            info.offers_tls13 = data
                .get(1..)
                .unwrap_or_default()
                .chunks(2)
                .any(|v| v == [3, 4])
        }
        _ => {}
    });
    Some(info)
}

/// What a ServerHello chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ServerChoice {
    pub(super) version: u16,
    pub(super) cipher_suite: u16,
    pub(super) alpn: Option<String>,
    pub(super) retry: bool,
    /// The server's random (TLS 1.2 key expansion needs it).
    pub(super) random: [u8; 32],
}

/// Reads a ServerHello handshake message.
pub(super) fn server_hello_facts(message: &[u8]) -> Option<ServerChoice> {
    let mut reader = Reader::new(message);
    let (legacy_version, random) = hello_start(&mut reader, SERVER_HELLO)?;
    let cipher_suite = reader.be_u16()?;
    let _compression = reader.u8()?;
    let mut choice = ServerChoice {
        version: legacy_version,
        cipher_suite,
        alpn: None,
        retry: random == HELLO_RETRY_RANDOM,
        random,
    };
    extensions(&mut reader, |kind, data| match kind {
        EXT_SUPPORTED_VERSIONS => {
            if let Some(version) = Reader::new(data).be_u16() {
                choice.version = version;
            }
        }
        EXT_ALPN => choice.alpn = alpn(data).into_iter().next(),
        _ => {}
    });
    Some(choice)
}

pub(super) fn server_name(data: &[u8]) -> Option<String> {
    let mut reader = Reader::new(data);
    let _list_length = reader.be_u16()?;
    if reader.u8()? != 0 {
        return None; // not a host name
    }
    let length = reader.be_u16()?;
    Some(String::from_utf8_lossy(reader.take(usize::from(length))?).into_owned())
}

pub(super) fn alpn(data: &[u8]) -> Vec<String> {
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

/// The ServerHello random that marks a HelloRetryRequest (RFC 8446, 4.1.3).
pub(super) const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// Handshake message types.
pub(super) const CLIENT_HELLO: u8 = 1;

pub(super) const SERVER_HELLO: u8 = 2;

/// Extensions read from the hellos.
pub(super) const EXT_SERVER_NAME: u16 = 0;

pub(super) const EXT_ALPN: u16 = 16;

pub(super) const EXT_SUPPORTED_VERSIONS: u16 = 43;
