//! The client through its Rust API: TLS roots, proxies and logging, against
//! the mock and the test servers in tests/support.

mod mock;
mod support;

use std::sync::{Arc, Mutex};

use psjob::client::log::LogSink;
use psjob::client::{Client, Config};
use psjob::{ErrorCode, State};
use support::{ConnectProxy, TestPki, TlsServer};

const DONE: &str = r#"{"jobId":"tls-1","status":"succeeded","createdTime":"2025-01-15T10:30:00Z","result":{"outputs":[]}}"#;

fn write_temp(name: &str, text: &str) -> String {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("client-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn tls_config(port: u16) -> Config {
    let mut c = Config::default();
    c.set_token(mock::TOKEN).unwrap();
    c.set_api_key(mock::API_KEY).unwrap();
    c.set_status_base_url(&format!("https://localhost:{port}/v2/status/"))
        .unwrap();
    c.set_proxy(None).unwrap();
    c.set_max_retries(0).unwrap();
    c
}

#[test]
fn tls_trusts_the_ca_file_and_nothing_else() {
    let pki = TestPki::new("a");
    let server = TlsServer::start(&pki, DONE);

    let mut c = tls_config(server.port);
    c.set_ca_file(&write_temp("ca-a.pem", &pki.ca_pem)).unwrap();
    let status = Client::new(&c).unwrap().get_status("tls-1").unwrap();
    assert_eq!(status.job().state, State::Succeeded);
    // By IP address too (the certificate names 127.0.0.1).
    c.add_trusted_host("127.0.0.1").unwrap();
    let url = format!("https://127.0.0.1:{}/v2/status/tls-1", server.port);
    assert!(Client::new(&c).unwrap().get_status(&url).is_ok());

    // The system's store does not know the test CA.
    let e = Client::new(&tls_config(server.port))
        .unwrap()
        .get_status("tls-1")
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Transport, "{}", e.message);
    assert!(
        e.message.contains("TLS") || e.message.contains("certificate"),
        "{}",
        e.message
    );

    // Nor does another CA.
    let other = TestPki::new("b");
    let mut c = tls_config(server.port);
    c.set_ca_file(&write_temp("ca-b.pem", &other.ca_pem))
        .unwrap();
    let e = Client::new(&c).unwrap().get_status("tls-1").unwrap_err();
    assert_eq!(e.code, ErrorCode::Transport, "{}", e.message);
}

#[test]
fn ca_file_errors() {
    let mut c = Config::default();
    let e = c.set_ca_file("/nonexistent/ca.pem").unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert!(e.message.contains("/nonexistent/ca.pem"), "{}", e.message);
    let e = c
        .set_ca_file(&write_temp("not.pem", "hello, not a certificate\n"))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert!(e.message.contains("no PEM certificate"), "{}", e.message);
    let broken = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
    assert_eq!(
        c.set_ca_file(&write_temp("broken.pem", broken))
            .unwrap_err()
            .code,
        ErrorCode::InvalidArgument
    );
    assert!(c.ca_file.is_none(), "a failed set leaves the setting alone");
}

fn mock_config(server: &mock::MockServer) -> Config {
    support::mock_config(&server.base_url())
}

#[test]
fn explicit_proxy_carries_the_requests() {
    let server = mock::MockServer::start();
    let proxy = ConnectProxy::start();
    let mut c = mock_config(&server);
    c.set_proxy(Some(&proxy.url())).unwrap();
    let client = Client::new(&c).unwrap();
    assert_eq!(
        client.get_status("quick-proxy1").unwrap().job().state,
        State::Succeeded
    );
    assert_eq!(proxy.seen(), [format!("127.0.0.1:{}", server.port())]);
    // Credentials went through the tunnel to the mock.
    let seen = server.requests_to("quick-proxy1");
    assert_eq!(seen[0].header("authorization"), Some("Bearer mock-token"));

    // No proxy: direct.
    c.set_proxy(None).unwrap();
    Client::new(&c).unwrap().get_status("quick-proxy2").unwrap();
    assert_eq!(proxy.seen().len(), 1);

    // A proxy that is not there is a transport error.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://127.0.0.1:{}", dead.local_addr().unwrap().port());
    drop(dead);
    c.set_proxy(Some(&dead_url)).unwrap();
    c.set_max_retries(0).unwrap();
    let e = Client::new(&c)
        .unwrap()
        .get_status("quick-proxy3")
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Transport, "{}", e.message);
    assert!(c.set_proxy(Some("not a url")).is_err());
}

#[test]
fn log_callback_shows_requests_and_retries_without_credentials() {
    let server = mock::MockServer::start();
    let lines: Arc<Mutex<Vec<(i32, String)>>> = Arc::default();
    let sink = Arc::clone(&lines);
    let mut c = mock_config(&server);
    c.set_org_id("org-secret-id@AdobeOrg").unwrap();
    c.log = LogSink::callback(
        Arc::new(move |level, msg: &str| sink.lock().unwrap().push((level, msg.to_owned()))),
        4,
    );
    let client = Client::new(&c).unwrap();
    client.get_status("unavailable-log1").unwrap();
    let lines = lines.lock().unwrap();
    let text: Vec<&str> = lines.iter().map(|(_, l)| l.as_str()).collect();
    let all = text.join("\n");
    let url = format!("{}/v2/status/unavailable-log1", server.base_url());
    assert!(all.contains(&format!("GET {url}")), "{all}");
    assert!(all.contains("HTTP 503"), "{all}");
    assert!(all.contains("retry 1 of 3"), "{all}");
    assert!(all.contains("-> HTTP 200 in"), "{all}");
    for secret in [mock::TOKEN, mock::API_KEY, "org-secret-id"] {
        assert!(
            !all.contains(secret),
            "{secret} leaked into the log:\n{all}"
        );
    }
    assert!(lines.iter().all(|(level, _)| (1..=4).contains(level)));

    // Info level hides the debug lines but keeps the retry decisions.
    let info: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&info);
    c.log = LogSink::callback(
        Arc::new(move |_, msg: &str| sink.lock().unwrap().push(msg.to_owned())),
        3,
    );
    Client::new(&c)
        .unwrap()
        .get_status("unavailable-log2")
        .unwrap();
    let info = info.lock().unwrap().join("\n");
    assert!(
        info.contains("retry 1 of 3") && !info.contains("-> HTTP"),
        "{info}"
    );
}

#[test]
fn echoed_credentials_are_redacted_from_errors() {
    // A server that echoes the token in its error body must not get it into
    // the message.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        if let Ok((mut s, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let body =
                r#"{"error_code":"401013","message":"token mock-token-echoed is not valid"}"#;
            let _ = write!(
                s,
                "HTTP/1.1 401 Unauthorized\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let mut c = Config::default();
    c.set_token("mock-token-echoed").unwrap();
    c.set_status_base_url(&format!("http://127.0.0.1:{port}/v2/status/"))
        .unwrap();
    let e = Client::new(&c).unwrap().get_status("x").unwrap_err();
    assert_eq!((e.code, e.http_status), (ErrorCode::Unauthorized, 401));
    assert!(!e.message.contains("mock-token-echoed"), "{}", e.message);
    assert!(e.message.contains("[REDACTED]"), "{}", e.message);
}
