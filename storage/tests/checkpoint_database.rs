//! `checkpoint::checkpoint_database` copies a whole database directory: the catalog (RocksDB's
//! checkpoint), every segment, index and template file the copied catalog refers to (hard links
//! on one file system, verified copies across file systems), and a fresh watermark; not the
//! lock, not leftovers, not temporary files. The copy is complete or absent.

mod common;

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use common::{check_complete, create, step, COLL, DIM};
use kiln_storage::blob::{index_file_name, publish_blob, template_file_name, verify_blob};
use kiln_storage::catalog::{Catalog, IndexRecord, SegmentMeta, TemplateRecord};
use kiln_storage::checkpoint::{checkpoint_database, STAGING_SUFFIX};
use kiln_storage::layout::{referenced_files, DbLayout};
use kiln_storage::segment::{segment_file_name, write_segment, SegmentReader};
use kiln_storage::watermark;
use kiln_storage::{Error, OsFs, SegmentId};

const SEALED: [SegmentId; 2] = [SegmentId(10), SegmentId(11)];
const TEMPLATE: u64 = 12;

/// A database at `root` with the common workload in its growing segment, two sealed segments
/// (one with an index file), a template, a leftover segment file no record names, a temporary
/// file and the writer's lock held.
fn build_source(root: &Path) -> (DbLayout, Catalog) {
    let layout = DbLayout::new(root);
    let cat = Catalog::open(&layout.catalog_dir()).expect("open");
    create(&cat);
    for i in 0..40 {
        step(&cat, i, false);
    }
    let dir = layout.collection_dir(COLL);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let mut b = cat.batch().expect("batch");
    for (k, seg) in SEALED.into_iter().enumerate() {
        let rows = 100 + 50 * k;
        let ids: Vec<u64> = (0..rows as u64)
            .map(|r| 1_000 * (k as u64 + 1) + r)
            .collect();
        let data: Vec<f32> = (0..rows * DIM).map(|x| x as f32 * 0.25).collect();
        let (_, info) = write_segment(&OsFs, &dir, seg, DIM, &ids, None, |sink| sink(&data))
            .expect("write segment");
        let mut meta = SegmentMeta::sealed(seg, info);
        if k == 0 {
            let (_, blob) = publish_blob(&OsFs, &dir, &index_file_name(seg.0), &[7u8; 5000])
                .expect("index file");
            meta.index = Some(IndexRecord {
                blob,
                kind: 2,
                segment_crc: info.crc,
                template: Some(TEMPLATE),
                curve: None,
                lists: None,
            });
        }
        b.put_segment(COLL, &meta).expect("put");
    }
    let (_, blob) = publish_blob(
        &OsFs,
        &dir,
        &template_file_name(TEMPLATE),
        b"template bytes",
    )
    .expect("template");
    b.put_template(
        COLL,
        &TemplateRecord {
            id: TEMPLATE,
            blob,
            description: "t".into(),
        },
    )
    .expect("put");
    cat.commit(b, true).expect("commit");
    std::fs::write(dir.join(segment_file_name(SegmentId(99))), b"unreferenced").expect("write");
    std::fs::write(dir.join("0000000000000063.seg.tmp"), b"temporary").expect("write");
    std::fs::write(root.join("LOCK"), b"").expect("lock file");
    (layout, cat)
}

