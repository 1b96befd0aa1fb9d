//! Helpers for Kiln's integration tests: seeded data, a brute-force model of a collection,
//! temporary databases, and the fvecs/ivecs readers for the dev set.

#![allow(missing_docs)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kiln::{normalized, Hit, Metric};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A seeded RNG. The seed comes from `KILN_SEED` when set, else `default`; it is printed so that
/// every failure can be replayed.
pub fn seeded_rng(test: &str, default: u64) -> (ChaCha8Rng, u64) {
    let seed = std::env::var("KILN_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    eprintln!("{test}: seed {seed} (replay with KILN_SEED={seed})");
    (ChaCha8Rng::seed_from_u64(seed), seed)
}

/// `n` vectors of `dim` components uniform in [-1, 1).
pub fn random_vectors(rng: &mut impl Rng, n: usize, dim: usize) -> Vec<f32> {
    (0..n * dim).map(|_| rng.gen_range(-1.0f32..1.0)).collect()
}

/// `n` vectors around `clusters` random centres (Gaussian-ish noise of scale `spread`).
pub fn clustered_vectors(
    rng: &mut impl Rng,
    n: usize,
    dim: usize,
    clusters: usize,
    spread: f32,
) -> Vec<f32> {
    let centres = random_vectors(rng, clusters.max(1), dim);
    let mut out = Vec::with_capacity(n * dim);
    for _ in 0..n {
        let c = rng.gen_range(0..clusters.max(1));
        for j in 0..dim {
            let noise: f32 = (0..3).map(|_| rng.gen_range(-1.0f32..1.0)).sum::<f32>() * spread;
            out.push(centres[c * dim + j] + noise);
        }
    }
    out
}

/// `n` rows and `nq` queries around the same `clusters` centres: queries like the rows, as real
/// queries are (a second `clustered_vectors` call draws new centres, far from every row).
pub fn clustered_rows_and_queries(
    rng: &mut impl Rng,
    n: usize,
    nq: usize,
    dim: usize,
    clusters: usize,
    spread: f32,
) -> (Vec<f32>, Vec<f32>) {
    let mut rows = clustered_vectors(rng, n + nq, dim, clusters, spread);
    let queries = rows.split_off(n * dim);
    (rows, queries)
}

/// A vector of small integers (so distances tie often, exercising tie-breaking).
pub fn small_int_vector(rng: &mut impl Rng, dim: usize) -> Vec<f32> {
    (0..dim).map(|_| rng.gen_range(-2i32..=2) as f32).collect()
}

/// The brute-force model of a collection: what it should contain and answer.
#[derive(Debug, Clone)]
pub struct Model {
    pub metric: Metric,
    pub dim: usize,
    pub rows: BTreeMap<u64, Vec<f32>>,
}

impl Model {
    pub fn new(metric: Metric, dim: usize) -> Self {
        Model {
            metric,
            dim,
            rows: BTreeMap::new(),
        }
    }

    /// The vector as Kiln stores it.
    pub fn stored(&self, v: &[f32]) -> Vec<f32> {
        if self.metric == Metric::Cosine {
            normalized(v).unwrap_or_default()
        } else {
            v.to_vec()
        }
    }

    pub fn upsert(&mut self, id: u64, v: &[f32]) {
        let s = self.stored(v);
        self.rows.insert(id, s);
    }

    pub fn delete(&mut self, id: u64) -> bool {
        self.rows.remove(&id).is_some()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Exact top-k with Kiln's ordering: distance ([`f32::total_cmp`]), then id.
    pub fn search(&self, query: &[f32], k: usize) -> Vec<Hit> {
        self.search_where(query, k, |_| true)
    }

    /// Exact top-k among the ids `keep` accepts.
    pub fn search_where(&self, query: &[f32], k: usize, keep: impl Fn(u64) -> bool) -> Vec<Hit> {
        let q = self.stored(query);
        let mut all: Vec<Hit> = self
            .rows
            .iter()
            .filter(|(&id, _)| keep(id))
            .map(|(&id, v)| Hit {
                id,
                distance: self.metric.distance(&q, v),
            })
            .collect();
        all.sort_by(|a, b| a.distance.total_cmp(&b.distance).then(a.id.cmp(&b.id)));
        all.truncate(k);
        all
    }
}

/// Every file under `root` (recursively), with its length: e.g. to size a database directory
/// or to find its index files.
pub fn files_under(root: &Path) -> Vec<(PathBuf, u64)> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(root) {
        for e in rd.flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => out.extend(files_under(&e.path())),
                Ok(m) => out.push((e.path(), m.len())),
                Err(_) => {}
            }
        }
    }
    out
}

