//! The document tree behind the JSON Pointer accessors.
//!
//! Built once, lazily, from the raw body. Strings are stored NUL-terminated so
//! an accessor hands out a pointer into the tree without allocating; members
//! keep document order.

use std::borrow::Cow;
use std::ffi::CStr;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

use crate::error::{Error, Result};

/// Deepest nesting of arrays and objects a document may have. Deeper
/// documents are refused before parsing, so the recursive parsers below can
/// never exhaust the stack.
pub const MAX_DEPTH: usize = 512;

#[derive(Debug)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    /// UTF-8 bytes followed by one NUL; no NUL inside.
    Str(Box<[u8]>),
    /// A string holding U+0000: not representable as a C string.
    StrWithNul(Box<str>),
    Array(Vec<Node>),
    Object(Vec<(Box<str>, Node)>),
}

impl Node {
    /// Parses a whole document, without recursion: any depth up to
    /// [`MAX_DEPTH`] costs no stack. Lone UTF-16 surrogates in `\u` escapes
    /// (which serde_json skips unchecked in fields it does not read) become
    /// U+FFFD, so a body the typed parse accepted always builds.
    pub fn parse(bytes: &[u8]) -> Result<Node> {
        TreeParser { bytes, pos: 0 }.document()
    }

    pub fn as_c_str(&self) -> Option<&CStr> {
        match self {
            Node::Str(bytes) => CStr::from_bytes_with_nul(bytes).ok(),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(bytes) => std::str::from_utf8(&bytes[..bytes.len() - 1]).ok(),
            Node::StrWithNul(s) => Some(s),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            // The last duplicate wins, as in the typed model.
            Node::Object(members) => members
                .iter()
                .rev()
                .find(|(k, _)| &**k == key)
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Integral numbers, and strings of an optional `-` and decimal digits.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Node::Int(v) => Some(v),
            Node::UInt(v) => i64::try_from(v).ok(),
            // i64's range is [-2^63, 2^63).
            Node::Float(v)
                if v.fract() == 0.0
                    && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&v) =>
            {
                Some(v as i64)
            }
            Node::Str(_) => parse_decimal_i64(self.as_str()?),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Node::Int(v) => Some(v as f64),
            Node::UInt(v) => Some(v as f64),
            Node::Float(v) => Some(v),
            _ => None,
        }
    }

    /// Array elements or object members.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> Option<usize> {
        match self {
            Node::Array(items) => Some(items.len()),
            Node::Object(members) => Some(members.len()),
            _ => None,
        }
    }

    /// Resolves an RFC 6901 pointer. `Err` is a malformed pointer, `Ok(None)`
    /// a pointer that names no value.
    pub fn pointer(&self, pointer: &str) -> Result<Option<&Node>> {
        if pointer.is_empty() {
            return Ok(Some(self));
        }
        let Some(rest) = pointer.strip_prefix('/') else {
            return Err(Error::invalid(format!(
                "JSON pointer {pointer:?} must be empty or start with '/'"
            )));
        };
        // Validate every token first, so a bad escape is reported even past a
        // missing member.
        for token in rest.split('/') {
            check_escapes(token)?;
        }
        let mut node = self;
        for token in rest.split('/').map(unescape) {
            let token = token?;
            let next = match node {
                Node::Object(_) => node.get(&token),
                Node::Array(items) => parse_index(&token).and_then(|i| items.get(i)),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return Ok(None),
            }
        }
        Ok(Some(node))
    }

    /// Compact JSON text of this value, members in document order.
    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        self.write_json(&mut out);
        // Only valid UTF-8 is written.
        String::from_utf8(out).unwrap_or_default()
    }

    /// Writes compact JSON without recursing, so any depth is safe.
    fn write_json(&self, out: &mut Vec<u8>) {
        enum Step<'a> {
            Value(&'a Node),
            Key(&'a str),
            Byte(u8),
        }
        let mut work = vec![Step::Value(self)];
        while let Some(step) = work.pop() {
            let node = match step {
                Step::Byte(b) => {
                    out.push(b);
                    continue;
                }
                Step::Key(key) => {
                    let _ = serde_json::to_writer(&mut *out, key);
                    out.push(b':');
                    continue;
                }
                Step::Value(node) => node,
            };
            // Writes to a Vec cannot fail; serde_json escapes strings and
            // formats numbers exactly as JSON wants.
            match node {
                Node::Null => out.extend_from_slice(b"null"),
                Node::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
                Node::Int(v) => {
                    let _ = serde_json::to_writer(&mut *out, v);
                }
                Node::UInt(v) => {
                    let _ = serde_json::to_writer(&mut *out, v);
                }
                Node::Float(v) => {
                    let _ = serde_json::to_writer(&mut *out, v);
                }
                Node::Str(_) | Node::StrWithNul(_) => {
                    let _ = serde_json::to_writer(&mut *out, node.as_str().unwrap_or(""));
                }
                Node::Array(items) => {
                    out.push(b'[');
                    work.push(Step::Byte(b']'));
                    for (i, item) in items.iter().enumerate().rev() {
                        work.push(Step::Value(item));
                        if i > 0 {
                            work.push(Step::Byte(b','));
                        }
                    }
                }
                Node::Object(members) => {
                    out.push(b'{');
                    work.push(Step::Byte(b'}'));
                    for (i, (key, value)) in members.iter().enumerate().rev() {
                        work.push(Step::Value(value));
                        work.push(Step::Key(key));
                        if i > 0 {
                            work.push(Step::Byte(b','));
                        }
                    }
                }
            }
        }
    }
}

