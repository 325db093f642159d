//! Downloading an output: streamed to a temporary file beside the
//! destination, renamed into place only when the whole body arrived.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::http::{self, Failure};
use super::log::DEBUG;
use super::url::{parse_url, safe_url, Target};
use super::{Client, Credentials, Limits};
use crate::error::{Error, ErrorCode, Result};

pub const MAX_REDIRECTS: usize = 5;

/// A temporary file that removes itself unless kept.
struct TempFile {
    path: PathBuf,
    file: Option<File>,
}

impl TempFile {
    fn create_beside(dest: &Path) -> Result<TempFile> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = dest
            .file_name()
            .ok_or_else(|| Error::invalid(format!("destination {dest:?} has no file name")))?;
        let tmp_name = format!(
            ".{}.psjob-{}-{}.part",
            name.to_string_lossy(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = dir.join(tmp_name);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| io_error("cannot create a temporary file in", &dir, e))?;
        Ok(TempFile {
            path,
            file: Some(file),
        })
    }

    fn file(&mut self) -> &mut File {
        self.file.as_mut().expect("open until persisted")
    }

    /// Starts over (after a failed attempt).
    fn truncate(&mut self) -> Result<()> {
        let path = self.path.clone();
        let f = self.file();
        f.set_len(0)
            .and_then(|_| io::Seek::rewind(f))
            .map_err(|e| io_error("cannot rewrite", &path, e))
    }

    /// Flushes to disk and renames over `dest`.
    fn persist(mut self, dest: &Path) -> Result<()> {
        let file = self.file.take().expect("open until persisted");
        file.sync_all()
            .map_err(|e| io_error("cannot flush", &self.path, e))?;
        drop(file);
        fs::rename(&self.path, dest)
            .map_err(|e| io_error("cannot move the download into", dest, e))?;
        self.path = PathBuf::new();
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        self.file.take();
        if !self.path.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn io_error(what: &str, path: &Path, e: io::Error) -> Error {
    Error::new(ErrorCode::Io, format!("{what} {}: {e}", path.display()))
}

/// Resolves a `Location` against the URL it answered.
fn join_location(base: &str, location: &str) -> Result<String> {
    if super::url::is_absolute_url(location) {
        return Ok(location.to_owned());
    }
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let authority_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let joined = if let Some(rest) = location.strip_prefix("//") {
        format!("{}{rest}", &base[..scheme_end])
    } else if location.starts_with('/') {
        format!("{}{location}", &base[..authority_end])
    } else {
        let path_end = base.find(['?', '#']).unwrap_or(base.len());
        let dir_end = base[..path_end]
            .rfind('/')
            .filter(|&i| i >= authority_end)
            .map_or(path_end, |i| i + 1);
        let sep = if dir_end == path_end && !base[..dir_end].ends_with('/') {
            "/"
        } else {
            ""
        };
        format!("{}{sep}{location}", &base[..dir_end])
    };
    parse_url(&joined)?;
    Ok(joined)
}

impl Client {
    /// Downloads `url` to `dest`; returns the number of bytes written. On any
    /// failure `dest` is unchanged and no temporary file remains.
    pub fn download(&self, url: &str, dest: &Path) -> Result<u64> {
        self.download_within(url, dest, Limits::default())
            .map_err(|f| self.redacted(f.error))
    }

    pub fn download_within(
        &self,
        url: &str,
        dest: &Path,
        limits: Limits,
    ) -> std::result::Result<u64, Failure> {
        parse_url(url)?;
        if dest.is_dir() {
            return Err(Error::new(
                ErrorCode::Io,
                format!("destination {} is a directory", dest.display()),
            )
            .into());
        }
        let mut tmp = TempFile::create_beside(dest)?;
        let mut first = true;
        let bytes = self.with_retries(url, limits, |fresh_token| {
            if !first {
                tmp.truncate()?;
            }
            first = false;
            self.download_once(url, tmp.file(), fresh_token, limits)
        })?;
        tmp.persist(dest)?;
        Ok(bytes)
    }

    /// One attempt, following redirects.
    fn download_once(
        &self,
        url: &str,
        out: &mut File,
        fresh_token: bool,
        limits: Limits,
    ) -> std::result::Result<u64, Failure> {
        let origin = parse_url(url)?;
        let mut current = url.to_owned();
        for _ in 0..=MAX_REDIRECTS {
            let target = parse_url(&current)?;
            // Credentials only to a trusted host of the original request,
            // over https or loopback http; others (presigned URLs) get none.
            let creds = if target.host == origin.host && self.trust.check(&target, &current).is_ok()
            {
                self.credentials(fresh_token, limits)?
            } else {
                Credentials::default()
            };
            match self.download_request(&current, &target, &creds, out)? {
                Step::Done(n) => return Ok(n),
                Step::Redirect(location) => {
                    let next = join_location(&current, &location)?;
                    self.logger
                        .log(DEBUG, || format!("redirected to {}", safe_url(&next)));
                    current = next;
                }
            }
        }
        Err(Error::new(
            ErrorCode::Http,
            format!(
                "more than {MAX_REDIRECTS} redirects downloading {}",
                safe_url(url)
            ),
        )
        .into())
    }

    fn download_request(
        &self,
        url: &str,
        target: &Target,
        creds: &Credentials,
        out: &mut File,
    ) -> std::result::Result<Step, Failure> {
        let req = self.get_with(url, "*/*", creds);
        // A big file may take long: bound each read instead of the whole body.
        let req = req
            .config()
            .timeout_global(None)
            .timeout_recv_body(None)
            .timeout_per_read(Some(self.config.timeout))
            .proxy(self.proxies.for_target(target))
            .build();
        let started = Instant::now();
        let mut resp = req
            .call()
            .map_err(|e| http::transport_error(e, "GET", url))?;
        let status = self.log_response(url, &resp, started);
        if (300..400).contains(&status) && status != 304 {
            let location = resp
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            http::read_error_body(&mut resp);
            return match location {
                Some(l) => Ok(Step::Redirect(l)),
                None => Err(http::status_error(status, b"", "GET", url).into()),
            };
        }
        if !(200..300).contains(&status) {
            return Err(http::response_failure(&mut resp, "GET", url));
        }
        let mut reader = resp.body_mut().with_config().limit(u64::MAX).reader();
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        loop {
            let n = match io::Read::read(&mut reader, &mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(http::transport_error(ureq::Error::from(e), "GET", url)
                        .with_http_status(status)
                        .into())
                }
            };
            out.write_all(&buf[..n]).map_err(|e| {
                Error::new(ErrorCode::Io, format!("cannot write the download: {e}"))
            })?;
            total += n as u64;
        }
        out.flush()
            .map_err(|e| Error::new(ErrorCode::Io, format!("cannot write the download: {e}")))?;
        Ok(Step::Done(total))
    }
}

enum Step {
    Done(u64),
    Redirect(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        let b = "http://h:1/files/a/b.jpg?x=1";
        assert_eq!(join_location(b, "https://o/x").unwrap(), "https://o/x");
        assert_eq!(join_location(b, "/y.jpg").unwrap(), "http://h:1/y.jpg");
        assert_eq!(
            join_location(b, "c.jpg").unwrap(),
            "http://h:1/files/a/c.jpg"
        );
        assert_eq!(join_location(b, "//other/z").unwrap(), "http://other/z");
        assert_eq!(join_location("http://h", "z").unwrap(), "http://h/z");
    }
}
