//! End-to-end tests of the `kiln` command-line tool, through the built binary: create, import
//! (.fvecs, .bvecs, .npy), search, get, delete, stats, verify on a good and on a corrupted
//! directory, compact, bench, demo, attributes (fields, `import --attrs`, filtered search and
//! `--explain`, count, `delete --where`, add-field), and bad input, which must give one
//! `kiln: error:` line and a non-zero exit code, never a panic.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Run the tool with `args` (and `stdin`, if given).
fn kiln_with_stdin(args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kiln"));
    cmd.args(args)
        .env("OMP_WAIT_POLICY", "PASSIVE")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn kiln");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        pipe.write_all(text.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait for kiln");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked"),
        "kiln {args:?} panicked:\n{stderr}"
    );
    out
}

fn kiln(args: &[&str]) -> Output {
    kiln_with_stdin(args, None)
}

/// Run and expect success; return stdout.
fn ok(args: &[&str]) -> String {
    let out = kiln(args);
    assert!(
        out.status.success(),
        "kiln {args:?} failed with {:?}:\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 stdout")
}

/// Check that a failed run printed exactly one `kiln: error:` line on stderr and exited with
/// `code`; return that line.
fn expect_error(out: &Output, code: i32, context: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{context}: exit code; stderr:\n{stderr}"
    );
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{context}: one stderr line, got:\n{stderr}");
    assert!(
        lines[0].starts_with("kiln: error: "),
        "{context}: {}",
        lines[0]
    );
    lines[0].to_string()
}

fn err(args: &[&str], code: i32) -> String {
    let out = kiln(args);
    expect_error(&out, code, &format!("kiln {args:?}"))
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Seeded splitmix64: reproducible data without a dependency.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    fn float(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }

    fn vectors(&mut self, n: usize, dim: usize) -> Vec<f32> {
        (0..n * dim).map(|_| self.float()).collect()
    }
}

fn fvecs(dim: usize, data: &[f32]) -> Vec<u8> {
    let mut out = Vec::new();
    for row in data.chunks(dim) {
        out.extend_from_slice(&(dim as i32).to_le_bytes());
        for v in row {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

fn bvecs(dim: usize, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for row in data.chunks(dim) {
        out.extend_from_slice(&(dim as i32).to_le_bytes());
        out.extend_from_slice(row);
    }
    out
}

fn npy(descr: &str, shape: &str, data: &[f32]) -> Vec<u8> {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in data {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write test file");
    p
}

/// The `(rank, id, distance)` rows of a search table.
fn hits(stdout: &str) -> Vec<(usize, u64, f32)> {
    stdout
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            match f.as_slice() {
                [rank, id, dist] => {
                    Some((rank.parse().ok()?, id.parse().ok()?, dist.parse().ok()?))
                }
                _ => None,
            }
        })
        .collect()
}

fn csv(v: &[f32]) -> String {
    v.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The segment rows of a `stats` table: `(id, state, rows, index)`.
fn segments(stdout: &str) -> Vec<(String, String, usize, String)> {
    stdout
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 6 || f[0].len() != 16 || !f[0].chars().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            Some((
                f[0].to_string(),
                f[1].to_string(),
                f[2].replace(',', "").parse().ok()?,
                f[4].to_string(),
            ))
        })
        .collect()
}

const DIM: usize = 16;
const ROWS: usize = 3000;

/// A database with collection `docs` (L2, 16-d, 1,024-row segments, IVF-Flat with 16 lists)
/// holding `ROWS` seeded rows imported from an .fvecs file; returns the rows.
fn imported_db(db: &Path, tmp: &Path) -> Vec<f32> {
    let data = Rng(42).vectors(ROWS, DIM);
    let file = write(tmp, "base.fvecs", &fvecs(DIM, &data));
    let out = ok(&[
        "create",
        s(db),
        "docs",
        "--dim",
        "16",
        "--metric",
        "l2",
        "--segment-rows",
        "1024",
        "--index",
        "ivf-flat:16",
    ]);
    assert!(out.contains("created collection docs"), "{out}");
    let out = ok(&["import", s(db), "docs", s(&file)]);
    assert!(out.contains("imported 3,000 rows"), "{out}");
    assert!(out.contains("fully indexed"), "{out}");
    data
}

#[test]
fn create_import_search_get_delete_stats() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    let data = imported_db(&db, tmp.path());
    let row = |i: usize| &data[i * DIM..(i + 1) * DIM];

    // A stored vector finds itself first, at distance 0, by every way of giving a query.
    let out = ok(&[
        "search",
        s(&db),
        "docs",
        "--vector",
        &csv(row(1234)),
        "-k",
        "5",
    ]);
    let h = hits(&out);
    assert_eq!(h.len(), 5, "{out}");
    assert_eq!((h[0].0, h[0].1), (1, 1234), "{out}");
    assert!(h[0].2.abs() < 1e-5, "{out}");
    assert!(out.contains("hits from 3,000 live rows in"), "{out}");

    let queries = write(tmp.path(), "q.fvecs", &fvecs(DIM, &data[..20 * DIM]));
    let out = ok(&[
        "search",
        s(&db),
        "docs",
        "--file",
        s(&queries),
        "--row",
        "17",
        "--exact",
    ]);
    assert_eq!(hits(&out)[0].1, 17, "{out}");
    let spaced = row(99)
        .iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let out = kiln_with_stdin(&["search", s(&db), "docs", "--nprobe", "4"], Some(&spaced));
    assert!(out.status.success());
    assert_eq!(hits(&String::from_utf8_lossy(&out.stdout))[0].1, 99);
    let out = ok(&["search", s(&db), "docs", "--id", "7", "-k", "3"]);
    assert_eq!(hits(&out)[0].1, 7, "{out}");

    // get prints the stored vector exactly (L2 stores vectors as given).
    let out = ok(&["get", s(&db), "docs", "1234"]);
    let got: Vec<f32> = out
        .trim()
        .split(',')
        .map(|x| x.parse().expect("float"))
        .collect();
    assert_eq!(got, row(1234));

    let out = ok(&["delete", s(&db), "docs", "1234", "5", "999999"]);
    assert!(out.contains("deleted 2 of 3 ids"), "{out}");
    let line = err(&["get", s(&db), "docs", "1234"], 1);
    assert!(line.contains("not found"), "{line}");
    let out = ok(&[
        "search",
        s(&db),
        "docs",
        "--vector",
        &csv(row(1234)),
        "--exact",
    ]);
    assert!(hits(&out).iter().all(|h| h.1 != 1234), "{out}");

    let out = ok(&["stats", s(&db), "docs"]);
    assert!(out.contains("2,998 live rows"), "{out}");
    assert!(
        out.contains("segment") && out.contains("state") && out.contains("size"),
        "{out}"
    );
    let segs = segments(&out);
    let sealed: Vec<_> = segs.iter().filter(|g| g.1 == "sealed").collect();
    assert!(sealed.len() >= 2, "{out}");
    assert!(sealed.iter().any(|g| g.3 == "ivf-flat"), "{out}");
    assert_eq!(segs.iter().map(|g| g.2).sum::<usize>(), ROWS, "{out}");
    let out = ok(&["stats", s(&db)]);
    assert!(out.contains("collection docs"), "{out}");

    assert_eq!(ok(&["list", s(&db)]).trim(), "docs");
    ok(&["drop", s(&db), "docs"]);
    assert_eq!(ok(&["list", s(&db)]).trim(), "");
}

