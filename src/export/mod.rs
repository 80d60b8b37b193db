//! Whole-graph exports for other tools.

pub mod dot;
pub mod opengraph;
