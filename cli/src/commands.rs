//! The small commands: create, add-field, search, get, delete, count, stats, verify, compact,
//! list, checkpoint, drop.
//!
//! Commands that only read (search, get, count, stats, verify, list, and bench) open the
//! database read-only, so they work while an application or another command writes it; the
//! others open it to write, which needs the directory free.

use std::io::{IsTerminal, Read};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use kiln::{
    Collection, CollectionConfig, CollectionStats, Database, DbOptions, Error, IndexSpec, Metric,
    SearchExplain, SearchOptions, SegmentPlan, SegmentState,
};

use crate::attrs::{self, FieldSpec};
use crate::error::{CliError, Context, EXIT_VERDICT};
use crate::table::{self, Table};
use crate::vecfile::{parse_floats, VecFile};
use crate::{CliResult, CreateArgs, SearchArgs};

/// Parse `l2`, `ip` or `cosine`.
pub fn parse_metric(s: &str) -> Result<Metric, String> {
    match s.to_ascii_lowercase().as_str() {
        "l2" | "euclidean" => Ok(Metric::L2),
        "ip" | "inner-product" | "dot" => Ok(Metric::InnerProduct),
        "cosine" | "cos" => Ok(Metric::Cosine),
        _ => Err(format!("unknown metric {s:?}: use l2, ip or cosine")),
    }
}

/// The metric's command-line name.
pub fn metric_name(m: Metric) -> &'static str {
    match m {
        Metric::L2 => "l2",
        Metric::InnerProduct => "ip",
        Metric::Cosine => "cosine",
    }
}

/// Parse an index spec: `auto`, `flat`, `ivf-flat:NLIST`, `ivf-sq8:NLIST`, `ivf-pq:NLIST:M`,
/// `hnsw:M`, `hnsw:M:EF_CONSTRUCTION` (default 40) or `factory:FAISS_STRING`.
pub fn parse_index(s: &str) -> Result<IndexSpec, String> {
    if let Some(factory) = s.strip_prefix("factory:") {
        if factory.trim().is_empty() {
            return Err("empty Faiss factory string".into());
        }
        return Ok(IndexSpec::Factory(factory.to_string()));
    }
    let lower = s.to_ascii_lowercase();
    let mut parts = lower.split(':');
    let kind = parts.next().unwrap_or("");
    let nums: Vec<u32> = parts
        .map(|p| {
            p.parse::<u32>()
                .map_err(|_| format!("{p:?} in index spec {s:?} is not a positive number"))
        })
        .collect::<Result<_, _>>()?;
    let usage = "use auto, flat, ivf-flat:NLIST, ivf-sq8:NLIST, ivf-pq:NLIST:M, hnsw:M, \
                 hnsw:M:EF_CONSTRUCTION or factory:FAISS_STRING";
    let spec = match (kind, nums.as_slice()) {
        ("auto", []) => IndexSpec::Auto,
        ("flat", []) => IndexSpec::Flat,
        ("ivf-flat" | "ivfflat", [nlist]) => IndexSpec::IvfFlat { nlist: *nlist },
        ("ivf-sq8" | "ivfsq8", [nlist]) => IndexSpec::IvfSq8 { nlist: *nlist },
        ("ivf-pq" | "ivfpq", [nlist, m]) => IndexSpec::IvfPq {
            nlist: *nlist,
            m: *m,
        },
        ("hnsw", [m]) => IndexSpec::Hnsw {
            m: *m,
            ef_construction: 40,
        },
        ("hnsw", [m, ef]) => IndexSpec::Hnsw {
            m: *m,
            ef_construction: *ef,
        },
        _ => return Err(format!("bad index spec {s:?}: {usage}")),
    };
    Ok(spec)
}

/// The spec as `parse_index` reads it.
pub fn index_name(spec: &IndexSpec) -> String {
    match spec {
        IndexSpec::Auto => "auto".into(),
        IndexSpec::Flat => "flat".into(),
        IndexSpec::IvfFlat { nlist } => format!("ivf-flat:{nlist}"),
        IndexSpec::IvfSq8 { nlist } => format!("ivf-sq8:{nlist}"),
        IndexSpec::IvfPq { nlist, m } => format!("ivf-pq:{nlist}:{m}"),
        IndexSpec::Hnsw { m, ef_construction } => format!("hnsw:{m}:{ef_construction}"),
        IndexSpec::Factory(f) => format!("factory:{f}"),
        other => format!("{other:?}"),
    }
}

