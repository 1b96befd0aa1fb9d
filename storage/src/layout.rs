//! Where things live in a database directory, and the startup cleanup of leftovers.
//!
//! ```text
//! <root>/LOCK                       exclusive lock of the open database (flock)
//! <root>/catalog/                   RocksDB: write-ahead log and catalog
//! <root>/collections/c<id>/         one directory per collection, named by its numeric id
//! <root>/collections/c<id>/<segment id, 16 hex>.seg    sealed segment files
//! <root>/collections/c<id>/<id, 16 hex>.idx            index files (derived data)
//! <root>/collections/c<id>/<id, 16 hex>.tpl            trained IVF templates (derived data)
//! ```
//!
//! # Many processes on one directory
//!
//! One writer holds `<root>/LOCK` (an exclusive `flock`, taken without waiting: a second writer
//! gets `Locked` at once). Readers (catalog followers, [`crate::Catalog::open_follower`]) take
//! **no lock**: any lock of theirs on that file would make a writer starting later fail, and a
//! lock elsewhere would only help if the writer consulted it before deleting files, which would
//! let a stalled or dead reader pin disk space in the writer's directory. So the writer deletes
//! files as if alone (merges, drops, [`remove_leftovers`] at a restart). A reader keeps what it
//! has open or mapped (on Linux an unlinked file lives on while open); a file its catalog state
//! names but that is gone when it first opens it means that state is stale: catch up and load
//! again. Readers never write in the database directory, which may be read-only to them.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::blob::is_blob_file_name;
use crate::catalog::{Catalog, SegmentState};
use crate::error::{Error, Result};
use crate::fs::{FileSystem, TEMP_SUFFIX};
use crate::ids::CollectionId;
use crate::segment::{parse_segment_file_name, segment_file_name};

/// Paths of one database directory.
#[derive(Debug, Clone)]
pub struct DbLayout {
    root: PathBuf,
}

impl DbLayout {
    /// The layout rooted at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DbLayout { root: root.into() }
    }

    /// The database directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The lock file, held exclusively by the one writer; readers do not lock (see the
    /// [module documentation](crate::layout)).
    pub fn lock_path(&self) -> PathBuf {
        self.root.join("LOCK")
    }

    /// The catalog (RocksDB) directory.
    pub fn catalog_dir(&self) -> PathBuf {
        self.root.join("catalog")
    }

    /// The parent of all collection directories.
    pub fn collections_dir(&self) -> PathBuf {
        self.root.join("collections")
    }

    /// The directory of collection `id`.
    pub fn collection_dir(&self, id: CollectionId) -> PathBuf {
        self.collections_dir().join(id.to_string())
    }
}

fn parse_collection_dir(name: &str) -> Option<CollectionId> {
    let digits = name.strip_prefix('c')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().map(CollectionId)
}

/// Whether `name` is a file Kiln creates in a collection directory (final or temporary).
fn is_kiln_file(name: &str) -> bool {
    let base = name.strip_suffix(TEMP_SUFFIX).unwrap_or(name);
    parse_segment_file_name(base).is_some() || is_blob_file_name(base)
}

/// The files of the database that `catalog` refers to, by collection: every sealed segment's
/// file, every index file and every template file (names inside the collection's directory).
/// What startup cleanup must keep and what a checkpoint must carry over.
pub fn referenced_files(catalog: &Catalog) -> Result<HashMap<CollectionId, HashSet<String>>> {
    let mut referenced: HashMap<CollectionId, HashSet<String>> = HashMap::new();
    for c in catalog.collections()? {
        let files = referenced.entry(c.id).or_default();
        for s in catalog.segments(c.id)? {
            if let SegmentState::Sealed(_) = s.state {
                files.insert(segment_file_name(s.id));
            }
            if let Some(index) = s.index {
                files.extend(index.blobs().map(|b| b.file.clone()));
            }
        }
        for t in catalog.templates(c.id)? {
            files.insert(t.blob.file);
        }
    }
    Ok(referenced)
}

/// What [`remove_leftovers`] removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cleanup {
    /// Files and directories removed.
    pub removed: Vec<PathBuf>,
}

/// Remove what interrupted writes and drops left behind (docs/reliability.md recipe 5): temporary
/// files, files no catalog entry refers to, and directories of collections the catalog no longer
/// has. Runs only after the catalog loaded, and touches only names Kiln itself creates.
///
/// `referenced` maps each live collection to the file names its catalog entries refer to.
pub fn remove_leftovers(
    fs: &dyn FileSystem,
    layout: &DbLayout,
    referenced: &HashMap<CollectionId, HashSet<String>>,
) -> Result<Cleanup> {
    let mut cleanup = Cleanup::default();
    let dir = layout.collections_dir();
    let entries = match fs.list_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(cleanup),
        Err(e) => return Err(Error::io(&dir, e)),
    };
    for entry in entries {
        let Some(name) = entry.name.to_str() else {
            continue;
        };
        let Some(coll) = parse_collection_dir(name).filter(|_| entry.is_dir) else {
            continue;
        };
        let path = dir.join(name);
        match referenced.get(&coll) {
            None => {
                fs.remove_dir_all(&path).map_err(|e| Error::io(&path, e))?;
                cleanup.removed.push(path);
            }
            Some(files) => {
                let mut removed_any = false;
                for file in fs.list_dir(&path).map_err(|e| Error::io(&path, e))? {
                    let Some(fname) = file.name.to_str() else {
                        continue;
                    };
                    if file.is_dir || !is_kiln_file(fname) || files.contains(fname) {
                        continue;
                    }
                    let fpath = path.join(fname);
                    fs.remove_file(&fpath).map_err(|e| Error::io(&fpath, e))?;
                    cleanup.removed.push(fpath);
                    removed_any = true;
                }
                if removed_any {
                    fs.sync_dir(&path).map_err(|e| Error::sync(&path, e))?;
                }
            }
        }
    }
    if !cleanup.removed.is_empty() {
        fs.sync_dir(&dir).map_err(|e| Error::sync(&dir, e))?;
    }
    Ok(cleanup)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::OsFs;

    #[test]
    fn removes_only_leftovers() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let layout = DbLayout::new(tmp.path());
        let live = layout.collection_dir(CollectionId(1));
        let dead = layout.collection_dir(CollectionId(2));
        std::fs::create_dir_all(&live).expect("mkdir");
        std::fs::create_dir_all(&dead).expect("mkdir");
        std::fs::create_dir_all(layout.collections_dir().join("user-stuff")).expect("mkdir");
        for name in [
            "0000000000000001.seg",
            "0000000000000002.seg",
            "0000000000000003.seg.tmp",
            "notes.txt",
            "0000000000000009.idx",
            "000000000000000a.tpl.tmp",
        ] {
            std::fs::write(live.join(name), b"x").expect("write");
        }
        let referenced = HashMap::from([(
            CollectionId(1),
            HashSet::from(["0000000000000001.seg".to_string()]),
        )]);
        let cleanup = remove_leftovers(&OsFs, &layout, &referenced).expect("cleanup");
        assert_eq!(cleanup.removed.len(), 5);
        assert!(live.join("0000000000000001.seg").exists());
        assert!(live.join("notes.txt").exists());
        assert!(!live.join("0000000000000002.seg").exists());
        assert!(!live.join("0000000000000003.seg.tmp").exists());
        assert!(!dead.exists());
        assert!(layout.collections_dir().join("user-stuff").exists());
    }
}
