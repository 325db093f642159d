//! The language bindings against the real libpsjob.so and the mock service:
//! the C++17 wrapper (include/psjob.hpp, tests/cpp/wrapper_test.cpp and
//! examples/cpp/wait_example.cpp) and the Python ctypes binding
//! (examples/python/psjob.py, tests/python/test_binding.py and
//! examples/python/wait_example.py). Each part is skipped, with a notice,
//! only when its tool (g++, python3) is missing. PSJOB_TEST_WRAPPER runs the
//! C++ test program under a tool (valgrind, ...); PSJOB_TEST_CXXFLAGS adds
//! compiler flags (e.g. -fsanitize=address,undefined).

mod common;
mod mock;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{have, lib_dir, notice, root, run_ok};

fn tmp() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// A command with the environment the binding tests expect: no proxies, no
/// PSJOB_LOG, the mock's URL and the fixtures.
fn command(program: impl AsRef<std::ffi::OsStr>, mock_url: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("PSJOB_MOCK_URL", mock_url)
        .env("PSJOB_FIXTURES", root().join("tests/fixtures"))
        .env("PSJOB_TMPDIR", tmp())
        .env_remove("PSJOB_LOG")
        .current_dir(root());
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Compiles a C++17 source against include/ and the built library with the
/// strictest warnings, as the wrapper promises.
fn compile_cpp(src: &Path, bin_name: &str) -> PathBuf {
    let out_dir = tmp().join("cpp-tests");
    std::fs::create_dir_all(&out_dir).unwrap();
    let bin = out_dir.join(bin_name);
    let lib = lib_dir();
    let mut cmd = Command::new("g++");
    cmd.args([
        "-std=c++17",
        "-Wall",
        "-Wextra",
        "-Wpedantic",
        "-Werror",
        "-g",
    ])
    .args(
        std::env::var("PSJOB_TEST_CXXFLAGS")
            .unwrap_or_default()
            .split_whitespace(),
    )
    .arg("-I")
    .arg(root().join("include"))
    .arg(src)
    .arg("-L")
    .arg(lib)
    .arg(format!("-Wl,-rpath,{}", lib.display()))
    .args(["-lpsjob", "-pthread", "-o"])
    .arg(&bin);
    run_ok(cmd, &format!("g++ {}", src.display()));
    bin
}

#[test]
fn cpp_wrapper() {
    if !have("g++") {
        notice("g++ not found: the C++ wrapper test is skipped");
        return;
    }
    let test_bin = compile_cpp(&root().join("tests/cpp/wrapper_test.cpp"), "wrapper_test");
    let example_bin = compile_cpp(
        &root().join("examples/cpp/wait_example.cpp"),
        "wait_example",
    );

    let server = mock::MockServer::start();
    let base = server.base_url();
    // PSJOB_TEST_WRAPPER (e.g. "valgrind --error-exitcode=1 --leak-check=full")
    // runs the wrapper test under a tool, as in tests/c_api.rs.
    let wrapper = std::env::var("PSJOB_TEST_WRAPPER").unwrap_or_default();
    let mut words = wrapper.split_whitespace();
    let cmd = match words.next() {
        Some(tool) => {
            let mut c = command(tool, &base);
            c.args(words).arg(&test_bin);
            c
        }
        None => command(&test_bin, &base),
    };
    let stdout = run_ok(cmd, "tests/cpp/wrapper_test.cpp");
    assert!(
        stdout.contains(" passed, 0 failed"),
        "wrapper_test printed no summary"
    );

    // The example, by job id and by full URL.
    let mut cmd = command(&example_bin, &base);
    cmd.arg("succeed-cpp-example")
        .env("PSJOB_TOKEN", mock::TOKEN)
        .env("PSJOB_API_KEY", mock::API_KEY)
        .env("PSJOB_STATUS_BASE_URL", format!("{base}/v2/status/"))
        .env("PSJOB_INTERVAL_MS", "20");
    let out = run_ok(cmd, "examples/cpp/wait_example.cpp");
    assert!(out.contains("succeeded"), "{out}");
    assert!(out.contains("/files/succeed-cpp-example-1.jpg"), "{out}");
    // Without credentials the example reports the error and fails.
    let mut cmd = command(&example_bin, &base);
    cmd.arg(format!("{base}/v2/status/quick-cpp-example"))
        .env("PSJOB_STATUS_BASE_URL", format!("{base}/v2/status/"))
        .env("PSJOB_TOKEN", "wrong")
        .env("PSJOB_API_KEY", mock::API_KEY);
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("PSJOB_ERR_UNAUTHORIZED"), "{stderr}");
    server.shutdown();
}

#[test]
fn python_binding() {
    if !have("python3") {
        notice("python3 not found: the Python binding test is skipped");
        return;
    }
    let lib = lib_dir().join("libpsjob.so");
    let server = mock::MockServer::start();
    let base = server.base_url();

    let mut cmd = command("python3", &base);
    cmd.arg(root().join("tests/python/test_binding.py"))
        .arg("-v")
        .env("PSJOB_LIB", &lib)
        .env("PYTHONDONTWRITEBYTECODE", "1");
    run_ok(cmd, "tests/python/test_binding.py");

    let mut cmd = command("python3", &base);
    cmd.arg(root().join("examples/python/wait_example.py"))
        .arg("succeed-py-example")
        .env("PSJOB_LIB", &lib)
        .env("PSJOB_TOKEN", mock::TOKEN)
        .env("PSJOB_API_KEY", mock::API_KEY)
        .env("PSJOB_STATUS_BASE_URL", format!("{base}/v2/status/"))
        .env("PSJOB_INTERVAL_MS", "20")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let out = run_ok(cmd, "examples/python/wait_example.py");
    assert!(out.contains("succeeded"), "{out}");
    assert!(out.contains("/files/succeed-py-example-2.png"), "{out}");
    server.shutdown();
}
