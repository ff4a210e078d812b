//! What the TUI knows: one compact row per session and per message, built from the updates
//! the decoding thread sends. Nothing here knows about the terminal.
//!
//! Memory is bounded: the message rows and the sessions are charged, in bytes, to the
//! history's part of `--memory-cap` ([`TuiMemory`], a [`MemoryBudget`] of its own), and at most
//! [`MAX_SESSIONS`] sessions are kept; past either, the oldest go (rows in blocks, so the cost
//! is paid rarely) and the status bar counts them. An audio or video row holds its tag header
//! inline and no heap memory at all: its one-line summary is rebuilt from those bytes when it
//! is shown or searched.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::net::SocketAddr;

use crate::amf::AmfLimits;
use crate::analysis::{SessionReport, StreamCharts};
use crate::common::budget::{Charge, MemoryBudget};
use crate::common::fasthash::FastHashMap;
use crate::common::{Direction, Timestamp};
use crate::output::describe::MessageSummary;
use crate::rtmp::decode::decode_message;
use crate::rtmp::message::{MessageHeader, MessageTypeId};
use crate::session::event::ExportEvent;
use crate::session::variant::Variant;
use crate::tui::expert::{Expert, ExpertEntry};
use crate::tui::time::ActiveTime;

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

/// Most rows a storage block holds: rows are kept in blocks so that growing never copies them
/// all, and the oldest can be dropped a block at a time.
pub const BLOCK_ROWS: usize = 1 << 16;
/// Fewest rows a block holds (a small budget gets small blocks, so that dropping one loses
/// little).
const MIN_BLOCK_ROWS: usize = 1 << 10;
/// A budget is shared by at least this many blocks' worth of rows (when it is big enough).
const BLOCKS_PER_BUDGET: usize = 16;
/// The part of the history's budget the message rows may take (half of `--memory-cap`).
pub const ROWS_SHARE: f64 = 0.8;
/// The part of the history's budget the sessions may take (an eighth of `--memory-cap`).
pub const SESSIONS_SHARE: f64 = 0.2;
/// Eighths of `--memory-cap` the TUI's history takes: the history is what the TUI is for.
const HISTORY_EIGHTHS: u64 = 5;
/// Rows worth of budget of [`Model::default`] (64 full blocks of audio and video rows).
pub const MAX_ROWS: usize = 64 * BLOCK_ROWS;
/// Bytes a row costs besides its heap: the row itself.
const ROW_BYTES: usize = std::mem::size_of::<MessageRow>();
/// The history charges its budget this many bytes at a time (less when the budget is short).
const CHARGE_STEP: usize = 64 << 10;
/// Bookkeeping of the heap allocations of a text row (its box, summary, body and fields: the
/// allocator's headers).
const TEXT_ROW_OVERHEAD: usize = 64;

/// Every row kept, addressed by its arrival number (which stays valid when older rows go).
///
/// Its bytes (each row and its heap) are charged to a [`MemoryBudget`], and take at most
/// [`ROWS_SHARE`] of it, so the sessions sharing it always keep room: when a row does not fit,
/// the oldest blocks go until it does; when nothing is left and it still does not, the row is
/// counted as dropped without being kept. Beyond the budget, only the unused capacity of the
/// newest block is held: at most [`BLOCK_ROWS`] × 72 bytes (4.5 MiB).
///
/// Every block but the newest is full and blocks hold a power of two of rows, so a row is
/// found from its arrival number with a shift and a mask.
#[derive(Debug)]
pub struct RowStore {
    blocks: VecDeque<Block>,
    /// Arrival number of the first row kept (the first of the oldest block).
    first: usize,
    /// Rows kept.
    len: usize,
    /// A block holds `1 << shift` rows at most.
    shift: u32,
    /// Most bytes the rows may be charged for.
    limit: usize,
    /// The bytes the rows hold: charged to the budget ahead of need, in steps of
    /// [`CHARGE_STEP`], so that most rows cost no atomic operation.
    charge: Charge,
    /// Of `charge`, the bytes the rows hold.
    used: usize,
}

/// A run of rows, and the bytes charged for them.
#[derive(Debug)]
struct Block {
    rows: Vec<MessageRow>,
    bytes: usize,
}

impl Default for RowStore {
    fn default() -> Self {
        RowStore::new(MAX_ROWS)
    }
}