impl Drop for Node {
    /// Frees nested containers from a list instead of recursing, so dropping
    /// a deep tree needs no stack.
    fn drop(&mut self) {
        fn take_children(node: &mut Node, into: &mut Vec<Node>) {
            match node {
                Node::Array(items) => into.append(items),
                Node::Object(members) => into.extend(members.drain(..).map(|(_, v)| v)),
                _ => {}
            }
        }
        let is_container = |n: &Node| matches!(n, Node::Array(_) | Node::Object(_));
        let nested = match self {
            Node::Array(items) => items.iter().any(is_container),
            Node::Object(members) => members.iter().any(|(_, v)| is_container(v)),
            _ => false,
        };
        if !nested {
            return;
        }
        let mut pending = Vec::new();
        take_children(self, &mut pending);
        while let Some(mut node) = pending.pop() {
            take_children(&mut node, &mut pending);
        }
    }
}

fn check_escapes(token: &str) -> Result<()> {
    let bytes = token.as_bytes();
    for (i, _) in token.match_indices('~') {
        if !matches!(bytes.get(i + 1), Some(b'0' | b'1')) {
            return Err(Error::invalid(format!(
                "JSON pointer token {token:?} has a '~' not followed by 0 or 1"
            )));
        }
    }
    Ok(())
}

fn unescape(token: &str) -> Result<Cow<'_, str>> {
    if !token.contains('~') {
        return Ok(Cow::Borrowed(token));
    }
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c != '~' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('0') => out.push('~'),
            Some('1') => out.push('/'),
            _ => {
                return Err(Error::invalid(format!(
                    "JSON pointer token {token:?} has a '~' not followed by 0 or 1"
                )))
            }
        }
    }
    Ok(Cow::Owned(out))
}

fn parse_index(token: &str) -> Option<usize> {
    let digits_only = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
    if !digits_only || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    token.parse().ok()
}

