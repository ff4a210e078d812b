//! The decoding side of the TUI: a sink that turns events into [`Update`]s and sends them, in
//! batches, to the UI thread; and the thread that runs the pipeline into it.

use crate::common::escape::Escaped;
use std::collections::{HashMap, HashSet};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::expert;
use super::model::{
    Content, Fact, MessageRow, RowKind, TextContent, Update, MAX_KEPT_BODY, MEDIA_KEPT_BODY,
};
use crate::amf::AmfValue;
use crate::analysis::{Analyzer, ReportSink, SessionAnalysis};
use crate::capture::Source;
use crate::common::{Direction, Notice, Timestamp};
use crate::output::describe::EventSummary;
/// How the capture is decoded for the UI (the pipeline's settings).
pub use crate::pipeline::Decoding;
use crate::pipeline::RunOptions;
use crate::rtmp::media::is_sequence_header;
use crate::rtmp::message::{MessageBody, MessageTypeId};
use crate::session::event::{Event, EventKind, EventSink, MessageEvent};

/// Updates are sent at least this often, so a live view stays current.
const FLUSH_INTERVAL: Duration = Duration::from_millis(30);
/// Or when this many are waiting.
const FLUSH_BATCH: usize = 1024;
/// Batches sent and not yet taken by the UI: past it the decoder waits, so a UI that falls
/// behind (a slow terminal, a busy machine) holds at most this many (64 K updates), not the
/// whole capture.
const MAX_BATCHES_IN_FLIGHT: usize = 64;
/// Open sessions' reports are refreshed this often.
const REPORT_INTERVAL: Duration = Duration::from_millis(500);

/// Turns events into updates for the UI.
pub struct Feed {
    tx: SyncSender<Vec<Update>>,
    batch: Vec<Update>,
    last_flush: Instant,
    analyses: HashMap<u64, SessionAnalysis>,
    changed: HashSet<u64>,
    last_report: Instant,
}

impl Feed {
    /// A feed sending to `tx`.
    pub fn new(tx: SyncSender<Vec<Update>>) -> Self {
        Feed {
            tx,
            batch: Vec::with_capacity(FLUSH_BATCH),
            last_flush: Instant::now(),
            analyses: HashMap::new(),
            changed: HashSet::new(),
            last_report: Instant::now(),
        }
    }

    /// Sends what is waiting (and fresh reports of the sessions that changed).
    pub fn flush(&mut self) {
        if self.last_report.elapsed() >= REPORT_INTERVAL {
            self.last_report = Instant::now();
            for id in std::mem::take(&mut self.changed) {
                if let Some(analysis) = self.analyses.get(&id) {
                    self.batch.push(report_update(id, analysis));
                }
            }
        }
        if !self.batch.is_empty() {
            // A closed channel means the UI has gone: nothing left to show.
            let _ = self.tx.send(std::mem::take(&mut self.batch));
        }
        self.last_flush = Instant::now();
    }

    fn push(&mut self, update: Update) {
        self.batch.push(update);
        if self.batch.len() >= FLUSH_BATCH || self.last_flush.elapsed() >= FLUSH_INTERVAL {
            self.flush();
        }
    }
}

/// A report update: the session's report and the charts of its first stream.
fn report_update(id: u64, analysis: &SessionAnalysis) -> Update {
    let report = analysis.report();
    let charts = report
        .streams
        .first()
        .and_then(|stream| analysis.per_second(stream.msid))
        .unwrap_or_default();
    Update::Report(id, Box::new(report), Box::new(charts))
}

impl EventSink for Feed {
    fn event(&mut self, event: &Event<'_>) {
        if let EventKind::SessionStart(start) = &event.kind {
            self.analyses
                .insert(event.session, SessionAnalysis::new(event.time, start));
            self.push(Update::SessionStarted {
                id: event.session,
                client: event.endpoints.client,
                server: event.endpoints.server,
                variant: start.variant,
                time: event.time,
            });
            return;
        }
        if let Some(analysis) = self.analyses.get_mut(&event.session) {
            analysis.event(event);
            self.changed.insert(event.session);
        }
        match &event.kind {
            EventKind::Message(message) => {
                let mut error = false;
                for fact in facts(message) {
                    error |= fact == Fact::Error;
                    self.push(Update::Fact(event.session, fact));
                }
                self.push(Update::Row(row(event, Some(message))));
                if error {
                    self.push(Update::Problem {
                        code: expert::ERROR_STATUS,
                        error: true,
                        frame: event.frame,
                        session: event.session,
                    });
                }
            }
            EventKind::Handshake(_) | EventKind::TlsHandshake(_) => {
                self.push(Update::Row(row(event, None)));
            }
            EventKind::Gap(_) | EventKind::Warning(_) => {
                self.push(Update::Row(row(event, None)));
                let code = match &event.kind {
                    EventKind::Warning(warning) => warning.code.as_str(),
                    _ => expert::GAP,
                };
                self.push(Update::Problem {
                    code,
                    error: false,
                    frame: event.frame,
                    session: event.session,
                });
            }
            EventKind::SessionEnd(end) => {
                self.push(Update::SessionEnded(event.session, end.reason, event.time));
                if let Some(analysis) = self.analyses.remove(&event.session) {
                    self.changed.remove(&event.session);
                    self.push(report_update(event.session, &analysis));
                }
            }
            EventKind::Export(export) => {
                if export.state == "finished" {
                    self.push(Update::Status(format!(
                        "exported {}",
                        Escaped(&export.path)
                    )));
                }
                self.push(Update::Export(event.session, Box::new(export.clone())));
            }
            _ => {}
        }
    }

