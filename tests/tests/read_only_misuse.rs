//! A read-only database refuses every write, DDL call, flush, compact and checkpoint with
//! `Error::ReadOnly`, whatever the arguments, and changes nothing: the directory's files are
//! the same afterwards, byte for byte. It never creates a database, takes no lock (a writer
//! opens beside it, and a second writer is still refused with `Locked`), and reads as the
//! writer does.

use std::collections::BTreeMap;
use std::path::Path;

use kiln::{
    CollectionConfig, Database, DbOptions, Error, FieldType, Filter, Metric, Payload, SearchOptions,
};
use kiln_tests::{assert_same_hits, seeded_rng, Model, TempDir};
use rand::Rng;

const DIM: usize = 6;

/// Every file under `dir` with its length and content checksum.
fn files(dir: &Path) -> BTreeMap<String, (u64, u32)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let e = e.expect("entry");
            let p = e.path();
            if e.file_type().expect("type").is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).expect("read");
                let name = p
                    .strip_prefix(dir)
                    .expect("under dir")
                    .display()
                    .to_string();
                out.insert(name, (bytes.len() as u64, crc32fast::hash(&bytes)));
            }
        }
    }
    out
}

fn is_read_only<T: std::fmt::Debug>(what: &str, r: kiln::Result<T>) {
    match r {
        Err(Error::ReadOnly) => {}
        other => panic!("{what}: expected ReadOnly, got {other:?}"),
    }
}

#[test]
fn every_write_is_refused_and_nothing_changes() {
    let (mut rng, _) = seeded_rng("read_only_misuse", 0x2EAD);
    let dir = TempDir::new("ro-misuse");
    let mut model = Model::new(Metric::L2, DIM);
    {
        let db = Database::open(dir.path()).expect("open");
        let c = db
            .create_collection(
                "docs",
                CollectionConfig::new(DIM, Metric::L2)
                    .segment_rows(100)
                    .field("tag", FieldType::Keyword),
            )
            .expect("create");
        for id in 0..350u64 {
            let v: Vec<f32> = (0..DIM).map(|_| rng.gen_range(-1.0f32..1.0)).collect();
            c.insert_with(id, &v, &Payload::new().set("tag", format!("t{}", id % 3)))
                .expect("insert");
            model.upsert(id, &v);
        }
        for id in (0..350u64).step_by(7) {
            c.delete(id).expect("delete");
            model.delete(id);
        }
        c.flush().expect("flush");
        c.wait_for_indexing().expect("background");
    }
    let before = files(dir.path());

    let db = Database::open_read_only(dir.path()).expect("open read-only");
    assert!(db.is_read_only());
    let c = db.collection("docs").expect("collection");
    let v = vec![0.5f32; DIM];
    let bad = vec![f32::NAN; DIM + 1];
    let p = Payload::new().set("tag", "x");
    is_read_only("insert", c.insert(1_000, &v));
    is_read_only("insert of a bad vector", c.insert(1_000, &bad));
    is_read_only("insert of a live id", c.insert(1, &v));
    is_read_only("upsert", c.upsert(1, &v));
    is_read_only(
        "insert_batch",
        c.insert_batch(&[1_001, 1_002], &[v.clone(), v.clone()].concat()),
    );
    is_read_only("insert_batch (empty)", c.insert_batch(&[], &[]));
    is_read_only(
        "upsert_batch",
        c.upsert_batch(&[1, 2], &[v.clone(), v.clone()].concat()),
    );
    is_read_only("insert_with", c.insert_with(1_003, &v, &p));
    is_read_only("upsert_with", c.upsert_with(1, &v, &p));
    is_read_only(
        "insert_batch_with",
        c.insert_batch_with(&[1_004], &v, std::slice::from_ref(&p)),
    );
    is_read_only(
        "upsert_batch_with",
        c.upsert_batch_with(&[1], &v, std::slice::from_ref(&p)),
    );
    is_read_only("delete", c.delete(1));
    is_read_only("delete of an unknown id", c.delete(99_999));
    is_read_only("delete_batch", c.delete_batch(&[1, 2, 3]));
    is_read_only("delete_batch (empty)", c.delete_batch(&[]));
    is_read_only("update_payload", c.update_payload(1, &p));
    is_read_only("add_field", c.add_field("year", FieldType::Int));
    is_read_only("delete_where", c.delete_where(&Filter::eq("tag", "t1")));
    is_read_only("flush", c.flush());
    is_read_only("compact", c.compact());
    is_read_only(
        "create_collection",
        db.create_collection("other", CollectionConfig::new(DIM, Metric::L2)),
    );
    is_read_only(
        "create_collection with a bad name",
        db.create_collection("../x", CollectionConfig::new(DIM, Metric::L2)),
    );
    is_read_only("drop_collection", db.drop_collection("docs"));
    let dest = dir.root().join("copy");
    is_read_only("checkpoint", db.checkpoint(&dest));
    assert!(!dest.exists(), "a refused checkpoint leaves nothing");
    // Not a write: nothing to wait for in a reader.
    c.wait_for_indexing().expect("wait_for_indexing");

    // Reads answer as the writer's would.
    assert_eq!(c.len(), model.len());
    assert_eq!(
        db.list_collections().expect("list"),
        vec!["docs".to_string()]
    );
    for id in [0u64, 1, 7, 8, 349, 350] {
        assert_eq!(
            c.get(id).expect("get"),
            model.rows.get(&id).cloned(),
            "id {id}"
        );
    }
    assert_eq!(
        c.get_payload(1).expect("payload"),
        Some(Payload::new().set("tag", "t1"))
    );
    assert_eq!(c.count(&Filter::eq("tag", "t1")).expect("count"), {
        model.rows.keys().filter(|id| *id % 3 == 1).count()
    });
    for _ in 0..5 {
        let q: Vec<f32> = (0..DIM).map(|_| rng.gen_range(-1.0f32..1.0)).collect();
        let opts = SearchOptions::new(15).exact(true);
        assert_same_hits(
            "search",
            &c.search(&q, &opts).expect("search"),
            &model.search(&q, 15),
        );
        let batch = c
            .search_batch(&[q.clone(), q.clone()].concat(), &opts)
            .expect("search_batch");
        assert_eq!(batch.len(), 2);
        assert_same_hits("search_batch", &batch[1], &model.search(&q, 15));
        c.explain(&q, &opts).expect("explain");
    }
    let stats = c.stats();
    assert_eq!(stats.rows, model.len());
    assert_eq!(c.fields().len(), 1);
    assert!(db.verify().expect("verify").is_ok());
    assert!(
        !db.refresh().expect("refresh"),
        "nothing new without a writer"
    );
    drop(c);
    drop(db);
    assert_eq!(
        files(dir.path()),
        before,
        "a read-only database must not change the directory"
    );
}

