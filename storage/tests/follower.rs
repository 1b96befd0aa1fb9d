//! A follower catalog (a RocksDB secondary of the writer's catalog) sees the writer's committed
//! state only when it catches up, including writes that are only in the writer's log (not yet
//! flushed, not even synced); every write method of a follower fails with `ReadOnly` without
//! touching the database; a follower takes no lock the writer needs and leaves no files behind.

mod common;

use std::path::Path;

use common::{check_complete, create, step, steps_done, table_files, COLL, NAME, SEG};
use kiln_storage::catalog::{Catalog, SegmentMeta};
use kiln_storage::Error;

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    names.sort();
    names
}

fn scratch_dirs(parent: &Path) -> Vec<String> {
    listing(parent)
        .into_iter()
        .filter(|n| n.starts_with("kiln-follower-"))
        .collect()
}

#[test]
fn sees_committed_writes_after_catch_up_not_before() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scratch = tempfile::tempdir().expect("tempdir");
    let primary = Catalog::open(dir.path()).expect("open");
    let follower = Catalog::open_follower_in(dir.path(), scratch.path()).expect("follower");
    assert!(follower.is_follower() && !primary.is_follower());
    assert_eq!(check_complete(&follower), 0);
    assert_eq!(follower.latest_sequence(), primary.latest_sequence());

    create(&primary);
    // Unsynced writes: in the writer's log (one write(2) each), neither fsynced nor flushed.
    for i in 0..10 {
        step(&primary, i, false);
    }
    assert!(
        table_files(dir.path()).is_empty(),
        "the test wants log-only writes, but the catalog has table files"
    );
    // Not before catch_up.
    assert_eq!(steps_done(&follower), None);
    assert_eq!(check_complete(&follower), 0);
    assert_ne!(follower.latest_sequence(), primary.latest_sequence());

    assert!(follower.catch_up().expect("catch up"), "the state moved");
    assert_eq!(check_complete(&follower), 10);
    assert_eq!(follower.latest_sequence(), primary.latest_sequence());
    assert_eq!(follower.next_id(), primary.next_id());
    assert_eq!(follower.max_used_id().expect("ids"), 2);
    assert_eq!(
        follower.collection(NAME).expect("get"),
        primary.collection(NAME).expect("get")
    );
    assert_eq!(
        follower.location(COLL, 7).expect("location"),
        primary.location(COLL, 7).expect("location")
    );
    assert!(!follower.catch_up().expect("catch up"), "nothing new");

    // A template and a sealed segment, synced this time.
    let mut b = primary.batch().expect("batch");
    b.put_template(
        COLL,
        &kiln_storage::catalog::TemplateRecord {
            id: 9,
            blob: kiln_storage::blob::BlobInfo {
                file: "0000000000000009.tpl".into(),
                len: 1,
                crc: 2,
            },
            description: "d".into(),
        },
    )
    .expect("put");
    primary.commit(b, true).expect("commit");
    step(&primary, 10, true);
    assert!(follower.templates(COLL).expect("templates").is_empty());
    assert_eq!(check_complete(&follower), 10);
    assert!(follower.catch_up().expect("catch up"));
    assert_eq!(follower.templates(COLL).expect("templates").len(), 1);
    assert_eq!(check_complete(&follower), 11);
    // The primary itself never moves on catch_up.
    assert!(!primary.catch_up().expect("primary catch up"));
}

#[test]
fn write_methods_return_read_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scratch = tempfile::tempdir().expect("tempdir");
    {
        let primary = Catalog::open(dir.path()).expect("open");
        create(&primary);
        step(&primary, 0, true);
    }
    let before = listing(dir.path());
    let follower = Catalog::open_follower_in(dir.path(), scratch.path()).expect("follower");
    let seq = follower.latest_sequence();
    let read_only = |r: Result<(), Error>, what: &str| match r {
        Err(Error::ReadOnly { path, operation }) => {
            assert_eq!(path, dir.path(), "{what}");
            assert!(!operation.is_empty());
        }
        other => panic!("{what}: expected ReadOnly, got {other:?}"),
    };
    read_only(follower.batch().map(drop), "batch");
    read_only(follower.reserve_ids(3).map(drop), "reserve_ids");
    read_only(follower.durable_sequence().map(drop), "durable_sequence");
    read_only(follower.sync_wal(), "sync_wal");
    read_only(follower.flush(), "flush");
    read_only(follower.compact(), "compact");
    read_only(follower.quiesce().map(drop), "quiesce");
    let dest = scratch.path().join("copy");
    read_only(follower.checkpoint(&dest).map(drop), "checkpoint");
    assert!(!dest.exists());
    read_only(
        kiln_storage::checkpoint::checkpoint_database(
            &kiln_storage::OsFs,
            &follower,
            &kiln_storage::layout::DbLayout::new(scratch.path()),
            &dest,
        )
        .map(drop),
        "checkpoint_database",
    );
    assert!(!dest.exists());
    // The error names the operation and the directory.
    let msg = follower.flush().expect_err("read-only").to_string();
    assert!(
        msg.contains("flush") && msg.contains(&dir.path().display().to_string()),
        "{msg}"
    );
    // Nothing moved, and the reads still work.
    assert_eq!(follower.next_id(), 5);
    assert_eq!(follower.latest_sequence(), seq);
    assert_eq!(check_complete(&follower), 1);
    assert_eq!(
        follower.segments(COLL).expect("segments"),
        vec![SegmentMeta::growing(SEG)]
    );
    assert!(follower
        .segments(kiln_storage::CollectionId(77))
        .expect("segments")
        .is_empty());
    drop(follower);
    assert_eq!(
        listing(dir.path()),
        before,
        "a follower must not create, change the set of, or remove files in the catalog"
    );
}