/// Check that `dir` holds a database, with a message that says what is wrong otherwise.
fn check_existing(dir: &Path) -> Result<(), CliError> {
    let what = || format!("cannot open database {}", dir.display());
    if !dir.exists() {
        return Err(CliError::new(what(), "no such directory"));
    }
    if !dir.is_dir() {
        return Err(CliError::new(what(), "not a directory"));
    }
    if !kiln::Database::exists(dir) {
        return Err(CliError::new(
            what(),
            "not a Kiln database (it has no catalog); create one with `kiln create`",
        ));
    }
    Ok(())
}

/// Open an existing database directory to write it (never creates one).
pub fn open_existing(dir: &Path, options: DbOptions) -> Result<Database, CliError> {
    check_existing(dir)?;
    open_with(dir, options)
}

/// Open an existing database directory read-only: it works while another process (an
/// application, a running `kiln import`) holds the directory, and sees what that writer had
/// acknowledged when the command started.
pub fn open_read_only(dir: &Path) -> Result<Database, CliError> {
    check_existing(dir)?;
    Database::open_read_only(dir)
        .map_err(|e| CliError::new(format!("cannot open database {}", dir.display()), e))
}

/// Open (or create) a database directory, saying plainly when another process holds it.
pub fn open_with(dir: &Path, options: DbOptions) -> Result<Database, CliError> {
    let what = || format!("cannot open database {}", dir.display());
    Database::open_with(dir, options).map_err(|e| match e {
        Error::Locked { .. } => CliError::new(
            what(),
            "it is locked: another process (a running kiln command or an application) has it \
             open for writing; commands that only read (search, get, count, stats, verify, list, \
             bench) work meanwhile",
        ),
        e => CliError::new(what(), e),
    })
}

/// A handle to collection `name`.
pub fn open_collection(db: &Database, name: &str) -> Result<Collection, CliError> {
    db.collection(name)
        .context(|| format!("cannot open collection {name}"))
}

/// `kiln create`.
pub fn create(a: &CreateArgs) -> CliResult {
    let db = open_with(&a.dir, DbOptions::new())?;
    let mut config = CollectionConfig::new(a.dim, a.metric).index(a.index.clone());
    if let Some(rows) = a.segment_rows {
        config = config.segment_rows(rows);
    }
    for f in &a.fields {
        config = config.field(&f.name, f.ty);
    }
    let c = db
        .create_collection(&a.collection, config)
        .context(|| format!("cannot create collection {}", a.collection))?;
    println!(
        "created collection {} in {}: dimension {}, metric {}, segments of {} rows, index {}, \
         fields: {}",
        c.name(),
        a.dir.display(),
        c.dim(),
        metric_name(c.config().metric()),
        table::count(c.config().effective_segment_rows()),
        index_name(c.config().index_spec()),
        attrs::fields_line(&c.fields()),
    );
    Ok(ExitCode::SUCCESS)
}

/// `kiln add-field`.
pub fn add_field(dir: &Path, name: &str, field: &FieldSpec) -> CliResult {
    let db = open_existing(dir, DbOptions::new())?;
    let c = open_collection(&db, name)?;
    c.add_field(&field.name, field.ty).context(|| {
        format!(
            "cannot add field {} {} to collection {name}",
            field.name,
            attrs::type_name(field.ty)
        )
    })?;
    println!(
        "added field {} ({}) to {name}; rows written before have it null. fields: {}",
        field.name,
        attrs::type_name(field.ty),
        attrs::fields_line(&c.fields())
    );
    Ok(ExitCode::SUCCESS)
}