#[test]
fn never_creates_and_takes_no_lock() {
    let dir = TempDir::new("ro-lock");
    match Database::open_read_only(dir.path()) {
        Err(Error::DatabaseNotFound { .. }) => {}
        other => panic!("expected DatabaseNotFound, got {other:?}"),
    }
    assert!(
        !dir.path().exists(),
        "open_read_only never creates a directory"
    );
    drop(Database::open(dir.path()).expect("create"));

    // Readers first, then a writer: it opens. A second writer is still refused.
    let r1 = Database::open_read_only(dir.path()).expect("reader");
    let r2 = Database::open_read_only_with(dir.path(), DbOptions::new()).expect("reader");
    let w = Database::open(dir.path()).expect("a writer opens beside readers");
    assert!(!w.is_read_only());
    assert!(matches!(
        Database::open(dir.path()),
        Err(Error::Locked { .. })
    ));
    let c = w
        .create_collection("c", CollectionConfig::new(2, Metric::L2))
        .expect("create");
    c.insert(1, &[1.0, 2.0]).expect("insert");
    // A writer's refresh is a no-op.
    assert!(!w.refresh().expect("refresh"));
    assert!(matches!(
        r1.collection("c"),
        Err(Error::CollectionNotFound { .. })
    ));
    assert!(r1.refresh().expect("refresh"));
    assert_eq!(
        r1.collection("c").expect("c").get(1).expect("get"),
        Some(vec![1.0, 2.0])
    );
    drop(c);
    drop(w);
    // The writer closed; readers still read, and a writer opens again.
    assert!(r2.refresh().expect("refresh"));
    assert_eq!(r2.collection("c").expect("c").len(), 1);
    drop(Database::open(dir.path()).expect("reopen while readers are open"));
}