#[test]
fn imports_npy_and_bvecs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    ok(&["create", s(&db), "f", "--dim", "4", "--metric", "l2"]);
    ok(&["create", s(&db), "b", "--dim", "4", "--metric", "ip"]);

    let data = Rng(7).vectors(50, 4);
    let file = write(tmp.path(), "a.npy", &npy("<f4", "(50, 4)", &data));
    let out = ok(&[
        "import",
        s(&db),
        "f",
        s(&file),
        "--start-id",
        "100",
        "--batch",
        "7",
    ]);
    assert!(
        out.contains("imported 50 rows") && out.contains("ids 100..150"),
        "{out}"
    );
    let got = ok(&["get", s(&db), "f", "120"]);
    assert_eq!(got.trim(), csv(&data[20 * 4..21 * 4]));
    err(&["get", s(&db), "f", "99"], 1);

    let bytes: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37)).collect();
    let file = write(tmp.path(), "a.bvecs", &bvecs(4, &bytes));
    let out = ok(&["import", s(&db), "b", s(&file), "--limit", "6"]);
    assert!(out.contains("imported 6 rows"), "{out}");
    let got = ok(&["get", s(&db), "b", "3"]);
    let want: Vec<f32> = bytes[12..16].iter().map(|&b| f32::from(b)).collect();
    assert_eq!(got.trim(), csv(&want));
    // The same ids again fail without --upsert and replace with it.
    let line = err(&["import", s(&db), "b", s(&file)], 2);
    assert!(line.contains("already exists"), "{line}");
    ok(&["import", s(&db), "b", s(&file), "--upsert"]);
    let out = ok(&["stats", s(&db), "b"]);
    assert!(out.contains("10 live rows"), "{out}");
}

/// Flip one byte in the middle of the first file in `dir`'s collections ending in `ext`;
/// returns its path.
fn corrupt_first(db: &Path, ext: &str) -> PathBuf {
    let mut files = Vec::new();
    for coll in std::fs::read_dir(db.join("collections")).expect("collections dir") {
        for f in std::fs::read_dir(coll.expect("entry").path()).expect("collection dir") {
            let p = f.expect("entry").path();
            if p.extension().is_some_and(|e| e == ext) {
                files.push(p);
            }
        }
    }
    files.sort();
    let path = files
        .first()
        .cloned()
        .unwrap_or_else(|| panic!("no .{ext} file"));
    let mut bytes = std::fs::read(&path).expect("read");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x5a;
    std::fs::write(&path, bytes).expect("write");
    path
}

#[test]
fn verify_reports_good_and_corrupted_directories() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    imported_db(&db, tmp.path());
    let out = ok(&["verify", s(&db)]);
    assert!(out.contains("ok: no problems found"), "{out}");
    assert!(out.contains("checked 1 collection:"), "{out}");

    // A damaged index file is a problem, but a repairable one.
    let idx = corrupt_first(&db, "idx");
    let out = kiln(&["verify", s(&db)]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains(s(&idx)), "{stdout}");
    assert!(stdout.contains("repairable"), "{stdout}");

    // A damaged segment file is not.
    let tmp2 = tempfile::tempdir().expect("tempdir");
    let db2 = tmp2.path().join("db");
    imported_db(&db2, tmp2.path());
    let seg = corrupt_first(&db2, "seg");
    let out = kiln(&["verify", s(&db2)]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("1 problem found"), "{stdout}");
    assert!(stdout.contains(s(&seg)), "{stdout}");
    assert!(stdout.contains("NOT repairable"), "{stdout}");
    // Commands that load the collection refuse it with one clear line.
    let line = err(&["stats", s(&db2), "docs"], 2);
    assert!(line.contains("corrupted"), "{line}");

    // verify of something that is not a database is an error (2), not a verdict (1).
    err(&["verify", s(&tmp2.path().join("nothing"))], 2);
}

