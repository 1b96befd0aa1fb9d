//! A child process for crash and locking tests.
//!
//! `kiln-child write <dir> <sync|buffered> <seed> <first-op>`: opens the database, then applies
//! the deterministic operation sequence `ops(seed, i)` for i = first-op, first-op + 1, … and prints
//! `ACK i` after each one returns `Ok`, until it is killed.
//!
//! `kiln-child open <dir>`: tries to open the database and prints `OPENED` or `ERROR <message>`,
//! then exits (0 when opened, 3 when locked, 1 otherwise).

use std::io::Write;

use kiln::{Database, DbOptions, Durability, Error, Metric};
use kiln_tests::crash::{apply_op, Profile, COLLECTION, DIM};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("write") if args.len() == 6 || args.len() == 7 => write(
            &args[2],
            &args[3],
            &args[4],
            &args[5],
            args.get(6).map_or("small", String::as_str),
        ),
        Some("open") if args.len() == 3 => open(&args[2]),
        _ => {
            eprintln!(
                "usage: kiln-child write <dir> <sync|buffered> <seed> <first-op> [small|indexed|failpoints] | open <dir>"
            );
            std::process::exit(2);
        }
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

fn write(dir: &str, mode: &str, seed: &str, first: &str, profile: &str) {
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
        let _ = writeln!(out, "ACK {i}");
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