#[test]
fn a_follower_does_not_keep_a_writer_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scratch = tempfile::tempdir().expect("tempdir");
    {
        let primary = Catalog::open(dir.path()).expect("open");
        create(&primary);
        step(&primary, 0, true);
        primary.quiesce().expect("quiesce");
    }
    // A closed database: the follower sees what was flushed at close.
    let follower = Catalog::open_follower_in(dir.path(), scratch.path()).expect("follower");
    assert_eq!(check_complete(&follower), 1);
    // A writer opens while the follower is open, writes, closes, and opens again.
    for round in 1..3u64 {
        let primary = Catalog::open(dir.path()).expect("a writer opens beside a follower");
        step(&primary, round, true);
        assert_eq!(check_complete(&follower), round);
        assert!(follower.catch_up().expect("catch up"));
        assert_eq!(check_complete(&follower), round + 1);
    }
    // A second follower of the same catalog is independent.
    let second = Catalog::open_follower_in(dir.path(), scratch.path()).expect("follower");
    assert_eq!(check_complete(&second), 3);
    assert_eq!(scratch_dirs(scratch.path()).len(), 2);
}

#[test]
fn scratch_directories_are_removed_on_drop_and_swept_after_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scratch = tempfile::tempdir().expect("tempdir");
    drop(Catalog::open(dir.path()).expect("open"));

    let follower = Catalog::open_follower_in(dir.path(), scratch.path()).expect("follower");
    assert_eq!(scratch_dirs(scratch.path()).len(), 1);
    drop(follower);
    assert!(scratch_dirs(scratch.path()).is_empty(), "removed on drop");

    // Leftovers of followers that died: one old and unlocked (swept), one young and unlocked
    // (kept: its follower may be about to lock it), and an old one whose follower is alive.
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let dead = scratch.path().join("kiln-follower-999999-0-0");
    let young = scratch.path().join("kiln-follower-999999-1-0");
    for d in [&dead, &young] {
        std::fs::create_dir(d).expect("mkdir");
        std::fs::write(d.join("OWNER"), b"").expect("owner");
        std::fs::write(d.join("LOG"), b"log").expect("log");
    }
    std::fs::File::open(&dead)
        .expect("open dir")
        .set_modified(old)
        .expect("age the directory");
    let alive = Catalog::open_follower_in(dir.path(), scratch.path()).expect("follower");
    let alive_dir = scratch_dirs(scratch.path())
        .into_iter()
        .find(|n| !n.starts_with("kiln-follower-999999-"))
        .expect("the live follower's directory");
    std::fs::File::open(scratch.path().join(&alive_dir))
        .expect("open dir")
        .set_modified(old)
        .expect("age the directory");

    let other = Catalog::open_follower_in(dir.path(), scratch.path()).expect("follower");
    let left = scratch_dirs(scratch.path());
    assert!(
        !left.contains(&"kiln-follower-999999-0-0".to_string()),
        "{left:?}"
    );
    assert!(
        left.contains(&"kiln-follower-999999-1-0".to_string()),
        "{left:?}"
    );
    assert!(
        left.contains(&alive_dir),
        "a live follower's directory: {left:?}"
    );
    assert_eq!(left.len(), 3, "{left:?}");
    drop(alive);
    drop(other);
    assert_eq!(
        scratch_dirs(scratch.path()),
        vec!["kiln-follower-999999-1-0".to_string()]
    );
}

#[test]
fn a_follower_of_a_missing_catalog_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scratch = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nothing-here");
    let err = Catalog::open_follower_in(&missing, scratch.path()).expect_err("no catalog");
    assert!(err.to_string().contains("nothing-here"), "{err}");
    assert!(!missing.exists(), "a follower never creates a catalog");
    assert!(
        scratch_dirs(scratch.path()).is_empty(),
        "scratch removed on failure"
    );
}
