//! The interactive terminal UI (`--tui`): sessions, messages, a details tree, the bytes, and
//! per-session statistics, on a file or live.
//!
//! The decoder runs on its own thread ([`feed`]) and sends batches of [`model::Update`]s; the
//! UI thread applies them to the [`app::App`] state, reads keys ([`input`]) and redraws
//! ([`ui`]) about twenty times a second, never waiting on the capture. The terminal is restored
//! on quit, on error and on panic.

pub mod app;
pub mod details;
pub mod feed;
pub mod input;
pub mod model;
pub mod ui;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;
use std::time::Duration;

use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;

use self::app::App;
use self::model::Update;
use crate::capture::Source;
use crate::event::{Event, EventSink};
use crate::output::flv::FlvExporter;
use crate::pipeline::{run as run_pipeline, PacketCounters, RunOptions};
use crate::reassembly::{Reassembler, ReassemblyConfig};
use crate::rtmp::sessions::{DecoderConfig, SessionTable};

/// How long the UI waits for a key before it redraws.
const FRAME: Duration = Duration::from_millis(50);
/// Where `e` exports when no `--export-flv` directory was given.
const DEFAULT_EXPORT_DIR: &str = "rtmpscope-export";

/// What the TUI runs on.
pub struct TuiOptions {
    /// The file (for re-reading on export), or None when live.
    pub file: Option<PathBuf>,
    /// The name shown in the status bar.
    pub source_name: String,
    /// Decoder settings.
    pub config: DecoderConfig,
    /// Reassembly bounds.
    pub reassembly: ReassemblyConfig,
    /// Mask keys and tokens.
    pub redact: bool,
    /// Where `e` writes FLV files.
    pub export_dir: Option<PathBuf>,
    /// Raised by Ctrl-C outside raw mode (and by the UI when it quits).
    pub stop: Arc<AtomicBool>,
}

/// Runs the UI until the user quits.
pub fn run(source: Source, options: TuiOptions) -> anyhow::Result<()> {
    let live = source.is_live();
    let counters = Arc::new(PacketCounters::default());
    let run_options = RunOptions {
        count: None,
        stop: Arc::clone(&options.stop),
        progress: false,
        counters: Some(Arc::clone(&counters)),
    };
    let updates = feed::spawn(
        source,
        (options.reassembly, options.config.clone()),
        options.redact,
        run_options,
    );
    let mut app = App::new(options.source_name.clone(), live);
    let mut terminal = ratatui::init();
    let _ = execute!(std::io::stdout(), EnableMouseCapture);
    let outcome = ui_loop(&mut terminal, &mut app, &updates, &counters, &options);
    let _ = execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::restore();
    options.stop.store(true, Ordering::Relaxed);
    outcome
}

fn ui_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    updates: &Receiver<Vec<Update>>,
    counters: &PacketCounters,
    options: &TuiOptions,
) -> anyhow::Result<()> {
    let (status_tx, status_rx) = std::sync::mpsc::channel::<Vec<Update>>();
    while !app.quit && !options.stop.load(Ordering::Relaxed) {
        drain(app, updates);
        drain(app, &status_rx);
        if !app.model.done {
            app.model.packets = counters.packets.load(Ordering::Relaxed);
            app.model.bytes = counters.bytes.load(Ordering::Relaxed);
            app.model.drops = counters.drops.load(Ordering::Relaxed);
        }
        terminal.draw(|frame| app.areas = ui::draw(frame, app))?;
        if event::poll(FRAME)? {
            let event = event::read()?;
            if let Some(action) = input::action(&event, app.editing.is_some()) {
                app.act(action);
            }
        }
        if let Some(session) = app.export_request.take() {
            start_export(session, options, status_tx.clone());
        }
    }
    Ok(())
}

/// Applies whatever has arrived, without waiting.
fn drain(app: &mut App, updates: &Receiver<Vec<Update>>) {
    loop {
        match updates.try_recv() {
            Ok(batch) => app.receive(batch),
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => return,
        }
    }
}

/// Exports one session's streams by reading the file again on another thread (the UI keeps
/// only tag headers of media, so the bytes come from the file).
fn start_export(session: u64, options: &TuiOptions, status: std::sync::mpsc::Sender<Vec<Update>>) {
    let say = move |line: String| {
        let _ = status.send(vec![Update::Status(line)]);
    };
    let Some(file) = options.file.clone() else {
        say("export reads the capture again, so it works on files: save the live traffic (tcpdump -w, or rtmpscope --export-flv DIR without --tui)".into());
        return;
    };
    let dir = options
        .export_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_EXPORT_DIR));
    let mut config = options.config.clone();
    config.session.chunk.keep_media_payloads = true;
    let redact = options.redact;
    say(format!("exporting session {session} to {}…", dir.display()));
    std::thread::spawn(
        move || match export_session(&file, &dir, session, config, redact) {
            Ok(files) => say(format!(
                "exported session {session}: {files} file(s) in {}",
                dir.display()
            )),
            Err(error) => say(format!("export failed: {error:#}")),
        },
    );
}

/// Decodes `file` again and writes the streams of `session` as FLV into `dir`.
pub fn export_session(
    file: &Path,
    dir: &Path,
    session: u64,
    config: DecoderConfig,
    redact: bool,
) -> anyhow::Result<usize> {
    let mut source = Source::open_file(file, None)?;
    let exporter = FlvExporter::new(dir, CountExports::default())?.silent();
    let only = OnlySession {
        session,
        inner: exporter,
    };
    let mut table = SessionTable::new(config, crate::redact::Redactor::new(only, redact));
    let mut reassembler = Reassembler::default();
    run_pipeline(
        &mut source,
        &mut reassembler,
        &mut table,
        &RunOptions::default(),
    );
    let counted = table.into_sink().into_inner().inner.finish();
    Ok(counted.0)
}

/// Passes on the events of one session only.
struct OnlySession<S> {
    session: u64,
    inner: S,
}

impl<S: EventSink> EventSink for OnlySession<S> {
    fn event(&mut self, event: &Event<'_>) {
        if event.session == self.session {
            self.inner.event(event);
        }
    }
}

/// Counts the files an exporter finished.
#[derive(Default)]
struct CountExports(usize);

impl EventSink for CountExports {
    fn event(&mut self, event: &Event<'_>) {
        if let crate::event::EventKind::Export(export) = &event.kind {
            if export.state == "finished" {
                self.0 += 1;
            }
        }
    }
}
