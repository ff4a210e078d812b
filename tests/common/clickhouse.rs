//! A real ClickHouse server for tests: Debian's clickhouse-server on private ports with a
//! throw-away data folder, stopped (by PID) when dropped; and a fault-injecting HTTP proxy.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rtmpscope::output::clickhouse::http::{Client, ServerUrl};

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A clickhouse-server of our own.
pub struct Server {
    /// Its HTTP port.
    pub http_port: u16,
    tcp_port: u16,
    interserver_port: u16,
    /// Its data folder (and the test's scratch folder).
    pub dir: PathBuf,
    child: Option<Child>,
}

impl Server {
    /// Picks ports and a folder; starts nothing yet.
    pub fn new(name: &str) -> Server {
        let dir = std::env::temp_dir().join(format!("rtmpscope-ch-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch folder");
        Server {
            http_port: free_port(),
            tcp_port: free_port(),
            interserver_port: free_port(),
            dir,
            child: None,
        }
    }

    /// Starts (or restarts) the server on the same ports and data, and waits until it answers.
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let data = self.dir.join("data");
        let arg = |name: &str, value: String| format!("--{name}={value}");
        let child = Command::new("clickhouse-server")
            .arg("--config-file=/etc/clickhouse-server/config.xml")
            .arg("--")
            .arg(arg("path", format!("{}/", data.display())))
            .arg(arg("tmp_path", format!("{}/tmp/", data.display())))
            .arg(arg(
                "user_files_path",
                format!("{}/user_files/", data.display()),
            ))
            .arg(arg(
                "format_schema_path",
                format!("{}/format_schemas/", data.display()),
            ))
            .arg(arg(
                "logger.log",
                format!("{}/server.log", self.dir.display()),
            ))
            .arg(arg(
                "logger.errorlog",
                format!("{}/server.err.log", self.dir.display()),
            ))
            .arg(arg("http_port", self.http_port.to_string()))
            .arg(arg("tcp_port", self.tcp_port.to_string()))
            .arg(arg(
                "interserver_http_port",
                self.interserver_port.to_string(),
            ))
            .arg(arg("listen_host", "127.0.0.1".into()))
            .current_dir(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start clickhouse-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if self.client("default").query("SELECT 1", None).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "clickhouse-server did not answer on port {}",
            self.http_port
        );
    }

    /// Kills the server at once (SIGKILL, by PID), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The URL rtmpscope is given for `database`.
    pub fn url(&self, database: &str) -> String {
        format!("http://127.0.0.1:{}/{database}", self.http_port)
    }

    /// A client of this server's `database`.
    pub fn client(&self, database: &str) -> Client {
        let url = ServerUrl::parse(&self.url(database), None, None).expect("url");
        Client::new(url, Duration::from_secs(60))
    }

    /// Runs `sql` in `database`, returning its TabSeparated lines.
    pub fn lines(&self, database: &str, sql: &str) -> Vec<String> {
        self.client(database)
            .query(sql, Some(database))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// One number from `sql`.
    pub fn count(&self, database: &str, sql: &str) -> u64 {
        let lines = self.lines(database, sql);
        lines
            .first()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or_else(|| panic!("{sql}: {lines:?}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What the proxy does with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Passes it to the server and its answer back.
    Pass,
    /// Answers 500 without passing it on.
    Refuse,
    /// Passes it to the server, then answers 500 whatever it said: the server stored the
    /// rows but the client thinks it failed.
    LoseAnswer,
    /// Holds it this long before passing it on (past the client's timeout: the client gives
    /// up while its insert is still on its way), then passes the server's answer back.
    DelayRequest(Duration),
    /// Passes it on at once but holds the server's answer this long (the server stored the
    /// rows; the client timed out).
    DelayAnswer(Duration),
}

/// An HTTP proxy in front of a server that spoils the first requests that carry inserts.
pub struct FaultyProxy {
    /// The port rtmpscope is sent to.
    pub port: u16,
    /// Inserts seen so far.
    pub inserts: Arc<AtomicUsize>,
    /// The server's answers to the inserts it got late ([`Fault::DelayRequest`]), in order.
    pub late_answers: Arc<Mutex<Vec<String>>>,
}

impl FaultyProxy {
    /// Forwards to `upstream`, each connection on a thread of its own; the n-th insert (from
    /// 0) gets `faults[n]`, later ones pass.
    pub fn start(upstream: u16, faults: Vec<Fault>) -> FaultyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let inserts = Arc::new(AtomicUsize::new(0));
        let late_answers = Arc::new(Mutex::new(Vec::new()));
        let (seen, late) = (Arc::clone(&inserts), Arc::clone(&late_answers));
        let faults = Arc::new(faults);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (faults, seen, late) =
                    (Arc::clone(&faults), Arc::clone(&seen), Arc::clone(&late));
                std::thread::spawn(move || {
                    let _ = handle(client, upstream, &faults, &seen, &late);
                });
            }
        });
        FaultyProxy {
            port,
            inserts,
            late_answers,
        }
    }

    /// Waits (up to a minute) until the server has answered `n` late inserts; their answers.
    pub fn wait_late_answers(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let answers = self.late_answers.lock().unwrap().clone();
            if answers.len() >= n || Instant::now() > deadline {
                return answers;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Reads one whole request (headers and Content-Length body).
fn read_request(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut request = Vec::new();
    let mut buffer = [0u8; 65536];
    loop {
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            return Ok(request);
        }
        request.extend_from_slice(&buffer[..n]);
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                return Ok(request);
            }
        }
    }
}

fn handle(
    mut client: TcpStream,
    upstream: u16,
    faults: &[Fault],
    inserts: &AtomicUsize,
    late_answers: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let request = read_request(&mut client)?;
    let is_insert = String::from_utf8_lossy(&request[..request.len().min(300)]).contains("INSERT");
    let fault = if is_insert {
        let n = inserts.fetch_add(1, Ordering::SeqCst);
        faults.get(n).copied().unwrap_or(Fault::Pass)
    } else {
        Fault::Pass
    };
    if let Fault::DelayRequest(delay) = fault {
        std::thread::sleep(delay);
    }
    let mut answer = Vec::new();
    if fault != Fault::Refuse {
        let mut server = TcpStream::connect(("127.0.0.1", upstream))?;
        server.write_all(&request)?;
        // A server that refuses before reading the body answers, then resets the
        // connection: keep what it said.
        let _ = server.read_to_end(&mut answer);
    }
    match fault {
        Fault::Pass => {}
        Fault::Refuse | Fault::LoseAnswer => {
            answer = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 33\r\nConnection: close\r\n\r\nCode: 999, injected by the proxy\n".to_vec();
        }
        Fault::DelayRequest(_) => late_answers
            .lock()
            .unwrap()
            .push(String::from_utf8_lossy(&answer).into_owned()),
        Fault::DelayAnswer(delay) => std::thread::sleep(delay),
    }
    client.write_all(&answer)?;
    client.shutdown(Shutdown::Both)
}
