//! Guards behaviour on a really full disk (docs/reliability.md T7, real-device tier): a database on a
//! small tmpfs is written until the device fills. The first failure must be a typed `DiskFull`
//! (never a panic or a silent loss), reads keep working, no acknowledged write is lost, and once
//! space is freed writes resume (after a reopen at most) and everything acknowledged is there.
//!
//! Needs root to mount the tmpfs; skipped with a printed reason otherwise. The deterministic
//! ENOSPC sweep over every file operation is in `io_errors.rs`.

use std::path::Path;
use std::process::Command;

use kiln::{CollectionConfig, Database, DbOptions, Durability, Error, Metric, SearchOptions};
use kiln_tests::{assert_same_hits, Model, TempDir};

const DIM: usize = 64;

struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn mount_tmpfs(at: &Path, size: &str) -> Result<Mount, String> {
    // Only root may mount.
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|e| e.to_string())?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Err("not running as root".into());
    }
    std::fs::create_dir_all(at).map_err(|e| e.to_string())?;
    let status = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(at)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("mount failed: {status}"));
    }
    Ok(Mount(at.to_path_buf()))
}

fn v(i: u64) -> Vec<f32> {
    (0..DIM as u64)
        .map(|j| ((i * 13 + j) % 31) as f32 - 15.0)
        .collect()
}

#[test]
fn a_full_disk_gives_disk_full_and_loses_nothing() {
    let tmp = TempDir::new("diskfull");
    let mnt = tmp.root().join("mnt");
    let _mount = match mount_tmpfs(&mnt, "40m") {
        Ok(m) => m,
        Err(why) => {
            eprintln!("disk_full: skipped ({why})");
            return;
        }
    };
    let ballast = mnt.join("ballast");
    std::fs::write(&ballast, vec![0u8; 12 << 20]).expect("ballast");
    let dir = mnt.join("db");
    let mut model = Model::new(Metric::L2, DIM);
    let mut first_error = None;
    {
        let db =
            Database::open_with(&dir, DbOptions::new().durability(Durability::Sync)).expect("open");
        let c = db
            .create_collection(
                "f",
                CollectionConfig::new(DIM, Metric::L2).segment_rows(2_000),
            )
            .expect("create");
        for b in 0..400u64 {
            let ids: Vec<u64> = (b * 500..b * 500 + 500).collect();
            let flat: Vec<f32> = ids.iter().flat_map(|&i| v(i)).collect();
            match c.insert_batch(&ids, &flat) {
                Ok(()) => {
                    for (id, x) in ids.iter().zip(flat.chunks(DIM)) {
                        model.upsert(*id, x);
                    }
                }
                Err(e) => {
                    first_error = Some(e);
                    break;
                }
            }
        }
        let e = first_error.clone().expect("the disk filled up");
        assert!(
            matches!(e, Error::DiskFull { .. }),
            "first failure is DiskFull, got {e}"
        );
        // Reads keep working on a full disk.
        let q = v(3);
        assert_same_hits(
            "full disk",
            &c.search(&q, &SearchOptions::new(10).exact(true))
                .expect("search"),
            &model.search(&q, 10),
        );
        assert_eq!(c.len(), model.len());
        // Free space: writes resume, here or after a reopen.
        std::fs::remove_file(&ballast).expect("free space");
        let ids: Vec<u64> = (1_000_000..1_000_100).collect();
        let flat: Vec<f32> = ids.iter().flat_map(|&i| v(i)).collect();
        match c.insert_batch(&ids, &flat) {
            Ok(()) => {
                for (id, x) in ids.iter().zip(flat.chunks(DIM)) {
                    model.upsert(*id, x);
                }
                eprintln!("disk_full: writes resumed in place after freeing space");
            }
            Err(e) => {
                eprintln!("disk_full: after freeing space the open database says {e}; reopening")
            }
        }
    }
    let db = Database::open(&dir).expect("reopen after freeing space");
    let c = db.collection("f").expect("collection");
    assert_eq!(c.len(), model.len(), "no acknowledged write lost");
    for id in (0..model.rows.keys().max().copied().unwrap_or(0)).step_by(97) {
        assert_eq!(
            c.get(id).expect("get").as_ref(),
            model.rows.get(&id),
            "id {id}"
        );
    }
    let ids: Vec<u64> = (2_000_000..2_000_100).collect();
    let flat: Vec<f32> = ids.iter().flat_map(|&i| v(i)).collect();
    c.insert_batch(&ids, &flat)
        .expect("writes resume after the reopen");
    eprintln!(
        "disk_full: {} rows acknowledged before the device filled ({}), all present after reopen",
        model.len(),
        first_error.map(|e| e.to_string()).unwrap_or_default()
    );
}
