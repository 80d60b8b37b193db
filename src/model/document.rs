//! The graph document: the public, versioned interchange format (docs/contracts.md). These types are
//! the schema: `schema/graph.schema.json` is generated from them, and `deny_unknown_fields`
//! everywhere because a typo such as `requiers` must not silently widen a blast radius.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::kinds::{EdgeKind, NodeKind, Requirement, Revocation, TokenType};
use super::time::Timestamp;

/// Free-form source data kept with a node or edge (never secret values).
pub type Props = serde_json::Map<String, serde_json::Value>;

/// A heir trust-graph document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "heir graph document")]
pub struct Document {
    /// Format version; always 1.
    #[schemars(range(min = 1, max = 1))]
    pub version: u32,
    /// Where the data came from and whether each collection was complete.
    #[serde(default)]
    pub sources: Vec<Source>,
    #[serde(default)]
    pub nodes: Vec<Node>,
    #[serde(default)]
    pub edges: Vec<Edge>,
}

/// One collection run that contributed to the document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Collector name (`okta`, `entra`, …); nodes whose `platform` equals it are covered by it.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<Timestamp>,
    /// False when some of the data could not be collected: analyses over it say so.
    #[serde(default = "yes")]
    pub complete: bool,
    /// Why the collection is incomplete; on a complete one, what the collector does not evaluate
    /// (an importer's stated limits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Further platforms this source covers besides `name` (e.g. `oktalog` covers `okta`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    /// What the collector or importer did with its input: a document built from 13 log events of
    /// which 12 were used says so, instead of looking as complete as one built from all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<Records>,
}

/// Record accounting of one collection: records read, used, and skipped by reason. `read` is
/// `used` plus every skipped count; a reason names why a record could not become graph data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Records {
    /// Records in the input: API objects returned, or log events in the export.
    pub read: u64,
    /// Records that became (part of) a node or an edge.
    pub used: u64,
    /// Skipped records, counted by reason (`"unsuccessful outcome": 3`).
    #[serde(default)]
    pub skipped: std::collections::BTreeMap<String, u64>,
    /// The first few skipped records by reason, as ids (never secret values), to go and look.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub examples: std::collections::BTreeMap<String, Vec<String>>,
}

fn yes() -> bool {
    true
}

/// A node of the trust graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Unique, stable id; convention `platform:kind:native-id`.
    pub id: String,
    pub kind: NodeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Groups one human's accounts for reporting; never followed by the traversal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    /// 0–10, default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 10))]
    pub criticality: Option<u8>,
    /// Default true. False: disabled/suspended account (no new sign-in) or inactive credential (dead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// `env:prod`-style environments, `tier0` for crown jewels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation: Option<Revocation>,
    /// Unusable away from the device it was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_bound: Option<bool>,
    /// The session already satisfied MFA; whoever steals it inherits the claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<TokenType>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Other ids this object is known by on its platform (login, email, ARN, UPN). Federation edges
    /// written by another collector name whatever the IdP knows; `heir merge` rewrites an edge
    /// naming an alias to this node's canonical id, so the join needs no mapping table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Props::is_empty")]
    pub props: Props,
}

impl Node {
    /// A bare node of a kind; collectors and tests fill in the rest.
    pub fn new(id: impl Into<String>, kind: NodeKind) -> Self {
        Node {
            id: id.into(),
            kind,
            platform: None,
            name: None,
            person: None,
            criticality: None,
            enabled: None,
            tags: Vec::new(),
            issued_at: None,
            expires_at: None,
            last_used_at: None,
            revocation: None,
            device_bound: None,
            mfa: None,
            token_type: None,
            scopes: Vec::new(),
            aliases: Vec::new(),
            props: Props::new(),
        }
    }

    pub fn criticality(&self) -> u8 {
        self.criticality.unwrap_or(0)
    }

    pub fn enabled(&self) -> bool {
        self.enabled.unwrap_or(true)
    }

    /// The platform, or the `platform:` prefix of the id by convention.
    pub fn platform(&self) -> &str {
        match &self.platform {
            Some(p) => p,
            None => self.id.split(':').next().unwrap_or(""),
        }
    }

    /// A name for people: `name` when known, else the id.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }

    /// Whether a credential exists and works at `at`: enabled, already issued, not expired.
    /// Non-credentials are always alive.
    pub fn alive_at(&self, at: Timestamp) -> bool {
        if !self.kind.is_credential() {
            return true;
        }
        self.enabled()
            && self.issued_at.is_none_or(|t| t <= at)
            && self.expires_at.is_none_or(|t| t > at)
    }
}

/// An edge: whoever controls `from` can obtain, use or act as `to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    /// Conditions under which the edge can be crossed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<Requirement>,
    /// When it happened (for `issued`: when the child was minted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Props::is_empty")]
    pub props: Props,
}

impl Edge {
    pub fn new(from: impl Into<String>, to: impl Into<String>, kind: EdgeKind) -> Self {
        Edge {
            from: from.into(),
            to: to.into(),
            kind,
            requires: Vec::new(),
            at: None,
            props: Props::new(),
        }
    }
}

impl Document {
    pub fn new() -> Self {
        Document {
            version: 1,
            ..Default::default()
        }
    }

    /// The JSON Schema of the document, as checked in under `schema/`.
    pub fn json_schema() -> serde_json::Value {
        let schema = schemars::schema_for!(Document);
        serde_json::to_value(schema).expect("a schema is plain JSON")
    }
}
