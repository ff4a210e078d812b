//! Packet sources through libpcap: pcap and pcapng files, standard input, live interfaces.
//!
//! Every failure a person can act on (no such file, not a capture file, no permission to
//! capture, no such interface, bad filter) is a [`CaptureError`] whose message is one sentence
//! that says what to do.

pub mod readahead;
pub mod secrets;

use std::path::{Path, PathBuf};

use pcap::{Active, Capture, Device, Offline};
use thiserror::Error;

use crate::common::Timestamp;
use crate::net::{decode_frame, Decoded, LinkType};

/// Default live snap length: whole packets, as tcpdump does.
pub const DEFAULT_SNAPLEN: i32 = 262_144;
/// Kernel buffer for live capture: the 2 MiB default drops packets at loopback speeds.
const LIVE_BUFFER_BYTES: i32 = 64 << 20;

/// A failure that stops capturing.
#[derive(Debug, Error)]
pub enum CaptureError {
    /// The file does not exist.
    #[error("{0}: no such file")]
    NoSuchFile(PathBuf),
    /// The file exists but cannot be read.
    #[error("{path}: cannot read it: {detail}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// The file is not a pcap or pcapng capture.
    #[error("{path}: not a pcap or pcapng capture file ({detail})")]
    NotACaptureFile {
        /// The file.
        path: PathBuf,
        /// libpcap's words.
        detail: String,
    },
    /// Live capture needs privileges the process lacks.
    #[error("no permission to capture on {interface}: run as root, or grant CAP_NET_RAW and CAP_NET_ADMIN: sudo setcap cap_net_raw,cap_net_admin=eip $(command -v rtmpscope)")]
    Permission {
        /// The interface.
        interface: String,
    },
    /// The interface does not exist.
    #[error("no such interface: {0} (rtmpscope -D lists them)")]
    NoSuchInterface(String),
    /// libpcap rejected the capture filter.
    #[error("invalid capture filter '{filter}': {detail}")]
    BadFilter {
        /// The filter.
        filter: String,
        /// libpcap's words.
        detail: String,
    },
    /// Anything else libpcap reported.
    #[error("{context}: {detail}")]
    Pcap {
        /// What was being done.
        context: String,
        /// libpcap's words.
        detail: String,
    },
}

/// One captured packet, borrowing libpcap's buffer.
#[derive(Debug, Clone, Copy)]
pub struct RawPacket<'a> {
    /// Capture time.
    pub time: Timestamp,
    /// The captured bytes.
    pub data: &'a [u8],
    /// The packet's length on the wire (more than `data.len()` when cut by the snap length).
    pub wire_len: u32,
}

impl<'a> RawPacket<'a> {
    /// The packet with its link, IP and TCP headers read as `link` says.
    pub fn frame(&self, link: LinkType) -> Frame<'a> {
        Frame {
            time: self.time,
            captured: self.data.len(),
            wire_len: self.wire_len,
            decoded: decode_frame(link, self.data),
        }
    }
}

/// A captured packet with its headers read: what the packet loop works on.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// Capture time.
    pub time: Timestamp,
    /// Bytes captured.
    pub captured: usize,
    /// The packet's length on the wire (more than `captured` when cut by the snap length).
    pub wire_len: u32,
    /// What the headers hold; a TCP segment borrows its payload.
    pub decoded: Decoded<'a>,
}

/// What asking a source for a packet (`P`: a [`RawPacket`] or a [`Frame`]) gave.
#[derive(Debug)]
pub enum Next<P> {
    /// A packet.
    Packet(P),
    /// No packet ready now (live capture): try again shortly.
    Idle,
    /// The file ended.
    End,
    /// The file broke off (truncated or corrupt): libpcap's words. Reading stops here.
    Broken(String),
}

impl<P> Next<P> {
    /// The same answer with its packet turned into another form by `f`.
    pub fn map<Q>(self, f: impl FnOnce(P) -> Q) -> Next<Q> {
        match self {
            Next::Packet(packet) => Next::Packet(f(packet)),
            Next::Idle => Next::Idle,
            Next::End => Next::End,
            Next::Broken(detail) => Next::Broken(detail),
        }
    }
}

/// Kernel counters of a live capture, as libpcap reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveStats {
    /// Packets received by the filter.
    pub received: u32,
    /// Packets dropped because the buffer was full.
    pub dropped: u32,
    /// Packets dropped by the interface or driver.
    pub if_dropped: u32,
}

/// An open packet source.
pub enum Source {
    /// A file or standard input.
    File {
        /// The reader.
        capture: Capture<Offline>,
        /// Its size in bytes, when known (not for standard input).
        size: Option<u64>,
    },
    /// A live interface.
    Live(Capture<Active>),
}

impl Source {
    /// Opens a pcap or pcapng file; `-` is standard input. `filter` is a BPF expression
    /// applied as tcpdump -r does.
    pub fn open_file(path: &Path, filter: Option<&str>) -> Result<Self, CaptureError> {
        let size = if path == Path::new("-") {
            None
        } else {
            Some(check_readable(path)?)
        };
        let mut capture =
            Capture::from_file(path).map_err(|error| CaptureError::NotACaptureFile {
                path: path.to_owned(),
                detail: pcap_words(&error),
            })?;
        if let Some(filter) = filter {
            apply_filter(&mut capture, filter)?;
        }
        Ok(Source::File { capture, size })
    }

