//! File systems for fault injection, put under Kiln through `DbOptions::file_system`.
//!
//! [`FaultyFs`] counts every operation on Kiln's own files and fails the N-th one (or every one
//! from the N-th on) with EIO, ENOSPC or a short write, so a test can walk a workload through a
//! failure at every file operation it performs.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use kiln_storage::fs::{DirEntry, FileBytes, FileLock, FileSystem, OsFs, WritableFile};

/// The failure to inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `EIO`.
    Eio,
    /// `ENOSPC` (disk full).
    NoSpace,
    /// A write that stores only half its bytes and then reports `EIO`.
    ShortWrite,
}

impl Fault {
    fn error(self) -> io::Error {
        match self {
            Fault::Eio | Fault::ShortWrite => io::Error::from_raw_os_error(libc::EIO),
            Fault::NoSpace => io::Error::from_raw_os_error(libc::ENOSPC),
        }
    }
}

/// Fails operation number `at` (counting from 1) with `fault`; with `persistent`, every later
/// operation too. `at = 0` never fails.
#[derive(Debug)]
pub struct FaultyFs {
    inner: OsFs,
    ops: AtomicU64,
    at: AtomicU64,
    fault: Fault,
    persistent: bool,
    dead: std::sync::atomic::AtomicBool,
    /// Every failure injected, as "op N: what on path".
    pub log: Mutex<Vec<String>>,
}

impl FaultyFs {
    pub fn new(at: u64, fault: Fault, persistent: bool) -> Arc<Self> {
        Arc::new(FaultyFs {
            inner: OsFs,
            ops: AtomicU64::new(0),
            at: AtomicU64::new(at),
            fault,
            persistent,
            dead: std::sync::atomic::AtomicBool::new(false),
            log: Mutex::new(Vec::new()),
        })
    }

    /// Operations counted so far.
    pub fn ops(&self) -> u64 {
        self.ops.load(Ordering::SeqCst)
    }

    /// Stop failing.
    pub fn heal(&self) {
        self.at.store(0, Ordering::SeqCst);
    }

    /// Simulate the process dying, as far as Kiln's own files go: every operation from now on
    /// fails with EIO, so whatever was in flight (a seal, a merge, an index build) stops where
    /// it is and leaves its partial files behind.
    pub fn crash(&self) {
        self.dead.store(true, Ordering::SeqCst);
    }

    /// Count one operation; `Err` if it must fail.
    fn tick(&self, what: &str, path: &Path) -> io::Result<()> {
        if self.dead.load(Ordering::SeqCst) {
            return Err(io::Error::from_raw_os_error(libc::EIO));
        }
        let n = self.ops.fetch_add(1, Ordering::SeqCst) + 1;
        let at = self.at.load(Ordering::SeqCst);
        if at != 0 && (n == at || (self.persistent && n > at)) {
            if let Ok(mut log) = self.log.lock() {
                log.push(format!("op {n}: {what} {}", path.display()));
            }
            return Err(self.fault.error());
        }
        Ok(())
    }

    fn short_write_due(&self) -> bool {
        self.fault == Fault::ShortWrite
    }
}

struct FaultyFile {
    fs: Arc<FaultyFs>,
    path: PathBuf,
    inner: Box<dyn WritableFile>,
}

impl WritableFile for FaultyFile {
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        if let Err(e) = self.fs.tick("write", &self.path) {
            if self.fs.short_write_due() {
                let _ = self.inner.write_all(&buf[..buf.len() / 2]);
            }
            return Err(e);
        }
        self.inner.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.fs.tick("flush", &self.path)?;
        self.inner.flush()
    }

    fn sync_all(&mut self) -> io::Result<()> {
        self.fs.tick("fsync", &self.path)?;
        self.inner.sync_all()
    }
}

/// A handle that shares one [`FaultyFs`] between Kiln and the test.
#[derive(Debug, Clone)]
pub struct SharedFaultyFs(pub Arc<FaultyFs>);

