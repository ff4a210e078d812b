//! TLS secrets for decryption: NSS key log files (`--tls-keylog`) and the Decryption Secrets
//! Blocks of a pcapng capture (what `editcap --inject-secrets tls,KEYS` writes).
//!
//! libpcap reads packets but not Decryption Secrets Blocks, so the pcapng block structure is
//! walked here, from the file's start to its first packet block (where editcap puts them):
//! every length is checked against what is left of the file, at most [`MAX_SECRETS_BYTES`] of
//! secrets are read, and anything broken (not pcapng, a truncated block, an impossible length)
//! ends the walk quietly with what was read so far: a capture decodes as before.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::transport::tls::KeyLog;

/// Largest key log file read (a key log of a million connections is about 180 MiB).
pub const MAX_KEYLOG_FILE: u64 = 256 << 20;
/// Most secrets bytes read from a capture's Decryption Secrets Blocks, all together.
pub const MAX_SECRETS_BYTES: usize = 64 << 20;

/// pcapng block types.
const SECTION_HEADER: u32 = 0x0A0D_0D0A;
const DECRYPTION_SECRETS: u32 = 0x0000_000A;
const PACKET_BLOCKS: [u32; 3] = [0x0000_0002, 0x0000_0003, 0x0000_0006];
/// The section header's byte-order magic.
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
/// Decryption Secrets Block secrets type of a TLS key log ("TLSK").
const TLS_KEY_LOG: u32 = 0x544C_534B;
/// Fewest bytes of a block: type, two lengths.
const MIN_BLOCK: u32 = 12;

/// A key log file that cannot be read.
#[derive(Debug, Error)]
pub enum KeyLogError {
    /// The file cannot be opened or read.
    #[error("{path}: cannot read the TLS key log: {source}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file is larger than [`MAX_KEYLOG_FILE`].
    #[error("{path}: a TLS key log larger than {} MiB is not read", MAX_KEYLOG_FILE >> 20)]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
}

/// Every secret for decrypting TLS: the key log files given (in order) and, when `capture` is
/// a pcapng file, its Decryption Secrets Blocks. A key log file that cannot be read is an
/// error; lines that cannot be used are only counted ([`KeyLog::unusable`]).
pub fn load_tls_keys(keylogs: &[PathBuf], capture: Option<&Path>) -> Result<KeyLog, KeyLogError> {
    let mut keys = KeyLog::new();
    for path in keylogs {
        let unreadable = |source| KeyLogError::Unreadable {
            path: path.clone(),
            source,
        };
        let file = File::open(path).map_err(unreadable)?;
        let mut text = Vec::new();
        file.take(MAX_KEYLOG_FILE + 1)
            .read_to_end(&mut text)
            .map_err(unreadable)?;
        if text.len() as u64 > MAX_KEYLOG_FILE {
            return Err(KeyLogError::TooLarge { path: path.clone() });
        }
        keys.add(&text, &path.display().to_string());
    }
    if let Some(path) = capture.filter(|path| path.as_os_str() != "-") {
        if let Ok(file) = File::open(path) {
            let mut reader = BufReader::with_capacity(1 << 16, file);
            // Named by the file's name: the capture is named on the command line already.
            let name = path
                .file_name()
                .unwrap_or(path.as_os_str())
                .to_string_lossy();
            for (index, text) in pcapng_tls_secrets(&mut reader).iter().enumerate() {
                let source = format!("{name} (decryption secrets block {})", index + 1);
                keys.add(text, &source);
            }
        }
    }
    Ok(keys)
}

