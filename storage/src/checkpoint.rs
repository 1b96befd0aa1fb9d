//! Online checkpoints: a consistent, independent copy of a live database directory.
//!
//! [`checkpoint_database`] writes, while the writer keeps committing, a directory that opens
//! as a database of its own holding every write acknowledged before the call:
//!
//! ```text
//! <dest>/catalog/        RocksDB's checkpoint of the catalog (Catalog::checkpoint): memtables
//!                        flushed, table files hard-linked or copied, live log files copied
//! <dest>/collections/    every file the copied catalog refers to (sealed segments, index
//!                        files, templates), hard-linked where the file system allows, copied
//!                        and fsynced otherwise (link_or_copy)
//! <dest>/CATALOG-SEQ     a fresh watermark: the copied catalog's sequence number, no MANIFEST
//!                        mark (the source's mark names a MANIFEST the copy has trimmed)
//! ```
//!
//! No `LOCK` is copied and nothing of the source directory is changed. The directory is built as
//! `<dest>.kiln-checkpoint.tmp` beside `<dest>` and renamed into place after everything in it was
//! synced, so `<dest>` either does not exist or is complete; a crash leaves at most the staging
//! directory, which the next checkpoint to the same destination removes.
//!
//! Hard links share the inode with the source: that is safe because Kiln never modifies a
//! published file (segments, index files and templates are written under a temporary name and
//! only renamed, read and unlinked afterwards), and neither does RocksDB its table files.
//!
//! # What the caller must guarantee
//!
//! The files the copied catalog refers to must still exist when they are linked, i.e. the
//! writer must not *delete* a segment, index or template file from the moment the call starts
//! until it returns (the engine pauses its file collection; writes, seals, builds and merges
//! may go on, since they only add files and only the deletions are deferred). A referenced
//! segment file found missing fails the checkpoint with the path; a missing index or template
//! file (derived data) is left out and listed in [`CheckpointReport::missing_derived`]: the
//! copy rebuilds it as the source would.

use std::io;
use std::path::{Path, PathBuf};

use crate::blob::is_blob_file_name;
use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::fs::{FileSystem, TEMP_SUFFIX};
use crate::layout::{referenced_files, DbLayout};
use crate::watermark::{self, Watermark};

/// The suffix of a checkpoint's staging directory, beside its destination.
pub const STAGING_SUFFIX: &str = ".kiln-checkpoint.tmp";

/// How [`link_or_copy`] put a file in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfer {
    /// A hard link to the source file.
    Linked,
    /// A copy, fsynced.
    Copied {
        /// Bytes copied.
        bytes: u64,
    },
}

/// Whether a failed hard link means "this file system (or this pair of directories) cannot
/// link", so that copying is the answer, rather than a real failure (missing source, existing
/// destination, full disk, I/O error).
fn link_unsupported(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::Unsupported | io::ErrorKind::CrossesDevices
    ) || matches!(
        e.raw_os_error(),
        Some(libc::EXDEV | libc::EPERM | libc::EMLINK | libc::EOPNOTSUPP | libc::ENOSYS)
    )
}