impl RowStore {
    /// A store with room for `max` audio or video rows (rounded up to whole blocks of
    /// [`BLOCK_ROWS`]), on a budget of its own.
    pub fn new(max: usize) -> Self {
        let bytes = max.div_ceil(BLOCK_ROWS).max(1) * BLOCK_ROWS * ROW_BYTES;
        RowStore::with_blocks(MemoryBudget::new(bytes).charge(), BLOCK_ROWS, bytes)
    }

    /// A store charging at most [`ROWS_SHARE`] of `budget`, in blocks of about a sixteenth of
    /// that (a power of two within 1024..=[`BLOCK_ROWS`] rows).
    pub fn within(budget: &MemoryBudget) -> Self {
        let limit = share(budget, ROWS_SHARE);
        let block_rows = (limit / BLOCKS_PER_BUDGET / ROW_BYTES).clamp(MIN_BLOCK_ROWS, BLOCK_ROWS);
        RowStore::with_blocks(budget.charge(), block_rows, limit)
    }

    /// A store in blocks of `block_rows` rows, rounded down to a power of two.
    fn with_blocks(charge: Charge, block_rows: usize, limit: usize) -> Self {
        RowStore {
            blocks: VecDeque::new(),
            first: 0,
            len: 0,
            shift: block_rows.max(1).ilog2(),
            limit,
            charge,
            used: 0,
        }
    }

    /// Rows a block holds at most.
    fn block_rows(&self) -> usize {
        1 << self.shift
    }

    /// Bytes the rows kept are charged for.
    pub fn bytes(&self) -> usize {
        self.used
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
            .get(relative >> self.shift)?
            .rows
            .get(relative & (self.block_rows() - 1))
    }

    /// The rows kept from arrival number `start` on, in order, with their arrival numbers
    /// (walking the blocks, not looking each row up).
    pub fn from(&self, start: usize) -> impl Iterator<Item = (usize, &MessageRow)> {
        let start = start.max(self.first);
        let relative = start - self.first;
        let offset = relative & (self.block_rows() - 1);
        let rows = self
            .blocks
            .iter()
            .skip(relative >> self.shift)
            .enumerate()
            .flat_map(move |(k, block)| {
                let skip = if k == 0 { offset } else { 0 };
                block.rows.get(skip..).unwrap_or_default()
            });
        (start..).zip(rows)
    }

    /// Adds a row, dropping the oldest blocks while the budget has no room for it (or, with
    /// nothing left to drop, counting it as dropped).
    pub fn push(&mut self, row: MessageRow) {
        let bytes = cost(&row);
        while !self.reserve(bytes) {
            if !self.drop_oldest() {
                // Not kept: it takes an arrival number, already before the first kept.
                self.first += 1;
                return;
            }
        }
        let block_rows = self.block_rows();
        match self.blocks.back_mut() {
            Some(block) if block.rows.len() < block_rows => {
                block.rows.push(row);
                block.bytes += bytes;
            }
            _ => {
                let mut rows = Vec::with_capacity(block_rows);
                rows.push(row);
                self.blocks.push_back(Block { rows, bytes });
            }
        }
        self.len += 1;
    }

    /// Drops the oldest block and gives its bytes back; false when there was none.
    fn drop_oldest(&mut self) -> bool {
        let Some(dropped) = self.blocks.pop_front() else {
            return false;
        };
        self.first += dropped.rows.len();
        self.len -= dropped.rows.len();
        self.used -= dropped.bytes;
        // Keeps one step in hand (the next rows need it), gives back the rest.
        self.charge
            .shrink(self.charge.bytes().saturating_sub(self.used + CHARGE_STEP));
        true
    }

    /// Makes room for `bytes` more within the limit and the budget; false when there is none.
    fn reserve(&mut self, bytes: usize) -> bool {
        let wanted = self.used + bytes;
        if wanted > self.limit {
            return false;
        }
        let held = self.charge.bytes();
        if wanted > held {
            let step = (wanted - held).max(CHARGE_STEP).min(self.limit - held);
            if !self.charge.try_grow(step) && !self.charge.try_grow(wanted - held) {
                return false;
            }
        }
        self.used = wanted;
        true
    }
}

/// How the TUI shares `--memory-cap`: 5/8 for its history (the rows [`ROWS_SHARE`] of it, the
/// sessions [`SESSIONS_SHARE`]), the other 3/8 for the decoding, shared out as in every other
/// mode ([`crate::pipeline::MemorySplit`]). Two budgets, so that neither can starve the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TuiMemory {
    /// The whole cap, MiB (named when the history drops rows).
    pub cap_mib: u64,
    /// The decoding's part, MiB (for [`crate::pipeline::Decoding::within_memory`]).
    pub decoding_mib: u64,
    /// The history's part, bytes.
    pub history: usize,
}

