//! What the TUI knows: one compact row per session and per message, built from the updates
//! the decoding thread sends. Nothing here knows about the terminal.
//!
//! Memory is bounded: at most [`MAX_ROWS`] message rows and [`MAX_SESSIONS`] sessions are
//! kept; past either, the oldest go (in blocks, so the cost is paid rarely) and the status bar
//! counts them. An audio or video row holds its tag header inline and no heap memory at all:
//! its one-line summary is rebuilt from those bytes when it is shown or searched.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;

use crate::amf::AmfLimits;
use crate::analysis::SessionReport;
use crate::common::{Direction, Timestamp};
use crate::output::describe::MessageSummary;
use crate::rtmp::decode::decode_message;
use crate::rtmp::message::{MessageHeader, MessageTypeId};
use crate::session::event::ExportEvent;
use crate::session::variant::Variant;

/// How a message row is coloured and filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// The handshake.
    Handshake,
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

impl RowKind {
    /// The name the type column shows and the filter matches for rows that are not messages.
    pub fn name(self) -> Option<&'static str> {
        match self {
            RowKind::Handshake => Some("handshake"),
            RowKind::Warning => Some("warning"),
            RowKind::Gap => Some("gap"),
            _ => None,
        }
    }
}

/// Body bytes kept of an audio or video message: its tag header (legacy or Enhanced RTMP with
/// FourCC and composition time), enough to rebuild its summary and details.
pub const MEDIA_KEPT_BODY: usize = 16;
/// Most body bytes a command, data or control row keeps (the rest is counted, not shown).
pub const MAX_KEPT_BODY: usize = 4096;

/// What a row keeps besides its header fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Audio or video: the first bytes of the body, inline (no heap memory).
    Media {
        /// The bytes; only the first `kept` count.
        prefix: [u8; MEDIA_KEPT_BODY],
        /// How many of `prefix` are body bytes.
        kept: u8,
    },
    /// Anything else, on the heap (so that audio and video rows stay small).
    Text(Box<TextContent>),
}

impl Content {
    /// A row's summary and kept body, with no event fields.
    pub fn text(summary: impl Into<Box<str>>, body: impl Into<Box<[u8]>>) -> Content {
        Content::Text(Box::new(TextContent {
            summary: summary.into(),
            body: body.into(),
            fields: None,
        }))
    }
}

/// What a row that is not audio or video keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextContent {
    /// The one-line summary as the decoder wrote it (with what it knew then, such as the
    /// command a `_result` answers).
    pub summary: Box<str>,
    /// The body bytes kept (at most [`MAX_KEPT_BODY`]); for a handshake, its C0, C1, S0
    /// and S1 when seen whole.
    pub body: Box<[u8]>,
    /// A handshake's, TLS hello's, warning's or gap's fields as its JSON line has them,
    /// under the event's name (`{"handshake":{"c0_version":3,…}}`), as JSON text (a
    /// fraction of the memory of a parsed value; the details tree parses it when the row
    /// is selected); None for messages.
    pub fields: Option<Box<str>>,
}

/// One message (or handshake, warning or gap) in the messages pane: 72 bytes, plus for rows
/// that are not audio or video one heap block with their summary, kept body and (for
/// events) fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRow {
    /// Frame that completed it.
    pub frame: u64,
    /// Capture time.
    pub time: Timestamp,
    /// Session id.
    pub session: u64,
    /// Chunk stream id (messages only).
    pub csid: u32,
    /// Message stream id.
    pub msid: u32,
    /// RTMP timestamp.
    pub timestamp: u32,
    /// Body length, as announced.
    pub length: u32,
    /// Message type id (0 for rows that are not messages).
    pub type_id: u8,
    /// Colour and filter class.
    pub kind: RowKind,
    /// Direction, when it has one.
    pub dir: Option<Direction>,
    /// Summary and body bytes.
    pub content: Content,
}

