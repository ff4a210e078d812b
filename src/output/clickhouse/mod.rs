//! The ClickHouse sink (`--clickhouse URL`): every event and session report as a row, sent in
//! batches from a thread of its own, so the pipeline never waits for the network.
//!
//! How nothing is lost:
//! - Rows are collected per table into a batch, sealed at [`Settings::batch_rows`] rows,
//!   [`Settings::batch_bytes`] bytes or [`Settings::batch_interval`] after its first row, and
//!   handed to the sender threads ([`Settings::senders`], each with its own connection, as a
//!   server parses one insert on one core) through a bounded queue. When the queue is full
//!   (the server is slow), the pipeline writes the batch to the disk spool instead of waiting.
//! - The sender sends each batch as one `INSERT … FORMAT JSONEachRow`. A batch that fails goes
//!   to the spool, and the server is tried again after a backoff (0.5 s doubling to 30 s);
//!   meanwhile new batches go straight to the spool. When the server answers again the spool
//!   is sent, oldest first; it is also picked up by the next run.
//! - A batch sent again is not stored twice: each insert runs in a server session of its own
//!   that the server forgets soon after; before a batch is sent again the sender waits until
//!   the session of its last insert is gone (so that insert can no longer run), then asks
//!   which of its rows (`batch_id`, `batch_row`) are stored and sends only the others
//!   (`sender`'s documentation has the details, and the one case left).
//! - The spool is bounded ([`Settings::spool_cap`]); only past it are the oldest batches
//!   dropped, each with a counted warning. Memory is bounded by the batch size times the queue.
//! - [`ClickHouseSink::finish`] sends or spools everything and says what could not be: at
//!   exit the spool is sent for as long as the server keeps taking batches, and left for the
//!   next run once it has taken none for [`Settings::exit_wait`].

mod batch;
pub mod http;
mod row;
pub mod schema;
mod sender;
mod spool;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::analysis::{Live, LiveHeader, ReportSink, SessionReport};
use crate::common::{CommunityId, Notice};
use crate::session::event::{Event, EventSink, Flat};

use batch::{Batch, Builder, Table};
use http::{Client, ServerUrl};
use sender::Sender;
use spool::Spool;

/// The sensor name when none is given: the host name.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// The spool folder when none is given: `$XDG_STATE_HOME/rtmpscope/spool`, else
/// `~/.local/state/rtmpscope/spool`, else `/var/spool/rtmpscope`.
pub fn default_spool_dir() -> PathBuf {
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state")));
    match state {
        Some(state) => state.join("rtmpscope/spool"),
        None => PathBuf::from("/var/spool/rtmpscope"),
    }
}

/// How the sink batches, spools and reaches the server.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The server and database.
    pub url: ServerUrl,
    /// This capture point's name, on every row.
    pub sensor: String,
    /// Where batches wait while the server cannot take them.
    pub spool_dir: PathBuf,
    /// Most bytes the spool holds.
    pub spool_cap: u64,
    /// A batch is sent when it has this many rows...
    pub batch_rows: u32,
    /// ...or this many bytes...
    pub batch_bytes: usize,
    /// ...or this long after its first row.
    pub batch_interval: Duration,
    /// Batches waiting in memory for the senders; more go to the spool.
    pub queue_batches: usize,
    /// Sender threads, each with its own connection: a server parses each insert on one core.
    pub senders: usize,
    /// Timeout of each connect, read and write.
    pub timeout: Duration,
    /// At exit, the spool is sent while the server takes it; after this long without a batch
    /// taken, the rest is left for the next run.
    pub exit_wait: Duration,
    /// Say nothing on stderr while running (under the TUI); the outcome still tells.
    pub quiet: bool,
}

impl Settings {
    /// The defaults: 10 000 rows, 8 MiB or 1 s a batch, 4 batches queued, 1 GiB of spool.
    pub fn new(url: ServerUrl, sensor: String, spool_dir: PathBuf) -> Self {
        Settings {
            url,
            sensor,
            spool_dir,
            spool_cap: 1 << 30,
            batch_rows: 10_000,
            batch_bytes: 8 << 20,
            batch_interval: Duration::from_secs(1),
            queue_batches: 4,
            senders: 2,
            timeout: Duration::from_secs(30),
            exit_wait: Duration::from_secs(5),
            quiet: false,
        }
    }
}

