//! A mock of the Adobe Photoshop API status service, for psjob's tests and
//! examples.
//!
//! Integration tests include it with `mod mock;`, the `mock_server` example
//! with `#[path = "../tests/mock/mod.rs"] mod mock;`. It uses only std,
//! `serde_json` and `flate2`.
//!
//! It is a hand-written HTTP/1.1 server on `std::net::TcpListener` (one thread
//! per connection, keep-alive, Content-Length framing) because several fault
//! scripts need byte-level control of the socket on the same port as the
//! normal jobs. Job ids are scripted by prefix: see `tests/mock/README-jobs.md`.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

/// The accepted `Authorization: Bearer` token.
pub const TOKEN: &str = "mock-token";
/// The accepted `x-api-key`.
pub const API_KEY: &str = "mock-key";
/// The IMS client id (also accepted as `x-api-key`).
pub const CLIENT_ID: &str = "mock-client";
/// The IMS client secret.
pub const CLIENT_SECRET: &str = "mock-secret";

/// Largest request body accepted (larger: 413).
const MAX_BODY: usize = 1 << 20;
/// Largest request head (request line + headers) accepted (larger: 431).
const MAX_HEAD: usize = 64 * 1024;
/// A connection with no complete request for this long is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// How often blocked reads and sleeps look at the stop flag.
const TICK: Duration = Duration::from_millis(50);
/// Largest `/files/...?size=N`.
const MAX_FILE: u64 = 256 << 20;
/// Default `/files/...` size.
const DEFAULT_FILE: u64 = 4096;
/// Size the `big*` / `gzip*` documents grow to.
const BIG_TARGET: usize = 2_000_000;
const CREATED: &str = "2025-01-15T10:30:00.000Z";

/// One request as the mock received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// The request target as sent, query included (`/v2/status/x?a=b`).
    pub path: String,
    /// In arrival order; names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The running mock. Stops on `shutdown()` or when dropped.
