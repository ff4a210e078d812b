//! A sender thread: takes sealed batches (and the spool's, oldest first) to the server, one
//! `INSERT … FORMAT JSONEachRow` each, backs off while the server fails, and makes sure a
//! batch sent again is never stored twice.
//!
//! Never twice: an insert whose answer is lost (a timeout, a cut connection, an error after
//! the rows were stored) may have stored all or part of its rows, or may still be running on
//! the server, or may not even have reached it yet (held in a proxy, or in the server's
//! queue of connections). Asking which rows are stored is not enough alone: an insert still
//! on its way could store them after the answer. So every insert runs inside an HTTP session
//! of its own on the server (`session_id`, with `session_check=1`: refused when the session
//! does not exist), opened just before it and forgotten by the server once idle for
//! [`SESSION_TIMEOUT`]. Before the batch is sent again, the sender waits [`FENCE_WAIT`] and
//! asks for that session: while it exists (or is busy running the insert) the batch waits;
//! once the server says it does not, the old insert can never run any more, and only then
//! are the stored rows asked for (`batch_id`, `batch_row`) and the others sent, in a new
//! session. Each insert also carries the batch id as its query id, so two copies never run
//! at once.
//!
//! Where the server does not keep sessions between requests (several servers behind a load
//! balancer without sticky sessions: the insert's session is gone at once), the sender says
//! so once and sends without sessions; there, an insert held on its way for longer than the
//! timeout and the check after it can still store a batch a second time.

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::batch::Batch;
use super::http::{Client, HttpError, SESSION_NOT_FOUND};
use super::{schema, Shared};

/// How often the sender looks for batches that are due.
const TICK: Duration = Duration::from_millis(100);
/// First wait after a failure; doubled after each further one.
const BACKOFF_MIN: Duration = Duration::from_millis(500);
/// Longest wait between tries.
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// How long the server keeps an insert's session once idle (its `session_timeout`, whole
/// seconds): an insert reaching the server later than that after the session's last use is
/// refused. Short, as the insert follows the session's opening at once.
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(2);
/// After an insert that may have stored rows failed, how long before its session is asked
/// about: the server closes idle sessions in rounds of a second, so one idle for
/// [`SESSION_TIMEOUT`] is gone within about two seconds more (measured on 18.16), and asking
/// earlier would keep it alive.
pub const FENCE_WAIT: Duration = Duration::from_secs(5);

/// Why a batch was not sent.
#[derive(Debug)]
enum SendError {
    /// The server failed or could not be reached.
    Http(HttpError),
    /// An earlier insert of the batch may still run: its session still exists.
    SessionAlive,
}

impl From<HttpError> for SendError {
    fn from(error: HttpError) -> Self {
        SendError::Http(error)
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Http(error) => error.fmt(f),
            SendError::SessionAlive => {
                write!(
                    f,
                    "an earlier insert of a batch may still run on the server"
                )
            }
        }
    }
}

/// One sender thread's state.
pub(super) struct Sender {
    pub(super) shared: Arc<Shared>,
    pub(super) client: Client,
    pub(super) receiver: Arc<Mutex<Receiver<Batch>>>,
    pub(super) interval: Duration,
    pub(super) exit_wait: Duration,
    schema_ready: bool,
    /// The last try failed; nothing is tried before `retry_at`.
    down: bool,
    backoff: Duration,
    retry_at: Instant,
    /// Inserts run in sessions of their own (off once the server is seen not to keep them).
    fencing: bool,
    /// The last failure left a batch whose insert may still run (the server may be fine).
    fence_pending: bool,
}

impl Sender {
    /// A sender of `receiver`'s batches and the spool's to `client`.
    pub(super) fn new(
        shared: Arc<Shared>,
        client: Client,
        receiver: Arc<Mutex<Receiver<Batch>>>,
        interval: Duration,
        exit_wait: Duration,
    ) -> Self {
        Sender {
            shared,
            client,
            receiver,
            interval,
            exit_wait,
            schema_ready: false,
            down: false,
            backoff: BACKOFF_MIN,
            retry_at: Instant::now(),
            fencing: true,
            fence_pending: false,
        }
    }