#[test]
fn compact_waits_for_background_work_and_prints_segments() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    ok(&[
        "create",
        s(&db),
        "docs",
        "--dim",
        "16",
        "--metric",
        "cosine",
        "--segment-rows",
        "1024",
        "--index",
        "ivf-flat:8",
    ]);
    let data = Rng(3).vectors(9 * 1024 + 100, DIM);
    let file = write(tmp.path(), "base.fvecs", &fvecs(DIM, &data));
    let out = ok(&["import", s(&db), "docs", s(&file), "--no-wait"]);
    assert!(out.contains("not waiting"), "{out}");

    let out = ok(&["compact", s(&db), "docs"]);
    assert!(out.contains("compacted docs"), "{out}");
    assert!(
        out.contains("0 rows to seal, 0 rows to index, 0 merges due, 0 jobs running"),
        "{out}"
    );
    let segs = segments(&out);
    assert!(!segs.is_empty(), "{out}");
    assert!(segs.iter().all(|g| g.1 != "frozen"), "{out}");
    assert_eq!(
        segs.iter().map(|g| g.2).sum::<usize>(),
        9 * 1024 + 100,
        "{out}"
    );
    // Everything that needs an index has one: every sealed segment of 1,000 rows or more.
    assert!(
        segs.iter()
            .filter(|g| g.1 == "sealed" && g.2 >= 1000)
            .all(|g| g.3 == "ivf-flat"),
        "{out}"
    );
    // Eight full segments are past the merge policy's factor: compaction merged them.
    assert!(segs.len() < 9, "{out}");
    ok(&["verify", s(&db)]);
}

#[test]
fn bench_compares_indexed_and_exact_search() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    let data = imported_db(&db, tmp.path());
    let out = ok(&["bench", s(&db), "docs", "--n", "20"]);
    assert!(out.contains("recall@10"), "{out}");
    assert!(out.contains("exact") && out.contains("nprobe 8"), "{out}");
    let queries = write(tmp.path(), "q.fvecs", &fvecs(DIM, &data[..30 * DIM]));
    let out = ok(&[
        "bench",
        s(&db),
        "docs",
        "--queries",
        s(&queries),
        "-k",
        "5",
        "--n",
        "10",
    ]);
    assert!(
        out.contains("10 queries from") && out.contains("recall@5"),
        "{out}"
    );
}

#[test]
fn demo_runs_end_to_end_on_a_small_synthetic_set() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("demo");
    let out = ok(&[
        "demo",
        "--dir",
        s(&dir),
        "--synthetic",
        "--rows",
        "5000",
        "--dim",
        "16",
        "--segment-rows",
        "1024",
        "--queries",
        "20",
    ]);
    for want in [
        "recall@10",
        "default (indexed)",
        "exact",
        "reopen to first answer",
        "fully indexed",
    ] {
        assert!(out.contains(want), "{want}: {out}");
    }
    // The demo refuses to wipe a directory that holds something else.
    let other = tmp.path().join("other");
    std::fs::create_dir_all(&other).expect("mkdir");
    std::fs::write(other.join("precious.txt"), b"keep me").expect("write");
    err(&["demo", "--dir", s(&other), "--rows", "10"], 2);
    assert!(other.join("precious.txt").exists());
}

