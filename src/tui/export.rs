//! `e` on a capture file: the selected session's media streams written as FLV, by decoding the
//! file again (the UI keeps only the tag headers of audio and video, not their payloads).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;
use std::sync::Arc;

use super::model::Update;
use crate::capture::Source;
use crate::pipeline::{Decoding, RunOptions};
use crate::session::event::{Event, EventKind, EventSink};

/// Where `e` writes when FLV files are not already written as the capture is decoded.
pub const DEFAULT_EXPORT_DIR: &str = "rtmpscope-export";

/// Decodes `file` again and writes the media streams of `session` as FLV into `dir`, sending
/// an [`Update::Export`] for every file started and finished. Returns how many files were
/// finished. Raising `stop` ends it early, with every file written so far complete.
pub fn session(
    file: &Path,
    dir: &Path,
    session: u64,
    decoding: Decoding,
    stop: &Arc<AtomicBool>,
    updates: &Sender<Vec<Update>>,
) -> anyhow::Result<usize> {
    let mut source = Source::open_file(file, None)?;
    let forward = Forward {
        updates: updates.clone(),
        finished: 0,
    };
    let decoding = Decoding {
        export: Some(dir.to_owned()),
        quiet: true,
        session: Some(session),
        ..decoding
    };
    let options = RunOptions {
        stop: Arc::clone(stop),
        ..RunOptions::default()
    };
    let (_, forward) = decoding.run(&mut source, &options, forward)?;
    Ok(forward.finished)
}

/// The directory `e` writes to.
pub fn directory() -> PathBuf {
    PathBuf::from(DEFAULT_EXPORT_DIR)
}

/// Sends the exporter's `export` events to the UI, counting the files finished.
struct Forward {
    updates: Sender<Vec<Update>>,
    finished: usize,
}

impl EventSink for Forward {
    fn event(&mut self, event: &Event<'_>) {
        if let EventKind::Export(export) = &event.kind {
            if export.state == "finished" {
                self.finished += 1;
            }
            let update = Update::Export(event.session, Box::new(export.clone()));
            // The UI may have gone; the files are written all the same.
            let _ = self.updates.send(vec![update]);
        }
    }
}
