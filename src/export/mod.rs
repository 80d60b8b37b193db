//! Whole-graph exports for other tools.

pub mod bolt;
pub mod cypher;
pub mod dot;
pub mod neo4j;
pub mod neo4j_import;
pub mod nodelay;
pub mod opengraph;