#[test]
fn bad_input_gives_one_error_line_and_no_panic() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    ok(&["create", s(&db), "docs", "--dim", "8", "--metric", "l2"]);
    let t = tmp.path();

    // Missing file.
    let line = err(&["import", s(&db), "docs", s(&t.join("missing.fvecs"))], 2);
    assert!(line.contains("missing.fvecs"), "{line}");
    // Wrong dimension.
    let file = write(t, "five.fvecs", &fvecs(5, &[0.5; 15]));
    let line = err(&["import", s(&db), "docs", s(&file)], 2);
    assert!(
        line.contains("dimension 5") && line.contains("dimension 8"),
        "{line}"
    );
    // Truncated fvecs.
    let mut bytes = fvecs(8, &[0.25; 80]);
    bytes.truncate(bytes.len() - 3);
    let file = write(t, "short.fvecs", &bytes);
    let line = err(&["import", s(&db), "docs", s(&file)], 2);
    assert!(line.contains("truncated"), "{line}");
    // A row whose header says another dimension.
    let mut bytes = fvecs(8, &[0.25; 80]);
    bytes[3 * 36..3 * 36 + 4].copy_from_slice(&7i32.to_le_bytes());
    let file = write(t, "mixed.fvecs", &bytes);
    let line = err(&["import", s(&db), "docs", s(&file)], 2);
    assert!(line.contains("row 3 has dimension 7"), "{line}");
    // A huge dimension in the first header, an empty file, garbage, an unknown extension.
    let file = write(t, "huge.fvecs", &i32::MAX.to_le_bytes());
    err(&["import", s(&db), "docs", s(&file)], 2);
    let file = write(t, "empty.bvecs", b"");
    err(&["import", s(&db), "docs", s(&file)], 2);
    let file = write(t, "junk.npy", b"this is not numpy at all");
    err(&["import", s(&db), "docs", s(&file)], 2);
    let file = write(t, "a.csv", b"1,2,3");
    err(&["import", s(&db), "docs", s(&file)], 2);
    // npy of another dtype or shape.
    let file = write(t, "f8.npy", &npy("<f8", "(2, 8)", &[0.0; 32]));
    let line = err(&["import", s(&db), "docs", s(&file)], 2);
    assert!(line.contains("dtype"), "{line}");
    let file = write(t, "3d.npy", &npy("<f4", "(2, 2, 2)", &[0.0; 8]));
    err(&["import", s(&db), "docs", s(&file)], 2);
    // Non-finite values are refused by the engine, with the id.
    let mut vals = vec![0.5f32; 16];
    vals[9] = f32::NAN;
    let file = write(t, "nan.fvecs", &fvecs(8, &vals));
    let line = err(&["import", s(&db), "docs", s(&file)], 2);
    assert!(line.contains("id 1"), "{line}");
    // Nothing was imported by any of the failures above.
    let out = ok(&["stats", s(&db), "docs"]);
    assert!(out.contains("docs: 0 live rows"), "{out}");

    // Queries.
    err(&["search", s(&db), "docs", "--vector", "1,2,3"], 2);
    err(
        &["search", s(&db), "docs", "--vector", "1,2,x,4,5,6,7,8"],
        2,
    );
    let out = kiln_with_stdin(&["search", s(&db), "docs"], Some("not numbers"));
    expect_error(&out, 2, "stdin garbage");
    err(&["search", s(&db), "nope", "--vector", "1"], 2);
    err(
        &[
            "search",
            s(&db),
            "docs",
            "--file",
            s(&t.join("short.fvecs")),
        ],
        2,
    );

    // Databases and collections.
    err(&["stats", s(&t.join("no-such-db"))], 2);
    let line = err(&["list", s(t)], 2);
    assert!(line.contains("not a Kiln database"), "{line}");
    let line = err(
        &["create", s(&db), "docs", "--dim", "8", "--metric", "l2"],
        2,
    );
    assert!(line.contains("already exists"), "{line}");
    err(
        &["create", s(&db), "bad name", "--dim", "8", "--metric", "l2"],
        2,
    );
    err(&["create", s(&db), "x", "--dim", "0", "--metric", "l2"], 2);
    err(&["drop", s(&db), "nope"], 2);

    // Usage errors are one line too.
    err(&["create", s(&db), "x", "--dim", "8"], 2);
    err(
        &["create", s(&db), "x", "--dim", "8", "--metric", "hamming"],
        2,
    );
    err(
        &[
            "create",
            s(&db),
            "x",
            "--dim",
            "8",
            "--metric",
            "l2",
            "--index",
            "ivf:x",
        ],
        2,
    );
    err(&["frobnicate"], 2);
    assert!(kiln(&["--help"]).status.success());
}

#[test]
fn a_locked_database_is_reported_plainly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    ok(&["create", s(&db), "docs", "--dim", "4", "--metric", "l2"]);
    let held = kiln::Database::open(&db).expect("open in the test");
    // Commands that write need the directory.
    let line = err(&["delete", s(&db), "docs", "1"], 2);
    assert!(line.contains("locked"), "{line}");
    let line = err(&["checkpoint", s(&db), s(&tmp.path().join("copy"))], 2);
    assert!(line.contains("locked"), "{line}");
    drop(held);
    ok(&["stats", s(&db)]);
    ok(&["delete", s(&db), "docs", "1"]);
}

/// The commands that only read open the database read-only: they work while another process
/// (here the test itself) holds it open for writing, and see what it acknowledged.
#[test]
fn reading_commands_work_while_a_writer_holds_the_database() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    ok(&[
        "create",
        s(&db),
        "docs",
        "--dim",
        "4",
        "--metric",
        "l2",
        "--segment-rows",
        "1024",
    ]);
    let writer = kiln::Database::open(&db).expect("open in the test");
    let docs = writer.collection("docs").expect("collection");
    let ids: Vec<u64> = (0..3000).collect();
    let flat: Vec<f32> = (0..3000 * 4).map(|i| (i % 97) as f32).collect();
    docs.insert_batch(&ids, &flat).expect("insert");
    docs.flush().expect("flush");
    docs.insert(5000, &[100.0, 200.0, 300.0, 400.0])
        .expect("insert");

    assert_eq!(ok(&["count", s(&db), "docs"]).trim(), "3001");
    assert_eq!(
        ok(&["get", s(&db), "docs", "5000"]).trim(),
        "100,200,300,400"
    );
    let out = ok(&[
        "search",
        s(&db),
        "docs",
        "--vector",
        "100,200,300,400",
        "-k",
        "1",
    ]);
    assert!(out.contains("5000"), "{out}");
    let out = ok(&["stats", s(&db), "docs"]);
    assert!(out.contains("3,001 live rows"), "{out}");
    assert_eq!(ok(&["list", s(&db)]).trim(), "docs");
    let out = ok(&["verify", s(&db)]);
    assert!(out.contains("ok: no problems found"), "{out}");

    // The writer goes on; a new command sees it. Deletes too.
    docs.delete(5000).expect("delete");
    err(&["get", s(&db), "docs", "5000"], 1);
    assert_eq!(ok(&["count", s(&db), "docs"]).trim(), "3000");

    // A checkpoint taken by the writer opens on its own, and the CLI reads it.
    let copy = tmp.path().join("copy");
    writer.checkpoint(&copy).expect("checkpoint");
    docs.insert(6000, &[0.0, 0.0, 0.0, 1.0]).expect("insert");
    drop(docs);
    drop(writer);
    assert_eq!(ok(&["count", s(&copy), "docs"]).trim(), "3000");
    let out = ok(&["verify", s(&copy)]);
    assert!(out.contains("ok: no problems found"), "{out}");
    // And `kiln checkpoint` of a database nobody holds.
    let again = tmp.path().join("again");
    let out = ok(&["checkpoint", s(&db), s(&again)]);
    assert!(out.contains("linked"), "{out}");
    assert_eq!(ok(&["count", s(&again), "docs"]).trim(), "3001");
    err(&["checkpoint", s(&db), s(&again)], 2);
}

