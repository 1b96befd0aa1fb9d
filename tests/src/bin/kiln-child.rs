//! A child process for crash and locking tests.
//!
//! `kiln-child write <dir> <sync|buffered> <seed> <first-op>`: opens the database, then applies
//! the deterministic operation sequence `ops(seed, i)` for i = first-op, first-op + 1, … and prints
//! `ACK i` after each one returns `Ok`, until it is killed.
//!
//! `kiln-child write-timed <dir> <sync|buffered> <seed> <first-op> [profile]`: `write`, with
//! `ACK i <ns>`: the system-wide monotonic clock (`kiln_tests::follow::now_ns`) read after op
//! `i` returned `Ok`.
//!
//! `kiln-child read <dir> <seed> <reader> <pause-ms>`: opens the database read-only and, until
//! its stdin is closed, refreshes and observes the collection: prints one
//! `kiln_tests::follow::Observation` line per refresh (`BUSY` when a refresh was refused as
//! transient), then `DONE <observations> <refreshes that moved> <busy>`. Any other error is
//! printed as `ERR <message>` and exits 1.
//!
//! `kiln-child checkpoint-write <dir> <sync|buffered> <seed> <profile>`: writes ops 0, 1, …
//! at full speed (printing `ACK i`) while reading stdin: each line `CHECKPOINT <dest>` takes
//! `Database::checkpoint(dest)` beside the writes and prints `CHECKPOINT <acked before>
//! <acked after>` (counts of acknowledged ops) when it returned.
//!
//! `kiln-child open <dir>`: tries to open the database and prints `OPENED` or `ERROR <message>`,
//! then exits (0 when opened, 3 when locked, 1 otherwise).

use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use kiln::{Database, DbOptions, Durability, Error, Metric, SearchOptions};
use kiln_tests::crash::{apply_op, Profile, COLLECTION, DIM};
use kiln_tests::follow::{self, now_ns, Observation};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some(cmd @ ("write" | "write-timed")) if args.len() == 6 || args.len() == 7 => write(
            &args[2],
            &args[3],
            &args[4],
            &args[5],
            args.get(6).map_or("small", String::as_str),
            cmd == "write-timed",
        ),
        Some("read") if args.len() == 6 => read(&args[2], &args[3], &args[4], &args[5]),
        Some("checkpoint-write") if args.len() == 6 => {
            checkpoint_write(&args[2], &args[3], &args[4], &args[5])
        }
        Some("open") if args.len() == 3 => open(&args[2]),
        _ => {
            eprintln!(
                "usage: kiln-child write|write-timed <dir> <sync|buffered> <seed> <first-op> [small|indexed|failpoints] \
                 | read <dir> <seed> <reader> <pause-ms> | checkpoint-write <dir> <sync|buffered> <seed> <profile> | open <dir>"
            );
            std::process::exit(2);
        }
    }
}

fn die(what: &str, e: impl std::fmt::Display) -> ! {
    println!("ERR {what}: {e}");
    let _ = std::io::stdout().flush();
    std::process::exit(1);
}

/// A flag set when stdin reaches its end (the parent closed it).
fn stdin_closed() -> Arc<AtomicBool> {
    let closed = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&closed);
    std::thread::spawn(move || {
        let mut sink = String::new();
        while std::io::stdin()
            .lock()
            .read_line(&mut sink)
            .is_ok_and(|n| n > 0)
        {
            sink.clear();
        }
        flag.store(true, Ordering::Release);
    });
    closed
}

