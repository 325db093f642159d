//! The mock Photoshop API status service as a program, for C tests and manual
//! trials:
//!
//! ```text
//! cargo run --example mock_server -- --port 8080 [--host 127.0.0.1] [--verbose]
//! ```
//!
//! It prints one line, `mock Photoshop API listening on http://127.0.0.1:PORT`,
//! and serves until killed. `--port 0` picks a free port (read it from that
//! line). Job ids and what they do: `tests/mock/README-jobs.md`.

#[path = "../tests/mock/mod.rs"]
mod mock;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "\
usage: mock_server [--port PORT] [--host HOST] [--verbose]

Serves a mock of the Adobe Photoshop API status service (and IMS token
endpoint) over plain HTTP until killed.

  --port PORT   port to listen on (default 8080; 0 picks a free one)
  --host HOST   address to bind (default 127.0.0.1)
  --verbose     log every request to stderr
  --help        show this help

Prints `mock Photoshop API listening on http://HOST:PORT` once ready.
Credentials: Bearer token `mock-token` (or one from POST /ims/token/v3 with
client_id `mock-client`, client_secret `mock-secret`), x-api-key `mock-key`
or `mock-client`. Control: GET /_mock/requests?path=SUBSTR, GET /_mock/stats.
";

fn main() -> ExitCode {
    let mut port: u16 = 8080;
    let mut host = String::from("127.0.0.1");
    let mut verbose = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        match flag.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "-v" | "--verbose" => verbose = true,
            "-p" | "--port" | "--host" => {
                let Some(value) = inline.or_else(|| args.next()) else {
                    eprintln!("mock_server: {flag} needs a value\n\n{USAGE}");
                    return ExitCode::from(2);
                };
                if flag == "--host" {
                    host = value;
                } else {
                    match value.parse() {
                        Ok(p) => port = p,
                        Err(_) => {
                            eprintln!("mock_server: bad port {value:?}");
                            return ExitCode::from(2);
                        }
                    }
                }
            }
            _ => {
                eprintln!("mock_server: unknown argument {arg:?}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let addr = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let server = match mock::MockServer::start_on(&addr) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mock_server: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("mock Photoshop API listening on {}", server.base_url());
    let _ = std::io::stdout().flush();
    let mut seen = 0;
    loop {
        if verbose {
            let all = server.requests();
            for r in all.iter().skip(seen) {
                eprintln!("mock_server: {} {}", r.method, r.path);
            }
            seen = all.len();
            std::thread::sleep(Duration::from_millis(100));
        } else {
            std::thread::park();
        }
    }
}