/// The attributes of row `i` in the attribute tests: `folder` (missing every 7th row), `year`
/// (null every 11th), `score`, `done`, `tags`; every 50th row has none at all.
fn row_attrs(i: usize) -> serde_json::Value {
    use serde_json::{json, Map, Value};
    if i.is_multiple_of(50) {
        return json!({});
    }
    let mut m = Map::new();
    if !i.is_multiple_of(7) {
        m.insert("folder".into(), json!(["work", "home", "misc"][i % 3]));
    }
    let year = if i.is_multiple_of(11) {
        Value::Null
    } else {
        json!(2000 + (i * 7) % 25)
    };
    m.insert("year".into(), year);
    m.insert("score".into(), json!((i % 100) as f64 / 4.0));
    m.insert("done".into(), json!(i.is_multiple_of(2)));
    m.insert("tags".into(), json!([format!("t{}", i % 5), "all"]));
    Value::Object(m)
}

/// `row_attrs` of rows `0..n`, one JSON object a line.
fn attrs_lines(n: usize) -> String {
    (0..n).map(|i| format!("{}\n", row_attrs(i))).collect()
}

/// `folder = 'work' AND year >= 2010 AND NOT done` on a payload (missing is null, and a
/// comparison on a null is false).
fn work_since_2010_not_done(p: &serde_json::Value) -> bool {
    p["folder"] == "work"
        && p["year"].as_i64().is_some_and(|y| y >= 2010)
        && p["done"] != serde_json::Value::Bool(true)
}

const WORK_FILTER: &str = "folder = 'work' AND year >= 2010 AND NOT done";

/// `kiln get` output: the vector and, if printed, the payload (nulls dropped, as the engine
/// drops them).
fn get_row(db: &Path, coll: &str, id: u64) -> (Vec<f32>, Option<serde_json::Value>) {
    let out = ok(&["get", s(db), coll, &id.to_string()]);
    let mut lines = out.lines();
    let v = lines
        .next()
        .expect("vector line")
        .split(',')
        .map(|x| x.parse().expect("float"))
        .collect();
    let p = lines
        .next()
        .map(|l| serde_json::from_str(l).expect("payload is JSON"));
    assert!(lines.next().is_none(), "{out}");
    (v, p)
}

/// A JSON object without its null members.
fn without_nulls(v: &serde_json::Value) -> serde_json::Value {
    let mut m = v.as_object().expect("object").clone();
    m.retain(|_, x| !x.is_null());
    serde_json::Value::Object(m)
}

/// The `(segment, live rows, matching rows)` rows of a `search --explain` plan table.
fn plan_rows(stdout: &str) -> Vec<(String, usize, usize, String)> {
    stdout
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 5 || f[0].len() != 16 || !f[0].chars().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            Some((
                f[0].to_string(),
                f[1].replace(',', "").parse().ok()?,
                f[2].replace(',', "").parse().ok()?,
                f[3..f.len() - 1].join(" "),
            ))
        })
        .collect()
}

const FIELDS: [&str; 10] = [
    "--field",
    "folder:keyword",
    "--field",
    "year:int",
    "--field",
    "score:float",
    "--field",
    "done:bool",
    "--field",
    "tags:keyword-list",
];

fn create_with_fields(db: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "create",
        s(db),
        "docs",
        "--dim",
        "16",
        "--metric",
        "l2",
        "--segment-rows",
        "1024",
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&FIELDS);
    ok(&args)
}

