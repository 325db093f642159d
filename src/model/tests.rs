use super::*;

macro_rules! fixture {
    ($name:literal) => {
        Status::parse(include_bytes!(concat!("../../tests/fixtures/", $name))).unwrap()
    };
}

fn s(c: &Option<CString>) -> Option<&str> {
    c.as_deref().map(|c| c.to_str().unwrap())
}

#[test]
fn v1_psd_service_renditions_and_errors() {
    let st = fixture!("v1_renditions.json");
    assert_eq!(st.shape(), Shape::PsdService);
    let job = st.job();
    assert_eq!(s(&job.job_id), Some("f54e0fcb-1111-2222-3333-de0d17dc2b67"));
    assert!(s(&job.self_href)
        .unwrap()
        .ends_with("/status/f54e0fcb-1111-2222-3333-de0d17dc2b67"));
    assert_eq!(job.state, State::Running, "one output still running");
    assert_eq!(job.outputs.len(), 3);
    let a = &job.outputs[0];
    assert_eq!(a.state, State::Succeeded);
    assert_eq!(s(&a.input), Some("https://in.example/a.psd"));
    assert_eq!(s(&a.created), Some("2018-01-04T12:57:15.12345:Z"));
    assert_eq!(a.renditions.len(), 2);
    assert_eq!(
        s(&a.renditions[0].href),
        Some("https://out.example/a.jpg?sig=1")
    );
    assert_eq!(a.renditions[0].width, Some(512));
    assert_eq!(s(&a.renditions[0].storage), Some("external"));
    assert_eq!(s(&a.renditions[1].media_type), Some("image/png"));
    assert_eq!(a.renditions[1].width, None);
    let c = &job.outputs[2];
    assert_eq!(c.state, State::Failed);
    assert_eq!(c.errors.len(), 1);
    let e = &c.errors[0];
    assert_eq!(s(&e.code), Some("400"));
    assert_eq!(s(&e.error_type), Some("InputValidationError"));
    assert_eq!(s(&e.title), Some("request has invalid parameters"));
    assert_eq!(s(&e.details[0].name), Some("outputs[0].storage"));
    assert_eq!(
        s(&e.details[0].reason),
        Some("should be one of external, azure, dropbox")
    );
}

#[test]
fn v1_variants_error_forms_and_string_widths() {
    let st = fixture!("v1_variants.json");
    let job = st.job();
    assert_eq!(s(&job.job_id), Some("a1b2"), "jobID spelling");
    assert_eq!(job.state, State::PartialSuccess);
    let e0 = &job.outputs[0].errors[0];
    assert_eq!(s(&e0.code), Some("404"), "numeric code as text");
    assert_eq!(
        e0.details.len(),
        1,
        "errorDetails read, <errorDetails> ignored"
    );
    assert_eq!(s(&e0.details[0].name), Some("input"));
    let e1 = &job.outputs[1].errors[0];
    assert_eq!(s(&e1.title), Some("bad contrast"), "singular error");
    assert_eq!(s(&e1.details[0].name), Some("contrast"), "invalidParams");
    let e2 = &job.outputs[2].errors[0];
    assert_eq!(s(&e2.code), Some("404"), "legacy form: outer code");
    assert_eq!(s(&e2.error_type), Some("FileExistsError"));
    assert_eq!(s(&e2.title), Some("input file does not exist"));
    let d = &job.outputs[3];
    assert_eq!(d.state, State::Succeeded, "status case-insensitive");
    assert_eq!(d.renditions[0].width, Some(500), "width as a string");
    assert_eq!(d.renditions[1].width, Some(0));
    assert_eq!(d.input, None);
}

#[test]
fn v1_document_manifest_keeps_layers_for_pointers() {
    let st = fixture!("v1_manifest.json");
    assert_eq!(st.job().state, State::Succeeded);
    assert!(st.job().outputs[0].renditions.is_empty());
    assert_eq!(
        st.get_c_str("/outputs/0/layers/0/name").unwrap().to_str(),
        Ok("CompanyLogo")
    );
    assert_eq!(
        st.get_i64("/outputs/0/layers/0/children/0/bounds/width")
            .unwrap(),
        10
    );
    assert_eq!(st.get_i64("/outputs/0/layers/1/id").unwrap(), -1);
    assert_eq!(st.get_len("/outputs/0/layers").unwrap(), 2);
    assert!(!st.get_bool("/outputs/0/layers/0/locked").unwrap());
    assert_eq!(st.get_f64("/outputs/0/document/width").unwrap(), 1200.0);
}