impl TuiMemory {
    /// The split of `cap_mib` MiB.
    pub fn of(cap_mib: u64) -> Self {
        let history_mib = cap_mib.saturating_mul(HISTORY_EIGHTHS) / 8;
        TuiMemory {
            cap_mib,
            decoding_mib: cap_mib - history_mib,
            history: usize::try_from(history_mib << 20).unwrap_or(usize::MAX),
        }
    }
}

/// `part` of `budget`'s limit, in bytes.
fn share(budget: &MemoryBudget, part: f64) -> usize {
    (budget.limit() as f64 * part) as usize
}

/// Bytes a session is charged for: itself, its media rates and its report (its vectors'
/// elements; the strings inside are not counted).
fn session_cost(session: &SessionRow) -> usize {
    use crate::analysis::{Finding, StatusEntry, StreamReport};
    use std::mem::size_of;
    let rates = size_of::<StreamCharts>() + session.charts.len() * size_of::<u64>();
    let report = session.report.as_ref().map_or(0, |report| {
        size_of::<SessionReport>()
            + report.streams.len() * size_of::<StreamReport>()
            + report.status.len() * size_of::<StatusEntry>()
            + report.findings.len() * size_of::<Finding>()
    });
    size_of::<SessionRow>() + rates + report
}

/// Bytes a row is charged for: itself, and its summary and body on the heap.
fn cost(row: &MessageRow) -> usize {
    match &row.content {
        Content::Media { .. } => ROW_BYTES,
        Content::Text(text) => {
            ROW_BYTES
                + TEXT_ROW_OVERHEAD
                + std::mem::size_of::<TextContent>()
                + text.summary.len()
                + text.body.len()
                + text.fields.as_ref().map_or(0, |fields| fields.len())
        }
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
    /// Bytes each way (client to server, server to client): the body bytes of its messages
    /// while it is open, the bytes its connection carried (as its report says) once it ended,
    /// so that RTMPS and RTMPE sessions whose messages stay sealed count theirs too.
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
    /// Time it was active (clock jumps excluded).
    pub active: ActiveTime,
    /// The latest report (on session end, and periodically while open).
    pub report: Option<Box<SessionReport>>,
    /// Its first media stream's charts: video and audio bytes per second of media time, lag
    /// per second of capture time.
    pub charts: Box<StreamCharts>,
    /// FLV files written for it (`--export-flv`, or `e`).
    pub exports: Vec<ExportEvent>,
    /// Bytes it is charged for (see [`Model::within`]).
    cost: usize,
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
            active: ActiveTime::new(time),
            report: None,
            charts: Box::default(),
            exports: Vec::new(),
            cost: 0,
        }
    }

    /// Counts a row of this session.
    fn count(&mut self, row: &MessageRow) {
        self.last = self.last.max(row.time);
        self.active.observe(row.time);
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
    /// The row just sent is a problem for Expert Info (counted even when the history could
    /// not keep the row).
    Problem {
        /// The stable code (a warning code, `gap`, `error_status`).
        code: &'static str,
        /// An error rather than a warning.
        error: bool,
        /// The row's frame.
        frame: u64,
        /// The row's session.
        session: u64,
    },
    /// A session ended.
    SessionEnded(u64, crate::reassembly::CloseReason, Timestamp),
    /// A fresh report of a session, with its media rates.
    Report(u64, Box<SessionReport>, Box<StreamCharts>),
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
    session_index: FastHashMap<u64, usize>,
    /// Sessions dropped to stay within [`MAX_SESSIONS`] or their share of the budget.
    pub sessions_dropped: usize,
    /// The bytes the sessions are charged for, and the most they may be.
    sessions_charge: Charge,
    sessions_limit: usize,
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
    /// Time of the capture's first event: times are shown since then, as the text output does.
    pub origin: Option<Timestamp>,
    /// Every warning, gap and error status, by code.
    pub expert: Expert,
    /// The `--memory-cap` (MiB) the history is kept within, to name when rows were dropped.
    pub memory_cap: Option<u64>,
}

impl Default for Model {
    fn default() -> Self {
        Model::new(MAX_ROWS, MAX_SESSIONS)
    }
}

