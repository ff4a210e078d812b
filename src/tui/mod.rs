//! The interactive terminal UI (`--tui`): sessions, messages, a details tree, the bytes, and
//! per-session statistics, on a file or live.
//!
//! The decoder runs on its own thread ([`feed`]) and sends batches of [`model::Update`]s; the
//! UI thread applies them to the [`app::App`] state, reads keys ([`input`]) and redraws
//! ([`ui`]: one file a pane in [`panes`], every colour in [`theme`]) about twenty times a
//! second, never waiting on the capture. [`terminal`] restores the terminal on quit, on error
//! and on panic. [`export`] writes a session's streams as FLV.

pub mod app;
pub mod clipboard;
pub mod details;
pub mod expert;
pub mod export;
pub mod feed;
pub mod input;
pub mod layout;
pub mod model;
pub mod panes;
pub mod row_filter;
pub mod sort;
pub mod terminal;
#[cfg(feature = "capture")]
pub mod testkit;
pub mod textview;
pub mod theme;
pub mod time;
pub mod ui;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ratatui::crossterm::event;

use self::app::{App, ExportMode};
use self::model::Update;
use crate::capture::Source;
use crate::pipeline::{Decoding, PacketCounters, RunOptions};

/// How long the UI waits for a key before it redraws.
const FRAME: Duration = Duration::from_millis(50);
/// How long it waits for a key while the input is still being read (it takes updates between).
const BUSY_WAIT: Duration = Duration::from_millis(5);

/// What the TUI runs on.
pub struct TuiOptions {
    /// The file (for reading again on export), or None when live or on standard input.
    pub file: Option<PathBuf>,
    /// The name shown in the status bar.
    pub source_name: String,
    /// How the capture is decoded.
    pub decoding: Decoding,
    /// Stop reading after this many packets (`-c`).
    pub count: Option<u64>,
    /// Raised by Ctrl-C outside raw mode (and by the UI when it quits).
    pub stop: Arc<AtomicBool>,
    /// Another sink fed every event and session report beside the UI (`--clickhouse`).
    pub also: Option<Box<dyn crate::analysis::ReportSink + Send>>,
    /// The display filter the messages list starts with (`--filter-messages`).
    pub filter: Option<crate::filter::Filter>,
    /// How `--memory-cap` is shared between the history and the decoding (which
    /// `decoding` was built within).
    pub memory: model::TuiMemory,
}

/// Runs the UI until the user quits. The capture is decoded on its own thread; FLV files being
/// written are finished before this returns. Meant to be the last thing a process does: the
/// history is not freed (see the end).
pub fn run(source: Source, mut options: TuiOptions) -> anyhow::Result<()> {
    let live = source.is_live();
    let file_size = source.file_size();
    let counters = Arc::new(PacketCounters::default());
    let run_options = RunOptions {
        count: options.count,
        stop: Arc::clone(&options.stop),
        progress: false,
        counters: Some(Arc::clone(&counters)),
    };
    let export_mode = match (&options.decoding.export, &options.file) {
        (Some(_), _) => ExportMode::AsDecoded,
        (None, Some(_)) => ExportMode::FromFile,
        (None, None) => ExportMode::Unavailable,
    };
    let decoder = feed::spawn_with(
        source,
        options.decoding.clone(),
        run_options,
        options.also.take(),
    )?;
    // The history has its part of --memory-cap, the decoding the rest.
    let model = model::Model::under(options.memory);
    let mut app =
        App::with_model(model, options.source_name.clone(), live).with_export(export_mode);
    if let Some(filter) = options.filter.take() {
        app = app.with_filter(filter);
    }
    app.file_size = file_size;
    app.theme = theme::Theme::from_env();
    let mut screen = terminal::Screen::enter()?;
    let mut exports = Vec::new();
    let outcome = ui_loop(
        &mut screen,
        &mut app,
        &decoder.updates,
        &counters,
        &options,
        &mut exports,
    );
    drop(screen);
    // Stop decoding and exporting; wait for them so every FLV file is complete. The updates
    // go first: a decoder waiting for room in their channel is released.
    options.stop.store(true, Ordering::Relaxed);
    let feed::Decoder { updates, thread } = decoder;
    drop(updates);
    for thread in std::iter::once(thread).chain(exports) {
        let _ = thread.join();
    }
    // The process ends next, and its end frees the history at once: freeing it a row and a
    // session at a time took 0.2 s of CPU after `q` on 2.5 million messages.
    std::mem::forget(app);
    outcome
}