/// Open `dir` read-only and observe collection [`COLLECTION`] after every refresh until stdin
/// is closed.
fn read(dir: &str, seed: &str, reader: &str, pause_ms: &str) {
    let (Ok(seed), Ok(reader), Ok(pause_ms)) = (
        seed.parse::<u64>(),
        reader.parse::<u64>(),
        pause_ms.parse::<u64>(),
    ) else {
        eprintln!("bad seed, reader or pause");
        std::process::exit(2);
    };
    let stop = stdin_closed();
    let db = loop {
        match Database::open_read_only(dir) {
            Ok(db) => break db,
            Err(Error::Busy { .. }) => std::thread::sleep(std::time::Duration::from_millis(10)),
            Err(e) => die("open", e),
        }
    };
    let coll = loop {
        match db.collection(COLLECTION) {
            Ok(c) => break c,
            Err(Error::CollectionNotFound { .. }) | Err(Error::Busy { .. }) => {
                std::thread::sleep(std::time::Duration::from_millis(5));
                let _ = db.refresh();
            }
            Err(e) => die("collection", e),
        }
    };
    println!("READY");
    let _ = std::io::stdout().flush();
    let (mut i, mut moved, mut busy) = (0u64, 0u64, 0u64);
    while !stop.load(Ordering::Acquire) {
        let t0 = now_ns();
        match db.refresh() {
            Ok(m) => moved += u64::from(m),
            Err(Error::Busy { .. }) => {
                busy += 1;
                println!("BUSY");
                continue;
            }
            Err(e) => die("refresh", e),
        }
        let t1 = now_ns();
        let q = follow::query(seed, reader, i);
        let all = coll
            .search(&q, &SearchOptions::new(follow::ALL).exact(true))
            .unwrap_or_else(|e| die("search", e));
        let top = coll
            .search(&q, &SearchOptions::new(follow::TOP))
            .unwrap_or_else(|e| die("search", e));
        let gets = follow::probes(seed, reader, i).map(|id| {
            let v = coll.get(id).unwrap_or_else(|e| die("get", e));
            follow::hash_vector(v.as_deref())
        });
        let obs = Observation {
            reader,
            i,
            t0,
            t1,
            len: coll.len(),
            all: follow::hash_hits(&all),
            top: follow::hash_hits(&top),
            gets,
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", obs.line());
        let _ = out.flush();
        drop(out);
        i += 1;
        if pause_ms > 0 {
            std::thread::sleep(std::time::Duration::from_millis(pause_ms));
        }
    }
    println!("DONE {i} {moved} {busy}");
}

/// Write ops 0, 1, … at full speed on one thread while the main thread takes the checkpoints
/// stdin asks for.
fn checkpoint_write(dir: &str, mode: &str, seed: &str, profile: &str) {
    let Some(profile) = Profile::parse(profile) else {
        eprintln!("unknown profile {profile}");
        std::process::exit(2);
    };
    let Ok(seed) = seed.parse::<u64>() else {
        eprintln!("bad seed");
        std::process::exit(2);
    };
    let durability = if mode == "sync" {
        Durability::Sync
    } else {
        Durability::Buffered
    };
    let db = Database::open_with(dir, DbOptions::new().durability(durability))
        .unwrap_or_else(|e| die("open", e));
    let coll = db
        .create_collection(COLLECTION, profile.config())
        .unwrap_or_else(|e| die("create", e));
    let events = db.events();
    std::thread::spawn(move || {
        for e in events {
            if let kiln::Event::MergeFinished { .. } = e {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "EVENT merge");
                let _ = out.flush();
            }
        }
    });
    println!("READY");
    let _ = std::io::stdout().flush();
    let acked = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&acked);
    std::thread::spawn(move || {
        let mut i = 0u64;
        loop {
            if let Err(e) = apply_op(&coll, &profile.op(seed, i)) {
                die(&format!("op {i}"), e);
            }
            counter.store(i + 1, Ordering::Release);
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "ACK {i}");
            let _ = out.flush();
            i += 1;
        }
    });
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let Some(dest) = line.strip_prefix("CHECKPOINT ") else {
            continue;
        };
        let before = acked.load(Ordering::Acquire);
        db.checkpoint(dest).unwrap_or_else(|e| die("checkpoint", e));
        let after = acked.load(Ordering::Acquire);
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "CHECKPOINT {before} {after}");
        let _ = out.flush();
    }
}

/// Try to open `dir` once; print `OPENED`, `LOCKED <µs the open took>` or `ERROR <e>`.
fn open(dir: &str) {
    let start = std::time::Instant::now();
    let r = Database::open(dir);
    let took = start.elapsed().as_micros();
    match r {
        Ok(_) => println!("OPENED"),
        Err(Error::Locked { .. }) => {
            println!("LOCKED {took}");
            std::process::exit(3);
        }
        Err(e) => {
            println!("ERROR {e}");
            std::process::exit(1);
        }
    }
}