impl MessageRow {
    /// A row that is not a message (handshake, warning, gap): a summary only.
    pub fn note(
        frame: u64,
        time: Timestamp,
        session: u64,
        kind: RowKind,
        dir: Option<Direction>,
        summary: String,
    ) -> Self {
        MessageRow {
            frame,
            time,
            session,
            csid: 0,
            msid: 0,
            timestamp: 0,
            length: 0,
            type_id: 0,
            kind,
            dir,
            content: Content::text(summary, Vec::new()),
        }
    }

    /// True for rows that are RTMP messages.
    pub fn is_message(&self) -> bool {
        self.kind.name().is_none()
    }

    /// The message header the row was decoded with.
    pub fn header(&self) -> MessageHeader {
        MessageHeader {
            csid: self.csid,
            msid: self.msid,
            timestamp: self.timestamp,
            type_id: MessageTypeId(self.type_id),
            length: self.length,
        }
    }

    /// The body bytes kept.
    pub fn body(&self) -> &[u8] {
        match &self.content {
            Content::Media { prefix, kept } => prefix.get(..usize::from(*kept)).unwrap_or(prefix),
            Content::Text(text) => &text.body,
        }
    }

    /// The one-line description (rebuilt from the tag header for audio and video).
    pub fn summary(&self) -> Cow<'_, str> {
        match &self.content {
            Content::Text(text) => Cow::Borrowed(&text.summary),
            Content::Media { .. } => {
                let message = decode_message(self.header(), self.body(), &AmfLimits::default());
                Cow::Owned(MessageSummary(&message).to_string())
            }
        }
    }

    /// The name of its type: the message type's, or handshake, warning, gap.
    pub fn type_name(&self) -> &'static str {
        self.kind
            .name()
            .unwrap_or_else(|| MessageTypeId(self.type_id).name())
    }
}

/// Rows per storage block: rows are kept in blocks so that growing never copies them all,
/// and the oldest can be dropped a block at a time.
pub const BLOCK_ROWS: usize = 1 << 16;
/// Most rows kept (64 blocks: about 300 MB when most are audio and video); past it the
/// oldest block goes.
pub const MAX_ROWS: usize = 64 * BLOCK_ROWS;

/// Every row kept, addressed by its arrival number (which stays valid when older rows go).
#[derive(Debug)]
pub struct RowStore {
    blocks: VecDeque<Vec<MessageRow>>,
    /// Arrival number of the first row kept.
    first: usize,
    /// Rows kept.
    len: usize,
    /// Most rows kept (a multiple of [`BLOCK_ROWS`]).
    max: usize,
}

impl Default for RowStore {
    fn default() -> Self {
        RowStore::new(MAX_ROWS)
    }
}

impl RowStore {
    /// A store keeping at most `max` rows (rounded up to whole blocks).
    pub fn new(max: usize) -> Self {
        RowStore {
            blocks: VecDeque::new(),
            first: 0,
            len: 0,
            max: max.div_ceil(BLOCK_ROWS).max(1) * BLOCK_ROWS,
        }
    }

    /// Arrival number of the oldest row kept (rows before it were dropped).
    pub fn first(&self) -> usize {
        self.first
    }

    /// Arrival number the next row will get.
    pub fn end(&self) -> usize {
        self.first + self.len
    }

    /// Rows kept.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no row is kept.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The row with arrival number `index`, if kept.
    pub fn get(&self, index: usize) -> Option<&MessageRow> {
        let relative = index.checked_sub(self.first)?;
        self.blocks
            .get(relative / BLOCK_ROWS)?
            .get(relative % BLOCK_ROWS)
    }

    /// Adds a row, dropping the oldest block when the store is full.
    pub fn push(&mut self, row: MessageRow) {
        if self.len >= self.max {
            if let Some(dropped) = self.blocks.pop_front() {
                self.first += dropped.len();
                self.len -= dropped.len();
            }
        }
        match self.blocks.back_mut() {
            Some(block) if block.len() < BLOCK_ROWS => block.push(row),
            _ => {
                let mut block = Vec::with_capacity(BLOCK_ROWS);
                block.push(row);
                self.blocks.push_back(block);
            }
        }
        self.len += 1;
    }
}

/// Whether a session is still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Still receiving.
    Open,
    /// Ended (FIN, RST, timeout, end of capture).
    Ended(crate::reassembly::CloseReason),
}