fn ui_loop(
    screen: &mut terminal::Screen,
    app: &mut App,
    updates: &Receiver<Vec<Update>>,
    counters: &PacketCounters,
    options: &TuiOptions,
    exports: &mut Vec<JoinHandle<()>>,
) -> anyhow::Result<()> {
    let (status_tx, status_rx) = std::sync::mpsc::channel::<Vec<Update>>();
    let (ended_tx, ended_rx) = std::sync::mpsc::channel::<ExportEnded>();
    let mut export_dir: Option<Option<PathBuf>> = None;
    let mut drawn: Option<Instant> = None;
    while !app.quit && !options.stop.load(Ordering::Relaxed) {
        if terminal::panicked() {
            anyhow::bail!("stopped after an internal error (the message is above)");
        }
        drain(app, updates);
        drain(app, &status_rx);
        while let Ok((session, files)) = ended_rx.try_recv() {
            app.export_ended(session, files);
        }
        if !app.model.done {
            app.model.packets = counters.packets.load(Ordering::Relaxed);
            app.model.bytes = counters.bytes.load(Ordering::Relaxed);
            app.model.drops = counters.drops.load(Ordering::Relaxed);
        }
        if drawn.is_none_or(|at| at.elapsed() >= FRAME) {
            screen
                .terminal
                .draw(|frame| app.areas = ui::draw(frame, app))?;
            drawn = Some(Instant::now());
        }
        // While the input is read, updates are taken often (the decoder waits when their
        // channel is full); the screen is still drawn once a frame.
        let wait = if app.model.done { FRAME } else { BUSY_WAIT };
        if event::poll(wait)? {
            let event = event::read()?;
            if let Some(action) = input::action(&event, app.editing.is_some()) {
                app.act(action);
                drawn = None;
            }
        }
        if let Some(text) = app.clipboard.take() {
            if let Err(error) = terminal::copy(&text) {
                app.model.status = Some(format!("could not copy: {error}"));
            }
        }
        if let Some(session) = app.export_request.take() {
            // One directory a run, chosen at the first export: never one with files in it.
            let dir = export_dir.get_or_insert_with(|| {
                export::fresh_directory(Path::new(export::DEFAULT_EXPORT_DIR))
            });
            match dir {
                Some(dir) => {
                    app.export_dir = Some(dir.display().to_string());
                    let channels = (status_tx.clone(), ended_tx.clone());
                    exports.push(start_export(session, dir.clone(), options, channels));
                }
                None => app.export_ended(
                    session,
                    Err(format!(
                        "{}, -2, -3 … all hold files: move them or use --export-flv DIR",
                        export::DEFAULT_EXPORT_DIR
                    )),
                ),
            }
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

/// How an export ended: the session, and the files written or why none were.
type ExportEnded = (u64, Result<usize, String>);

/// Exports one session's streams into `dir` by reading the file again on another thread (the
/// UI keeps only the tag headers of media). What it writes comes back as updates on the first
/// channel, how it ended on the second.
fn start_export(
    session: u64,
    dir: PathBuf,
    options: &TuiOptions,
    (status, ended): (Sender<Vec<Update>>, Sender<ExportEnded>),
) -> JoinHandle<()> {
    let file = options.file.clone();
    let decoding = options.decoding.clone();
    let stop = Arc::clone(&options.stop);
    std::thread::spawn(move || {
        let Some(file) = file else {
            return;
        };
        let line = format!("exporting session {session} to {}…", dir.display());
        let _ = status.send(vec![Update::Status(line)]);
        let result = export::session(&file, &dir, session, decoding, &stop, &status);
        let _ = ended.send((session, result.map_err(|error| format!("{error:#}"))));
    })
}
