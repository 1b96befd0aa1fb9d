//! Every file operation Kiln performs on its own files goes through [`FileSystem`].
//!
//! The production implementation is [`OsFs`]. Tests put a fault-injecting or crash-simulating
//! implementation under the same trait (see `docs/reliability.md`), so nothing in Kiln may
//! call `std::fs` on its own files directly. RocksDB's files are outside this seam: they are
//! covered by RocksDB's own synced writes and recovery options.

use std::ffi::OsString;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::ops::Deref;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A file being written. Dropping it without [`WritableFile::sync_all`] gives no durability.
pub trait WritableFile: Send {
    /// Append `buf`.
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()>;
    /// Hand every buffered byte to the operating system. Its errors are write errors (a full
    /// disk shows up here as ENOSPC), unlike those of [`WritableFile::sync_all`].
    fn flush(&mut self) -> io::Result<()>;
    /// Flush buffers and fsync the file's data and metadata.
    fn sync_all(&mut self) -> io::Result<()>;
}

/// An exclusive lock on a file, released when dropped (or when the process dies).
pub trait FileLock: Send + Sync + fmt::Debug {}

/// The file operations Kiln uses, all on absolute or database-relative paths.
///
/// Implementations must be usable from many threads at once.
pub trait FileSystem: Send + Sync + fmt::Debug + 'static {
    /// Create `path` and its parents if missing.
    fn create_dir_all(&self, path: &Path) -> io::Result<()>;
    /// Create (or truncate) `path` for writing.
    fn create(&self, path: &Path) -> io::Result<Box<dyn WritableFile>>;
    /// Map `path` read-only. The file must not change while mapped; Kiln's files never do.
    fn map(&self, path: &Path) -> io::Result<FileBytes>;
    /// The length of `path` in bytes.
    fn file_len(&self, path: &Path) -> io::Result<u64>;
    /// Atomically rename `from` to `to`, replacing `to`.
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Remove the file `path`.
    fn remove_file(&self, path: &Path) -> io::Result<()>;
    /// Remove the directory `path` and everything in it.
    fn remove_dir_all(&self, path: &Path) -> io::Result<()>;
    /// Fsync the directory `path`, making renames and removals in it durable.
    fn sync_dir(&self, path: &Path) -> io::Result<()>;
    /// The entries of directory `path`.
    fn list_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>>;
    /// Take an exclusive lock on `path` (creating it), or `Ok(None)` if someone else holds it.
    fn try_lock(&self, path: &Path) -> io::Result<Option<Box<dyn FileLock>>>;

    /// Make `dst` (which must not exist) a new name of the existing file `src`: a hard link.
    /// Fails when the file system cannot (`EXDEV` across file systems, `EPERM`, `EMLINK`,
    /// `ENOTSUP`); callers fall back to [`FileSystem::copy_file`]. Not durable until the
    /// directory of `dst` is synced.
    ///
    /// The default implementation returns [`io::ErrorKind::Unsupported`], so a file system
    /// without links (or a test double written before this method) makes callers copy.
    fn hard_link(&self, src: &Path, dst: &Path) -> io::Result<()> {
        let _ = (src, dst);
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this file system does not make hard links",
        ))
    }

    /// Copy the file `src` to `dst` (created or truncated) and fsync `dst`; returns the bytes
    /// copied. Not durable under its name until the directory of `dst` is synced. An error may
    /// come from the final fsync, after which the kernel may have dropped dirty pages: callers
    /// never sync that file again, they remove it (and may copy afresh into a new file).
    ///
    /// The default implementation goes through this trait's own [`FileSystem::map`],
    /// [`FileSystem::create`], [`WritableFile::flush`] and [`WritableFile::sync_all`], so a
    /// fault-injecting or crash-simulating implementation sees (and can break) every step.
    fn copy_file(&self, src: &Path, dst: &Path) -> io::Result<u64> {
        let bytes = self.map(src)?;
        let mut out = self.create(dst)?;
        out.write_all(&bytes)?;
        out.flush()?;
        out.sync_all()?;
        Ok(bytes.len() as u64)
    }
}

/// One directory entry.
#[derive(Debug, Clone)]
pub struct DirEntry {
    /// The entry's file name.
    pub name: OsString,
    /// Whether it is a directory.
    pub is_dir: bool,
}

/// The read-only bytes of a file: a memory mapping, or (for test file systems and for files too
/// short to be worth mapping) an owned buffer aligned to 64 bytes like a mapping's start.
pub enum FileBytes {
    /// A read-only mapping of the whole file.
    Mapped(memmap2::Mmap),
    /// An owned copy.
    Owned(AlignedBuf),
}

