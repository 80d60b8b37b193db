//! Questions the trust graph answers. Nothing here knows about output formats.

pub mod blast;
pub mod lineage;