/// Slots of [`SessionRow::by_type`]: one per type id up to 22 (aggregate), then one for any
/// higher, unknown, id.
pub const TYPE_SLOTS: usize = 24;

/// Messages and body bytes of one message type, each way (client to server first).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TypeCount {
    /// Messages each way.
    pub messages: [u64; 2],
    /// Body bytes each way.
    pub bytes: [u64; 2],
}

/// Most export records kept per session.
const MAX_EXPORTS_PER_SESSION: usize = 64;

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
    /// Messages and bytes by type id (see [`TYPE_SLOTS`]).
    pub by_type: [TypeCount; TYPE_SLOTS],
    /// Error statuses (`_error`, level `error`).
    pub errors: u64,
    /// Warnings and gaps.
    pub problems: u64,
    /// First event.
    pub first: Timestamp,
    /// Last event.
    pub last: Timestamp,
    /// The latest report (on session end, and periodically while open).
    pub report: Option<Box<SessionReport>>,
    /// Video and audio bytes per second of media time of its first media stream.
    pub rates: (Vec<u64>, Vec<u64>),
    /// FLV files written for it (`--export-flv`, or `e`).
    pub exports: Vec<ExportEvent>,
}

impl SessionRow {
    fn new(
        id: u64,
        client: SocketAddr,
        server: SocketAddr,
        variant: Variant,
        time: Timestamp,
    ) -> Self {
        SessionRow {
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
            by_type: [TypeCount::default(); TYPE_SLOTS],
            errors: 0,
            problems: 0,
            first: time,
            last: time,
            report: None,
            rates: (Vec::new(), Vec::new()),
            exports: Vec::new(),
        }
    }

    /// Counts a row of this session.
    fn count(&mut self, row: &MessageRow) {
        self.last = self.last.max(row.time);
        match row.kind {
            RowKind::Warning | RowKind::Gap => self.problems += 1,
            RowKind::Handshake => {}
            _ => {
                self.messages += 1;
                if let Some(dir) = row.dir {
                    let length = u64::from(row.length);
                    *dir.of_mut(&mut self.bytes) += length;
                    let slot = usize::from(row.type_id).min(TYPE_SLOTS - 1);
                    if let Some(count) = self.by_type.get_mut(slot) {
                        *dir.of_mut(&mut count.messages) += 1;
                        *dir.of_mut(&mut count.bytes) += length;
                    }
                }
            }
        }
    }