    fn notice(&mut self, notice: &Notice) {
        self.push(Update::Status(format!(
            "{}: {}",
            notice.code,
            Escaped(&notice.message)
        )));
    }

    /// A quiet live capture: what is waiting goes now, not with the next event (the end of
    /// the last session would otherwise never show).
    fn tick(&mut self, _now: Timestamp) {
        self.flush();
    }
}

/// What a handshake, TLS hello, warning or gap row keeps: its summary, its fields as its JSON
/// line has them, and for a handshake the C0, C1, S0 and S1 they were read from.
fn event_content(event: &Event<'_>) -> Content {
    let (fields, body) = match &event.kind {
        EventKind::Handshake(handshake) => (
            serde_json::to_value(handshake),
            handshake.first_blocks.clone(),
        ),
        EventKind::TlsHandshake(tls) => (serde_json::to_value(tls), None),
        EventKind::Warning(warning) => (serde_json::to_value(warning), None),
        EventKind::Gap(gap) => (serde_json::to_value(gap), None),
        _ => (Ok(serde_json::Value::Null), None),
    };
    let mut named = serde_json::Map::new();
    if let Ok(fields) = fields {
        named.insert(event.kind.name().to_owned(), fields);
    }
    Content::Text(Box::new(TextContent {
        summary: EventSummary(event).to_string().into_boxed_str(),
        body: body.unwrap_or_default(),
        fields: serde_json::to_string(&named)
            .ok()
            .map(String::into_boxed_str),
    }))
}

/// The row of a message, handshake, warning or gap.
fn row(event: &Event<'_>, message: Option<&MessageEvent<'_>>) -> MessageRow {
    let Some(message) = message else {
        let (kind, dir) = match &event.kind {
            EventKind::Gap(gap) => (RowKind::Gap, Some(gap.dir)),
            EventKind::Warning(warning) => (RowKind::Warning, warning.dir),
            _ => (RowKind::Handshake, None),
        };
        let mut row =
            MessageRow::note(event.frame, event.time, event.session, kind, dir, "".into());
        row.content = event_content(event);
        return row;
    };
    let header = &message.message.header;
    let first = |n: usize| message.payload.get(n).copied();
    let is_config = header.type_id.is_media()
        && first(0).is_some_and(|byte0| {
            is_sequence_header(header.type_id == MessageTypeId::VIDEO, byte0, first(1))
        });
    // Decoder configurations are rare and worth reading whole (codec, profile, size).
    let content = if header.type_id.is_media() && !is_config {
        // The summary is rebuilt from the tag header when shown: no heap memory per frame.
        let mut prefix = [0; MEDIA_KEPT_BODY];
        let kept = message.payload.len().min(MEDIA_KEPT_BODY);
        if let (Some(to), Some(from)) = (prefix.get_mut(..kept), message.payload.get(..kept)) {
            to.copy_from_slice(from);
        }
        Content::Media {
            prefix,
            kept: kept as u8,
        }
    } else {
        Content::text(
            EventSummary(event).to_string(),
            message
                .payload
                .get(..MAX_KEPT_BODY)
                .unwrap_or(message.payload),
        )
    };
    MessageRow {
        frame: event.frame,
        time: event.time,
        session: event.session,
        csid: header.csid,
        msid: header.msid,
        timestamp: header.timestamp,
        length: header.length,
        type_id: header.type_id.0,
        kind: kind_of(&message.message.body),
        dir: Some(message.dir),
        content,
    }
}

/// The colour class of a message body.
pub fn kind_of(body: &MessageBody) -> RowKind {
    match body {
        MessageBody::Audio(_) => RowKind::Audio,
        MessageBody::Video(_) => RowKind::Video,
        MessageBody::Command(_) => RowKind::Command,
        MessageBody::Data(_) | MessageBody::SharedObject(_) => RowKind::Data,
        MessageBody::Aggregate { .. } | MessageBody::Raw { .. } => RowKind::Other,
        _ => RowKind::Control,
    }
}

