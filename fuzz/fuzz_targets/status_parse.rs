//! Any bytes into Status::parse: never a panic or a hang; every JSON object
//! serde_json accepts parses; the accessors and pointers hold up.
#![no_main]

use libfuzzer_sys::fuzz_target;
use psjob::Status;

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
    let _ = status.get_json("");
    for pointer in ["/jobId", "/outputs/0/status", "/outputs/0/_links/renditions/0/href", "/status", "/a~1b", "/0"] {
        let _ = status.get_c_str(pointer);
        let _ = status.get_i64(pointer);
        let _ = status.get_len(pointer);
    }
    assert_eq!(status.body(), data);
});