impl Model {
    /// A model with room for `max_rows` audio or video rows (rounded up to whole blocks) and
    /// `max_sessions` sessions.
    pub fn new(max_rows: usize, max_sessions: usize) -> Self {
        let sessions = MemoryBudget::unlimited().charge();
        Model::with_rows(RowStore::new(max_rows), max_sessions, sessions, usize::MAX)
    }

    /// The TUI's model under `--memory-cap` (`memory`): its history within its part of the cap,
    /// naming the cap when it drops rows.
    pub fn under(memory: TuiMemory) -> Self {
        let mut model = Model::within(&MemoryBudget::new(memory.history));
        model.memory_cap = Some(memory.cap_mib);
        model
    }

    /// A model whose rows and sessions are charged to `budget`: at most [`ROWS_SHARE`] of it
    /// for the rows and [`SESSIONS_SHARE`] for the sessions (and [`MAX_SESSIONS`] of them).
    pub fn within(budget: &MemoryBudget) -> Self {
        let sessions = budget.charge();
        let limit = share(budget, SESSIONS_SHARE);
        Model::with_rows(RowStore::within(budget), MAX_SESSIONS, sessions, limit)
    }

    fn with_rows(
        rows: RowStore,
        max_sessions: usize,
        sessions_charge: Charge,
        sessions_limit: usize,
    ) -> Self {
        Model {
            sessions_charge,
            sessions_limit,
            sessions: Vec::new(),
            max_sessions: max_sessions.max(1),
            session_index: FastHashMap::default(),
            sessions_dropped: 0,
            rows,
            packets: 0,
            bytes: 0,
            drops: 0,
            status: None,
            done: false,
            origin: None,
            expert: Expert::default(),
            memory_cap: None,
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
                self.origin.get_or_insert(time);
                if self.sessions.len() >= self.max_sessions {
                    self.drop_oldest_sessions(self.max_sessions.div_ceil(10));
                }
                self.session_index.insert(id, self.sessions.len());
                self.sessions
                    .push(SessionRow::new(id, client, server, variant, time));
                self.recharge(id);
            }
            Update::Row(row) => {
                self.origin.get_or_insert(row.time);
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
            Update::Problem {
                code,
                error,
                frame,
                session,
            } => {
                let entry = ExpertEntry {
                    row: self.rows.end().saturating_sub(1),
                    frame,
                    session,
                };
                self.expert.add(code, error, entry);
            }
            Update::SessionEnded(id, reason, time) => {
                if let Some(session) = self.session_mut(id) {
                    session.state = SessionState::Ended(reason);
                    session.last = session.last.max(time);
                    session.active.observe(time);
                }
            }
            Update::Report(id, report, charts) => {
                if let Some(session) = self.session_mut(id) {
                    if report.end_reason.is_some() {
                        session.bytes = [report.bytes_c2s, report.bytes_s2c];
                    }
                    session.report = Some(report);
                    session.charts = charts;
                }
                self.recharge(id);
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

    /// Charges session `id` for what it holds now, dropping the oldest sessions while the
    /// sessions' share of the budget has no room (it may go itself).
    fn recharge(&mut self, id: u64) {
        let Some(session) = self.session_mut(id) else {
            return;
        };
        let cost = session_cost(session);
        let old = std::mem::replace(&mut session.cost, 0);
        self.sessions_charge.shrink(old);
        loop {
            let fits = self.sessions_charge.bytes() + cost <= self.sessions_limit;
            if fits && self.sessions_charge.try_grow(cost) {
                break;
            }
            if self.sessions.len() <= 1 {
                // Nothing else to give way: this one is kept uncharged.
                return;
            }
            self.drop_oldest_sessions(self.sessions.len().div_ceil(10));
        }
        if let Some(session) = self.session_mut(id) {
            session.cost = cost;
        } else {
            self.sessions_charge.shrink(cost);
        }
    }

    fn drop_oldest_sessions(&mut self, count: usize) {
        let count = count.min(self.sessions.len());
        let freed: usize = self.sessions.drain(..count).map(|s| s.cost).sum();
        self.sessions_charge.shrink(freed);
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
    fn the_history_stays_within_its_memory_budget() {
        let budget = MemoryBudget::new(4 << 20);
        let mut store = RowStore::within(&budget);
        // Another holder (the sessions) takes a fifth of the budget.
        let mut sessions = budget.charge();
        assert!(sessions.try_grow((4 << 20) / 5));
        let rows = 100_000;
        for n in 0..rows {
            let summary = format!("{n:0>100}");
            let row = MessageRow::note(n, Timestamp(0), 1, RowKind::Warning, None, summary);
            store.push(row);
            assert!(budget.used() <= budget.limit());
            // The rest of the budget stays for the sessions.
            assert!(store.bytes() as f64 <= budget.limit() as f64 * ROWS_SHARE);
        }
        // The oldest went, in blocks; the newest are kept and addressable.
        assert_eq!(store.end(), rows as usize);
        assert!(store.first() > rows as usize / 2, "{}", store.first());
        assert!(store.len() > 1000, "{}", store.len());
        assert_eq!(store.get(store.end() - 1).map(|r| r.frame), Some(rows - 1));
        assert_eq!(
            store.get(store.first()).map(|r| r.frame),
            Some(store.first() as u64)
        );
        assert!(store.get(store.first() - 1).is_none());
        // Walking from any row finds what looking each up finds, to the newest.
        for start in [0, store.first() + 1, store.first() + 1500, store.end() - 1] {
            let walked: Vec<(usize, u64)> = store.from(start).map(|(i, r)| (i, r.frame)).collect();
            let looked: Vec<(usize, u64)> = (start.max(store.first())..store.end())
                .map(|i| (i, store.get(i).map_or(u64::MAX, |r| r.frame)))
                .collect();
            assert_eq!(walked, looked, "from {start}");
            assert!(walked.iter().all(|&(i, frame)| i as u64 == frame));
        }
        assert_eq!(store.from(store.end()).count(), 0);
        // The store holds at most one step of budget ahead of its rows.
        let held = budget.used() - sessions.bytes();
        assert!(held >= store.bytes() && held <= store.bytes() + CHARGE_STEP);
        // With the budget all taken elsewhere, rows are counted as dropped, not kept.
        drop(store);
        assert_eq!(budget.used(), sessions.bytes());
        let mut starved = RowStore::within(&budget);
        assert!(sessions.try_grow(budget.limit() - budget.used()));
        starved.push(media_row(1));
        assert_eq!((starved.first(), starved.len(), starved.end()), (1, 0, 1));
    }

    #[test]
    fn sessions_stay_within_their_share_of_the_budget() {
        let budget = MemoryBudget::new(4 << 20);
        let mut model = Model::within(&budget);
        let address: SocketAddr = "127.0.0.1:1935".parse().unwrap();
        for id in 1..=5000 {
            model.apply(Update::SessionStarted {
                id,
                client: address,
                server: address,
                variant: Variant::Rtmp,
                time: Timestamp(0),
            });
            assert!(budget.used() as f64 <= budget.limit() as f64 * SESSIONS_SHARE);
        }
        // About 800 sessions of 1 KiB fit in 0.8 MiB; the oldest went, a tenth at a time.
        assert!(model.sessions_dropped > 3000, "{}", model.sessions_dropped);
        assert_eq!(model.sessions_dropped + model.sessions.len(), 5000);
        assert_eq!(model.session(5000).map(|s| s.id), Some(5000));
        drop(model);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn the_tui_gives_its_history_five_eighths_of_the_memory_cap() {
        let memory = TuiMemory::of(1024);
        assert_eq!(memory.cap_mib, 1024);
        assert_eq!(memory.decoding_mib, 384);
        assert_eq!(memory.history, 640 << 20);
        let model = Model::under(memory);
        assert_eq!(model.memory_cap, Some(1024));
        // Half the cap for the rows: a 1 GiB capture's 2.5 million rows fit.
        assert_eq!(model.rows.limit, 512 << 20);
        assert_eq!(model.sessions_limit, 128 << 20);
        let small = TuiMemory::of(8);
        assert_eq!((small.decoding_mib, small.history), (3, 5 << 20));
    }

    #[test]
    fn a_problem_is_counted_even_when_its_row_is_not_kept() {
        let budget = MemoryBudget::new(1 << 20);
        let mut elsewhere = budget.charge();
        assert!(elsewhere.try_grow(1 << 20));
        let mut model = Model::within(&budget);
        let row = MessageRow::note(9, Timestamp(0), 1, RowKind::Gap, None, "gap".into());
        model.apply(Update::Row(row));
        model.apply(Update::Problem {
            code: crate::tui::expert::GAP,
            error: false,
            frame: 9,
            session: 1,
        });
        assert!(model.rows.is_empty());
        assert_eq!(model.expert.total(), 1);
        let entry = model.expert.groups()[0].entries[0];
        assert_eq!((entry.frame, entry.session), (9, 1));
        assert!(model.rows.get(entry.row).is_none());
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
