//! Every input the fuzzers ever found failing (`fuzz/regressions/<target>/`) runs through the
//! same harness code as the fuzz targets (`rtmpscope::fuzz_harness`) and must not panic, nor
//! hang (the fuzzers' `timeout-` findings): each gets [`TIME_LIMIT`].

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use rtmpscope::fuzz_harness::TARGETS;

/// Far above what any input takes (milliseconds), far below "forever".
const TIME_LIMIT: Duration = Duration::from_secs(60);

#[test]
fn every_past_finding_stays_fixed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut replayed = 0;
    for (name, harness) in TARGETS {
        let Ok(entries) = std::fs::read_dir(root.join(name)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            let input = std::fs::read(&path).expect("a regression input");
            eprintln!("{name}: {}", path.display());
            let (done, finished) = mpsc::channel();
            std::thread::spawn(move || {
                harness(&input);
                let _ = done.send(());
            });
            match finished.recv_timeout(TIME_LIMIT) {
                Ok(()) => {}
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!("{name}: {} still runs after {TIME_LIMIT:?}", path.display())
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    panic!("{name}: {} panicked", path.display())
                }
            }
            replayed += 1;
        }
    }
    assert!(
        replayed > 0,
        "the regressions folder holds the fuzzers' findings"
    );
}