/// A temporary directory for a database, removed on drop unless `KILN_KEEP_TMP` is set.
pub struct TempDir {
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
}

impl TempDir {
    pub fn new(prefix: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix(&format!("kiln-{prefix}-"))
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"));
        let path = dir.path().join("db");
        if std::env::var_os("KILN_KEEP_TMP").is_some() {
            let kept = dir.keep();
            eprintln!("keeping {}", kept.display());
            return TempDir {
                dir: None,
                path: kept.join("db"),
            };
        }
        TempDir {
            dir: Some(dir),
            path,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn root(&self) -> &Path {
        self.dir
            .as_ref()
            .map_or(self.path.parent().unwrap_or(&self.path), |d| d.path())
    }
}

/// Read an `.fvecs` file: each record is a little-endian i32 dimension then that many f32.
pub fn read_fvecs(path: &Path) -> std::io::Result<(usize, Vec<f32>)> {
    let bytes = std::fs::read(path)?;
    let mut out = Vec::new();
    let mut dim = 0usize;
    let mut at = 0usize;
    while at < bytes.len() {
        let d = i32::from_le_bytes(slice4(&bytes, at)?) as usize;
        if dim == 0 {
            dim = d;
        } else if d != dim {
            return Err(std::io::Error::other(format!(
                "record at {at} has dimension {d}, expected {dim}"
            )));
        }
        at += 4;
        for _ in 0..d {
            out.push(f32::from_le_bytes(slice4(&bytes, at)?));
            at += 4;
        }
    }
    Ok((dim, out))
}

/// Read an `.ivecs` file (ground truth): rows of i32.
pub fn read_ivecs(path: &Path) -> std::io::Result<(usize, Vec<i32>)> {
    let (dim, floats) = read_fvecs(path)?;
    Ok((
        dim,
        floats
            .into_iter()
            .map(f32::to_bits)
            .map(|b| b as i32)
            .collect(),
    ))
}

fn slice4(bytes: &[u8], at: usize) -> std::io::Result<[u8; 4]> {
    bytes
        .get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| std::io::Error::other(format!("truncated record at byte {at}")))
}

/// The shared dev set: `dim`-d base rows and queries (row-major) and each query's exact
/// neighbour ids, nearest first.
pub struct DevSet {
    /// Dimension.
    pub dim: usize,
    /// The base rows.
    pub base: Vec<f32>,
    /// The queries.
    pub queries: Vec<f32>,
    /// Per query, the ground truth's ids.
    pub truth: Vec<Vec<u64>>,
}

/// The shared dev set, if present (`None` after saying so on stderr: the caller skips).
pub fn dev_set() -> Option<DevSet> {
    let Some(dev) = dev_set_dir() else {
        eprintln!("dev set not present: skipped");
        return None;
    };
    let (dim, base) = read_fvecs(&dev.join("base.fvecs")).expect("base");
    let (_, queries) = read_fvecs(&dev.join("query.fvecs")).expect("queries");
    let (gt_k, gt) = read_ivecs(&dev.join("groundtruth.ivecs")).expect("gt");
    let truth = gt
        .chunks(gt_k.max(1))
        .map(|row| row.iter().map(|&x| x as u64).collect())
        .collect();
    Some(DevSet {
        dim,
        base,
        queries,
        truth,
    })
}

/// Where the shared dev set lives, if present.
pub fn dev_set_dir() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("KILN_DEV_SET").map(PathBuf::from),
        Some(manifest.join("../../shared/data/dev-minilm-15k")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.join("base.fvecs").is_file())
}

/// Recall@k of `got` against the ground-truth ids `truth` (first k of them).
pub fn recall_at(k: usize, got: &[u64], truth: &[u64]) -> f64 {
    let truth: std::collections::HashSet<u64> = truth.iter().take(k).copied().collect();
    let hits = got.iter().take(k).filter(|id| truth.contains(id)).count();
    hits as f64 / k.min(truth.len()).max(1) as f64
}

