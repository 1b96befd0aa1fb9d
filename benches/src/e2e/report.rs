//! Results of a run and their Markdown tables.

use serde::{Deserialize, Serialize};

use super::data::Meta;
use super::faiss_side::{FaissBuild, FaissQuery};
use super::kiln_side::{KilnBuild, KilnQuery, SyncIngest};
use super::sys::DiskUsage;
use super::{best_at, Point, TARGETS};
use crate::{print_table, rate};

/// Everything measured on one dataset.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DatasetResult {
    pub meta: Option<Meta>,
    pub faiss_factory: String,
    pub kiln_sync: SyncIngest,
    pub kiln_build: KilnBuild,
    pub kiln_disk: DiskUsage,
    pub kiln_query: KilnQuery,
    pub faiss_build: FaissBuild,
    pub faiss_query: FaissQuery,
    /// Raw Faiss at the nlist and sample size of Kiln's last template (when they differ).
    pub faiss2_build: Option<FaissBuild>,
    pub faiss2_query: Option<FaissQuery>,
    /// (phase, 1-minute load average before, after).
    pub load: Vec<(String, f64, f64)>,
}

/// Time to fully indexed with 1 and with `threads` compaction threads.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PoolSpeedup {
    pub dataset: String,
    pub threads: usize,
    pub one_thread_s: f64,
    pub n_threads_s: f64,
    pub one_thread_ingest_s: f64,
    pub n_threads_ingest_s: f64,
}

/// The whole run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    pub machine: String,
    pub command: String,
    pub profile: String,
    pub omp_wait_policy: String,
    pub threads: usize,
    pub cache_note: String,
    pub datasets: Vec<DatasetResult>,
    pub pool: Option<PoolSpeedup>,
    pub load_at_start: String,
    pub load_at_end: String,
    pub wall_s: f64,
}

fn mb(b: u64) -> String {
    format!("{:.1}", b as f64 / 1e6)
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 && a.is_finite() && b.is_finite() {
        format!("{:.2}×", a / b)
    } else {
        "—".into()
    }
}

fn lat(p: &Point) -> String {
    format!("{:.3} / {:.3}", p.p50_ms, p.p99_ms)
}

/// The templates Kiln trained: "nlist 724 (sample 32,768, 1.3 s)".
fn kiln_templates(b: &KilnBuild) -> String {
    let t: Vec<String> = b
        .trace
        .templates
        .iter()
        .map(|f| {
            let g = |k: &str| f.get(k).cloned().unwrap_or_default();
            format!(
                "nlist {} (sample {}, planned for {} rows, {})",
                g("nlist"),
                g("sample"),
                g("planned_rows"),
                g("took")
            )
        })
        .collect();
    if t.is_empty() {
        "none".into()
    } else {
        t.join("; ")
    }
}