/// An optional `-` and one or more decimal digits, in range.
pub fn parse_decimal_i64(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Refuses documents nested deeper than [`MAX_DEPTH`], in one pass over the
/// bytes. 64-byte blocks without a backslash are classified with SIMD where
/// the target has it (SSE2 on x86_64); the rest goes byte by byte.
pub fn check_depth(bytes: &[u8]) -> Result<()> {
    let mut scan = DepthScan::default();
    let mut blocks = bytes.chunks_exact(64);
    let mut offset = 0;
    let mut result = Ok(());
    for block in &mut blocks {
        result = scan.block(block, offset);
        if result.is_err() {
            break;
        }
        offset += 64;
    }
    if result.is_ok() {
        result = scan.bytes(blocks.remainder(), offset);
    }
    result.map_err(|at| {
        let (line, column) = line_column(bytes, at);
        Error::parse(format!(
            "status body is nested more than {MAX_DEPTH} levels deep at line {line} column {column}"
        ))
    })
}

/// The scan's failure: the offset of the bracket that went too deep.
type TooDeep = std::result::Result<(), usize>;

#[derive(Default)]
struct DepthScan {
    depth: usize,
    in_string: bool,
    /// The previous byte was a backslash inside a string.
    escaped: bool,
}

impl DepthScan {
    fn bytes(&mut self, bytes: &[u8], offset: usize) -> TooDeep {
        for (i, &b) in bytes.iter().enumerate() {
            // A backslash escapes the next byte. (Outside strings it is a
            // syntax error the parser reports; the block scan reads it the
            // same way, so both agree on any text.)
            if self.escaped {
                self.escaped = false;
                continue;
            }
            if b == b'\\' {
                self.escaped = true;
                continue;
            }
            if self.in_string {
                if b == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'[' | b'{' => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Err(offset + i);
                    }
                }
                b']' | b'}' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
        Ok(())
    }

    fn block(&mut self, block: &[u8], offset: usize) -> TooDeep {
        let masks = classify(block);
        // Bytes escaped by a backslash: the first, after an odd run that
        // ended the previous block, and the one after each odd run here.
        let mut escaped = u64::from(self.escaped);
        let mut backslash = masks.backslash & !escaped;
        self.escaped = false;
        while backslash != 0 {
            let start = backslash.trailing_zeros();
            let run = (!(backslash >> start)).trailing_zeros();
            let end = start + run;
            if end >= 64 {
                self.escaped = run % 2 == 1;
                break;
            }
            if run % 2 == 1 {
                escaped |= 1u64 << end;
            }
            // Clear this run, and the escaped byte after it.
            backslash &= !(((1u128 << (end + 1)) - (1u128 << start)) as u64);
        }
        let quote = masks.quote & !escaped;
        // Bits inside strings: a running XOR of the quotes, from the state
        // the previous block left.
        let mut inside = quote;
        for shift in [1, 2, 4, 8, 16, 32] {
            inside ^= inside << shift;
        }
        if self.in_string {
            inside = !inside;
        }
        self.in_string = inside >> 63 == 1;
        let open = masks.open & !inside & !escaped;
        let close = masks.close & !inside & !escaped;
        let (opens, closes) = (open.count_ones() as usize, close.count_ones() as usize);
        // Far from the limit and from zero, the order inside the block does
        // not matter.
        if self.depth + opens <= MAX_DEPTH && self.depth >= closes {
            self.depth = self.depth + opens - closes;
            return Ok(());
        }
        // Near the limit (or malformed): walk the brackets in order.
        let mut both = open | close;
        while both != 0 {
            let bit = both.trailing_zeros();
            both &= both - 1;
            if open >> bit & 1 == 1 {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(offset + bit as usize);
                }
            } else {
                self.depth = self.depth.saturating_sub(1);
            }
        }
        Ok(())
    }
}

/// Bit i set where byte i of a 64-byte block is that character.
struct Masks {
    quote: u64,
    backslash: u64,
    open: u64,
    close: u64,
}

#[cfg(target_arch = "x86_64")]
fn classify(block: &[u8]) -> Masks {
    use std::arch::x86_64::*;
    debug_assert_eq!(block.len(), 64);
    let mut m = Masks {
        quote: 0,
        backslash: 0,
        open: 0,
        close: 0,
    };
    // SAFETY: SSE2 is part of the x86_64 baseline; loads are unaligned and
    // stay within the 64-byte block.
    unsafe {
        let eq = |v: __m128i, c: u8| {
            _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8))) as u32 as u64
        };
        for k in 0..4 {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * k).cast());
            let shift = 16 * k;
            m.quote |= eq(v, b'"') << shift;
            m.backslash |= eq(v, b'\\') << shift;
            m.open |= (eq(v, b'[') | eq(v, b'{')) << shift;
            m.close |= (eq(v, b']') | eq(v, b'}')) << shift;
        }
    }
    m
}

