//! Guards docs/reliability.md T10: every bad input gets its documented error (or documented result)
//! and leaves the database unchanged.

use kiln::{CollectionConfig, Database, Error, Metric, SearchOptions, MAX_DIMENSION};
use kiln_tests::TempDir;

fn setup(metric: Metric) -> (TempDir, Database, kiln::Collection) {
    let dir = TempDir::new("bad");
    let db = Database::open(dir.path()).expect("open");
    let coll = db
        .create_collection("c", CollectionConfig::new(3, metric).segment_rows(4))
        .expect("create");
    coll.insert_batch(
        &[1, 2, 3, 4, 5],
        &[1., 0., 0., 0., 1., 0., 0., 0., 1., 1., 1., 0., 1., 1., 1.],
    )
    .expect("seed rows");
    (dir, db, coll)
}

/// The observable state: live rows and every row's vector.
fn state(coll: &kiln::Collection) -> (usize, Vec<Option<Vec<f32>>>) {
    (
        coll.len(),
        (0..10).map(|id| coll.get(id).expect("get")).collect(),
    )
}

#[test]
fn wrong_dimension() {
    let (_d, _db, c) = setup(Metric::L2);
    let before = state(&c);
    assert!(matches!(
        c.insert(9, &[1.0, 2.0]),
        Err(Error::DimensionMismatch {
            expected: 3,
            got: 2
        })
    ));
    assert!(matches!(
        c.upsert(1, &[1.0; 4]),
        Err(Error::DimensionMismatch {
            expected: 3,
            got: 4
        })
    ));
    assert!(matches!(
        c.insert_batch(&[8, 9], &[1.0; 5]),
        Err(Error::DimensionMismatch {
            expected: 6,
            got: 5
        })
    ));
    assert!(matches!(
        c.upsert_batch(&[8], &[]),
        Err(Error::DimensionMismatch {
            expected: 3,
            got: 0
        })
    ));
    assert!(matches!(
        c.search(&[1.0], &SearchOptions::new(1)),
        Err(Error::DimensionMismatch {
            expected: 3,
            got: 1
        })
    ));
    assert!(matches!(
        c.search_batch(&[1.0; 4], &SearchOptions::new(1)),
        Err(Error::DimensionMismatch { .. })
    ));
    assert_eq!(state(&c), before);
}

#[test]
fn nan_and_infinity() {
    let (_d, _db, c) = setup(Metric::L2);
    let before = state(&c);
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        assert!(matches!(
            c.insert(9, &[0.0, bad, 0.0]),
            Err(Error::InvalidVector { id: Some(9), .. })
        ));
        assert!(matches!(
            c.upsert(1, &[bad, 0.0, 0.0]),
            Err(Error::InvalidVector { id: Some(1), .. })
        ));
        // All or nothing: one bad row fails the whole batch.
        assert!(matches!(
            c.insert_batch(&[8, 9], &[0.0, 0.0, 0.0, 1.0, bad, 1.0]),
            Err(Error::InvalidVector { id: Some(9), .. })
        ));
        assert!(matches!(
            c.search(&[bad, 0.0, 0.0], &SearchOptions::new(1)),
            Err(Error::InvalidVector { id: None, .. })
        ));
    }
    // Finite but too large to square in f32.
    assert!(matches!(
        c.insert(9, &[1e20, 0.0, 0.0]),
        Err(Error::InvalidVector { .. })
    ));
    assert_eq!(state(&c), before);
}

#[test]
fn zero_vector_under_cosine_only() {
    let (_d, _db, c) = setup(Metric::Cosine);
    let before = state(&c);
    assert!(matches!(
        c.insert(9, &[0.0; 3]),
        Err(Error::InvalidVector { .. })
    ));
    assert!(matches!(
        c.search(&[0.0; 3], &SearchOptions::new(1)),
        Err(Error::InvalidVector { .. })
    ));
    assert_eq!(state(&c), before);
    let (_d2, _db2, l2) = setup(Metric::L2);
    l2.insert(9, &[0.0; 3])
        .expect("zero vector is fine under L2");
}

#[test]
fn k_zero_and_huge_k() {
    let (_d, _db, c) = setup(Metric::L2);
    assert!(matches!(
        c.search(&[0.0; 3], &SearchOptions::new(0)),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        c.search_batch(&[0.0; 3], &SearchOptions::new(0)),
        Err(Error::InvalidArgument { .. })
    ));
    // A k beyond the rows returns every live row, without allocating k of anything.
    let hits = c
        .search(&[0.0; 3], &SearchOptions::new(usize::MAX))
        .expect("huge k");
    assert_eq!(hits.len(), 5);
}