fn check_copy(src: &DbLayout, dest: &Path, expect_linked: bool) {
    let layout = DbLayout::new(dest);
    assert!(!dest.join("LOCK").exists(), "the lock is not copied");
    let mark = watermark::read(&OsFs, dest).expect("watermark");
    assert!(mark.manifest.is_none());
    let cat = Catalog::open(&layout.catalog_dir()).expect("the copy opens");
    assert!(cat.latest_sequence() >= mark.seq);
    assert_eq!(check_complete(&cat), 40);
    let dir = layout.collection_dir(COLL);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("collection dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    let mut expected: Vec<String> = referenced_files(&cat)
        .expect("references")
        .remove(&COLL)
        .expect("collection")
        .into_iter()
        .collect();
    expected.sort();
    assert_eq!(names, expected, "exactly the referenced files");
    for meta in cat.segments(COLL).expect("segments") {
        let kiln_storage::catalog::SegmentState::Sealed(info) = meta.state else {
            continue;
        };
        let path = dir.join(segment_file_name(meta.id));
        SegmentReader::open(&OsFs, &path, meta.id, DIM, &info).expect("segment verifies");
        let src_path = src.collection_dir(COLL).join(segment_file_name(meta.id));
        let same = std::fs::metadata(&path).expect("meta").ino()
            == std::fs::metadata(&src_path).expect("meta").ino()
            && std::fs::metadata(&path).expect("meta").dev()
                == std::fs::metadata(&src_path).expect("meta").dev();
        assert_eq!(same, expect_linked, "{}", path.display());
        if let Some(index) = meta.index {
            verify_blob(&OsFs, &dir, &index.blob).expect("index verifies");
        }
    }
    for t in cat.templates(COLL).expect("templates") {
        verify_blob(&OsFs, &dir, &t.blob).expect("template verifies");
    }
}

#[test]
fn copies_a_live_database() {
    let src = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    let (layout, cat) = build_source(src.path());
    let dest = out.path().join("copy");
    let report = checkpoint_database(&OsFs, &cat, &layout, &dest).expect("checkpoint");
    assert_eq!(report.path, dest);
    assert_eq!(report.files_linked, 4, "{report:?}");
    assert_eq!(report.files_copied, 0);
    assert!(report.missing_derived.is_empty());
    assert!(report.catalog_sequence >= report.acknowledged_sequence);
    assert_eq!(report.acknowledged_sequence, cat.latest_sequence());
    assert!(!out.path().join(format!("copy{STAGING_SUFFIX}")).exists());
    // The source goes on; the copy does not see it.
    step(&cat, 40, true);
    check_copy(&layout, &dest, true);
    assert_eq!(check_complete(&cat), 41);

    // An existing destination is refused, and left alone.
    let err = checkpoint_database(&OsFs, &cat, &layout, &dest).expect_err("exists");
    assert!(
        matches!(&err, Error::Io { path, .. } if path == &dest),
        "{err}"
    );
    check_copy(&layout, &dest, true);
}

#[test]
fn lost_derived_files_are_left_out_and_a_lost_segment_fails() {
    let src = tempfile::tempdir().expect("tempdir");
    let out = tempfile::tempdir().expect("tempdir");
    let (layout, cat) = build_source(src.path());
    let dir = layout.collection_dir(COLL);
    std::fs::remove_file(dir.join(index_file_name(SEALED[0].0))).expect("remove index");
    let dest = out.path().join("copy");
    let report = checkpoint_database(&OsFs, &cat, &layout, &dest).expect("checkpoint");
    assert_eq!(
        report.missing_derived,
        vec![dir.join(index_file_name(SEALED[0].0))]
    );
    assert_eq!(report.files_linked, 3);
    assert!(!DbLayout::new(&dest)
        .collection_dir(COLL)
        .join(index_file_name(SEALED[0].0))
        .exists());
    assert!(DbLayout::new(&dest)
        .collection_dir(COLL)
        .join(template_file_name(TEMPLATE))
        .exists());

    std::fs::remove_file(dir.join(segment_file_name(SEALED[1]))).expect("remove segment");
    let dest2 = out.path().join("copy2");
    let err = checkpoint_database(&OsFs, &cat, &layout, &dest2).expect_err("segment missing");
    assert!(
        matches!(&err, Error::Io { path, source }
            if path == &dir.join(segment_file_name(SEALED[1]))
                && source.kind() == std::io::ErrorKind::NotFound),
        "{err}"
    );
    assert!(
        !dest2.exists(),
        "nothing at the destination after a failure"
    );
    assert!(!out.path().join(format!("copy2{STAGING_SUFFIX}")).exists());
    // A leftover staging directory of a crashed checkpoint is replaced.
    let dest3 = out.path().join("copy3");
    let staging = out.path().join(format!("copy3{STAGING_SUFFIX}"));
    std::fs::create_dir_all(staging.join("catalog")).expect("mkdir");
    std::fs::write(staging.join("junk"), b"x").expect("write");
    std::fs::write(
        dir.join(segment_file_name(SEALED[1])),
        b"will not verify, but only its presence matters here",
    )
    .expect("write");
    checkpoint_database(&OsFs, &cat, &layout, &dest3).expect("checkpoint");
    assert!(!dest3.join("junk").exists());
    assert!(!staging.exists());
}

/// Across file systems links fail with EXDEV and the files are copied. Runs when /dev/shm is
/// a different file system from the temporary directory (as on most Linux machines).
#[test]
fn copies_across_file_systems() {
    let src = tempfile::tempdir().expect("tempdir");
    let shm = Path::new("/dev/shm");
    let same_dev = std::fs::metadata(shm)
        .map(|m| m.dev() == std::fs::metadata(src.path()).expect("meta").dev())
        .unwrap_or(true);
    if same_dev {
        eprintln!("skipped: /dev/shm is missing or on the same file system");
        return;
    }
    let out = tempfile::tempdir_in(shm).expect("tempdir in /dev/shm");
    let (layout, cat) = build_source(src.path());
    let dest = out.path().join("copy");
    let report = checkpoint_database(&OsFs, &cat, &layout, &dest).expect("checkpoint");
    assert_eq!(report.files_linked, 0, "{report:?}");
    assert_eq!(report.files_copied, 4);
    assert!(report.bytes_copied > 5000);
    check_copy(&layout, &dest, false);
}
