//! `heir collect gcp --file F… [--project ID]`: Google Cloud service accounts, their keys and
//! who may act as them, from gcloud's JSON output, offline (docs/collectors/gcp.md).
//!
//! Each file is recognised by its shape: `gcloud iam service-accounts list`, `gcloud iam
//! service-accounts keys list`, `gcloud projects get-iam-policy` (one project: `--project`, or the
//! only project of the service accounts read), or `gcloud asset search-all-iam-policies` (any
//! resource, service accounts included). Key material (`privateKeyData`, `publicKeyData`) is
//! dropped at parse, before anything else sees a key.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::collect::collector::{input_error, parse, read_input, Collector, Context};
use crate::collect::json::{edge_with, node_on, props, s, shape, ts};
use crate::collect::Collection;
use crate::error::HeirError;
use crate::model::naming::{join, node_id, platform};
use crate::model::{EdgeKind, NodeKind, Props, Revocation, TokenType};

/// The source name (`heir collect gcp`, `sources[].name`), also the platform of its nodes.
pub const SOURCE: &str = "gcp";

const HOW: &str = "gcloud iam service-accounts list --format=json, gcloud iam service-accounts keys list --iam-account=EMAIL --format=json, gcloud projects get-iam-policy PROJECT --format=json or gcloud asset search-all-iam-policies --format=json";

/// Roles that let a member act as a service account (mint its tokens, attach it to compute).
const ACT_AS: [&str; 4] = [
    "roles/iam.serviceAccountTokenCreator",
    "roles/iam.serviceAccountUser",
    "roles/iam.workloadIdentityUser",
    "roles/iam.serviceAccountOpenIdTokenCreator",
];
/// Roles that let a member create keys for, or rewrite, a service account: persistence.
const CONTROL: [&str; 2] = [
    "roles/iam.serviceAccountKeyAdmin",
    "roles/iam.serviceAccountAdmin",
];
/// Roles that control the whole project.
const PROJECT_ADMIN: [&str; 2] = ["roles/owner", "roles/editor"];

pub struct Gcp;

#[derive(clap::Args, Debug)]
pub struct GcpOpts {
    /// gcloud JSON outputs: service-accounts list, keys list, projects get-iam-policy, asset
    /// search-all-iam-policies (recognised by shape; several files).
    #[arg(long, value_name = "FILE", required = true, num_args = 1..)]
    pub file: Vec<PathBuf>,
    /// The project a `get-iam-policy` output belongs to (its JSON does not say); not needed when
    /// the service accounts read are all of one project.
    #[arg(long, value_name = "ID")]
    pub project: Option<String>,
}

/// One input file, recognised.
#[derive(Debug, Clone)]
pub enum Input {
    ServiceAccounts(Vec<Value>),
    Keys(Vec<Value>),
    /// A project policy, its project if known.
    ProjectPolicy(Option<String>, Value),
    /// Cloud Asset search results: `{resource, project, policy}`.
    AssetPolicies(Vec<Value>),
}

impl Collector for Gcp {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Google Cloud service accounts, keys and IAM policies from gcloud JSON output (files)"
    }

    fn args(&self, cmd: clap::Command) -> clap::Command {
        <GcpOpts as clap::Args>::augment_args(cmd)
    }

    fn run(&self, args: &clap::ArgMatches, _ctx: &Context) -> Result<Collection, HeirError> {
        let o: GcpOpts = parse(args)?;
        let mut inputs = Vec::new();
        for f in &o.file {
            inputs.push(parse_input(f, &read_input(f)?)?);
        }
        // A project policy without its project: --project, or the one project of the accounts.
        let projects: BTreeSet<String> = inputs
            .iter()
            .filter_map(|i| match i {
                Input::ServiceAccounts(a) => Some(a),
                _ => None,
            })
            .flatten()
            .filter_map(|a| s(a, "/projectId").map(str::to_string))
            .collect();
        for (i, f) in inputs.iter_mut().zip(&o.file) {
            if let Input::ProjectPolicy(p, _) = i {
                *p = match (&o.project, projects.len()) {
                    (Some(p), _) => Some(p.clone()),
                    (None, 1) => projects.iter().next().cloned(),
                    _ => {
                        return Err(input_error(
                            f,
                            "is a project IAM policy, and its JSON does not say which project\n  fix: pass --project PROJECT_ID (or the project's `gcloud iam service-accounts list` output with it)",
                        ))
                    }
                };
            }
        }
        Ok(transform(&inputs))
    }
}