#[test]
fn lightroom_self_links_and_top_level_times() {
    let st = fixture!("lightroom.json");
    assert_eq!(st.shape(), Shape::Lightroom);
    let job = st.job();
    assert_eq!(job.state, State::Pending);
    let p = &job.outputs[0];
    assert_eq!(s(&p.renditions[0].href), Some("https://out.example/p.jpg"));
    assert_eq!(s(&p.renditions[0].storage), Some("external"));
    assert_eq!(
        s(&p.created),
        Some("2019-02-01T10:00:00Z"),
        "top-level created"
    );
    assert_eq!(s(&p.modified), Some("2019-02-01T10:00:09Z"));
    let q = &job.outputs[1];
    assert_eq!(q.errors.len(), 1);
    assert_eq!(s(&q.errors[0].title), Some("input file is corrupt"));
    assert_eq!(q.errors[0].code, None);
    assert!(job.outputs[2].renditions.is_empty());
}

#[test]
fn v2_running_is_one_output() {
    let st = fixture!("v2_running.json");
    assert_eq!(st.shape(), Shape::V2);
    let job = st.job();
    assert_eq!(job.state, State::Running);
    assert_eq!(job.outputs.len(), 1);
    assert_eq!(s(&job.outputs[0].status), Some("running"));
    assert_eq!(s(&job.outputs[0].created), Some("2025-01-15T10:30:00.000Z"));
    assert_eq!(
        s(&job.outputs[0].modified),
        Some("2025-01-15T10:30:15.000Z")
    );
}

