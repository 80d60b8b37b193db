//! The pure transform of `heir collect aws`: authorization-details pages and credential-report
//! rows in, nodes and edges out, every record counted.
//!
//! A record is a user, group, role or managed policy of a page, or a row of a credential report.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::policy::{self, Perms};
use super::SOURCE;
use crate::collect::json::{edge_with, node_on, props, s, ts};
use crate::collect::Collection;
use crate::model::naming::{join, node_id, platform, FEDERATION_TARGET};
use crate::model::{
    EdgeKind, Node, NodeKind, Props, Requirement, Revocation, Timestamp, TokenType,
};

/// One credential-report row: its place (`file:line`) and its cells by column name.
#[derive(Debug, Clone)]
pub struct ReportRow {
    pub place: String,
    pub fields: BTreeMap<String, String>,
}

impl ReportRow {
    fn get(&self, k: &str) -> Option<&str> {
        self.fields
            .get(k)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A report time; `N/A`, `no_information` and `not_supported` are no time.
    fn time(&self, k: &str) -> Option<Timestamp> {
        self.get(k).and_then(|v| Timestamp::parse(v).ok())
    }
}

/// Actions that give control over another IAM user: new credentials or new permissions.
const OVER_USERS: [&str; 5] = [
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AttachUserPolicy",
    "iam:PutUserPolicy",
];
/// Actions that give control over a role: new permissions, or a trust policy letting anyone in.
const OVER_ROLES: [&str; 3] = [
    "iam:AttachRolePolicy",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
];
/// Compute that runs code as a role passed to it: with `iam:PassRole` on the role, the
/// principal acts as the role.
const COMPUTE: [&str; 5] = [
    "lambda:CreateFunction",
    "ec2:RunInstances",
    "ecs:RunTask",
    "glue:CreateDevEndpoint",
    "cloudformation:CreateStack",
];

const GITHUB_OIDC: &str = "token.actions.githubusercontent.com";

/// The account of an IAM ARN (`arn:aws:iam::<account>:…`).
pub fn account_of(arn: &str) -> Option<&str> {
    let mut it = arn.split(':');
    let (_, _, _, _, acct) = (it.next()?, it.next()?, it.next()?, it.next()?, it.next()?);
    (!acct.is_empty()).then_some(acct)
}

/// Lists IAM gives as an array, which some examples give as a single object.
fn list<'a>(v: &'a Value, key: &str) -> Vec<&'a Value> {
    match v.get(key) {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(o @ Value::Object(_)) => vec![o],
        _ => Vec::new(),
    }
}

/// A principal whose identity policies were read.
struct Principal {
    id: String,
    arn: String,
    account: String,
    perms: Perms,
}

#[derive(Default)]
struct Builder {
    c: Collection,
    accounts: BTreeSet<String>,
    /// ARN → node id of every user and role collected.
    by_arn: HashMap<String, String>,
    /// Managed policy ARN → its default version's document.
    managed: HashMap<String, Value>,
    /// Attached managed policies that neither the export nor the well-known list has.
    unknown_managed: BTreeSet<String>,
    /// (from, to, kind) → actions, policies, conditional: one edge per pair, its reasons merged.
    grants: BTreeMap<(String, String, EdgeKind), Reasons>,
    service_principals: usize,
}

#[derive(Default)]
struct Reasons {
    actions: BTreeSet<String>,
    policies: BTreeSet<String>,
    conditional: bool,
}

impl Builder {
    fn account_node(&mut self, acct: &str) -> String {
        let id = node_id(platform::AWS, NodeKind::App, acct);
        if self.accounts.insert(acct.to_string()) {
            let mut n = node_on(platform::AWS, NodeKind::App, acct);
            n.name = Some(format!("AWS account {acct}"));
            n.props = props([("account_id", Value::from(acct))]);
            self.c.node(n);
        }
        id
    }

    /// A node this collection only points at (another account's principal, an EKS service
    /// account): merge resolves it when that platform or account is collected too.
    fn placeholder(&mut self, id: String, kind: NodeKind, plat: &str, name: String) -> String {
        let mut n = Node::new(id.clone(), kind);
        n.platform = Some(plat.to_string());
        n.name = Some(name);
        n.props
            .insert(FEDERATION_TARGET.into(), Value::from(SOURCE));
        self.c.node(n);
        id
    }