/// Drops key material from a key object, whatever the command printed.
fn scrub(v: &mut Value) {
    if let Some(o) = v.as_object_mut() {
        o.remove("privateKeyData");
        o.remove("publicKeyData");
    }
}

/// Recognises one gcloud output by its shape; key material is dropped here.
pub fn parse_input(path: &Path, text: &str) -> Result<Input, HeirError> {
    let mut v: Value = serde_json::from_str(text).map_err(|e| {
        let problem = if e.is_eof() {
            format!(
                "ends in the middle of a JSON value at line {}, column {} (truncated?)",
                e.line(),
                e.column()
            )
        } else {
            format!(
                "is not valid JSON at line {}, column {}: {e}",
                e.line(),
                e.column()
            )
        };
        input_error(
            path,
            format!("{problem}\n  fix: re-run the gcloud command with --format=json ({HOW})"),
        )
    })?;
    // The REST shapes wrap the lists: {"accounts": […]}, {"keys": […]}.
    if let Some(a) = v.get_mut("accounts").map(Value::take) {
        v = a;
    } else if let Some(k) = v.get_mut("keys").map(Value::take) {
        v = k;
    }
    match &mut v {
        Value::Array(items) => {
            for it in items.iter_mut() {
                scrub(it);
            }
            let first = items.first();
            if items.is_empty() {
                return Err(input_error(
                    path,
                    format!("is an empty list: nothing to read\n  fix: pass one of {HOW}"),
                ));
            }
            if first.is_some_and(|f| f.get("email").is_some() && f.get("uniqueId").is_some()) {
                Ok(Input::ServiceAccounts(items.clone()))
            } else if first.is_some_and(|f| {
                f.get("keyType").is_some() || s(f, "/name").is_some_and(|n| n.contains("/keys/"))
            }) {
                Ok(Input::Keys(items.clone()))
            } else if first
                .is_some_and(|f| f.get("policy").is_some() && f.get("resource").is_some())
            {
                Ok(Input::AssetPolicies(items.clone()))
            } else {
                Err(not_gcloud(path, &v))
            }
        }
        Value::Object(o) if o.contains_key("bindings") => Ok(Input::ProjectPolicy(None, v)),
        _ => Err(not_gcloud(path, &v)),
    }
}

fn not_gcloud(path: &Path, v: &Value) -> HeirError {
    let hint = if v.get("kind").and_then(Value::as_str) == Some("List") {
        "it is kubectl output: pass it to `heir collect k8s --file`".to_string()
    } else if v.get("UserDetailList").is_some() {
        "it is AWS IAM output: pass it to `heir collect aws --auth-details`".to_string()
    } else {
        format!("pass one of {HOW}")
    };
    input_error(
        path,
        format!(
            "is not a gcloud output heir reads ({})\n  fix: {hint}",
            shape(v)
        ),
    )
}

/// The service-account email of `projects/P/serviceAccounts/EMAIL[/keys/K]`.
fn email_of(name: &str) -> Option<&str> {
    name.split("/serviceAccounts/")
        .nth(1)
        .map(|r| r.split('/').next().unwrap_or(r))
}

/// The project of a service-account email (`x@P.iam.gserviceaccount.com`), when it says.
fn project_of_email(email: &str) -> Option<&str> {
    email
        .split('@')
        .nth(1)?
        .strip_suffix(".iam.gserviceaccount.com")
}

struct Builder {
    c: Collection,
    /// Emails of the accounts known, and their project when listed.
    account_project: std::collections::BTreeMap<String, String>,
    accounts: BTreeSet<String>,
    projects: BTreeSet<String>,
}

impl Builder {
    fn project(&mut self, p: &str) -> String {
        let id = node_id(platform::GCP, NodeKind::App, p);
        if self.projects.insert(p.to_string()) {
            let mut n = node_on(platform::GCP, NodeKind::App, p);
            n.name = Some(format!("Google Cloud project {p}"));
            self.c.node(n);
        }
        id
    }

    /// A service account named by a binding or a key but not listed.
    fn account(&mut self, email: &str) -> String {
        let id = join::gcp_service_account(email);
        if !self.accounts.contains(email) {
            let mut n = node_on(platform::GCP, NodeKind::ServiceAccount, email);
            n.name = Some(email.to_string());
            n.props.insert("listed".into(), Value::from(false));
            self.c.node(n);
            self.accounts.insert(email.to_string());
        }
        id
    }

