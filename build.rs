//! Generates include/psjob.h with cbindgen, plus the version macros, and
//! gives the shared library its SONAME.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");

    let major = env::var("CARGO_PKG_VERSION_MAJOR").expect("set by cargo");
    let minor = env::var("CARGO_PKG_VERSION_MINOR").expect("set by cargo");
    let patch = env::var("CARGO_PKG_VERSION_PATCH").expect("set by cargo");

    // SONAME libpsjob.so.MAJOR, so programs survive compatible upgrades.
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libpsjob.so.{major}");
    }

    let mut config =
        cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml is valid");
    config.after_includes = Some(format!(
        "\n#define PSJOB_VERSION_MAJOR {major}\n#define PSJOB_VERSION_MINOR {minor}\n\
         #define PSJOB_VERSION_PATCH {patch}\n#define PSJOB_VERSION \"{major}.{minor}.{patch}\"\n\
         /* PSJOB_VERSION_NUMBER compares as ((MAJOR << 16) | (MINOR << 8) | PATCH). */\n\
         #define PSJOB_VERSION_NUMBER (({major} << 16) | ({minor} << 8) | {patch})"
    ));
    let header = match cbindgen::generate_with_config(&dir, config) {
        Ok(bindings) => {
            let mut text = Vec::new();
            bindings.write(&mut text);
            text
        }
        Err(e) => panic!("cbindgen failed: {e}"),
    };
    let path = dir.join("include").join("psjob.h");
    // Write only on change, so an unchanged header keeps its mtime.
    if fs::read(&path).ok().as_deref() != Some(&header[..]) {
        fs::create_dir_all(path.parent().expect("has a parent")).expect("create include/");
        fs::write(&path, header).expect("write include/psjob.h");
    }
}
