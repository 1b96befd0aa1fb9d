//! Process and file-system probes: peak RSS, bytes written, directory sizes, page-cache
//! eviction, machine load, and a minimal `tracing` subscriber that adds up the time Kiln's
//! background spans take.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix(field)
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
        })
        .unwrap_or(0)
}

/// Peak resident set size of this process (VmHWM), bytes.
pub fn peak_rss() -> u64 {
    status_kib("VmHWM:") * 1024
}

/// Resident set size now (VmRSS), bytes.
pub fn rss() -> u64 {
    status_kib("VmRSS:") * 1024
}

/// Bytes this process caused to be written to storage so far (`/proc/self/io` write_bytes).
pub fn write_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("write_bytes:")
                    .and_then(|v| v.trim().parse().ok())
            })
        })
        .unwrap_or(0)
}

/// The 1-minute load average.
pub fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

/// Sizes of the files under `dir`, by kind: segment files, index files, templates, the rest
/// (RocksDB catalog and log, lock, watermark).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DiskUsage {
    pub total: u64,
    pub segments: u64,
    pub indexes: u64,
    pub templates: u64,
    pub other: u64,
}

pub fn disk_usage(dir: &Path) -> DiskUsage {
    let mut u = DiskUsage::default();
    visit(dir, &mut |p, len| {
        u.total += len;
        match p.extension().and_then(|e| e.to_str()) {
            Some("seg") => u.segments += len,
            Some("idx") => u.indexes += len,
            Some("tpl") => u.templates += len,
            _ => u.other += len,
        }
    });
    u
}

fn visit(dir: &Path, f: &mut dyn FnMut(&Path, u64)) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        match e.metadata() {
            Ok(m) if m.is_dir() => visit(&p, f),
            Ok(m) => f(&p, m.len()),
            Err(_) => {}
        }
    }
}

/// Evict the files under `path` (a file or a directory) from the page cache: `sync`, then
/// `posix_fadvise(DONTNEED)` on each file. Targeted, so other work on the machine keeps its
/// cache. Returns the bytes asked to be dropped.
pub fn evict(path: &Path) -> u64 {
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
    let mut total = 0;
    let mut one = |p: &Path, len: u64| {
        if let Ok(f) = std::fs::File::open(p) {
            use std::os::fd::AsRawFd;
            // SAFETY: a valid open descriptor; offset 0 and length 0 mean the whole file.
            unsafe { libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
            total += len;
        }
    };
    if path.is_dir() {
        visit(path, &mut one);
    } else if let Ok(m) = std::fs::metadata(path) {
        one(path, m.len());
    }
    total
}

/// Pages of the files under `path` still in the page cache, bytes (mincore on a mapping).
pub fn cached_bytes(path: &Path) -> u64 {
    let mut total = 0u64;
    let mut one = |p: &Path, len: u64| {
        if len == 0 {
            return;
        }
        let Ok(f) = std::fs::File::open(p) else {
            return;
        };
        use std::os::fd::AsRawFd;
        let len = len as usize;
        // SAFETY: a read-only shared mapping of an open file, unmapped below; mincore writes
        // one byte per page into a vector of that many bytes.
        unsafe {
            let addr = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                f.as_raw_fd(),
                0,
            );
            if addr == libc::MAP_FAILED {
                return;
            }
            let page = 4096usize;
            let mut vec = vec![0u8; len.div_ceil(page)];
            if libc::mincore(addr, len, vec.as_mut_ptr()) == 0 {
                total += vec.iter().filter(|&&b| b & 1 == 1).count() as u64 * page as u64;
            }
            libc::munmap(addr, len);
        }
    };
    if path.is_dir() {
        visit(path, &mut one);
    } else if let Ok(m) = std::fs::metadata(path) {
        one(path, m.len());
    }
    total
}

/// Read every file under `dir` once (into the page cache).
pub fn read_all(dir: &Path) {
    visit(dir, &mut |p, _| {
        if let Ok(mut f) = std::fs::File::open(p) {
            let _ = std::io::copy(&mut f, &mut std::io::sink());
        }
    });
}

