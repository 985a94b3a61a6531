//! `WGCL_TRACE=path.json`: a Chrome-trace / Perfetto JSON of every command (queued,
//! submitted, running, complete) and every callback (start, end, thread), so a user can see
//! why a callback came late. Open it in Perfetto (ui.perfetto.dev) or chrome://tracing.
//!
//! The file is a JSON array written one record per line as things happen. After every
//! write it ends with the closing `]`, which the next write steps back over, so the file is
//! valid JSON at any moment: at exit, and after a crash too.
//! Costs nothing when the variable is unset: one `OnceLock` read per record site.
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::sync::OnceLock;

use parking_lot::Mutex;

static TRACE: OnceLock<Option<Mutex<BufWriter<File>>>> = OnceLock::new();

fn sink() -> Option<&'static Mutex<BufWriter<File>>> {
    TRACE
        .get_or_init(|| {
            let path = std::env::var_os("WGCL_TRACE")?;
            match File::create(&path) {
                Ok(f) => {
                    let mut w = BufWriter::new(f);
                    let _ = write!(w, "[\n{}{CLOSE}", r#"{"ph":"M","pid":1,"name":"process_name","args":{"name":"wgcl"}}"#);
                    let _ = w.flush();
                    Some(Mutex::new(w))
                }
                Err(e) => {
                    log::error!("WGCL_TRACE: cannot create {path:?}: {e}");
                    None
                }
            }
        })
        .as_ref()
}

/// True when `WGCL_TRACE` is set (and its file could be created).
pub(crate) fn enabled() -> bool {
    sink().is_some()
}

fn us(ns: u64) -> f64 {
    ns as f64 / 1e3
}

/// What every write leaves at the end of the file.
const CLOSE: &str = "\n]\n";

fn write(lines: &[String]) {
    if let Some(s) = sink() {
        let mut w = s.lock();
        // Step back over the closing bracket, append, close again.
        let _ = w.seek(SeekFrom::End(-(CLOSE.len() as i64)));
        for l in lines {
            let _ = write!(w, ",\n{l}");
        }
        let _ = write!(w, "{CLOSE}");
        let _ = w.flush();
    }
}

/// `s` as the inside of a JSON string.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn thread_id() -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::thread::current().id().hash(&mut h);
    h.finish() % 1_000_000
}

/// Records a finished command: its whole life as an async span with one nested span per
/// phase (QUEUED, SUBMITTED, RUNNING). `status` is its final status.
pub(crate) fn command(id: usize, name: &str, p: &crate::event::ProfilingInfo, status: i32) {
    if !enabled() {
        return;
    }
    let name = escape(name);
    let span = |phase: &str, from: u64, to: u64| {
        if from == 0 || to == 0 {
            return Vec::new();
        }
        vec![
            format!(r#"{{"ph":"b","cat":"command","id":"{id:#x}","pid":1,"tid":0,"name":"{phase}","ts":{:.3}}}"#, us(from)),
            format!(r#"{{"ph":"e","cat":"command","id":"{id:#x}","pid":1,"tid":0,"name":"{phase}","ts":{:.3}}}"#, us(to)),
        ]
    };
    let end = p.complete.max(p.end);
    let mut lines = vec![format!(
        r#"{{"ph":"b","cat":"command","id":"{id:#x}","pid":1,"tid":0,"name":"{name}","ts":{:.3},"args":{{"status":{status}}}}}"#,
        us(p.queued)
    )];
    lines.extend(span("QUEUED", p.queued, p.submit));
    lines.extend(span("SUBMITTED", p.submit, p.start));
    lines.extend(span("RUNNING", p.start, p.end));
    lines.push(format!(r#"{{"ph":"e","cat":"command","id":"{id:#x}","pid":1,"tid":0,"name":"{name}","ts":{:.3}}}"#, us(end)));
    write(&lines);
}

/// Records one callback run on the current thread.
pub(crate) fn callback(name: &str, start_ns: u64, end_ns: u64) {
    if !enabled() {
        return;
    }
    let name = escape(name);
    let tid = thread_id();
    let tname = escape(std::thread::current().name().unwrap_or("unnamed"));
    write(&[
        format!(r#"{{"ph":"M","pid":1,"tid":{tid},"name":"thread_name","args":{{"name":"{tname}"}}}}"#),
        format!(
            r#"{{"ph":"X","cat":"callback","pid":1,"tid":{tid},"name":"{name}","ts":{:.3},"dur":{:.3}}}"#,
            us(start_ns),
            us(end_ns.saturating_sub(start_ns))
        ),
    ]);
}