#[test]
fn empty_collection_and_empty_batches() {
    let dir = TempDir::new("bad-empty");
    let db = Database::open(dir.path()).expect("open");
    let c = db
        .create_collection("e", CollectionConfig::new(2, Metric::L2))
        .expect("create");
    assert!(c
        .search(&[1.0, 1.0], &SearchOptions::new(10))
        .expect("search")
        .is_empty());
    assert!(c
        .search_batch(&[], &SearchOptions::new(10))
        .expect("empty batch")
        .is_empty());
    c.insert_batch(&[], &[]).expect("empty insert batch");
    c.upsert_batch(&[], &[]).expect("empty upsert batch");
    assert_eq!(c.delete_batch(&[]).expect("empty delete"), 0);
    c.flush().expect("flush of nothing");
    assert_eq!(c.len(), 0);
    assert_eq!(c.get(1).expect("get"), None);
}

#[test]
fn duplicate_ids() {
    let (_d, _db, c) = setup(Metric::L2);
    let before = state(&c);
    assert!(matches!(
        c.insert(3, &[0.0; 3]),
        Err(Error::DuplicateId { id: 3, .. })
    ));
    assert!(matches!(
        c.insert_batch(&[8, 3], &[0.0; 6]),
        Err(Error::DuplicateId { id: 3, .. })
    ));
    assert!(matches!(
        c.insert_batch(&[8, 8], &[0.0; 6]),
        Err(Error::DuplicateIdInBatch { id: 8 })
    ));
    assert!(matches!(
        c.upsert_batch(&[8, 9, 8], &[0.0; 9]),
        Err(Error::DuplicateIdInBatch { id: 8 })
    ));
    assert_eq!(state(&c), before);
    // Repeated ids in a delete batch are harmless and counted once.
    assert_eq!(c.delete_batch(&[1, 1, 2, 77]).expect("delete"), 2);
}

#[test]
fn unknown_ids() {
    let (_d, _db, c) = setup(Metric::L2);
    let before = state(&c);
    assert!(!c.delete(77).expect("delete unknown"));
    assert_eq!(c.delete_batch(&[77, 78]).expect("delete unknown"), 0);
    assert_eq!(c.get(77).expect("get unknown"), None);
    assert_eq!(state(&c), before);
}