#[cfg(not(target_arch = "x86_64"))]
fn classify(block: &[u8]) -> Masks {
    let mut m = Masks {
        quote: 0,
        backslash: 0,
        open: 0,
        close: 0,
    };
    for (i, &b) in block.iter().enumerate() {
        let bit = 1u64 << i;
        match b {
            b'"' => m.quote |= bit,
            b'\\' => m.backslash |= bit,
            b'[' | b'{' => m.open |= bit,
            b']' | b'}' => m.close |= bit,
            _ => {}
        }
    }
    m
}

fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = offset
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    (line, column)
}

pub fn json_error(e: serde_json::Error) -> Error {
    Error::parse(format!("status body is not valid JSON: {e}"))
}

/// An open array or object while the tree is built.
enum Open {
    Array(Vec<Node>),
    /// Members so far, and the key of the value being read.
    Object(Vec<(Box<str>, Node)>, Box<str>),
}

struct TreeParser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl TreeParser<'_> {
    fn error(&self, what: &str) -> Error {
        let (line, column) = line_column(self.bytes, self.pos.min(self.bytes.len()));
        Error::parse(format!(
            "status body is not valid JSON: {what} at line {line} column {column}"
        ))
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    /// The next byte after whitespace, consumed.
    fn next_token(&mut self) -> Result<u8> {
        self.skip_whitespace();
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| self.error("unexpected end"))?;
        self.pos += 1;
        Ok(b)
    }

    fn document(mut self) -> Result<Node> {
        let mut open: Vec<Open> = Vec::new();
        loop {
            // A value starts here; containers are opened without recursing.
            let mut value = match self.next_token()? {
                b'{' => {
                    self.skip_whitespace();
                    if self.bytes.get(self.pos) == Some(&b'}') {
                        self.pos += 1;
                        Node::Object(Vec::new())
                    } else {
                        let key = self.key()?;
                        open.push(Open::Object(Vec::new(), key));
                        self.check_depth(open.len())?;
                        continue;
                    }
                }
                b'[' => {
                    self.skip_whitespace();
                    if self.bytes.get(self.pos) == Some(&b']') {
                        self.pos += 1;
                        Node::Array(Vec::new())
                    } else {
                        open.push(Open::Array(Vec::new()));
                        self.check_depth(open.len())?;
                        continue;
                    }
                }
                b'"' => string_node(&self.string()?),
                b't' => self.literal(b"rue", Node::Bool(true))?,
                b'f' => self.literal(b"alse", Node::Bool(false))?,
                b'n' => self.literal(b"ull", Node::Null)?,
                b'-' | b'0'..=b'9' => {
                    self.pos -= 1;
                    self.number()?
                }
                _ => {
                    self.pos -= 1;
                    return Err(self.error("expected a value"));
                }
            };
            // The value is complete: put it in its container, closing every
            // container that ends after it.
            loop {
                match open.last_mut() {
                    None => {
                        self.skip_whitespace();
                        if self.pos != self.bytes.len() {
                            return Err(self.error("trailing characters"));
                        }
                        return Ok(value);
                    }
                    Some(Open::Array(items)) => {
                        items.push(value);
                        match self.next_token()? {
                            b',' => break,
                            b']' => match open.pop() {
                                Some(Open::Array(items)) => value = Node::Array(items),
                                _ => unreachable!("the top is an array"),
                            },
                            _ => return Err(self.error("expected ',' or ']'")),
                        }
                    }
                    Some(Open::Object(members, key)) => {
                        members.push((std::mem::take(key), value));
                        match self.next_token()? {
                            b',' => {
                                *key = self.key()?;
                                break;
                            }
                            b'}' => match open.pop() {
                                Some(Open::Object(members, _)) => value = Node::Object(members),
                                _ => unreachable!("the top is an object"),
                            },
                            _ => return Err(self.error("expected ',' or '}'")),
                        }
                    }
                }
            }
        }
    }

    fn check_depth(&self, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(self.error(&format!("nested more than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    /// `"key" :`
    fn key(&mut self) -> Result<Box<str>> {
        if self.next_token()? != b'"' {
            self.pos -= 1;
            return Err(self.error("expected a member name"));
        }
        let key = self.string()?.into();
        if self.next_token()? != b':' {
            self.pos -= 1;
            return Err(self.error("expected ':'"));
        }
        Ok(key)
    }

    fn literal(&mut self, rest: &[u8], node: Node) -> Result<Node> {
        if self.bytes[self.pos..].starts_with(rest) {
            self.pos += rest.len();
            Ok(node)
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn number(&mut self) -> Result<Node> {
        let start = self.pos;
        while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
        let text = std::str::from_utf8(&self.bytes[start..self.pos]).unwrap_or("");
        let integral = !text.contains(['.', 'e', 'E']);
        let node = if integral {
            match text.parse::<i64>() {
                Ok(v) => Some(Node::Int(v)),
                Err(_) => text
                    .parse::<u64>()
                    .ok()
                    .map(Node::UInt)
                    .or_else(|| text.parse::<f64>().ok().map(Node::Float)),
            }
        } else {
            // Out of range is infinite (serde_json skips such numbers in
            // fields it does not read); it re-serializes as null.
            text.parse::<f64>().ok().map(Node::Float)
        };
        // serde_json's grammar is stricter than Rust's number parsing; the
        // body has passed it already, so this only refuses garbage.
        node.ok_or_else(|| {
            self.pos = start;
            self.error("invalid number")
        })
    }

    /// A string's contents, after its opening quote; escapes resolved.
    fn string(&mut self) -> Result<Cow<'_, str>> {
        let start = self.pos;
        // Fast path: no escape before the closing quote.
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'"' => {
                    let text = std::str::from_utf8(&self.bytes[start..self.pos])
                        .map_err(|_| self.error("invalid UTF-8 in a string"))?;
                    self.pos += 1;
                    return Ok(Cow::Borrowed(text));
                }
                b'\\' => break,
                0x00..=0x1f => return Err(self.error("control character in a string")),
                _ => self.pos += 1,
            }
        }
        let mut out: Vec<u8> = self.bytes[start..self.pos].to_vec();
        loop {
            let b = *self
                .bytes
                .get(self.pos)
                .ok_or_else(|| self.error("unterminated string"))?;
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let e = *self
                        .bytes
                        .get(self.pos)
                        .ok_or_else(|| self.error("unterminated string"))?;
                    self.pos += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0c),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let c = self.unicode_escape()?;
                            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                        }
                        _ => return Err(self.error("invalid escape")),
                    }
                }
                0x00..=0x1f => return Err(self.error("control character in a string")),
                _ => out.push(b),
            }
        }
        String::from_utf8(out)
            .map(Cow::Owned)
            .map_err(|_| self.error("invalid UTF-8 in a string"))
    }

    fn hex4(&mut self) -> Result<u32> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("short \\u escape"))?;
        let text = std::str::from_utf8(digits).unwrap_or("");
        let v = u32::from_str_radix(text, 16).map_err(|_| self.error("invalid \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }

    /// After `\\u`: a character, a surrogate pair, or U+FFFD for a lone
    /// surrogate.
    fn unicode_escape(&mut self) -> Result<char> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) && self.bytes[self.pos..].starts_with(b"\\u") {
            let save = self.pos;
            self.pos += 2;
            let second = self.hex4()?;
            if (0xDC00..0xE000).contains(&second) {
                let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return Ok(char::from_u32(c).unwrap_or('\u{fffd}'));
            }
            self.pos = save;
        }
        Ok(char::from_u32(first).unwrap_or('\u{fffd}'))
    }
}