    /// The node of an IAM member (`user:`, `serviceAccount:`, `group:`, …).
    fn member(&mut self, m: &str) -> Option<String> {
        let (ty, who) = m.split_once(':').unwrap_or((m, ""));
        let (kind, native) = match ty {
            "serviceAccount" if who.contains(".svc.id.goog[") => {
                // GKE workload identity: PROJECT.svc.id.goog[NAMESPACE/KSA].
                (
                    NodeKind::Workload,
                    who.replace(['[', ']'], "/")
                        .trim_end_matches('/')
                        .to_string(),
                )
            }
            "serviceAccount" => return Some(self.account(who)),
            "user" => (NodeKind::User, who.to_string()),
            "group" => (NodeKind::Group, who.to_string()),
            "domain" => (NodeKind::Group, m.to_string()),
            "allUsers" | "allAuthenticatedUsers" => (NodeKind::Group, ty.to_string()),
            "principal" | "principalSet" => (NodeKind::Workload, who.to_string()),
            _ => return None,
        };
        let mut n = node_on(platform::GCP, kind, &native);
        n.name = Some(if who.is_empty() {
            ty.to_string()
        } else {
            who.to_string()
        });
        if kind == NodeKind::User {
            // The same Google account as the Workspace directory knows it.
            n.aliases
                .push(node_id(platform::GOOGLE, NodeKind::User, who));
        }
        let id = n.id.clone();
        self.c.node(n);
        Some(id)
    }

    /// The edges of one binding on `target` (a project or one service account).
    fn binding(&mut self, b: &Value, target: &Target, place: &str) {
        let Some(role) = s(b, "/role") else {
            self.c
                .records
                .skip("binding without role", place.to_string());
            return;
        };
        let members: Vec<&str> = b
            .get("members")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if members.is_empty() {
            self.c
                .records
                .skip("binding without members", format!("{place} {role}"));
            return;
        }
        let condition = s(b, "/condition/title")
            .or_else(|| s(b, "/condition/expression"))
            .map(str::to_string);
        let ep = |extra: &str| {
            props([
                ("role", Value::from(role)),
                (
                    "condition",
                    condition.clone().map(Value::from).unwrap_or(Value::Null),
                ),
                (
                    "via",
                    if extra.is_empty() {
                        Value::Null
                    } else {
                        Value::from(extra)
                    },
                ),
            ])
        };
        let (accounts, project_id): (Vec<String>, Option<String>) = match target {
            Target::Project(p) => {
                let pid = self.project(p);
                let accts = self
                    .accounts
                    .iter()
                    .filter(|e| {
                        self.account_project.get(*e).map(String::as_str) == Some(p.as_str())
                            || project_of_email(e) == Some(p.as_str())
                    })
                    .map(|e| join::gcp_service_account(e))
                    .collect();
                (accts, Some(pid))
            }
            Target::Account(e) => (vec![self.account(e)], None),
        };
        for m in members {
            let Some(from) = self.member(m) else {
                self.c
                    .records
                    .skip("member type not modelled", format!("{place} {m}"));
                continue;
            };
            if PROJECT_ADMIN.contains(&role) {
                if let Some(pid) = &project_id {
                    self.c
                        .edge(edge_with(&from, pid, EdgeKind::AdminOf, ep("")));
                }
                for a in accounts.iter().filter(|a| **a != from) {
                    self.c.edge(edge_with(
                        &from,
                        a,
                        EdgeKind::AdminOf,
                        ep("project owner/editor"),
                    ));
                }
            } else if CONTROL.contains(&role) {
                for a in accounts.iter().filter(|a| **a != from) {
                    self.c.edge(edge_with(&from, a, EdgeKind::AdminOf, ep("")));
                }
            } else if ACT_AS.contains(&role) {
                for a in accounts.iter().filter(|a| **a != from) {
                    self.c
                        .edge(edge_with(&from, a, EdgeKind::CanAssume, ep("")));
                }
            } else if let Some(pid) = &project_id {
                self.c
                    .edge(edge_with(&from, pid, EdgeKind::CanAccess, ep("")));
            }
        }
    }
}

enum Target {
    Project(String),
    Account(String),
}