    /// Records an export event: a `finished` one replaces the `started` one of its file.
    fn export(&mut self, export: ExportEvent) {
        if let Some(known) = self.exports.iter_mut().find(|e| e.path == export.path) {
            *known = export;
        } else if self.exports.len() < MAX_EXPORTS_PER_SESSION {
            self.exports.push(export);
        }
    }
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
    /// The session was picked up mid-stream (no publish or play seen): the role its media's
    /// direction suggests, marked `joined`.
    Joined(&'static str),
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
    /// A message, handshake, warning or gap.
    Row(MessageRow),
    /// Something learnt about a session.
    Fact(u64, Fact),
    /// A session ended.
    SessionEnded(u64, crate::reassembly::CloseReason, Timestamp),
    /// A fresh report of a session, with its media rates.
    Report(u64, Box<SessionReport>, (Vec<u64>, Vec<u64>)),
    /// An FLV file of a session was started or finished.
    Export(u64, Box<ExportEvent>),
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

/// Most sessions kept; past it the oldest tenth go.
pub const MAX_SESSIONS: usize = 100_000;

/// Everything received so far.
#[derive(Debug)]
pub struct Model {
    /// Sessions in order of discovery.
    pub sessions: Vec<SessionRow>,
    /// Most sessions kept.
    max_sessions: usize,
    /// Session id to its index in `sessions`.
    session_index: HashMap<u64, usize>,
    /// Sessions dropped to stay within [`MAX_SESSIONS`].
    pub sessions_dropped: usize,
    /// Every row kept, in arrival order.
    pub rows: RowStore,
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

impl Default for Model {
    fn default() -> Self {
        Model::new(MAX_ROWS, MAX_SESSIONS)
    }
}

impl Model {
    /// A model keeping at most `max_rows` rows (rounded up to whole blocks) and `max_sessions`
    /// sessions.
    pub fn new(max_rows: usize, max_sessions: usize) -> Self {
        Model {
            sessions: Vec::new(),
            max_sessions: max_sessions.max(1),
            session_index: HashMap::new(),
            sessions_dropped: 0,
            rows: RowStore::new(max_rows),
            packets: 0,
            bytes: 0,
            drops: 0,
            status: None,
            done: false,
        }
    }

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
                if self.sessions.len() >= self.max_sessions {
                    self.drop_oldest_sessions(self.max_sessions.div_ceil(10));
                }
                self.session_index.insert(id, self.sessions.len());
                self.sessions
                    .push(SessionRow::new(id, client, server, variant, time));
            }
            Update::Row(row) => {
                if let Some(session) = self.session_mut(row.session) {
                    session.count(&row);
                }
                self.rows.push(row);
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
                        Fact::Joined(role) if session.role.is_empty() => session.role = role,
                        Fact::Joined(_) => {}
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
            Update::Export(id, export) => {
                if let Some(session) = self.session_mut(id) {
                    session.export(*export);
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

    fn drop_oldest_sessions(&mut self, count: usize) {
        let count = count.min(self.sessions.len());
        self.sessions.drain(..count);
        self.sessions_dropped += count;
        self.session_index = self
            .sessions
            .iter()
            .enumerate()
            .map(|(index, session)| (session.id, index))
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media_row(n: u64) -> MessageRow {
        let mut prefix = [0; MEDIA_KEPT_BODY];
        prefix[..2].copy_from_slice(&[0x27, 0x01]);
        MessageRow {
            frame: n,
            time: Timestamp(0),
            session: 1,
            csid: 6,
            msid: 1,
            timestamp: 40,
            length: 1234,
            type_id: 9,
            kind: RowKind::Video,
            dir: Some(Direction::ClientToServer),
            content: Content::Media { prefix, kept: 2 },
        }
    }

    #[test]
    fn media_rows_are_small_and_summarise_themselves() {
        assert!(std::mem::size_of::<MessageRow>() <= 72);
        let row = media_row(1);
        assert_eq!(row.summary(), "Video avc inter NALU 1234 B");
        assert_eq!(row.body(), [0x27, 0x01]);
        assert_eq!(row.type_name(), "video");
    }

    #[test]
    fn the_store_drops_its_oldest_block_when_full() {
        let max = 2 * BLOCK_ROWS;
        let mut store = RowStore::new(max - 5);
        for n in 0..max as u64 + 3 {
            store.push(media_row(n));
        }
        assert_eq!(store.first(), BLOCK_ROWS);
        assert_eq!(store.end(), max + 3);
        assert_eq!(store.len(), max - BLOCK_ROWS + 3);
        assert!(store.get(BLOCK_ROWS - 1).is_none());
        assert_eq!(
            store.get(BLOCK_ROWS).map(|r| r.frame),
            Some(BLOCK_ROWS as u64)
        );
        assert_eq!(store.get(max + 2).map(|r| r.frame), Some(max as u64 + 2));
        assert!(store.get(max + 3).is_none());
    }

    #[test]
    fn sessions_are_capped() {
        let mut model = Model::new(BLOCK_ROWS, 100);
        let address: SocketAddr = "127.0.0.1:1935".parse().unwrap();
        for id in 1..=101 {
            model.apply(Update::SessionStarted {
                id,
                client: address,
                server: address,
                variant: Variant::Rtmp,
                time: Timestamp(0),
            });
        }
        assert_eq!(model.sessions.len(), 91);
        assert_eq!(model.sessions_dropped, 10);
        assert!(model.session(10).is_none());
        assert_eq!(model.session(11).map(|s| s.id), Some(11));
        assert_eq!(model.session(101).map(|s| s.id), Some(101));
        model.apply(Update::Row(media_row(1)));
        assert!(model.session(1).is_none());
    }
}
