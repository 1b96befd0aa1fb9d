//! Durable ingest throughput and exact-search QPS (collections with `IndexSpec::Flat`, so
//! that the figures are the storage path's and the exact scan's, without Faiss builds).
//!
//! ```text
//! cargo run --release -p kiln-benches --bin ingest_bench [-- --rows N --json out.json]
//! ```
//!
//! Ingest: 384-d vectors into Kiln in both durability modes at several batch sizes, and, in the
//! same run, raw RocksDB writing the same bytes (key = 20 bytes as Kiln's row key, value = id +
//! vector) with the same batching and the same sync flag. The ratio Kiln / RocksDB is the figure:
//! Kiln writes each vector to its log and once more to a segment file, and looks each id up.
//!
//! Write amplification: bytes the process caused to be written to storage (`/proc/self/io`,
//! RocksDB's log and flushes plus segment files) per byte of vector data, from first insert to
//! a closed database.
//!
//! Search: exact search QPS and recall@10 on ../shared/data/dev-minilm-15k when present, one
//! query at a time, with the query pool at 1 thread and at all cores.

use std::time::Instant;

use kiln::{CollectionConfig, Database, DbOptions, Durability, IndexSpec, Metric, SearchOptions};
use kiln_benches::{machine, print_table, rate, secs};
use kiln_tests::{clustered_vectors, dev_set_dir, read_fvecs, read_ivecs, recall_at};
use rand::SeedableRng;

const DIM: usize = 384;

struct Args {
    rows: usize,
    json: Option<String>,
}

