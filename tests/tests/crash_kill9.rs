//! Guards the durability contract under kill -9 (docs/reliability.md T1, CI tier): a child process
//! writes a deterministic mix of upserts, batches, deletes and flushes (which seal segments) in
//! `Buffered` or `Sync` mode and is killed with SIGKILL at a random moment; the parent reopens
//! the directory and checks that every acknowledged write is there, that the one write in flight
//! is wholly there or wholly absent, and that exact search agrees with the model. The directory
//! is reused across cycles, so recovery after recovery is exercised.
//!
//! `KILN_CRASH_CYCLES=n` runs a longer campaign.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use kiln::{Database, Metric, SearchOptions};
use kiln_tests::crash::{apply_model, verify_state, Profile, COLLECTION, DIM};
use kiln_tests::{assert_same_hits, seeded_rng, Model, TempDir};
use rand::Rng;

fn cycles(default: usize) -> usize {
    std::env::var("KILN_CRASH_CYCLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn run(mode: &str, profile: Profile, default_cycles: usize, default_seed: u64) {
    let name = format!("crash_kill9 {mode} {}", profile.name());
    let (mut rng, seed) = seeded_rng(&name, default_seed);
    let dir = TempDir::new(&format!("kill9-{mode}-{}", profile.name()));
    // What the aimed cycles wait for before the kill. Indexed alternates: just after a seal (the
    // index build of that segment is then in flight) and just after a finished build (its merge
    // or the next build is), so that builds both die mid-way and complete, however slow the
    // machine. Each aim comes with how many seconds to wait for it: a build trains a template
    // first on a 10,000-row segment, so give it time on a loaded machine.
    let aims: &[(&str, u64)] = match profile {
        Profile::Small => &[("EVENT merge", 5)],
        Profile::Indexed => &[("EVENT seal", 5), ("EVENT index", 60)],
        Profile::Failpoints => &[("EVENT seal", 5)],
    };
    let mut model = Model::new(Metric::L2, DIM);
    let mut next_op: u64 = 0;
    let mut total_acked = 0u64;
    let mut aimed_kills = vec![0u64; aims.len()];
    let mut builds_seen = 0u64;
    let cycles = cycles(default_cycles);
    let started = Instant::now();
    for cycle in 0..cycles {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kiln-child"))
            .args([
                "write",
                &dir.path().display().to_string(),
                mode,
                &seed.to_string(),
                &next_op.to_string(),
                profile.name(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("child stdout");
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait for READY (recovery done), then let it write for a random while. Every fifth
        // cycle kills during startup and recovery instead; every third waits for a merge to
        // finish and kills a moment later, when the next seal or merge is likely in flight.
        let mut last_ack: Option<u64> = None;
        let mut early: Vec<String> = Vec::new();
        if cycle % 5 == 4 {
            std::thread::sleep(Duration::from_millis(rng.gen_range(0..30)));
        } else {
            let ready = rx.recv_timeout(Duration::from_secs(60));
            assert_eq!(
                ready.as_deref(),
                Ok("READY"),
                "cycle {cycle}: child did not start (seed {seed})"
            );
            if cycle % 3 == 0 {
                let aim = (cycle / 3) % aims.len();
                let (aim_line, patience) = aims[aim];
                let until = std::time::Instant::now() + Duration::from_secs(patience);
                while std::time::Instant::now() < until {
                    match rx.recv_timeout(Duration::from_millis(50)) {
                        Ok(line) => {
                            let hit = line == aim_line;
                            early.push(line);
                            if hit {
                                aimed_kills[aim] += 1;
                                break;
                            }
                        }
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                        Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    }
                }
                // Small: the next seal or merge is in flight within milliseconds. Indexed: the
                // index build of the segment just sealed takes tens to hundreds of them.
                let window = if profile == Profile::Small {
                    3_000
                } else {
                    200_000
                };
                std::thread::sleep(Duration::from_micros(rng.gen_range(0..window)));
            } else {
                std::thread::sleep(Duration::from_millis(rng.gen_range(1..120)));
            }
        }
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("wait");
        reader.join().expect("reader thread");
        for line in early.into_iter().chain(rx.try_iter()) {
            if line == "EVENT index" {
                builds_seen += 1;
            }
            if let Some(i) = line.strip_prefix("ACK ") {
                last_ack = Some(i.parse().expect("ack number"));
            }
        }
        assert!(
            status.code().is_none(),
            "cycle {cycle}: child exited on its own ({status}); seed {seed}"
        );

        // Every acknowledged op must be there; the op after the last ack may be.
        let mut acked = model.clone();
        let mut first_unacked = next_op;
        if let Some(a) = last_ack {
            assert!(a >= next_op, "ack {a} below first op {next_op}");
            for i in next_op..=a {
                apply_model(&mut acked, &profile.op(seed, i));
            }
            total_acked += a + 1 - next_op;
            first_unacked = a + 1;
        }
        let mut with_next = acked.clone();
        apply_model(&mut with_next, &profile.op(seed, first_unacked));

        let db = Database::open(dir.path())
            .unwrap_or_else(|e| panic!("cycle {cycle}: reopen failed: {e} (seed {seed})"));
        match verify_state(&db, &acked, profile) {
            Ok(()) => {
                model = acked;
                next_op = first_unacked;
            }
            Err(first) => match verify_state(&db, &with_next, profile) {
                Ok(()) => {
                    model = with_next;
                    next_op = first_unacked + 1;
                }
                Err(second) => panic!(
                    "cycle {cycle} ({mode}, seed {seed}, ops {next_op}..={last_ack:?}): state matches neither the \
                     acknowledged prefix ({first}) nor prefix + in-flight op ({second})"
                ),
            },
        }
        drop(db);
    }
    let aimed: Vec<String> = aims
        .iter()
        .zip(&aimed_kills)
        .map(|((aim, _), n)| format!("{n} kills aimed just after `{aim}`"))
        .collect();
    eprintln!(
        "{name}: {cycles} cycles, {total_acked} acknowledged ops, 0 lost, {}, \
         {builds_seen} index builds finished, {:.1}s",
        aimed.join(", "),
        started.elapsed().as_secs_f64()
    );
    if profile == Profile::Indexed {
        assert!(
            builds_seen > 0,
            "no index build finished: the test did not test builds"
        );
    }
    assert!(
        total_acked > cycles as u64,
        "the children made too little progress to test anything"
    );
}

#[test]
fn kill9_buffered_loses_no_acknowledged_write() {
    run("buffered", Profile::Small, 200, 0xB0FF);
}

#[test]
fn kill9_sync_loses_no_acknowledged_write() {
    run("sync", Profile::Small, 60, 0x5C);
}

#[test]
fn kill9_during_index_builds_and_indexed_merges_loses_nothing() {
    run("buffered", Profile::Indexed, 30, 0x1D3);
}

#[test]
fn model_matches_after_clean_reopen() {
    // The harness itself: a clean run of a few ops followed by a reopen must match the model.
    let dir = TempDir::new("kill9-clean");
    let mut model = Model::new(Metric::L2, DIM);
    {
        let db = Database::open(dir.path()).expect("open");
        let coll = db
            .create_collection(COLLECTION, Profile::Small.config())
            .expect("create");
        for i in 0..200 {
            let o = Profile::Small.op(7, i);
            kiln_tests::crash::apply_op(&coll, &o).expect("op");
            apply_model(&mut model, &o);
        }
    }
    let db = Database::open(dir.path()).expect("reopen");
    verify_state(&db, &model, Profile::Small).expect("clean reopen matches the model");
    let coll = db.collection(COLLECTION).expect("collection");
    let q = [0.25f32; DIM];
    assert_same_hits(
        "clean",
        &coll.search(&q, &SearchOptions::new(5)).expect("search"),
        &model.search(&q, 5),
    );
}