impl fmt::Debug for FileBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileBytes::Mapped(m) => write!(f, "Mapped({} bytes)", m.len()),
            FileBytes::Owned(b) => write!(f, "Owned({} bytes)", b.len()),
        }
    }
}

impl Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(m) => m,
            FileBytes::Owned(b) => b.as_bytes(),
        }
    }
}

/// A byte buffer whose start is 64-byte aligned, so that the f32 and u64 columns of a segment
/// file can be used in place from it exactly as from a mapping.
#[derive(Clone, Default)]
pub struct AlignedBuf {
    blocks: Vec<Block>,
    len: usize,
}

#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Block([u8; 64]);

impl AlignedBuf {
    /// Copy `bytes` into a new aligned buffer.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let mut blocks = vec![Block([0; 64]); bytes.len().div_ceil(64)];
        for (block, chunk) in blocks.iter_mut().zip(bytes.chunks(64)) {
            block.0[..chunk.len()].copy_from_slice(chunk);
        }
        AlignedBuf {
            blocks,
            len: bytes.len(),
        }
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        let all: &[u8] = bytemuck::cast_slice(self.blocks.as_slice());
        all.get(..self.len).unwrap_or(all)
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

// SAFETY: `Block` is a plain array of bytes with no padding; any bit pattern is valid.
unsafe impl bytemuck::Zeroable for Block {}
// SAFETY: as above; `repr(C)` and size 64 == align 64, so there is no padding.
unsafe impl bytemuck::Pod for Block {}

/// The operating system's file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsFs;

struct OsFile {
    inner: BufWriter<File>,
}

impl WritableFile for OsFile {
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
    fn sync_all(&mut self) -> io::Result<()> {
        self.inner.flush()?;
        self.inner.get_ref().sync_all()
    }
}

#[derive(Debug)]
struct OsLock {
    _file: File,
}
impl FileLock for OsLock {}

/// Files shorter than this are read into memory instead of mapped.
const MIN_MAP_LEN: u64 = 4096;

impl FileSystem for OsFs {
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        std::fs::create_dir_all(path)
    }

    fn create(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        Ok(Box::new(OsFile {
            inner: BufWriter::with_capacity(1 << 20, file),
        }))
    }

    fn map(&self, path: &Path) -> io::Result<FileBytes> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        if len < MIN_MAP_LEN {
            let bytes = std::fs::read(path)?;
            return Ok(FileBytes::Owned(AlignedBuf::from_bytes(&bytes)));
        }
        // SAFETY: the mapping is read-only and Kiln's files are immutable once published: they
        // are written under a temporary name and never modified after the rename. A file
        // truncated behind Kiln's back while mapped would fault on access; that is outside the
        // contract (as for every mmap-based engine) and documented in ARCHITECTURE.md.
        let map = unsafe { memmap2::MmapOptions::new().len(len as usize).map(&file)? };
        Ok(FileBytes::Mapped(map))
    }

    fn file_len(&self, path: &Path) -> io::Result<u64> {
        Ok(std::fs::metadata(path)?.len())
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        std::fs::rename(from, to)
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_file(path)
    }

    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_dir_all(path)
    }

    fn sync_dir(&self, path: &Path) -> io::Result<()> {
        File::open(path)?.sync_all()
    }

    fn list_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(path)? {
            let entry = entry?;
            out.push(DirEntry {
                name: entry.file_name(),
                is_dir: entry.file_type()?.is_dir(),
            });
        }
        Ok(out)
    }

    fn try_lock(&self, path: &Path) -> io::Result<Option<Box<dyn FileLock>>> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Box::new(OsLock { _file: file }))),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }

    fn hard_link(&self, src: &Path, dst: &Path) -> io::Result<()> {
        std::fs::hard_link(src, dst)
    }

    fn copy_file(&self, src: &Path, dst: &Path) -> io::Result<u64> {
        let mut from = File::open(src)?;
        let mut to = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(dst)?;
        // `io::copy` between two files uses copy_file_range(2) where the kernel has it.
        let n = io::copy(&mut from, &mut to)?;
        to.sync_all()?;
        Ok(n)
    }
}

/// The suffix of files being written; anything with it is a leftover after a crash.
pub const TEMP_SUFFIX: &str = ".tmp";