/// With the `failpoints` feature: `KILN_FAILPOINT=<name>` and `KILN_FAILPOINT_HIT=<n>` abort the
/// process the n-th time that failpoint is reached.
#[cfg(feature = "failpoints")]
fn arm_failpoint() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let Ok(name) = std::env::var("KILN_FAILPOINT") else {
        return;
    };
    let hit: u64 = std::env::var("KILN_FAILPOINT_HIT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let count = AtomicU64::new(0);
    let armed = fail::cfg_callback(name.clone(), move || {
        if count.fetch_add(1, Ordering::SeqCst) + 1 == hit {
            eprintln!("kiln-child: aborting at failpoint {name} (hit {hit})");
            std::process::abort();
        }
    });
    if let Err(e) = armed {
        eprintln!("kiln-child: cannot arm failpoint: {e}");
        std::process::exit(2);
    }
}

#[cfg(not(feature = "failpoints"))]
fn arm_failpoint() {}

fn write(dir: &str, mode: &str, seed: &str, first: &str, profile: &str, timed: bool) {
    arm_failpoint();
    let Some(profile) = Profile::parse(profile) else {
        eprintln!("unknown profile {profile}");
        std::process::exit(2);
    };
    let durability = if mode == "sync" {
        Durability::Sync
    } else {
        Durability::Buffered
    };
    let (Ok(seed), Ok(first)) = (seed.parse::<u64>(), first.parse::<u64>()) else {
        eprintln!("bad seed or first op");
        std::process::exit(2);
    };
    let db = match Database::open_with(dir, DbOptions::new().durability(durability)) {
        Ok(db) => db,
        Err(e) => {
            eprintln!("open failed: {e}");
            std::process::exit(1);
        }
    };
    let coll = match db.collection(COLLECTION) {
        Ok(c) => c,
        Err(Error::CollectionNotFound { .. }) => {
            match db.create_collection(COLLECTION, profile.config()) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("create failed: {e}");
                    std::process::exit(1);
                }
            }
        }
        Err(e) => {
            eprintln!("collection failed: {e}");
            std::process::exit(1);
        }
    };
    // Report background events so the parent can aim its kill at a merge in progress. The
    // printer starts only after READY: a seal of a segment frozen before the last crash can
    // finish before this point, and its event line must not come before READY (found by the
    // long T1 campaign at cycle 9,253). Events meanwhile wait in the subscription's channel.
    let events = db.events();
    let print_events = move || {
        for e in events {
            let line = match e {
                kiln::Event::MergeFinished { .. } => "EVENT merge",
                kiln::Event::SegmentSealed { .. } => "EVENT seal",
                kiln::Event::IndexBuilt { .. } => "EVENT index",
                _ => continue,
            };
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    };
    if profile == Profile::Failpoints {
        // Reach the drop recipe's failpoint too.
        let _ = db
            .create_collection("scratch", kiln::CollectionConfig::new(DIM, Metric::L2))
            .and_then(|_| db.drop_collection("scratch"));
    }
    let max_ops: u64 = std::env::var("KILN_CHILD_MAX_OPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(u64::MAX);
    let stdout = std::io::stdout();
    println!("READY");
    let _ = stdout.lock().flush();
    std::thread::spawn(print_events);
    let mut i = first;
    while i < first.saturating_add(max_ops) {
        let o = profile.op(seed, i);
        if let Err(e) = apply_op(&coll, &o) {
            eprintln!("op {i} failed: {e}");
            std::process::exit(1);
        }
        let mut out = stdout.lock();
        if timed {
            let _ = writeln!(out, "ACK {i} {}", now_ns());
        } else {
            let _ = writeln!(out, "ACK {i}");
        }
        let _ = out.flush();
        i += 1;
    }
    // Out of operations (KILN_CHILD_MAX_OPS): let the background finish (seals, builds,
    // merges) so that their crash points are reached too, then exit.
    if let Err(e) = coll.compact() {
        eprintln!("compact failed: {e}");
        std::process::exit(1);
    }
}