/// Assert that Kiln's answer equals the model's exactly: same ids in the same order, same
/// distances bit for bit.
pub fn assert_same_hits(context: &str, got: &[Hit], want: &[Hit]) {
    let g: Vec<(u64, u32)> = got.iter().map(|h| (h.id, h.distance.to_bits())).collect();
    let w: Vec<(u64, u32)> = want.iter().map(|h| (h.id, h.distance.to_bits())).collect();
    assert_eq!(g, w, "{context}: kiln {got:?} vs model {want:?}");
}

/// Check `c`'s filtered search for each query of `queries` (row-major) against the model:
/// exact mode is the model's filtered top 10 bit for bit; the default search returns as many
/// hits as the model, every one kept by `keep`, each one the model also ranks at its exact
/// distance (re-ranked), with mean recall@10 ≥ 0.95.
pub fn assert_filtered_search(
    context: &str,
    c: &kiln::Collection,
    model: &Model,
    queries: &[f32],
    filter: &kiln::Filter,
    keep: impl Fn(u64) -> bool,
) {
    use kiln::SearchOptions;
    let opts = SearchOptions::new(10).filter(filter.clone());
    let exact = c
        .search_batch(queries, &opts.clone().exact(true))
        .expect("exact");
    let default = c.search_batch(queries, &opts).expect("search");
    let mut total = 0.0;
    let queries: Vec<&[f32]> = queries.chunks_exact(c.dim()).collect();
    for (i, q) in queries.iter().enumerate() {
        let want = model.search_where(q, 10, &keep);
        assert_same_hits(&format!("{context}: query {i}"), &exact[i], &want);
        assert_eq!(default[i].len(), want.len(), "{context}: query {i}");
        for h in &default[i] {
            assert!(
                keep(h.id),
                "{context}: query {i} answered a row outside the filter"
            );
            if let Some(w) = want.iter().find(|w| w.id == h.id) {
                assert_eq!(h.distance, w.distance, "{context}: query {i}");
            }
        }
        let got: Vec<u64> = default[i].iter().map(|h| h.id).collect();
        let truth: Vec<u64> = want.iter().map(|h| h.id).collect();
        total += recall_at(10, &got, &truth);
    }
    let recall = total / queries.len().max(1) as f64;
    assert!(recall >= 0.95, "{context}: recall@10 {recall:.4}");
}

/// The deterministic workload of the crash tests: operation `i` of seed `s` is a pure function of
/// `(s, i)`, so a parent process can replay what its killed child acknowledged.
pub mod crash {
    use kiln::Collection;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::Model;

    pub const COLLECTION: &str = "crash";
    pub const DIM: usize = 8;
    pub const SEGMENT_ROWS: u32 = 64;
    pub const ID_SPACE: u64 = 600;

