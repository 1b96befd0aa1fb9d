//! End-to-end benchmark: Kiln against raw Faiss building and searching the equivalent single
//! index, side by side in one run, with the same data and threads.
//!
//! ```text
//! cargo run --release -p kiln-benches --bin e2e -- [--quick] [--datasets dev,100k-128,100k-384,1m-128]
//!     [--json out.json] [--threads N] [--queries N] [--pool-dataset NAME | --no-pool]
//!     [--workdir DIR] [--data-dir DIR] [--keep]
//! ```
//!
//! - `--quick`: dev and 100k-128 (about 5 minutes on 2 cores). Default: dev, 100k-128,
//!   100k-384, 1m-128. `1m-384` only when named in `--datasets`.
//! - Datasets: `dev` is ../shared/data/dev-minilm-15k (384-d cosine, 300 queries with exact
//!   ground truth); `<rows>-<dim>` are seeded synthetic clustered sets (L2) with exact ground
//!   truth for `--queries` queries (default 200) computed by brute force.
//! - Per dataset, each in its own child process (this binary re-executed with `--child`):
//!   Kiln Sync ingest (short); Kiln Buffered ingest at full speed to fully indexed, `stats()`
//!   sampled every 0.5 s; Kiln cold open, QPS / latency / recall@10 at nprobe points, with
//!   query_threads 1, and while a writer ingests at full speed; raw Faiss building the same
//!   kind of index (nlist from Kiln's Auto rule for the full collection, Kiln's template sample
//!   size), persisting it, cold read_index and the same nprobe points; Faiss IndexFlat exact.
//! - Pool speed-up: time to fully indexed with 1 and with `--threads` compaction threads.
//! - Output: Markdown on stdout, JSON with every figure to `--json`.
//!
//! OMP_WAIT_POLICY=PASSIVE is set by re-executing the binary when it is not set: libgomp reads
//! it once, when it loads.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use kiln_benches::e2e::data::{self, Dataset};
use kiln_benches::e2e::report::{DatasetResult, PoolSpeedup, Report};
use kiln_benches::e2e::{faiss_side, kiln_side, sys, Job, Role};
use kiln_benches::machine;
use kiln_index::{auto_nlist, plan_index, IndexPlan, IndexSpec, IvfTemplate};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

struct Args {
    datasets: Vec<String>,
    json: Option<PathBuf>,
    threads: usize,
    queries: usize,
    pool_dataset: Option<String>,
    no_pool: bool,
    workdir: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    keep: bool,
    sync_rows: usize,
}

fn usage(msg: &str) -> ! {
    eprintln!("{msg}\nusage: e2e [--quick] [--datasets dev,100k-128,100k-384,1m-128,1m-384] [--json FILE] [--threads N] [--queries N] [--pool-dataset NAME | --no-pool] [--workdir DIR] [--data-dir DIR] [--keep]");
    std::process::exit(2);
}