pub fn string_node(v: &str) -> Node {
    if v.as_bytes().contains(&0) {
        Node::StrWithNul(v.into())
    } else {
        let mut bytes = Vec::with_capacity(v.len() + 1);
        bytes.extend_from_slice(v.as_bytes());
        bytes.push(0);
        Node::Str(bytes.into_boxed_slice())
    }
}

/// An object key, borrowed from the input when it has no escapes.
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(
                self,
                v: &'de str,
            ) -> std::result::Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn doc(s: &str) -> Node {
        Node::parse(s.as_bytes()).unwrap()
    }

    #[test]
    fn pointer_escapes_and_indexes() {
        let d = doc(r#"{"a/b":{"m~n":[10,20]},"":1,"x":{"":"empty"}}"#);
        assert_eq!(
            d.pointer("/a~1b/m~0n/1").unwrap().unwrap().as_i64(),
            Some(20)
        );
        assert_eq!(d.pointer("/").unwrap().unwrap().as_i64(), Some(1));
        assert_eq!(d.pointer("/x/").unwrap().unwrap().as_str(), Some("empty"));
        assert!(d.pointer("/a~1b/m~0n/01").unwrap().is_none());
        assert!(d.pointer("/a~1b/m~0n/-").unwrap().is_none());
        assert!(d.pointer("/a~1b/m~0n/2").unwrap().is_none());
        assert_eq!(d.pointer("a").unwrap_err().code, ErrorCode::InvalidArgument);
        assert_eq!(
            d.pointer("/a~2").unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            d.pointer("/zz/a~").unwrap_err().code,
            ErrorCode::InvalidArgument
        );
    }

    #[test]
    fn json_keeps_document_order() {
        let text = r#"{"z":1,"a":[true,null,"q\"\u0000"],"m":{"b":2.5,"a":-3}}"#;
        assert_eq!(doc(text).to_json(), text);
    }

    #[test]
    fn nul_strings_are_not_c_strings() {
        let d = doc(r#"{"a":"x\u0000y","b":"ok"}"#);
        assert!(d.get("a").unwrap().as_c_str().is_none());
        assert_eq!(d.get("b").unwrap().as_c_str().unwrap().to_str(), Ok("ok"));
    }

    #[test]
    fn numbers_as_i64() {
        let d =
            doc(r#"{"a":"-42","b":"4x","c":1e3,"d":1.5,"e":18446744073709551615,"f":"","g":"-"}"#);
        assert_eq!(d.get("a").unwrap().as_i64(), Some(-42));
        assert_eq!(d.get("b").unwrap().as_i64(), None);
        assert_eq!(d.get("c").unwrap().as_i64(), Some(1000));
        assert_eq!(d.get("d").unwrap().as_i64(), None);
        assert_eq!(d.get("e").unwrap().as_i64(), None);
        assert_eq!(d.get("f").unwrap().as_i64(), None);
        assert_eq!(d.get("g").unwrap().as_i64(), None);
    }

    /// The block scan agrees with the byte scan on every split of tricky text.
    #[test]
    fn depth_scan_blocks_match_bytes() {
        let mut refused = 0;
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..4000 {
            // Half the rounds lean to '[' so the limit is reached.
            let alphabet: &[u8] = if round % 2 == 0 {
                b"[]{}\"\\ax,:"
            } else {
                b"[[[[[[[[[[[[\\]a{"
            };
            let len = (next() % 1500) as usize;
            let text: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let mut bytewise = DepthScan::default();
            let by_bytes = bytewise.bytes(&text, 0).map(|_| bytewise.depth);
            let mut blockwise = DepthScan::default();
            let mut by_blocks = Ok(());
            let mut chunks = text.chunks_exact(64);
            let mut off = 0;
            for c in &mut chunks {
                by_blocks = by_blocks.and_then(|_| blockwise.block(c, off));
                off += 64;
            }
            let by_blocks = by_blocks
                .and_then(|_| blockwise.bytes(chunks.remainder(), off))
                .map(|_| blockwise.depth);
            match (by_bytes, by_blocks) {
                (Err(a), Err(b)) => {
                    assert_eq!(a, b);
                    refused += 1;
                }
                (Ok(a), Ok(b)) => assert_eq!(a, b),
                other => panic!("{other:?} for {:?}", String::from_utf8_lossy(&text)),
            }
            assert_eq!(bytewise.in_string, blockwise.in_string);
        }
        assert!(refused > 100, "the limit was reached {refused} times");
    }

    #[test]
    fn depth_limit() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        check_depth(ok.as_bytes()).unwrap();
        Node::parse(ok.as_bytes()).unwrap();
        let deep = "[".repeat(10_000);
        let err = check_depth(deep.as_bytes()).unwrap_err();
        assert_eq!(err.code, ErrorCode::Parse);
        assert!(err.message.contains("column 513"), "{}", err.message);
        // Brackets inside strings do not count.
        let s = format!("[\"{}\\\"{}\"]", "[".repeat(1000), "{".repeat(1000));
        check_depth(s.as_bytes()).unwrap();
    }
}