/// The query vector of `kiln search`, from --vector, --file, --id or stdin.
fn query_vector(a: &SearchArgs, c: &Collection) -> Result<Vec<f32>, CliError> {
    if let Some(text) = &a.vector {
        return parse_floats(text).context(|| "bad --vector".into());
    }
    if let Some(path) = &a.file {
        let what = || format!("cannot read a query from {}", path.display());
        let mut f = VecFile::open(path).context(what)?;
        f.seek_row(a.row).context(what)?;
        let mut v = Vec::with_capacity(f.dim());
        f.read_rows(1, &mut v).context(what)?;
        return Ok(v);
    }
    if let Some(id) = a.id {
        return match c.get(id).context(|| format!("cannot read id {id}"))? {
            Some(v) => Ok(v),
            None => Err(CliError::new(
                format!("--id {id}"),
                format!("no live vector with id {id} in collection {}", c.name()),
            )),
        };
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(CliError::new(
            "no query",
            "give --vector, --file or --id, or pipe the vector on stdin",
        ));
    }
    let mut text = String::new();
    stdin
        .lock()
        .read_to_string(&mut text)
        .context(|| "cannot read the query from stdin".into())?;
    parse_floats(&text).context(|| "bad query on stdin".into())
}

/// Check a query's length against the collection, with a message that names both.
pub fn check_dim(c: &Collection, got: usize, what: &str) -> Result<(), CliError> {
    if got != c.dim() {
        return Err(CliError::new(
            format!("wrong dimension of {what}"),
            format!(
                "it has {got} components; collection {} has dimension {}",
                c.name(),
                c.dim()
            ),
        ));
    }
    Ok(())
}

/// `kiln search`.
pub fn search(a: &SearchArgs) -> CliResult {
    let db = open_read_only(&a.dir)?;
    let c = open_collection(&db, &a.collection)?;
    let q = query_vector(a, &c)?;
    check_dim(&c, q.len(), "the query")?;
    let mut opts = SearchOptions::new(a.k as usize).exact(a.exact);
    if let Some(n) = a.nprobe {
        opts = opts.nprobe(n);
    }
    if let Some(ef) = a.ef {
        opts = opts.ef_search(ef);
    }
    if let Some(r) = a.target_recall {
        opts = opts.target_recall(r);
    }
    let filter = match &a.filter {
        Some(text) => Some(attrs::parse_filter("--filter", text)?),
        None => None,
    };
    if let Some(f) = &filter {
        opts = opts.filter(f.clone());
    }
    let failed = |e| match &a.filter {
        Some(text) => attrs::filter_error(&c, "--filter", text, || "search failed".into(), e),
        None => CliError::new("search failed", e),
    };
    let t = Instant::now();
    let explain = if a.explain {
        c.explain(&q, &opts).map_err(failed)?
    } else {
        SearchExplain {
            hits: c.search(&q, &opts).map_err(failed)?,
            segments: Vec::new(),
        }
    };
    let took = t.elapsed();
    let hits = &explain.hits;
    let mut t = Table::new(&["rank", "id", "distance"]);
    for (i, h) in hits.iter().enumerate() {
        t.row(vec![
            (i + 1).to_string(),
            h.id.to_string(),
            format!("{:.6}", h.distance),
        ]);
    }
    t.print();
    let rows = match &filter {
        None => format!("{} live rows", table::count_usize(c.len())),
        Some(f) => {
            let matching = if a.explain {
                explain.segments.iter().map(|s| s.matching_rows).sum()
            } else {
                c.count(f).map_err(failed)?
            };
            format!(
                "the {} of {} live rows that match the filter",
                table::count_usize(matching),
                table::count_usize(c.len())
            )
        }
    };
    println!(
        "{} hits from {rows} in {} ({} search)",
        hits.len(),
        table::duration(took),
        if a.exact { "exact" } else { "default" }
    );
    if a.explain {
        println!();
        explain_table(&explain).print();
    }
    Ok(ExitCode::SUCCESS)
}

