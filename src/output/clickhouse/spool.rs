//! The disk spool: batches the server could not take (yet), one file each, sent when it can.
//!
//! A file is written whole under a temporary name, synced, then renamed, so a crash leaves
//! either the whole batch or nothing; files left by an earlier run are picked up on start.
//! The spool has a size cap: past it, the oldest files are dropped and counted (the only way
//! rows are ever lost). Names sort oldest first:
//! `{created_ns:020}-{seq:08}.{table}.{batch_id}.{rows}.{min_us}.{max_us}[.{fence}].jsonl`,
//! where `fence` names the server session of the last insert that may have stored rows.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::batch::{Batch, Table};

/// Ending of a spooled batch's file name.
const EXTENSION: &str = "jsonl";

/// What a spooled file's name says about its batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The file name (sorts oldest first).
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Rows in it.
    pub rows: u32,
}

/// A folder of spooled batches, bounded in size.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    cap: u64,
    used: u64,
    entries: BTreeMap<String, Entry>,
    /// Entries a sender is sending now: no other takes them, and they are not evicted.
    claimed: BTreeSet<String>,
    seq: u64,
    /// Rows dropped because the spool was full (or could not be written).
    pub dropped_rows: u64,
    /// Batches dropped.
    pub dropped_batches: u64,
    /// Say nothing on stderr (the counts still tell).
    quiet: bool,
}