    fn grant(&mut self, from: &str, to: &str, kind: EdgeKind, action: &str, g: &policy::Grant) {
        let r = self
            .grants
            .entry((from.to_string(), to.to_string(), kind))
            .or_default();
        r.actions.insert(action.to_string());
        r.policies.extend(g.policies.iter().cloned());
        r.conditional |= g.conditional;
    }

    /// The statements of the policies attached to an entity: inline lists, attached managed.
    fn statements(&mut self, entity: &Value, inline_key: &str) -> Vec<policy::Statement> {
        let mut out = Vec::new();
        for p in list(entity, inline_key) {
            let name = s(p, "/PolicyName").unwrap_or("inline");
            if let Some(doc) = p.get("PolicyDocument") {
                out.extend(policy::statements(&decode(doc), name));
            }
        }
        for a in list(entity, "AttachedManagedPolicies") {
            let Some(arn) = s(a, "/PolicyArn") else {
                continue;
            };
            let name = s(a, "/PolicyName").unwrap_or(arn);
            match self
                .managed
                .get(arn)
                .cloned()
                .or_else(|| policy::well_known(arn))
            {
                Some(doc) => out.extend(policy::statements(&doc, name)),
                None => {
                    self.unknown_managed.insert(arn.to_string());
                }
            }
        }
        out
    }
}

/// The raw API returns policy documents URL-encoded; the CLI decodes them. Both are accepted.
fn decode(doc: &Value) -> Value {
    match doc {
        Value::String(t) => {
            let decoded = percent_decode(t);
            serde_json::from_str(&decoded).unwrap_or(Value::Null)
        }
        other => other.clone(),
    }
}