/// Put the immutable file `src` at `dst` (which must not exist), without syncing the directory
/// of `dst`.
fn transfer(fs: &dyn FileSystem, src: &Path, dst: &Path) -> Result<Transfer> {
    match fs.file_len(dst) {
        Ok(_) => {
            return Err(Error::io(
                dst,
                io::Error::new(io::ErrorKind::AlreadyExists, "destination exists"),
            ))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(dst, e)),
    }
    match fs.hard_link(src, dst) {
        Ok(()) => return Ok(Transfer::Linked),
        Err(e) if link_unsupported(&e) => {
            tracing::debug!(src = %src.display(), dst = %dst.display(), error = %e,
                "hard link impossible; copying");
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(Error::io(dst, e)),
        Err(e) => return Err(Error::io(src, e)),
    }
    // Copy under a temporary name and rename, so that `dst` never names a partial copy.
    let mut tmp_name = dst.as_os_str().to_owned();
    tmp_name.push(TEMP_SUFFIX);
    let tmp = PathBuf::from(tmp_name);
    let bytes = match fs.copy_file(src, &tmp) {
        Ok(n) => n,
        Err(e) => {
            let _ = fs.remove_file(&tmp);
            let path = if e.kind() == io::ErrorKind::NotFound {
                src
            } else {
                tmp.as_path()
            };
            return Err(Error::io(path, e));
        }
    };
    if let Err(e) = fs.rename(&tmp, dst) {
        let _ = fs.remove_file(&tmp);
        return Err(Error::io(dst, e));
    }
    Ok(Transfer::Copied { bytes })
}

/// Put the immutable file `src` at `dst` durably: a hard link where the file system allows it,
/// otherwise (`EXDEV` across file systems, `EPERM`, `EMLINK`, `ENOTSUP`, or a [`FileSystem`]
/// without links) a copy written under a temporary name, fsynced and renamed; then the
/// directory of `dst` is fsynced. `dst` must not exist.
///
/// `src` must be immutable (a published Kiln file or a RocksDB table file): a link shares it.
pub fn link_or_copy(fs: &dyn FileSystem, src: &Path, dst: &Path) -> Result<Transfer> {
    let how = transfer(fs, src, dst)?;
    let dir = parent_dir(dst);
    fs.sync_dir(dir).map_err(|e| Error::sync(dir, e))?;
    Ok(how)
}

/// The directory holding `path` (`.` for a bare name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// What [`checkpoint_database`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckpointReport {
    /// The new database directory.
    pub path: PathBuf,
    /// The source catalog's latest sequence number at the call: every write acknowledged
    /// before the call is at or below it, and in the copy.
    pub acknowledged_sequence: u64,
    /// The sequence number the copied catalog opens at (at least `acknowledged_sequence`;
    /// above it when batches committed during the call made it in). Recorded as the copy's
    /// watermark.
    pub catalog_sequence: u64,
    /// Kiln files (segments, index files, templates) hard-linked.
    pub files_linked: u64,
    /// Kiln files copied because a link was impossible.
    pub files_copied: u64,
    /// Bytes of the copied Kiln files.
    pub bytes_copied: u64,
    /// Index and template files the copied catalog names but the source no longer had; the
    /// copy treats them as lost derived data and rebuilds them.
    pub missing_derived: Vec<PathBuf>,
}

/// Write a consistent, independent copy of the database at `source` (whose open primary
/// catalog is `catalog`) to the new directory `dest`, while the database stays open for
/// writes. `dest` must not exist; its parent must. See the [module documentation](crate::checkpoint) for
/// the layout, the guarantees, and the one thing the caller must ensure (no deletion of
/// referenced files during the call).
///
/// On an error nothing is left at `dest` (the staging directory is removed, best effort).
/// [`Error::ReadOnly`] if `catalog` is a follower.
pub fn checkpoint_database(
    fs: &dyn FileSystem,
    catalog: &Catalog,
    source: &DbLayout,
    dest: &Path,
) -> Result<CheckpointReport> {
    if catalog.is_follower() {
        return Err(Error::ReadOnly {
            path: catalog.path().to_path_buf(),
            operation: "checkpoint",
        });
    }
    let Some(name) = dest.file_name() else {
        return Err(Error::io(
            dest,
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "a checkpoint destination must end in a directory name",
            ),
        ));
    };
    match fs.list_dir(dest) {
        Ok(_) => {
            return Err(Error::io(
                dest,
                io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "the checkpoint destination exists",
                ),
            ))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(dest, e)),
    }
    let parent = parent_dir(dest);
    let mut staging_name = name.to_owned();
    staging_name.push(STAGING_SUFFIX);
    let staging = parent.join(staging_name);
    match fs.remove_dir_all(&staging) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(&staging, e)),
    }
    fs.create_dir_all(&staging)
        .map_err(|e| Error::io(&staging, e))?;
    let result = build(fs, catalog, source, &staging);
    let mut report = match result {
        Ok(report) => report,
        Err(e) => {
            let _ = fs.remove_dir_all(&staging);
            return Err(e);
        }
    };
    if let Err(e) = fs.rename(&staging, dest) {
        let _ = fs.remove_dir_all(&staging);
        return Err(Error::io(dest, e));
    }
    fs.sync_dir(parent).map_err(|e| Error::sync(parent, e))?;
    report.path = dest.to_path_buf();
    Ok(report)
}

