//! Every input the fuzzers ever found failing (`fuzz/regressions/<target>/`) runs through the
//! same harness code as the fuzz targets (`rtmpscope::fuzz_harness`) and must not panic.

use std::path::Path;

use rtmpscope::fuzz_harness::TARGETS;

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
            harness(&input);
            replayed += 1;
        }
    }
    assert!(
        replayed > 0,
        "the regressions folder holds the fuzzers' findings"
    );
}
