//! Readers in other processes (the multi-process contract of `Database::open_read_only`): a
//! writer process upserts, deletes, seals and merges continuously (Buffered, the crash tests'
//! Small profile: 64-row segments, so merges never stop and files are deleted all the time)
//! while two reader processes refresh and observe the collection. The writer is killed with
//! SIGKILL several times and restarted (and between two runs this test opens the directory as
//! the writer itself to find out what survived); the readers run through all of it.
//!
//! Every observation (an exact listing of every live row, a default search, three `get`s and
//! `len`) must equal the brute-force model after some prefix of the writer's operations: at
//! least every op acknowledged before the reader's refresh began, at most the ops acknowledged
//! before it ended plus the one in flight. Times come from `CLOCK_MONOTONIC`, which all the
//! processes share. No torn state, no missing or resurrected id, no reader error.
//!
//! `readers_do_not_slow_the_writer` (ignored: run it by name) measures the writer's throughput
//! with and without two readers, side by side.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use kiln::{Database, Metric};
use kiln_tests::crash::{apply_model, verify_state, Profile, COLLECTION};
use kiln_tests::follow::{now_ns, Observation};
use kiln_tests::{seeded_rng, Model, TempDir};
use rand::Rng;

const CHILD: &str = env!("CARGO_BIN_EXE_kiln-child");

/// A child process whose stdout lines arrive on a channel.
struct Proc {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Proc {
    fn spawn(args: &[String]) -> Proc {
        let mut child = Command::new(CHILD)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn kiln-child");
        let stdout = child.stdout.take().expect("stdout");
        let stdin = child.stdin.take();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Proc {
            child,
            stdin,
            lines,
        }
    }

