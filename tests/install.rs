//! Packaging: runs scripts/install.sh (with `--no-build`, on the library
//! cargo built for this test run) into temporary prefixes, then builds and
//! runs tests/pkgconfig/hello.c against the installed copy with pkg-config
//! (shared and static) and with CMake (tests/cmake), checks the SONAME, the
//! symlink chain and the exported symbols, reinstall and uninstall, and that
//! an unusable prefix fails cleanly, leaving nothing behind.
//!
//! The pkg-config part is skipped (with a notice) when pkg-config is
//! missing, the CMake part when cmake is missing.

mod common;

use common::{have, notice, root};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const MAJOR: &str = env!("CARGO_PKG_VERSION_MAJOR");
const MINOR: &str = env!("CARGO_PKG_VERSION_MINOR");

fn build_dir() -> PathBuf {
    common::built_dir()
}

/// A fresh, empty scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("install")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs a command; panics with its output unless it succeeds.
fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// scripts/<script> with a clean environment and the given variables.
fn script(script: &str, vars: &[(&str, &OsStr)]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg(root().join("scripts").join(script));
    for var in [
        "PREFIX",
        "DESTDIR",
        "LIBDIR",
        "INCLUDEDIR",
        "PSJOB_LIBS_PRIVATE",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("PSJOB_BUILD_DIR", build_dir());
    // install.sh asks rustc for the static library's system libraries: use
    // the toolchain of the cargo running this test when it has one beside it.
    if std::env::var_os("RUSTC").is_none() {
        if let Some(cargo) = std::env::var_os("CARGO") {
            let rustc = Path::new(&cargo).with_file_name("rustc");
            if rustc.exists() {
                cmd.env("RUSTC", rustc);
            }
        }
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd
}

fn install(prefix: &Path, vars: &[(&str, &OsStr)]) -> Output {
    let mut cmd = script("install.sh", vars);
    cmd.arg("--no-build").env("PREFIX", prefix);
    cmd.output().expect("run scripts/install.sh")
}

fn install_ok(prefix: &Path, vars: &[(&str, &OsStr)]) {
    let out = install(prefix, vars);
    assert!(
        out.status.success(),
        "install.sh failed:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Every path under `dir`, relative, sorted (directories end with '/').
fn tree(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let e = e.unwrap();
            let path = e.path();
            let rel = path.strip_prefix(base).unwrap().display().to_string();
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                out.push(format!("{rel}/"));
                walk(base, &path, out);
            } else {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn expected_tree() -> Vec<String> {
    let mut v: Vec<String> = [
        "include/",
        "include/psjob.h",
        "include/psjob.hpp",
        "lib/",
        "lib/cmake/",
        "lib/cmake/psjob/",
        "lib/cmake/psjob/psjobConfig.cmake",
        "lib/cmake/psjob/psjobConfigVersion.cmake",
        "lib/libpsjob.a",
        "lib/libpsjob.so",
        "lib/pkgconfig/",
        "lib/pkgconfig/psjob.pc",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push(format!("lib/libpsjob.so.{MAJOR}"));
    v.push(format!("lib/libpsjob.so.{VERSION}"));
    v.sort();
    v
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The (SONAME) and (NEEDED) entries of an ELF file.
fn dynamic_entries(file: &Path, kind: &str) -> Vec<String> {
    let out = run(Command::new("readelf").arg("-d").arg(file));
    out.lines()
        .filter(|l| l.contains(&format!("({kind})")))
        .filter_map(|l| {
            let start = l.find('[')?;
            let end = l.rfind(']')?;
            Some(l[start + 1..end].to_string())
        })
        .collect()
}

fn check_layout(prefix: &Path) {
    assert_eq!(tree(prefix), expected_tree());
    let lib = prefix.join("lib");
    let real = format!("libpsjob.so.{VERSION}");
    let soname = format!("libpsjob.so.{MAJOR}");
    // The symlink chain: libpsjob.so -> libpsjob.so.X -> libpsjob.so.X.Y.Z.
    assert_eq!(
        std::fs::read_link(lib.join("libpsjob.so")).unwrap(),
        PathBuf::from(&soname)
    );
    assert_eq!(
        std::fs::read_link(lib.join(&soname)).unwrap(),
        PathBuf::from(&real)
    );
    assert!(!lib.join(&real).is_symlink());
    assert_eq!(
        std::fs::canonicalize(lib.join("libpsjob.so")).unwrap(),
        std::fs::canonicalize(lib.join(&real)).unwrap()
    );
    assert_eq!(mode(&lib.join(&real)), 0o755);
    assert_eq!(mode(&lib.join("libpsjob.a")), 0o644);
    assert_eq!(mode(&prefix.join("include/psjob.h")), 0o644);
    // Installed copies are the built ones.
    assert_eq!(
        std::fs::read(lib.join(&real)).unwrap(),
        std::fs::read(build_dir().join("libpsjob.so")).unwrap()
    );
    assert_eq!(
        std::fs::read(prefix.join("include/psjob.hpp")).unwrap(),
        std::fs::read(root().join("include/psjob.hpp")).unwrap()
    );
}

fn check_elf(prefix: &Path) {
    if !have("readelf") || !have("nm") {
        notice("readelf/nm not found (binutils): SONAME and export checks skipped");
        return;
    }
    let real = prefix.join("lib").join(format!("libpsjob.so.{VERSION}"));
    assert_eq!(
        dynamic_entries(&real, "SONAME"),
        vec![format!("libpsjob.so.{MAJOR}")]
    );
    let nm = run(Command::new("nm").args(["-D", "--defined-only"]).arg(&real));
    let symbols: Vec<&str> = nm
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .collect();
    let foreign: Vec<&str> = symbols
        .iter()
        .copied()
        .filter(|s| !s.starts_with("psjob_"))
        .collect();
    assert!(
        foreign.is_empty(),
        "libpsjob.so exports {} symbols that are not psjob_*: {foreign:?}",
        foreign.len()
    );
    assert!(
        symbols.len() >= 70,
        "only {} psjob_* symbols",
        symbols.len()
    );
    // Every function of the header is exported.
    let header = std::fs::read_to_string(root().join("include/psjob.h")).unwrap();
    for sym in &symbols {
        assert!(
            header.contains(&format!("{sym}(")),
            "{sym} is not in psjob.h"
        );
    }
}

fn check_pkg_config(prefix: &Path, work: &Path) {
    if !have("pkg-config") {
        notice("pkg-config not found: the pkg-config build checks are skipped (apt-get install pkg-config)");
        return;
    }
    if !have("cc") {
        notice("cc not found: the pkg-config build checks are skipped");
        return;
    }
    let pc_dir = prefix.join("lib/pkgconfig");
    let pkg = |args: &[&str]| -> Vec<String> {
        let out = run(Command::new("pkg-config")
            .args(args)
            .arg("psjob")
            .env("PKG_CONFIG_PATH", &pc_dir)
            .env("PKG_CONFIG_LIBDIR", &pc_dir)
            .env_remove("PKG_CONFIG_SYSROOT_DIR"));
        out.split_whitespace().map(str::to_string).collect()
    };
    assert_eq!(pkg(&["--modversion"]), vec![VERSION.to_string()]);
    let include = format!("-I{}", prefix.join("include").display());
    let libdir = format!("-L{}", prefix.join("lib").display());
    assert_eq!(pkg(&["--cflags"]), vec![include.clone()]);
    assert_eq!(
        pkg(&["--libs"]),
        vec![libdir.clone(), "-lpsjob".to_string()]
    );
    let static_libs = pkg(&["--static", "--libs"]);
    // Libs.private: what the static link below needs besides libpsjob.a.
    assert!(static_libs.len() > 2, "no Libs.private: {static_libs:?}");
    let hello = root().join("tests/pkgconfig/hello.c");

    // Shared: cc hello.c $(pkg-config --cflags --libs psjob)
    let dynamic = work.join("hello_dynamic");
    run(Command::new("cc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"])
        .arg(&hello)
        .args(pkg(&["--cflags", "--libs"]))
        .arg("-o")
        .arg(&dynamic));
    let needed = dynamic_entries(&dynamic, "NEEDED");
    assert!(
        needed.contains(&format!("libpsjob.so.{MAJOR}")),
        "hello_dynamic needs {needed:?}"
    );
    let out = run(Command::new(&dynamic).env("LD_LIBRARY_PATH", prefix.join("lib")));
    assert!(
        out.contains(&format!("hello from psjob {VERSION}")),
        "{out}"
    );

    // Static: libpsjob.a explicitly, plus Libs.private.
    let static_bin = work.join("hello_static");
    let mut args = Vec::new();
    for w in pkg(&["--static", "--cflags", "--libs"]) {
        if w == "-lpsjob" {
            args.extend(["-Wl,-Bstatic", "-lpsjob", "-Wl,-Bdynamic"].map(String::from));
        } else {
            args.push(w);
        }
    }
    run(Command::new("cc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"])
        .arg(&hello)
        .args(&args)
        .arg("-o")
        .arg(&static_bin));
    let needed = dynamic_entries(&static_bin, "NEEDED");
    assert!(
        !needed.iter().any(|n| n.starts_with("libpsjob")),
        "hello_static still needs {needed:?}"
    );
    let out = run(Command::new(&static_bin).env_remove("LD_LIBRARY_PATH"));
    assert!(out.contains("hello from psjob"), "{out}");
}

fn check_cmake(prefix: &Path, work: &Path) {
    if !have("cmake") {
        notice("cmake not found: the CMake find_package check is skipped (apt-get install cmake)");
        return;
    }
    let build = work.join("cmake-build");
    let configure = |want: &str, dir: &Path| -> Output {
        Command::new("cmake")
            .arg("-S")
            .arg(root().join("tests/cmake"))
            .arg("-B")
            .arg(dir)
            .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
            .arg(format!("-DPSJOB_WANT={want}"))
            .arg("-DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON")
            .arg("-DCMAKE_BUILD_TYPE=Debug")
            .output()
            .expect("run cmake")
    };
    let out = configure(&format!("{MAJOR}.{MINOR}"), &build);
    assert!(
        out.status.success(),
        "cmake configure failed:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let found = format!(
        "found psjob {VERSION} at {}",
        prefix.join("lib/cmake/psjob").display()
    );
    assert!(text(&out.stdout).contains(&found), "{}", text(&out.stdout));
    run(Command::new("cmake").arg("--build").arg(&build));
    for bin in ["hello_shared", "hello_static", "hello_cpp"] {
        let out = run(Command::new(build.join(bin)).env_remove("LD_LIBRARY_PATH"));
        assert!(out.contains("hello from psjob"), "{bin}: {out}");
    }
    assert!(
        !dynamic_entries(&build.join("hello_static"), "NEEDED")
            .iter()
            .any(|n| n.starts_with("libpsjob")),
        "hello_static (CMake) links libpsjob.so"
    );
    // A version the install cannot satisfy is refused.
    let out = configure("99.0", &work.join("cmake-build-99"));
    assert!(!out.status.success(), "find_package(psjob 99.0) succeeded");
    let err = text(&out.stderr);
    assert!(err.contains("psjob") && err.contains(VERSION), "{err}");
}

#[test]
fn install_build_against_and_uninstall() {
    let work = scratch("full");
    let prefix = work.join("prefix");
    install_ok(&prefix, &[]);
    check_layout(&prefix);
    check_elf(&prefix);
    check_pkg_config(&prefix, &work);
    check_cmake(&prefix, &work);

    // Installing again over an installation works and leaves no temporaries.
    install_ok(&prefix, &[]);
    check_layout(&prefix);

    run(script("uninstall.sh", &[]).env("PREFIX", &prefix));
    assert_eq!(
        tree(&prefix),
        vec!["include/", "lib/", "lib/cmake/", "lib/pkgconfig/"]
    );
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn destdir_and_libdir() {
    let work = scratch("destdir");
    let dest = work.join("stage");
    let multiarch = "/opt/psjob-test/lib/x86_64-linux-gnu";
    install_ok(
        Path::new("/opt/psjob-test"),
        &[
            ("DESTDIR", dest.as_os_str()),
            ("LIBDIR", OsStr::new(multiarch)),
        ],
    );
    // Everything is under DESTDIR; the files name the real prefix.
    assert!(!Path::new("/opt/psjob-test").exists());
    let lib = dest.join(multiarch.trim_start_matches('/'));
    assert!(lib.join(format!("libpsjob.so.{VERSION}")).is_file());
    assert!(dest.join("opt/psjob-test/include/psjob.hpp").is_file());
    let pc = std::fs::read_to_string(lib.join("pkgconfig/psjob.pc")).unwrap();
    assert!(pc.contains("prefix=/opt/psjob-test\n"), "{pc}");
    assert!(
        pc.contains("libdir=${prefix}/lib/x86_64-linux-gnu\n"),
        "{pc}"
    );
    assert!(pc.contains("includedir=${prefix}/include\n"), "{pc}");
    assert!(pc.contains(&format!("Version: {VERSION}\n")), "{pc}");
    assert!(!pc.contains(&dest.display().to_string()), "{pc}");
    let cmake = std::fs::read_to_string(lib.join("cmake/psjob/psjobConfig.cmake")).unwrap();
    assert!(
        cmake.contains("\"${_psjob_libdir}/../../include\""),
        "the CMake package is not relocatable:\n{cmake}"
    );
    assert!(
        !cmake.contains('@'),
        "an unfilled template variable:\n{cmake}"
    );
    let version =
        std::fs::read_to_string(lib.join("cmake/psjob/psjobConfigVersion.cmake")).unwrap();
    assert!(version.contains(&format!("set(PACKAGE_VERSION \"{VERSION}\")")));
    assert!(
        !version.contains('@'),
        "an unfilled template variable:\n{version}"
    );

    run(script("uninstall.sh", &[])
        .env("PREFIX", "/opt/psjob-test")
        .env("DESTDIR", &dest)
        .env("LIBDIR", multiarch));
    assert!(!lib.join("libpsjob.a").exists());
    assert!(!lib.join("cmake/psjob").exists());
    let _ = std::fs::remove_dir_all(&work);
}

/// A failed install says why and leaves the prefix as it was.
#[test]
fn unusable_prefix_fails_cleanly() {
    let work = scratch("unusable");
    // install.sh stages in $TMPDIR: a directory of this test's own, so that
    // leftovers can be seen.
    let tmpdir = work.join("tmp");
    std::fs::create_dir_all(&tmpdir).unwrap();
    let t = [("TMPDIR", tmpdir.as_os_str())];

    // A file where a directory of the prefix should be (root ignores
    // permissions, so this is the way to make a prefix unwritable).
    let blocker = work.join("blocker");
    std::fs::write(&blocker, "a file, not a directory").unwrap();
    let out = install(&blocker.join("prefix"), &t);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("error: cannot install into") && err.contains("is not a directory"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&blocker).unwrap(),
        "a file, not a directory"
    );

    // Only one destination is blocked: nothing at all is written elsewhere.
    let prefix = work.join("half");
    std::fs::create_dir_all(&prefix).unwrap();
    std::fs::write(prefix.join("include"), "in the way").unwrap();
    let out = install(&prefix, &t);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("include"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(tree(&prefix), vec!["include"]);

    // A directory where a file should go.
    let prefix = work.join("dir-in-the-way");
    std::fs::create_dir_all(prefix.join("lib/libpsjob.a")).unwrap();
    let out = install(&prefix, &t);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("a directory is in the way"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(tree(&prefix), vec!["lib/", "lib/libpsjob.a/"]);

    // A relative prefix is refused.
    let out = install(Path::new("relative/prefix"), &t);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("absolute"));

    // A failure while moving files into place (a `mv` that fails on
    // psjob.hpp): a fresh prefix is left as it was, and an existing
    // installation gets its old files back.
    let fake_bin = work.join("fake-bin");
    std::fs::create_dir_all(&fake_bin).unwrap();
    let fake_mv = fake_bin.join("mv");
    std::fs::write(
        &fake_mv,
        "#!/bin/sh\nfor a; do last=$a; done\ncase $last in */psjob.hpp) echo 'mv: injected failure' >&2; exit 1;; esac\nexec /bin/mv \"$@\"\n",
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake_mv, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        fake_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let fresh = work.join("fresh");
    let out = install(&fresh, &[t[0], ("PATH", OsStr::new(&path))]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("nothing was installed"), "{err}");
    assert!(!fresh.exists(), "left behind: {:?}", tree(&fresh));

    let upgrade = work.join("upgrade");
    install_ok(&upgrade, &t);
    std::fs::write(upgrade.join("include/psjob.h"), "/* old */\n").unwrap();
    std::fs::write(upgrade.join("lib/libpsjob.a"), "old").unwrap();
    let before = tree(&upgrade);
    let out = install(&upgrade, &[t[0], ("PATH", OsStr::new(&path))]);
    assert!(!out.status.success());
    assert_eq!(tree(&upgrade), before);
    assert_eq!(
        std::fs::read_to_string(upgrade.join("include/psjob.h")).unwrap(),
        "/* old */\n"
    );
    assert_eq!(
        std::fs::read(upgrade.join("lib/libpsjob.a")).unwrap(),
        b"old"
    );

    // No staging directory was left in $TMPDIR by any of these.
    assert_eq!(tree(&tmpdir), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&work);
}
