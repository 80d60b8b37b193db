//! JSON Schemas of heir's public JSON: the graph document and each command's `--format json`
//! answer, generated from the very types that are serialised, so a schema cannot drift from what
//! heir writes. The checked-in copies under `schema/` are compared with these by a test.

use schemars::JsonSchema;
use serde_json::Value;

/// A schema heir publishes: its name (`heir schema NAME`, `schema/NAME.schema.json`), what it
/// describes, and how to generate it.
pub struct Published {
    pub name: &'static str,
    pub describes: &'static str,
    pub generate: fn() -> Value,
}

/// The schema of what heir *writes* as `T` (schemars' serialize contract: a field left out when
/// empty is optional, not required).
fn of<T: JsonSchema>() -> Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    serde_json::to_value(generator.into_root_schema_for::<T>()).expect("a schema is plain JSON")
}

/// Every published schema, the graph document first.
pub const PUBLISHED: &[Published] = &[
    Published {
        name: "graph",
        describes: "the graph document (input of every command, output of collect and merge)",
        generate: crate::model::Document::json_schema,
    },
    Published {
        name: "validate",
        describes: "`heir validate --format json`",
        generate: of::<super::ValidateReport>,
    },
    Published {
        name: "blast",
        describes: "`heir blast --format json`",
        generate: of::<crate::report::blast::BlastReport<'static>>,
    },
    Published {
        name: "inherited",
        describes: "`heir inherited --format json`",
        generate: of::<crate::analysis::lineage::LineageReport>,
    },
    Published {
        name: "hunt",
        describes: "`heir hunt --format json`",
        generate: of::<crate::analysis::hunt::HuntReport>,
    },
    Published {
        name: "plan",
        describes: "`heir plan --format json`",
        generate: of::<crate::analysis::plan::Plan>,
    },
    Published {
        name: "journal",
        describes: "one line of the `heir revoke` journal (JSON lines)",
        generate: of::<crate::act::journal::Entry>,
    },
    Published {
        name: "verify",
        describes: "`heir verify --format json`",
        generate: of::<crate::act::verify::VerifyReport>,
    },
    Published {
        name: "sprawl",
        describes: "`heir sprawl --format json`",
        generate: of::<crate::analysis::sprawl::SprawlReport>,
    },
];

/// The published schema called `name`.
pub fn find(name: &str) -> Option<&'static Published> {
    PUBLISHED.iter().find(|p| p.name == name)
}

/// A schema as checked in: pretty JSON and a final newline.
pub fn text(p: &Published) -> String {
    serde_json::to_string_pretty(&(p.generate)()).expect("a schema serialises") + "\n"
}
