//! What the TUI knows: one compact row per session and per message, built from the updates
//! the decoding thread sends. Nothing here knows about the terminal.

use std::collections::HashMap;
use std::net::SocketAddr;

use crate::analysis::SessionReport;
use crate::event::{Direction, Timestamp};
use crate::rtmp::variant::Variant;

/// How a message row is coloured and filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// Protocol control and user control messages.
    Control,
    /// Commands (connect, publish, onStatus, …).
    Command,
    /// Data and shared object messages (onMetaData, …).
    Data,
    /// Audio.
    Audio,
    /// Video.
    Video,
    /// Aggregates and unknown types.
    Other,
    /// A decoder warning.
    Warning,
    /// Bytes lost.
    Gap,
}

/// One message (or warning, or gap) in the messages pane. About 100 bytes plus its summary
/// and the body bytes kept for the details and hex panes.
#[derive(Debug, Clone)]
pub struct MessageRow {
    /// Frame that completed it.
    pub frame: u64,
    /// Capture time.
    pub time: Timestamp,
    /// Session id.
    pub session: u64,
    /// Direction, when it has one.
    pub dir: Option<Direction>,
    /// Chunk stream id (messages only).
    pub csid: u32,
    /// Message stream id.
    pub msid: u32,
    /// RTMP timestamp.
    pub timestamp: u32,
    /// Message type id (0 for warnings and gaps).
    pub type_id: u8,
    /// Body length.
    pub length: u32,
    /// Colour and filter class.
    pub kind: RowKind,
    /// The one-line description.
    pub summary: Box<str>,
    /// The body bytes kept (see [`MAX_KEPT_BODY`]).
    pub body: Box<[u8]>,
}

/// Most body bytes a row keeps: commands and data whole up to this, media only their tag
/// header (the first 16 bytes), so a million rows stay well under 1 KiB each.
pub const MAX_KEPT_BODY: usize = 4096;
/// Body bytes kept of an audio or video message.
pub const MEDIA_KEPT_BODY: usize = 16;

/// Whether a session is still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Still receiving.
    Open,
    /// Ended (FIN, RST, timeout, end of capture).
    Ended(crate::reassembly::CloseReason),
}

/// One RTMP connection in the sessions pane.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// Session id.
    pub id: u64,
    /// Client address.
    pub client: SocketAddr,
    /// Server address.
    pub server: SocketAddr,
    /// RTMP, RTMPS, RTMPE or RTMPT.
    pub variant: Variant,
    /// connect's app.
    pub app: Option<String>,
    /// The stream published or played.
    pub stream: Option<String>,
    /// `publisher`, `player` or empty.
    pub role: &'static str,
    /// Open or ended.
    pub state: SessionState,
    /// Body bytes of messages each way (client to server, server to client).
    pub bytes: [u64; 2],
    /// Messages decoded.
    pub messages: u64,
    /// Error statuses (`_error`, level `error`).
    pub errors: u64,
    /// Warnings and gaps.
    pub problems: u64,
    /// First and last event.
    pub first: Timestamp,
    /// Last event.
    pub last: Timestamp,
    /// The latest report (on session end, and periodically while open).
    pub report: Option<Box<SessionReport>>,
    /// Video and audio bytes per second of the first media stream, for the chart.
    pub rates: (Vec<u64>, Vec<u64>),
}

/// Facts about a session learnt from one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    /// connect's app.
    App(String),
    /// publish or play of a stream.
    Stream {
        /// Stream name.
        name: String,
        /// `publisher` or `player`.
        role: &'static str,
    },
    /// An error status.
    Error,
}

/// What the decoding thread tells the UI.
#[derive(Debug, Clone)]
pub enum Update {
    /// A new session.
    SessionStarted {
        /// Session id.
        id: u64,
        /// Client address.
        client: SocketAddr,
        /// Server address.
        server: SocketAddr,
        /// Its variant.
        variant: Variant,
        /// When.
        time: Timestamp,
    },
    /// A message, warning or gap.
    Row(Box<MessageRow>),
    /// Something learnt about a session.
    Fact(u64, Fact),
    /// A session ended.
    SessionEnded(u64, crate::reassembly::CloseReason, Timestamp),
    /// A fresh report of a session, with its media rates.
    Report(u64, Box<SessionReport>, (Vec<u64>, Vec<u64>)),
    /// Capture counters.
    Counters {
        /// Packets read.
        packets: u64,
        /// Bytes read.
        bytes: u64,
        /// Packets the kernel dropped (live).
        drops: u64,
    },
    /// A line for the status bar (export progress, capture warnings).
    Status(String),
    /// The input ended (file read to its end, or capture stopped).
    Done,
}

/// Everything received so far.
#[derive(Debug, Default)]
pub struct Model {
    /// Sessions in order of discovery.
    pub sessions: Vec<SessionRow>,
    /// Session id to its index in `sessions`.
    session_index: HashMap<u64, usize>,
    /// Every row, in arrival order.
    pub rows: Vec<MessageRow>,
    /// Packets, bytes and kernel drops so far.
    pub packets: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Kernel drops (live).
    pub drops: u64,
    /// The latest status line.
    pub status: Option<String>,
    /// The input has ended.
    pub done: bool,
}

impl Model {
    /// Applies one update.
    pub fn apply(&mut self, update: Update) {
        match update {
            Update::SessionStarted {
                id,
                client,
                server,
                variant,
                time,
            } => {
                self.session_index.insert(id, self.sessions.len());
                self.sessions.push(SessionRow {
                    id,
                    client,
                    server,
                    variant,
                    app: None,
                    stream: None,
                    role: "",
                    state: SessionState::Open,
                    bytes: [0; 2],
                    messages: 0,
                    errors: 0,
                    problems: 0,
                    first: time,
                    last: time,
                    report: None,
                    rates: (Vec::new(), Vec::new()),
                });
            }
            Update::Row(row) => {
                if let Some(session) = self.session_mut(row.session) {
                    session.last = session.last.max(row.time);
                    match row.kind {
                        RowKind::Warning | RowKind::Gap => session.problems += 1,
                        _ => {
                            session.messages += 1;
                            if let Some(dir) = row.dir {
                                *dir.of_mut(&mut session.bytes) += u64::from(row.length);
                            }
                        }
                    }
                }
                self.rows.push(*row);
            }
            Update::Fact(id, fact) => {
                if let Some(session) = self.session_mut(id) {
                    match fact {
                        Fact::App(app) => session.app = Some(app),
                        Fact::Stream { name, role } => {
                            session.stream = Some(name);
                            session.role = role;
                        }
                        Fact::Error => session.errors += 1,
                    }
                }
            }
            Update::SessionEnded(id, reason, time) => {
                if let Some(session) = self.session_mut(id) {
                    session.state = SessionState::Ended(reason);
                    session.last = session.last.max(time);
                }
            }
            Update::Report(id, report, rates) => {
                if let Some(session) = self.session_mut(id) {
                    session.report = Some(report);
                    session.rates = rates;
                }
            }
            Update::Counters {
                packets,
                bytes,
                drops,
            } => {
                self.packets = packets;
                self.bytes = bytes;
                self.drops = drops;
            }
            Update::Status(line) => self.status = Some(line),
            Update::Done => self.done = true,
        }
    }

    /// The session with this id.
    pub fn session(&self, id: u64) -> Option<&SessionRow> {
        self.session_index
            .get(&id)
            .and_then(|&index| self.sessions.get(index))
    }

    fn session_mut(&mut self, id: u64) -> Option<&mut SessionRow> {
        let index = *self.session_index.get(&id)?;
        self.sessions.get_mut(index)
    }
}
