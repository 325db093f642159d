//! Builds the C test programs under tests/c against include/psjob.h and the
//! real libpsjob.so, as C99 and as C++, and runs them against the mock
//! service. Set PSJOB_TEST_WRAPPER (e.g. "valgrind --error-exitcode=1
//! --leak-check=full") to run each program under a tool.

mod common;
mod mock;
mod support;

use std::path::{Path, PathBuf};

use common::{lib_dir, root, run_ok};
use std::process::Command;

/// Compiles `tests/c/<name>.c`; `cxx` compiles the same source as C++.
fn compile(name: &str, cxx: bool) -> PathBuf {
    let src = root().join("tests/c").join(format!("{name}.c"));
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("c-tests");
    std::fs::create_dir_all(&out_dir).unwrap();
    let bin = out_dir.join(if cxx {
        format!("{name}-cxx")
    } else {
        name.to_owned()
    });
    let lib = lib_dir();
    let mut cmd = Command::new(if cxx { "g++" } else { "gcc" });
    if cxx {
        cmd.args(["-x", "c++", "-std=c++17"]);
    } else {
        cmd.arg("-std=c99");
    }
    let extra = std::env::var("PSJOB_TEST_CFLAGS").unwrap_or_default();
    cmd.args([
        "-Wall",
        "-Wextra",
        "-Wpedantic",
        "-Werror",
        "-g",
        "-D_POSIX_C_SOURCE=200809L",
    ])
    .args(extra.split_whitespace())
    .arg("-I")
    .arg(root().join("include"))
    .arg("-I")
    .arg(root().join("tests/c"))
    .arg(&src);
    if cxx {
        cmd.args(["-x", "none"]);
    }
    cmd.arg("-L")
        .arg(lib)
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .args(["-lpsjob", "-lpthread", "-o"])
        .arg(&bin);
    let out = cmd.output().expect("run the C compiler");
    assert!(
        out.status.success(),
        "compiling {} failed:\n{}",
        src.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    bin
}

/// Runs a compiled test program against a fresh mock; returns its stdout.
fn run(bin: &Path, env: &[(&str, &str)]) -> String {
    let server = mock::MockServer::start();
    let wrapper = std::env::var("PSJOB_TEST_WRAPPER").unwrap_or_default();
    let mut words = wrapper.split_whitespace();
    let mut cmd = match words.next() {
        Some(tool) => {
            let mut c = Command::new(tool);
            c.args(words).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    cmd.env("PSJOB_MOCK_URL", server.base_url())
        .env("PSJOB_FIXTURES", root().join("tests/fixtures"))
        .env_remove("PSJOB_LOG")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env_remove("all_proxy");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let stdout = run_ok(cmd, &bin.display().to_string());
    assert!(
        stdout.contains(" passed, 0 failed"),
        "{} printed no summary",
        bin.display()
    );
    server.shutdown();
    stdout
}

fn c_and_cxx(name: &str) {
    // Both builds first, so a C++-only compile error shows even when the C
    // program's checks fail.
    let c = compile(name, false);
    let cxx = compile(name, true);
    run(&c, &[]);
    // The C++ build checks the header's extern "C" guards; running it once
    // more under a wrapper would only double the time.
    if std::env::var_os("PSJOB_TEST_WRAPPER").is_none() {
        run(&cxx, &[]);
    }
}

#[test]
fn c_status() {
    c_and_cxx("status_test");
}

#[test]
fn c_client() {
    c_and_cxx("client_test");
}

#[test]
fn c_wait() {
    c_and_cxx("wait_test");
}

#[test]
fn c_download() {
    c_and_cxx("download_test");
}

#[test]
fn c_threads() {
    c_and_cxx("threads_test");
}

#[test]
fn c_ims() {
    c_and_cxx("ims_test");
}

#[test]
fn c_tls() {
    let pki = support::TestPki::new("c");
    let other = support::TestPki::new("c-other");
    let server = support::TlsServer::start(
        &pki,
        r#"{"jobId":"tls-1","status":"succeeded","createdTime":"2025-01-15T10:30:00Z"}"#,
    );
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("c-tls");
    std::fs::create_dir_all(&dir).unwrap();
    let (ca, other_ca) = (dir.join("ca.pem"), dir.join("other-ca.pem"));
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    std::fs::write(&other_ca, &other.ca_pem).unwrap();
    let url = format!("https://localhost:{}", server.port);
    let env = [
        ("PSJOB_TLS_URL", url.as_str()),
        ("PSJOB_TLS_CA", ca.to_str().unwrap()),
        ("PSJOB_OTHER_CA", other_ca.to_str().unwrap()),
    ];
    run(&compile("tls_test", false), &env);
}

/// The README's C example compiles as shown and prints what it promises.
#[test]
fn readme_c_example() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("## A status in ten lines of C")
        .nth(1)
        .expect("README has the C example");
    let code = section
        .split("```c\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a ```c block");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("readme");
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("readme_example.c");
    std::fs::write(&src, code).unwrap();
    let bin = dir.join("readme_example");
    let lib = lib_dir();
    let out = Command::new("gcc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-I"])
        .arg(root().join("include"))
        .arg(&src)
        .arg("-L")
        .arg(lib)
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .args(["-lpsjob", "-o"])
        .arg(&bin)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(&bin).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert_eq!(stdout, "job j1: succeeded\n  https://out.example/1.jpg\n");
}