/// What became of the rows, at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Rows the server stored.
    pub sent_rows: u64,
    /// Rows waiting in the spool (sent by a later run).
    pub spooled_rows: u64,
    /// Rows lost: dropped from a full spool, or that could not be written to it.
    pub dropped_rows: u64,
    /// The spool folder.
    pub spool_dir: PathBuf,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "clickhouse: {} rows stored, {} rows spooled in {}, {} rows dropped",
            self.sent_rows,
            self.spooled_rows,
            self.spool_dir.display(),
            self.dropped_rows
        )
    }
}

/// The batches being filled (one per table, in [`Table::ALL`] order), and where batch ids
/// come from.
struct Pending {
    builders: [Builder; 3],
    ids: IdSource,
}

/// Batch ids: `sensor-pid-start-sequence`, unique across processes and restarts.
struct IdSource {
    prefix: String,
    next: u64,
}

impl IdSource {
    fn new(sensor: &str) -> Self {
        let safe: String = sensor
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(64)
            .collect();
        let start = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_micros());
        IdSource {
            prefix: format!("{safe}-{}-{start:x}", std::process::id()),
            next: 0,
        }
    }

    fn next(&mut self) -> String {
        self.next = self.next.wrapping_add(1);
        format!("{}-{}", self.prefix, self.next)
    }
}

impl Pending {
    /// Empty batches for every table.
    fn new(mut ids: IdSource) -> Self {
        let builders = Table::ALL.map(|table| Builder::new(table, ids.next()));
        Pending { builders, ids }
    }

    fn builder(&mut self, table: Table) -> &mut Builder {
        &mut self.builders[table.index()]
    }

    /// Seals `table`'s batch.
    fn take_one(&mut self, table: Table) -> Option<Batch> {
        let Pending { builders, ids } = self;
        builders[table.index()].take(|| ids.next())
    }

    /// Seals the batches older than `due`, or all of them (`None`).
    fn take(&mut self, due: Option<Duration>) -> Vec<Batch> {
        let Pending { builders, ids } = self;
        builders
            .iter_mut()
            .filter(|b| due.is_none_or(|due| b.started.is_some_and(|s| s.elapsed() >= due)))
            .filter_map(|b| b.take(|| ids.next()))
            .collect()
    }
}

/// What the pipeline thread and the sender share.
struct Shared {
    pending: Mutex<Pending>,
    spool: Mutex<Spool>,
    sent_rows: AtomicU64,
    quiet: bool,
    /// The server was said to be unreachable (said once for all senders, until it answers).
    said_down: AtomicBool,
    /// Tables lacking columns were named (once for all senders).
    said_lacking: AtomicBool,
}

