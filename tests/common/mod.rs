//! What the tests that drive the built library share: where cargo put it,
//! and a directory with its SONAME link to link and run against.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// target/<profile>/deps: where cargo builds libpsjob.so and libpsjob.a for
/// this test run. (The copies in target/<profile> are refreshed only by
/// `cargo build`, so they may be stale or missing during `cargo test`.)
pub fn built_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().expect("target/<profile>/deps").to_path_buf();
    for lib in ["libpsjob.so", "libpsjob.a"] {
        assert!(dir.join(lib).exists(), "{} has no {lib}", dir.display());
    }
    dir
}

/// A directory holding libpsjob.so and its SONAME link libpsjob.so.MAJOR,
/// both pointing at the library built for this run. Made once per process
/// (tests run as parallel threads); replaced atomically, since test
/// processes run at once too.
pub fn lib_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let built = built_dir().join("libpsjob.so");
        let exe = std::env::current_exe().expect("test executable path");
        let name = exe
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("lib-{name}"));
        std::fs::create_dir_all(&dir).unwrap();
        let soname = format!("libpsjob.so.{}", env!("CARGO_PKG_VERSION_MAJOR"));
        for link_name in ["libpsjob.so", soname.as_str()] {
            let tmp = dir.join(format!("{link_name}.{}.tmp", std::process::id()));
            let _ = std::fs::remove_file(&tmp);
            std::os::unix::fs::symlink(&built, &tmp).unwrap();
            std::fs::rename(&tmp, dir.join(link_name)).unwrap();
        }
        dir
    })
}

/// Prints a notice the test harness does not capture.
pub fn notice(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "NOTICE: {text}");
}

/// Whether `tool` can be run (`tool --version` starts).
pub fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Runs `cmd`, shows its output, and fails the test unless it succeeded;
/// returns its stdout.
pub fn run_ok(mut cmd: Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    print!("{stdout}");
    eprint!("{stderr}");
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    stdout
}