fn args() -> Args {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut a = Args {
        datasets: ["dev", "100k-128", "100k-384", "1m-128"]
            .map(String::from)
            .to_vec(),
        json: None,
        threads: cores,
        queries: 200,
        pool_dataset: None,
        no_pool: false,
        workdir: None,
        data_dir: None,
        keep: false,
        sync_rows: 20_000,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    let value = |i: usize| -> String {
        argv.get(i + 1)
            .cloned()
            .unwrap_or_else(|| usage(&format!("{} needs a value", argv[i])))
    };
    let number = |i: usize| -> usize {
        value(i)
            .parse()
            .unwrap_or_else(|_| usage(&format!("{} needs a number", argv[i])))
    };
    while i < argv.len() {
        let mut takes_value = true;
        match argv[i].as_str() {
            "--quick" => {
                a.datasets = vec!["dev".into(), "100k-128".into()];
                takes_value = false;
            }
            "--datasets" => {
                a.datasets = value(i)
                    .split(',')
                    .map(|s| s.trim().to_lowercase())
                    .collect()
            }
            "--json" => a.json = Some(PathBuf::from(value(i))),
            "--threads" => a.threads = number(i).max(1),
            "--queries" => a.queries = number(i).max(1),
            "--sync-rows" => a.sync_rows = number(i).max(1_000),
            "--pool-dataset" => a.pool_dataset = Some(value(i).to_lowercase()),
            "--workdir" => a.workdir = Some(PathBuf::from(value(i))),
            "--data-dir" => a.data_dir = Some(PathBuf::from(value(i))),
            "--no-pool" => {
                a.no_pool = true;
                takes_value = false;
            }
            "--keep" => {
                a.keep = true;
                takes_value = false;
            }
            other => usage(&format!("unknown argument {other}")),
        }
        i += if takes_value { 2 } else { 1 };
    }
    for d in &a.datasets {
        if !data::KNOWN.contains(&d.as_str()) {
            usage(&format!(
                "unknown dataset {d} (known: {})",
                data::KNOWN.join(", ")
            ));
        }
    }
    a
}

/// Run `job` in a child process (this binary with `--child`) and read its result.
fn run_child<T: serde::de::DeserializeOwned>(job: &Job, work: &Path) -> Res<T> {
    let job_path = work.join(format!("job-{:?}.json", job.role));
    std::fs::write(&job_path, serde_json::to_vec_pretty(job)?)?;
    let _ = std::fs::remove_file(&job.out);
    let status = Command::new(std::env::current_exe()?)
        .arg("--child")
        .arg(&job_path)
        .env("OMP_WAIT_POLICY", "PASSIVE")
        .status()?;
    if !status.success() {
        return Err(format!("child {:?} failed: {status}", job.role).into());
    }
    Ok(serde_json::from_slice(&std::fs::read(&job.out)?)?)
}

fn child(job_path: &Path) -> Res<()> {
    let job: Job = serde_json::from_slice(&std::fs::read(job_path)?)?;
    let value = match job.role {
        Role::KilnSync => serde_json::to_value(kiln_side::sync_ingest(&job)?)?,
        Role::KilnBuild => {
            let recorder = sys::SpanRecorder::default();
            tracing::subscriber::set_global_default(recorder.clone())?;
            serde_json::to_value(kiln_side::build(&job, &recorder)?)?
        }
        Role::KilnQuery => serde_json::to_value(kiln_side::query(&job)?)?,
        Role::FaissBuild => serde_json::to_value(faiss_side::build(&job)?)?,
        Role::FaissQuery => serde_json::to_value(faiss_side::query(&job)?)?,
    };
    std::fs::write(&job.out, serde_json::to_vec_pretty(&value)?)?;
    Ok(())
}

/// The single Faiss index equivalent to Kiln's final segments: the kind Kiln's largest indexed
/// segment has, with the nlist Kiln's Auto rule gives for the whole collection.
fn faiss_plan(ds: &Dataset, kiln_kind: Option<&str>) -> IndexPlan {
    let rows = ds.meta.rows;
    let nlist = auto_nlist(rows);
    let auto = plan_index(
        &IndexSpec::Auto,
        rows,
        ds.meta.dim,
        kiln::default_index_budget(),
    )
    .ok()
    .flatten()
    .unwrap_or(IndexPlan::IvfFlat { nlist });
    let plan = match kiln_kind {
        Some("ivf-flat") => IndexPlan::IvfFlat { nlist },
        Some("ivf-sq8") => IndexPlan::IvfSq8 { nlist },
        _ => auto,
    };
    if kiln_kind.is_some_and(|k| k != plan.kind().name()) {
        eprintln!(
            "warning: Kiln's segments are {kiln_kind:?}; raw Faiss builds {}",
            plan.factory_string()
        );
    }
    plan
}

fn bench_dataset(
    a: &Args,
    ds: &Dataset,
    work: &Path,
    pool: &mut Option<PoolSpeedup>,
) -> Res<DatasetResult> {
    let name = ds.meta.name.clone();
    let dir = work.join(format!("run-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut r = DatasetResult {
        meta: Some(ds.meta.clone()),
        ..DatasetResult::default()
    };
    let job = |role: Role, target: PathBuf, out: &str| Job {
        role,
        data: ds.dir.clone(),
        target,
        out: dir.join(out),
        threads: a.threads,
        compaction_threads: a.threads,
        sync_rows: a.sync_rows,
        ladder_cap: auto_nlist(ds.meta.rows),
        factory: String::new(),
        nlist: 0,
        sample_rows: 0,
    };
    let phase = |label: &str, r: &mut DatasetResult| -> f64 {
        eprintln!("[{name}] {label} (load {:.2})", sys::loadavg());
        r.load.push((label.into(), sys::loadavg(), 0.0));
        sys::loadavg()
    };
    let done = |r: &mut DatasetResult| {
        if let Some(l) = r.load.last_mut() {
            l.2 = sys::loadavg();
        }
    };

    phase("kiln sync ingest", &mut r);
    r.kiln_sync = run_child(
        &job(Role::KilnSync, dir.join("kiln-sync"), "kiln-sync.json"),
        &dir,
    )?;
    done(&mut r);
    let _ = std::fs::remove_dir_all(dir.join("kiln-sync"));

    phase("kiln build", &mut r);
    let kiln_db = dir.join("kiln");
    r.kiln_build = run_child(
        &job(Role::KilnBuild, kiln_db.clone(), "kiln-build.json"),
        &dir,
    )?;
    done(&mut r);
    r.kiln_disk = sys::disk_usage(&kiln_db);

    phase("kiln queries", &mut r);
    r.kiln_query = run_child(
        &job(Role::KilnQuery, kiln_db.clone(), "kiln-query.json"),
        &dir,
    )?;
    done(&mut r);
    let _ = std::fs::remove_dir_all(&kiln_db);

    let plan = faiss_plan(ds, r.kiln_build.main_index_kind().as_deref());
    let nlist = plan.nlist().unwrap_or(1);
    r.faiss_factory = plan.factory_string();
    let faiss_file = dir.join("faiss.index");
    let mut fjob = job(Role::FaissBuild, faiss_file.clone(), "faiss-build.json");
    fjob.factory = plan.factory_string();
    fjob.nlist = nlist;
    fjob.sample_rows = IvfTemplate::sample_rows(nlist, ds.meta.rows);
    phase("faiss build", &mut r);
    r.faiss_build = run_child(&fjob, &dir)?;
    done(&mut r);
    phase("faiss queries", &mut r);
    fjob.role = Role::FaissQuery;
    fjob.out = dir.join("faiss-query.json");
    r.faiss_query = run_child(&fjob, &dir)?;
    done(&mut r);
    let _ = std::fs::remove_file(&faiss_file);

    // Like for like: raw Faiss at the nlist and sample size of Kiln's last template, when they
    // differ from the Auto rule's for the whole collection.
    let kiln_tpl = r.kiln_build.trace.templates.last().and_then(|f| {
        let n = f.get("nlist")?.parse::<usize>().ok()?;
        let sample = f.get("sample")?.parse::<usize>().ok()?;
        Some((n, sample))
    });
    if let Some((n, sample)) = kiln_tpl.filter(|&(n, _)| n != nlist) {
        let plan2 = match plan {
            IndexPlan::IvfSq8 { .. } => IndexPlan::IvfSq8 { nlist: n },
            _ => IndexPlan::IvfFlat { nlist: n },
        };
        let mut j2 = job(Role::FaissBuild, faiss_file.clone(), "faiss2-build.json");
        j2.factory = plan2.factory_string();
        j2.nlist = n;
        j2.sample_rows = sample;
        phase("faiss build at Kiln's nlist", &mut r);
        r.faiss2_build = Some(run_child(&j2, &dir)?);
        done(&mut r);
        phase("faiss queries at Kiln's nlist", &mut r);
        j2.role = Role::FaissQuery;
        j2.out = dir.join("faiss2-query.json");
        r.faiss2_query = Some(run_child(&j2, &dir)?);
        done(&mut r);
        let _ = std::fs::remove_file(&faiss_file);
    }

    let pool_name = a.pool_dataset.clone().or_else(|| {
        ["100k-384", "100k-128"]
            .into_iter()
            .find(|d| a.datasets.iter().any(|x| x == d))
            .map(String::from)
    });
    if !a.no_pool && pool_name.as_deref() == Some(name.as_str()) {
        phase("kiln build, 1 compaction thread", &mut r);
        let mut j = job(Role::KilnBuild, dir.join("kiln-pool1"), "kiln-pool1.json");
        j.compaction_threads = 1;
        let one: kiln_side::KilnBuild = run_child(&j, &dir)?;
        done(&mut r);
        let _ = std::fs::remove_dir_all(dir.join("kiln-pool1"));
        *pool = Some(PoolSpeedup {
            dataset: name.clone(),
            threads: a.threads,
            one_thread_s: one.indexed_s,
            n_threads_s: r.kiln_build.indexed_s,
            one_thread_ingest_s: one.ingest_s,
            n_threads_ingest_s: r.kiln_build.ingest_s,
        });
    }
    Ok(r)
}

fn main() {
    // libgomp reads OMP_WAIT_POLICY once, when it loads: set it by re-executing.
    if std::env::var_os("OMP_WAIT_POLICY").is_none() {
        use std::os::unix::process::CommandExt;
        let exe = std::env::current_exe().expect("current executable");
        let err = Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("OMP_WAIT_POLICY", "PASSIVE")
            .exec();
        eprintln!("cannot re-execute with OMP_WAIT_POLICY=PASSIVE: {err}");
        std::process::exit(1);
    }
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("--child") {
        let Some(job) = argv.get(2) else {
            usage("--child needs a job file");
        };
        if let Err(e) = child(Path::new(job)) {
            eprintln!("child {job}: {e}");
            std::process::exit(1);
        }
        return;
    }
    if let Err(e) = run() {
        eprintln!("e2e: {e}");
        std::process::exit(1);
    }
}

fn run() -> Res<()> {
    let a = args();
    let started = Instant::now();
    let work = a
        .workdir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("kiln-e2e-{}", std::process::id())));
    std::fs::create_dir_all(&work)?;
    let data_root = a.data_dir.clone().unwrap_or_else(|| work.join("data"));
    let mut report = Report {
        machine: machine(),
        command: format!(
            "OMP_WAIT_POLICY=PASSIVE cargo run --release -p kiln-benches --bin e2e -- {}",
            std::env::args().skip(1).collect::<Vec<_>>().join(" ")
        ),
        profile: if cfg!(debug_assertions) {
            "debug assertions on (not a release build)".into()
        } else {
            "release".into()
        },
        omp_wait_policy: std::env::var("OMP_WAIT_POLICY").unwrap_or_default(),
        threads: a.threads,
        cache_note: "Cold opens: the files of the database (or the Faiss index file) evicted from the \
                     page cache with sync + posix_fadvise(DONTNEED) per file, not a global drop_caches."
            .into(),
        load_at_start: std::fs::read_to_string("/proc/loadavg").unwrap_or_default(),
        ..Report::default()
    };
    eprintln!(
        "e2e: {} — work directory {}",
        report.machine,
        work.display()
    );
    let mut pool = None;
    for name in &a.datasets {
        let ds = data::prepare(name, &data_root, a.queries)?;
        match bench_dataset(&a, &ds, &work, &mut pool) {
            Ok(r) => report.datasets.push(r),
            Err(e) => {
                eprintln!("[{name}] failed: {e}");
                return Err(e);
            }
        }
        if let Some(path) = &a.json {
            report.pool = pool.clone();
            std::fs::write(path, serde_json::to_vec_pretty(&report)?)?;
        }
    }
    report.pool = pool;
    report.load_at_end = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    report.load_at_start = report.load_at_start.trim().to_string();
    report.load_at_end = report.load_at_end.trim().to_string();
    report.wall_s = started.elapsed().as_secs_f64();
    report.print();
    if let Some(path) = &a.json {
        std::fs::write(path, serde_json::to_vec_pretty(&report)?)?;
        eprintln!("JSON written to {}", path.display());
    }
    if !a.keep {
        let _ = std::fs::remove_dir_all(work.join("run-dev"));
        for name in &a.datasets {
            let _ = std::fs::remove_dir_all(work.join(format!("run-{name}")));
        }
        if a.data_dir.is_none() {
            let _ = std::fs::remove_dir_all(&data_root);
        }
        if a.workdir.is_none() {
            let _ = std::fs::remove_dir_all(&work);
        }
    }
    Ok(())
}