impl Shared {
    fn pending(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn spool(&self) -> MutexGuard<'_, Spool> {
        self.spool.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps a batch on disk (a failure is counted by the spool and said once here).
    fn spool_batch(&self, batch: &Batch) {
        let mut spool = self.spool();
        if let Err(error) = spool.put(batch) {
            let dir = spool.dir().display().to_string();
            drop(spool);
            self.say(&format!(
                "cannot spool {} rows in {dir}: {error}",
                batch.rows
            ));
        }
    }

    /// A line on stderr, unless quiet.
    fn say(&self, text: &str) {
        if !self.quiet {
            eprintln!("rtmpscope: clickhouse: {text}");
        }
    }

    /// What became of the rows so far.
    fn outcome(&self) -> Outcome {
        let spool = self.spool();
        Outcome {
            sent_rows: self.sent_rows.load(Ordering::Relaxed),
            spooled_rows: spool.rows(),
            dropped_rows: spool.dropped_rows,
            spool_dir: spool.dir().to_path_buf(),
        }
    }
}

/// A view of a sink's counts that outlives it (the TUI owns the sink and drops it when
/// decoding ends).
#[derive(Clone)]
pub struct Status(Arc<Shared>);

impl Status {
    /// What became of the rows so far (final once the sink is dropped).
    pub fn outcome(&self) -> Outcome {
        self.0.outcome()
    }
}

/// The sink: rows in, batches out to the sender threads.
pub struct ClickHouseSink {
    shared: Arc<Shared>,
    queue: Option<SyncSender<Batch>>,
    senders: Vec<JoinHandle<()>>,
    sensor: String,
    settings: Settings,
    /// The JSON of the current event (reused).
    raw: Vec<u8>,
}

impl ClickHouseSink {
    /// Opens the spool and starts the sender threads (which create the schema when they first
    /// reaches the server). Fails only if the spool folder cannot be used.
    pub fn start(settings: Settings) -> std::io::Result<Self> {
        let spool = Spool::open(&settings.spool_dir, settings.spool_cap, settings.quiet)?;
        let waiting = spool.rows();
        if waiting > 0 && !settings.quiet {
            eprintln!(
                "rtmpscope: clickhouse: {waiting} rows from an earlier run wait in {}; sending them first",
                settings.spool_dir.display()
            );
        }
        let pending = Pending::new(IdSource::new(&settings.sensor));
        let shared = Arc::new(Shared {
            pending: Mutex::new(pending),
            spool: Mutex::new(spool),
            sent_rows: AtomicU64::new(0),
            quiet: settings.quiet,
            said_down: AtomicBool::new(false),
            said_lacking: AtomicBool::new(false),
        });
        let (queue, receiver) = mpsc::sync_channel(settings.queue_batches.max(1));
        let receiver = Arc::new(Mutex::new(receiver));
        let mut senders = Vec::new();
        for n in 0..settings.senders.max(1) {
            let sender = Sender::new(
                Arc::clone(&shared),
                Client::new(settings.url.clone(), settings.timeout),
                Arc::clone(&receiver),
                settings.batch_interval,
                settings.exit_wait,
            );
            senders.push(
                std::thread::Builder::new()
                    .name(format!("clickhouse-{n}"))
                    .spawn(move || sender.run())?,
            );
        }
        Ok(ClickHouseSink {
            shared,
            queue: Some(queue),
            senders,
            sensor: settings.sensor.clone(),
            settings,
            raw: Vec::new(),
        })
    }

    /// Appends a row to `table`'s batch; hands the batch over when it is full.
    fn push(
        &mut self,
        table: Table,
        time_us: i64,
        write: impl FnOnce(&str, u32, &mut Vec<u8>) -> bool,
    ) {
        let full = {
            let mut pending = self.shared.pending();
            let builder = pending.builder(table);
            builder.push(time_us, write);
            if builder.rows() >= self.settings.batch_rows
                || builder.bytes() >= self.settings.batch_bytes
            {
                pending.take_one(table)
            } else {
                None
            }
        };
        if let Some(batch) = full {
            self.hand_over(batch);
        }
    }

    /// Gives a sealed batch to the sender, or to the spool when the sender is behind.
    fn hand_over(&self, batch: Batch) {
        let Some(queue) = &self.queue else {
            self.shared.spool_batch(&batch);
            return;
        };
        match queue.try_send(batch) {
            Ok(()) => {}
            Err(TrySendError::Full(batch) | TrySendError::Disconnected(batch)) => {
                self.shared.spool_batch(&batch);
            }
        }
    }

    /// Serialises `value` as the current event's JSON line (what `--json` prints).
    fn raw_json(&mut self, value: &impl Serialize) -> bool {
        self.raw.clear();
        serde_json::to_writer(&mut self.raw, value).is_ok()
    }

    /// Sends or spools everything, waits for the sender, and says what became of the rows.
    pub fn finish(mut self) -> Outcome {
        self.close();
        self.shared.outcome()
    }

    /// A view of the counts that stays valid after the sink is handed away.
    pub fn status(&self) -> Status {
        Status(Arc::clone(&self.shared))
    }