    /// Which workload: `Small` seals and merges tiny segments all the time; `Indexed` fills
    /// segments of 10,000 rows, so that IVF templates are trained, indexes built and indexed
    /// segments merged.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Profile {
        Small,
        Indexed,
        /// Segments of 1,000 rows with an explicit small IVF index and 3-way merges: seals,
        /// template training, index builds and merges every few operations (crash points).
        Failpoints,
    }

    impl Profile {
        pub fn parse(s: &str) -> Option<Self> {
            match s {
                "small" => Some(Profile::Small),
                "indexed" => Some(Profile::Indexed),
                "failpoints" => Some(Profile::Failpoints),
                _ => None,
            }
        }

        pub fn name(self) -> &'static str {
            match self {
                Profile::Small => "small",
                Profile::Indexed => "indexed",
                Profile::Failpoints => "failpoints",
            }
        }

        pub fn segment_rows(self) -> u32 {
            match self {
                Profile::Small => SEGMENT_ROWS,
                Profile::Indexed => 10_000,
                // At least kiln-index's MIN_INDEXED_ROWS, so sealed segments get index builds.
                Profile::Failpoints => 1_000,
            }
        }

        /// The collection's configuration: every profile has attribute fields, so that the
        /// crash tests also check that attributes are never lost or mixed between rows.
        pub fn config(self) -> kiln::CollectionConfig {
            let base = kiln::CollectionConfig::new(DIM, kiln::Metric::L2)
                .segment_rows(self.segment_rows())
                .field("id", kiln::FieldType::Int)
                .field("tag", kiln::FieldType::Keyword)
                .field("sum", kiln::FieldType::Float);
            match self {
                Profile::Small | Profile::Indexed => base,
                Profile::Failpoints => base
                    .index(kiln::IndexSpec::IvfFlat { nlist: 8 })
                    .merge_policy(kiln::MergePolicy {
                        // Three, so that segments wait for a third and get their own index builds.
                        merge_factor: 3,
                        floor_rows: 1_000,
                        max_segment_rows: 100_000,
                        deletes_ratio: 0.5,
                    }),
            }
        }

        pub fn id_space(self) -> u64 {
            match self {
                Profile::Small => ID_SPACE,
                Profile::Indexed => 60_000,
                Profile::Failpoints => 10_000,
            }
        }

        pub fn op(self, seed: u64, i: u64) -> Op {
            match self {
                Profile::Small => op(seed, i),
                Profile::Indexed => op_indexed(seed, i),
                Profile::Failpoints => op_failpoints(seed, i),
            }
        }
    }

    /// Operation `i` of the failpoints profile.
    pub fn op_failpoints(seed: u64, i: u64) -> Op {
        let rng = ChaCha8Rng::seed_from_u64(seed ^ i.wrapping_mul(0xA076_1D64_78BD_642F));
        batch_op(rng, Profile::Failpoints.id_space(), 150, 70, 90, 10)
    }

    /// Out of 100: below `upserts` an upsert batch of up to `batch` ids, below `deletes` a
    /// delete batch of `delete_n` ids, else a flush; ids drawn from `0..space`.
    fn batch_op(
        mut rng: ChaCha8Rng,
        space: u64,
        batch: usize,
        upserts: i32,
        deletes: i32,
        delete_n: usize,
    ) -> Op {
        let roll = rng.gen_range(0..100i32);
        if roll < upserts {
            let mut ids: Vec<u64> = (0..batch).map(|_| rng.gen_range(0..space)).collect();
            ids.sort_unstable();
            ids.dedup();
            let flat = (0..ids.len() * DIM)
                .map(|_| rng.gen_range(-8i32..=8) as f32)
                .collect();
            Op::UpsertBatch(ids, flat)
        } else if roll < deletes {
            Op::DeleteBatch((0..delete_n).map(|_| rng.gen_range(0..space)).collect())
        } else {
            Op::Flush
        }
    }

    /// The attributes every write of the crash workloads gives row `id` with vector `v`: its
    /// own id (so that attributes moved to another row show), a tag and the vector's sum (so
    /// that attributes paired with another version of the row show). Rows whose first
    /// component is negative carry no `tag`.
    pub fn payload_of(id: u64, v: &[f32]) -> kiln::Payload {
        let mut p = kiln::Payload::new()
            .set("id", id as i64)
            .set("sum", v.iter().map(|&x| f64::from(x)).sum::<f64>());
        if v.first().is_some_and(|&x| x >= 0.0) {
            p = p.set("tag", format!("t{}", id % 5));
        }
        p
    }

    /// Does the database hold exactly `model` (collection [`COLLECTION`])? `Err` describes the
    /// first difference.
    pub fn verify_state(
        db: &kiln::Database,
        model: &Model,
        profile: Profile,
    ) -> Result<(), String> {
        use kiln::SearchOptions;
        let coll = match db.collection(COLLECTION) {
            Ok(c) => c,
            Err(kiln::Error::CollectionNotFound { .. }) if model.is_empty() => return Ok(()),
            Err(e) => return Err(format!("collection: {e}")),
        };
        if coll.len() != model.len() {
            return Err(format!("len {} vs model {}", coll.len(), model.len()));
        }
        for id in 0..profile.id_space() {
            let got = coll.get(id).map_err(|e| format!("get {id}: {e}"))?;
            if got.as_ref() != model.rows.get(&id) {
                return Err(format!(
                    "id {id}: {got:?} vs model {:?}",
                    model.rows.get(&id)
                ));
            }
            let payload = coll
                .get_payload(id)
                .map_err(|e| format!("get_payload {id}: {e}"))?;
            let want = model.rows.get(&id).map(|v| payload_of(id, v));
            if payload != want {
                return Err(format!("id {id}: payload {payload:?} vs model {want:?}"));
            }
        }
        let tag = kiln::Filter::eq("tag", "t0");
        let tagged = model
            .rows
            .iter()
            .filter(|(&id, v)| id % 5 == 0 && v.first().is_some_and(|&x| x >= 0.0))
            .count();
        let count = coll.count(&tag).map_err(|e| format!("count: {e}"))?;
        if count != tagged {
            return Err(format!("count(tag = 't0') {count} vs model {tagged}"));
        }
        for q in [[0.5f32; DIM], [-1.0; DIM]] {
            let got = coll
                .search(&q, &SearchOptions::new(10).exact(true))
                .map_err(|e| format!("search: {e}"))?;
            coll.search(&q, &SearchOptions::new(10))
                .map_err(|e| format!("indexed search: {e}"))?;
            let want = model.search(&q, 10);
            let g: Vec<(u64, u32)> = got.iter().map(|h| (h.id, h.distance.to_bits())).collect();
            let w: Vec<(u64, u32)> = want.iter().map(|h| (h.id, h.distance.to_bits())).collect();
            if g != w {
                return Err(format!("search: {got:?} vs model {want:?}"));
            }
        }
        Ok(())
    }

    /// Operation `i` of the indexed profile: mostly batches of 1,000 upserts.
    pub fn op_indexed(seed: u64, i: u64) -> Op {
        let rng = ChaCha8Rng::seed_from_u64(seed ^ i.wrapping_mul(0xD1B5_4A32_D192_ED03));
        batch_op(rng, Profile::Indexed.id_space(), 1000, 80, 97, 20)
    }

    #[derive(Debug, Clone)]
    pub enum Op {
        Upsert(u64, Vec<f32>),
        UpsertBatch(Vec<u64>, Vec<f32>),
        DeleteBatch(Vec<u64>),
        Flush,
    }

    pub fn op(seed: u64, i: u64) -> Op {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let vec = |rng: &mut ChaCha8Rng| -> Vec<f32> {
            (0..DIM).map(|_| rng.gen_range(-4i32..=4) as f32).collect()
        };
        match rng.gen_range(0..100) {
            0..=29 => Op::Upsert(rng.gen_range(0..ID_SPACE), vec(&mut rng)),
            30..=79 => {
                let n = rng.gen_range(1..40);
                let mut ids: Vec<u64> = (0..n).map(|_| rng.gen_range(0..ID_SPACE)).collect();
                ids.sort_unstable();
                ids.dedup();
                let flat = ids.iter().flat_map(|_| vec(&mut rng)).collect();
                Op::UpsertBatch(ids, flat)
            }
            80..=97 => Op::DeleteBatch(
                (0..rng.gen_range(1..10))
                    .map(|_| rng.gen_range(0..ID_SPACE))
                    .collect(),
            ),
            _ => Op::Flush,
        }
    }

    pub fn apply_op(c: &Collection, op: &Op) -> kiln::Result<()> {
        match op {
            Op::Upsert(id, v) => c.upsert_with(*id, v, &payload_of(*id, v)),
            Op::UpsertBatch(ids, flat) => {
                let payloads: Vec<kiln::Payload> = ids
                    .iter()
                    .zip(flat.chunks_exact(DIM))
                    .map(|(id, v)| payload_of(*id, v))
                    .collect();
                c.upsert_batch_with(ids, flat, &payloads)
            }
            Op::DeleteBatch(ids) => c.delete_batch(ids).map(|_| ()),
            Op::Flush => c.flush(),
        }
    }

    pub fn apply_model(m: &mut Model, op: &Op) {
        match op {
            Op::Upsert(id, v) => m.upsert(*id, v),
            Op::UpsertBatch(ids, flat) => {
                for (id, v) in ids.iter().zip(flat.chunks_exact(DIM)) {
                    m.upsert(*id, v);
                }
            }
            Op::DeleteBatch(ids) => {
                for id in ids {
                    m.delete(*id);
                }
            }
            Op::Flush => {}
        }
    }
}

