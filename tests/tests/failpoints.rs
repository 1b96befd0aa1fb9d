//! Guards every step of the write recipes against a crash right there (docs/reliability.md T2): for
//! each failpoint (publish, write, delete, freeze, seal, index, template, build, merge,
//! watermark, create, drop), a child process running a workload of seals, index builds and
//! merges aborts the 1st, 2nd and a random later time it reaches that point; the parent reopens
//! and checks that every acknowledged write is there (the one in flight wholly or not at all)
//! and that the background work left pending completes.
//!
//! Needs the `failpoints` feature: `cargo test -p kiln-tests --features failpoints --test failpoints`
//! (`make test` runs it).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use kiln::{Database, Metric};
use kiln_tests::crash::{apply_model, verify_state, Profile};
use kiln_tests::{seeded_rng, Model, TempDir};
use rand::Rng;

const MAX_OPS: u64 = 40;

/// Run one crash at `point`'s `hit`-th hit; return whether the point was reached.
fn crash_at(point: &str, hit: u64, seed: u64) -> bool {
    let profile = Profile::Failpoints;
    let dir = TempDir::new("failpoint");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiln-child"))
        .args([
            "write",
            &dir.path().display().to_string(),
            "buffered",
            &seed.to_string(),
            "0",
            profile.name(),
        ])
        .env("KILN_FAILPOINT", point)
        .env("KILN_FAILPOINT_HIT", hit.to_string())
        .env("KILN_CHILD_MAX_OPS", MAX_OPS.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("stdout");
    let mut last_ack: Option<u64> = None;
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if let Some(i) = line.strip_prefix("ACK ") {
            last_ack = i.parse().ok();
        }
    }
    let status = child.wait().expect("wait");
    let reached = status.code().is_none();
    let context = format!("{point} hit {hit} (seed {seed}): {status}, last ack {last_ack:?}");

    let mut acked = Model::new(Metric::L2, kiln_tests::crash::DIM);
    let next = match last_ack {
        Some(a) => {
            for i in 0..=a {
                apply_model(&mut acked, &profile.op(seed, i));
            }
            a + 1
        }
        None => 0,
    };
    let mut with_next = acked.clone();
    apply_model(&mut with_next, &profile.op(seed, next));
    let db = Database::open(dir.path()).unwrap_or_else(|e| panic!("{context}: reopen failed: {e}"));
    if let Err(first) = verify_state(&db, &acked, profile) {
        if let Err(second) = verify_state(&db, &with_next, profile) {
            panic!("{context}: state matches neither the acknowledged prefix ({first}) nor prefix + in-flight op ({second})");
        }
    }
    if let Ok(c) = db.collection(kiln_tests::crash::COLLECTION) {
        c.wait_for_indexing()
            .unwrap_or_else(|e| panic!("{context}: pending work after recovery: {e}"));
        let report = db.verify().expect("verify");
        assert!(report.is_ok(), "{context}: {report:?}");
    }
    reached
}

#[test]
fn a_crash_at_every_failpoint_loses_nothing() {
    let (mut rng, seed) = seeded_rng("failpoints", 0xFA11);
    let mut uncovered = Vec::new();
    let mut runs = 0;
    for point in kiln_engine::FAILPOINTS {
        let mut reached_any = false;
        for hit in [1, 2, rng.gen_range(3..8)] {
            runs += 1;
            if crash_at(point, hit, seed) {
                reached_any = true;
            }
        }
        if !reached_any {
            uncovered.push(*point);
        }
    }
    let total = kiln_engine::FAILPOINTS.len();
    eprintln!(
        "failpoints: {runs} crashes, {}/{total} failpoints reached, 0 violations",
        total - uncovered.len()
    );
    assert!(
        uncovered.is_empty(),
        "failpoints the workload never reached: {uncovered:?}"
    );
}