/// Publish a file durably (docs/reliability.md recipe 1): write `dir/name.tmp` with ordinary writes,
/// fsync it, rename it to `dir/name`, fsync `dir`. Only after this returns may the catalog refer
/// to the file.
///
/// `write` produces the contents. On an error the temporary file is removed (best effort) and a
/// failed fsync is reported as [`Error::SyncFailed`], which the caller must treat as fatal.
pub fn publish(
    fs: &dyn FileSystem,
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut dyn WritableFile) -> io::Result<()>,
) -> Result<PathBuf> {
    let tmp = dir.join(format!("{name}{TEMP_SUFFIX}"));
    let target = dir.join(name);
    let result = publish_inner(fs, dir, &tmp, &target, write);
    if result.is_err() {
        let _ = fs.remove_file(&tmp);
    }
    result.map(|()| target)
}

fn publish_inner(
    fs: &dyn FileSystem,
    dir: &Path,
    tmp: &Path,
    target: &Path,
    write: impl FnOnce(&mut dyn WritableFile) -> io::Result<()>,
) -> Result<()> {
    let mut file = fs.create(tmp).map_err(|e| Error::io(tmp, e))?;
    write(file.as_mut()).map_err(|e| Error::io(tmp, e))?;
    // Flush before the fsync: the last buffered bytes can hit a full disk, and that is a write
    // error (DiskFull, retried later), not a failed fsync (fatal, never retried).
    file.flush().map_err(|e| Error::io(tmp, e))?;
    fail::fail_point!("publish::before_sync");
    file.sync_all().map_err(|e| Error::sync(tmp, e))?;
    drop(file);
    fail::fail_point!("publish::before_rename");
    fs.rename(tmp, target).map_err(|e| Error::io(target, e))?;
    fail::fail_point!("publish::before_dir_sync");
    fs.sync_dir(dir).map_err(|e| Error::sync(dir, e))?;
    fail::fail_point!("publish::after");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_buf_is_aligned_and_exact() {
        let bytes: Vec<u8> = (0..200u8).collect();
        let buf = AlignedBuf::from_bytes(&bytes);
        assert_eq!(buf.as_bytes(), &bytes[..]);
        assert_eq!(buf.as_bytes().as_ptr() as usize % 64, 0);
        assert!(AlignedBuf::from_bytes(&[]).is_empty());
    }

    /// `OsFs` whose files fail to flush with ENOSPC.
    #[derive(Debug)]
    struct FullOnFlush;

    struct FullFile;

    impl WritableFile for FullFile {
        fn write_all(&mut self, _: &[u8]) -> io::Result<()> {
            Ok(())
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::Error::from_raw_os_error(28))
        }
        fn sync_all(&mut self) -> io::Result<()> {
            self.flush()
        }
    }

    impl FileSystem for FullOnFlush {
        fn create_dir_all(&self, path: &Path) -> io::Result<()> {
            OsFs.create_dir_all(path)
        }
        fn create(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
            OsFs.create(path)
                .map(|_| Box::new(FullFile) as Box<dyn WritableFile>)
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

    /// Regression (found by `disk_full.rs` on a real tmpfs): the last buffered bytes of a file
    /// meeting a full disk inside `sync_all` were reported as a failed fsync, which poisons the
    /// database, instead of a write error that the engine reports as `DiskFull` and retries.
    #[test]
    fn a_full_disk_at_the_final_flush_is_a_write_error_not_a_failed_fsync() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = publish(&FullOnFlush, dir.path(), "a.bin", |f| f.write_all(b"x"))
            .expect_err("the flush fails");
        assert!(!err.is_poisoning(), "{err}");
        assert!(matches!(err, Error::DiskFull { .. }), "{err}");
        assert!(!dir.path().join("a.bin.tmp").exists(), "temp file removed");
        assert!(!dir.path().join("a.bin").exists());
    }

    #[test]
    fn publish_then_lock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fs = OsFs;
        let path = publish(&fs, dir.path(), "a.bin", |f| f.write_all(b"hello")).expect("publish");
        assert_eq!(&*fs.map(&path).expect("map"), b"hello");
        assert!(!dir.path().join("a.bin.tmp").exists());
        let lock = fs.try_lock(&dir.path().join("LOCK")).expect("lock");
        assert!(lock.is_some());
        assert!(fs
            .try_lock(&dir.path().join("LOCK"))
            .expect("lock")
            .is_none());
        drop(lock);
        assert!(fs
            .try_lock(&dir.path().join("LOCK"))
            .expect("lock")
            .is_some());
    }
}