/// What the multi-process reader tests share between the `kiln-child` processes and the
/// checking test: a system-wide clock, the queries and probes of reader `r`'s observation `i`,
/// hashes of answers, and the observation line a reader prints.
pub mod follow {
    use kiln::Hit;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::crash::{DIM, ID_SPACE};
    use super::Model;

    /// Nanoseconds of `CLOCK_MONOTONIC`, which every process of the machine shares: a time
    /// taken in one process is comparable with one taken in another.
    pub fn now_ns() -> u64 {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
        (t.tv_sec as u64)
            .saturating_mul(1_000_000_000)
            .saturating_add(t.tv_nsec as u64)
    }

    /// Hits in a reader's full listing: every live row (the Small profile's id space).
    pub const ALL: usize = ID_SPACE as usize;
    /// Hits of the default (not exact) search.
    pub const TOP: usize = 10;

    /// The query of observation `i` of reader `r`.
    pub fn query(seed: u64, r: u64, i: u64) -> Vec<f32> {
        let mut rng = ChaCha8Rng::seed_from_u64(
            seed ^ r.rotate_left(32) ^ i.wrapping_mul(0x2545_F491_4F6C_DD1D),
        );
        (0..DIM)
            .map(|_| rng.gen_range(-40i32..=40) as f32 / 10.0)
            .collect()
    }