/// Transform: pure, offline-testable, counting every account, key and binding.
pub fn transform(inputs: &[Input]) -> Collection {
    let mut b = Builder {
        c: Collection::new(SOURCE),
        account_project: Default::default(),
        accounts: BTreeSet::new(),
        projects: BTreeSet::new(),
    };
    b.c.limits.push(
        "gcp: IAM conditions are kept in props, not evaluated; custom roles, deny policies, organization and folder policies are not evaluated".into(),
    );
    // Accounts first: bindings and keys point at them.
    for a in inputs
        .iter()
        .filter_map(|i| match i {
            Input::ServiceAccounts(a) => Some(a),
            _ => None,
        })
        .flatten()
    {
        b.c.records.read(1);
        let Some(email) = s(a, "/email") else {
            b.c.records.skip(
                "missing email",
                s(a, "/name").unwrap_or("account").to_string(),
            );
            continue;
        };
        let project = s(a, "/projectId").or_else(|| project_of_email(email));
        if let Some(p) = project {
            b.project(p);
            b.account_project.insert(email.to_string(), p.to_string());
        }
        let mut n = node_on(platform::GCP, NodeKind::ServiceAccount, email);
        n.name = Some(s(a, "/displayName").unwrap_or(email).to_string());
        n.enabled = Some(a.get("disabled").and_then(Value::as_bool) != Some(true));
        if let Some(u) = s(a, "/uniqueId") {
            n.aliases
                .push(node_id(platform::GCP, NodeKind::ServiceAccount, u));
        }
        n.props = props([
            ("email", Value::from(email)),
            ("project", Value::from(project)),
            ("unique_id", Value::from(s(a, "/uniqueId"))),
            // The client id Workspace domain-wide delegation is granted to.
            ("oauth2_client_id", Value::from(s(a, "/oauth2ClientId"))),
            ("description", Value::from(s(a, "/description"))),
        ]);
        b.c.node(n);
        b.accounts.insert(email.to_string());
    }
    for k in inputs
        .iter()
        .filter_map(|i| match i {
            Input::Keys(k) => Some(k),
            _ => None,
        })
        .flatten()
    {
        b.c.records.read(1);
        let Some(name) = s(k, "/name") else {
            b.c.records.skip("missing name", "key".to_string());
            continue;
        };
        if s(k, "/keyType") == Some("SYSTEM_MANAGED") {
            // Google rotates these itself and never hands them out: not a revocation target.
            b.c.records.skip("system-managed key", name.to_string());
            continue;
        }
        let Some(email) = email_of(name) else {
            b.c.records
                .skip("key name without a service account", name.to_string());
            continue;
        };
        let sa = b.account(email);
        let mut t = node_on(platform::GCP, NodeKind::Token, name);
        t.name = Some(format!(
            "key {} of {email}",
            name.rsplit('/')
                .next()
                .unwrap_or(name)
                .chars()
                .take(12)
                .collect::<String>()
        ));
        t.token_type = Some(TokenType::PrivateKey);
        t.revocation = Some(Revocation::None);
        t.enabled = Some(k.get("disabled").and_then(Value::as_bool) != Some(true));
        t.issued_at = ts(k, "/validAfterTime");
        // User-managed keys without an expiry say 9999-12-31: no expiry at all.
        t.expires_at = ts(k, "/validBeforeTime").filter(|e| !e.to_string().starts_with("9999"));
        t.props = props([
            ("service_account", Value::from(email)),
            (
                "key_type",
                Value::from(s(k, "/keyType").unwrap_or("USER_MANAGED")),
            ),
            ("key_origin", Value::from(s(k, "/keyOrigin"))),
            ("key_algorithm", Value::from(s(k, "/keyAlgorithm"))),
        ]);
        let tid = t.id.clone();
        b.c.node(t);
        b.c.edge(edge_with(
            &tid,
            &sa,
            EdgeKind::AuthenticatesAs,
            Props::new(),
        ));
    }
    for i in inputs {
        match i {
            Input::ProjectPolicy(p, policy) => {
                let p = p.clone().unwrap_or_else(|| "unknown-project".into());
                let bindings = policy
                    .get("bindings")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                b.c.records.read(bindings.len());
                for (j, bd) in bindings.iter().enumerate() {
                    b.binding(
                        bd,
                        &Target::Project(p.clone()),
                        &format!("projects/{p} bindings[{j}]"),
                    );
                }
            }
            Input::AssetPolicies(results) => {
                for r in results {
                    let resource = s(r, "/resource").unwrap_or("");
                    let bindings = r
                        .pointer("/policy/bindings")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    b.c.records.read(bindings.len());
                    let target = if let Some(p) =
                        resource.strip_prefix("//cloudresourcemanager.googleapis.com/projects/")
                    {
                        Some(Target::Project(p.to_string()))
                    } else {
                        resource
                            .strip_prefix("//iam.googleapis.com/")
                            .and_then(email_of)
                            .filter(|e| e.contains('@'))
                            .map(|e| Target::Account(e.to_string()))
                    };
                    for (j, bd) in bindings.iter().enumerate() {
                        match &target {
                            Some(t) => b.binding(bd, t, &format!("{resource} bindings[{j}]")),
                            None => {
                                b.c.records
                                    .skip("resource not modelled", resource.to_string())
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    b.c
}