impl FileSystem for SharedFaultyFs {
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        self.0.tick("mkdir", path)?;
        self.0.inner.create_dir_all(path)
    }
    fn create(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        self.0.tick("create", path)?;
        Ok(Box::new(FaultyFile {
            fs: Arc::clone(&self.0),
            path: path.to_path_buf(),
            inner: self.0.inner.create(path)?,
        }))
    }
    fn map(&self, path: &Path) -> io::Result<FileBytes> {
        self.0.tick("map", path)?;
        self.0.inner.map(path)
    }
    fn file_len(&self, path: &Path) -> io::Result<u64> {
        self.0.tick("stat", path)?;
        self.0.inner.file_len(path)
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.0.tick("rename", to)?;
        self.0.inner.rename(from, to)
    }
    fn remove_file(&self, path: &Path) -> io::Result<()> {
        self.0.tick("unlink", path)?;
        self.0.inner.remove_file(path)
    }
    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        self.0.tick("rmdir", path)?;
        self.0.inner.remove_dir_all(path)
    }
    fn sync_dir(&self, path: &Path) -> io::Result<()> {
        self.0.tick("fsync-dir", path)?;
        self.0.inner.sync_dir(path)
    }
    fn list_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        self.0.tick("readdir", path)?;
        self.0.inner.list_dir(path)
    }
    fn try_lock(&self, path: &Path) -> io::Result<Option<Box<dyn FileLock>>> {
        self.0.tick("lock", path)?;
        self.0.inner.try_lock(path)
    }
}

/// Simulates a power cut under Kiln's own files: it tracks what was written but not fsynced,
/// renames and creations whose directory was not fsynced, and at [`CrashFs::apply_cut`] drops,
/// keeps or garbles the unsynced data and undoes or keeps the unsynced directory changes, as a
/// disk may after losing power. Operations fail from the cut on (the machine is off).
///
/// RocksDB's files are outside this seam; with `Durability::Sync` they hold every acknowledged
/// write, so what the test checks is that Kiln never refers to a file whose durability it had
/// not established.
#[derive(Debug)]
pub struct CrashFs {
    inner: OsFs,
    ops: AtomicU64,
    cut_at: u64,
    state: Mutex<CrashState>,
}

#[derive(Debug, Default)]
struct CrashState {
    cut: bool,
    /// Files written through this file system: (bytes written, bytes fsynced).
    files: std::collections::HashMap<PathBuf, (u64, u64)>,
    /// Renames and creations whose directory has not been fsynced: (from, to); `from` empty
    /// for a creation.
    pending: Vec<(Option<PathBuf>, PathBuf)>,
}

/// What the simulated power cut did.
#[derive(Debug, Default, Clone)]
pub struct CutReport {
    pub truncated: usize,
    pub garbled: usize,
    pub renames_undone: usize,
    pub creations_lost: usize,
}

impl CrashFs {
    /// A file system that loses power at operation `cut_at` (counting from 1).
    pub fn new(cut_at: u64) -> Arc<Self> {
        Arc::new(CrashFs {
            inner: OsFs,
            ops: AtomicU64::new(0),
            cut_at,
            state: Mutex::new(CrashState::default()),
        })
    }

    /// File operations attempted so far.
    pub fn ops_done(&self) -> u64 {
        self.ops.load(Ordering::SeqCst)
    }

    /// Whether the power is off.
    pub fn is_cut(&self) -> bool {
        self.state.lock().map(|s| s.cut).unwrap_or(true)
    }

    fn tick(&self) -> io::Result<()> {
        let n = self.ops.fetch_add(1, Ordering::SeqCst) + 1;
        let mut s = self
            .state
            .lock()
            .map_err(|_| io::Error::other("poisoned"))?;
        if n >= self.cut_at {
            s.cut = true;
        }
        if s.cut {
            return Err(io::Error::from_raw_os_error(libc::EIO));
        }
        Ok(())
    }