pub struct MockServer {
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

struct Shared {
    local: SocketAddr,
    base_url: String,
    stop: AtomicBool,
    requests: Mutex<Vec<RecordedRequest>>,
    connections: AtomicUsize,
    token_fetches: AtomicUsize,
    token_seq: AtomicUsize,
    conn_seq: AtomicU64,
    /// Poll counters, per (route, decoded job id).
    polls: Mutex<HashMap<(Route, String), u32>>,
    /// IMS tokens issued, with their expiry.
    tokens: Mutex<HashMap<String, Instant>>,
    /// A clone of every open connection, so shutdown can unblock them.
    live: Mutex<HashMap<u64, TcpStream>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl MockServer {
    /// Starts on 127.0.0.1 with an ephemeral port. Panics on failure.
    pub fn start() -> MockServer {
        MockServer::start_on("127.0.0.1:0").expect("mock server: cannot bind 127.0.0.1:0")
    }

    /// Starts on `addr` (`"127.0.0.1:0"`, `"0.0.0.0:8080"`, `"[::1]:0"`, ...).
    pub fn start_on(addr: &str) -> io::Result<MockServer> {
        let listener = TcpListener::bind(addr)?;
        let local = listener.local_addr()?;
        let shown = match local.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let base_url = format!("http://{}", SocketAddr::new(shown, local.port()));
        let shared = Arc::new(Shared {
            local: SocketAddr::new(shown, local.port()),
            base_url,
            stop: AtomicBool::new(false),
            requests: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            token_fetches: AtomicUsize::new(0),
            token_seq: AtomicUsize::new(0),
            conn_seq: AtomicU64::new(0),
            polls: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            live: Mutex::new(HashMap::new()),
            threads: Mutex::new(Vec::new()),
        });
        let sh = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name("mock-accept".into())
            .spawn(move || accept_loop(listener, sh))?;
        Ok(MockServer {
            shared,
            accept: Some(accept),
        })
    }

    pub fn port(&self) -> u16 {
        self.shared.local.port()
    }

    /// `"http://127.0.0.1:PORT"` (no trailing slash).
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// Every request so far (control requests excepted), in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// The requests whose path (query included) contains `path_contains`.
    pub fn requests_to(&self, path_contains: &str) -> Vec<RecordedRequest> {
        lock(&self.shared.requests)
            .iter()
            .filter(|r| r.path.contains(path_contains))
            .cloned()
            .collect()
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Successful IMS token answers so far.
    pub fn token_fetches(&self) -> usize {
        self.shared.token_fetches.load(Ordering::SeqCst)
    }

    /// Stops accepting, closes every connection and waits (briefly) for the
    /// connection threads. Also done on drop.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let Some(accept) = self.accept.take() else {
            return;
        };
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept() by connecting to ourselves.
        let woke = TcpStream::connect_timeout(&self.shared.local, Duration::from_secs(1)).is_ok();
        if woke {
            let _ = accept.join();
        }
        for (_, s) in lock(&self.shared.live).drain() {
            let _ = s.shutdown(Shutdown::Both);
        }
        let handles: Vec<JoinHandle<()>> = lock(&self.shared.threads).drain(..).collect();
        let deadline = Instant::now() + Duration::from_secs(2);
        for h in handles {
            while !h.is_finished() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(5));
            }
            if h.is_finished() {
                let _ = h.join();
            } // else: abandoned (detached)
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for incoming in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let stream = match incoming {
            Ok(s) => s,
            Err(_) => {
                // EMFILE and the like: back off a little and go on.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let id = shared.conn_seq.fetch_add(1, Ordering::SeqCst);
        if let Ok(clone) = stream.try_clone() {
            lock(&shared.live).insert(id, clone);
        }
        let sh = Arc::clone(&shared);
        let spawned = thread::Builder::new()
            .name("mock-conn".into())
            .spawn(move || serve_connection(&sh, stream, id));
        let mut threads = lock(&shared.threads);
        threads.retain(|h| !h.is_finished());
        match spawned {
            Ok(h) => threads.push(h),
            Err(_) => {
                if let Some(s) = lock(&shared.live).remove(&id) {
                    let _ = s.shutdown(Shutdown::Both);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Connections and requests
// ---------------------------------------------------------------------------

struct Request {
    method: String,
    target: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    keep_alive: bool,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    fn is_head(&self) -> bool {
        self.method == "HEAD"
    }
}

/// What to do with the connection after a request.
enum Flow {
    /// Go on if the request allows keep-alive, else close gracefully.
    KeepAlive,
    /// Close gracefully (FIN).
    Close,
    /// Close with a TCP RST (best effort).
    Reset,
    /// Close at once.
    Abort,
}

enum ReqError {
    /// Send this status, then close.
    Status(u16, &'static str),
    /// Close without answering.
    Io,
}

struct Conn<'a> {
    shared: &'a Shared,
    stream: TcpStream,
    buf: Vec<u8>,
}

fn serve_connection(shared: &Shared, stream: TcpStream, id: u64) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(TICK));
    let _ = stream.set_write_timeout(Some(IDLE_TIMEOUT));
    let mut conn = Conn {
        shared,
        stream,
        buf: Vec::new(),
    };
    let end = loop {
        match conn.read_request() {
            Ok(Some(req)) => match handle(&mut conn, &req) {
                Flow::KeepAlive if req.keep_alive => continue,
                Flow::KeepAlive | Flow::Close => break Flow::Close,
                other => break other,
            },
            Ok(None) => break Flow::Close,
            Err(ReqError::Status(code, msg)) => {
                let body = json!({"error_code": "bad_request", "message": msg});
                let _ = conn.write_response(
                    false,
                    code,
                    "application/json",
                    &[],
                    &to_bytes(&body),
                    false,
                );
                break Flow::Close;
            }
            Err(ReqError::Io) => break Flow::Abort,
        }
    };
    lock(&shared.live).remove(&id);
    let Conn { stream, .. } = conn;
    match end {
        Flow::Reset => {
            set_linger_zero(&stream);
            drop(stream);
        }
        Flow::Abort => {
            let _ = stream.shutdown(Shutdown::Both);
        }
        Flow::Close | Flow::KeepAlive => graceful_close(shared, stream),
    }
}

/// Sends FIN, then reads (and drops) what the peer still sends for a short
/// while, so that unread request bytes do not turn our close into an RST that
/// could destroy the answer in flight.
fn graceful_close(shared: &Shared, mut stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut sink = [0u8; 8192];
    let mut total = 0usize;
    while Instant::now() < deadline && total < 16 * MAX_BODY && !shared.stop.load(Ordering::SeqCst)
    {
        match stream.read(&mut sink) {
            Ok(0) => break,
            Ok(n) => total += n,
            Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Closing a socket with SO_LINGER {on, 0} makes the kernel send an RST.
/// std has no stable `set_linger`, so call setsockopt(2) through libc.
#[cfg(unix)]
fn set_linger_zero(stream: &TcpStream) -> bool {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid open fd, a pointer to a live struct linger and its size.
    let rc = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    rc == 0
}

#[cfg(not(unix))]
fn set_linger_zero(stream: &TcpStream) -> bool {
    // No RST available here: an abrupt close without an answer.
    let _ = stream.shutdown(Shutdown::Both);
    false
}

impl Conn<'_> {
    fn stopping(&self) -> bool {
        self.shared.stop.load(Ordering::SeqCst)
    }

    /// Reads more bytes into `buf`. Ok(0) on EOF; Err on error, stop or deadline.
    fn fill(&mut self, deadline: Instant) -> io::Result<usize> {
        let mut tmp = [0u8; 16 * 1024];
        loop {
            if self.stopping() {
                return Err(io::Error::other("server stopping"));
            }
            match self.stream.read(&mut tmp) {
                Ok(n) => {
                    self.buf.extend_from_slice(&tmp[..n]);
                    return Ok(n);
                }
                Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {
                    if Instant::now() >= deadline {
                        return Err(io::Error::new(io::ErrorKind::TimedOut, "idle"));
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Ensures `buf` holds at least `n` bytes.
    fn fill_to(&mut self, n: usize, deadline: Instant) -> Result<(), ReqError> {
        while self.buf.len() < n {
            match self.fill(deadline) {
                Ok(0) | Err(_) => return Err(ReqError::Io),
                Ok(_) => {}
            }
        }
        Ok(())
    }

    /// Ok(None): the peer closed (or went idle, or we stop) between requests.
    fn read_request(&mut self) -> Result<Option<Request>, ReqError> {
        let deadline = Instant::now() + IDLE_TIMEOUT;
        // Skip empty lines before a request (RFC 9112 2.2).
        let head_end = loop {
            let skip = self
                .buf
                .iter()
                .take_while(|b| **b == b'\r' || **b == b'\n')
                .count();
            self.buf.drain(..skip);
            if let Some(end) = find_head_end(&self.buf) {
                break end;
            }
            if self.buf.len() > MAX_HEAD {
                return Err(ReqError::Status(431, "request header fields too large"));
            }
            match self.fill(deadline) {
                Ok(0) | Err(_) if self.buf.is_empty() => return Ok(None),
                Ok(0) | Err(_) => return Err(ReqError::Io),
                Ok(_) => {}
            }
        };
        if head_end > MAX_HEAD {
            return Err(ReqError::Status(431, "request header fields too large"));
        }
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
        let request_line = lines.next().unwrap_or("");
        let mut parts = request_line.split(' ');
        let (method, target, version) =
            match (parts.next(), parts.next(), parts.next(), parts.next()) {
                (Some(m), Some(t), Some(v), None) => (m, t, v),
                _ => return Err(ReqError::Status(400, "malformed request line")),
            };
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ReqError::Status(400, "malformed method"));
        }
        let http10 = match version {
            "HTTP/1.1" => false,
            "HTTP/1.0" => true,
            _ => return Err(ReqError::Status(400, "unsupported HTTP version")),
        };
        let target =
            origin_form(target).ok_or(ReqError::Status(400, "malformed request target"))?;
        if target.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(ReqError::Status(400, "malformed request target"));
        }
        let mut headers = Vec::new();
        for line in lines {
            if line.is_empty() {
                continue; // the terminating empty line(s)
            }
            if line.starts_with(' ') || line.starts_with('\t') {
                return Err(ReqError::Status(400, "obsolete header folding"));
            }
            let Some((name, value)) = line.split_once(':') else {
                return Err(ReqError::Status(400, "malformed header line"));
            };
            if name.is_empty() || !name.bytes().all(is_tchar) {
                return Err(ReqError::Status(400, "malformed header name"));
            }
            headers.push((
                name.to_ascii_lowercase(),
                value.trim_matches(|c| c == ' ' || c == '\t').to_string(),
            ));
        }
        let get = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.as_str())
        };
        let connection_has = |tok: &str| {
            headers
                .iter()
                .filter(|(k, _)| k == "connection")
                .flat_map(|(_, v)| v.split(','))
                .any(|t| t.trim().eq_ignore_ascii_case(tok))
        };
        let keep_alive = if http10 {
            connection_has("keep-alive")
        } else {
            !connection_has("close")
        };
        let chunked =
            get("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        let mut lengths = headers
            .iter()
            .filter(|(k, _)| k == "content-length")
            .map(|(_, v)| v.as_str());
        let content_length = match lengths.next() {
            None => None,
            Some(v) => {
                if lengths.any(|o| o != v) {
                    return Err(ReqError::Status(400, "conflicting Content-Length"));
                }
                if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(ReqError::Status(400, "malformed Content-Length"));
                }
                match v.parse::<u64>() {
                    Ok(n) if n <= MAX_BODY as u64 => Some(n as usize),
                    _ => return Err(ReqError::Status(413, "request body too large")),
                }
            }
        };
        let expect_continue = get("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
        let body_start = head_end;
        let deadline = Instant::now() + IDLE_TIMEOUT;
        let (body, consumed) = if chunked {
            if expect_continue && self.buf.len() == body_start {
                let _ = self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
            }
            self.read_chunked(body_start, deadline)?
        } else {
            let n = content_length.unwrap_or(0);
            if n > 0 && expect_continue && self.buf.len() == body_start {
                let _ = self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
            }
            self.fill_to(body_start + n, deadline)?;
            (
                self.buf[body_start..body_start + n].to_vec(),
                body_start + n,
            )
        };
        self.buf.drain(..consumed);
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (target.clone(), String::new()),
        };
        Ok(Some(Request {
            method: method.to_string(),
            target,
            path,
            query,
            headers,
            body,
            keep_alive,
        }))
    }

    /// Decodes a chunked body starting at `pos`; returns (body, end offset).
    fn read_chunked(
        &mut self,
        mut pos: usize,
        deadline: Instant,
    ) -> Result<(Vec<u8>, usize), ReqError> {
        let mut body = Vec::new();
        loop {
            let line_end = self.read_line_at(pos, deadline)?;
            let line = String::from_utf8_lossy(&self.buf[pos..line_end]).into_owned();
            pos = line_end + 2;
            let size_text = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16)
                .map_err(|_| ReqError::Status(400, "malformed chunk size"))?;
            if size == 0 {
                // Trailer fields until an empty line.
                loop {
                    let end = self.read_line_at(pos, deadline)?;
                    let empty = end == pos;
                    pos = end + 2;
                    if empty {
                        return Ok((body, pos));
                    }
                }
            }
            if body.len() + size > MAX_BODY {
                return Err(ReqError::Status(413, "request body too large"));
            }
            self.fill_to(pos + size + 2, deadline)?;
            body.extend_from_slice(&self.buf[pos..pos + size]);
            if &self.buf[pos + size..pos + size + 2] != b"\r\n" {
                return Err(ReqError::Status(400, "malformed chunk"));
            }
            pos += size + 2;
        }
    }

    /// Index of the CRLF ending the line that starts at `pos`.
    fn read_line_at(&mut self, pos: usize, deadline: Instant) -> Result<usize, ReqError> {
        loop {
            if let Some(i) = self
                .buf
                .get(pos..)
                .and_then(|s| s.windows(2).position(|w| w == b"\r\n"))
            {
                return Ok(pos + i);
            }
            if self.buf.len() > pos + 4096 {
                return Err(ReqError::Status(400, "chunk line too long"));
            }
            match self.fill(deadline) {
                Ok(0) | Err(_) => return Err(ReqError::Io),
                Ok(_) => {}
            }
        }
    }

    /// Writes a complete response. `head_only`: omit the body (HEAD).
    fn write_response(
        &mut self,
        head_only: bool,
        status: u16,
        content_type: &str,
        extra: &[(&str, String)],
        body: &[u8],
        keep_alive: bool,
    ) -> io::Result<()> {
        let mut out = response_head(status, content_type, extra, body.len() as u64, keep_alive);
        if !head_only {
            out.extend_from_slice(body);
        }
        self.stream.write_all(&out)?;
        self.stream.flush()
    }

    /// Sleeps up to `d`, returning false if the server stops meanwhile.
    fn sleep(&self, d: Duration) -> bool {
        let end = Instant::now() + d;
        loop {
            if self.stopping() {
                return false;
            }
            let now = Instant::now();
            if now >= end {
                return true;
            }
            thread::sleep((end - now).min(TICK));
        }
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Offset just past the empty line ending the head, if it is in `buf`.
fn find_head_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(off) = buf.get(i..)?.iter().position(|b| *b == b'\n') {
        let nl = i + off;
        let rest = &buf[nl + 1..];
        if rest.starts_with(b"\r\n") {
            return Some(nl + 3);
        }
        if rest.starts_with(b"\n") {
            return Some(nl + 2);
        }
        i = nl + 1;
    }
    None
}

/// The origin-form of a request target (`/path?query`); absolute-form
/// (`http://host/path`) is reduced to it.
fn origin_form(target: &str) -> Option<String> {
    if target.starts_with('/') {
        return Some(target.to_string());
    }
    let lower = target.to_ascii_lowercase();
    let rest_at = if lower.starts_with("http://") {
        7
    } else if lower.starts_with("https://") {
        8
    } else {
        return None;
    };
    let rest = target.get(rest_at..)?;
    match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('/') => Some(rest[i..].to_string()),
        Some(i) => Some(format!("/{}", &rest[i..])),
        None => Some("/".to_string()),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

fn response_head(
    status: u16,
    content_type: &str,
    extra: &[(&str, String)],
    len: u64,
    keep_alive: bool,
) -> Vec<u8> {
    let mut h = format!(
        "HTTP/1.1 {status} {}\r\nDate: {}\r\nServer: psjob-mock\r\n",
        reason(status),
        http_date(SystemTime::now())
    );
    if !content_type.is_empty() {
        h.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    h.push_str(&format!("Content-Length: {len}\r\n"));
    for (k, v) in extra {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    if !keep_alive {
        h.push_str("Connection: close\r\n");
    }
    h.push_str("\r\n");
    h.into_bytes()
}

fn to_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

/// Writes a whole response and maps a write error to Flow::Abort.
fn send(
    conn: &mut Conn,
    req: &Request,
    status: u16,
    ctype: &str,
    extra: &[(&str, String)],
    body: &[u8],
) -> Flow {
    match conn.write_response(req.is_head(), status, ctype, extra, body, req.keep_alive) {
        Ok(()) => Flow::KeepAlive,
        Err(_) => Flow::Abort,
    }
}

fn send_json(
    conn: &mut Conn,
    req: &Request,
    status: u16,
    extra: &[(&str, String)],
    body: &Value,
) -> Flow {
    send(
        conn,
        req,
        status,
        "application/json",
        extra,
        &to_bytes(body),
    )
}

fn method_not_allowed(conn: &mut Conn, req: &Request, allow: &str) -> Flow {
    let body = json!({"error_code": "method_not_allowed", "message": format!("Use {allow}")});
    send_json(conn, req, 405, &[("Allow", allow.to_string())], &body)
}

// ---------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Route {
    V1,
    V2,
}

fn handle(conn: &mut Conn, req: &Request) -> Flow {
    if let Some(what) = req.path.strip_prefix("/_mock/") {
        return control(conn, req, what);
    }
    lock(&conn.shared.requests).push(RecordedRequest {
        method: req.method.clone(),
        path: req.target.clone(),
        headers: req.headers.clone(),
        body: req.body.clone(),
    });
    let path = req.path.clone();
    if let Some(id) = path.strip_prefix("/v2/status/") {
        status_route(conn, req, Route::V2, id)
    } else if let Some(id) = path.strip_prefix("/pie/psdService/status/") {
        status_route(conn, req, Route::V1, id)
    } else if let Some(name) = path.strip_prefix("/files/") {
        files_route(conn, req, name)
    } else if path == "/ims/token/v3" {
        ims_route(conn, req)
    } else {
        let body = json!({"error_code": "not_found", "message": "No such route"});
        send_json(conn, req, 404, &[], &body)
    }
}

// ---------------------------------------------------------------------------
// Status routes
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Script {
    Succeed,
    Quick,
    Fail,
    Partial,
    RateLimit,
    RateDate,
    RetryHuge,
    Unavailable,
    ServerError,
    BadRequest,
    Never,
    Slow,
    Garbage,
    NotObject,
    Truncate,
    Reset,
    Stall,
    Big,
    Gzip,
    Redirect,
    UnauthMid,
}

const SCRIPTS: &[(&str, Script)] = &[
    ("succeed", Script::Succeed),
    ("quick", Script::Quick),
    ("fail", Script::Fail),
    ("partial", Script::Partial),
    ("ratelimit", Script::RateLimit),
    ("ratedate", Script::RateDate),
    ("retryhuge", Script::RetryHuge),
    ("unavailable", Script::Unavailable),
    ("servererror", Script::ServerError),
    ("badrequest", Script::BadRequest),
    ("never", Script::Never),
    ("slow", Script::Slow),
    ("garbage", Script::Garbage),
    ("notobject", Script::NotObject),
    ("truncate", Script::Truncate),
    ("reset", Script::Reset),
    ("stall", Script::Stall),
    ("big", Script::Big),
    ("gzip", Script::Gzip),
    ("redirect", Script::Redirect),
    ("unauthmid", Script::UnauthMid),
];

/// The script of a (decoded) job id: by prefix; for a URN, of its last
/// `:`-separated part.
fn script_of(id: &str) -> Option<Script> {
    let name = if id.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) {
        id.rsplit(':').next().unwrap_or("")
    } else {
        id
    };
    SCRIPTS
        .iter()
        .find(|(p, _)| name.starts_with(p))
        .map(|(_, s)| *s)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Pending,
    Running,
    Succeeded,
    Failed,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Running => "running",
            State::Succeeded => "succeeded",
            State::Failed => "failed",
        }
    }
    fn http_status(self) -> u16 {
        match self {
            State::Pending | State::Running => 202,
            State::Succeeded | State::Failed => 200,
        }
    }
}

fn unauthorized_body() -> Value {
    json!({"error_code": "401013", "message": "Oauth token is not valid"})
}

fn token_ok(shared: &Shared, req: &Request) -> bool {
    let Some(auth) = req.header("authorization") else {
        return false;
    };
    let auth = auth.trim();
    let Some((scheme, token)) = auth.split_once([' ', '\t']) else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return false;
    }
    let token = token.trim();
    if token == TOKEN {
        return true;
    }
    lock(&shared.tokens)
        .get(token)
        .is_some_and(|exp| Instant::now() < *exp)
}

fn api_key_ok(req: &Request) -> bool {
    matches!(req.header("x-api-key"), Some(k) if k == API_KEY || k == CLIENT_ID)
}

fn status_route(conn: &mut Conn, req: &Request, route: Route, raw_id: &str) -> Flow {
    if req.method != "GET" && req.method != "HEAD" {
        return method_not_allowed(conn, req, "GET, HEAD");
    }
    if !token_ok(conn.shared, req) {
        return send_json(conn, req, 401, &[], &unauthorized_body());
    }
    if !api_key_ok(req) {
        let body = json!({"error_code": "403003", "message": "Api Key is invalid"});
        return send_json(conn, req, 403, &[], &body);
    }
    let id = percent_decode(raw_id, false);
    let script = if id.is_empty() || raw_id.contains('/') {
        None
    } else {
        script_of(&id)
    };
    let Some(script) = script else {
        let body = json!({"error_code": "unknown_job_id", "message": "Job not found"});
        return send_json(conn, req, 404, &[], &body);
    };
    let poll = {
        let mut polls = lock(&conn.shared.polls);
        let n = polls.entry((route, id.clone())).or_insert(0);
        *n += 1;
        *n
    };
    let ctx = Ctx {
        base: conn.shared.base_url.clone(),
        route,
        id,
        poll,
    };
    let rate_limited =
        || json!({"error_code": "unauthorized_rate_limited", "message": "Too many requests."});
    match script {
        Script::Succeed => {
            let state = match poll {
                1 => State::Pending,
                2 => State::Running,
                _ => State::Succeeded,
            };
            send_doc(conn, req, &ctx, state)
        }
        Script::Quick => send_doc(conn, req, &ctx, State::Succeeded),
        Script::Fail => send_doc(
            conn,
            req,
            &ctx,
            if poll == 1 {
                State::Running
            } else {
                State::Failed
            },
        ),
        Script::Partial => send_json(conn, req, 200, &[], &ctx.partial_doc()),
        Script::RateLimit if poll <= 2 => send_json(
            conn,
            req,
            429,
            &[("Retry-After", "1".into())],
            &rate_limited(),
        ),
        Script::RateDate if poll <= 2 => {
            let at = ceil_secs(SystemTime::now() + Duration::from_secs(1));
            send_json(
                conn,
                req,
                429,
                &[("Retry-After", http_date(at))],
                &rate_limited(),
            )
        }
        Script::RateLimit | Script::RateDate => send_doc(conn, req, &ctx, State::Succeeded),
        Script::RetryHuge => send_json(
            conn,
            req,
            429,
            &[("Retry-After", "999999".into())],
            &rate_limited(),
        ),
        Script::Unavailable if poll <= 3 => {
            let body =
                json!({"error_code": "service_unavailable", "message": "Service unavailable"});
            send_json(conn, req, 503, &[], &body)
        }
        Script::Unavailable => send_doc(conn, req, &ctx, State::Succeeded),
        Script::ServerError => send(
            conn,
            req,
            500,
            "text/html",
            &[],
            b"<html><body><h1>500 Internal Server Error</h1></body></html>",
        ),
        Script::BadRequest => {
            let body = json!({"type": "InputValidationError", "title": "request has invalid parameters", "code": "400"});
            send_json(conn, req, 400, &[], &body)
        }
        Script::Never => send_doc(conn, req, &ctx, State::Running),
        Script::Slow => {
            if !conn.sleep(Duration::from_millis(1500)) {
                return Flow::Abort;
            }
            send_doc(conn, req, &ctx, State::Succeeded)
        }
        Script::Garbage => send(
            conn,
            req,
            200,
            "text/plain",
            &[],
            b"this is not json <html>",
        ),
        Script::NotObject => send(conn, req, 200, "application/json", &[], b"[1,2,3]"),
        Script::Truncate => {
            let body = to_bytes(&ctx.doc(State::Succeeded));
            let mut out = response_head(200, "application/json", &[], 1000, false);
            out.extend_from_slice(&body[..body.len().min(100)]);
            let _ = conn.stream.write_all(&out);
            Flow::Close
        }
        Script::Reset => Flow::Reset,
        Script::Stall => {
            let body = to_bytes(&ctx.doc(State::Succeeded));
            let mut out = response_head(200, "application/json", &[], 1000, false);
            out.extend_from_slice(&body[..body.len().min(10)]);
            if conn
                .stream
                .write_all(&out)
                .and_then(|_| conn.stream.flush())
                .is_err()
            {
                return Flow::Abort;
            }
            conn.sleep(Duration::from_secs(30));
            Flow::Abort
        }
        Script::Big => send_big(conn, req, &ctx, false),
        Script::Gzip => send_big(conn, req, &ctx, accepts_gzip(req)),
        Script::Redirect => {
            let loc = format!(
                "http://localhost:{}/v2/status/quick-redirected",
                conn.shared.local.port()
            );
            send(conn, req, 302, "", &[("Location", loc)], b"")
        }
        Script::UnauthMid if poll == 1 => send_doc(conn, req, &ctx, State::Running),
        Script::UnauthMid => send_json(conn, req, 401, &[], &unauthorized_body()),
    }
}

fn send_doc(conn: &mut Conn, req: &Request, ctx: &Ctx, state: State) -> Flow {
    send_json(conn, req, state.http_status(), &[], &ctx.doc(state))
}

/// What a status document is built from.
struct Ctx {
    base: String,
    route: Route,
    id: String,
    poll: u32,
}

impl Ctx {
    fn enc_id(&self) -> String {
        encode_segment(&self.id)
    }
    fn file_url(&self, suffix: &str) -> String {
        format!("{}/files/{}{}", self.base, self.enc_id(), suffix)
    }
    fn self_href(&self) -> String {
        format!("{}/pie/psdService/status/{}", self.base, self.enc_id())
    }
    fn modified(&self) -> String {
        format!("2025-01-15T10:30:{:02}.000Z", self.poll.min(59))
    }

    fn doc(&self, state: State) -> Value {
        match self.route {
            Route::V2 => self.v2_doc(state),
            Route::V1 => self.v1_doc(vec![self.v1_output(state, "")]),
        }
    }

    fn v2_doc(&self, state: State) -> Value {
        let mut doc = json!({
            "jobId": self.id,
            "status": state.as_str(),
            "createdTime": CREATED,
            "modifiedTime": self.modified(),
        });
        match state {
            State::Succeeded => {
                doc["result"] = json!({"outputs": [
                    {"destination": {"url": self.file_url("-1.jpg")}, "mediaType": "image/jpeg"},
                    {"destination": {"url": self.file_url("-2.png")}, "mediaType": "image/png"},
                ]});
            }
            State::Failed => {
                doc["errorDetails"] =
                    json!([{"errorCode": "400401", "message": "The value provided is not valid."}]);
            }
            State::Pending | State::Running => {}
        }
        doc
    }

    fn v1_doc(&self, outputs: Vec<Value>) -> Value {
        json!({
            "jobId": self.id,
            "outputs": outputs,
            "_links": {"self": {"href": self.self_href()}},
        })
    }

    fn v1_output(&self, state: State, input_suffix: &str) -> Value {
        let mut out = json!({
            "input": self.file_url(&format!("{input_suffix}.psd")),
            "status": state.as_str(),
            "created": CREATED,
            "modified": self.modified(),
        });
        match state {
            State::Succeeded => {
                out["_links"] = json!({"renditions": [
                    {"href": self.file_url("-1.jpg"), "width": 512, "storage": "external", "type": "image/jpeg"},
                    {"href": self.file_url("-2.png"), "storage": "external", "type": "image/png"},
                ]});
            }
            State::Failed => {
                out["errors"] = json!({
                    "type": "InputValidationError",
                    "code": "400",
                    "title": "request has invalid parameters",
                    "details": [{"name": "outputs[0].storage", "reason": "should be one of external, azure, dropbox"}],
                });
            }
            State::Pending | State::Running => {}
        }
        out
    }

    fn partial_doc(&self) -> Value {
        let mut ok = self.v1_output(State::Succeeded, "-a");
        ok["_links"] = json!({"renditions": [
            {"href": self.file_url("-1.jpg"), "width": 512, "storage": "external", "type": "image/jpeg"},
        ]});
        let failed = self.v1_output(State::Failed, "-b");
        self.v1_doc(vec![ok, failed])
    }
}

// ---------------------------------------------------------------------------
// The ~2 MB documentManifest, plain and gzip
// ---------------------------------------------------------------------------

/// The `layers` array text, built once per process.
fn big_layers() -> &'static [u8] {
    static LAYERS: OnceLock<Vec<u8>> = OnceLock::new();
    LAYERS.get_or_init(|| {
        const TYPES: [&str; 5] = ["layer", "textLayer", "adjustmentLayer", "smartObject", "fillLayer"];
        let mut s = String::with_capacity(BIG_TARGET + 4096);
        s.push('[');
        let mut n: u64 = 0;
        let mut first = true;
        let layer = |n: u64| {
            format!(
                "{{\"id\":{n},\"index\":{n},\"name\":\"layer-{n}\",\"type\":\"{}\",\"locked\":false,\"visible\":{},\
                 \"bounds\":{{\"left\":{},\"top\":{},\"width\":{},\"height\":{}}}}}",
                TYPES[(n % 5) as usize],
                n % 7 != 0,
                n * 37 % 4000,
                n * 53 % 3000,
                16 + n * 11 % 800,
                16 + n * 13 % 600
            )
        };
        while s.len() < BIG_TARGET {
            if !first {
                s.push(',');
            }
            first = false;
            n += 1;
            if n % 50 == 0 {
                // A group with two children.
                let (a, b) = (n + 1, n + 2);
                s.push_str(&format!(
                    "{{\"id\":{n},\"index\":{n},\"name\":\"layer-{n}\",\"type\":\"layerSection\",\"locked\":false,\
                     \"visible\":true,\"bounds\":{{\"left\":0,\"top\":0,\"width\":4000,\"height\":3000}},\
                     \"children\":[{},{}]}}",
                    layer(a),
                    layer(b)
                ));
                n += 2;
            } else {
                s.push_str(&layer(n));
            }
        }
        s.push(']');
        s.into_bytes()
    })
}

/// The layers array as raw deflate blocks ending on a byte boundary (sync
/// flush, no final block), and their CRC-32: compressed once per process.
fn big_layers_deflated() -> &'static (Vec<u8>, flate2::Crc) {
    static GZ: OnceLock<(Vec<u8>, flate2::Crc)> = OnceLock::new();
    GZ.get_or_init(|| {
        let layers = big_layers();
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        let _ = enc.write_all(layers);
        let _ = enc.flush(); // sync flush: byte-aligned, not final
        let data = std::mem::take(enc.get_mut());
        drop(enc); // writes its final block into the emptied Vec, which we drop
        let mut crc = flate2::Crc::new();
        crc.update(layers);
        (data, crc)
    })
}

fn big_parts(ctx: &Ctx) -> (Vec<u8>, Vec<u8>) {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let prefix = format!(
        "{{\"jobId\":{},\"outputs\":[{{\"input\":{},\"status\":\"succeeded\",\"created\":\"{CREATED}\",\
         \"modified\":{},\"document\":{{\"name\":\"big.psd\",\"width\":4000,\"height\":3000,\"bitDepth\":8,\
         \"imageMode\":\"rgb\",\"photoshopBuild\":\"Adobe Creative Imaging Service\",\
         \"iccProfileName\":\"sRGB IEC61966-2.1\"}},\"layers\":",
        q(&ctx.id),
        q(&ctx.file_url(".psd")),
        q(&ctx.modified())
    );
    let suffix = format!(
        "}}],\"_links\":{{\"self\":{{\"href\":{}}}}}}}",
        q(&ctx.self_href())
    );
    (prefix.into_bytes(), suffix.into_bytes())
}

/// Deflate "stored" blocks holding `data`.
fn stored_blocks(out: &mut Vec<u8>, data: &[u8], last: bool) {
    let mut chunks: Vec<&[u8]> = data.chunks(65535).collect();
    if chunks.is_empty() {
        chunks.push(&[]);
    }
    let n = chunks.len();
    for (i, c) in chunks.into_iter().enumerate() {
        let fin = last && i + 1 == n;
        let len = c.len() as u16;
        out.push(u8::from(fin)); // BFINAL, BTYPE=00, padding
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(c);
    }
}

/// The gzip member of prefix + layers + suffix, reusing the cached
/// compressed layers.
fn big_gzip(prefix: &[u8], suffix: &[u8]) -> Vec<u8> {
    let (deflated, layers_crc) = big_layers_deflated();
    let mut out = Vec::with_capacity(deflated.len() + prefix.len() + suffix.len() + 64);
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    stored_blocks(&mut out, prefix, false);
    out.extend_from_slice(deflated);
    stored_blocks(&mut out, suffix, true);
    let mut crc = flate2::Crc::new();
    crc.update(prefix);
    crc.combine(layers_crc);
    let mut tail = flate2::Crc::new();
    tail.update(suffix);
    crc.combine(&tail);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&crc.amount().to_le_bytes());
    out
}

fn accepts_gzip(req: &Request) -> bool {
    req.headers
        .iter()
        .filter(|(k, _)| k == "accept-encoding")
        .flat_map(|(_, v)| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let q_zero = parts.any(|p| {
                let p = p.trim();
                p.get(..2).is_some_and(|k| k.eq_ignore_ascii_case("q="))
                    && p[2..].trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip"))
                && !q_zero
        })
}

fn send_big(conn: &mut Conn, req: &Request, ctx: &Ctx, gzip: bool) -> Flow {
    let (prefix, suffix) = big_parts(ctx);
    let vary = ("Vary", "Accept-Encoding".to_string());
    let result = if gzip {
        let body = big_gzip(&prefix, &suffix);
        let extra = [("Content-Encoding", "gzip".to_string()), vary];
        conn.write_response(
            req.is_head(),
            200,
            "application/json",
            &extra,
            &body,
            req.keep_alive,
        )
    } else {
        let layers = big_layers();
        let len = (prefix.len() + layers.len() + suffix.len()) as u64;
        let head = response_head(200, "application/json", &[vary], len, req.keep_alive);
        let s = &mut conn.stream;
        s.write_all(&head).and_then(|_| {
            if req.is_head() {
                return Ok(());
            }
            s.write_all(&prefix)?;
            s.write_all(layers)?;
            s.write_all(&suffix)
        })
    };
    match result {
        Ok(()) => Flow::KeepAlive,
        Err(_) => Flow::Abort,
    }
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

fn files_route(conn: &mut Conn, req: &Request, raw_name: &str) -> Flow {
    if req.method != "GET" && req.method != "HEAD" {
        return method_not_allowed(conn, req, "GET, HEAD");
    }
    let name = percent_decode(raw_name, false);
    let size = match query_param(&req.query, "size") {
        None => DEFAULT_FILE,
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if n <= MAX_FILE => n,
            _ => {
                let body = json!({"error_code": "bad_size", "message": "size must be an integer from 0 to 268435456"});
                return send_json(conn, req, 400, &[], &body);
            }
        },
    };
    let query = if req.query.is_empty() {
        String::new()
    } else {
        format!("?{}", req.query)
    };
    let rest_after = |prefix: &str| {
        let rest = name[prefix.len()..].trim_start_matches(['-', '_']);
        encode_segment(if rest.is_empty() { "file" } else { rest })
    };
    if name.starts_with("redirect") {
        let host = req
            .header("host")
            .map(str::to_string)
            .unwrap_or_else(|| conn.shared.local.to_string());
        let loc = format!("http://{host}/files/{}{query}", rest_after("redirect"));
        return send(conn, req, 302, "", &[("Location", loc)], b"");
    }
    if name.starts_with("offhost") {
        let loc = format!(
            "http://localhost:{}/files/{}{query}",
            conn.shared.local.port(),
            rest_after("offhost")
        );
        return send(conn, req, 302, "", &[("Location", loc)], b"");
    }
    if name.starts_with("missing") {
        return send(conn, req, 404, "text/plain", &[], b"file not found\n");
    }
    let broken = name.starts_with("broken");
    let head = response_head(
        200,
        "application/octet-stream",
        &[],
        size,
        req.keep_alive && !broken,
    );
    if conn.stream.write_all(&head).is_err() {
        return Flow::Abort;
    }
    if req.is_head() {
        return Flow::KeepAlive;
    }
    let send_len = if broken { size / 2 } else { size };
    match write_pattern(conn, send_len) {
        Ok(()) if broken => Flow::Close,
        Ok(()) => Flow::KeepAlive,
        Err(_) => Flow::Abort,
    }
}

/// Writes `len` bytes where byte i is `(i % 251) as u8`, in chunks.
fn write_pattern(conn: &mut Conn, len: u64) -> io::Result<()> {
    static CHUNK: OnceLock<Vec<u8>> = OnceLock::new();
    // 256 * 251 bytes: every chunk starts at a multiple of 251.
    let chunk = CHUNK.get_or_init(|| (0..251 * 256).map(|i| (i % 251) as u8).collect());
    let mut left = len;
    while left > 0 {
        if conn.stopping() {
            return Err(io::Error::other("server stopping"));
        }
        let n = left.min(chunk.len() as u64) as usize;
        conn.stream.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    conn.stream.flush()
}

// ---------------------------------------------------------------------------
// IMS
// ---------------------------------------------------------------------------

fn ims_route(conn: &mut Conn, req: &Request) -> Flow {
    if req.method != "POST" {
        return method_not_allowed(conn, req, "POST");
    }
    if query_param(&req.query, "slow").is_some_and(|v| v != "0")
        && !conn.sleep(Duration::from_secs(2))
    {
        return Flow::Abort;
    }
    if query_param(&req.query, "fail").is_some_and(|v| v == "500") {
        return send(
            conn,
            req,
            500,
            "text/html",
            &[],
            b"<html><body><h1>500 Internal Server Error</h1></body></html>",
        );
    }
    if query_param(&req.query, "garbage").is_some_and(|v| v != "0") {
        return send(conn, req, 200, "text/plain", &[], b"not json");
    }
    let form_ct = req.header("content-type").is_some_and(|v| {
        v.trim()
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    if !form_ct {
        let body = json!({"error": "invalid_request", "error_description": "Content-Type must be application/x-www-form-urlencoded"});
        return send_json(conn, req, 400, &[], &body);
    }
    let form = parse_form(&String::from_utf8_lossy(&req.body));
    let field = |n: &str| form.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    if field("client_id") != Some(CLIENT_ID) || field("client_secret") != Some(CLIENT_SECRET) {
        let body = json!({"error": "invalid_client", "error_description": "invalid client_id or client_secret parameter"});
        return send_json(conn, req, 401, &[], &body);
    }
    if field("grant_type") != Some("client_credentials") {
        let body = json!({"error": "unsupported_grant_type", "error_description": "grant_type must be client_credentials"});
        return send_json(conn, req, 400, &[], &body);
    }
    let expires_in: u64 = query_param(&req.query, "expires_in")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(86399);
    let n = conn.shared.token_seq.fetch_add(1, Ordering::SeqCst) + 1;
    let token = format!("ims-token-{n}");
    let expiry = Instant::now() + Duration::from_secs(expires_in.min(100 * 365 * 86400));
    lock(&conn.shared.tokens).insert(token.clone(), expiry);
    let body = json!({"access_token": token, "token_type": "bearer", "expires_in": expires_in});
    // Counted before the answer leaves, so a client that has it sees the count.
    conn.shared.token_fetches.fetch_add(1, Ordering::SeqCst);
    send_json(conn, req, 200, &[], &body)
}

// ---------------------------------------------------------------------------
// Control endpoints
// ---------------------------------------------------------------------------

fn control(conn: &mut Conn, req: &Request, what: &str) -> Flow {
    if req.method != "GET" && req.method != "HEAD" {
        return method_not_allowed(conn, req, "GET, HEAD");
    }
    match what {
        "requests" => {
            let filter = query_param(&req.query, "path").unwrap_or_default();
            let list: Vec<Value> = lock(&conn.shared.requests)
                .iter()
                .filter(|r| r.path.contains(&filter))
                .map(|r| {
                    let mut headers = serde_json::Map::new();
                    for (k, v) in &r.headers {
                        let joined = match headers.get(k).and_then(Value::as_str) {
                            Some(prev) => format!("{prev}, {v}"),
                            None => v.clone(),
                        };
                        headers.insert(k.clone(), Value::String(joined));
                    }
                    json!({
                        "method": r.method,
                        "path": r.path,
                        "headers": headers,
                        "body": String::from_utf8_lossy(&r.body),
                    })
                })
                .collect();
            send_json(
                conn,
                req,
                200,
                &[],
                &json!({"count": list.len(), "requests": list}),
            )
        }
        "stats" => {
            let body = json!({
                "connections": conn.shared.connections.load(Ordering::SeqCst),
                "requests": lock(&conn.shared.requests).len(),
                "token_fetches": conn.shared.token_fetches.load(Ordering::SeqCst),
            });
            send_json(conn, req, 200, &[], &body)
        }
        _ => {
            let body = json!({"error_code": "not_found", "message": "No such control endpoint"});
            send_json(conn, req, 404, &[], &body)
        }
    }
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes (invalid escapes stay literal); `plus`: `+` is a space.
fn percent_decode(s: &str, plus: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hi = b.get(i + 1).copied().and_then(hex_val);
                let lo = b.get(i + 2).copied().and_then(hex_val);
                if let (Some(h), Some(l)) = (hi, lo) {
                    out.push(h * 16 + l);
                    i += 3;
                } else {
                    out.push(b'%');
                    i += 1;
                }
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes one path segment, keeping RFC 3986 unreserved characters
/// and `:` (as the psjob client does).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn parse_form(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

fn query_param(query: &str, name: &str) -> Option<String> {
    parse_form(query)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Rounds a time up to a whole second.
fn ceil_secs(t: SystemTime) -> SystemTime {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// IMF-fixdate (RFC 9110 5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86400) as i64;
    let rem = secs % 86400;
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        WD[days.rem_euclid(7) as usize],
        day,
        MON[(month - 1) as usize],
        year,
        h,
        m,
        s
    )
}
