//! The status model: every shape Adobe's status endpoints answer in, folded
//! into one job → outputs → renditions and errors. Plain Rust; the C layer
//! lives in `crate::ffi`.

mod raw;
mod shape;
mod state;

use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::sync::{Mutex, OnceLock};

pub use shape::Shape;
pub use state::State;

use crate::error::{Error, ErrorCode, Result};
use crate::json::{self, Node};

/// A parsed status document. Immutable once built, so it may be read from
/// many threads; the pointer tree is built on first use.
#[derive(Debug)]
pub struct Status {
    /// The body as received, followed by one NUL.
    body: Box<[u8]>,
    http_status: u16,
    /// What the response's `Retry-After` asked for, if anything.
    retry_after: Option<std::time::Duration>,
    shape: Shape,
    /// Pointer to the status inside the body (`/event/body` for a webhook).
    root: &'static str,
    job: Job,
    tree: OnceLock<Result<Node>>,
    /// `get_json` answers, by the address of the node they serialize.
    json_cache: Mutex<HashMap<usize, CString>>,
}

#[derive(Debug, Default)]
pub struct Job {
    pub job_id: Option<CString>,
    pub self_href: Option<CString>,
    pub state: State,
    pub outputs: Vec<Output>,
}

#[derive(Debug, Default)]
pub struct Output {
    pub input: Option<CString>,
    pub status: Option<CString>,
    pub state: State,
    pub created: Option<CString>,
    pub modified: Option<CString>,
    pub renditions: Vec<Rendition>,
    pub errors: Vec<JobError>,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rendition {
    pub href: Option<CString>,
    pub storage: Option<CString>,
    pub media_type: Option<CString>,
    pub width: Option<i64>,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct JobError {
    pub code: Option<CString>,
    pub error_type: Option<CString>,
    pub title: Option<CString>,
    pub details: Vec<Detail>,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Detail {
    pub name: Option<CString>,
    pub reason: Option<CString>,
}

impl Status {
    /// Parses a status body. Fails with `Parse` when the body is not a JSON
    /// object (or nests deeper than [`json::MAX_DEPTH`]).
    pub fn parse(body: &[u8]) -> Result<Status> {
        // Room for the NUL up front, so it never reallocates the copy.
        let mut owned = Vec::with_capacity(body.len() + 1);
        owned.extend_from_slice(body);
        Status::parse_owned(owned, 0)
    }

    /// Parses a body read from a response with the given HTTP status; takes
    /// the buffer so it is not copied again.
    pub fn parse_owned(mut body: Vec<u8>, http_status: u16) -> Result<Status> {
        check_object(&body)?;
        // Skipped strings are not checked by the parser, so check all here.
        if let Err(e) = std::str::from_utf8(&body) {
            return Err(Error::parse(format!(
                "status body is not valid UTF-8 at byte {}",
                e.valid_up_to()
            )));
        }
        json::check_depth(&body)?;
        let mut de = serde_json::Deserializer::from_slice(&body);
        de.disable_recursion_limit();
        let raw::TopLevel(doc, event) =
            serde::Deserialize::deserialize(&mut de).map_err(json::json_error)?;
        de.end().map_err(json::json_error)?;

        let (doc, root) = match event.and_then(|e| e.body) {
            Some(inner) => (inner, "/event/body"),
            None => (doc, ""),
        };
        let shape = Shape::recognise(&doc);
        let tree = OnceLock::new();
        let job = if shape == Shape::Masking {
            // Masking results sit anywhere in the document: walk the tree,
            // which is small for these documents.
            match tree.get_or_init(|| Node::parse(&body)) {
                Ok(node) => {
                    let inner = node.pointer(root).ok().flatten().unwrap_or(node);
                    shape::fold(doc, shape, Some(inner))
                }
                Err(_) => shape::fold(doc, shape, None),
            }
        } else {
            shape::fold(doc, shape, None)
        };
        body.push(0);
        Ok(Status {
            body: body.into_boxed_slice(),
            http_status,
            retry_after: None,
            shape,
            root,
            job,
            tree,
            json_cache: Mutex::new(HashMap::new()),
        })
    }

    pub fn job(&self) -> &Job {
        &self.job
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }

    pub fn http_status(&self) -> u16 {
        self.http_status
    }

    /// The wait honours a `Retry-After` that came with a status.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.retry_after
    }

    pub fn with_retry_after(mut self, d: Option<std::time::Duration>) -> Status {
        self.retry_after = d;
        self
    }

    /// The body as received (without the trailing NUL).
    pub fn body(&self) -> &[u8] {
        &self.body[..self.body.len() - 1]
    }

    /// The body as received, NUL-terminated.
    pub fn body_c(&self) -> &CStr {
        // The body parsed as JSON, so it holds no NUL byte.
        CStr::from_bytes_with_nul(&self.body).unwrap_or_default()
    }

    /// The tree, built on first use. It builds for every body the typed
    /// parse accepted; should it not, pointers report the parse error.
    fn tree(&self) -> Result<&Node> {
        let node = self
            .tree
            .get_or_init(|| Node::parse(self.body()))
            .as_ref()
            .map_err(Clone::clone)?;
        Ok(node.pointer(self.root).ok().flatten().unwrap_or(node))
    }

    /// The value at an RFC 6901 pointer, relative to the status (inside a
    /// webhook event, relative to its body).
    pub fn pointer(&self, pointer: &str) -> Result<&Node> {
        self.tree()?
            .pointer(pointer)?
            .ok_or_else(|| Error::no_value(format!("no value at JSON pointer {pointer:?}")))
    }

    pub fn get_c_str(&self, pointer: &str) -> Result<&CStr> {
        let node = self.pointer(pointer)?;
        match node {
            Node::Str(_) => Ok(node.as_c_str().unwrap_or_default()),
            Node::StrWithNul(_) => Err(Error::no_value(format!(
                "the string at JSON pointer {pointer:?} holds a NUL character"
            ))),
            _ => Err(wrong_type(pointer, node, "a string")),
        }
    }

    pub fn get_i64(&self, pointer: &str) -> Result<i64> {
        let node = self.pointer(pointer)?;
        node.as_i64()
            .ok_or_else(|| wrong_type(pointer, node, "an integer"))
    }

    pub fn get_f64(&self, pointer: &str) -> Result<f64> {
        let node = self.pointer(pointer)?;
        node.as_f64()
            .ok_or_else(|| wrong_type(pointer, node, "a number"))
    }

    pub fn get_bool(&self, pointer: &str) -> Result<bool> {
        match self.pointer(pointer)? {
            Node::Bool(b) => Ok(*b),
            node => Err(wrong_type(pointer, node, "a boolean")),
        }
    }

    pub fn get_len(&self, pointer: &str) -> Result<usize> {
        let node = self.pointer(pointer)?;
        node.len()
            .ok_or_else(|| wrong_type(pointer, node, "an array or object"))
    }

    /// The value re-serialized as compact JSON; made once per value.
    pub fn get_json(&self, pointer: &str) -> Result<&CStr> {
        let node = self.pointer(pointer)?;
        let key = node as *const Node as usize;
        let mut cache = self
            .json_cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let text = cache.entry(key).or_insert_with(|| {
            // JSON text escapes every control character, so it holds no NUL.
            CString::new(node.to_json()).unwrap_or_default()
        });
        let ptr: *const CStr = text.as_c_str();
        drop(cache);
        // SAFETY: entries are never removed or replaced while `self` lives,
        // and a CString's heap buffer does not move when the map grows.
        Ok(unsafe { &*ptr })
    }
}

fn wrong_type(pointer: &str, node: &Node, wanted: &str) -> Error {
    let found = match node {
        Node::Null => "null",
        Node::Bool(_) => "a boolean",
        Node::Int(_) | Node::UInt(_) | Node::Float(_) => "a number",
        Node::Str(_) | Node::StrWithNul(_) => "a string",
        Node::Array(_) => "an array",
        Node::Object(_) => "an object",
    };
    Error::new(
        ErrorCode::NoValue,
        format!("the value at JSON pointer {pointer:?} is {found}, not {wanted}"),
    )
}

/// A clear message for the commonest bad bodies, before the parser runs.
fn check_object(body: &[u8]) -> Result<()> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    let found = match first {
        None if body.is_empty() => return Err(Error::parse("status body is empty")),
        None => return Err(Error::parse("status body is only whitespace")),
        Some(b'{') => return Ok(()),
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        Some(b'-' | b'0'..=b'9') => "a number",
        Some(_) => return Err(json_prefix_error(body)),
    };
    Err(Error::parse(format!(
        "status body is not a JSON object: it is {found}"
    )))
}

fn json_prefix_error(body: &[u8]) -> Error {
    match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        Err(e) => json::json_error(e),
        Ok(_) => Error::parse("status body is not a JSON object"),
    }
}

#[cfg(test)]
mod tests;