impl Spool {
    /// Opens (creating it if needed) the spool in `dir`, holding at most `cap` bytes; takes
    /// over the batches an earlier run left there; `quiet` keeps its warnings off stderr.
    pub fn open(dir: &Path, cap: u64, quiet: bool) -> io::Result<Spool> {
        fs::create_dir_all(dir)?;
        let mut spool = Spool {
            dir: dir.to_path_buf(),
            cap,
            used: 0,
            entries: BTreeMap::new(),
            claimed: BTreeSet::new(),
            seq: 0,
            dropped_rows: 0,
            dropped_batches: 0,
            quiet,
        };
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".tmp") {
                // A batch whose writing was cut short: never renamed, so never complete.
                let _ = fs::remove_file(entry.path());
                continue;
            }
            let Some((_, rows)) = parse_name(&name) else {
                continue;
            };
            let size = entry.metadata()?.len();
            spool.used = spool.used.saturating_add(size);
            spool
                .entries
                .insert(name.clone(), Entry { name, size, rows });
        }
        Ok(spool)
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// True when a batch waits that no sender has taken.
    pub fn has_unclaimed(&self) -> bool {
        self.entries.len() > self.claimed.len()
    }

    /// Rows waiting.
    pub fn rows(&self) -> u64 {
        self.entries.values().map(|e| u64::from(e.rows)).sum()
    }

    /// Keeps `batch` on disk, dropping the oldest batches if it would not fit under the cap.
    /// An error means the batch could not be written (and is counted as dropped).
    pub fn put(&mut self, batch: &Batch) -> io::Result<()> {
        let size = u64::try_from(batch.body.len()).unwrap_or(u64::MAX);
        if size > self.cap {
            self.count_lost(batch.rows);
            return Err(io::Error::other("batch larger than the spool's cap"));
        }
        let claimed: u64 = self
            .entries
            .values()
            .filter(|e| self.claimed.contains(&e.name))
            .map(|e| e.size)
            .sum();
        if claimed.saturating_add(size) > self.cap {
            // Even without every batch that may go, it would not fit: drop nothing else.
            self.count_lost(batch.rows);
            return Err(io::Error::other("the spool is full of batches being sent"));
        }
        while self.used.saturating_add(size) > self.cap {
            // The oldest batch no sender is sending (one being sent may be stored already).
            let Some(oldest) = self
                .entries
                .values()
                .find(|e| !self.claimed.contains(&e.name))
                .cloned()
            else {
                self.count_lost(batch.rows);
                return Err(io::Error::other("the spool is full of batches being sent"));
            };
            self.entries.remove(&oldest.name);
            self.used = self.used.saturating_sub(oldest.size);
            self.dropped_rows = self.dropped_rows.saturating_add(u64::from(oldest.rows));
            self.dropped_batches = self.dropped_batches.saturating_add(1);
            let _ = fs::remove_file(self.dir.join(&oldest.name));
            if self.quiet {
                continue;
            }
            eprintln!(
                "rtmpscope: clickhouse spool {} full ({} MiB): dropped its oldest batch, {} rows ({} rows dropped so far)",
                self.dir.display(),
                self.cap >> 20,
                oldest.rows,
                self.dropped_rows
            );
        }
        let created = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        self.seq = self.seq.wrapping_add(1);
        let name = file_name(&format!("{created:020}-{:08}", self.seq), batch);
        let temporary = self.dir.join(format!("{name}.tmp"));
        let written = (|| {
            let mut file = fs::File::create(&temporary)?;
            file.write_all(&batch.body)?;
            file.sync_data()?;
            fs::rename(&temporary, self.dir.join(&name))
        })();
        if let Err(error) = written {
            let _ = fs::remove_file(&temporary);
            self.count_lost(batch.rows);
            return Err(error);
        }
        self.used = self.used.saturating_add(size);
        self.entries.insert(
            name.clone(),
            Entry {
                name,
                size,
                rows: batch.rows,
            },
        );
        Ok(())
    }

    fn count_lost(&mut self, rows: u32) {
        self.dropped_rows = self.dropped_rows.saturating_add(u64::from(rows));
        self.dropped_batches = self.dropped_batches.saturating_add(1);
    }

    /// The oldest batch waiting that no sender has taken, read back and taken (give it back
    /// with [`Spool::release`], or [`Spool::remove`] it once sent); a file that cannot be read
    /// or named is removed (and counted as dropped).
    pub fn claim_oldest(&mut self) -> Option<(Entry, Batch)> {
        loop {
            let entry = self
                .entries
                .values()
                .find(|e| !self.claimed.contains(&e.name))?
                .clone();
            let path = self.dir.join(&entry.name);
            match (parse_name(&entry.name), fs::read(&path)) {
                (Some((mut batch, _)), Ok(body)) => {
                    batch.body = body;
                    self.claimed.insert(entry.name.clone());
                    return Some((entry, batch));
                }
                _ => {
                    self.remove(&entry);
                    self.count_lost(entry.rows);
                }
            }
        }
    }

    /// Gives back a batch that could not be sent, for a later try; `batch` is what was
    /// claimed with its fence now (the file is renamed when the fence changed).
    pub fn release(&mut self, entry: &Entry, batch: &Batch) {
        self.claimed.remove(&entry.name);
        let prefix = entry.name.split('.').next().unwrap_or("");
        let name = file_name(prefix, batch);
        if name == entry.name || !self.entries.contains_key(&entry.name) {
            return;
        }
        if fs::rename(self.dir.join(&entry.name), self.dir.join(&name)).is_ok() {
            self.entries.remove(&entry.name);
            self.entries.insert(
                name.clone(),
                Entry {
                    name,
                    ..entry.clone()
                },
            );
        }
    }

    /// Forgets a batch that was sent.
    pub fn remove(&mut self, entry: &Entry) {
        self.claimed.remove(&entry.name);
        if self.entries.remove(&entry.name).is_some() {
            self.used = self.used.saturating_sub(entry.size);
            let _ = fs::remove_file(self.dir.join(&entry.name));
        }
    }
}

/// The file name of `batch` spooled under `prefix` (`{created_ns:020}-{seq:08}`).
fn file_name(prefix: &str, batch: &Batch) -> String {
    let fence = batch
        .fence
        .as_deref()
        .map_or(String::new(), |fence| format!(".{fence}"));
    format!(
        "{prefix}.{}.{}.{}.{}.{}{fence}.{EXTENSION}",
        batch.table.name(),
        batch.id,
        batch.rows,
        batch.min_us,
        batch.max_us
    )
}

