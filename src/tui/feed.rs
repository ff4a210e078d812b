//! The decoding side of the TUI: a sink that turns events into [`Update`]s and sends them, in
//! batches, to the UI thread; and the thread that runs the pipeline into it.

use std::collections::{HashMap, HashSet};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::model::{Fact, MessageRow, RowKind, Update, MAX_KEPT_BODY, MEDIA_KEPT_BODY};
use crate::analysis::SessionAnalysis;
use crate::capture::Source;
use crate::event::{Event, EventKind, EventSink, MessageEvent, Notice};
use crate::output::describe::EventSummary;
use crate::pipeline::{run, RunOptions};
use crate::reassembly::{Reassembler, ReassemblyConfig};
use crate::redact::Redactor;
use crate::rtmp::amf::AmfValue;
use crate::rtmp::message::MessageBody;
use crate::rtmp::sessions::{DecoderConfig, SessionTable};

/// Updates are sent at least this often, so a live view stays current.
const FLUSH_INTERVAL: Duration = Duration::from_millis(30);
/// Or when this many are waiting.
const FLUSH_BATCH: usize = 1024;
/// Open sessions' reports are refreshed this often.
const REPORT_INTERVAL: Duration = Duration::from_millis(500);

/// Turns events into updates for the UI.
pub struct Feed {
    tx: Sender<Vec<Update>>,
    batch: Vec<Update>,
    last_flush: Instant,
    analyses: HashMap<u64, SessionAnalysis>,
    changed: HashSet<u64>,
    last_report: Instant,
}

impl Feed {
    /// A feed sending to `tx`.
    pub fn new(tx: Sender<Vec<Update>>) -> Self {
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

/// A report update: the session's report and the media rates of its first stream.
fn report_update(id: u64, analysis: &SessionAnalysis) -> Update {
    let report = analysis.report();
    let rates = report
        .streams
        .first()
        .and_then(|stream| analysis.per_second(stream.msid))
        .map(|(video, audio)| (video.to_vec(), audio.to_vec()))
        .unwrap_or_default();
    Update::Report(id, Box::new(report), rates)
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
                for fact in facts(message) {
                    self.push(Update::Fact(event.session, fact));
                }
                self.push(Update::Row(Box::new(row(event, Some(message)))));
            }
            EventKind::Handshake(_)
            | EventKind::TlsHandshake(_)
            | EventKind::Gap(_)
            | EventKind::Warning(_) => {
                self.push(Update::Row(Box::new(row(event, None))));
            }
            EventKind::SessionEnd(end) => {
                self.push(Update::SessionEnded(event.session, end.reason, event.time));
                if let Some(analysis) = self.analyses.remove(&event.session) {
                    self.changed.remove(&event.session);
                    self.push(report_update(event.session, &analysis));
                }
            }
            EventKind::Export(export) if export.state == "finished" => {
                self.push(Update::Status(format!("exported {}", export.path)));
            }
            _ => {}
        }
    }

    fn notice(&mut self, notice: &Notice) {
        self.push(Update::Status(format!(
            "{}: {}",
            notice.code, notice.message
        )));
    }
}

/// The row of a message, handshake, warning or gap.
fn row(event: &Event<'_>, message: Option<&MessageEvent<'_>>) -> MessageRow {
    let summary = EventSummary(event).to_string().into_boxed_str();
    let (kind, dir) = match &event.kind {
        EventKind::Gap(gap) => (RowKind::Gap, Some(gap.dir)),
        EventKind::Warning(warning) => (RowKind::Warning, warning.dir),
        EventKind::Message(message) => (kind_of(&message.message.body), Some(message.dir)),
        _ => (RowKind::Control, None),
    };
    let mut row = MessageRow {
        frame: event.frame,
        time: event.time,
        session: event.session,
        dir,
        csid: 0,
        msid: 0,
        timestamp: 0,
        type_id: 0,
        length: 0,
        kind,
        summary,
        body: Box::new([]),
    };
    if let Some(message) = message {
        let header = &message.message.header;
        row.csid = header.csid;
        row.msid = header.msid;
        row.timestamp = header.timestamp;
        row.type_id = header.type_id.0;
        row.length = header.length;
        let keep = if header.type_id.is_media() {
            MEDIA_KEPT_BODY
        } else {
            MAX_KEPT_BODY
        };
        row.body = message
            .payload
            .get(..keep)
            .unwrap_or(message.payload)
            .into();
    }
    row
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

/// Runs the pipeline on its own thread; updates arrive on the returned receiver, and a final
/// [`Update::Done`] when the input ends or `options.stop` is raised.
pub fn spawn(
    mut source: Source,
    (reassembly, config): (ReassemblyConfig, DecoderConfig),
    redact: bool,
    options: RunOptions,
) -> Receiver<Vec<Update>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut reassembler = Reassembler::new(reassembly);
        let feed = Feed::new(tx.clone());
        let mut table = SessionTable::new(config, Redactor::new(feed, redact));
        let summary = run(&mut source, &mut reassembler, &mut table, &options);
        let mut feed = table.into_sink().into_inner();
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
    rx
}