#[test]
fn v2_succeeded_results_and_embedded_content() {
    let st = fixture!("v2_succeeded.json");
    let job = st.job();
    assert_eq!(job.state, State::Succeeded);
    assert_eq!(s(&job.job_id), Some("urn:ff:jobs:eso851243:8d25eb96-0001"));
    let r = &job.outputs[0].renditions;
    assert_eq!(r.len(), 3);
    assert_eq!(s(&r[0].href), Some("https://out.example/1.jpg"));
    assert_eq!(s(&r[0].media_type), Some("image/jpeg"));
    assert_eq!(s(&r[1].href), Some("https://out.example/2.png"));
    assert_eq!(r[2].href, None, "embedded result has no URL");
    assert_eq!(
        st.get_json("/result/outputs/2/destination/content")
            .unwrap()
            .to_str(),
        Ok(r#"{"layers":[{"name":"L1"}]}"#)
    );
}

#[test]
fn v2_failed_error_details() {
    let st = fixture!("v2_failed.json");
    let job = st.job();
    assert_eq!(job.state, State::Failed);
    let errors = &job.outputs[0].errors;
    assert_eq!(errors.len(), 2);
    assert_eq!(s(&errors[0].code), Some("400401"));
    assert_eq!(
        s(&errors[0].title),
        Some("The value provided is not valid.")
    );
    assert_eq!(s(&errors[1].code), Some("500"));
}

#[test]
fn sensei_output_and_errors() {
    let st = fixture!("sensei.json");
    assert_eq!(st.shape(), Shape::Sensei);
    let job = st.job();
    assert_eq!(s(&job.job_id), Some("c900e70c"));
    assert_eq!(job.state, State::Succeeded);
    let o = &job.outputs[0];
    assert_eq!(s(&o.input), Some("https://in.example/p.jpg"));
    assert_eq!(s(&o.created), Some("2020-01-01T00:00:00Z"));
    assert_eq!(s(&o.renditions[0].href), Some("https://out.example/p.png"));
    assert_eq!(s(&o.renditions[0].storage), Some("external"));

    let st = fixture!("sensei_failed.json");
    assert_eq!(st.shape(), Shape::Sensei);
    let e = &st.job().outputs[0].errors[0];
    assert_eq!(s(&e.title), Some("input not found"));
    assert_eq!(s(&e.code), Some("404"));
    assert_eq!(e.details.len(), 1, "details as one object");
    assert_eq!(s(&e.details[0].reason), Some("404 from storage"));
}

#[test]
fn masking_results_in_document_order_outside_links() {
    let st = fixture!("masking.json");
    assert_eq!(st.shape(), Shape::Masking);
    let o = &st.job().outputs[0];
    let hrefs: Vec<_> = o.renditions.iter().map(|r| s(&r.href).unwrap()).collect();
    assert_eq!(
        hrefs,
        [
            "https://out.example/person.png",
            "https://out.example/sky.png",
            "https://out.example/image.jpg"
        ]
    );
    assert_eq!(s(&o.renditions[2].media_type), Some("image/jpeg"));

    let st = fixture!("masking_failed.json");
    let job = st.job();
    assert_eq!(job.state, State::Failed);
    assert_eq!(s(&job.outputs[0].errors[0].code), Some("processing_error"));
    assert_eq!(
        s(&job.outputs[0].errors[0].title),
        Some("Unable to process the image")
    );
}

#[test]
fn masking_not_started_is_pending() {
    let st = Status::parse(br#"{"jobId":"m","status":"not_started"}"#).unwrap();
    assert_eq!(st.shape(), Shape::Masking);
    assert_eq!(st.job().state, State::Pending);
    assert_eq!(st.job().outputs.len(), 1);
}

#[test]
fn submit_responses_are_pending() {
    let st = fixture!("submit_v1.json");
    assert_eq!(st.shape(), Shape::Submit);
    assert_eq!(st.job().state, State::Pending);
    assert!(st.job().outputs.is_empty());
    assert!(s(&st.job().self_href)
        .unwrap()
        .ends_with("de2415fb-82c6-47fc-b102-04ad651c5ed4"));
    let st = fixture!("submit_v2.json");
    assert_eq!(
        s(&st.job().self_href),
        Some("https://photoshop-api.adobe.io/v2/status/8d25eb96")
    );
    assert_eq!(s(&st.job().job_id), Some("8d25eb96"));
}

#[test]
fn empty_outputs_list_is_pending() {
    let st = Status::parse(br#"{"jobId":"x","outputs":[]}"#).unwrap();
    assert_eq!(st.job().state, State::Pending);
}

#[test]
fn unknown_status_counts_as_running_and_keeps_raw() {
    let st =
        Status::parse(br#"{"outputs":[{"status":"Teleporting"},{"status":"succeeded"}]}"#).unwrap();
    assert_eq!(st.job().state, State::Running);
    assert_eq!(st.job().outputs[0].state, State::Unknown);
    assert_eq!(s(&st.job().outputs[0].status), Some("Teleporting"));
    let st = Status::parse(br#"{"status":"Teleporting","result":{}}"#).unwrap();
    assert_eq!(st.job().state, State::Unknown);
}

#[test]
fn webhook_body_is_the_status_inside() {
    let bytes = include_bytes!("../../tests/fixtures/webhook.json");
    let st = Status::parse(bytes).unwrap();
    assert_eq!(st.shape(), Shape::PsdService);
    assert_eq!(s(&st.job().job_id), Some("wh-9"));
    assert_eq!(st.job().state, State::Succeeded);
    assert_eq!(st.get_c_str("/jobId").unwrap().to_str(), Ok("wh-9"));
    assert_eq!(st.body(), bytes, "raw bytes as received");
}

#[test]
fn wrong_types_read_as_absent() {
    let st = Status::parse(
        br#"{"jobId":5,"outputs":[7,{"status":["x"],"input":{},"_links":{"renditions":[null,{"href":1,"width":"wide"}]},"errors":"boom"}]}"#,
    )
    .unwrap();
    let job = st.job();
    assert_eq!(job.job_id, None);
    assert_eq!(job.outputs.len(), 2, "one output per element");
    let o = &job.outputs[1];
    assert_eq!(o.status, None);
    assert_eq!(o.input, None);
    assert_eq!(o.renditions.len(), 2);
    assert_eq!(o.renditions[1].width, None);
    assert!(o.errors.is_empty());
}

#[test]
fn nul_in_a_string_reads_as_absent() {
    let st = Status::parse(
        br#"{"jobId":"a\u0000b","outputs":[{"input":"in\u0000","status":"succeeded"}]}"#,
    )
    .unwrap();
    assert_eq!(st.job().job_id, None);
    assert_eq!(st.job().outputs[0].input, None);
    assert_eq!(st.job().state, State::Succeeded);
    assert_eq!(st.get_c_str("/jobId").unwrap_err().code, ErrorCode::NoValue);
    assert!(st
        .get_json("/jobId")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("\\u0000"));
}

#[test]
fn duplicate_keys_last_wins() {
    let st = Status::parse(br#"{"status":"running","status":"succeeded","result":{}}"#).unwrap();
    assert_eq!(st.job().state, State::Succeeded);
    assert_eq!(st.get_c_str("/status").unwrap().to_str(), Ok("succeeded"));
}

#[test]
fn bad_bodies_are_parse_errors() {
    for (body, needle) in [
        (&b""[..], "empty"),
        (b"  \n", "whitespace"),
        (b"null", "null"),
        (b"[]", "an array"),
        (b"\"s\"", "a string"),
        (b"42", "a number"),
        (b"{\"a\":", "line 1 column 5"),
        (b"{\"a\":1} x", "trailing"),
        (b"{\"a\":\"\xff\"}", "UTF-8"),
        (b"{\"a\":1,\x00}", "line 1"),
        (b"<html>", "expected value"),
    ] {
        let err = Status::parse(body).unwrap_err();
        assert_eq!(err.code, ErrorCode::Parse, "{body:?}");
        assert!(err.message.contains(needle), "{body:?}: {}", err.message);
        assert!(!err.message.contains('\n'));
    }
}

#[test]
fn deep_nesting_parses_to_the_limit_and_no_further() {
    let depth = 256;
    let ok = format!(
        "{{\"a\":{}{}}}",
        "[".repeat(depth - 1),
        "]".repeat(depth - 1)
    );
    let st = Status::parse(ok.as_bytes()).unwrap();
    assert_eq!(st.get_len("/a").unwrap(), 1);
    let deep = format!("{{\"a\":{}", "[".repeat(10_000));
    assert_eq!(
        Status::parse(deep.as_bytes()).unwrap_err().code,
        ErrorCode::Parse
    );
    let deep = format!(
        "{{\"a\":{}{}}}",
        "{\"b\":".repeat(10_000),
        "}".repeat(10_000)
    );
    assert_eq!(
        Status::parse(deep.as_bytes()).unwrap_err().code,
        ErrorCode::Parse
    );
}

#[test]
fn pointer_results_are_stable_and_not_copied_again() {
    let st = fixture!("v1_manifest.json");
    let a = st.get_c_str("/outputs/0/layers/0/name").unwrap().as_ptr();
    let b = st.get_c_str("/outputs/0/layers/0/name").unwrap().as_ptr();
    assert_eq!(a, b);
    let j1 = st.get_json("/outputs/0/document").unwrap().as_ptr();
    let j2 = st.get_json("/outputs/0/document").unwrap().as_ptr();
    assert_eq!(j1, j2);
    assert_eq!(st.json_cache.lock().unwrap().len(), 1);
}

#[test]
fn pointer_errors() {
    let st = fixture!("v2_running.json");
    assert_eq!(st.get_c_str("/nope").unwrap_err().code, ErrorCode::NoValue);
    assert_eq!(st.get_i64("/status").unwrap_err().code, ErrorCode::NoValue);
    assert_eq!(
        st.get_c_str("status").unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        st.get_c_str("/a~9").unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    assert_eq!(st.get_len("").unwrap(), 4);
    assert!(st
        .get_json("")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("{\"jobId\":\"550e8400-e29b\""));
}

/// Parsing and the pointer tree do not recurse per nesting level, so a
/// document at the depth limit needs little stack, even in a debug build.
#[test]
fn deep_documents_need_little_stack() {
    let depth = crate::json::MAX_DEPTH - 1;
    let doc = format!("{{\"a\":{}1{}}}", "[".repeat(depth), "]".repeat(depth));
    let mut pointer = String::from("/a");
    for _ in 0..depth {
        pointer.push_str("/0");
    }
    let value = std::thread::Builder::new()
        .stack_size(128 * 1024)
        .spawn(move || {
            let st = Status::parse(doc.as_bytes()).unwrap();
            (
                st.get_i64(&pointer).unwrap(),
                st.get_json("/a").unwrap().to_bytes().len(),
            )
        })
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert_eq!(value, (1, 2 * depth + 1));
}

#[test]
fn deeply_nested_webhooks_do_not_exhaust_the_stack() {
    // Each level is an object inside an object: 256 webhook levels is 512
    // nesting levels, the limit.
    let levels = 255;
    let doc = format!(
        "{}{{\"jobId\":\"deep\",\"outputs\":[]}}{}",
        "{\"event\":{\"body\":".repeat(levels),
        "}}".repeat(levels)
    );
    let st = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || Status::parse(doc.as_bytes()).map(|s| s.job().state))
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert_eq!(st.unwrap(), State::Pending);
}

#[test]
fn lone_surrogates_do_not_break_pointer_access() {
    let st = Status::parse(br#"{"jobId":"x","a":"\ud800","b":["\udc00x"],"outputs":[]}"#).unwrap();
    assert_eq!(st.get_c_str("/jobId").unwrap().to_str(), Ok("x"));
    assert_eq!(st.get_c_str("/a").unwrap().to_str(), Ok("\u{fffd}"));
    assert_eq!(st.get_c_str("/b/0").unwrap().to_str(), Ok("\u{fffd}x"));
}
