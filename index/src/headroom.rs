//! Memory-mapping headroom: whether the process can afford the mapping a mapped index load
//! makes.
//!
//! Faiss maps index files itself (`faiss/impl/mapped_io.cpp`) and compares the result of
//! `mmap` with `nullptr` instead of `MAP_FAILED`. When the process has run out of mappings
//! (`vm.max_map_count`, 65,530 by default on Linux), `mmap` fails, Faiss takes `MAP_FAILED`
//! for an address and the process crashes inside Faiss. So before every mapped load, [`load`]
//! counts the mappings in use and loads the index in memory instead when fewer than
//! [`margin`] remain.
//!
//! The count reads `/proc/self/maps` and `/proc/sys/vm/max_map_count` (the only files this
//! crate opens that it was not handed); where they cannot be read (not Linux, no `/proc`) a
//! mapped load goes ahead as asked.
//!
//! [`load`]: crate::load

use std::io::Read;

/// Mappings that must remain free for a mapped load to go ahead, at the least.
pub(crate) const MIN_FREE_MAPPINGS: usize = 1_024;
/// ... or the limit divided by this (5 %), when that is more.
pub(crate) const FREE_FRACTION_DIVISOR: usize = 20;

/// The mappings that must remain free under `limit` for a mapped load: the larger of
/// [`MIN_FREE_MAPPINGS`] and 5 % of the limit.
///
/// Why so many, when a mapped load itself takes two (the check map, dropped again, and Faiss's
/// own): the count is a snapshot, and the rest of the process keeps mapping while the load
/// runs. The engine loads indexes in parallel at open (each passes the check before any of
/// them maps), every thread stack costs two mappings (stack and guard page), glibc serves
/// every allocation of 128 KiB or more with its own mapping (and an in-memory load makes such
/// allocations too), and segment files are mapped. 1,024 covers hundreds of those at once on
/// the default limit of 65,530 (1.6 %); a process that raised its limit tends to map at a
/// larger scale, so the margin grows with it (13,107 at 262,144).
pub(crate) fn margin(limit: usize) -> usize {
    MIN_FREE_MAPPINGS.max(limit / FREE_FRACTION_DIVISOR)
}

/// Whether a mapped load may go ahead with `in_use` mappings in the process under a limit of
/// `limit`: at least [`margin`] of them must remain free.
pub(crate) fn may_map(in_use: usize, limit: usize) -> bool {
    limit.saturating_sub(in_use) >= margin(limit)
}

/// The process's mappings in use and its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MapUsage {
    /// Lines of `/proc/self/maps`: one per mapping.
    pub(crate) in_use: usize,
    /// `vm.max_map_count`.
    pub(crate) limit: usize,
}

/// The current usage, or `None` when it cannot be read.
pub(crate) fn current_usage() -> Option<MapUsage> {
    let limit = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let in_use = count_lines(std::fs::File::open("/proc/self/maps").ok()?)?;
    Some(MapUsage { in_use, limit })
}

/// Newlines in everything `r` yields, read in 64 KiB pieces (the maps of a process near its
/// limit run to megabytes).
fn count_lines(mut r: impl Read) -> Option<usize> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut lines = 0usize;
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Some(lines),
            Ok(n) => {
                lines += buf.get(..n)?.iter().filter(|&&b| b == b'\n').count();
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_is_1024_or_five_percent() {
        assert_eq!(margin(0), 1_024);
        assert_eq!(margin(65_530), 3_276);
        assert_eq!(margin(20_480), 1_024);
        assert_eq!(margin(262_144), 13_107);
        assert_eq!(margin(usize::MAX), usize::MAX / 20);
    }

    #[test]
    fn mapping_goes_ahead_only_with_the_margin_free() {
        // The default limit: 3,276 must remain free.
        assert!(may_map(0, 65_530));
        assert!(may_map(500, 65_530));
        assert!(may_map(65_530 - 3_276, 65_530));
        assert!(!may_map(65_530 - 3_275, 65_530));
        assert!(!may_map(65_000, 65_530));
        assert!(!may_map(65_530, 65_530));
        // Already over the limit (lowered at run time): no.
        assert!(!may_map(70_000, 65_530));
        // A small limit: the fixed 1,024 applies.
        assert!(may_map(1_000, 2_048));
        assert!(!may_map(1_025, 2_048));
        assert!(!may_map(0, 1_000));
        assert!(!may_map(0, 0));
        // A huge limit: 5 %.
        assert!(may_map(1 << 20, usize::MAX));
        assert!(!may_map(usize::MAX - 1, usize::MAX));
    }

    #[test]
    fn lines_are_counted_across_reads() {
        let text = "a\n".repeat(100_000);
        assert_eq!(count_lines(text.as_bytes()), Some(100_000));
        assert_eq!(count_lines(&b""[..]), Some(0));
        assert_eq!(count_lines(&b"no newline"[..]), Some(0));
    }

    #[test]
    fn this_process_has_usage_on_linux() {
        if cfg!(target_os = "linux") && std::path::Path::new("/proc/self/maps").exists() {
            let usage = current_usage().expect("readable on Linux");
            assert!(usage.in_use > 0 && usage.limit > 0, "{usage:?}");
            // A test process is far from the limit.
            assert!(may_map(usage.in_use, usage.limit), "{usage:?}");
        }
    }
}
