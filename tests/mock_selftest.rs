//! Checks the mock Photoshop API service (tests/mock) with a raw HTTP/1.1
//! client on std's TcpStream, so that the mock is known good before the
//! psjob tests rely on it.

mod mock;

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mock::{MockServer, API_KEY, CLIENT_ID, CLIENT_SECRET, TOKEN};
use serde_json::Value;

// ---------------------------------------------------------------------------
// A tiny HTTP/1.1 client
// ---------------------------------------------------------------------------

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

const AUTH: &[(&str, &str)] = &[
    ("Authorization", "Bearer mock-token"),
    ("x-api-key", API_KEY),
];

impl Client {
    fn connect(server: &MockServer) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", server.port())).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        Client {
            stream,
            buf: Vec::new(),
        }
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    fn send_request(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) {
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            req.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        self.send_raw(&bytes);
    }

    fn request(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        self.send_request(method, path, headers, body);
        self.read_response(method == "HEAD")
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// GET with valid credentials.
    fn get(&mut self, path: &str) -> Resp {
        self.request("GET", path, AUTH, b"")
    }

    fn fill(&mut self) -> io::Result<usize> {
        let mut tmp = [0u8; 65536];
        let n = self.stream.read(&mut tmp)?;
        self.buf.extend_from_slice(&tmp[..n]);
        Ok(n)
    }

    /// Reads a status line and headers.
    fn read_head(&mut self) -> io::Result<(u16, Vec<(String, String)>)> {
        loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8(self.buf[..i].to_vec()).expect("head is UTF-8");
                self.buf.drain(..i + 4);
                let mut lines = head.split("\r\n");
                let status_line = lines.next().unwrap();
                assert!(status_line.starts_with("HTTP/1.1 "), "{status_line}");
                let status = status_line[9..12].parse().unwrap();
                let headers = lines
                    .map(|l| {
                        let (k, v) = l.split_once(':').expect("header line");
                        (k.to_ascii_lowercase(), v.trim().to_string())
                    })
                    .collect();
                return Ok((status, headers));
            }
            if self.fill()? == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "EOF in head"));
            }
        }
    }

    fn read_response(&mut self, head_only: bool) -> io::Result<Resp> {
        let (status, headers) = self.read_head()?;
        let resp = Resp {
            status,
            headers,
            body: Vec::new(),
        };
        let len: usize = if head_only {
            0
        } else {
            resp.header("content-length")
                .expect("Content-Length")
                .parse()
                .unwrap()
        };
        while self.buf.len() < len {
            if self.fill()? == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "EOF in body"));
            }
        }
        let body = self.buf.drain(..len).collect();
        Ok(Resp { body, ..resp })
    }

    /// Reads until EOF (or error); returns what came.
    fn read_to_end(&mut self) -> (Vec<u8>, io::Result<()>) {
        loop {
            match self.fill() {
                Ok(0) => return (std::mem::take(&mut self.buf), Ok(())),
                Ok(_) => {}
                Err(e) => return (std::mem::take(&mut self.buf), Err(e)),
            }
        }
    }

    /// True when the server has closed the connection (EOF within 2 s).
    fn closed_by_server(&mut self) -> bool {
        self.stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        loop {
            match self.fill() {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) => return e.kind() == io::ErrorKind::ConnectionReset,
            }
        }
    }
}

fn pattern(start: usize, len: usize) -> Vec<u8> {
    (start..start + len).map(|i| (i % 251) as u8).collect()
}

fn assert_json_ct(r: &Resp) {
    assert_eq!(r.header("content-type"), Some("application/json"), "{r:?}");
}

// ---------------------------------------------------------------------------
// Scripts
// ---------------------------------------------------------------------------