/// The plan of one segment, as `kiln search --explain` prints it.
pub fn plan_name(plan: &SegmentPlan) -> String {
    match plan {
        SegmentPlan::Skipped => "skipped (nothing matches)".into(),
        SegmentPlan::ExactScan => "exact scan".into(),
        SegmentPlan::Index { nprobe, ef_search } => {
            let mut s = String::from("index");
            if let Some(n) = nprobe {
                s.push_str(&format!(", nprobe {n}"));
            }
            if let Some(ef) = ef_search {
                s.push_str(&format!(", ef {ef}"));
            }
            s
        }
        SegmentPlan::Lists { nprobe } => format!("row lists, nprobe {nprobe}"),
        SegmentPlan::IndexThenExact => "index, finished exactly".into(),
    }
}

/// The per-segment plan of `kiln search --explain`.
pub fn explain_table(e: &SearchExplain) -> Table {
    let mut t = Table::new(&["segment", "live rows", "matching", "plan", "candidates"])
        .text_column(0)
        .text_column(3);
    for s in &e.segments {
        t.row(vec![
            table::segment_id(s.segment),
            table::count_usize(s.live_rows),
            table::count_usize(s.matching_rows),
            plan_name(&s.plan),
            table::count_usize(s.candidates),
        ]);
    }
    t
}

/// `kiln get`: the vector on one line, comma-separated (which `kiln search` reads back), then
/// the attributes as one JSON object, fields in schema order, if the row has any.
pub fn get(dir: &Path, name: &str, id: u64) -> CliResult {
    let db = open_read_only(dir)?;
    let c = open_collection(&db, name)?;
    match c.get(id).context(|| format!("cannot read id {id}"))? {
        Some(v) => {
            let text: Vec<String> = v.iter().map(|x| x.to_string()).collect();
            println!("{}", text.join(","));
            let payload = c
                .get_payload(id)
                .context(|| format!("cannot read the attributes of id {id}"))?;
            if let Some(p) = payload.filter(|p| !p.is_empty()) {
                println!("{}", attrs::payload_json(&p, &c.fields()));
            }
            Ok(ExitCode::SUCCESS)
        }
        None => Err(CliError::new(
            format!("id {id}"),
            format!("not found in collection {name}"),
        )
        .with_code(EXIT_VERDICT)),
    }
}

/// `kiln delete`.
pub fn delete(dir: &Path, name: &str, ids: &[u64]) -> CliResult {
    let db = open_existing(dir, DbOptions::new())?;
    let c = open_collection(&db, name)?;
    let n = c
        .delete_batch(ids)
        .context(|| format!("cannot delete from collection {name}"))?;
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    println!(
        "deleted {} of {} ids from {name} (not live: {}); {} live rows left",
        n,
        unique.len(),
        unique.len() - n,
        table::count_usize(c.len())
    );
    Ok(ExitCode::SUCCESS)
}

/// `kiln delete --where`.
pub fn delete_where(dir: &Path, name: &str, text: &str) -> CliResult {
    let filter = attrs::parse_filter("--where", text)?;
    let db = open_existing(dir, DbOptions::new())?;
    let c = open_collection(&db, name)?;
    let n = c.delete_where(&filter).map_err(|e| {
        attrs::filter_error(
            &c,
            "--where",
            text,
            || format!("cannot delete from collection {name}"),
            e,
        )
    })?;
    println!(
        "deleted {} rows that match the filter from {name}; {} live rows left",
        table::count_usize(n),
        table::count_usize(c.len())
    );
    Ok(ExitCode::SUCCESS)
}

/// `kiln count`: the number of live rows (that match the filter), alone on a line.
pub fn count(dir: &Path, name: &str, text: Option<&str>) -> CliResult {
    let filter = match text {
        Some(t) => Some(attrs::parse_filter("--filter", t)?),
        None => None,
    };
    let db = open_read_only(dir)?;
    let c = open_collection(&db, name)?;
    let n = match (&filter, text) {
        (Some(f), Some(t)) => c.count(f).map_err(|e| {
            attrs::filter_error(&c, "--filter", t, || format!("cannot count {name}"), e)
        })?,
        _ => c.len(),
    };
    println!("{n}");
    Ok(ExitCode::SUCCESS)
}

fn state_name(s: SegmentState) -> &'static str {
    match s {
        SegmentState::Growing => "growing",
        SegmentState::Frozen => "frozen",
        SegmentState::Sealed => "sealed",
    }
}