/// Total busy time and count of one kind of span.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SpanTotal {
    pub count: u64,
    pub seconds: f64,
}

/// What the [`SpanRecorder`] saw.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Trace {
    /// "target-short:name" → total time inside the span (entered to exited).
    pub spans: BTreeMap<String, SpanTotal>,
    /// Fields of the "trained IVF template" events (nlist, sample, planned_rows, took).
    pub templates: Vec<BTreeMap<String, String>>,
}

struct Live {
    key: String,
    refs: usize,
    entered: Option<Instant>,
}

#[derive(Default)]
struct State {
    live: HashMap<u64, Live>,
    trace: Trace,
}

/// A `tracing` subscriber that only looks at Kiln's background spans (seal, build, merge,
/// retrain, template training, index build) and the template-training event; every other
/// callsite is disabled, so writes and searches cost nothing extra.
#[derive(Clone, Default)]
pub struct SpanRecorder {
    next: Arc<AtomicU64>,
    state: Arc<Mutex<State>>,
}

const SPANS: [&str; 8] = [
    "seal",
    "build",
    "merge",
    "retrain",
    "train_template",
    "build_ivf",
    "flush",
    "load_collection",
];

fn key(meta: &tracing::Metadata<'_>) -> String {
    let target = meta.target();
    let short = target
        .strip_prefix("kiln_")
        .and_then(|t| t.split("::").next())
        .unwrap_or(target);
    format!("{short}:{}", meta.name())
}

fn wanted(meta: &tracing::Metadata<'_>) -> bool {
    if !meta.target().starts_with("kiln_") {
        return false;
    }
    if meta.is_span() {
        SPANS.contains(&meta.name())
    } else {
        meta.target().starts_with("kiln_engine::indexing") && meta.fields().field("nlist").is_some()
    }
}

struct Fields(BTreeMap<String, String>);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
}

impl SpanRecorder {
    pub fn trace(&self) -> Trace {
        self.state
            .lock()
            .map(|s| s.trace.clone())
            .unwrap_or_default()
    }
}

impl tracing::Subscriber for SpanRecorder {
    fn register_callsite(
        &self,
        meta: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        if wanted(meta) {
            tracing::subscriber::Interest::always()
        } else {
            tracing::subscriber::Interest::never()
        }
    }
    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        wanted(meta)
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::DEBUG)
    }
    fn new_span(&self, attrs: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        if let Ok(mut s) = self.state.lock() {
            s.live.insert(
                id,
                Live {
                    key: key(attrs.metadata()),
                    refs: 1,
                    entered: None,
                },
            );
        }
        tracing::span::Id::from_u64(id)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut f = Fields(BTreeMap::new());
        event.record(&mut f);
        if let Ok(mut s) = self.state.lock() {
            s.trace.templates.push(f.0);
        }
    }
    fn enter(&self, span: &tracing::span::Id) {
        if let Ok(mut s) = self.state.lock() {
            if let Some(l) = s.live.get_mut(&span.into_u64()) {
                l.entered = Some(Instant::now());
            }
        }
    }
    fn exit(&self, span: &tracing::span::Id) {
        if let Ok(mut s) = self.state.lock() {
            let done = s.live.get_mut(&span.into_u64()).and_then(|l| {
                l.entered
                    .take()
                    .map(|t| (l.key.clone(), t.elapsed().as_secs_f64()))
            });
            if let Some((k, secs)) = done {
                let t = s.trace.spans.entry(k).or_default();
                t.count += 1;
                t.seconds += secs;
            }
        }
    }
    fn clone_span(&self, span: &tracing::span::Id) -> tracing::span::Id {
        if let Ok(mut s) = self.state.lock() {
            if let Some(l) = s.live.get_mut(&span.into_u64()) {
                l.refs += 1;
            }
        }
        span.clone()
    }
    fn try_close(&self, span: tracing::span::Id) -> bool {
        if let Ok(mut s) = self.state.lock() {
            let id = span.into_u64();
            if let Some(l) = s.live.get_mut(&id) {
                l.refs -= 1;
                if l.refs == 0 {
                    s.live.remove(&id);
                    return true;
                }
            }
        }
        false
    }
}