#[test]
fn succeed_on_both_routes_over_one_connection() {
    let server = MockServer::start();
    let base = server.base_url();
    assert_eq!(base, format!("http://127.0.0.1:{}", server.port()));
    let mut c = Client::connect(&server);

    let states: Vec<(u16, String)> = (0..4)
        .map(|_| {
            let r = c.get("/v2/status/succeed-t1");
            assert_json_ct(&r);
            (r.status, r.json()["status"].as_str().unwrap().to_string())
        })
        .collect();
    let want = [
        (202, "pending"),
        (202, "running"),
        (200, "succeeded"),
        (200, "succeeded"),
    ];
    assert_eq!(states, want.map(|(s, t)| (s, t.to_string())));
    let doc = c.get("/v2/status/succeed-t1").json();
    assert_eq!(doc["jobId"], "succeed-t1");
    assert!(doc["createdTime"].is_string() && doc["modifiedTime"].is_string());
    let outs = doc["result"]["outputs"].as_array().unwrap();
    assert_eq!(outs.len(), 2);
    assert_eq!(
        outs[0]["destination"]["url"],
        format!("{base}/files/succeed-t1-1.jpg")
    );
    assert_eq!(outs[0]["mediaType"], "image/jpeg");
    assert_eq!(
        outs[1]["destination"]["url"],
        format!("{base}/files/succeed-t1-2.png")
    );
    assert_eq!(outs[1]["mediaType"], "image/png");

    // v1 route: its own counter for the same id.
    let r = c.get("/pie/psdService/status/succeed-t1");
    assert_eq!(r.status, 202);
    assert_eq!(r.json()["outputs"][0]["status"], "pending");
    assert_eq!(
        c.get("/pie/psdService/status/succeed-t1").json()["outputs"][0]["status"],
        "running"
    );
    let r = c.get("/pie/psdService/status/succeed-t1");
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert_eq!(doc["jobId"], "succeed-t1");
    assert_eq!(
        doc["_links"]["self"]["href"],
        format!("{base}/pie/psdService/status/succeed-t1")
    );
    let out = &doc["outputs"][0];
    assert_eq!(out["status"], "succeeded");
    assert!(out["input"].is_string() && out["created"].is_string() && out["modified"].is_string());
    let rend = out["_links"]["renditions"].as_array().unwrap();
    assert_eq!(rend.len(), 2);
    assert_eq!(rend[0]["href"], format!("{base}/files/succeed-t1-1.jpg"));
    assert_eq!(rend[0]["width"], 512);
    assert_eq!(rend[0]["storage"], "external");
    assert_eq!(rend[0]["type"], "image/jpeg");
    assert_eq!(rend[1]["href"], format!("{base}/files/succeed-t1-2.png"));
    assert_eq!(rend[1]["type"], "image/png");
    assert!(rend[1].get("width").is_none());

    assert_eq!(server.connections(), 1, "keep-alive: one connection");
    let recorded = server.requests_to("succeed-t1");
    assert_eq!(recorded.len(), 8);
    assert_eq!(recorded[0].method, "GET");
    assert_eq!(recorded[0].path, "/v2/status/succeed-t1");
    assert_eq!(recorded[0].header("X-API-Key"), Some(API_KEY));
    assert_eq!(
        recorded[0].header("authorization"),
        Some("Bearer mock-token")
    );
    assert!(recorded[0]
        .headers
        .iter()
        .all(|(n, _)| *n == n.to_ascii_lowercase()));
    assert_eq!(server.requests().len(), 8);
    server.shutdown();
}

