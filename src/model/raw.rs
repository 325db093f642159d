//! Lenient, streaming readers for the fields the model keeps.
//!
//! Every field accepts any JSON value: a value of the wrong type reads as
//! absent instead of failing the document, and everything the model does not
//! keep is skipped by the parser without being built (a multi-megabyte
//! `layers` list costs a scan, not a tree).

use std::ffi::CString;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::json::Key;

/// A value read from whichever JSON kinds it accepts; every other kind is
/// skipped and reads as `None`.
pub trait Lenient<'de>: Sized {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn from_str(_v: &str) -> Option<Self> {
        None
    }
    fn from_i64(_v: i64) -> Option<Self> {
        None
    }
    fn from_u64(_v: u64) -> Option<Self> {
        None
    }
    fn from_f64(_v: f64) -> Option<Self> {
        None
    }
}

/// `Option<T>` read leniently.
pub struct L<T>(pub Option<T>);

impl<'de, T: Lenient<'de>> Deserialize<'de> for L<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Lenient<'de>> Visitor<'de> for V<T> {
            type Value = L<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<L<T>, E> {
                Ok(L(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<L<T>, E> {
                Ok(L(None))
            }
            fn visit_i64<E>(self, v: i64) -> Result<L<T>, E> {
                Ok(L(T::from_i64(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<L<T>, E> {
                Ok(L(T::from_u64(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<L<T>, E> {
                Ok(L(T::from_f64(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<L<T>, E> {
                Ok(L(T::from_str(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<L<T>, A::Error> {
                T::from_seq(seq).map(L)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<L<T>, A::Error> {
                T::from_map(map).map(L)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A JSON string as a C string; a string holding U+0000 reads as absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub CString);

impl Lenient<'_> for Text {
    fn from_str(v: &str) -> Option<Self> {
        CString::new(v).ok().map(Text)
    }
}

/// A string, or a number given as its decimal text (error codes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code(pub CString);

impl Lenient<'_> for Code {
    fn from_str(v: &str) -> Option<Self> {
        CString::new(v).ok().map(Code)
    }
    fn from_i64(v: i64) -> Option<Self> {
        CString::new(v.to_string()).ok().map(Code)
    }
    fn from_u64(v: u64) -> Option<Self> {
        CString::new(v.to_string()).ok().map(Code)
    }
    fn from_f64(v: f64) -> Option<Self> {
        CString::new(v.to_string()).ok().map(Code)
    }
}

/// An integer, also from a string of digits (`"width":"500"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Int(pub i64);

impl Lenient<'_> for Int {
    fn from_str(v: &str) -> Option<Self> {
        crate::json::parse_decimal_i64(v.trim()).map(Int)
    }
    fn from_i64(v: i64) -> Option<Self> {
        Some(Int(v))
    }
    fn from_u64(v: u64) -> Option<Self> {
        i64::try_from(v).ok().map(Int)
    }
    fn from_f64(v: f64) -> Option<Self> {
        (v.fract() == 0.0 && v.abs() < 9.0e18).then_some(Int(v as i64))
    }
}

/// An array; elements of the wrong kind stay as `None` so indexes keep
/// matching the document's.
#[derive(Debug)]
pub struct List<T>(pub Vec<Option<T>>);

impl<'de, T: Lenient<'de>> Lenient<'de> for List<T> {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(L(item)) = seq.next_element::<L<T>>()? {
            items.push(item);
        }
        Ok(Some(List(items)))
    }
}

/// One object, or an array of them (Adobe's `errors` and `details` are both).
#[derive(Debug)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<'de, T: Lenient<'de>> Lenient<'de> for OneOrMany<T> {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
        Ok(T::from_map(map)?.map(|one| OneOrMany(vec![one])))
    }
    fn from_seq<A: SeqAccess<'de>>(seq: A) -> Result<Option<Self>, A::Error> {
        Ok(List::<T>::from_seq(seq)?.map(|list| OneOrMany(list.0.into_iter().flatten().collect())))
    }
}

impl<'de, T: Lenient<'de>> Lenient<'de> for Box<T> {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
        Ok(T::from_map(map)?.map(Box::new))
    }
}

/// Declares a struct of optional, leniently read fields and its reader.
/// Keys are matched exactly; a key listed twice (`"jobId" | "jobID"`) feeds
/// one field; a repeated key's last value wins.
macro_rules! lenient_struct {
    ($(#[$meta:meta])* $name:ident { $($field:ident : $ty:ty = $($key:literal)|+),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Default)]
        pub struct $name { $(pub $field: Option<$ty>,)* }

        impl $name {
            /// Reads the value of `key` if it is one of this struct's;
            /// `false` (nothing read) otherwise.
            fn read_field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
                match key {
                    $($($key)|+ => {
                        if let Some(v) = map.next_value::<L<$ty>>()?.0 {
                            self.$field = Some(v);
                        }
                        Ok(true)
                    })*
                    _ => Ok(false),
                }
            }
        }

        impl<'de> Lenient<'de> for $name {
            fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
                let mut out = $name::default();
                while let Some(key) = map.next_key::<Key>()? {
                    if !out.read_field(key.as_str(), &mut map)? {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Some(out))
            }
        }
    };
}

lenient_struct!(
    /// The top level of every shape, and the body of a webhook event.
    Doc {
        job_id: Text = "jobId" | "jobID",
        links: Links = "_links",
        status_url: Text = "statusUrl",
        outputs: List<Output> = "outputs",
        status: Text = "status",
        result: V2Result = "result",
        error_details: OneOrMany<Error> = "errorDetails",
        errors: OneOrMany<Error> = "errors",
        created_time: Text = "createdTime",
        modified_time: Text = "modifiedTime",
        created: Text = "created",
        modified: Text = "modified",
        output: Rendition = "output",
        input: Text = "input",
        error_code: Code = "error_code",
        message: Text = "message",
    }
);

// An I/O Events webhook's `event`; its body is a status (not another
// webhook), so reading it recurses once at most.
lenient_struct!(Event { body: Doc = "body" });

lenient_struct!(Links {
    self_link: Rendition = "self",
    renditions: List<Rendition> = "renditions",
});

lenient_struct!(
    /// An element of `outputs` (v1 psdService and Lightroom).
    Output {
        input: Text = "input",
        status: Text = "status",
        created: Text = "created",
        modified: Text = "modified",
        links: Links = "_links",
        errors: OneOrMany<Error> = "errors",
        error: OneOrMany<Error> = "error",
        details: Text = "details",
        error_details: Text = "errorDetails",
    }
);

lenient_struct!(Rendition {
    href: Text = "href",
    storage: Text = "storage",
    media_type: Text = "type",
    width: Int = "width",
});

lenient_struct!(
    /// Every error form: v1 `{type, code, title, details}`, v2
    /// `{errorCode, message}`, and the legacy `{code, error:{type, title}}`.
    Error {
        error_type: Text = "type",
        code: Code = "code" | "errorCode",
        title: Text = "title",
        message: Text = "message",
        details: OneOrMany<Detail> = "details" | "errorDetails" | "invalidParams",
        nested: Box<Error> = "error",
    }
);

lenient_struct!(Detail {
    name: Text = "name",
    reason: Text = "reason"
});

lenient_struct!(V2Result { outputs: List<V2Output> = "outputs" });

lenient_struct!(V2Output {
    destination: Destination = "destination",
    url: Text = "url",
    media_type: Text = "mediaType",
});

lenient_struct!(Destination { url: Text = "url" });

/// Reads the top level of a document, and a webhook's `event` beside it;
/// anything but an object is refused.
pub struct TopLevel(pub Doc, pub Option<Event>);

impl<'de> Deserialize<'de> for TopLevel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TopLevel;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
                let (mut doc, mut event) = (Doc::default(), None);
                while let Some(key) = map.next_key::<Key>()? {
                    if key.as_str() == "event" {
                        event = map.next_value::<L<Event>>()?.0;
                    } else if !doc.read_field(key.as_str(), &mut map)? {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(TopLevel(doc, event))
            }
        }
        d.deserialize_map(V)
    }
}