fn percent_decode(t: &str) -> String {
    let b = t.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(x) = u8::from_str_radix(&t[i + 1..i + 3], 16) {
                out.push(x);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Transform: pure, offline-testable, counting every record it reads or skips.
pub fn transform(pages: &[Value], report: &[ReportRow]) -> Collection {
    let mut b = Builder {
        c: Collection::new(SOURCE),
        ..Default::default()
    };
    b.c.limits.push(policy::NOT_EVALUATED.to_string());

    // Managed policies first: principals refer to them by ARN.
    for p in pages.iter().flat_map(|p| list(p, "Policies")) {
        b.c.records.read(1);
        let Some(arn) = s(p, "/Arn") else {
            b.c.records
                .skip("missing Arn", s(p, "/PolicyName").unwrap_or("policy"));
            continue;
        };
        let default = s(p, "/DefaultVersionId");
        let doc = list(p, "PolicyVersionList")
            .into_iter()
            .find(|v| {
                v.get("IsDefaultVersion").and_then(Value::as_bool) == Some(true)
                    || (default.is_some() && s(v, "/VersionId") == default)
            })
            .and_then(|v| v.get("Document"))
            .map(decode);
        match doc {
            Some(d) => {
                b.managed.insert(arn.to_string(), d);
            }
            None => b.c.records.skip("policy without its default version", arn),
        }
    }

    // Groups: members inherit their policies, kept per (account, name) as users list names.
    let mut group_statements: HashMap<(String, String), Vec<policy::Statement>> = HashMap::new();
    let mut group_ids: HashMap<(String, String), String> = HashMap::new();
    for g in pages.iter().flat_map(|p| list(p, "GroupDetailList")) {
        b.c.records.read(1);
        let (Some(arn), Some(name)) = (s(g, "/Arn"), s(g, "/GroupName")) else {
            b.c.records
                .skip("missing Arn", s(g, "/GroupName").unwrap_or("group"));
            continue;
        };
        let acct = account_of(arn).unwrap_or("").to_string();
        b.account_node(&acct);
        let mut n = node_on(platform::AWS, NodeKind::Group, arn);
        n.name = Some(name.to_string());
        n.props = props([
            ("created_at", Value::from(s(g, "/CreateDate"))),
            ("group_id", Value::from(s(g, "/GroupId"))),
            ("account", Value::from(acct.clone())),
        ]);
        let st = b.statements(g, "GroupPolicyList");
        group_ids.insert((acct.clone(), name.to_string()), n.id.clone());
        group_statements.insert((acct, name.to_string()), st);
        b.c.node(n);
    }

    // The credential report by ARN: it decides whether a user signs in to the console.
    let mut rows: BTreeMap<String, &ReportRow> = BTreeMap::new();
    for r in report {
        b.c.records.read(1);
        match r.get("arn") {
            Some(arn) if arn.starts_with("arn:aws:iam::") => {
                rows.insert(arn.to_string(), r);
            }
            Some(_) => b.c.records.skip("not an IAM ARN", r.place.clone()),
            None => b.c.records.skip("missing arn", r.place.clone()),
        }
    }

    let mut principals: Vec<Principal> = Vec::new();
    let mut users: Vec<(String, String, String)> = Vec::new(); // (arn, id, account)
    for u in pages.iter().flat_map(|p| list(p, "UserDetailList")) {
        b.c.records.read(1);
        let (Some(arn), Some(name)) = (s(u, "/Arn"), s(u, "/UserName")) else {
            b.c.records
                .skip("missing Arn", s(u, "/UserName").unwrap_or("user"));
            continue;
        };
        let acct = account_of(arn).unwrap_or("").to_string();
        b.account_node(&acct);
        // Programmatic-only users (the report says no console password) are NHIs.
        let console = rows
            .get(arn)
            .and_then(|r| r.get("password_enabled"))
            .map(|v| v == "true");
        let kind = if console == Some(false) {
            NodeKind::ServiceAccount
        } else {
            NodeKind::User
        };
        let mut n = node_on(platform::AWS, kind, arn);
        n.name = Some(name.to_string());
        if kind == NodeKind::ServiceAccount {
            n.aliases.push(node_id(platform::AWS, NodeKind::User, arn));
        }
        if let Some(uid) = s(u, "/UserId") {
            n.aliases.push(node_id(platform::AWS, NodeKind::User, uid));
        }
        n.props = props([
            ("created_at", Value::from(s(u, "/CreateDate"))),
            ("user_id", Value::from(s(u, "/UserId"))),
            ("user_name", Value::from(name)),
            ("account", Value::from(acct.clone())),
            (
                "permissions_boundary",
                Value::from(s(u, "/PermissionsBoundary/PermissionsBoundaryArn")),
            ),
        ]);
        let id = n.id.clone();
        b.c.node(n);
        b.by_arn.insert(arn.to_string(), id.clone());
        let mut st = b.statements(u, "UserPolicyList");
        for g in u
            .get("GroupList")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let key = (acct.clone(), g.to_string());
            if let Some(gid) = group_ids.get(&key) {
                b.c.edge(edge_with(&id, gid, EdgeKind::MemberOf, Props::new()));
            }
            if let Some(gs) = group_statements.get(&key) {
                st.extend(gs.iter().cloned());
            }
        }
        users.push((arn.to_string(), id.clone(), acct.clone()));
        principals.push(Principal {
            id,
            arn: arn.to_string(),
            account: acct,
            perms: Perms { statements: st },
        });
    }

    let mut roles: Vec<(String, String, String, Value)> = Vec::new(); // (arn, id, account, trust)
    for r in pages.iter().flat_map(|p| list(p, "RoleDetailList")) {
        b.c.records.read(1);
        let (Some(arn), Some(name)) = (s(r, "/Arn"), s(r, "/RoleName")) else {
            b.c.records
                .skip("missing Arn", s(r, "/RoleName").unwrap_or("role"));
            continue;
        };
        let acct = account_of(arn).unwrap_or("").to_string();
        b.account_node(&acct);
        let mut n = node_on(platform::AWS, NodeKind::Role, arn);
        n.name = Some(name.to_string());
        n.last_used_at = ts(r, "/RoleLastUsed/LastUsedDate");
        if let Some(rid) = s(r, "/RoleId") {
            n.aliases.push(node_id(platform::AWS, NodeKind::Role, rid));
        }
        // Sessions of a role are STS credentials: they cannot be revoked, only outlived or
        // denied by issue time. get-account-authorization-details does not carry
        // MaxSessionDuration (get-role does): one hour, the default, unless the page has it.
        let max = r.get("MaxSessionDuration").and_then(Value::as_u64);
        n.props = props([
            ("created_at", Value::from(s(r, "/CreateDate"))),
            ("role_id", Value::from(s(r, "/RoleId"))),
            ("account", Value::from(acct.clone())),
            ("path", Value::from(s(r, "/Path"))),
            (
                "session_revocation",
                Value::from(Revocation::TtlOnly.as_str()),
            ),
            ("max_session_duration_s", Value::from(max.unwrap_or(3600))),
            (
                "max_session_duration_from",
                Value::from(if max.is_some() { "export" } else { "default" }),
            ),
            (
                "permissions_boundary",
                Value::from(s(r, "/PermissionsBoundary/PermissionsBoundaryArn")),
            ),
        ]);
        let id = n.id.clone();
        b.c.node(n);
        b.by_arn.insert(arn.to_string(), id.clone());
        // An instance profile hands the role's credentials to every instance launched with it.
        for ip in list(r, "InstanceProfileList") {
            if let Some(ip_arn) = s(ip, "/Arn") {
                let mut w = node_on(platform::AWS, NodeKind::Workload, ip_arn);
                w.name = Some(format!(
                    "instance profile {}",
                    s(ip, "/InstanceProfileName").unwrap_or(ip_arn)
                ));
                w.props = props([("created_at", Value::from(s(ip, "/CreateDate")))]);
                let wid = w.id.clone();
                b.c.node(w);
                b.c.edge(edge_with(
                    &wid,
                    &id,
                    EdgeKind::CanAssume,
                    props([("via", Value::from("instance profile"))]),
                ));
            }
        }
        let st = b.statements(r, "RolePolicyList");
        let trust = r
            .get("AssumeRolePolicyDocument")
            .map(decode)
            .unwrap_or(Value::Null);
        roles.push((arn.to_string(), id.clone(), acct.clone(), trust));
        principals.push(Principal {
            id,
            arn: arn.to_string(),
            account: acct,
            perms: Perms { statements: st },
        });
    }

    // The root users of the report, and its users' passwords and access keys.
    for (arn, r) in &rows {
        let acct = account_of(arn).unwrap_or("").to_string();
        let app = b.account_node(&acct);
        let user_id = match b.by_arn.get(arn) {
            Some(id) => id.clone(),
            None => {
                let root = arn.ends_with(":root");
                let kind = if root || r.get("password_enabled") == Some("true") {
                    NodeKind::User
                } else {
                    NodeKind::ServiceAccount
                };
                let mut n = node_on(platform::AWS, kind, arn);
                n.name = Some(if root {
                    format!("root user of {acct}")
                } else {
                    r.get("user").unwrap_or(arn).to_string()
                });
                if root {
                    n.criticality = Some(10);
                    n.tags.push("tier0".into());
                }
                n.props = props([
                    ("created_at", Value::from(r.get("user_creation_time"))),
                    ("account", Value::from(acct.clone())),
                    ("user_name", Value::from(r.get("user"))),
                    ("in_auth_details", Value::from(false)),
                ]);
                let id = n.id.clone();
                b.c.node(n);
                // The root user can do anything in its account; a user missing from the
                // authorization details has unknown permissions and gets no edge.
                if root {
                    let via = props([("via", Value::from("root user"))]);
                    b.c.edge(edge_with(&id, &app, EdgeKind::AdminOf, via));
                }
                b.by_arn.insert(arn.clone(), id.clone());
                id
            }
        };
        let user_name = match r.get("user") {
            Some("<root_account>") | None => format!("root user of {acct}"),
            Some(u) => u.to_string(),
        };
        let mfa = r.get("mfa_active") == Some("true");
        if r.get("password_enabled") == Some("true")
            || (arn.ends_with(":root") && r.time("password_last_used").is_some())
        {
            let mut t = node_on(
                platform::AWS,
                NodeKind::Token,
                &format!("{arn}/console-password"),
            );
            t.name = Some(format!("console password of {user_name}"));
            t.token_type = Some(TokenType::Password);
            t.revocation = Some(Revocation::Central);
            t.issued_at = r.time("password_last_changed");
            t.last_used_at = r.time("password_last_used");
            t.props = props([
                ("user_name", Value::from(user_name.clone())),
                ("mfa_active", Value::from(mfa)),
            ]);
            let tid = t.id.clone();
            b.c.node(t);
            let mut e = edge_with(&tid, &user_id, EdgeKind::AuthenticatesAs, Props::new());
            if mfa {
                e.requires.push(Requirement::Mfa);
            }
            b.c.edge(e);
        }
        for slot in [1, 2] {
            let col = |k: &str| format!("access_key_{slot}_{k}");
            // A key slot is used when the report has a rotation (creation) time for it.
            let Some(rotated) = r.time(&col("last_rotated")) else {
                continue;
            };
            let active = r.get(&col("active")) == Some("true");
            let mut t = node_on(
                platform::AWS,
                NodeKind::Token,
                &format!("{arn}/access-key-{slot}"),
            );
            t.name = Some(format!("access key {slot} of {user_name}"));
            t.token_type = Some(TokenType::AccessKey);
            t.revocation = Some(Revocation::None);
            t.enabled = Some(active);
            t.issued_at = Some(rotated);
            t.last_used_at = r.time(&col("last_used_date"));
            let service = r.get(&col("last_used_service")).filter(|v| *v != "N/A");
            let region = r.get(&col("last_used_region")).filter(|v| *v != "N/A");
            t.props = props([
                ("user_name", Value::from(user_name.clone())),
                ("key_slot", Value::from(slot)),
                (
                    "status",
                    Value::from(if active { "Active" } else { "Inactive" }),
                ),
                // The report's `N/A`: the key was never used (the stale-credential rule).
                (
                    "never_used",
                    if r.get(&col("last_used_date")) == Some("N/A") {
                        Value::from(true)
                    } else {
                        Value::Null
                    },
                ),
                ("last_used_service", Value::from(service)),
                ("last_used_region", Value::from(region)),
                (
                    "console_password",
                    Value::from(r.get("password_enabled") == Some("true")),
                ),
            ]);
            let tid = t.id.clone();
            b.c.node(t);
            b.c.edge(edge_with(
                &tid,
                &user_id,
                EdgeKind::AuthenticatesAs,
                Props::new(),
            ));
        }
    }

    // Permissions of users and roles.
    let role_arns: Vec<(String, String, String)> = roles
        .iter()
        .map(|(a, i, acct, _)| (a.clone(), i.clone(), acct.clone()))
        .collect();
    for p in &principals {
        let app = node_id(platform::AWS, NodeKind::App, &p.account);
        if let Some(g) = p.perms.admin() {
            b.grant(&p.id, &app, EdgeKind::AdminOf, "*", &g);
            continue;
        }
        if let Some(g) = p.perms.iam_admin() {
            b.grant(&p.id, &app, EdgeKind::AdminOf, "iam:*", &g);
            continue;
        }
        for action in OVER_USERS {
            if let Some(g) = p.perms.allows_everywhere(action) {
                b.grant(&p.id, &app, EdgeKind::AdminOf, action, &g);
                continue;
            }
            for (arn, id, acct) in &users {
                if *acct == p.account && *id != p.id {
                    if let Some(g) = p.perms.allows(action, arn) {
                        b.grant(&p.id, id, EdgeKind::AdminOf, action, &g);
                    }
                }
            }
        }
        for action in OVER_ROLES {
            if let Some(g) = p.perms.allows_everywhere(action) {
                b.grant(&p.id, &app, EdgeKind::AdminOf, action, &g);
                continue;
            }
            for (arn, id, acct) in &role_arns {
                if *acct == p.account && *id != p.id {
                    if let Some(g) = p.perms.allows(action, arn) {
                        b.grant(&p.id, id, EdgeKind::AdminOf, action, &g);
                    }
                }
            }
        }
        if let Some(compute) = COMPUTE
            .iter()
            .find(|a| p.perms.allows_everywhere(a).is_some())
        {
            for (arn, id, acct) in &role_arns {
                if *acct == p.account && *id != p.id {
                    if let Some(g) = p.perms.allows("iam:PassRole", arn) {
                        b.grant(
                            &p.id,
                            id,
                            EdgeKind::AdminOf,
                            &format!("iam:PassRole+{compute}"),
                            &g,
                        );
                    }
                }
            }
        }
        access(&mut b, p, &app);
    }

    // Trust policies.
    for (arn, id, acct, trust) in &roles {
        trust_edges(&mut b, arn, id, acct, trust, &principals);
    }

    let grants = std::mem::take(&mut b.grants);
    for ((from, to, kind), r) in grants {
        b.c.edge(edge_with(
            &from,
            &to,
            kind,
            props([
                (
                    "actions",
                    Value::from(r.actions.into_iter().collect::<Vec<_>>()),
                ),
                (
                    "policies",
                    Value::from(r.policies.into_iter().collect::<Vec<_>>()),
                ),
                (
                    "conditional",
                    if r.conditional {
                        Value::from(true)
                    } else {
                        Value::Null
                    },
                ),
            ]),
        ));
    }
    if !b.unknown_managed.is_empty() {
        let n = b.unknown_managed.len();
        let eg: Vec<&String> = b.unknown_managed.iter().take(3).collect();
        b.c.limits.push(format!(
            "aws: {n} attached managed polic(ies) are not in the export and were not evaluated (e.g. {}): export with --filter User Role Group LocalManagedPolicy AWSManagedPolicy",
            eg.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    if b.service_principals > 0 {
        b.c.limits.push(format!(
            "aws: {} trust-policy service principal(s) (ec2.amazonaws.com, lambda.amazonaws.com, …) are not identities and were left out",
            b.service_principals
        ));
    }
    b.c
}

/// `can_access` from the allow statements of a principal that is not an administrator:
/// `Resource: "*"` reaches the account (the services named in props), a named resource reaches
/// that resource (S3 object patterns are their bucket). IAM resources are left to the
/// escalation checks above.
fn access(b: &mut Builder, p: &Principal, app: &str) {
    let allows: Vec<policy::Statement> = p
        .perms
        .statements
        .iter()
        .filter(|s| s.effect == policy::Effect::Allow)
        .cloned()
        .collect();
    for st in allows {
        let actions: Vec<String> = if st.not_action {
            vec![format!("all but {}", st.actions.join(", "))]
        } else {
            st.actions.clone()
        };
        let resources = if st.not_resource {
            vec!["*".to_string()]
        } else {
            st.resources.clone()
        };
        for res in resources {
            if res.starts_with("arn:aws:iam::") || res.starts_with("arn:aws:sts::") {
                continue;
            }
            // A probe action per pattern: denied everywhere means no access at all.
            let probe_ok = st.not_action
                || st.actions.iter().any(|a| {
                    let probe = a.replace('*', "Probe").replace('?', "P");
                    p.perms.allows(&probe, &res.replace('*', "probe")).is_some()
                });
            if !probe_ok {
                continue;
            }
            let g = policy::Grant {
                conditional: st.conditional,
                policies: vec![st.policy.clone()],
            };
            if res == "*" {
                for a in &actions {
                    b.grant(&p.id, app, EdgeKind::CanAccess, a, &g);
                }
                continue;
            }
            let target = resource_of(&res);
            let mut n = node_on(platform::AWS, NodeKind::Resource, &target);
            n.name = Some(target.rsplit(':').next().unwrap_or(&target).to_string());
            if target.contains('*') {
                n.props.insert("pattern".into(), Value::from(true));
            }
            let tid = n.id.clone();
            b.c.node(n);
            for a in &actions {
                b.grant(&p.id, &tid, EdgeKind::CanAccess, a, &g);
            }
        }
    }
}

/// The resource a pattern names: an S3 object pattern (`arn:aws:s3:::bucket/*`) is its bucket.
fn resource_of(res: &str) -> String {
    if let Some(rest) = res.strip_prefix("arn:aws:s3:::") {
        let bucket = rest.split('/').next().unwrap_or(rest);
        return format!("arn:aws:s3:::{bucket}");
    }
    res.to_string()
}

/// The values of a condition key in any operator (`StringEquals`, `StringLike`, …), with the
/// operator.
fn condition_values(st: &Value, key_suffix: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(cond) = st.get("Condition").and_then(Value::as_object) {
        for (op, kv) in cond {
            if let Some(kv) = kv.as_object() {
                for (k, v) in kv {
                    if k.ends_with(key_suffix) {
                        let vals: Vec<String> = match v {
                            Value::String(s) => vec![s.clone()],
                            Value::Array(a) => a
                                .iter()
                                .filter_map(Value::as_str)
                                .map(str::to_string)
                                .collect(),
                            _ => Vec::new(),
                        };
                        out.extend(vals.into_iter().map(|x| (op.clone(), x)));
                    }
                }
            }
        }
    }
    out
}

fn has_condition_key(st: &Value, key: &str) -> bool {
    st.get("Condition")
        .and_then(Value::as_object)
        .is_some_and(|c| {
            c.values()
                .filter_map(Value::as_object)
                .any(|kv| kv.keys().any(|k| k.eq_ignore_ascii_case(key)))
        })
}

fn principal_values(p: &Value, key: &str) -> Vec<String> {
    match p.get(key) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

fn trust_edges(
    b: &mut Builder,
    role_arn: &str,
    role_id: &str,
    acct: &str,
    trust: &Value,
    principals: &[Principal],
) {
    let stmts: Vec<&Value> = match trust.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(o @ Value::Object(_)) => vec![o],
        _ => Vec::new(),
    };
    let mut services: Vec<String> = Vec::new();
    for st in stmts {
        if st.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let actions: Vec<String> = match st.get("Action") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        };
        if !actions.iter().any(|a| {
            policy::glob(a, "sts:AssumeRole", true)
                || a.to_ascii_lowercase().starts_with("sts:assumerolewith")
                || a == "sts:*"
                || a == "*"
        }) {
            continue;
        }
        let action = actions.join(",");
        let mut principal = st.get("Principal").cloned().unwrap_or(Value::Null);
        if principal.as_str() == Some("*") {
            principal = serde_json::json!({"AWS": "*"});
        }
        for svc in principal_values(&principal, "Service") {
            b.service_principals += 1;
            services.push(svc);
        }
        let external_id = has_condition_key(st, "sts:ExternalId");
        let conditional = st
            .get("Condition")
            .and_then(Value::as_object)
            .is_some_and(|c| !c.is_empty());
        for who in principal_values(&principal, "AWS") {
            let (who_acct, root) = if who.chars().all(|c| c.is_ascii_digit()) {
                (who.clone(), true)
            } else {
                (
                    account_of(&who).unwrap_or("").to_string(),
                    who.ends_with(":root"),
                )
            };
            let cross = who_acct != acct;
            let edge_props = props([
                ("action", Value::from(action.clone())),
                ("cross_account", Value::from(cross)),
                ("external_id", Value::from(external_id)),
                (
                    "conditional",
                    if conditional {
                        Value::from(true)
                    } else {
                        Value::Null
                    },
                ),
            ]);
            if who == "*" {
                let mut p = edge_props.clone();
                p.insert("any_principal".into(), Value::from(true));
                // Anyone with AWS credentials: a node of its own, never resolved by a merge.
                let mut n = node_on(platform::AWS, NodeKind::User, "*");
                n.name = Some("any AWS principal (Principal: *)".into());
                let any = n.id.clone();
                b.c.node(n);
                b.c.edge(edge_with(&any, role_id, EdgeKind::CanAssume, p));
                continue;
            }
            if root {
                let collected = b.accounts.contains(&who_acct)
                    && principals.iter().any(|p| p.account == who_acct);
                if collected {
                    // The account trusts itself to decide: every principal of it whose own
                    // policies allow sts:AssumeRole on this role.
                    for p in principals
                        .iter()
                        .filter(|p| p.account == who_acct && p.arn != role_arn)
                    {
                        if p.perms.allows("sts:AssumeRole", role_arn).is_some() {
                            let mut ep = edge_props.clone();
                            ep.insert(
                                "via".into(),
                                Value::from("account root trust + identity policy"),
                            );
                            b.c.edge(edge_with(&p.id, role_id, EdgeKind::CanAssume, ep));
                        }
                    }
                    let root_arn = format!("arn:aws:iam::{who_acct}:root");
                    if let Some(rid) = b.by_arn.get(&root_arn).cloned() {
                        b.c.edge(edge_with(
                            &rid,
                            role_id,
                            EdgeKind::CanAssume,
                            edge_props.clone(),
                        ));
                    }
                } else {
                    let root_arn = format!("arn:aws:iam::{who_acct}:root");
                    let id = b.placeholder(
                        node_id(platform::AWS, NodeKind::User, &root_arn),
                        NodeKind::User,
                        platform::AWS,
                        format!("principals of account {who_acct} allowed sts:AssumeRole"),
                    );
                    b.c.edge(edge_with(&id, role_id, EdgeKind::CanAssume, edge_props));
                }
                continue;
            }
            let from = match b.by_arn.get(&who).cloned() {
                Some(id) => id,
                None => {
                    let kind = if who.contains(":role/") {
                        NodeKind::Role
                    } else {
                        NodeKind::User
                    };
                    let name = who.rsplit('/').next().unwrap_or(&who).to_string();
                    b.placeholder(
                        node_id(platform::AWS, kind, &who),
                        kind,
                        platform::AWS,
                        name,
                    )
                }
            };
            b.c.edge(edge_with(&from, role_id, EdgeKind::CanAssume, edge_props));
        }
        for fed in principal_values(&principal, "Federated") {
            federated(b, &fed, st, role_id, &action);
        }
    }
    if !services.is_empty() {
        if let Some(n) = b.c.nodes.iter_mut().rev().find(|n| n.id == role_id) {
            n.props
                .insert("trusted_services".into(), Value::from(services));
        }
    }
}

/// A `Federated` principal: a SAML provider, GitHub Actions, an EKS cluster's OIDC issuer, or
/// another OIDC provider.
fn federated(b: &mut Builder, fed: &str, st: &Value, role_id: &str, action: &str) {
    let provider_host = fed.split(":oidc-provider/").nth(1);
    match provider_host {
        Some(GITHUB_OIDC) => {
            let subs = condition_values(st, ":sub");
            let aud: Vec<String> = condition_values(st, ":aud")
                .into_iter()
                .map(|(_, v)| v)
                .collect();
            if subs.is_empty() {
                let id = github_node(b, "*");
                b.c.edge(edge_with(
                    &id,
                    role_id,
                    EdgeKind::CanAssume,
                    props([
                        ("provider", Value::from(fed)),
                        ("action", Value::from(action)),
                        ("sub", Value::from("(no sub condition: any repository)")),
                        ("wildcard", Value::from(true)),
                    ]),
                ));
                return;
            }
            for (op, sub) in subs {
                let repo = sub
                    .strip_prefix("repo:")
                    .and_then(|r| r.split(':').next())
                    .unwrap_or("*")
                    .to_string();
                let id = github_node(b, &repo);
                b.c.edge(edge_with(
                    &id,
                    role_id,
                    EdgeKind::CanAssume,
                    props([
                        ("provider", Value::from(fed)),
                        ("action", Value::from(action)),
                        ("sub", Value::from(sub.clone())),
                        ("operator", Value::from(op)),
                        (
                            "wildcard",
                            Value::from(sub.contains('*') || sub.contains('?')),
                        ),
                        (
                            "aud",
                            if aud.is_empty() {
                                Value::Null
                            } else {
                                Value::from(aud.clone())
                            },
                        ),
                    ]),
                ));
            }
        }
        Some(host) if host.starts_with("oidc.eks.") => {
            let subs = condition_values(st, ":sub");
            if subs.is_empty() {
                let id = b.placeholder(
                    node_id(
                        platform::K8S,
                        NodeKind::ServiceAccount,
                        &format!("{host}/*/*"),
                    ),
                    NodeKind::ServiceAccount,
                    platform::K8S,
                    format!("any service account of {host}"),
                );
                b.c.edge(edge_with(
                    &id,
                    role_id,
                    EdgeKind::CanAssume,
                    props([
                        ("provider", Value::from(fed)),
                        ("wildcard", Value::from(true)),
                    ]),
                ));
                return;
            }
            for (op, sub) in subs {
                let Some(rest) = sub.strip_prefix("system:serviceaccount:") else {
                    continue;
                };
                let (ns, name) = rest.split_once(':').unwrap_or((rest, "*"));
                // The trust policy knows the cluster only by its issuer: the k8s collector lists
                // this id as an alias of its service account when given --eks-oidc-issuer.
                let id = b.placeholder(
                    join::k8s_service_account(host, ns, name),
                    NodeKind::ServiceAccount,
                    platform::K8S,
                    format!("{ns}/{name}"),
                );
                b.c.edge(edge_with(
                    &id,
                    role_id,
                    EdgeKind::CanAssume,
                    props([
                        ("provider", Value::from(fed)),
                        ("action", Value::from(action)),
                        ("sub", Value::from(sub.clone())),
                        ("operator", Value::from(op)),
                        ("wildcard", Value::from(sub.contains('*'))),
                    ]),
                ));
            }
        }
        _ => {
            // SAML providers and other OIDC issuers are IAM objects of this account: the IdP's
            // app points at the same `aws:idp:<ARN>` (Okta's identityProviderArn setting).
            let mut n = Node::new(join::aws_idp(fed), NodeKind::Idp);
            n.platform = Some(platform::AWS.to_string());
            n.name = Some(fed.rsplit('/').next().unwrap_or(fed).to_string());
            n.props = props([(
                "provider_type",
                Value::from(if fed.contains(":saml-provider/") {
                    "saml"
                } else {
                    "oidc"
                }),
            )]);
            let id = n.id.clone();
            b.c.node(n);
            let mut ep = props([("action", Value::from(action))]);
            if let Some(aud) = condition_values(st, ":aud").first() {
                ep.insert("aud".into(), Value::from(aud.1.clone()));
            }
            b.c.edge(edge_with(&id, role_id, EdgeKind::CanAssume, ep));
        }
    }
}

/// A GitHub repository's Actions workflows (`github:workload:<org>/<repo>`, the pattern kept
/// when the trust policy has a wildcard).
fn github_node(b: &mut Builder, repo: &str) -> String {
    let mut n = Node::new(join::github_workload(repo), NodeKind::Workload);
    n.platform = Some(platform::GITHUB.to_string());
    n.name = Some(if repo == "*" {
        "GitHub Actions of any repository".to_string()
    } else {
        format!("GitHub Actions of {repo}")
    });
    if repo.contains('*') {
        n.props.insert("pattern".into(), Value::from(true));
    }
    let id = n.id.clone();
    b.c.node(n);
    id
}