#[test]
fn auth_is_checked_first() {
    let server = MockServer::start();
    let mut c = Client::connect(&server);
    for path in [
        "/v2/status/quick-a1",
        "/pie/psdService/status/quick-a1",
        "/v2/status/nosuchjob",
    ] {
        let r = c.request("GET", path, &[("x-api-key", API_KEY)], b"");
        assert_eq!(r.status, 401, "{path}");
        assert_json_ct(&r);
        assert_eq!(
            r.json(),
            serde_json::json!({"error_code":"401013","message":"Oauth token is not valid"})
        );
        let r = c.request(
            "GET",
            path,
            &[("Authorization", "Bearer wrong"), ("x-api-key", API_KEY)],
            b"",
        );
        assert_eq!(r.status, 401);
        let r = c.request("GET", path, &[("Authorization", "Bearer mock-token")], b"");
        assert_eq!(r.status, 403, "{path}");
        assert_json_ct(&r);
        assert_eq!(
            r.json(),
            serde_json::json!({"error_code":"403003","message":"Api Key is invalid"})
        );
        let r = c.request(
            "GET",
            path,
            &[
                ("Authorization", "Bearer mock-token"),
                ("x-api-key", "nope"),
            ],
            b"",
        );
        assert_eq!(r.status, 403);
    }
    let r = c.request(
        "GET",
        "/v2/status/quick-a2",
        &[
            ("authorization", "bearer mock-token"),
            ("X-Api-Key", CLIENT_ID),
        ],
        b"",
    );
    assert_eq!(r.status, 200);
    let r = c.get("/v2/status/nosuchjob");
    assert_eq!(r.status, 404);
    assert_json_ct(&r);
    assert_eq!(
        r.json(),
        serde_json::json!({"error_code":"unknown_job_id","message":"Job not found"})
    );
    assert_eq!(c.get("/v2/status/").status, 404);
    assert_eq!(server.connections(), 1);
}

#[test]
fn ims_tokens() {
    let server = MockServer::start();
    let mut c = Client::connect(&server);
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let good = format!(
        "grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}&scope=openid%2CAdobeID,read_organizations"
    );

    let r = c.request(
        "POST",
        "/ims/token/v3",
        &form,
        b"grant_type=client_credentials&client_id=mock-client&client_secret=bad",
    );
    assert_eq!(r.status, 401);
    assert_json_ct(&r);
    assert_eq!(r.json()["error"], "invalid_client");
    assert!(r.json()["error_description"].is_string());
    let r = c.request(
        "POST",
        "/ims/token/v3",
        &form,
        b"grant_type=password&client_id=mock-client&client_secret=mock-secret",
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "unsupported_grant_type");
    let r = c.request("POST", "/ims/token/v3?fail=500", &form, good.as_bytes());
    assert_eq!(r.status, 500);
    assert_eq!(r.header("content-type"), Some("text/html"));
    let r = c.request("POST", "/ims/token/v3?garbage=1", &form, good.as_bytes());
    assert_eq!((r.status, r.text().as_str()), (200, "not json"));
    assert_eq!(server.token_fetches(), 0);

    let r = c.request("POST", "/ims/token/v3", &form, good.as_bytes());
    assert_eq!(r.status, 200);
    assert_json_ct(&r);
    let tok = r.json();
    assert_eq!(tok["access_token"], "ims-token-1");
    assert_eq!(tok["token_type"], "bearer");
    assert_eq!(tok["expires_in"], 86399);
    assert_eq!(server.token_fetches(), 1);
    let r = c.request(
        "GET",
        "/v2/status/quick-i1",
        &[
            ("Authorization", "Bearer ims-token-1"),
            ("x-api-key", CLIENT_ID),
        ],
        b"",
    );
    assert_eq!(r.status, 200);

    // '+' is a space, %XX decoded: the secret arrives as encoded form text.
    let encoded = "grant_type=client%5Fcredentials&client_id=mock%2Dclient&client_secret=mock-secret&scope=a+b";
    let r = c.request(
        "POST",
        "/ims/token/v3?expires_in=1",
        &form,
        encoded.as_bytes(),
    );
    assert_eq!(r.status, 200);
    let tok = r.json();
    assert_eq!(tok["expires_in"], 1);
    let short = format!("Bearer {}", tok["access_token"].as_str().unwrap());
    let hdrs = [("Authorization", short.as_str()), ("x-api-key", CLIENT_ID)];
    assert_eq!(
        c.request("GET", "/v2/status/quick-i2", &hdrs, b"").status,
        200
    );
    std::thread::sleep(Duration::from_millis(1100));
    let r = c.request("GET", "/v2/status/quick-i2", &hdrs, b"");
    assert_eq!(r.status, 401, "expired IMS token");
    assert_eq!(server.token_fetches(), 2);
    let recorded = server.requests_to("/ims/token/v3");
    assert_eq!(recorded.len(), 6);
    assert_eq!(recorded[4].body, good.as_bytes());
}