/// The per-segment table.
pub fn segment_table(stats: &CollectionStats) -> Table {
    let mut t = Table::new(&[
        "segment",
        "state",
        "rows",
        "deleted",
        "index",
        "size",
        "index size",
        "busy",
    ])
    .text_column(0);
    for s in &stats.segments {
        t.row(vec![
            table::segment_id(s.id),
            state_name(s.state).into(),
            table::count_usize(s.rows),
            table::count_usize(s.deleted),
            s.index.clone().unwrap_or_else(|| "-".into()),
            table::bytes(s.bytes),
            if s.index.is_some() {
                table::bytes(s.index_bytes)
            } else {
                "-".into()
            },
            if s.busy { "yes".into() } else { String::new() },
        ]);
    }
    t
}

/// The background counters as two lines.
pub fn background_lines(s: &CollectionStats) -> String {
    format!(
        "since open: {} seals, {} index builds, {} indexes merged, {} merges, {} failed jobs; \
         writes stalled {}, throttled {}\n\
         pending:    {} rows to seal, {} rows to index, {} merges due, {} jobs running \
         ({} seals, {} builds, {} merges)",
        s.seals_done,
        s.indexes_built,
        s.indexes_merged,
        s.merges_done,
        s.jobs_failed,
        s.writes_stalled,
        s.writes_throttled,
        table::count_usize(s.rows_pending_seal),
        table::count_usize(s.rows_pending_indexing),
        s.pending_merges,
        s.jobs_running,
        s.seals_running,
        s.builds_running,
        s.merges_running,
    )
}

/// Print one collection's summary, background counters and segment table.
pub fn print_collection(c: &Collection) {
    let s = c.stats();
    let sealed = s
        .segments
        .iter()
        .filter(|g| g.state == SegmentState::Sealed)
        .count();
    let bytes: u64 = s.segments.iter().map(|g| g.bytes).sum();
    println!(
        "collection {}: {} live rows, {} deleted rows not yet merged away; dimension {}, \
         metric {}, index {}, segments of {} rows",
        c.name(),
        table::count_usize(s.rows),
        table::count_usize(s.deleted_rows),
        c.dim(),
        metric_name(c.config().metric()),
        index_name(c.config().index_spec()),
        table::count(c.config().effective_segment_rows()),
    );
    println!("fields:     {}", attrs::fields_line(&c.fields()));
    println!(
        "segments:   {} ({} sealed), {}",
        s.segments.len(),
        sealed,
        table::bytes(bytes)
    );
    println!("{}", background_lines(&s));
    println!();
    segment_table(&s).print();
}

/// `kiln stats`.
pub fn stats(dir: &Path, name: Option<&str>) -> CliResult {
    let db = open_read_only(dir)?;
    let names = match name {
        Some(n) => vec![n.to_string()],
        None => db
            .list_collections()
            .context(|| "cannot list collections".into())?,
    };
    if names.is_empty() {
        println!("no collections in {}", dir.display());
    }
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            println!();
        }
        let c = open_collection(&db, n)?;
        print_collection(&c);
    }
    Ok(ExitCode::SUCCESS)
}

/// `kiln verify`.
pub fn verify(dir: &Path) -> CliResult {
    let db = open_read_only(dir)?;
    let t = Instant::now();
    let r = db
        .verify()
        .context(|| format!("cannot verify {}", dir.display()))?;
    println!(
        "checked {}: {}, {}, {}, {}; {} read in {}",
        plural(r.collections, "collection"),
        plural(r.segments, "segment file"),
        plural(r.growing_segments, "growing segment"),
        plural(r.indexes, "index file"),
        plural(r.templates, "template"),
        table::bytes(r.bytes),
        table::duration(t.elapsed())
    );
    if r.is_ok() {
        println!("ok: no problems found");
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} found:", plural(r.problems.len(), "problem"));
    for p in &r.problems {
        // Engine reasons often start with the path itself; say it once.
        let path = p.path.display().to_string();
        let reason = crate::error::one_line(&p.reason);
        let reason = reason
            .strip_prefix(&path)
            .map(|r| r.trim_start().trim_start_matches("is ").to_string())
            .unwrap_or(reason);
        println!("  collection {}: {path}", p.collection);
        println!("    {reason}");
        println!(
            "    {}",
            if p.repairable {
                "repairable: a derived file, rebuilt when the collection is next used"
            } else {
                "NOT repairable: the data in this file is at risk; restore it from a backup"
            }
        );
    }
    Ok(ExitCode::from(EXIT_VERDICT))
}

