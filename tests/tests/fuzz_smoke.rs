//! Guards every decoder of bytes from disk against arbitrary input (docs/reliability.md T12, CI
//! tier): seeded mutations (bit flips, byte changes, truncations, extensions, splices) of valid
//! files, fed to the same entry points the cargo-fuzz targets in `fuzz/` use. A panic or an
//! abort fails the test. Valid files must still be accepted.
//!
//! `KILN_FUZZ_ITERS=n` runs more iterations per target; the coverage-guided campaign is
//! `cargo +nightly fuzz run <target>` in `fuzz/` (see the README).

use kiln::{CollectionConfig, Database, IndexSpec, Metric};
use kiln_tests::fuzzing;
use kiln_tests::{seeded_rng, TempDir};
use rand::Rng;

fn iters(default: usize) -> usize {
    std::env::var("KILN_FUZZ_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn mutate(rng: &mut impl Rng, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..rng.gen_range(1..4) {
        match rng.gen_range(0..6) {
            0 | 1 if !b.is_empty() => {
                let i = rng.gen_range(0..b.len());
                b[i] ^= 1 << rng.gen_range(0..8);
            }
            2 if !b.is_empty() => {
                let i = rng.gen_range(0..b.len());
                b[i] = rng.gen();
            }
            3 if !b.is_empty() => {
                let n = rng.gen_range(0..b.len());
                b.truncate(n);
            }
            4 => {
                let n = rng.gen_range(1..64);
                b.extend((0..n).map(|_| rng.gen::<u8>()));
            }
            _ if b.len() > 8 => {
                // Splice: copy a run of bytes elsewhere (lengths and offsets from other fields).
                let from = rng.gen_range(0..b.len() - 8);
                let to = rng.gen_range(0..b.len() - 8);
                let run: Vec<u8> = b[from..from + 8].to_vec();
                b[to..to + 8].copy_from_slice(&run);
            }
            _ => {}
        }
    }
    b
}

/// Valid files of every kind, from a small database with an explicit IVF index.
fn corpus() -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
    let dir = TempDir::new("fuzz-corpus");
    {
        let db = Database::open(dir.path()).expect("open");
        let c = db
            .create_collection(
                "c",
                CollectionConfig::new(8, Metric::L2)
                    .segment_rows(1_200)
                    .index(IndexSpec::IvfFlat { nlist: 8 }),
            )
            .expect("create");
        let ids: Vec<u64> = (0..1_200).collect();
        let flat: Vec<f32> = (0..1_200 * 8).map(|i| ((i * 31) % 17) as f32).collect();
        c.insert_batch(&ids, &flat).expect("insert");
        c.compact().expect("compact");
    }
    let mut seg = Vec::new();
    let mut idx = Vec::new();
    let mut tpl = Vec::new();
    for c in std::fs::read_dir(dir.path().join("collections"))
        .expect("dir")
        .flatten()
    {
        for f in std::fs::read_dir(c.path()).expect("dir").flatten() {
            let p = f.path();
            let bytes = std::fs::read(&p).expect("read");
            match p.extension().and_then(|e| e.to_str()) {
                Some("seg") => seg = bytes,
                Some("idx") => idx = bytes,
                Some("tpl") => tpl = bytes,
                _ => {}
            }
        }
    }
    let mark = std::fs::read(dir.path().join("CATALOG-SEQ")).expect("watermark");
    assert!(!seg.is_empty() && !idx.is_empty() && !tpl.is_empty());
    // `KILN_WRITE_FUZZ_CORPUS=<fuzz/corpus>` seeds the cargo-fuzz corpora with these files.
    if let Some(root) = std::env::var_os("KILN_WRITE_FUZZ_CORPUS") {
        let root = std::path::PathBuf::from(root);
        let attrs = fuzzing::attribute_seed();
        let lists = fuzzing::row_lists_seed();
        let seeds: [(&str, &[u8]); 9] = [
            ("segment_file", &seg),
            ("segment_file_repaired", &seg[..seg.len() - 24]),
            ("index_file", &idx),
            ("template_file", &tpl),
            ("watermark_file", &mark),
            ("catalog_values", b"{\"id\":1,\"state\":\"Growing\"}"),
            ("damaged_directory", &[0, 1, 0, 0, 0, 1]),
            ("attribute_bytes", &attrs),
            ("row_lists", &lists),
        ];
        for (target, bytes) in seeds {
            let d = root.join(target);
            std::fs::create_dir_all(&d).expect("mkdir");
            std::fs::write(d.join("seed"), bytes).expect("write seed");
        }
    }
    (seg, idx, tpl, mark)
}

fn run(name: &str, seed_bytes: &[u8], n: usize, target: fn(&[u8]) -> bool) {
    let (mut rng, _) = seeded_rng(&format!("fuzz {name}"), 0xF022 ^ name.len() as u64);
    let mut accepted = 0;
    for _ in 0..n {
        let input = mutate(&mut rng, seed_bytes);
        if target(&input) {
            accepted += 1;
        }
    }
    eprintln!("fuzz {name}: {n} inputs, {accepted} accepted, 0 crashes");
}

#[test]
fn decoders_survive_mutated_files() {
    let (seg, idx, tpl, mark) = corpus();
    assert!(
        fuzzing::segment_file(&seg),
        "a valid segment file is accepted"
    );
    assert!(
        fuzzing::watermark_file(&mark),
        "a valid watermark is accepted"
    );
    assert!(fuzzing::template_file(&tpl), "a valid template is accepted");
    run("segment", &seg, iters(2000), fuzzing::segment_file);
    let body = &seg[..seg.len() - 24];
    run(
        "segment (checksum repaired)",
        body,
        iters(2000),
        fuzzing::segment_file_repaired,
    );
    run("index", &idx, iters(300), fuzzing::index_file);
    run("template", &tpl, iters(500), fuzzing::template_file);
    run("watermark", &mark, iters(2000), fuzzing::watermark_file);
    run(
        "catalog values",
        b"{\"id\":1,\"state\":\"Growing\"}",
        iters(3000),
        fuzzing::catalog_values,
    );
    let attrs = fuzzing::attribute_seed();
    assert!(attrs.len() > 100, "the attribute seed was built");
    run(
        "attribute bytes",
        &attrs,
        iters(3000),
        fuzzing::attribute_bytes,
    );
    let lists = fuzzing::row_lists_seed();
    assert!(fuzzing::row_lists(&lists), "valid row lists are accepted");
    run("row lists", &lists, iters(2000), fuzzing::row_lists);
    run(
        "row lists (checksum repaired)",
        &lists[..lists.len() - 4],
        iters(2000),
        fuzzing::row_lists_repaired,
    );
}

#[test]
fn damaged_directories_open_or_fail_cleanly() {
    let (mut rng, _) = seeded_rng("fuzz directory", 0xD1);
    let n = iters(60);
    let mut ok = 0;
    for _ in 0..n {
        let len = 6 * rng.gen_range(1..4);
        let input: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        if fuzzing::damaged_directory(&input) {
            ok += 1;
        }
    }
    eprintln!(
        "fuzz directory: {n} damaged copies, {ok} served, {} refused, 0 crashes",
        n - ok
    );
}