#[test]
fn status_scripts() {
    let server = MockServer::start();
    let base = server.base_url();
    let mut c = Client::connect(&server);

    let r = c.get("/v2/status/quick-s1");
    assert_eq!(
        (r.status, r.json()["status"].as_str()),
        (200, Some("succeeded"))
    );
    let r = c.get("/pie/psdService/status/quick-s1");
    assert_eq!(
        (r.status, r.json()["outputs"][0]["status"].as_str()),
        (200, Some("succeeded"))
    );

    // fail
    let r = c.get("/v2/status/fail-s1");
    assert_eq!(
        (r.status, r.json()["status"].as_str()),
        (202, Some("running"))
    );
    let r = c.get("/v2/status/fail-s1");
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert_eq!(doc["status"], "failed");
    assert_eq!(
        doc["errorDetails"],
        serde_json::json!([{"errorCode":"400401","message":"The value provided is not valid."}])
    );
    assert_eq!(
        c.get("/pie/psdService/status/fail-s1").json()["outputs"][0]["status"],
        "running"
    );
    let doc = c.get("/pie/psdService/status/fail-s1").json();
    let out = &doc["outputs"][0];
    assert_eq!(out["status"], "failed");
    assert_eq!(out["errors"]["type"], "InputValidationError");
    assert_eq!(out["errors"]["code"], "400");
    assert_eq!(out["errors"]["title"], "request has invalid parameters");
    assert_eq!(out["errors"]["details"][0]["name"], "outputs[0].storage");
    assert_eq!(
        out["errors"]["details"][0]["reason"],
        "should be one of external, azure, dropbox"
    );

    // partial: v1 shape on either route
    for path in ["/v2/status/partial-s1", "/pie/psdService/status/partial-s1"] {
        let r = c.get(path);
        assert_eq!(r.status, 200);
        let doc = r.json();
        let outs = doc["outputs"].as_array().unwrap();
        assert_eq!(outs.len(), 2, "{path}");
        assert_eq!(outs[0]["status"], "succeeded");
        assert_eq!(outs[0]["_links"]["renditions"].as_array().unwrap().len(), 1);
        assert_eq!(outs[1]["status"], "failed");
        assert!(outs[1]["errors"].is_object());
    }

    // ratelimit / ratedate / retryhuge
    for _ in 0..2 {
        let r = c.get("/v2/status/ratelimit-s1");
        assert_eq!(r.status, 429);
        assert_eq!(r.header("retry-after"), Some("1"));
        assert_eq!(
            r.json(),
            serde_json::json!({"error_code":"unauthorized_rate_limited","message":"Too many requests."})
        );
    }
    assert_eq!(
        c.get("/v2/status/ratelimit-s1").json()["status"],
        "succeeded"
    );
    for _ in 0..2 {
        let before = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        let r = c.get("/pie/psdService/status/ratedate-s1");
        assert_eq!(r.status, 429);
        let when = parse_imf_fixdate(r.header("retry-after").unwrap()) as f64;
        assert!(
            when - before >= 0.9 && when - before <= 2.5,
            "Retry-After {when} vs now {before}"
        );
    }
    assert_eq!(c.get("/pie/psdService/status/ratedate-s1").status, 200);
    for _ in 0..3 {
        let r = c.get("/v2/status/retryhuge-s1");
        assert_eq!((r.status, r.header("retry-after")), (429, Some("999999")));
    }

    // unavailable, servererror, badrequest
    for _ in 0..3 {
        let r = c.get("/v2/status/unavailable-s1");
        assert_eq!(r.status, 503);
        assert_eq!(
            r.json(),
            serde_json::json!({"error_code":"service_unavailable","message":"Service unavailable"})
        );
    }
    assert_eq!(c.get("/v2/status/unavailable-s1").status, 200);
    for _ in 0..2 {
        let r = c.get("/v2/status/servererror-s1");
        assert_eq!(r.status, 500);
        assert_eq!(r.header("content-type"), Some("text/html"));
        assert_eq!(
            r.text(),
            "<html><body><h1>500 Internal Server Error</h1></body></html>"
        );
    }
    let r = c.get("/pie/psdService/status/badrequest-s1");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["type"], "InputValidationError");
    assert_eq!(r.json()["code"], "400");

    // never, garbage, notobject
    for _ in 0..3 {
        let r = c.get("/v2/status/never-s1");
        assert_eq!(
            (r.status, r.json()["status"].as_str()),
            (202, Some("running"))
        );
    }
    let r = c.get("/v2/status/garbage-s1");
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, "this is not json <html>")
    );
    assert_eq!(r.header("content-type"), Some("text/plain"));
    let r = c.get("/v2/status/notobject-s1");
    assert_eq!((r.status, r.text().as_str()), (200, "[1,2,3]"));

    // redirect
    let r = c.get("/v2/status/redirect-s1");
    assert_eq!(r.status, 302);
    let port = server.port();
    assert_eq!(
        r.header("location"),
        Some(format!("http://localhost:{port}/v2/status/quick-redirected").as_str())
    );

    // unauthmid
    assert_eq!(c.get("/v2/status/unauthmid-s1").status, 202);
    for _ in 0..2 {
        let r = c.get("/v2/status/unauthmid-s1");
        assert_eq!(r.status, 401);
        assert_eq!(r.json()["error_code"], "401013");
    }

    // URN ids, raw and percent-encoded
    let r = c.get("/v2/status/urn:ff:jobs:abc:quick-u1");
    assert_eq!(
        (r.status, r.json()["jobId"].as_str()),
        (200, Some("urn:ff:jobs:abc:quick-u1"))
    );
    let r = c.get("/v2/status/urn%3Aff%3Ajobs%3Aabc%3Asucceed-u2");
    assert_eq!(r.status, 202);
    assert_eq!(r.json()["jobId"], "urn:ff:jobs:abc:succeed-u2");
    assert_eq!(
        c.get("/v2/status/urn:ff:jobs:abc:succeed-u2").json()["status"],
        "running"
    );
    let doc = c.get("/v2/status/urn:ff:jobs:abc:succeed-u2").json();
    assert_eq!(
        doc["result"]["outputs"][0]["destination"]["url"],
        format!("{base}/files/urn:ff:jobs:abc:succeed-u2-1.jpg")
    );
    assert_eq!(c.get("/v2/status/urn:ff:jobs:abc:nope-u3").status, 404);

    assert_eq!(server.connections(), 1, "every answer kept the connection");
}