    /// The ids observation `i` of reader `r` reads with `get`.
    pub fn probes(seed: u64, r: u64, i: u64) -> [u64; 3] {
        let mut rng = ChaCha8Rng::seed_from_u64(
            !seed ^ r.rotate_left(16) ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        [(); 3].map(|_| rng.gen_range(0..ID_SPACE))
    }

    fn fnv(h: &mut u64, bytes: &[u8]) {
        for b in bytes {
            *h ^= u64::from(*b);
            *h = h.wrapping_mul(0x100_0000_01b3);
        }
    }

    /// A hash of an answer: ids and distance bits, in order.
    pub fn hash_hits(hits: &[Hit]) -> u64 {
        let mut h = 0xcbf2_9ce4_8422_2325;
        for x in hits {
            fnv(&mut h, &x.id.to_le_bytes());
            fnv(&mut h, &x.distance.to_bits().to_le_bytes());
        }
        h
    }

    /// A hash of a `get` answer.
    pub fn hash_vector(v: Option<&[f32]>) -> u64 {
        let mut h = 0xcbf2_9ce4_8422_2325;
        match v {
            None => fnv(&mut h, b"none"),
            Some(v) => {
                for x in v {
                    fnv(&mut h, &x.to_bits().to_le_bytes());
                }
            }
        }
        h
    }

    /// What a reader saw in one observation: `t0` before its refresh began, `t1` after it
    /// ended (both [`now_ns`]), then its answers.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Observation {
        pub reader: u64,
        pub i: u64,
        pub t0: u64,
        pub t1: u64,
        pub len: usize,
        /// `hash_hits` of the exact search of `query(.., i)` for [`ALL`] hits.
        pub all: u64,
        /// `hash_hits` of the default search of `query(.., i)` for [`TOP`] hits.
        pub top: u64,
        /// `hash_vector` of `get` of each of `probes(.., i)`.
        pub gets: [u64; 3],
    }

    impl Observation {
        /// The line a reader prints.
        pub fn line(&self) -> String {
            format!(
                "OBS {} {} {} {} {} {:x} {:x} {:x} {:x} {:x}",
                self.reader,
                self.i,
                self.t0,
                self.t1,
                self.len,
                self.all,
                self.top,
                self.gets[0],
                self.gets[1],
                self.gets[2]
            )
        }

        /// Parse a line printed by [`Observation::line`].
        pub fn parse(line: &str) -> Option<Observation> {
            let mut f = line.strip_prefix("OBS ")?.split(' ');
            let mut dec = || f.next()?.parse::<u64>().ok();
            let (reader, i, t0, t1, len) = (dec()?, dec()?, dec()?, dec()?, dec()?);
            let mut hex = || u64::from_str_radix(f.next()?, 16).ok();
            let (all, top, a, b, c) = (hex()?, hex()?, hex()?, hex()?, hex()?);
            Some(Observation {
                reader,
                i,
                t0,
                t1,
                len: usize::try_from(len).ok()?,
                all,
                top,
                gets: [a, b, c],
            })
        }

        /// Whether `model` gives exactly these answers.
        pub fn matches(&self, seed: u64, model: &Model) -> bool {
            let q = query(seed, self.reader, self.i);
            model.len() == self.len
                && hash_hits(&model.search(&q, ALL)) == self.all
                && hash_hits(&model.search(&q, TOP)) == self.top
                && probes(seed, self.reader, self.i)
                    .iter()
                    .zip(&self.gets)
                    .all(|(id, h)| hash_vector(model.rows.get(id).map(Vec::as_slice)) == *h)
        }
    }
}

pub mod faults;
pub mod fuzzing;