    /// Sends until the pipeline is done, then sends the spool while the server takes it.
    pub(super) fn run(mut self) {
        loop {
            // While the spool has batches and the server may take them, do not sleep.
            let wait = if self.may_try() && self.shared.spool().has_unclaimed() {
                Duration::ZERO
            } else {
                TICK
            };
            let received = self
                .receiver
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .recv_timeout(wait);
            match received {
                Ok(batch) => self.deliver(batch),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            let due = self.shared.pending().take(Some(self.interval));
            for batch in due {
                self.deliver(batch);
            }
            if self.may_try() {
                self.send_oldest_spooled();
            }
        }
        // The pipeline is done and everything it made has been delivered or spooled: send the
        // spool while the server takes it, giving up only when it has not taken a batch for
        // `exit_wait` (trying once at once, even in the middle of a backoff), plus one
        // fence wait when a batch waits for an earlier insert's session to end.
        let mut deadline = Instant::now() + self.exit_wait;
        if !self.fence_pending {
            self.retry_at = Instant::now();
        }
        while self.shared.spool().has_unclaimed() {
            let limit = if self.fence_pending {
                deadline + FENCE_WAIT
            } else {
                deadline
            };
            let now = Instant::now();
            if self.down && self.retry_at > now {
                if self.retry_at > limit {
                    break;
                }
                std::thread::sleep(self.retry_at - now);
            }
            if Instant::now() > limit {
                break;
            }
            if self.send_oldest_spooled() {
                deadline = Instant::now() + self.exit_wait;
            }
        }
    }

    fn may_try(&self) -> bool {
        !self.down || Instant::now() >= self.retry_at
    }

    /// A new batch: sent now, or spooled when the server is down or refuses it.
    fn deliver(&mut self, mut batch: Batch) {
        if !self.may_try() {
            self.shared.spool_batch(&batch);
            return;
        }
        match self.send(&mut batch, false) {
            Ok(()) => self.up(),
            Err(error) => {
                self.shared.spool_batch(&batch);
                self.failed(&error, batch.fence.is_some());
            }
        }
    }

    /// Sends the spool's oldest batch (only the rows the server does not have yet); true when
    /// the server took it.
    fn send_oldest_spooled(&mut self) -> bool {
        let Some((entry, mut batch)) = self.shared.spool().claim_oldest() else {
            return false;
        };
        match self.send(&mut batch, true) {
            Ok(()) => {
                self.shared.spool().remove(&entry);
                self.up();
                true
            }
            Err(error) => {
                self.shared.spool().release(&entry, &batch);
                self.failed(&error, batch.fence.is_some());
                false
            }
        }
    }

    fn up(&mut self) {
        if self.down && self.shared.said_down.swap(false, Ordering::Relaxed) {
            let url = self.client.url().to_string();
            self.shared
                .say(&format!("{url} answers again; sending the spool"));
        }
        self.down = false;
        self.fence_pending = false;
        self.backoff = BACKOFF_MIN;
    }

    /// A try failed; with `fenced`, a batch's insert may still run, and the next try waits
    /// long enough for its session to be gone.
    fn failed(&mut self, error: &SendError, fenced: bool) {
        if !self.down && !self.shared.said_down.swap(true, Ordering::Relaxed) {
            let dir = self.shared.spool().dir().display().to_string();
            let url = self.client.url().to_string();
            self.shared.say(&format!(
                "{url}: {error}; spooling to {dir} and trying again"
            ));
        }
        self.down = true;
        self.fence_pending = fenced;
        let wait = if fenced {
            self.backoff.max(FENCE_WAIT)
        } else {
            self.backoff
        };
        self.retry_at = Instant::now() + wait;
        self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
    }

    /// Inserts `batch`; for a batch sent before (`again`), only the rows not yet stored, and
    /// only once the session of its last insert is gone. On failure, `batch.fence` names the
    /// session of an insert that may have stored rows (None when none can have).
    fn send(&mut self, batch: &mut Batch, again: bool) -> Result<(), SendError> {
        self.ensure_schema()?;
        if let Some(fence) = &batch.fence {
            if self.client.session_exists(fence, SESSION_TIMEOUT)? {
                return Err(SendError::SessionAlive);
            }
            // That insert ran, or never will: what is stored now is all it stored.
            batch.fence = None;
        }
        let rest = if again {
            let stored = self.stored_rows(batch)?;
            if stored.is_empty() {
                Cow::Borrowed(&*batch)
            } else {
                Cow::Owned(batch.without(&stored))
            }
        } else {
            Cow::Borrowed(&*batch)
        };
        if rest.rows > 0 {
            let query = format!("INSERT INTO {} FORMAT JSONEachRow", rest.table.name());
            let session = if self.fencing {
                let id = session_id(&rest.id);
                self.client.open_session(&id, SESSION_TIMEOUT)?;
                Some(id)
            } else {
                None
            };
            let opened = Instant::now();
            let inserted = self.client.insert(
                &query,
                &rest.id,
                &rest.body,
                session.as_deref().map(|id| (id, SESSION_TIMEOUT)),
            );
            if let Err(error) = inserted {
                let refused = error.server_code() == Some(SESSION_NOT_FOUND);
                if refused && opened.elapsed() < SESSION_TIMEOUT {
                    // The session it was opened in was gone at once: nothing was stored, and
                    // this server does not keep sessions.
                    self.fencing = false;
                    self.shared.say(&format!(
                        "{} does not keep HTTP sessions between requests (several servers \
                         behind a balancer?): sending without them, so a batch whose answer \
                         is lost and whose insert is held on its way may be stored twice",
                        self.client.url()
                    ));
                }
                batch.fence = if refused { None } else { session };
                return Err(error.into());
            }
        }
        // Every row of the batch is stored now (some perhaps by an insert whose answer was lost).
        self.shared
            .sent_rows
            .fetch_add(u64::from(batch.rows), Ordering::Relaxed);
        Ok(())
    }

    /// The `batch_row`s of `batch` the server already has, sorted.
    fn stored_rows(&self, batch: &Batch) -> Result<Vec<u32>, HttpError> {
        let second = |us: i64| us.div_euclid(1_000_000).clamp(0, i64::from(u32::MAX));
        let sql = format!(
            "SELECT batch_row FROM {} WHERE time >= toDateTime({}) AND time <= toDateTime({}) \
             AND batch_id = '{}' ORDER BY batch_row FORMAT TabSeparated",
            batch.table.name(),
            second(batch.min_us),
            second(batch.max_us),
            batch.id
        );
        let answer = self.client.query(&sql, Some(&self.client.url().database))?;
        let mut rows: Vec<u32> = answer
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect();
        rows.dedup();
        Ok(rows)
    }

    /// Creates the database and the tables when they are missing (once per run), and says
    /// what existing tables lack.
    fn ensure_schema(&mut self) -> Result<(), HttpError> {
        if self.schema_ready {
            return Ok(());
        }
        let lacking = schema::ensure(&self.client)?;
        if !lacking.is_empty() && !self.shared.said_lacking.swap(true, Ordering::Relaxed) {
            lacking.iter().for_each(|line| self.shared.say(line));
        }
        self.schema_ready = true;
        Ok(())
    }
}

/// A session name for one insert of batch `id`: unique to this try.
fn session_id(id: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{id}-{now:x}")
}