#[test]
fn attributes_import_filter_count_get_delete_and_add_field() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    let out = create_with_fields(&db, &["--index", "ivf-flat:16"]);
    assert!(
        out.contains("fields: folder keyword, year int, score float, done bool, tags keyword-list"),
        "{out}"
    );
    let data = Rng(42).vectors(ROWS, DIM);
    let row = |i: usize| &data[i * DIM..(i + 1) * DIM];
    let file = write(tmp.path(), "base.fvecs", &fvecs(DIM, &data));
    let attrs = write(tmp.path(), "rows.jsonl", attrs_lines(ROWS).as_bytes());
    let out = ok(&["import", s(&db), "docs", s(&file), "--attrs", s(&attrs)]);
    assert!(out.contains("imported 3,000 rows with attributes"), "{out}");

    let out = ok(&["stats", s(&db), "docs"]);
    assert!(
        out.contains(
            "fields:     folder keyword, year int, score float, done bool, tags keyword-list"
        ),
        "{out}"
    );

    // count, with and without a filter.
    assert_eq!(ok(&["count", s(&db), "docs"]).trim(), "3000");
    let want = (0..ROWS)
        .filter(|&i| work_since_2010_not_done(&row_attrs(i)))
        .count();
    assert!(want > 20, "the test filter should match a few rows: {want}");
    let got = ok(&["count", s(&db), "docs", "--filter", WORK_FILTER]);
    assert_eq!(got.trim(), want.to_string());
    let nulls = (0..ROWS)
        .filter(|&i| row_attrs(i)["year"].is_null())
        .count();
    let got = ok(&["count", s(&db), "docs", "--filter", "year IS NULL"]);
    assert_eq!(got.trim(), nulls.to_string());
    let got = ok(&["count", s(&db), "docs", "--filter", "tags CONTAINS 't3'"]);
    let t3 = (0..ROWS)
        .filter(|&i| !i.is_multiple_of(50) && i % 5 == 3)
        .count();
    assert_eq!(got.trim(), t3.to_string());

    // get prints the payload after the vector, in schema order; nothing for a row without one.
    let out = ok(&["get", s(&db), "docs", "1234"]);
    assert_eq!(
        out.lines().nth(1),
        Some(r#"{"folder":"home","year":2013,"score":8.5,"done":true,"tags":["t4","all"]}"#),
        "{out}"
    );
    for id in [1usize, 77, 121, 1234, 2999] {
        let (v, p) = get_row(&db, "docs", id as u64);
        assert_eq!(v, row(id));
        assert_eq!(p, Some(without_nulls(&row_attrs(id))), "id {id}");
    }
    let (v, p) = get_row(&db, "docs", 100);
    assert_eq!((v.as_slice(), p), (row(100), None));

    // A filtered search returns only matching rows; exact, it is the exact filtered top-k.
    let q = csv(row(1234));
    let out = ok(&[
        "search",
        s(&db),
        "docs",
        "--vector",
        &q,
        "-k",
        "15",
        "--filter",
        WORK_FILTER,
    ]);
    let h = hits(&out);
    assert_eq!(h.len(), 15, "{out}");
    assert!(
        out.contains(&format!(
            "hits from the {want} of 3,000 live rows that match the filter"
        )),
        "{out}"
    );
    for (_, id, _) in &h {
        let (_, p) = get_row(&db, "docs", *id);
        let p = p.unwrap_or_else(|| panic!("hit {id} has no payload"));
        assert!(work_since_2010_not_done(&p), "hit {id}: {p}");
    }
    let l2 = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f32>();
    let mut exact: Vec<(f32, usize)> = (0..ROWS)
        .filter(|&i| work_since_2010_not_done(&row_attrs(i)))
        .map(|i| (l2(row(i), row(1234)), i))
        .collect();
    exact.sort_by(|a, b| a.0.total_cmp(&b.0));
    let out = ok(&[
        "search",
        s(&db),
        "docs",
        "--vector",
        &q,
        "-k",
        "10",
        "--filter",
        WORK_FILTER,
        "--exact",
    ]);
    let got: Vec<u64> = hits(&out).iter().map(|h| h.1).collect();
    let want_ids: Vec<u64> = exact.iter().take(10).map(|e| e.1 as u64).collect();
    assert_eq!(got, want_ids, "{out}");

    // --explain adds the per-segment plan; its matching rows add up to the count.
    let out = ok(&[
        "search",
        s(&db),
        "docs",
        "--id",
        "1234",
        "--filter",
        WORK_FILTER,
        "--explain",
    ]);
    assert!(
        out.contains("live rows") && out.contains("matching") && out.contains("plan"),
        "{out}"
    );
    let plans = plan_rows(&out);
    assert!(!plans.is_empty(), "{out}");
    assert_eq!(plans.iter().map(|p| p.1).sum::<usize>(), ROWS, "{out}");
    assert_eq!(plans.iter().map(|p| p.2).sum::<usize>(), want, "{out}");
    assert!(
        plans.iter().all(|p| p.3.starts_with("exact scan")
            || p.3.starts_with("index")
            || p.3.starts_with("skipped")),
        "{out}"
    );
    // A filter nothing matches: no hits, no error.
    let out = ok(&[
        "search",
        s(&db),
        "docs",
        "--id",
        "1",
        "--filter",
        "year > 3000",
    ]);
    assert!(hits(&out).is_empty(), "{out}");
    assert!(out.contains("0 hits from the 0 of 3,000"), "{out}");

    // delete --where deletes exactly the matching rows.
    let done = (0..ROWS)
        .filter(|&i| row_attrs(i)["done"] == serde_json::Value::Bool(true))
        .count();
    let out = ok(&["delete", s(&db), "docs", "--where", "done"]);
    assert!(
        out.contains(&format!("deleted {} rows that match", table_count(done))),
        "{out}"
    );
    assert_eq!(
        ok(&["count", s(&db), "docs"]).trim(),
        (ROWS - done).to_string()
    );
    assert_eq!(
        ok(&["count", s(&db), "docs", "--filter", "done"]).trim(),
        "0"
    );
    err(&["get", s(&db), "docs", "1234"], 1);
    let (_, p) = get_row(&db, "docs", 1233);
    assert_eq!(p, Some(without_nulls(&row_attrs(1233))));

    // add-field: old rows have it null; new rows can set it.
    let out = ok(&["add-field", s(&db), "docs", "lang:keyword"]);
    assert!(out.contains("added field lang (keyword)"), "{out}");
    let out = ok(&["stats", s(&db), "docs"]);
    assert!(out.contains("tags keyword-list, lang keyword"), "{out}");
    let left = ROWS - done;
    let got = ok(&["count", s(&db), "docs", "--filter", "lang IS NULL"]);
    assert_eq!(got.trim(), left.to_string());
    let more = Rng(9).vectors(5, DIM);
    let file = write(tmp.path(), "more.fvecs", &fvecs(DIM, &more));
    let lines = "{\"lang\":\"en\",\"year\":1999}\n{\"lang\":\"de\"}\n{}\n{\"lang\":null}\n\
                 {\"lang\":\"en\",\"tags\":[]}\n";
    let attrs = write(tmp.path(), "more.jsonl", lines.as_bytes());
    ok(&[
        "import",
        s(&db),
        "docs",
        s(&file),
        "--attrs",
        s(&attrs),
        "--start-id",
        "10000",
    ]);
    let got = ok(&["count", s(&db), "docs", "--filter", "lang = 'en'"]);
    assert_eq!(got.trim(), "2");
    let out = ok(&["get", s(&db), "docs", "10000"]);
    assert_eq!(
        out.lines().nth(1),
        Some(r#"{"year":1999,"lang":"en"}"#),
        "{out}"
    );
    let out = ok(&["get", s(&db), "docs", "10004"]);
    assert_eq!(
        out.lines().nth(1),
        Some(r#"{"tags":[],"lang":"en"}"#),
        "{out}"
    );
    assert_eq!(ok(&["get", s(&db), "docs", "10002"]).lines().count(), 1);
}

/// `n` with thousands separators, as the tool prints counts.
fn table_count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn import_attrs_respects_limit_start_id_and_upsert() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    create_with_fields(&db, &[]);
    let data = Rng(5).vectors(40, DIM);
    let file = write(tmp.path(), "v.fvecs", &fvecs(DIM, &data));
    // --limit takes a prefix: the attributes file may have a line per imported vector or a
    // line per vector of the whole file.
    let whole = write(tmp.path(), "whole.jsonl", attrs_lines(40).as_bytes());
    let prefix = write(tmp.path(), "prefix.jsonl", attrs_lines(10).as_bytes());
    let out = ok(&[
        "import",
        s(&db),
        "docs",
        s(&file),
        "--attrs",
        s(&whole),
        "--limit",
        "10",
        "--start-id",
        "500",
        "--batch",
        "3",
    ]);
    assert!(out.contains("imported 10 rows with attributes"), "{out}");
    assert!(out.contains("ids 500..510"), "{out}");
    let (_, p) = get_row(&db, "docs", 507);
    assert_eq!(p, Some(without_nulls(&row_attrs(7))));
    // --upsert replaces the rows and their attributes.
    let other: String = (0..10)
        .map(|i| format!("{{\"year\":{}}}\n", 3000 + i))
        .collect();
    let other = write(tmp.path(), "other.jsonl", other.as_bytes());
    ok(&[
        "import",
        s(&db),
        "docs",
        s(&file),
        "--attrs",
        s(&other),
        "--limit",
        "10",
        "--start-id",
        "500",
        "--upsert",
    ]);
    let (_, p) = get_row(&db, "docs", 507);
    assert_eq!(p, Some(serde_json::json!({"year": 3007})));
    ok(&[
        "import",
        s(&db),
        "docs",
        s(&file),
        "--attrs",
        s(&prefix),
        "--limit",
        "10",
    ]);
    assert_eq!(ok(&["count", s(&db), "docs"]).trim(), "20");
    assert_eq!(
        ok(&["count", s(&db), "docs", "--filter", "year >= 3000"]).trim(),
        "10"
    );
    // Without --attrs, rows have no attributes.
    ok(&[
        "import",
        s(&db),
        "docs",
        s(&file),
        "--start-id",
        "1000",
        "--limit",
        "1",
    ]);
    assert_eq!(ok(&["get", s(&db), "docs", "1000"]).lines().count(), 1);
}

#[test]
fn bad_attribute_input_gives_one_error_line_and_changes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    let db = t.join("db");
    create_with_fields(&db, &[]);
    let data = Rng(11).vectors(200, DIM);
    let file = write(t, "v.fvecs", &fvecs(DIM, &data));
    let first = write(t, "first.jsonl", attrs_lines(100).as_bytes());
    ok(&[
        "import",
        s(&db),
        "docs",
        s(&file),
        "--attrs",
        s(&first),
        "--limit",
        "100",
    ]);
    let before = |db: &Path| {
        (
            ok(&["count", s(db), "docs"]),
            ok(&["count", s(db), "docs", "--filter", "year >= 2010"]),
            ok(&["get", s(db), "docs", "42"]),
            ok(&["list", s(db)]),
        )
    };
    let snapshot = before(&db);

    // Filters: an unknown field, a type mismatch, a parse error with its position.
    for cmd in [
        &["search", s(&db), "docs", "--id", "1", "--filter"][..],
        &["count", s(&db), "docs", "--filter"][..],
        &["delete", s(&db), "docs", "--where"][..],
    ] {
        let run = |text: &str| {
            let mut args = cmd.to_vec();
            args.push(text);
            err(&args, 2)
        };
        let line = run("color = 'red'");
        assert!(
            line.contains("unknown field `color`") && line.contains("folder keyword"),
            "{line}"
        );
        let line = run("year = 'x'");
        assert!(line.contains("field `year`"), "{line}");
        let line = run("tags > 3");
        assert!(line.contains("field `tags`"), "{line}");
        let line = run("year >> 2010");
        assert!(line.contains("at byte 6"), "{line}");
        assert!(line.contains("year >> 2010"), "{line}");
        run("(year = 1");
        run("");
    }

    // JSON lines: a type mismatch, an unknown field, bad JSON, a non-object, an empty line,
    // a bad list element; every error names the line.
    let mut lines: Vec<String> = (0..100)
        .map(|i| row_attrs(i).to_string())
        .collect::<Vec<_>>();
    let cases = [
        (41, r#"{"year": 2.5}"#, "line 42: field `year` is int"),
        (41, r#"{"year": "2020"}"#, "line 42: field `year` is int"),
        (7, r#"{"done": "yes"}"#, "line 8: field `done` is bool"),
        (0, r#"{"color": "red"}"#, "line 1: unknown field \"color\""),
        (99, r#"{"year": 3"#, "line 100: invalid JSON"),
        (5, r#"[1, 2]"#, "line 6: expected a JSON object"),
        (5, "", "line 6: the line is empty"),
        (
            9,
            r#"{"tags": ["a", 7]}"#,
            "line 10: field `tags` is keyword-list",
        ),
        (
            9,
            r#"{"tags": "a"}"#,
            "line 10: field `tags` is keyword-list",
        ),
    ];
    for (i, (at, text, want)) in cases.iter().enumerate() {
        let saved = std::mem::replace(&mut lines[*at], text.to_string());
        let path = write(
            t,
            &format!("bad{i}.jsonl"),
            (lines.join("\n") + "\n").as_bytes(),
        );
        lines[*at] = saved;
        let line = err(
            &[
                "import",
                s(&db),
                "docs",
                s(&file),
                "--attrs",
                s(&path),
                "--limit",
                "100",
                "--start-id",
                "1000",
            ],
            2,
        );
        assert!(line.contains(want), "{want}: {line}");
        assert!(line.contains(&format!("bad{i}.jsonl")), "{line}");
    }
    // Line counts that do not match the vectors.
    let short = write(t, "short.jsonl", attrs_lines(199).as_bytes());
    let line = err(
        &[
            "import",
            s(&db),
            "docs",
            s(&file),
            "--attrs",
            s(&short),
            "--start-id",
            "1000",
        ],
        2,
    );
    assert!(
        line.contains("199 lines") && line.contains("200 vectors"),
        "{line}"
    );
    let line = err(
        &[
            "import",
            s(&db),
            "docs",
            s(&file),
            "--attrs",
            s(&short),
            "--start-id",
            "1000",
            "--limit",
            "50",
        ],
        2,
    );
    assert!(line.contains("50 of the 200 vectors"), "{line}");
    let long = write(t, "long.jsonl", attrs_lines(201).as_bytes());
    err(
        &[
            "import",
            s(&db),
            "docs",
            s(&file),
            "--attrs",
            s(&long),
            "--start-id",
            "1000",
        ],
        2,
    );
    err(
        &[
            "import",
            s(&db),
            "docs",
            s(&file),
            "--attrs",
            s(&t.join("missing.jsonl")),
        ],
        2,
    );

    // Fields: bad specs, bad names, a field that exists.
    for bad in ["year", "year:string", ":int", "year:"] {
        err(
            &[
                "create",
                s(&db),
                "x",
                "--dim",
                "4",
                "--metric",
                "l2",
                "--field",
                bad,
            ],
            2,
        );
    }
    let line = err(
        &[
            "create",
            s(&db),
            "x",
            "--dim",
            "4",
            "--metric",
            "l2",
            "--field",
            "9lives:int",
        ],
        2,
    );
    assert!(line.contains("9lives"), "{line}");
    let line = err(
        &[
            "create",
            s(&db),
            "x",
            "--dim",
            "4",
            "--metric",
            "l2",
            "--field",
            "a:int",
            "--field",
            "a:float",
        ],
        2,
    );
    assert!(line.contains("`a`"), "{line}");
    let line = err(&["add-field", s(&db), "docs", "year:float"], 2);
    assert!(line.contains("year"), "{line}");
    err(&["add-field", s(&db), "docs", "and:int"], 2);
    err(&["add-field", s(&db), "docs", "x:text"], 2);
    err(&["add-field", s(&db), "nope", "x:int"], 2);
    // delete needs ids or --where, not both.
    err(&["delete", s(&db), "docs"], 2);
    err(&["delete", s(&db), "docs", "1", "--where", "done"], 2);

    assert_eq!(before(&db), snapshot);
    let out = ok(&["stats", s(&db), "docs"]);
    assert!(
        out.contains(
            "fields:     folder keyword, year int, score float, done bool, tags keyword-list\n"
        ),
        "{out}"
    );
}