/// The TLS key logs in the Decryption Secrets Blocks of a pcapng stream, up to its first
/// packet block; nothing when it is not pcapng.
pub fn pcapng_tls_secrets<R: Read + Seek>(reader: &mut BufReader<R>) -> Vec<Vec<u8>> {
    let mut found = Vec::new();
    let mut total = 0usize;
    let mut big_endian = false;
    let mut first = true;
    while let Some(head) = read_array::<8>(reader) {
        let [t0, t1, t2, t3, l0, l1, l2, l3] = head;
        let kind_bytes = [t0, t1, t2, t3];
        let length_bytes = [l0, l1, l2, l3];
        let kind = u32::from_le_bytes(kind_bytes);
        let mut body_read = 0u32;
        if kind == SECTION_HEADER {
            let Some(magic) = read_array::<4>(reader) else {
                break;
            };
            big_endian = match (u32::from_le_bytes(magic), u32::from_be_bytes(magic)) {
                (BYTE_ORDER_MAGIC, _) => false,
                (_, BYTE_ORDER_MAGIC) => true,
                _ => break,
            };
            body_read = 4;
        } else if first {
            break; // not pcapng
        }
        first = false;
        let number = |bytes: [u8; 4]| {
            if big_endian {
                u32::from_be_bytes(bytes)
            } else {
                u32::from_le_bytes(bytes)
            }
        };
        let kind = number(kind_bytes);
        let length = number(length_bytes);
        if length < MIN_BLOCK || length % 4 != 0 {
            break;
        }
        if PACKET_BLOCKS.contains(&kind) {
            break;
        }
        // What is left of the block after its type and length.
        let rest = length - 8 - body_read;
        if kind == DECRYPTION_SECRETS && rest >= 12 {
            let Some(head) = read_array::<8>(reader) else {
                break;
            };
            let [a, b, c, d, e, f, g, h] = head;
            let (secrets_type, secrets_length) = (number([a, b, c, d]), number([e, f, g, h]));
            let room = rest.saturating_sub(8 + 4);
            if secrets_type != TLS_KEY_LOG
                || secrets_length > room
                || total.saturating_add(secrets_length as usize) > MAX_SECRETS_BYTES
            {
                if reader.seek_relative(i64::from(rest) - 8).is_err() {
                    break;
                }
                continue;
            }
            let mut text = vec![0u8; secrets_length as usize];
            if reader.read_exact(&mut text).is_err() {
                break;
            }
            total = total.saturating_add(text.len());
            found.push(text);
            if reader
                .seek_relative(i64::from(rest) - 8 - i64::from(secrets_length))
                .is_err()
            {
                break;
            }
        } else if reader.seek_relative(i64::from(rest)).is_err() {
            break;
        }
    }
    found
}

fn read_array<const N: usize>(reader: &mut impl Read) -> Option<[u8; N]> {
    let mut bytes = [0u8; N];
    reader.read_exact(&mut bytes).ok()?;
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn block(kind: u32, body: &[u8]) -> Vec<u8> {
        let length = (12 + body.len()) as u32;
        let mut out = kind.to_le_bytes().to_vec();
        out.extend_from_slice(&length.to_le_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(&length.to_le_bytes());
        out
    }

    fn section() -> Vec<u8> {
        let mut body = BYTE_ORDER_MAGIC.to_le_bytes().to_vec();
        body.extend_from_slice(&[1, 0, 0, 0]); // version 1.0
        body.extend_from_slice(&u64::MAX.to_le_bytes()); // section length unknown
        block(SECTION_HEADER, &body)
    }

    fn secrets(kind: u32, text: &[u8]) -> Vec<u8> {
        let mut body = kind.to_le_bytes().to_vec();
        body.extend_from_slice(&(text.len() as u32).to_le_bytes());
        body.extend_from_slice(text);
        body.resize(body.len().div_ceil(4) * 4, 0);
        block(DECRYPTION_SECRETS, &body)
    }

    fn read(bytes: Vec<u8>) -> Vec<Vec<u8>> {
        pcapng_tls_secrets(&mut BufReader::new(Cursor::new(bytes)))
    }

    #[test]
    fn reads_the_tls_key_logs_before_the_first_packet() {
        let mut file = section();
        file.extend(block(1, &[1, 0, 0, 0, 0, 0, 4, 0])); // an interface
        file.extend(secrets(TLS_KEY_LOG, b"CLIENT_RANDOM aa bb\n"));
        file.extend(secrets(0x5353_484B, b"an SSH key log"));
        file.extend(secrets(TLS_KEY_LOG, b"second"));
        file.extend(block(6, &[0; 20])); // a packet
        file.extend(secrets(TLS_KEY_LOG, b"after the packets"));
        assert_eq!(
            read(file.clone()),
            [b"CLIENT_RANDOM aa bb\n".to_vec(), b"second".to_vec()]
        );
        // Cut anywhere: what was whole is kept, nothing panics.
        for cut in 0..file.len() {
            assert!(read(file[..cut].to_vec()).len() <= 2);
        }
    }

    #[test]
    fn not_pcapng_or_broken_gives_nothing() {
        assert!(read(b"\xd4\xc3\xb2\xa1 a classic pcap".to_vec()).is_empty());
        let mut file = section();
        let mut bad = secrets(TLS_KEY_LOG, b"x");
        bad[4..8].copy_from_slice(&7u32.to_le_bytes()); // not a multiple of 4
        file.extend(bad);
        assert!(read(file).is_empty());
        let mut file = section();
        let mut long = secrets(TLS_KEY_LOG, b"abcd");
        long[12..16].copy_from_slice(&1000u32.to_le_bytes()); // longer than its block
        file.extend(long);
        file.extend(secrets(TLS_KEY_LOG, b"next"));
        assert_eq!(read(file), [b"next".to_vec()]);
    }
}