    /// Opens a live interface in immediate, non-blocking mode with the given filter.
    pub fn open_live(interface: &str, filter: &str, snaplen: i32) -> Result<Self, CaptureError> {
        let inactive = Capture::from_device(interface)
            .map_err(|error| live_error(interface, "cannot open", &error))?;
        let capture = inactive
            .snaplen(snaplen)
            .immediate_mode(true)
            .buffer_size(LIVE_BUFFER_BYTES)
            .promisc(false)
            .timeout(100)
            .open()
            .map_err(|error| live_error(interface, "cannot start capturing", &error))?;
        // Non-blocking: a blocking read can wait forever on an idle interface, which would
        // leave Ctrl-C and the TUI unanswered.
        let mut capture = capture
            .setnonblock()
            .map_err(|error| live_error(interface, "cannot set non-blocking mode", &error))?;
        apply_filter(&mut capture, filter)?;
        Ok(Source::Live(capture))
    }

    /// The link type of the packets.
    pub fn link_type(&self) -> LinkType {
        let linktype = match self {
            Source::File { capture, .. } => capture.get_datalink(),
            Source::Live(capture) => capture.get_datalink(),
        };
        LinkType(u32::try_from(linktype.0).unwrap_or(u32::MAX))
    }

    /// True for a live interface, false for a file or standard input.
    pub fn is_live(&self) -> bool {
        matches!(self, Source::Live(_))
    }

    /// The file's size in bytes, for progress reporting.
    pub fn file_size(&self) -> Option<u64> {
        match self {
            Source::File { size, .. } => *size,
            Source::Live(_) => None,
        }
    }

    /// The next packet.
    pub fn next_packet(&mut self) -> Next<RawPacket<'_>> {
        let result = match self {
            Source::File { capture, .. } => capture.next_packet(),
            Source::Live(capture) => capture.next_packet(),
        };
        match result {
            Ok(packet) => Next::Packet(RawPacket {
                time: Timestamp::from_secs_micros(
                    packet.header.ts.tv_sec,
                    packet.header.ts.tv_usec,
                ),
                data: packet.data,
                wire_len: packet.header.len,
            }),
            Err(pcap::Error::TimeoutExpired) => Next::Idle,
            Err(pcap::Error::NoMorePackets) => Next::End,
            Err(error) => Next::Broken(pcap_words(&error)),
        }
    }

    /// Kernel counters, for live capture.
    pub fn live_stats(&mut self) -> Option<LiveStats> {
        match self {
            Source::Live(capture) => capture.stats().ok().map(|stat| LiveStats {
                received: stat.received,
                dropped: stat.dropped,
                if_dropped: stat.if_dropped,
            }),
            Source::File { .. } => None,
        }
    }
}

/// Checks that `path` is a readable regular file, returning its size.
fn check_readable(path: &Path) -> Result<u64, CaptureError> {
    let metadata = std::fs::metadata(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => CaptureError::NoSuchFile(path.to_owned()),
        _ => CaptureError::Unreadable {
            path: path.to_owned(),
            detail: error.to_string(),
        },
    })?;
    if metadata.is_dir() {
        return Err(CaptureError::Unreadable {
            path: path.to_owned(),
            detail: "it is a directory".into(),
        });
    }
    std::fs::File::open(path).map_err(|error| CaptureError::Unreadable {
        path: path.to_owned(),
        detail: error.to_string(),
    })?;
    Ok(metadata.len())
}

fn apply_filter<T: pcap::Activated + ?Sized>(
    capture: &mut Capture<T>,
    filter: &str,
) -> Result<(), CaptureError> {
    capture
        .filter(filter, true)
        .map_err(|error| CaptureError::BadFilter {
            filter: filter.to_owned(),
            detail: pcap_words(&error),
        })
}

/// Maps libpcap's live-capture errors to the ones a person can act on.
fn live_error(interface: &str, context: &str, error: &pcap::Error) -> CaptureError {
    let words = pcap_words(error);
    let lower = words.to_lowercase();
    if lower.contains("permission") || lower.contains("not permitted") {
        CaptureError::Permission {
            interface: interface.to_owned(),
        }
    } else if lower.contains("no such device") || lower.contains("doesn't exist") {
        CaptureError::NoSuchInterface(interface.to_owned())
    } else {
        CaptureError::Pcap {
            context: format!("{context} {interface}"),
            detail: words,
        }
    }
}

/// libpcap's message without the crate's wrapping.
fn pcap_words(error: &pcap::Error) -> String {
    match error {
        pcap::Error::PcapError(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The capture interfaces, one line each as `tcpdump -D` prints them.
pub fn list_interfaces() -> Result<Vec<String>, CaptureError> {
    let devices = Device::list().map_err(|error| CaptureError::Pcap {
        context: "cannot list interfaces".into(),
        detail: pcap_words(&error),
    })?;
    Ok(devices
        .iter()
        .enumerate()
        .map(|(index, device)| describe_device(index + 1, device))
        .collect())
}

fn describe_device(number: usize, device: &Device) -> String {
    use pcap::IfFlags;
    let flags = device.flags.if_flags;
    let mut words = Vec::new();
    for (flag, word) in [
        (IfFlags::UP, "Up"),
        (IfFlags::RUNNING, "Running"),
        (IfFlags::WIRELESS, "Wireless"),
        (IfFlags::LOOPBACK, "Loopback"),
    ] {
        if flags.contains(flag) {
            words.push(word);
        }
    }
    let description = device
        .desc
        .as_deref()
        .map(|desc| format!(" ({desc})"))
        .unwrap_or_default();
    format!(
        "{number}.{}{description} [{}]",
        device.name,
        words.join(", ")
    )
}