#[test]
fn slow_script_waits() {
    let server = MockServer::start();
    let mut c = Client::connect(&server);
    let t = Instant::now();
    let r = c.get("/v2/status/slow-w1");
    assert!(
        t.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(
        (r.status, r.json()["status"].as_str()),
        (200, Some("succeeded"))
    );
}

#[test]
fn truncate_reset_and_stall() {
    let server = MockServer::start();

    let mut c = Client::connect(&server);
    c.send_request("GET", "/v2/status/truncate-x1", AUTH, b"");
    let (status, headers) = c.read_head().unwrap();
    assert_eq!(status, 200);
    assert!(headers.contains(&("content-length".into(), "1000".into())));
    let (body, end) = c.read_to_end();
    assert!(end.is_ok(), "{end:?}");
    assert_eq!(body.len(), 100);
    assert!(body.starts_with(b"{\""));

    let mut c = Client::connect(&server);
    c.send_request("GET", "/pie/psdService/status/reset-x1", AUTH, b"");
    let (body, end) = c.read_to_end();
    assert!(body.is_empty());
    if cfg!(target_os = "linux") {
        assert_eq!(
            end.map_err(|e| e.kind()),
            Err(io::ErrorKind::ConnectionReset)
        );
    }

    let mut c = Client::connect(&server);
    c.send_request("GET", "/v2/status/stall-x1", AUTH, b"");
    let (status, headers) = c.read_head().unwrap();
    assert_eq!(status, 200);
    assert!(headers.contains(&("content-length".into(), "1000".into())));
    c.stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    while c.buf.len() < 10 {
        c.fill().unwrap();
    }
    assert_eq!(c.buf.len(), 10);
    let e = c.fill().unwrap_err();
    assert!(
        matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ),
        "{e:?}"
    );

    // Shutdown must not wait for the stall (nor for an idle keep-alive).
    let mut idle = Client::connect(&server);
    assert_eq!(idle.get("/v2/status/quick-x2").status, 200);
    let t = Instant::now();
    server.shutdown();
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "shutdown took {:?}",
        t.elapsed()
    );
    c.stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    assert!(
        !matches!(c.fill(), Ok(n) if n > 0),
        "stalled connection closed"
    );
    assert!(idle.closed_by_server());
}