    /// Hands the last batches over and waits for the sender (once).
    fn close(&mut self) {
        let batches = self.shared.pending().take(None);
        match &self.queue {
            Some(queue) => {
                for batch in batches {
                    if let Err(mpsc::SendError(batch)) = queue.send(batch) {
                        self.shared.spool_batch(&batch);
                    }
                }
            }
            None => batches.iter().for_each(|b| self.shared.spool_batch(b)),
        }
        self.queue = None;
        for sender in self.senders.drain(..) {
            if sender.join().is_err() {
                self.shared.say("a sender thread failed");
            }
        }
    }
}

impl Drop for ClickHouseSink {
    /// An early exit (an error elsewhere) still sends or spools every row.
    fn drop(&mut self) {
        self.close();
    }
}

/// Writes `row` as JSON into `body`.
fn write_row(row: &impl Serialize, body: &mut Vec<u8>) -> bool {
    serde_json::to_writer(body, row).is_ok()
}

/// Writes a row given its sensor, its JSON line, its batch id and its place in the batch.
type RowWriter<'r> = &'r mut dyn FnMut(&str, &str, &str, u32, &mut Vec<u8>) -> bool;

impl ClickHouseSink {
    /// Adds a row to `table` at `time_us` whose `raw` is `line`'s JSON (what `--json` prints),
    /// written by `write`.
    fn store(&mut self, table: Table, time_us: i64, line: &impl Serialize, write: RowWriter<'_>) {
        if !self.raw_json(line) {
            return;
        }
        let raw = std::mem::take(&mut self.raw);
        let sensor = std::mem::take(&mut self.sensor);
        let text = std::str::from_utf8(&raw).unwrap_or("");
        self.push(table, time_us, |batch_id, batch_row, body| {
            write(&sensor, text, batch_id, batch_row, body)
        });
        self.raw = raw;
        self.sensor = sensor;
    }
}

impl EventSink for ClickHouseSink {
    fn event(&mut self, event: &Event<'_>) {
        let id = CommunityId::of(&event.endpoints);
        self.store(
            Table::Events,
            event.time.0,
            event,
            &mut |sensor, raw, batch_id, batch_row, body| {
                let mut row = row::event_row(event, sensor, id.as_str(), raw);
                row.batch_id = batch_id;
                row.batch_row = batch_row;
                write_row(&row, body)
            },
        );
    }

    fn notice(&mut self, notice: &Notice) {
        let now_us = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        let time_us = notice.time.map_or(now_us, |time| time.0);
        self.store(
            Table::Events,
            time_us,
            &notice.as_event(),
            &mut |sensor, raw, batch_id, batch_row, body| {
                let mut row = row::notice_row(notice, now_us, sensor, raw);
                row.batch_id = batch_id;
                row.batch_row = batch_row;
                write_row(&row, body)
            },
        );
    }
}

impl ReportSink for ClickHouseSink {
    fn report(&mut self, ended: &Event<'_>, report: &SessionReport) {
        let id = CommunityId::of(&ended.endpoints);
        self.store(
            Table::Summaries,
            ended.time.0,
            &ended.with_body("session_summary", report),
            &mut |sensor, raw, batch_id, batch_row, body| {
                let mut row = row::summary_row(ended, report, sensor, id.as_str(), raw);
                row.batch_id = batch_id;
                row.batch_row = batch_row;
                write_row(&row, body)
            },
        );
    }

    /// `stream_stats` lines to their table; `finding` lines to `events`.
    fn live(&mut self, header: &LiveHeader, line: Live<'_>) {
        let id = CommunityId::of(&header.endpoints);
        let at = (header.frame, header.time);
        let (session, ends, variant) = (header.session, header.endpoints, header.variant);
        match line {
            Live::Stats(stats) => self.store(
                Table::StreamStats,
                header.time.0,
                &Flat::new(line.name(), at, session, ends, variant, stats),
                &mut |sensor, raw, batch_id, batch_row, body| {
                    let mut row = row::stats_row(header, stats, sensor, id.as_str(), raw);
                    row.batch_id = batch_id;
                    row.batch_row = batch_row;
                    write_row(&row, body)
                },
            ),
            Live::Finding(finding) => self.store(
                Table::Events,
                header.time.0,
                &Flat::new(line.name(), at, session, ends, variant, finding),
                &mut |sensor, raw, batch_id, batch_row, body| {
                    let mut row = row::finding_row(header, finding, sensor, id.as_str(), raw);
                    row.batch_id = batch_id;
                    row.batch_row = batch_row;
                    write_row(&row, body)
                },
            ),
        }
    }
}