fn args() -> Args {
    let mut a = Args {
        rows: 200_000,
        json: None,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        match argv[i].as_str() {
            "--rows" => {
                a.rows = argv
                    .get(i + 1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(a.rows);
                i += 1;
            }
            "--json" => {
                a.json = argv.get(i + 1).cloned();
                i += 1;
            }
            other => eprintln!("ignoring argument {other}"),
        }
        i += 1;
    }
    a
}

/// Kiln inserting `n` rows in batches of `batch`: rows/s, and bytes written to storage from the
/// first insert to a closed database.
fn kiln_ingest(
    data: &[f32],
    n: usize,
    batch: usize,
    durability: Durability,
) -> Result<(f64, u64), kiln::Error> {
    let dir = tempfile::tempdir().map_err(|e| kiln::Error::InvalidArgument {
        reason: e.to_string(),
    })?;
    let db = Database::open_with(dir.path(), DbOptions::new().durability(durability))?;
    // No index: this measures the storage path (log, seal, merges), not Faiss builds.
    let c = db.create_collection(
        "bench",
        CollectionConfig::new(DIM, Metric::L2).index(IndexSpec::Flat),
    )?;
    let ids: Vec<u64> = (0..n as u64).collect();
    let written_before = kiln_benches::e2e::sys::write_bytes();
    let start = Instant::now();
    for (chunk_ids, chunk) in ids.chunks(batch).zip(data.chunks(batch * DIM)) {
        if batch == 1 {
            c.insert(chunk_ids[0], chunk)?;
        } else {
            c.insert_batch(chunk_ids, chunk)?;
        }
    }
    // Durable end state in both modes: the tail is sealed and the log synced.
    c.flush()?;
    let t = secs(start);
    drop(c);
    drop(db);
    Ok((
        n as f64 / t,
        kiln_benches::e2e::sys::write_bytes().saturating_sub(written_before),
    ))
}

/// Rows/s of raw RocksDB writing the same keys and values with the same batching and sync.
fn rocksdb_ingest(
    data: &[f32],
    n: usize,
    batch: usize,
    sync: bool,
) -> Result<f64, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let mut opts = rocksdb::Options::default();
    opts.create_if_missing(true);
    opts.set_compression_type(rocksdb::DBCompressionType::None);
    let db = rocksdb::DB::open(&opts, dir.path())?;
    let mut wo = rocksdb::WriteOptions::default();
    wo.set_sync(sync);
    let start = Instant::now();
    let mut value = Vec::with_capacity(8 + 4 * DIM);
    for (b, chunk) in data[..n * DIM].chunks(batch * DIM).enumerate() {
        let mut wb = rocksdb::WriteBatch::default();
        for (r, v) in chunk.chunks(DIM).enumerate() {
            let id = (b * batch + r) as u64;
            let mut key = [0u8; 20];
            key[8..16].copy_from_slice(&id.to_be_bytes());
            value.clear();
            value.extend_from_slice(&id.to_le_bytes());
            for x in v {
                value.extend_from_slice(&x.to_le_bytes());
            }
            wb.put(key, &value);
        }
        db.write_opt(wb, &wo)?;
    }
    db.flush_wal(true)?;
    Ok(n as f64 / secs(start))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args();
    println!(
        "# Kiln ingest and exact-search benchmark\n\nmachine: {}\n",
        machine()
    );
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let data = clustered_vectors(&mut rng, args.rows, DIM, 256, 0.05);
    let mut rows = Vec::new();
    let mut json = Vec::new();
    // (mode, batch, rows): single-row Sync writes fsync every row, so they get fewer rows.
    let plan = [
        (Durability::Sync, 1, args.rows.min(2_000)),
        (Durability::Sync, 100, args.rows.min(50_000)),
        (Durability::Sync, 1000, args.rows),
        (Durability::Buffered, 1, args.rows.min(50_000)),
        (Durability::Buffered, 100, args.rows),
        (Durability::Buffered, 1000, args.rows),
    ];
    for (mode, batch, n) in plan {
        let sync = mode == Durability::Sync;
        // Alternate the order so neither side always runs on a warmer cache.
        let raw = rocksdb_ingest(&data, n, batch, sync)?;
        let (kiln, bytes) = kiln_ingest(&data, n, batch, mode)?;
        let raw2 = rocksdb_ingest(&data, n, batch, sync)?;
        let raw = raw.max(raw2);
        rows.push(vec![
            format!("{mode:?}"),
            batch.to_string(),
            rate(n as f64),
            rate(kiln),
            rate(raw),
            format!("{:.2}", kiln / raw),
            format!("{:.1}", kiln * (DIM * 4) as f64 / 1e6),
            format!("{:.2}", bytes as f64 / (n * DIM * 4) as f64),
        ]);
        json.push(serde_json::json!({
            "durability": format!("{mode:?}"), "batch": batch, "rows": n,
            "kiln_rows_per_s": kiln, "rocksdb_rows_per_s": raw, "ratio": kiln / raw,
            "write_amplification": bytes as f64 / (n * DIM * 4) as f64,
        }));
        eprintln!("{mode:?} batch {batch}: kiln {kiln:.0}/s, rocksdb {raw:.0}/s");
    }
    println!("## Durable ingest, {DIM}-d f32 vectors\n");
    print_table(
        &[
            "durability",
            "batch",
            "rows",
            "Kiln rows/s",
            "RocksDB rows/s",
            "Kiln/RocksDB",
            "Kiln MB/s",
            "written / vector bytes",
        ],
        &rows,
    );

    let mut search_json = serde_json::Value::Null;
    if let Some(dev) = dev_set_dir() {
        let (dim, base) = read_fvecs(&dev.join("base.fvecs"))?;
        let (_, queries) = read_fvecs(&dev.join("query.fvecs"))?;
        let (gt_k, gt) = read_ivecs(&dev.join("groundtruth.ivecs"))?;
        let n = base.len() / dim;
        let nq = queries.len() / dim;
        let mut srows = Vec::new();
        let mut sj = Vec::new();
        for threads in [
            1usize,
            std::thread::available_parallelism().map_or(1, |n| n.get()),
        ] {
            let dir = tempfile::tempdir()?;
            let db = Database::open_with(
                dir.path(),
                DbOptions::new()
                    .durability(Durability::Buffered)
                    .query_threads(threads),
            )?;
            let c = db.create_collection(
                "dev",
                CollectionConfig::new(dim, Metric::Cosine).index(IndexSpec::Flat),
            )?;
            let ids: Vec<u64> = (0..n as u64).collect();
            c.insert_batch(&ids, &base)?;
            c.flush()?;
            let opts = SearchOptions::new(10).exact(true);
            let mut recall = 0.0;
            // Warm-up pass, then the timed pass.
            for q in queries.chunks(dim) {
                c.search(q, &opts)?;
            }
            let start = Instant::now();
            let mut lat = Vec::with_capacity(nq);
            for (i, q) in queries.chunks(dim).enumerate() {
                let t = Instant::now();
                let hits = c.search(q, &opts)?;
                lat.push(t.elapsed().as_secs_f64() * 1e3);
                let truth: Vec<u64> = gt[i * gt_k..(i + 1) * gt_k]
                    .iter()
                    .map(|&x| x as u64)
                    .collect();
                let got: Vec<u64> = hits.iter().map(|h| h.id).collect();
                recall += recall_at(10, &got, &truth);
            }
            let qps = nq as f64 / secs(start);
            lat.sort_by(f64::total_cmp);
            let p50 = lat[lat.len() / 2];
            let p99 = lat[(lat.len() * 99 / 100).min(lat.len() - 1)];
            recall /= nq as f64;
            let segs = c.segments().iter().filter(|s| s.sealed).count();
            srows.push(vec![
                threads.to_string(),
                segs.to_string(),
                rate(qps),
                format!("{p50:.2}"),
                format!("{p99:.2}"),
                format!("{recall:.4}"),
            ]);
            sj.push(serde_json::json!({"query_threads": threads, "segments": segs, "qps": qps, "p50_ms": p50, "p99_ms": p99, "recall_at_10": recall}));
        }
        println!("\n## Exact search, dev-minilm-15k ({n} x {dim}, cosine, {nq} queries one at a time, k = 10)\n");
        print_table(
            &[
                "query threads",
                "sealed segments",
                "QPS",
                "p50 ms",
                "p99 ms",
                "recall@10",
            ],
            &srows,
        );
        search_json = serde_json::Value::Array(sj);
    } else {
        println!("\n(dev set not found: exact-search figures skipped)");
    }
    if let Some(path) = args.json {
        let out = serde_json::json!({"machine": machine(), "ingest": json, "search": search_json});
        std::fs::write(&path, serde_json::to_string_pretty(&out)?)?;
        println!("\nJSON written to {path}");
    }
    Ok(())
}