/// `1 thing`, `2 things`.
pub fn plural(n: usize, what: &str) -> String {
    format!(
        "{} {what}{}",
        table::count_usize(n),
        if n == 1 { "" } else { "s" }
    )
}

/// `kiln compact`.
pub fn compact(dir: &Path, name: &str) -> CliResult {
    let db = open_existing(dir, DbOptions::new())?;
    let c = open_collection(&db, name)?;
    let t = Instant::now();
    let worker = c.clone();
    crate::progress::watch_background(&c, "compacting", move || worker.compact())
        .context(|| format!("cannot compact collection {name}"))?;
    println!("compacted {name} in {}", table::duration(t.elapsed()));
    println!();
    print_collection(&c);
    Ok(ExitCode::SUCCESS)
}

/// `kiln list`.
pub fn list(dir: &Path) -> CliResult {
    let db = open_read_only(dir)?;
    for n in db
        .list_collections()
        .context(|| "cannot list collections".into())?
    {
        println!("{n}");
    }
    Ok(ExitCode::SUCCESS)
}

/// `kiln checkpoint`: a consistent copy of the database in a new directory, taken by the
/// writer (this command opens the database to write it, so it needs the directory free; an
/// application that holds it takes checkpoints with `Database::checkpoint`).
pub fn checkpoint(dir: &Path, dest: &Path) -> CliResult {
    let db = open_existing(dir, DbOptions::new())?;
    let t = Instant::now();
    let r = db.checkpoint(dest).context(|| {
        format!(
            "cannot write a checkpoint of {} to {}",
            dir.display(),
            dest.display()
        )
    })?;
    println!(
        "checkpoint of {} written to {} in {}: {} linked, {} copied ({})",
        dir.display(),
        r.path.display(),
        table::duration(t.elapsed()),
        plural(r.files_linked as usize, "file"),
        plural(r.files_copied as usize, "file"),
        table::bytes(r.bytes_copied)
    );
    if !r.missing_derived.is_empty() {
        println!(
            "{} the source had lost (rebuilt when the copy is used)",
            plural(r.missing_derived.len(), "derived index file")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `kiln drop`.
pub fn drop_collection(dir: &Path, name: &str) -> CliResult {
    let db = open_existing(dir, DbOptions::new())?;
    db.drop_collection(name)
        .context(|| format!("cannot drop collection {name}"))?;
    println!("dropped collection {name}");
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_specs_round_trip() {
        for text in [
            "auto",
            "flat",
            "ivf-flat:256",
            "ivf-sq8:64",
            "ivf-pq:128:8",
            "hnsw:16:40",
        ] {
            let spec = parse_index(text).expect(text);
            assert_eq!(index_name(&spec), text);
        }
        assert_eq!(
            parse_index("hnsw:32").expect("hnsw"),
            IndexSpec::Hnsw {
                m: 32,
                ef_construction: 40
            }
        );
        assert_eq!(
            parse_index("factory:IVF64,Flat").expect("factory"),
            IndexSpec::Factory("IVF64,Flat".into())
        );
        for bad in [
            "",
            "ivf",
            "ivf-flat",
            "ivf-flat:x",
            "hnsw:1:2:3",
            "pq:8",
            "factory:",
        ] {
            assert!(parse_index(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn metrics_parse() {
        assert_eq!(parse_metric("L2"), Ok(Metric::L2));
        assert_eq!(parse_metric("ip"), Ok(Metric::InnerProduct));
        assert_eq!(parse_metric("cosine"), Ok(Metric::Cosine));
        assert!(parse_metric("hamming").is_err());
    }
}