    /// The next line, waiting at most `secs`.
    fn next(&self, secs: u64) -> Option<String> {
        self.lines.recv_timeout(Duration::from_secs(secs)).ok()
    }
}

/// What one reader process printed.
#[derive(Default)]
struct ReaderLog {
    observations: Vec<Observation>,
    busy: u64,
    done: Option<String>,
    errors: Vec<String>,
}

impl ReaderLog {
    fn take(&mut self, line: String) {
        if let Some(o) = Observation::parse(&line) {
            self.observations.push(o);
        } else if line == "BUSY" {
            self.busy += 1;
        } else if line.starts_with("DONE") {
            self.done = Some(line);
        } else if line != "READY" {
            self.errors.push(line);
        }
    }
}

fn reader_args(dir: &str, seed: u64, r: u64, pause_ms: u64) -> Vec<String> {
    vec![
        "read".into(),
        dir.into(),
        seed.to_string(),
        r.to_string(),
        pause_ms.to_string(),
    ]
}

/// Create the database and its collection, so that readers find it.
fn create(dir: &std::path::Path) {
    let db = Database::open(dir).expect("create");
    db.create_collection(COLLECTION, Profile::Small.config())
        .expect("create collection");
}

#[test]
fn readers_in_other_processes_see_only_acknowledged_states() {
    let (mut rng, seed) = seeded_rng("readers_multiprocess", 0x02EA_DE25);
    let profile = Profile::Small;
    let dir = TempDir::new("readers-mp");
    let path = dir.path().display().to_string();
    create(dir.path());

    let mut readers: Vec<Proc> = (0..2)
        .map(|r| Proc::spawn(&reader_args(&path, seed, r, 1)))
        .collect();
    let mut logs: Vec<ReaderLog> = (0..2).map(|_| ReaderLog::default()).collect();
    for (r, p) in readers.iter().enumerate() {
        assert_eq!(
            p.next(120).as_deref(),
            Some("READY"),
            "reader {r} did not start"
        );
    }

    // ack_time[i]: when op i was known acknowledged (committed), on the shared clock.
    let mut ack_time: Vec<u64> = Vec::new();
    let mut model = Model::new(Metric::L2, kiln_tests::crash::DIM);
    let mut model_ops = 0usize;
    let mut merges = 0u64;
    let take_ack = |ack_time: &mut Vec<u64>, rest: &str| {
        let (i, t) = rest.split_once(' ').expect("ACK i t");
        let (i, t): (u64, u64) = (i.parse().expect("i"), t.parse().expect("t"));
        assert_eq!(i, ack_time.len() as u64, "acks in order");
        ack_time.push(t);
    };
    let drain = |readers: &[Proc], logs: &mut [ReaderLog]| {
        for (p, log) in readers.iter().zip(logs.iter_mut()) {
            for line in p.lines.try_iter() {
                log.take(line);
            }
        }
    };
    // Whether every reader observed a refresh that began after `t`.
    let observed_since = |logs: &[ReaderLog], t: u64| {
        logs.iter()
            .all(|l| l.observations.last().is_some_and(|o| o.t0 > t))
    };
    const CYCLES: usize = 4;
    for cycle in 0..CYCLES {
        let next_op = ack_time.len() as u64;
        let writer = Proc::spawn(&[
            "write-timed".into(),
            path.clone(),
            "buffered".into(),
            seed.to_string(),
            next_op.to_string(),
            profile.name().into(),
        ]);
        assert_eq!(
            writer.next(120).as_deref(),
            Some("READY"),
            "cycle {cycle}: writer did not start"
        );
        let started = now_ns();
        // Let it write until it acknowledged a few hundred ops and finished a merge, and both
        // readers observed the running writer; then a random moment more; then kill it.
        let want = next_op + 200 + rng.gen_range(0..300);
        let mut merged = false;
        let extra = Duration::from_millis(rng.gen_range(0..50));
        let mut reached: Option<Instant> = None;
        let deadline = Instant::now() + Duration::from_secs(600);
        while reached.is_none_or(|t| t.elapsed() < extra) {
            assert!(
                Instant::now() < deadline,
                "cycle {cycle}: no progress (seed {seed})"
            );
            if let Some(line) = writer.next(1) {
                if let Some(rest) = line.strip_prefix("ACK ") {
                    take_ack(&mut ack_time, rest);
                } else if line == "EVENT merge" {
                    merged = true;
                    merges += 1;
                }
            }
            drain(&readers, &mut logs);
            if reached.is_none()
                && merged
                && ack_time.len() as u64 > want
                && observed_since(&logs, started)
            {
                reached = Some(Instant::now());
            }
        }
        let mut writer = writer;
        writer.child.kill().expect("SIGKILL");
        writer.child.wait().expect("wait");
        for line in writer.lines.iter() {
            if let Some(rest) = line.strip_prefix("ACK ") {
                take_ack(&mut ack_time, rest);
            } else if line == "EVENT merge" {
                merges += 1;
            }
        }
        // What survived: every acknowledged op, and the op in flight or not. Found out by
        // opening the directory as the writer (the readers go on meanwhile).
        for i in model_ops..ack_time.len() {
            apply_model(&mut model, &profile.op(seed, i as u64));
        }
        model_ops = ack_time.len();
        let db = Database::open(dir.path()).expect("reopen after kill -9");
        let mut with_next = model.clone();
        apply_model(&mut with_next, &profile.op(seed, model_ops as u64));
        if let Err(first) = verify_state(&db, &model, profile) {
            match verify_state(&db, &with_next, profile) {
                Ok(()) => {
                    // Committed though never acknowledged: known committed from now on.
                    ack_time.push(now_ns());
                    model = with_next;
                    model_ops += 1;
                }
                Err(second) => panic!(
                    "cycle {cycle} (seed {seed}): the writer's state matches neither the \
                     acknowledged ops ({first}) nor those and the op in flight ({second})"
                ),
            }
        }
        drop(db);
        eprintln!(
            "cycle {cycle}: {} ops acknowledged so far, {merges} merges",
            ack_time.len()
        );
    }
    // The readers outlived the last kill and the reopen after it.
    let after = now_ns();
    let deadline = Instant::now() + Duration::from_secs(300);
    while !observed_since(&logs, after) {
        assert!(
            Instant::now() < deadline,
            "the readers stopped observing (seed {seed})"
        );
        std::thread::sleep(Duration::from_millis(10));
        drain(&readers, &mut logs);
    }

    // Stop the readers: each finishes its observation, prints DONE and exits 0.
    for p in &mut readers {
        drop(p.stdin.take());
    }
    for (r, p) in readers.iter_mut().enumerate() {
        let status = p.child.wait().expect("wait reader");
        for line in p.lines.iter() {
            logs[r].take(line);
        }
        assert!(
            logs[r].errors.is_empty(),
            "reader {r} reported errors (seed {seed}): {:?}",
            logs[r].errors
        );
        assert!(
            status.success(),
            "reader {r} exited with {status} (seed {seed})"
        );
        assert!(logs[r].done.is_some(), "reader {r} did not finish cleanly");
    }

    // Check every observation against the model at the prefixes it may show: from what was
    // acknowledged before its refresh began (and not before the state the same reader showed
    // last: a reader never goes back) to what was acknowledged when it ended, plus the op in
    // flight.
    let mut all: Vec<&Observation> = logs.iter().flat_map(|l| &l.observations).collect();
    all.sort_by_key(|o| o.t0);
    let total = ack_time.len();
    let acked_before = |t: u64| ack_time.iter().take_while(|&&a| a < t).count();
    let mut base = Model::new(Metric::L2, kiln_tests::crash::DIM);
    let mut base_len = 0usize;
    let mut floor = [0usize; 2];
    let mut ahead = 0usize;
    for o in &all {
        let lo = acked_before(o.t0);
        let hi = (acked_before(o.t1) + 1).min(total + 1);
        while base_len < lo {
            apply_model(&mut base, &profile.op(seed, base_len as u64));
            base_len += 1;
        }
        let r = o.reader as usize;
        let start = lo.max(floor[r]);
        let mut candidate = base.clone();
        for i in lo..start {
            apply_model(&mut candidate, &profile.op(seed, i as u64));
        }
        let mut p = start;
        while !o.matches(seed, &candidate) {
            assert!(
                p < hi,
                "reader {} observation {} matches no acknowledged state in ops {start}..={hi} \
                 (acknowledged before its refresh: {lo}; replay with KILN_SEED={seed}): {o:?}",
                o.reader,
                o.i
            );
            apply_model(&mut candidate, &profile.op(seed, p as u64));
            p += 1;
        }
        floor[r] = p;
        ahead += usize::from(p > lo);
    }
    let mut took: Vec<u64> = all.iter().map(|o| o.t1 - o.t0).collect();
    took.sort_unstable();
    let pct = |q: f64| {
        took.get(((took.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or(0) as f64
            / 1e6
    };
    eprintln!(
        "readers_multiprocess: refresh took {:.2} ms median, {:.2} ms p99, {:.2} ms max",
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    eprintln!(
        "readers_multiprocess: {} observations by 2 readers ({} and {}; {} busy refreshes) over \
         {total} acknowledged ops, {CYCLES} kill -9 and restarts, {merges} merges: 0 torn or \
         wrong; {ahead} answers showed writes acknowledged during their refresh",
        all.len(),
        logs[0].observations.len(),
        logs[1].observations.len(),
        logs[0].busy + logs[1].busy,
    );
    assert!(
        merges > 0,
        "the writer never merged: the test did not test merges"
    );
}

/// The writer's throughput alone and beside two readers that refresh and search, without pause
/// and with 20 ms between observations, measured side by side in one run (same workload, same
/// machine, same seed). Prints the figures; asserts nothing about them. On a machine with as
/// many cores as processes the readers cost the writer nothing; on fewer, they compete for CPU
/// (they never wait for each other: a reader takes no lock the writer takes).
/// `KILN_THROUGHPUT_OPS` (default 4,000) and `KILN_THROUGHPUT_MODE` (`buffered`, the default, or
/// `sync`) change the workload.
#[test]
#[ignore = "a measurement: run it by name"]
fn readers_do_not_slow_the_writer() {
    let (_, seed) = seeded_rng("readers_throughput", 0x7417);
    let ops: u64 = std::env::var("KILN_THROUGHPUT_OPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4_000);
    let mode = std::env::var("KILN_THROUGHPUT_MODE").unwrap_or_else(|_| "buffered".into());
    let run = |readers: u64, pause_ms: u64| -> (f64, u64) {
        let dir = TempDir::new("readers-throughput");
        let path = dir.path().display().to_string();
        create(dir.path());
        let mut rs: Vec<Proc> = (0..readers)
            .map(|r| Proc::spawn(&reader_args(&path, seed, r, pause_ms)))
            .collect();
        for p in &rs {
            assert_eq!(p.next(120).as_deref(), Some("READY"));
        }
        let mut w = Command::new(CHILD)
            .args(["write-timed", &path, &mode, &seed.to_string(), "0", "small"])
            .env("KILN_CHILD_MAX_OPS", ops.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn writer");
        let out = BufReader::new(w.stdout.take().expect("stdout"));
        let mut first = None;
        let mut last = 0;
        for line in out.lines() {
            let line = line.expect("line");
            if let Some(rest) = line.strip_prefix("ACK ") {
                let t: u64 = rest.split_once(' ').expect("ACK i t").1.parse().expect("t");
                first.get_or_insert(t);
                last = t;
            }
        }
        assert!(w.wait().expect("wait").success());
        let mut observations = 0;
        for p in &mut rs {
            drop(p.stdin.take());
            assert!(p.child.wait().expect("wait").success());
            observations += p.lines.iter().filter(|l| l.starts_with("OBS ")).count() as u64;
        }
        let secs = (last - first.unwrap_or(last)) as f64 / 1e9;
        (ops as f64 / secs.max(1e-9), observations)
    };
    let (alone, _) = run(0, 0);
    let (busy, busy_obs) = run(2, 0);
    let (paced, paced_obs) = run(2, 20);
    let (alone2, _) = run(0, 0);
    let base = (alone + alone2) / 2.0;
    eprintln!(
        "writer throughput ({ops} ops of the Small profile, {mode}, {} cores): alone {alone:.0} \
         and {alone2:.0} ops/s; beside 2 readers refreshing and searching without pause \
         {busy:.0} ops/s ({:.2}x, {busy_obs} observations), with 20 ms pauses {paced:.0} ops/s \
         ({:.2}x, {paced_obs} observations)",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        busy / base,
        paced / base
    );
}
