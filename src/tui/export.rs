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

/// Most directories tried beside `base` for a run's exports.
const MAX_DIRECTORIES: usize = 1000;

/// The directory a run's `e` writes to: `base` when it does not exist or is empty, else the
/// first of `base-2`, `base-3`, … that is not there or empty, so that files an earlier run
/// wrote are never overwritten and an export never fails on them. None past
/// [`MAX_DIRECTORIES`]: the caller refuses to export.
pub fn fresh_directory(base: &Path) -> Option<PathBuf> {
    let unused = |dir: &Path| match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(error) => error.kind() == std::io::ErrorKind::NotFound,
    };
    std::iter::once(base.to_owned())
        .chain((2..=MAX_DIRECTORIES).map(|n| {
            let mut name = base.as_os_str().to_owned();
            name.push(format!("-{n}"));
            PathBuf::from(name)
        }))
        .find(|dir| unused(dir))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_with_files_is_never_reused() {
        let scratch = std::env::temp_dir().join(format!("rtmpscope-fresh-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).expect("scratch");
        let base = scratch.join("export");
        assert_eq!(fresh_directory(&base), Some(base.clone()));
        std::fs::create_dir(&base).expect("base");
        // Empty: still the one.
        assert_eq!(fresh_directory(&base), Some(base.clone()));
        std::fs::write(base.join("001.flv"), b"FLV").expect("file");
        assert_eq!(fresh_directory(&base), Some(scratch.join("export-2")));
        std::fs::create_dir(scratch.join("export-2")).expect("second");
        std::fs::write(scratch.join("export-2/001.flv"), b"FLV").expect("file");
        assert_eq!(fresh_directory(&base), Some(scratch.join("export-3")));
        std::fs::remove_dir_all(&scratch).expect("clean up");
    }
}