    /// Apply the cut to what is on disk (call after the database was dropped).
    pub fn apply_cut(&self, rng: &mut impl rand::Rng) -> CutReport {
        let mut report = CutReport::default();
        let Ok(s) = self.state.lock() else {
            return report;
        };
        // Unsynced data: kept, dropped or garbled.
        for (path, &(written, synced)) in &s.files {
            if synced >= written || !path.exists() {
                continue;
            }
            match rng.gen_range(0..3) {
                0 => {}
                1 => {
                    if let Ok(f) = std::fs::OpenOptions::new().write(true).open(path) {
                        let _ = f.set_len(synced);
                        report.truncated += 1;
                    }
                }
                _ => {
                    if let Ok(mut data) = std::fs::read(path) {
                        for b in data.iter_mut().skip(synced as usize) {
                            *b = rng.gen();
                        }
                        let _ = std::fs::write(path, data);
                        report.garbled += 1;
                    }
                }
            }
        }
        // Unsynced directory changes, newest first: undone or kept.
        for (from, to) in s.pending.iter().rev() {
            if !rng.gen_bool(0.5) || !to.exists() {
                continue;
            }
            match from {
                Some(from) => {
                    if std::fs::rename(to, from).is_ok() {
                        report.renames_undone += 1;
                    }
                }
                None => {
                    if std::fs::remove_file(to).is_ok() {
                        report.creations_lost += 1;
                    }
                }
            }
        }
        report
    }
}

struct CrashFile {
    fs: Arc<CrashFs>,
    path: PathBuf,
    inner: Box<dyn WritableFile>,
}

impl WritableFile for CrashFile {
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.fs.tick()?;
        self.inner.write_all(buf)?;
        if let Ok(mut s) = self.fs.state.lock() {
            if let Some(f) = s.files.get_mut(&self.path) {
                f.0 += buf.len() as u64;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.fs.tick()?;
        self.inner.flush()
    }

    fn sync_all(&mut self) -> io::Result<()> {
        self.fs.tick()?;
        self.inner.sync_all()?;
        if let Ok(mut s) = self.fs.state.lock() {
            if let Some(f) = s.files.get_mut(&self.path) {
                f.1 = f.0;
            }
        }
        Ok(())
    }
}

/// A handle sharing one [`CrashFs`] between Kiln and the test.
#[derive(Debug, Clone)]
pub struct SharedCrashFs(pub Arc<CrashFs>);

impl FileSystem for SharedCrashFs {
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        self.0.tick()?;
        self.0.inner.create_dir_all(path)
    }
    fn create(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        self.0.tick()?;
        let inner = self.0.inner.create(path)?;
        if let Ok(mut s) = self.0.state.lock() {
            s.files.insert(path.to_path_buf(), (0, 0));
            s.pending.push((None, path.to_path_buf()));
        }
        Ok(Box::new(CrashFile {
            fs: Arc::clone(&self.0),
            path: path.to_path_buf(),
            inner,
        }))
    }
    fn map(&self, path: &Path) -> io::Result<FileBytes> {
        self.0.tick()?;
        self.0.inner.map(path)
    }
    fn file_len(&self, path: &Path) -> io::Result<u64> {
        self.0.tick()?;
        self.0.inner.file_len(path)
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.0.tick()?;
        self.0.inner.rename(from, to)?;
        if let Ok(mut s) = self.0.state.lock() {
            if let Some(f) = s.files.remove(from) {
                s.files.insert(to.to_path_buf(), f);
            }
            s.pending.push((Some(from.to_path_buf()), to.to_path_buf()));
        }
        Ok(())
    }
    fn remove_file(&self, path: &Path) -> io::Result<()> {
        self.0.tick()?;
        self.0.inner.remove_file(path)?;
        if let Ok(mut s) = self.0.state.lock() {
            s.files.remove(path);
            s.pending.retain(|(_, to)| to != path);
        }
        Ok(())
    }
    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        self.0.tick()?;
        self.0.inner.remove_dir_all(path)
    }
    fn sync_dir(&self, path: &Path) -> io::Result<()> {
        self.0.tick()?;
        self.0.inner.sync_dir(path)?;
        if let Ok(mut s) = self.0.state.lock() {
            s.pending.retain(|(_, to)| to.parent() != Some(path));
        }
        Ok(())
    }
    fn list_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        self.0.tick()?;
        self.0.inner.list_dir(path)
    }
    fn try_lock(&self, path: &Path) -> io::Result<Option<Box<dyn FileLock>>> {
        self.0.tick()?;
        self.0.inner.try_lock(path)
    }
}
