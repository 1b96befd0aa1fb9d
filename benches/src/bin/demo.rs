//! `make demo`: create a database, ingest a few hundred thousand synthetic vectors with a live
//! progress display, search, reopen, and print what happened.
//!
//! ```text
//! cargo run --release -p kiln-benches --bin demo [-- --rows N --dim D --dir PATH]
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use kiln::{CollectionConfig, Database, DbOptions, Durability, Metric, SearchOptions};
use kiln_benches::{print_table, rate, secs};
use kiln_tests::clustered_vectors;
use rand::SeedableRng;

fn main() {
    if let Err(e) = run() {
        eprintln!("demo failed: {e}");
        std::process::exit(1);
    }
}

fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let argv: Vec<String> = std::env::args().collect();
    argv.iter()
        .position(|a| a == name)
        .and_then(|i| argv.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let rows: usize = arg("--rows", 300_000);
    let dim: usize = arg("--dim", 128);
    let dir: PathBuf = arg(
        "--dir",
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/kiln-demo")),
    );
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    println!(
        "Kiln demo: {rows} synthetic {dim}-d vectors (256 clusters) into {}",
        dir.display()
    );

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let t = Instant::now();
    let data = clustered_vectors(&mut rng, rows, dim, 256, 0.05);
    println!("generated data in {:.1}s", secs(t));

    let db = Database::open_with(&dir, DbOptions::new().durability(Durability::Buffered))?;
    let docs = db.create_collection("docs", CollectionConfig::new(dim, Metric::L2))?;
    let bar = ProgressBar::new(rows as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} ingest [{bar:40}] {pos}/{len} rows  {per_sec}  eta {eta}  {msg}",
        )?
        .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let batch = 1000;
    let ids: Vec<u64> = (0..rows as u64).collect();
    let t = Instant::now();
    for (chunk_ids, chunk) in ids.chunks(batch).zip(data.chunks(batch * dim)) {
        docs.insert_batch(chunk_ids, chunk)?;
        bar.inc(chunk_ids.len() as u64);
        let segs = docs.segments();
        bar.set_message(format!(
            "{} sealed segments",
            segs.iter().filter(|s| s.sealed).count()
        ));
    }
    docs.flush()?;
    bar.finish();
    let ingest_s = secs(t);
    println!(
        "ingested {rows} rows in {ingest_s:.1}s ({} rows/s, every row durable after flush)",
        rate(rows as f64 / ingest_s)
    );

    // A few deletes and overwrites.
    let deleted = docs.delete_batch(&(0..1000).collect::<Vec<u64>>())?;
    docs.upsert(1_000_000, &data[..dim])?;
    println!(
        "deleted {deleted} rows, upserted id 1000000; {} live rows",
        docs.len()
    );

    let opts = SearchOptions::new(10);
    let queries: Vec<&[f32]> = data
        .chunks(dim)
        .skip(5000)
        .step_by(rows / 200)
        .take(200)
        .collect();
    let t = Instant::now();
    let mut first = None;
    for q in &queries {
        let hits = docs.search(q, &opts)?;
        first.get_or_insert(hits);
    }
    let qps = queries.len() as f64 / secs(t);
    if let Some(hits) = first {
        println!("\nnearest neighbours of row 5000:");
        print_table(
            &["rank", "id", "distance"],
            &hits
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    vec![
                        (i + 1).to_string(),
                        h.id.to_string(),
                        format!("{:.4}", h.distance),
                    ]
                })
                .collect::<Vec<_>>(),
        );
    }
    let segs = docs.segments();
    drop(docs);
    drop(db);

    let t = Instant::now();
    let db = Database::open(&dir)?;
    let docs = db.collection("docs")?;
    let hits = docs.search(queries[0], &opts)?;
    let reopen_ms = secs(t) * 1e3;
    println!("\nsummary:");
    print_table(
        &["what", "value"],
        &[
            vec!["rows ingested".into(), rate(rows as f64)],
            vec![
                "ingest rate (Buffered, batches of 1000)".into(),
                format!("{} rows/s", rate(rows as f64 / ingest_s)),
            ],
            vec![
                "sealed segments".into(),
                segs.iter().filter(|s| s.sealed).count().to_string(),
            ],
            vec![
                "exact search QPS (k = 10, one query at a time)".into(),
                format!("{qps:.0}"),
            ],
            vec![
                "reopen to first answer".into(),
                format!("{reopen_ms:.0} ms ({} hits)", hits.len()),
            ],
            vec!["database directory".into(), dir.display().to_string()],
        ],
    );
    println!(
        "\nEvery search above is exact; Faiss indexes built in the background are the next step."
    );
    Ok(())
}
