//! Measurements behind the performance claims (run with
//! `cargo run --release --example bench`): parsing cost against a bare JSON
//! scan, pointer access allocations, polls per second over pooled
//! connections, and the CPU an idle wait uses.

#[path = "../tests/mock/mod.rs"]
mod mock;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use psjob::client::wait::Progress;
use psjob::client::{Cancel, Client, Config, WaitOptions};
use psjob::Status;

/// Counts allocations, to show what accessors allocate.
struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn manifest(layers: usize) -> Vec<u8> {
    let mut s = String::from(
        r#"{"jobId":"bench","outputs":[{"input":"https://in.example/x.psd","status":"succeeded","document":{"name":"x.psd","width":1200,"height":800},"layers":["#,
    );
    for i in 0..layers {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            r#"{{"id":{i},"index":{i},"name":"layer-{i}","type":"layer","locked":false,"visible":true,"bounds":{{"left":{i},"top":1,"width":39,"height":64}},"children":[{{"id":{i},"name":"child \"{i}\"","type":"textLayer","text":{{"content":"Lorem ipsum dolor sit amet, consectetur adipiscing elit"}}}}]}}"#
        ));
    }
    s.push_str(
        r#"]}],"_links":{"self":{"href":"https://image.adobe.io/pie/psdService/status/bench"}}}"#,
    );
    s.into_bytes()
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .min()
        .unwrap()
}

fn main() {
    let doc = manifest(30_000);
    let mb = doc.len() as f64 / 1e6;
    println!("documentManifest: {:.1} MB, 30,000 layers", mb);
    let scan = best_of(10, || {
        serde_json::from_slice::<serde::de::IgnoredAny>(&doc).unwrap()
    });
    let value = best_of(10, || {
        serde_json::from_slice::<serde_json::Value>(&doc).unwrap()
    });
    let parse = best_of(10, || Status::parse(&doc).unwrap());
    let st = Status::parse(&doc).unwrap();
    let t = Instant::now();
    st.get_c_str("/outputs/0/layers/0/name").unwrap();
    let tree = t.elapsed();
    println!(
        "  serde_json scan (IgnoredAny):  {:>7.2} ms  ({:.0} MB/s)",
        ms(scan),
        mb / scan.as_secs_f64()
    );
    println!("  serde_json::Value:             {:>7.2} ms", ms(value));
    println!(
        "  Status::parse (typed model):   {:>7.2} ms  ({:.2}x the scan)",
        ms(parse),
        parse.as_secs_f64() / scan.as_secs_f64()
    );
    parts(&doc);
    println!(
        "  first pointer access (tree):   {:>7.2} ms, once",
        ms(tree)
    );

    let read_all = |st: &Status| {
        for i in 0..30_000 {
            st.get_c_str(&format!("/outputs/0/layers/{i}/name"))
                .unwrap();
        }
    };
    read_all(&st);
    let before = ALLOCS.load(Ordering::Relaxed);
    read_all(&st);
    let pointer_strings = 30_000; // the format! above, one per call
    let extra = ALLOCS.load(Ordering::Relaxed) - before - pointer_strings;
    println!("  30,000 layer names read again: {extra} allocations by the accessor");
    let before = ALLOCS.load(Ordering::Relaxed);
    st.get_json("/outputs/0/document").unwrap();
    let first = ALLOCS.load(Ordering::Relaxed) - before;
    let before = ALLOCS.load(Ordering::Relaxed);
    st.get_json("/outputs/0/document").unwrap();
    println!(
        "  get_json: {first} allocations the first time, {} the second (cached)",
        ALLOCS.load(Ordering::Relaxed) - before
    );

    let server = mock::MockServer::start();
    let mut config = Config::default();
    config.set_token(mock::TOKEN).unwrap();
    config.set_api_key(mock::API_KEY).unwrap();
    config
        .set_status_base_url(&format!("{}/v2/status/", server.base_url()))
        .unwrap();
    config.set_proxy(None).unwrap();
    let client = Client::new(&config).unwrap();
    let n = 2000;
    let t = Instant::now();
    for i in 0..n {
        client.get_status(&format!("quick-bench{i}")).unwrap();
    }
    let took = t.elapsed();
    println!(
        "polls: {n} in {:.0} ms = {:.0}/s on one thread, over {} TCP connection(s)",
        ms(took),
        n as f64 / took.as_secs_f64(),
        server.connections()
    );
    let before = server.connections();
    std::thread::scope(|s| {
        for t in 0..8 {
            let client = &client;
            s.spawn(move || {
                for i in 0..250 {
                    client.get_status(&format!("quick-bench-t{t}-{i}")).unwrap();
                }
            });
        }
    });
    println!(
        "  8 threads x 250 polls: {} new TCP connection(s)",
        server.connections() - before
    );

    let cpu = || {
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
        Duration::from_micros(
            (u.ru_utime.tv_sec * 1_000_000
                + u.ru_utime.tv_usec
                + u.ru_stime.tv_sec * 1_000_000
                + u.ru_stime.tv_usec) as u64,
        )
    };
    let options = WaitOptions {
        interval: Duration::from_millis(1000),
        max_interval: Duration::from_millis(1000),
        timeout: Some(Duration::from_millis(3000)),
        cancel: None,
    };
    let (c0, t0) = (cpu(), Instant::now());
    let e = client
        .wait("never-bench", &options, &mut |_| Progress::Continue)
        .unwrap_err();
    println!(
        "idle wait: {:?} after {:.0} ms, CPU used {:.1} ms (3 polls)",
        e.code,
        ms(t0.elapsed()),
        ms(cpu() - c0)
    );
    let cancel = std::sync::Arc::new(Cancel::new());
    let options = WaitOptions {
        cancel: Some(cancel.clone()),
        timeout: None,
        ..options
    };
    let trigger_at = std::sync::Arc::new(std::sync::Mutex::new(None));
    let ta = trigger_at.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        *ta.lock().unwrap() = Some(Instant::now());
        cancel.trigger();
    });
    let _ = client.wait("never-bench2", &options, &mut |_| Progress::Continue);
    let woke = Instant::now();
    t.join().unwrap();
    let latency = woke - trigger_at.lock().unwrap().unwrap();
    println!(
        "cancel during a sleep: the wait returned {:.2} ms after the trigger",
        ms(latency)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// What the parse pays besides the parser: UTF-8 check, depth check, copy.
fn parts(doc: &[u8]) {
    let utf8 = best_of(10, || std::str::from_utf8(doc).is_ok());
    let depth = best_of(10, || psjob::json::check_depth(doc).is_ok());
    let copy = best_of(10, || doc.to_vec());
    println!(
        "  parts: utf8 {:.2} ms, depth {:.2} ms, copy {:.2} ms",
        ms(utf8),
        ms(depth),
        ms(copy)
    );
}