/// Fill the staging directory `root`: catalog checkpoint, referenced files, watermark, syncs.
fn build(
    fs: &dyn FileSystem,
    catalog: &Catalog,
    source: &DbLayout,
    root: &Path,
) -> Result<CheckpointReport> {
    let dest = DbLayout::new(root);
    let mut report = CheckpointReport {
        acknowledged_sequence: catalog.checkpoint(&dest.catalog_dir())?,
        ..CheckpointReport::default()
    };
    // Read the copy, not the source: its references are what must be carried over, whatever
    // the writer committed since. A follower does not modify the copy; its scratch directory
    // lives in the staging directory and is gone when it is dropped, before the syncs below.
    let (referenced, seq) = {
        let copy = Catalog::open_follower_in(&dest.catalog_dir(), root)?;
        (referenced_files(&copy)?, copy.latest_sequence())
    };
    report.catalog_sequence = seq;
    let collections = dest.collections_dir();
    fs.create_dir_all(&collections)
        .map_err(|e| Error::io(&collections, e))?;
    let mut ids: Vec<_> = referenced.keys().copied().collect();
    ids.sort();
    for id in ids {
        let src_dir = source.collection_dir(id);
        let dst_dir = dest.collection_dir(id);
        fs.create_dir_all(&dst_dir)
            .map_err(|e| Error::io(&dst_dir, e))?;
        let mut names: Vec<&String> = referenced.get(&id).into_iter().flatten().collect();
        names.sort();
        for name in names {
            let src = src_dir.join(name);
            match transfer(fs, &src, &dst_dir.join(name)) {
                Ok(Transfer::Linked) => report.files_linked += 1,
                Ok(Transfer::Copied { bytes }) => {
                    report.files_copied += 1;
                    report.bytes_copied += bytes;
                }
                Err(Error::Io { path, source })
                    if source.kind() == io::ErrorKind::NotFound
                        && path == src
                        && is_blob_file_name(name) =>
                {
                    report.missing_derived.push(src);
                }
                Err(e) => return Err(e),
            }
        }
        fs.sync_dir(&dst_dir)
            .map_err(|e| Error::sync(&dst_dir, e))?;
    }
    fs.sync_dir(&collections)
        .map_err(|e| Error::sync(&collections, e))?;
    // `publish` syncs `root` after its rename, which also makes `catalog` and `collections`
    // durable there.
    watermark::write(
        fs,
        root,
        &Watermark {
            seq,
            manifest: None,
        },
    )?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::{DirEntry, FileBytes, FileLock, OsFs, WritableFile};

    /// `OsFs` whose hard links fail with the given errno.
    #[derive(Debug)]
    struct NoLinks(i32);

    impl FileSystem for NoLinks {
        fn create_dir_all(&self, path: &Path) -> io::Result<()> {
            OsFs.create_dir_all(path)
        }
        fn create(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
            OsFs.create(path)
        }
        fn map(&self, path: &Path) -> io::Result<FileBytes> {
            OsFs.map(path)
        }
        fn file_len(&self, path: &Path) -> io::Result<u64> {
            OsFs.file_len(path)
        }
        fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
            OsFs.rename(from, to)
        }
        fn remove_file(&self, path: &Path) -> io::Result<()> {
            OsFs.remove_file(path)
        }
        fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
            OsFs.remove_dir_all(path)
        }
        fn sync_dir(&self, path: &Path) -> io::Result<()> {
            OsFs.sync_dir(path)
        }
        fn list_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
            OsFs.list_dir(path)
        }
        fn try_lock(&self, path: &Path) -> io::Result<Option<Box<dyn FileLock>>> {
            OsFs.try_lock(path)
        }
        fn hard_link(&self, _: &Path, _: &Path) -> io::Result<()> {
            Err(io::Error::from_raw_os_error(self.0))
        }
    }

    /// `OsFs` without `hard_link` and `copy_file`: the trait's defaults.
    #[derive(Debug)]
    struct Defaults;

    impl FileSystem for Defaults {
        fn create_dir_all(&self, path: &Path) -> io::Result<()> {
            OsFs.create_dir_all(path)
        }
        fn create(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
            OsFs.create(path)
        }
        fn map(&self, path: &Path) -> io::Result<FileBytes> {
            OsFs.map(path)
        }
        fn file_len(&self, path: &Path) -> io::Result<u64> {
            OsFs.file_len(path)
        }
        fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
            OsFs.rename(from, to)
        }
        fn remove_file(&self, path: &Path) -> io::Result<()> {
            OsFs.remove_file(path)
        }
        fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
            OsFs.remove_dir_all(path)
        }
        fn sync_dir(&self, path: &Path) -> io::Result<()> {
            OsFs.sync_dir(path)
        }
        fn list_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
            OsFs.list_dir(path)
        }
        fn try_lock(&self, path: &Path) -> io::Result<Option<Box<dyn FileLock>>> {
            OsFs.try_lock(path)
        }
    }

    fn inode(path: &Path) -> u64 {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).expect("metadata").ino()
    }

    #[test]
    fn links_on_one_file_system() {
        let dir = tempfile::tempdir().expect("tempdir");
        let src = dir.path().join("a.seg");
        std::fs::write(&src, b"immutable").expect("write");
        let dst = dir.path().join("b.seg");
        assert_eq!(
            link_or_copy(&OsFs, &src, &dst).expect("link"),
            Transfer::Linked
        );
        assert_eq!(inode(&src), inode(&dst));
        let err = link_or_copy(&OsFs, &src, &dst).expect_err("destination exists");
        assert!(err.to_string().contains("b.seg"), "{err}");
    }

    #[test]
    fn copies_when_the_link_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let src = dir.path().join("a.seg");
        let body: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&src, &body).expect("write");
        for (i, errno) in [libc::EXDEV, libc::EPERM, libc::EMLINK, libc::EOPNOTSUPP]
            .into_iter()
            .enumerate()
        {
            let dst = dir.path().join(format!("copy{i}.seg"));
            assert_eq!(
                link_or_copy(&NoLinks(errno), &src, &dst).expect("copy"),
                Transfer::Copied {
                    bytes: body.len() as u64
                }
            );
            assert_ne!(inode(&src), inode(&dst));
            assert_eq!(std::fs::read(&dst).expect("read"), body);
            assert!(!dir.path().join(format!("copy{i}.seg.tmp")).exists());
        }
        let dst = dir.path().join("default.seg");
        assert_eq!(
            link_or_copy(&Defaults, &src, &dst).expect("copy"),
            Transfer::Copied {
                bytes: body.len() as u64
            }
        );
        assert_eq!(std::fs::read(&dst).expect("read"), body);
    }

    #[test]
    fn other_link_errors_are_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("missing.seg");
        let err =
            link_or_copy(&OsFs, &missing, &dir.path().join("x.seg")).expect_err("source missing");
        assert!(
            matches!(&err, Error::Io { path, source }
                if path == &missing && source.kind() == io::ErrorKind::NotFound),
            "{err}"
        );
        let src = dir.path().join("a.seg");
        std::fs::write(&src, b"x").expect("write");
        let err = link_or_copy(&NoLinks(libc::EIO), &src, &dir.path().join("y.seg"))
            .expect_err("EIO is not a reason to copy");
        assert!(matches!(err, Error::Io { .. }), "{err}");
        assert!(!dir.path().join("y.seg").exists());
    }
}
