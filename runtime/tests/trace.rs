//! `WGCL_TRACE`: the trace file is a Chrome-trace JSON array with one async span per command
//! (and nested QUEUED/SUBMITTED/RUNNING phases) and one complete event per callback.
//! Its own test binary, because the variable is read once per process.
use std::sync::mpsc;
use wgcl::*;

#[test]
fn trace_file_has_commands_phases_and_callbacks() {
    let path = std::env::temp_dir().join(format!("wgcl-trace-{}.json", std::process::id()));
    std::env::set_var("WGCL_TRACE", &path);
    let device = Platform::get().default_device().unwrap();
    let ctx = Context::new(&[device.clone()]).unwrap();
    let q = CommandQueue::new(&ctx, &device, QueueProperties::default()).unwrap();
    let buf = MemObject::new_buffer(&ctx, MemFlags(MemFlags::READ_WRITE), 16, HostInit::None).unwrap();
    let w = q.enqueue_write_buffer(&buf, 0, vec![7; 16], &[]).unwrap();
    let (tx, rx) = mpsc::channel();
    w.set_callback(CallbackType::Complete, Box::new(move |_, s| tx.send(s).unwrap()));
    let mut out = [0u8; 16];
    q.read_buffer_into(&buf, 0, &mut out, &[]).unwrap();
    assert_eq!(rx.recv_timeout(std::time::Duration::from_secs(30)).unwrap(), COMPLETE);
    // The callback's trace record is written right after it returns: wait for a later one.
    let (tx2, rx2) = mpsc::channel();
    let m = q.enqueue_marker(&[]).unwrap();
    m.set_callback(CallbackType::Complete, Box::new(move |_, s| tx2.send(s).unwrap()));
    q.finish().unwrap();
    rx2.recv_timeout(std::time::Duration::from_secs(30)).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));

    let text = std::fs::read_to_string(&path).unwrap();
    // Valid JSON as it stands, while the process still runs (so also after a crash).
    let records: Vec<serde_json::Value> = serde_json::from_str(&text).expect("valid JSON array");
    let named = |ph: &str, name: &str| records.iter().filter(|r| r["ph"] == ph && r["name"] == name).count();
    for cmd in ["WriteBuffer", "ReadBuffer", "Marker"] {
        assert_eq!(named("b", cmd), 1, "{cmd} begins once");
        assert_eq!(named("e", cmd), 1, "{cmd} ends once");
    }
    for phase in ["QUEUED", "SUBMITTED", "RUNNING"] {
        assert!(named("b", phase) >= 3 && named("b", phase) == named("e", phase), "{phase} spans paired");
    }
    let callbacks: Vec<_> = records.iter().filter(|r| r["ph"] == "X" && r["cat"] == "callback").collect();
    assert!(callbacks.iter().any(|c| c["name"].as_str().unwrap().starts_with("WriteBuffer callback (status 0)")));
    assert!(callbacks.iter().all(|c| c["dur"].as_f64().unwrap() >= 0.0 && c["tid"].is_u64()));
    // Timestamps of one command's begin and end are ordered.
    let ts = |ph: &str, name: &str| records.iter().find(|r| r["ph"] == ph && r["name"] == name).unwrap()["ts"].as_f64().unwrap();
    assert!(ts("b", "WriteBuffer") <= ts("e", "WriteBuffer"));
    let _ = std::fs::remove_file(&path);
}
