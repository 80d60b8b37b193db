//! Questions the trust graph answers. Nothing here knows about output formats.

pub mod blast;
pub mod cut;
pub mod hunt;
pub mod lineage;
pub mod mechanism;
pub mod plan;
pub mod reach;
pub mod sprawl;