/// "IVF-Flat ×3 (32,768 rows each) + exact ×1 (1,696 rows)".
fn kiln_layout(b: &KilnBuild) -> String {
    let mut groups: Vec<(String, usize, usize, usize)> = Vec::new();
    for s in b.final_segments.iter().filter(|s| s.rows > 0) {
        let kind = s.index.clone().unwrap_or_else(|| "exact".into());
        match groups.iter_mut().find(|g| g.0 == kind) {
            Some(g) => {
                g.1 += 1;
                g.2 = g.2.min(s.rows);
                g.3 = g.3.max(s.rows);
            }
            None => groups.push((kind, 1, s.rows, s.rows)),
        }
    }
    groups
        .iter()
        .map(|(k, n, lo, hi)| {
            if lo == hi {
                format!("{k} ×{n} ({} rows)", rate(*lo as f64))
            } else {
                format!("{k} ×{n} ({}–{} rows)", rate(*lo as f64), rate(*hi as f64))
            }
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

impl DatasetResult {
    pub fn name(&self) -> String {
        self.meta
            .as_ref()
            .map(|m| m.name.clone())
            .unwrap_or_default()
    }

    #[allow(clippy::type_complexity)]
    fn best(&self, target: f64) -> (Option<&Point>, Option<&Point>, Option<&Point>) {
        let k = best_at(&self.kiln_query.idle, target)
            .into_iter()
            .chain(std::iter::once(&self.kiln_query.idle_default).filter(|p| p.recall >= target))
            .max_by(|a, b| a.qps.total_cmp(&b.qps));
        let f = best_at(&self.faiss_query.points, target);
        let i = best_at(&self.kiln_query.ingesting.points, target);
        (k, f, i)
    }

    fn best_faiss2(&self, target: f64) -> Option<&Point> {
        self.faiss2_query
            .as_ref()
            .and_then(|q| best_at(&q.points, target))
    }

    /// Headline ratios: build (vs Faiss build + persist, and vs build only), QPS at the recall
    /// targets, cold open, peak RSS, disk.
    pub fn headline_row(&self) -> Vec<String> {
        let kb = &self.kiln_build;
        let fb = &self.faiss_build;
        let mut row = vec![
            self.name(),
            ratio(kb.indexed_s, fb.total_s),
            ratio(kb.indexed_s, fb.build_s),
        ];
        for t in TARGETS {
            let (k, f, _) = self.best(t);
            row.push(match (k, f) {
                (Some(k), Some(f)) => ratio(k.qps, f.qps),
                _ => "—".into(),
            });
        }
        // Like for like: Faiss at Kiln's own nlist.
        match (&self.faiss2_build, self.faiss2_query.as_ref()) {
            (Some(b2), Some(_)) => {
                row.push(format!(
                    "{} (IVF{})",
                    ratio(kb.indexed_s, b2.total_s),
                    b2.nlist
                ));
                let (k, _, _) = self.best(TARGETS[0]);
                row.push(match (k, self.best_faiss2(TARGETS[0])) {
                    (Some(k), Some(f)) => ratio(k.qps, f.qps),
                    _ => "—".into(),
                });
            }
            _ => {
                row.push("same nlist".into());
                row.push("same nlist".into());
            }
        }
        row.push(ratio(
            self.kiln_query.cold_open_ms,
            self.faiss_query.cold_open_ms,
        ));
        row.push(ratio(kb.peak_rss as f64, fb.peak_rss as f64));
        row.push(ratio(
            self.kiln_disk.total as f64,
            self.faiss_build.file_bytes as f64,
        ));
        row
    }

    pub fn print(&self, threads: usize) {
        let Some(meta) = &self.meta else {
            return;
        };
        let kb = &self.kiln_build;
        let fb = &self.faiss_build;
        let kq = &self.kiln_query;
        let fq = &self.faiss_query;
        println!("\n### {}\n\n{}\n", meta.name, meta.description);
        println!(
            "Kiln: `IndexSpec::Auto`, default segment size, {} compaction threads, thread budget {}. \
             Kiln's segments at the end: {}. Kiln's IVF templates: {}. \
             Raw Faiss: `{}` trained on {} evenly spaced rows (Kiln's template sample size for that nlist), \
             {} OpenMP threads for the build.\n",
            kb.compaction_threads,
            kb.thread_budget,
            kiln_layout(kb),
            kiln_templates(kb),
            fb.factory,
            rate(fb.sample_rows as f64),
            fb.omp_threads
        );
        let d = &self.kiln_disk;
        let rows = vec![
            vec![
                "ingest rows/s, Buffered, batches of 1,000".into(),
                rate(kb.ingest_rows_per_s),
                "—".into(),
                "".into(),
            ],
            vec![
                format!(
                    "ingest rows/s, Sync, batches of 1,000 ({} rows)",
                    rate(self.kiln_sync.rows as f64)
                ),
                rate(self.kiln_sync.rows_per_s),
                "—".into(),
                "".into(),
            ],
            vec![
                "first insert → fully indexed and durable, s (Faiss: train + add + write)".into(),
                format!(
                    "{:.2} (ingest {:.2}, flush {:.2}, indexing after flush {:.2})",
                    kb.indexed_s,
                    kb.ingest_s,
                    kb.flushed_s - kb.ingest_s,
                    kb.indexed_s - kb.flushed_s
                ),
                format!(
                    "{:.2} (train {:.2}, add {:.2}, write {:.2})",
                    fb.total_s, fb.train_s, fb.add_s, fb.persist_s
                ),
                ratio(kb.indexed_s, fb.total_s),
            ],
            vec![
                "… against Faiss in memory only (train + add), s".into(),
                format!("{:.2}", kb.indexed_s),
                format!("{:.2}", fb.build_s),
                ratio(kb.indexed_s, fb.build_s),
            ],
            vec![
                "peak RSS of the build process, MB".into(),
                mb(kb.peak_rss),
                mb(fb.peak_rss),
                ratio(kb.peak_rss as f64, fb.peak_rss as f64),
            ],
            vec![
                "size on disk, MB".into(),
                format!(
                    "{} (segments {}, indexes {}, templates {}, catalog and log {})",
                    mb(d.total),
                    mb(d.segments),
                    mb(d.indexes),
                    mb(d.templates),
                    mb(d.other)
                ),
                mb(fb.file_bytes),
                ratio(d.total as f64, fb.file_bytes as f64),
            ],
            vec![
                "bytes written by the build process, MB".into(),
                mb(kb.write_bytes),
                mb(fb.write_bytes),
                ratio(kb.write_bytes as f64, fb.write_bytes as f64),
            ],
            vec![
                "cold open to first answer, ms".into(),
                format!(
                    "{:.1} (open {:.1}, collection {:.1}, search {:.1})",
                    kq.cold_open_ms, kq.open_ms, kq.collection_ms, kq.first_search_ms
                ),
                format!(
                    "{:.1} (read_index {:.1}, search {:.1})",
                    fq.cold_open_ms, fq.read_ms, fq.first_search_ms
                ),
                ratio(kq.cold_open_ms, fq.cold_open_ms),
            ],
        ];
        if let (Some(b2), Some(q2)) = (&self.faiss2_build, &self.faiss2_query) {
            println!(
                "Raw Faiss at Kiln's own nlist (`{}`, sample {} rows, the last template Kiln trained): \
                 train + add + write {:.2} s (train {:.2}, add {:.2}, write {:.2}) → Kiln / Faiss {}; \
                 peak RSS {} MB; file {} MB; cold open {:.1} ms.\n",
                b2.factory,
                rate(b2.sample_rows as f64),
                b2.total_s,
                b2.train_s,
                b2.add_s,
                b2.persist_s,
                ratio(kb.indexed_s, b2.total_s),
                mb(b2.peak_rss),
                mb(b2.file_bytes),
                q2.cold_open_ms
            );
        }
        print_table(&["", "Kiln", "raw Faiss", "Kiln / Faiss"], &rows);

        println!(
            "\nSearch, k = 10, {} queries one at a time on one caller thread. Kiln fans a query out \
             over its segments on its query pool ({} threads, the default); the \"1 thread\" column \
             is Kiln with `query_threads(1)`. Faiss: 1 OpenMP thread. Latency p50 / p99 in ms.\n",
            meta.queries, kq.query_threads
        );
        let mut settings: Vec<usize> = kq
            .idle
            .iter()
            .chain(&fq.points)
            .filter_map(|p| p.nprobe)
            .collect();
        settings.sort_unstable();
        settings.dedup();
        let find = |ps: &[Point], n: usize| ps.iter().find(|p| p.nprobe == Some(n)).cloned();
        let mut rows = Vec::new();
        let cell = |p: Option<Point>| -> [String; 3] {
            match p {
                Some(p) => [format!("{:.3}", p.recall), rate(p.qps), lat(&p)],
                None => ["".into(), "".into(), "".into()],
            }
        };
        let f2pts: Vec<Point> = self
            .faiss2_query
            .as_ref()
            .map(|q| q.points.clone())
            .unwrap_or_default();
        let has2 = self.faiss2_query.is_some();
        let f2cell = |n: Option<usize>| -> String {
            match n.and_then(|n| find(&f2pts, n)) {
                Some(p) => format!("{:.3} / {}", p.recall, rate(p.qps)),
                None => "".into(),
            }
        };
        for n in settings {
            let k = cell(find(&kq.idle, n));
            let k1 = find(&kq.qt1, n).map(|p| rate(p.qps)).unwrap_or_default();
            let f = cell(find(&fq.points, n));
            let mut row = vec![
                format!("nprobe {n}"),
                k[0].clone(),
                k[1].clone(),
                k[2].clone(),
                k1,
                f[0].clone(),
                f[1].clone(),
                f[2].clone(),
            ];
            if has2 {
                row.push(f2cell(Some(n)));
            }
            rows.push(row);
        }
        let k = cell(Some(kq.idle_default.clone()));
        let mut row = vec![
            "Kiln default nprobe".into(),
            k[0].clone(),
            k[1].clone(),
            k[2].clone(),
            rate(kq.qt1_default.qps),
            "".into(),
            "".into(),
            "".into(),
        ];
        if has2 {
            row.push("".into());
        }
        rows.push(row);
        let k = cell(Some(kq.idle_exact.clone()));
        let f = cell(Some(fq.exact.clone()));
        let mut row = vec![
            "exact (Kiln exact scan; Faiss IndexFlat)".into(),
            k[0].clone(),
            k[1].clone(),
            k[2].clone(),
            rate(kq.qt1_exact.qps),
            f[0].clone(),
            f[1].clone(),
            f[2].clone(),
        ];
        if has2 {
            row.push("".into());
        }
        rows.push(row);
        let f2_header = format!(
            "Faiss at Kiln's nlist ({}): recall / QPS",
            self.faiss2_build
                .as_ref()
                .map(|b| b.factory.clone())
                .unwrap_or_default()
        );
        let mut header = vec![
            "setting",
            "Kiln recall@10",
            "Kiln QPS",
            "Kiln p50 / p99",
            "Kiln QPS, 1 thread",
            "Faiss recall@10",
            "Faiss QPS",
            "Faiss p50 / p99",
        ];
        if has2 {
            header.push(&f2_header);
        }
        print_table(&header, &rows);
        if !kq.breakdown.is_empty() {
            let total: f64 = kq.breakdown.iter().map(|s| s.us_per_query).sum();
            let e2e = find(&kq.qt1, kq.breakdown_nprobe.unwrap_or(0))
                .map(|p| 1e6 / p.qps)
                .unwrap_or(0.0);
            let parts: Vec<String> = kq
                .breakdown
                .iter()
                .map(|s| {
                    format!(
                        "{} {} rows {:.0} µs",
                        if s.indexed { "indexed" } else { "exact" },
                        rate(s.rows as f64),
                        s.us_per_query
                    )
                })
                .collect();
            println!(
                "\nWhere a Kiln query's time goes at nprobe {} (each segment searched alone, one \
                 thread, mean per query): {}; sum {:.0} µs, against {:.0} µs per query end to end \
                 with 1 query thread.",
                kq.breakdown_nprobe.unwrap_or(0),
                parts.join(", "),
                total,
                e2e
            );
        }

        let ing = &kq.ingesting;
        println!(
            "\nKiln while a writer thread writes at full speed (Buffered, `upsert_batch` of 1,000 vectors \
             of the same distribution: {} new ids first, then the same ids again, so that seals, index \
             builds and merges of deleted rows run all along while the collection stays at {} rows): \
             {} rows written in {:.1} s = {} rows/s meanwhile; at the end {} sealed segments, {} indexed, \
             {} rows waiting for an index. Recall counts the writer's rows as they become visible (JSON \
             `recall_note`).\n",
            rate(meta.pool_rows as f64),
            rate(ing.rows_at_end as f64),
            rate(ing.rows_added as f64),
            ing.seconds,
            rate(ing.rows_per_s),
            ing.stats_at_end.as_ref().map_or(0, |s| s.sealed),
            ing.stats_at_end.as_ref().map_or(0, |s| s.indexed),
            rate(
                ing.stats_at_end
                    .as_ref()
                    .map_or(0, |s| s.rows_pending_indexing) as f64
            ),
        );
        let rows: Vec<Vec<String>> = ing
            .points
            .iter()
            .map(|p| {
                let idle = if p.exact {
                    Some(kq.idle_exact.clone())
                } else if p.nprobe.is_none() {
                    Some(kq.idle_default.clone())
                } else {
                    find(&kq.idle, p.nprobe.unwrap_or(0))
                };
                vec![
                    p.setting.clone(),
                    format!("{:.3}", p.recall),
                    rate(p.qps),
                    lat(p),
                    idle.map(|i| rate(i.qps)).unwrap_or_default(),
                ]
            })
            .collect();
        print_table(
            &[
                "setting",
                "recall@10",
                "QPS while ingesting",
                "p50 / p99 ms",
                "idle QPS",
            ],
            &rows,
        );

        let n = ing.samples.len().max(1) as f64;
        let avg = |f: &dyn Fn(&super::kiln_side::Sample) -> usize| {
            ing.samples.iter().map(f).sum::<usize>() as f64 / n
        };
        println!(
            "\nDuring that phase (`stats()` every 0.5 s, averages): {} rows in segments scanned exactly \
             (growing, frozen, sealed without index), {} rows in indexed segments, {} deleted rows \
             still in segments, {:.1} segments, {:.1} background jobs running; {} merges and {} index \
             builds done by the end.\n",
            rate(avg(&|s| s.exact_rows)),
            rate(avg(&|s| s.indexed_rows)),
            rate(avg(&|s| s.deleted_rows)),
            avg(&|s| s.growing + s.frozen + s.sealed),
            avg(&|s| s.jobs_running),
            ing.samples.last().map_or(0, |s| s.merges_done),
            ing.samples.last().map_or(0, |s| s.indexes_built + s.indexes_merged),
        );
        println!("QPS at matched recall (best measured point at or above the target):\n");
        let mut rows = Vec::new();
        for t in TARGETS {
            let (k, f, i) = self.best(t);
            let show = |p: Option<&Point>| {
                p.map(|p| format!("{} ({}, {:.3})", rate(p.qps), p.setting, p.recall))
                    .unwrap_or_else(|| "not reached".into())
            };
            let f2 = self.best_faiss2(t);
            rows.push(vec![
                format!("≥ {t}"),
                show(k),
                show(f),
                match (k, f) {
                    (Some(k), Some(f)) => ratio(k.qps, f.qps),
                    _ => "—".into(),
                },
                if has2 {
                    show(f2)
                } else {
                    "(same nlist)".into()
                },
                match (k, f2) {
                    (Some(k), Some(f)) => ratio(k.qps, f.qps),
                    _ => "—".into(),
                },
                show(i),
            ]);
        }
        print_table(
            &[
                "recall@10",
                "Kiln QPS (setting, recall)",
                "Faiss QPS (setting, recall)",
                "Kiln / Faiss",
                "Faiss at Kiln's nlist",
                "Kiln / that",
                "Kiln while ingesting",
            ],
            &rows,
        );

        println!("\nKiln's segments over time while building (`stats()` every 0.5 s):\n");
        let n = kb.samples.len();
        let step = n.div_ceil(16).max(1);
        let rows: Vec<Vec<String>> = kb
            .samples
            .iter()
            .enumerate()
            .filter(|(i, _)| i % step == 0 || *i + 1 == n)
            .map(|(_, s)| {
                vec![
                    format!("{:.1}", s.t),
                    rate(s.written as f64),
                    format!("{} / {} / {}", s.growing, s.frozen, s.sealed),
                    s.indexed.to_string(),
                    rate(s.rows_pending_indexing as f64),
                    s.merges_done.to_string(),
                    s.jobs_running.to_string(),
                ]
            })
            .collect();
        print_table(
            &[
                "t, s",
                "rows written",
                "growing / frozen / sealed",
                "indexed",
                "rows waiting for an index",
                "merges done",
                "jobs running",
            ],
            &rows,
        );
        println!("\nWhere Kiln's build time goes (busy time summed over background threads):\n");
        let span = |k: &str| {
            kb.trace
                .spans
                .get(k)
                .map(|s| format!("{} ×, {:.2} s", s.count, s.seconds))
                .unwrap_or_else(|| "0".into())
        };
        let merges: Vec<_> = kb.events.iter().filter(|e| e.kind == "merged").collect();
        let builds: Vec<_> = kb
            .events
            .iter()
            .filter(|e| e.kind == "index built")
            .collect();
        let st = kb.final_stats.clone().unwrap_or_default();
        let rows = vec![
            vec![
                "seal (write + fsync segment file, catalog)".into(),
                span("engine:seal"),
            ],
            vec![
                "index build job (template + add + write index file)".into(),
                span("engine:build"),
            ],
            vec![
                "  of which Faiss add (build_ivf)".into(),
                span("index:build_ivf"),
            ],
            vec![
                "template training (k-means)".into(),
                span("index:train_template"),
            ],
            vec!["template retrain job".into(), span("engine:retrain")],
            vec![
                format!(
                    "merge job ({} merged indexes by list concatenation, {} rebuilt)",
                    st.indexes_merged,
                    st.indexes_built.saturating_sub(builds.len() as u64)
                ),
                span("engine:merge"),
            ],
            vec!["flush (caller)".into(), span("engine:flush")],
            vec![
                "events: index builds / merges (wall time in the jobs)".into(),
                format!(
                    "{} builds {:.2} s; {} merges {:.2} s",
                    builds.len(),
                    builds.iter().map(|e| e.took_s).sum::<f64>(),
                    merges.len(),
                    merges.iter().map(|e| e.took_s).sum::<f64>()
                ),
            ],
            vec![
                "writes stalled / throttled by backpressure".into(),
                format!("{} / {}", st.writes_stalled, st.writes_throttled),
            ],
        ];
        print_table(&["what", "count, seconds"], &rows);
        let _ = threads;
    }
}

impl Report {
    pub fn print(&self) {
        println!("## Kiln vs raw Faiss, end to end\n");
        println!(
            "Machine: {}. Build: {}. Thread budget {} (Kiln `thread_budget`; Faiss OpenMP threads for builds; \
             single queries on 1 Faiss thread). OMP_WAIT_POLICY={}. {} Load average at start {}, at end {}. \
             Wall time of the run {:.0} s.\n\nCommand: `{}`",
            self.machine,
            self.profile,
            self.threads,
            self.omp_wait_policy,
            self.cache_note,
            self.load_at_start,
            self.load_at_end,
            self.wall_s,
            self.command
        );
        println!("\n### Headline: Kiln / raw Faiss\n");
        let mut header = vec![
            "dataset".to_string(),
            "build: first insert → indexed, vs Faiss train+add+write".into(),
            "vs Faiss train+add".into(),
        ];
        for t in TARGETS {
            header.push(format!("QPS at recall ≥ {t}"));
        }
        // The two like-for-like columns of `headline_row`: Faiss at Kiln's own nlist.
        header.extend([
            "build vs Faiss at Kiln's nlist (IVFn)".to_string(),
            format!("QPS at recall ≥ {} vs Faiss at Kiln's nlist", TARGETS[0]),
            "cold open".to_string(),
            "peak RSS".into(),
            "disk".into(),
        ]);
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let rows: Vec<Vec<String>> = self.datasets.iter().map(|d| d.headline_row()).collect();
        print_table(&header, &rows);
        if let Some(p) = &self.pool {
            println!(
                "\n### Compaction pool speed-up ({}): first insert → fully indexed\n",
                p.dataset
            );
            print_table(
                &[
                    "compaction threads (thread budget)",
                    "fully indexed, s",
                    "of which ingest, s",
                    "speed-up",
                ],
                &[
                    vec![
                        format!("1 ({})", self.threads),
                        format!("{:.2}", p.one_thread_s),
                        format!("{:.2}", p.one_thread_ingest_s),
                        "1.00×".into(),
                    ],
                    vec![
                        format!("{} ({})", p.threads, self.threads),
                        format!("{:.2}", p.n_threads_s),
                        format!("{:.2}", p.n_threads_ingest_s),
                        ratio(p.one_thread_s, p.n_threads_s),
                    ],
                ],
            );
        }
        for d in &self.datasets {
            d.print(self.threads);
        }
    }
}
