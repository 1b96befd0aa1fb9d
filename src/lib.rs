#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub use kiln_engine::*;

/// Storage internals (file system seam, segment format), for tools and tests.
pub mod storage {
    pub use kiln_storage::*;
}