/// What a message says about its session (app, stream, role, errors).
fn facts(message: &MessageEvent<'_>) -> Vec<Fact> {
    if message.flags.joined && message.message.header.type_id.is_media() {
        // Picked up mid-stream: the role from the media's direction, marked as such.
        return vec![Fact::Joined(match message.dir {
            Direction::ClientToServer => "joined publisher",
            Direction::ServerToClient => "joined player",
        })];
    }
    let MessageBody::Command(command) = &message.message.body else {
        return Vec::new();
    };
    let first_string = || command.args.iter().find_map(AmfValue::as_str);
    match command.command.as_str() {
        "connect" => command
            .command_object
            .get("app")
            .and_then(AmfValue::as_str)
            .map(|app| vec![Fact::App(app.to_owned())])
            .unwrap_or_default(),
        "publish" | "play" => first_string()
            .map(|name| {
                vec![Fact::Stream {
                    name: name.to_owned(),
                    role: if command.command == "publish" {
                        "publisher"
                    } else {
                        "player"
                    },
                }]
            })
            .unwrap_or_default(),
        "_error" => vec![Fact::Error],
        "onStatus"
            if command
                .args
                .iter()
                .any(|arg| arg.get("level").and_then(AmfValue::as_str) == Some("error")) =>
        {
            vec![Fact::Error]
        }
        _ => Vec::new(),
    }
}

/// The decoding thread: its updates, and its handle (join it so files being written are
/// finished before the process exits).
pub struct Decoder {
    /// Updates, in batches; the last is [`Update::Done`].
    pub updates: Receiver<Vec<Update>>,
    /// The thread.
    pub thread: JoinHandle<()>,
}

/// Runs the pipeline on its own thread; updates arrive on the returned receiver, and a final
/// [`Update::Done`] when the input ends or `options.stop` is raised. Fails only when the
/// export directory cannot be created.
pub fn spawn(source: Source, decoding: Decoding, options: RunOptions) -> anyhow::Result<Decoder> {
    spawn_with(source, decoding, options, None)
}

/// As [`spawn`], also feeding `also` every event and every session report (the ClickHouse
/// sink beside the UI); it is dropped, and so finishes, when decoding ends.
pub fn spawn_with(
    mut source: Source,
    decoding: Decoding,
    options: RunOptions,
    also: Option<Box<dyn ReportSink + Send>>,
) -> anyhow::Result<Decoder> {
    let (tx, updates) = std::sync::mpsc::sync_channel(MAX_BATCHES_IN_FLIGHT);
    // The chain is built on the thread that runs it; whether it could be is told back.
    let (built_tx, built) = std::sync::mpsc::sync_channel(1);
    let thread = std::thread::spawn(move || {
        // With FLV export the decoder keeps whole media bodies; the feed only their headers.
        let decoding = Decoding {
            quiet: true,
            ..decoding
        };
        let sinks = Sinks {
            feed: Feed::new(tx),
            also: also.map(|also| Analyzer::new(also, true)),
        };
        let mut chain = match decoding.chain(sinks) {
            Ok(chain) => chain,
            Err(error) => {
                let _ = built_tx.send(Err(error));
                return;
            }
        };
        let _ = built_tx.send(Ok(()));
        let summary = chain.run(&mut source, &options);
        let Sinks { mut feed, also } = chain.finish();
        // Sends or spools what the other sink still holds before the UI is told it is done.
        drop(also);
        let counters = options.counters.as_ref().map_or(Arc::default(), Arc::clone);
        feed.push(Update::Counters {
            packets: summary.packets,
            bytes: summary.bytes,
            drops: summary.live.map_or(
                counters.drops.load(std::sync::atomic::Ordering::Relaxed),
                |l| u64::from(l.dropped),
            ),
        });
        feed.push(Update::Done);
        feed.flush();
    });
    match built.recv() {
        Ok(Ok(())) => Ok(Decoder { updates, thread }),
        Ok(Err(error)) => {
            let _ = thread.join();
            Err(error)
        }
        Err(_) => {
            let _ = thread.join();
            anyhow::bail!("the decoding thread stopped before it started")
        }
    }
}

/// The UI's feed, and another sink fed beside it.
struct Sinks {
    feed: Feed,
    also: Option<Analyzer<Box<dyn ReportSink + Send>>>,
}

impl EventSink for Sinks {
    fn event(&mut self, event: &Event<'_>) {
        self.feed.event(event);
        if let Some(also) = &mut self.also {
            also.event(event);
        }
    }

    fn notice(&mut self, notice: &Notice) {
        self.feed.notice(notice);
        if let Some(also) = &mut self.also {
            also.notice(notice);
        }
    }

    fn tick(&mut self, now: Timestamp) {
        self.feed.tick(now);
        if let Some(also) = &mut self.also {
            also.tick(now);
        }
    }
}
