//! `Database::checkpoint` of a live database: a writer process writes at full speed (Buffered;
//! seals, merges and, in the second profile, index builds and template training never stop, so
//! files are deleted all the time), takes a checkpoint beside its writes when told, and is
//! killed with SIGKILL the moment the checkpoint returned. The checkpoint must open as a
//! database of its own, pass `verify()` with no problem (every segment, index and template
//! file the copied catalog names is there and intact: no deletion slipped through while it
//! was taken), and hold exactly the state after some prefix of the writer's operations that
//! includes every op acknowledged before the call (and at most those acknowledged until it
//! returned, plus the one in flight).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use kiln::{Database, Metric};
use kiln_tests::crash::{apply_model, verify_state, Profile, COLLECTION, DIM};
use kiln_tests::{seeded_rng, Model, TempDir};
use rand::Rng;

/// Every live row of the collection, by id.
fn dump(db: &Database, profile: Profile) -> BTreeMap<u64, Vec<f32>> {
    let c = db
        .collection(COLLECTION)
        .expect("collection in the checkpoint");
    (0..profile.id_space())
        .filter_map(|id| c.get(id).expect("get").map(|v| (id, v)))
        .collect()
}

fn run(profile: Profile, cycles: usize, default_seed: u64, min_acks: u64) {
    let name = format!("checkpoint_live {}", profile.name());
    let (mut rng, seed) = seeded_rng(&name, default_seed);
    let mut checked = 0;
    for cycle in 0..cycles {
        let src = TempDir::new(&format!("cp-live-{}", profile.name()));
        let dest = src.root().join(format!("checkpoint-{cycle}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_kiln-child"))
            .args([
                "checkpoint-write",
                &src.path().display().to_string(),
                "buffered",
                &seed.to_string(),
                profile.name(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn kiln-child");
        let mut stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let next = |what: &str| {
            rx.recv_timeout(Duration::from_secs(300))
                .unwrap_or_else(|_| {
                    panic!("cycle {cycle}: no {what} from the writer (seed {seed})")
                })
        };
        assert_eq!(next("READY"), "READY");
        // Let it run until a merge finished and enough ops were acknowledged, plus a random
        // number more; then ask for the checkpoint while it keeps writing.
        let want = min_acks + rng.gen_range(0..min_acks);
        let (mut acked, mut merged) = (0u64, false);
        let deadline = Instant::now() + Duration::from_secs(600);
        while !(merged && acked >= want) {
            assert!(
                Instant::now() < deadline,
                "cycle {cycle}: no progress (seed {seed})"
            );
            let line = next("progress");
            if line.starts_with("ACK ") {
                acked += 1;
            } else if line == "EVENT merge" {
                merged = true;
            } else if line.starts_with("ERR") {
                panic!("cycle {cycle}: the writer failed: {line}");
            }
        }
        writeln!(stdin, "CHECKPOINT {}", dest.display()).expect("ask for a checkpoint");
        stdin.flush().expect("flush");
        let (lo, hi) = loop {
            let line = next("CHECKPOINT");
            if let Some(rest) = line.strip_prefix("CHECKPOINT ") {
                let (a, b) = rest.split_once(' ').expect("CHECKPOINT lo hi");
                break (a.parse::<u64>().expect("lo"), b.parse::<u64>().expect("hi"));
            }
            assert!(
                !line.starts_with("ERR"),
                "cycle {cycle}: {line} (seed {seed})"
            );
        };
        // The moment it returned: kill -9.
        child.kill().expect("SIGKILL");
        child.wait().expect("wait");
        assert!(
            lo >= acked,
            "the ops this test saw acknowledged were before the call"
        );

        let db = Database::open(&dest).unwrap_or_else(|e| {
            panic!("cycle {cycle}: the checkpoint does not open: {e} (seed {seed})")
        });
        let report = db.verify().expect("verify");
        assert!(
            report.is_ok(),
            "cycle {cycle}: the checkpoint fails verify (seed {seed}): {:?}",
            report.problems
        );
        let state = dump(&db, profile);
        let mut model = Model::new(Metric::L2, DIM);
        for i in 0..lo {
            apply_model(&mut model, &profile.op(seed, i));
        }
        let mut p = lo;
        while model.rows != state {
            assert!(
                p <= hi,
                "cycle {cycle}: the checkpoint holds no state between the {lo} ops acknowledged \
                 before the call and the {hi} (+1) acknowledged when it returned (seed {seed})"
            );
            apply_model(&mut model, &profile.op(seed, p));
            p += 1;
        }
        verify_state(&db, &model, profile).unwrap_or_else(|e| {
            panic!("cycle {cycle}: the checkpoint at op {p}: {e} (seed {seed})")
        });
        // It is a database of its own: it takes writes.
        let c = db.collection(COLLECTION).expect("collection");
        c.upsert(0, &[1.0; DIM]).expect("write to the checkpoint");
        eprintln!(
            "{name} cycle {cycle}: checkpoint after {lo} acknowledged ops (writer at {hi} when it \
             returned) holds {p} ops, {} segments, verify clean",
            c.stats().segments.len()
        );
        checked += 1;
    }
    assert_eq!(checked, cycles);
}

/// Tiny segments: seals and merges (and so deletions of segment files) without pause.
#[test]
fn checkpoints_of_a_merging_writer_hold_every_acknowledged_write() {
    run(Profile::Small, 5, 0xC4EC, 200);
}

/// Indexed segments: template training, index builds and merges of indexed segments, so index
/// and template files are carried over (and deleted by merges) too.
#[test]
fn checkpoints_of_an_indexing_writer_hold_every_acknowledged_write() {
    run(Profile::Failpoints, 3, 0xC4ED, 30);
}