#[test]
fn big_and_gzip_documents() {
    let server = MockServer::start();
    let mut c = Client::connect(&server);

    let r = c.get("/pie/psdService/status/big-b1");
    assert_eq!(r.status, 200);
    assert_json_ct(&r);
    assert!(r.header("content-encoding").is_none());
    assert!(
        (1_900_000..3_000_000).contains(&r.body.len()),
        "{}",
        r.body.len()
    );
    let big = r.json();
    assert_eq!(big["jobId"], "big-b1");
    assert!(big["_links"]["self"]["href"]
        .as_str()
        .unwrap()
        .ends_with("/pie/psdService/status/big-b1"));
    let out = &big["outputs"][0];
    assert_eq!(out["status"], "succeeded");
    assert_eq!(out["document"]["name"], "big.psd");
    let layers = out["layers"].as_array().unwrap();
    assert!(layers.len() > 1000);
    assert_eq!(layers[0]["name"], "layer-1");
    assert!(layers.iter().any(|l| l["children"].is_array()));

    let r = c.request(
        "GET",
        "/v2/status/gzip-g1",
        &[AUTH[0], AUTH[1], ("Accept-Encoding", "deflate, gzip;q=0.8")],
        b"",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert!(r.body.len() < 1_000_000, "compressed: {}", r.body.len());
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(&r.body[..])
        .read_to_end(&mut plain)
        .expect("valid gzip");
    let doc: Value = serde_json::from_slice(&plain).expect("gzip body is JSON");
    assert_eq!(doc["jobId"], "gzip-g1");
    assert_eq!(doc["outputs"][0]["layers"], out["layers"]);

    let r = c.request(
        "GET",
        "/v2/status/gzip-g2",
        &[AUTH[0], AUTH[1], ("Accept-Encoding", "gzip;q=0")],
        b"",
    );
    assert!(r.header("content-encoding").is_none());
    let r = c.get("/v2/status/gzip-g3");
    assert!(r.header("content-encoding").is_none());
    assert_eq!(r.json()["jobId"], "gzip-g3");
    assert_eq!(server.connections(), 1);
}

#[test]
fn files() {
    let server = MockServer::start();
    let port = server.port();
    let mut c = Client::connect(&server);

    let r = c.request("GET", "/files/succeed-1-1.jpg", &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/octet-stream"));
    assert_eq!(r.body, pattern(0, 4096));
    let r = c.request("GET", "/files/a.bin?size=1000000", &[], b"");
    assert_eq!(r.body.len(), 1_000_000);
    assert!(r.body == pattern(0, 1_000_000));
    assert_eq!(
        c.request("GET", "/files/empty?size=0", &[], b"").body.len(),
        0
    );
    assert_eq!(
        c.request("GET", "/files/huge?size=268435457", &[], b"")
            .status,
        400
    );
    let r = c.request("HEAD", "/files/h.bin?size=777", &[], b"");
    assert_eq!((r.status, r.header("content-length")), (200, Some("777")));

    let r = c.request("GET", "/files/redirect-a.jpg?size=10", &[], b"");
    assert_eq!(r.status, 302);
    assert_eq!(
        r.header("location"),
        Some("http://127.0.0.1/files/a.jpg?size=10"),
        "same Host as asked"
    );
    let r = c.request("GET", "/files/redirect-redirect-b.jpg", &[], b"");
    assert_eq!(
        r.header("location"),
        Some("http://127.0.0.1/files/redirect-b.jpg")
    );
    let r = c.request("GET", "/files/offhost-c.png", &[], b"");
    assert_eq!(r.status, 302);
    assert_eq!(
        r.header("location"),
        Some(format!("http://localhost:{port}/files/c.png").as_str())
    );
    assert_eq!(
        c.request("GET", "/files/missing-d.png", &[], b"").status,
        404
    );

    c.send_request("GET", "/files/broken-e.bin?size=1000", &[], b"");
    let (status, headers) = c.read_head().unwrap();
    assert_eq!(status, 200);
    assert!(headers.contains(&("content-length".into(), "1000".into())));
    let (body, _) = c.read_to_end();
    assert_eq!(body, pattern(0, 500));
    assert_eq!(server.requests_to("/files/").len(), 10);
}

#[test]
fn control_endpoints() {
    let server = MockServer::start();
    let mut c = Client::connect(&server);
    c.get("/v2/status/quick-c1");
    c.get("/pie/psdService/status/quick-c1");
    c.request("GET", "/files/x", &[], b"");
    let r = c.request("GET", "/_mock/requests?path=quick-c1", &[], b"");
    assert_eq!(r.status, 200);
    assert_json_ct(&r);
    let doc = r.json();
    assert_eq!(doc["count"], 2);
    assert_eq!(doc["requests"][0]["method"], "GET");
    assert_eq!(doc["requests"][0]["path"], "/v2/status/quick-c1");
    assert_eq!(
        doc["requests"][1]["path"],
        "/pie/psdService/status/quick-c1"
    );
    assert_eq!(doc["requests"][0]["headers"]["x-api-key"], API_KEY);
    assert_eq!(
        doc["requests"][0]["headers"]["authorization"],
        format!("Bearer {TOKEN}")
    );
    let doc = c.request("GET", "/_mock/requests", &[], b"").json();
    assert_eq!(doc["count"], 3);
    let doc = c
        .request("GET", "/_mock/requests?path=%2Ffiles%2F", &[], b"")
        .json();
    assert_eq!(doc["count"], 1);
    let doc = c.request("GET", "/_mock/stats", &[], b"").json();
    assert_eq!(
        doc,
        serde_json::json!({"connections":1,"requests":3,"token_fetches":0})
    );
    assert_eq!(
        server.requests().len(),
        3,
        "control requests are not recorded"
    );
}

#[test]
fn robust_http_handling() {
    let server = MockServer::start();

    // Garbage: 400 and close.
    let mut c = Client::connect(&server);
    c.send_raw(b"\x00\x01\x02 garbage\r\n\r\n");
    assert_eq!(c.read_response(false).unwrap().status, 400);
    assert!(c.closed_by_server());
    for junk in [
        &b"GET /v2/status/quick-r1 HTTP/9.9\r\n\r\n"[..],
        b"GET /v2/status/quick-r1 HTTP/1.1\r\nno colon here\r\n\r\n",
        b"GET relative HTTP/1.1\r\n\r\n",
        b"GET /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
    ] {
        let mut c = Client::connect(&server);
        c.send_raw(junk);
        assert_eq!(
            c.read_response(false).unwrap().status,
            400,
            "{}",
            String::from_utf8_lossy(junk)
        );
        assert!(c.closed_by_server());
    }
    // Random binary noise without a head end, then close: no answer, no panic.
    let mut c = Client::connect(&server);
    let noise: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    c.send_raw(&noise);
    c.stream.shutdown(std::net::Shutdown::Write).unwrap();
    let _ = c.read_to_end();

    // Too large a body: 413 and close.
    let mut c = Client::connect(&server);
    c.send_raw(b"POST /ims/token/v3 HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n");
    assert_eq!(c.read_response(false).unwrap().status, 413);
    assert!(c.closed_by_server());

    // Connection: close is honoured.
    let mut c = Client::connect(&server);
    let r = c.request(
        "GET",
        "/v2/status/quick-r2",
        &[AUTH[0], AUTH[1], ("Connection", "close")],
        b"",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("connection"), Some("close"));
    assert!(c.closed_by_server());

    // HTTP/1.0 closes by default.
    let mut c = Client::connect(&server);
    c.send_raw(b"GET /files/a?size=3 HTTP/1.0\r\n\r\n");
    assert_eq!(c.read_response(false).unwrap().body, pattern(0, 3));
    assert!(c.closed_by_server());

    // Pipelining, absolute-form target, chunked request body, Expect.
    let mut c = Client::connect(&server);
    let body = "grant_type=client_credentials&client_id=mock-client&client_secret=mock-secret";
    let chunked = format!(
        "POST /ims/token/v3 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Transfer-Encoding: chunked\r\n\r\n5\r\n{}\r\n{:x}\r\n{}\r\n0\r\n\r\n",
        &body[..5],
        body.len() - 5,
        &body[5..]
    );
    let pipelined = format!(
        "GET /files/p?size=5 HTTP/1.1\r\nHost: x\r\n\r\nGET http://127.0.0.1:1/files/q?size=7 HTTP/1.1\r\nHost: x\r\n\r\n{chunked}"
    );
    c.send_raw(pipelined.as_bytes());
    assert_eq!(c.read_response(false).unwrap().body.len(), 5);
    assert_eq!(c.read_response(false).unwrap().body.len(), 7);
    let r = c.read_response(false).unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["access_token"], "ims-token-1");
    c.send_raw(
        b"POST /ims/token/v3 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
          Expect: 100-continue\r\nContent-Length: 77\r\n\r\n",
    );
    let (status, _) = c.read_head().unwrap();
    assert_eq!(status, 100);
    c.send_raw(body.as_bytes());
    assert_eq!(
        c.read_response(false).unwrap().json()["access_token"],
        "ims-token-2"
    );
    assert_eq!(
        c.request("DELETE", "/v2/status/quick-r3", AUTH, b"").status,
        405
    );
    assert_eq!(c.request("GET", "/elsewhere", &[], b"").status, 404);

    // Still serving.
    let mut c = Client::connect(&server);
    assert_eq!(c.get("/v2/status/quick-r4").status, 200);
    assert_eq!(server.token_fetches(), 2);
}

// ---------------------------------------------------------------------------

/// Seconds since the epoch of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn parse_imf_fixdate(s: &str) -> i64 {
    let parts: Vec<&str> = s.split(' ').collect();
    assert_eq!(parts.len(), 6, "{s}");
    assert!(parts[0].len() == 4 && parts[0].ends_with(','), "{s}");
    assert_eq!(parts[5], "GMT");
    let day: i64 = parts[1].parse().unwrap();
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MON.iter().position(|m| *m == parts[2]).expect("month") as i64 + 1;
    let year: i64 = parts[3].parse().unwrap();
    let hms: Vec<i64> = parts[4].split(':').map(|x| x.parse().unwrap()).collect();
    // days_from_civil (Howard Hinnant)
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    assert_eq!(&parts[0][..3], weekday, "{s}");
    days * 86400 + hms[0] * 3600 + hms[1] * 60 + hms[2]
}
