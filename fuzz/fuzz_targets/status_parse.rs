//! Any bytes into Status::parse: never a panic or a hang; every JSON object
//! serde_json accepts parses; the accessors and pointers hold up.
#![no_main]

use libfuzzer_sys::fuzz_target;
use psjob::Status;

/// Equal, with floats allowed to differ in the last bits (the two parsers
/// round differently at the edges).
fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value::*;
    match (a, b) {
        (Number(x), Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) if x.is_finite() && y.is_finite() => {
                x == y || ((x - y).abs() <= f64::EPSILON * 4.0 * x.abs().max(y.abs()))
            }
            _ => x == y,
        },
        (Array(x), Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        (Object(x), Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w))),
        _ => a == b,
    }
}

fuzz_target!(|data: &[u8]| {
    let parsed = Status::parse(data);
    // serde_json (recursion limit 128) accepting an object means we must too.
    if let Ok(serde_json::Value::Object(_)) = serde_json::from_slice::<serde_json::Value>(data) {
        assert!(parsed.is_ok(), "{:?}", parsed.err());
    }
    let Ok(status) = parsed else { return };
    let job = status.job();
    for output in &job.outputs {
        let _ = (&output.renditions, &output.errors, output.state);
    }
    // The pointer tree (our own parser) holds what serde_json reads.
    if let Ok(original) = serde_json::from_slice::<serde_json::Value>(data) {
        let text = status.get_json("").expect("the tree builds").to_str().unwrap().to_owned();
        let rebuilt: serde_json::Value = serde_json::from_str(&text).unwrap();
        // Pointers address a webhook's inner status.
        let root = match original.pointer("/event/body") {
            Some(inner @ serde_json::Value::Object(_)) => inner,
            _ => &original,
        };
        assert!(same(root, &rebuilt), "{root} != {rebuilt}");
    }
    for pointer in ["/jobId", "/outputs/0/status", "/outputs/0/_links/renditions/0/href", "/status", "/a~1b", "/0"] {
        let _ = status.get_c_str(pointer);
        let _ = status.get_i64(pointer);
        let _ = status.get_len(pointer);
    }
    assert_eq!(status.body(), data);
});
