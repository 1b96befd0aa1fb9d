//! Guards docs/reliability.md T8: one open database per directory. A second open from the same
//! process or from another process fails at once with `Locked` and changes nothing; of 8 racing
//! opens exactly one wins; the lock goes away with the process (kill -9 leaves none behind).

use std::process::Command;
use std::time::{Duration, Instant};

use kiln::{CollectionConfig, Database, Error, Metric};
use kiln_tests::TempDir;

#[test]
fn second_open_in_same_process_is_locked_quickly() {
    let dir = TempDir::new("lock");
    let db = Database::open(dir.path()).expect("open");
    db.create_collection("c", CollectionConfig::new(2, Metric::L2))
        .expect("create");
    let start = Instant::now();
    let r = Database::open(dir.path());
    let took = start.elapsed();
    assert!(matches!(r, Err(Error::Locked { .. })), "{r:?}");
    assert!(took < Duration::from_secs(1), "Locked took {took:?}");
    eprintln!("locking: a second open in the same process got Locked in {took:?}");
    drop(db);
    let db = Database::open(dir.path()).expect("reopen after close");
    assert_eq!(db.list_collections().expect("list"), vec!["c".to_string()]);
}

#[test]
fn a_handle_keeps_the_lock() {
    let dir = TempDir::new("lock-handle");
    let db = Database::open(dir.path()).expect("open");
    let c = db
        .create_collection("c", CollectionConfig::new(2, Metric::L2))
        .expect("create");
    drop(db);
    assert!(matches!(
        Database::open(dir.path()),
        Err(Error::Locked { .. })
    ));
    drop(c);
    Database::open(dir.path()).expect("open after last handle dropped");
}

#[test]
fn other_process_gets_locked_and_lock_dies_with_process() {
    let dir = TempDir::new("lock-proc");
    let db = Database::open(dir.path()).expect("open");
    let out = Command::new(env!("CARGO_BIN_EXE_kiln-child"))
        .args(["open", &dir.path().display().to_string()])
        .output()
        .expect("run child");
    // The child times its own open, so a slow process start-up on a busy machine does not
    // count against the lock.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let micros: u64 = stdout
        .trim()
        .strip_prefix("LOCKED ")
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("child did not report Locked: {stdout:?}"));
    let took = Duration::from_micros(micros);
    assert!(took < Duration::from_secs(1), "Locked took {took:?}");
    eprintln!("locking: another process got Locked in {took:?}");
    drop(db);

    // A child that holds the lock and is killed leaves no stale lock.
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiln-child"))
        .args([
            "write",
            &dir.path().display().to_string(),
            "buffered",
            "1",
            "0",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).expect("read");
    assert_eq!(line.trim(), "READY");
    assert!(matches!(
        Database::open(dir.path()),
        Err(Error::Locked { .. })
    ));
    child.kill().expect("kill");
    child.wait().expect("wait");
    Database::open(dir.path()).expect("open after the holder was killed");
}

#[test]
fn eight_racing_opens_one_wins() {
    let dir = TempDir::new("lock-race");
    let path = dir.path().to_path_buf();
    Database::open(&path).expect("create the directory first");
    let start = std::sync::Arc::new(std::sync::Barrier::new(8));
    let tried = std::sync::Arc::new(std::sync::Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let path = path.clone();
            let (start, tried) = (start.clone(), tried.clone());
            std::thread::spawn(move || {
                start.wait();
                let r = Database::open(&path);
                // Hold the winner open until every thread tried.
                tried.wait();
                r.map(|_| ()).map_err(|e| matches!(e, Error::Locked { .. }))
            })
        })
        .collect();
    let results: Vec<_> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results.iter().all(|r| r.is_ok() || r == &Err(true)),
        "{results:?}"
    );
}
