//! Guards against damage to the catalog's own files (RocksDB's WAL, SSTs, MANIFEST, CURRENT)
//! and to derived files (docs/reliability.md T5/T6 for the files outside Kiln's file seam): after a
//! flipped bit or a truncation, opening and reading either fails with an error value, or
//! succeeds and every answer equals the model. A wrong answer or a panic fails the test.
//!
//! `KILN_CATALOG_TRIALS=n` runs more trials per file.

use std::path::{Path, PathBuf};

use kiln::{CollectionConfig, Database, DbOptions, Durability, Metric, SearchOptions};
use kiln_tests::{seeded_rng, Model, TempDir};
use rand::Rng;

const DIM: usize = 4;

fn build(dir: &Path) -> Model {
    let mut model = Model::new(Metric::L2, DIM);
    let db = Database::open_with(dir, DbOptions::new().durability(Durability::Sync)).expect("open");
    let c = db
        .create_collection(
            "c",
            CollectionConfig::new(DIM, Metric::L2).segment_rows(100),
        )
        .expect("create");
    for b in 0..5u64 {
        let ids: Vec<u64> = (b * 70..b * 70 + 70).collect();
        let flat: Vec<f32> = ids
            .iter()
            .flat_map(|&i| [i as f32, (i % 7) as f32, 1.0, -1.0])
            .collect();
        c.insert_batch(&ids, &flat).expect("insert");
        for (id, v) in ids.iter().zip(flat.chunks(DIM)) {
            model.upsert(*id, v);
        }
    }
    for id in (0..350).step_by(9) {
        c.delete(id).expect("delete");
        model.delete(id);
    }
    c.flush().expect("flush");
    // Some rows only in the log.
    for id in 400..420u64 {
        let v = [id as f32, 0.0, 0.0, 1.0];
        c.insert(id, &v).expect("insert");
        model.upsert(id, &v);
    }
    model
}

/// `Ok(true)`: opened and equal to the model; `Ok(false)`: an error was reported somewhere.
/// `Err`: a wrong answer.
fn check(dir: &Path, model: &Model) -> Result<bool, String> {
    let db = match Database::open(dir) {
        Ok(db) => db,
        Err(_) => return Ok(false),
    };
    let c = match db.collection("c") {
        Ok(c) => c,
        Err(_) => return Ok(false),
    };
    if c.len() != model.len() {
        return Err(format!("len {} vs {}", c.len(), model.len()));
    }
    for id in 0..420 {
        match c.get(id) {
            Ok(v) if v.as_ref() == model.rows.get(&id) => {}
            Ok(v) => return Err(format!("id {id}: {v:?} vs {:?}", model.rows.get(&id))),
            Err(_) => return Ok(false),
        }
    }
    let q = [100.0, 3.0, 1.0, -1.0];
    match c.search(&q, &SearchOptions::new(30).exact(true)) {
        Ok(hits) => {
            let want = model.search(&q, 30);
            let g: Vec<u64> = hits.iter().map(|h| h.id).collect();
            let w: Vec<u64> = want.iter().map(|h| h.id).collect();
            if g != w {
                return Err(format!("search {g:?} vs {w:?}"));
            }
        }
        Err(_) => return Ok(false),
    }
    Ok(true)
}

fn catalog_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("catalog"))
        .expect("catalog dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            n.ends_with(".log")
                || n.ends_with(".sst")
                || n.starts_with("MANIFEST")
                || n == "CURRENT"
        })
        .collect();
    files.sort();
    files
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let p = e.path();
        let t = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &t);
        } else if e.file_name() != "LOCK" {
            std::fs::copy(&p, &t).expect("copy");
        }
    }
}

#[test]
fn damaged_catalog_files_are_detected_or_harmless() {
    let (mut rng, seed) = seeded_rng("catalog_damage", 0xCA7);
    let trials: usize = std::env::var("KILN_CATALOG_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12);
    let pristine = TempDir::new("catalog-pristine");
    let model = build(pristine.path());
    assert_eq!(check(pristine.path(), &model), Ok(true));
    let files = catalog_files(pristine.path());
    assert!(
        files
            .iter()
            .any(|f| f.extension().is_some_and(|e| e == "log")),
        "{files:?}"
    );
    let (mut detected, mut harmless, mut total) = (0, 0, 0);
    for file in &files {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let len = std::fs::metadata(file).expect("meta").len() as usize;
        if len == 0 {
            continue;
        }
        for t in 0..trials {
            let work = TempDir::new("catalog-trial");
            copy_dir(pristine.path(), work.path());
            let target = work.path().join("catalog").join(&name);
            let mut bytes = std::fs::read(&target).expect("read");
            let what = if t % 4 == 3 {
                let cut = rng.gen_range(0..len);
                bytes.truncate(cut);
                format!("{name} truncated to {cut}")
            } else {
                let at = rng.gen_range(0..len);
                let bit = rng.gen_range(0..8);
                bytes[at] ^= 1 << bit;
                format!("{name} bit {bit} of byte {at}")
            };
            std::fs::write(&target, &bytes).expect("write");
            total += 1;
            match check(work.path(), &model) {
                Ok(true) => harmless += 1,
                Ok(false) => detected += 1,
                Err(wrong) => {
                    panic!("{what} (seed {seed}): wrong answer without an error: {wrong}")
                }
            }
        }
    }
    eprintln!("catalog damage: {total} trials over {} files: {detected} detected, {harmless} harmless, 0 wrong answers", files.len());
}