/// The batch (without its body) and row count a spool file name describes.
fn parse_name(name: &str) -> Option<(Batch, u32)> {
    let stem = name.strip_suffix(EXTENSION)?.strip_suffix('.')?;
    let mut parts = stem.split('.');
    let _created = parts.next()?;
    let table = Table::from_name(parts.next()?)?;
    let id = parts.next()?.to_string();
    let rows: u32 = parts.next()?.parse().ok()?;
    let min_us: i64 = parts.next()?.parse().ok()?;
    let max_us: i64 = parts.next()?.parse().ok()?;
    let fence = parts.next().map(str::to_string);
    if parts.next().is_some() {
        return None;
    }
    Some((
        Batch {
            table,
            id,
            rows,
            min_us,
            max_us,
            body: Vec::new(),
            fence,
        },
        rows,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(id: &str, rows: u32, bytes: usize) -> Batch {
        Batch {
            table: Table::Events,
            id: id.into(),
            rows,
            min_us: -5,
            max_us: 7,
            body: vec![b'x'; bytes],
            fence: None,
        }
    }

    #[test]
    fn keeps_order_and_cap_and_survives_a_restart() {
        let dir = std::env::temp_dir().join(format!("rtmpscope-spool-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let mut spool = Spool::open(&dir, 250, true).unwrap();
        spool.put(&batch("a", 1, 100)).unwrap();
        spool.put(&batch("b", 2, 100)).unwrap();
        assert_eq!(
            (spool.entries.len(), spool.rows(), spool.dropped_rows),
            (2, 3, 0)
        );
        // A third does not fit: the oldest goes, counted.
        spool.put(&batch("c", 4, 100)).unwrap();
        assert_eq!(
            (
                spool.entries.len(),
                spool.dropped_rows,
                spool.dropped_batches
            ),
            (2, 1, 1)
        );
        assert!(spool.put(&batch("d", 8, 300)).is_err());
        assert_eq!(spool.dropped_rows, 1 + 8);
        fs::write(dir.join("junk.tmp"), b"half").unwrap();
        drop(spool);
        let mut spool = Spool::open(&dir, 250, true).unwrap();
        assert_eq!(
            spool.entries.len(),
            2,
            "a batch larger than the cap drops nothing else"
        );
        let (b, read) = spool.claim_oldest().unwrap();
        assert_eq!(read, batch("b", 2, 100));
        // Taken by one sender, b is neither given to another nor evicted.
        let (c, read) = spool.claim_oldest().unwrap();
        assert_eq!(read, batch("c", 4, 100));
        assert!(spool.claim_oldest().is_none() && !spool.has_unclaimed());
        // A failed try records its fence in the name, and a later run reads it back.
        let fenced = Batch {
            fence: Some("c-s1".into()),
            ..read.clone()
        };
        spool.release(&c, &fenced);
        let c = spool.entries.values().last().unwrap().clone();
        assert!(c.name.ends_with(".c-s1.jsonl"), "{}", c.name);
        assert_eq!(
            parse_name(&c.name).unwrap().0.fence.as_deref(),
            Some("c-s1")
        );
        assert!(
            spool.put(&batch("e", 16, 100)).is_ok(),
            "c goes to make room, b stays"
        );
        assert_eq!(spool.dropped_rows, 4, "counted from this run on");
        assert!(spool.put(&batch("f", 32, 200)).is_err(), "b is being sent");
        assert_eq!(spool.entries.len(), 2, "and e was not dropped for nothing");
        spool.remove(&b);
        let (e, _) = spool.claim_oldest().unwrap();
        spool.remove(&e);
        assert!(spool.entries.is_empty());
        assert!(!dir.join("junk.tmp").exists());
        let _ = fs::remove_dir_all(&dir);
    }
}