#[test]
fn bad_collection_names_and_configs() {
    let dir = TempDir::new("bad-names");
    let db = Database::open(dir.path()).expect("open");
    let long = "x".repeat(kiln::MAX_NAME_LEN + 1);
    for name in [
        "",
        "../evil",
        "a/b",
        "a\0b",
        ".hidden",
        "-x",
        "caf\u{e9}",
        long.as_str(),
        "has space",
    ] {
        assert!(
            matches!(
                db.create_collection(name, CollectionConfig::new(2, Metric::L2)),
                Err(Error::InvalidName { .. })
            ),
            "{name:?}"
        );
    }
    assert!(matches!(
        db.create_collection("d0", CollectionConfig::new(0, Metric::L2)),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        db.create_collection("dbig", CollectionConfig::new(MAX_DIMENSION + 1, Metric::L2)),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        db.create_collection("s0", CollectionConfig::new(2, Metric::L2).segment_rows(0)),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(db.list_collections().expect("list").is_empty());
    assert!(matches!(
        db.collection("nope"),
        Err(Error::CollectionNotFound { .. })
    ));
    assert!(matches!(
        db.drop_collection("nope"),
        Err(Error::CollectionNotFound { .. })
    ));
    db.create_collection("ok", CollectionConfig::new(2, Metric::L2))
        .expect("create");
    assert!(matches!(
        db.create_collection("ok", CollectionConfig::new(2, Metric::L2)),
        Err(Error::CollectionExists { .. })
    ));
    assert_eq!(db.list_collections().expect("list"), vec!["ok".to_string()]);
    // The directory holds no file named after a collection.
    assert!(!dir.path().join("ok").exists() && !dir.root().join("evil").exists());
}

#[test]
fn dropped_collection_handles_fail_cleanly() {
    let (_d, db, c) = setup(Metric::L2);
    c.flush().expect("flush");
    db.drop_collection("c").expect("drop");
    assert!(matches!(
        c.insert(100, &[0.0; 3]),
        Err(Error::CollectionNotFound { .. })
    ));
    assert!(matches!(
        c.search(&[0.0; 3], &SearchOptions::new(1)),
        Err(Error::CollectionNotFound { .. })
    ));
    assert!(matches!(c.get(1), Err(Error::CollectionNotFound { .. })));
    assert!(matches!(
        db.collection("c"),
        Err(Error::CollectionNotFound { .. })
    ));
    // The name can be used again and starts empty.
    let c2 = db
        .create_collection("c", CollectionConfig::new(3, Metric::L2))
        .expect("recreate");
    assert_eq!(c2.len(), 0);
    assert_eq!(c2.get(1).expect("get"), None);
}

#[test]
fn open_without_create_if_missing() {
    let dir = TempDir::new("nodb");
    let missing = dir.path().join("absent");
    let opts = || kiln::DbOptions::new().create_if_missing(false);
    // No directory at all, then an empty directory: both say there is no database and create
    // nothing.
    assert!(matches!(
        Database::open_with(&missing, opts()),
        Err(Error::DatabaseNotFound { .. })
    ));
    assert!(
        !missing.exists(),
        "a failed open must not create the directory"
    );
    std::fs::create_dir_all(&missing).expect("mkdir");
    assert!(matches!(
        Database::open_with(&missing, opts()),
        Err(Error::DatabaseNotFound { .. })
    ));
    assert_eq!(
        std::fs::read_dir(&missing).expect("read_dir").count(),
        0,
        "a failed open must leave the directory empty"
    );
    // Once created, the same options open it.
    let db = Database::open(&missing).expect("create");
    db.create_collection("c", CollectionConfig::new(2, Metric::L2))
        .expect("collection");
    drop(db);
    let db = Database::open_with(&missing, opts()).expect("open existing");
    assert_eq!(db.list_collections().expect("list"), vec!["c".to_string()]);
}

/// Bad payloads, bad filters and bad fields: each has its error and changes nothing (rows,
/// payloads, fields).
#[test]
fn bad_payloads_filters_and_fields() {
    use kiln::{FieldType, Filter, Payload};
    let dir = TempDir::new("bad-attrs");
    let db = Database::open(dir.path()).expect("open");
    let c = db
        .create_collection(
            "c",
            CollectionConfig::new(3, Metric::L2)
                .field("folder", FieldType::Keyword)
                .field("year", FieldType::Int)
                .field("rating", FieldType::Float)
                .field("tags", FieldType::KeywordList),
        )
        .expect("create");
    let good = Payload::new().set("folder", "work").set("year", 2024);
    c.insert_with(1, &[1.0, 0.0, 0.0], &good).expect("insert");
    let observe = |c: &kiln::Collection| {
        (
            state(c),
            c.get_payload(1).expect("payload"),
            c.fields(),
            c.count(&Filter::is_not_null("folder")).expect("count"),
        )
    };
    let before = observe(&c);
    let v = [0.0, 1.0, 0.0];
    let unknown = |r: kiln::Result<()>| matches!(r, Err(Error::UnknownField { .. }));
    let mismatch = |r: kiln::Result<()>| matches!(r, Err(Error::FieldTypeMismatch { .. }));
    assert!(unknown(c.insert_with(
        2,
        &v,
        &Payload::new().set("nope", 1)
    )));
    assert!(mismatch(c.insert_with(
        2,
        &v,
        &Payload::new().set("year", "2024")
    )));
    assert!(mismatch(c.insert_with(
        2,
        &v,
        &Payload::new().set("year", 2024.5)
    )));
    assert!(mismatch(c.insert_with(
        2,
        &v,
        &Payload::new().set("tags", "one")
    )));
    assert!(matches!(
        c.insert_with(2, &v, &Payload::new().set("rating", f64::NAN)),
        Err(Error::InvalidArgument { .. })
    ));
    // One bad payload fails the whole batch; a payload count that is not the id count too.
    let batch = [good.clone(), Payload::new().set("year", true)];
    assert!(mismatch(c.insert_batch_with(&[2, 3], &[0.5; 6], &batch)));
    assert!(matches!(
        c.upsert_batch_with(&[2, 3], &[0.5; 6], std::slice::from_ref(&good)),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(unknown(
        c.update_payload(1, &Payload::new().set("nope", 1))
            .map(|_| ())
    ));
    // Filters: unknown fields, operators that do not fit the type, parse errors with a position.
    let q = SearchOptions::new(3);
    let search = |f: Filter| c.search(&v, &q.clone().filter(f)).map(|_| ());
    assert!(unknown(search(Filter::eq("nope", 1))));
    assert!(mismatch(search(Filter::gt("folder", 3))));
    assert!(mismatch(search(Filter::contains("folder", "x"))));
    assert!(mismatch(search(Filter::eq("tags", "x"))));
    assert!(unknown(c.count(&Filter::is_null("nope")).map(|_| ())));
    assert!(unknown(c.delete_where(&Filter::eq("nope", 1)).map(|_| ())));
    for text in [
        "year >=",
        "folder = \"work\"",
        "(year > 1",
        "year > 1 AND",
        "= 3",
        "",
    ] {
        let e = Filter::parse(text).map_err(Error::from);
        match e {
            Err(Error::InvalidFilter { reason }) => {
                assert!(
                    reason.contains("at byte") || text.is_empty(),
                    "{text:?}: {reason}"
                )
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
    // Fields: a bad name, a name taken, a reserved word.
    for name in ["", "has space", "folder", "AND", "1st"] {
        assert!(
            matches!(
                c.add_field(name, FieldType::Int),
                Err(Error::InvalidArgument { .. })
            ),
            "{name:?}"
        );
    }
    assert!(matches!(
        db.create_collection(
            "d",
            CollectionConfig::new(3, Metric::L2)
                .field("x", FieldType::Int)
                .field("x", FieldType::Bool)
        ),
        Err(Error::InvalidArgument { .. })
    ));
    assert_eq!(observe(&c), before);
    assert_eq!(db.list_collections().expect("list"), vec!["c".to_string()]);
}
