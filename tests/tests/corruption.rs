//! Guards the checksum promise on segment files (docs/reliability.md T5/T6, CI tier): a flipped bit,
//! a truncation or a missing segment file gives `Corrupted` naming the file when the collection is
//! opened; Kiln never answers from damaged data and never panics; other collections stay usable;
//! restoring the file restores the collection.

use std::path::{Path, PathBuf};

use kiln::{CollectionConfig, Database, Error, Metric, SearchOptions};
use kiln_tests::{seeded_rng, TempDir};
use rand::Rng;

fn segment_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(colls) = std::fs::read_dir(root.join("collections")) else {
        return out;
    };
    for c in colls.flatten() {
        for f in std::fs::read_dir(c.path()).into_iter().flatten().flatten() {
            if f.path().extension().is_some_and(|e| e == "seg") {
                out.push(f.path());
            }
        }
    }
    out.sort();
    out
}

fn build(dir: &Path) -> PathBuf {
    let db = Database::open(dir).expect("open");
    let c = db
        .create_collection("victim", CollectionConfig::new(4, Metric::L2))
        .expect("create");
    let ids: Vec<u64> = (0..40).collect();
    let flat: Vec<f32> = (0..160).map(|i| i as f32 * 0.25).collect();
    c.insert_batch(&ids, &flat).expect("insert");
    c.flush().expect("flush");
    let other = db
        .create_collection("bystander", CollectionConfig::new(2, Metric::L2))
        .expect("create");
    other.insert(1, &[1.0, 2.0]).expect("insert");
    other.flush().expect("flush");
    drop((c, other, db));
    let files = segment_files(dir);
    assert_eq!(files.len(), 2, "{files:?}");
    files
        .into_iter()
        .next()
        .expect("victim's segment (lower collection id)")
}

fn expect_corrupted(dir: &Path, file: &Path, what: &str) {
    let db =
        Database::open(dir).unwrap_or_else(|e| panic!("{what}: the database must still open: {e}"));
    match db.collection("victim") {
        Err(Error::Corrupted { path, .. }) => assert_eq!(path, file, "{what}"),
        Err(other) => panic!("{what}: expected Corrupted, got {other}"),
        Ok(c) => panic!("{what}: damaged segment served {} rows", c.len()),
    }
    let b = db
        .collection("bystander")
        .expect("other collections stay usable");
    assert_eq!(b.get(1).expect("get"), Some(vec![1.0, 2.0]));
}

#[test]
fn bit_flips_are_detected() {
    let (mut rng, _) = seeded_rng("bit_flips_are_detected", 61);
    let dir = TempDir::new("flip");
    let file = build(dir.path());
    let good = std::fs::read(&file).expect("read");
    // Every byte of the header and footer, and a sample of the id and vector blocks.
    let mut offsets: Vec<usize> = (0..64).chain(good.len() - 24..good.len()).collect();
    offsets.extend((0..60).map(|_| rng.gen_range(64..good.len() - 24)));
    for &at in &offsets {
        let bit = rng.gen_range(0..8);
        let mut bad = good.clone();
        bad[at] ^= 1 << bit;
        std::fs::write(&file, &bad).expect("write");
        expect_corrupted(dir.path(), &file, &format!("bit {bit} of byte {at}"));
    }
    std::fs::write(&file, &good).expect("restore");
    let db = Database::open(dir.path()).expect("open");
    let c = db.collection("victim").expect("restored file verifies");
    assert_eq!(c.len(), 40);
    let hits = c
        .search(&[0.0, 0.25, 0.5, 0.75], &SearchOptions::new(1))
        .expect("search");
    assert_eq!(hits[0].id, 0);
    eprintln!(
        "bit flips: {} trials, {} detected",
        offsets.len(),
        offsets.len()
    );
}

#[test]
fn truncation_and_missing_files_are_detected() {
    let dir = TempDir::new("trunc");
    let file = build(dir.path());
    let good = std::fs::read(&file).expect("read");
    for cut in [
        0,
        1,
        63,
        64,
        65,
        good.len() / 2,
        good.len() - 25,
        good.len() - 24,
        good.len() - 1,
    ] {
        std::fs::write(&file, &good[..cut]).expect("write");
        expect_corrupted(dir.path(), &file, &format!("cut at {cut}"));
    }
    let mut longer = good.clone();
    longer.extend_from_slice(&[0; 8]);
    std::fs::write(&file, &longer).expect("write");
    expect_corrupted(dir.path(), &file, "appended bytes");
    std::fs::remove_file(&file).expect("remove");
    expect_corrupted(dir.path(), &file, "missing file");
}

#[test]
fn swapped_segment_files_are_detected() {
    let dir = TempDir::new("swap");
    let db = Database::open(dir.path()).expect("open");
    let c = db
        .create_collection(
            "victim",
            CollectionConfig::new(4, Metric::L2).segment_rows(10),
        )
        .expect("create");
    let ids: Vec<u64> = (0..20).collect();
    c.insert_batch(&ids, &vec![1.0; 80]).expect("insert");
    // Both full segments sealed before closing (a close does not wait for seals not yet started).
    c.flush().expect("flush");
    db.create_collection("bystander", CollectionConfig::new(2, Metric::L2))
        .expect("create")
        .insert(1, &[1.0, 2.0])
        .expect("insert");
    drop((c, db));
    let files = segment_files(dir.path());
    assert_eq!(files.len(), 2);
    // Same size, same shape, different segment: must not be accepted in the other's place.
    let a = std::fs::read(&files[0]).expect("read");
    std::fs::write(&files[1], &a).expect("write");
    expect_corrupted(dir.path(), &files[1], "swapped file");
}

#[test]
fn every_single_bit_flip_in_a_segment_file_is_detected() {
    // At the reader level, so that many flips are cheap: `KILN_FLIPS` (default 5,000) random
    // single-bit flips anywhere in a real segment file, each one must be refused.
    use kiln_storage::fs::OsFs;
    use kiln_storage::segment::{SegmentFileInfo, SegmentReader};
    let (mut rng, seed) = seeded_rng("segment_flips", 0xB17);
    let flips: usize = std::env::var("KILN_FLIPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5_000);
    let dir = TempDir::new("flips");
    let file = build(dir.path());
    let good = std::fs::read(&file).expect("read");
    let name = file.file_name().and_then(|n| n.to_str()).expect("name");
    let id = kiln_storage::segment::parse_segment_file_name(name).expect("segment id");
    let footer = good.len() - 24;
    let info = SegmentFileInfo {
        len: good.len() as u64,
        crc: u32::from_le_bytes(good[footer + 8..footer + 12].try_into().expect("crc")),
        rows: 40,
    };
    SegmentReader::open(&OsFs, &file, id, 4, &info).expect("the pristine file verifies");
    let scratch = dir.root().join("flip.seg");
    for i in 0..flips {
        let mut bad = good.clone();
        let at = rng.gen_range(0..bad.len());
        bad[at] ^= 1 << rng.gen_range(0..8);
        std::fs::write(&scratch, &bad).expect("write");
        assert!(
            SegmentReader::open(&OsFs, &scratch, id, 4, &info).is_err(),
            "flip {i} at byte {at} not detected (seed {seed})"
        );
    }
    eprintln!(
        "segment flips: {flips} single-bit flips over {} bytes, {flips} detected (100 %)",
        good.len()
    );
}
