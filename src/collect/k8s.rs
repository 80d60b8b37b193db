//! `heir collect k8s --file F… [--cluster NAME] [--eks-oidc-issuer URL]`: Kubernetes service
//! accounts, legacy token secrets, RBAC and pods from `kubectl get … -A -o json` Lists, offline
//! (docs/collectors/k8s.md).
//!
//! Secret values are never read: every Secret's `data` and `stringData`, and every object's
//! `kubectl.kubernetes.io/last-applied-configuration` annotation (which holds the applied
//! manifest, secret values included), are removed right after parsing, before the transform or
//! any message sees the object.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::collect::collector::{input_error, parse, read_input, Collector, Context};
use crate::collect::json::{edge_with, node_on, props, s, shape, ts};
use crate::collect::Collection;
use crate::error::HeirError;
use crate::model::naming::{join, node_id, platform, FEDERATION_TARGET};
use crate::model::{EdgeKind, Node, NodeKind, Props, Revocation, TokenType};

/// The source name (`heir collect k8s`, `sources[].name`), also the platform of its nodes.
pub const SOURCE: &str = "k8s";

/// The annotation `kubectl apply` keeps the whole applied manifest in (a Secret's values too).
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
const IRSA: &str = "eks.amazonaws.com/role-arn";
const GKE_WI: &str = "iam.gke.io/gcp-service-account";
const KUBECTL: &str = "kubectl get serviceaccounts,secrets,roles,rolebindings,clusterroles,clusterrolebindings,pods -A -o json > FILE";

pub struct K8s;

#[derive(clap::Args, Debug)]
pub struct K8sOpts {
    /// `kubectl get serviceaccounts,secrets,roles,rolebindings,clusterroles,clusterrolebindings,pods
    /// -A -o json` output (a List); several files are read as one cluster.
    #[arg(long, value_name = "FILE", required = true, num_args = 1..)]
    pub file: Vec<PathBuf>,
    /// The cluster's name in ids (`k8s:service_account:<cluster>/<ns>/<name>`); use the same name
    /// the plan and the other collections use.
    #[arg(long, value_name = "NAME", default_value = "cluster")]
    pub cluster: String,
    /// The EKS cluster's OIDC issuer (`aws eks describe-cluster --query
    /// cluster.identity.oidc.issuer`): service accounts get the alias the AWS collector writes
    /// for IRSA trust policies, so `heir merge` joins them.
    #[arg(long = "eks-oidc-issuer", value_name = "URL")]
    pub eks_oidc_issuer: Option<String>,
}

impl Collector for K8s {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Kubernetes service accounts, token secrets, RBAC and pods from `kubectl get … -o json` (files)"
    }

    fn args(&self, cmd: clap::Command) -> clap::Command {
        <K8sOpts as clap::Args>::augment_args(cmd)
    }

    fn run(&self, args: &clap::ArgMatches, ctx: &Context) -> Result<Collection, HeirError> {
        let o: K8sOpts = parse(args)?;
        let mut items = Vec::new();
        for f in &o.file {
            ctx.progress.step(&format!("reading {}", f.display()));
            let text = read_input(f)?;
            items.extend(parse_items(f, &text)?);
        }
        let issuer = o.eks_oidc_issuer.as_deref().map(|u| {
            u.trim_start_matches("https://")
                .trim_end_matches('/')
                .to_string()
        });
        Ok(transform(&o.cluster, issuer.as_deref(), &items))
    }
}

/// Removes secret values from an object, in place: a Secret's `data` and `stringData`, and the
/// last-applied manifest of any object.
pub fn scrub(item: &mut Value) {
    if let Some(o) = item.as_object_mut() {
        if o.get("kind").and_then(Value::as_str) == Some("Secret") {
            o.remove("data");
            o.remove("stringData");
        }
    }
    if let Some(a) = item
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        a.remove(LAST_APPLIED);
    }
}

/// The objects of one file: a `List` (or `…List`) envelope, or one object, or several of them
/// concatenated; scrubbed before they are returned.
pub fn parse_items(path: &Path, text: &str) -> Result<Vec<Value>, HeirError> {
    let mut items = Vec::new();
    for v in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        let mut v = v.map_err(|e| {
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
                format!("{problem}\n  fix: re-run `{KUBECTL}` (YAML is not read: use -o json)"),
            )
        })?;
        let kind = v
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let is_list = kind.ends_with("List") && v.get("items").is_some_and(Value::is_array);
        if is_list {
            if let Some(Value::Array(a)) = v.get_mut("items") {
                items.append(a);
            }
        } else if v.get("apiVersion").is_some() && !kind.is_empty() && !kind.ends_with("List") {
            items.push(v);
        } else {
            {
                let hint = if v.get("UserDetailList").is_some() || v.get("RoleDetailList").is_some()
                {
                    "it is AWS IAM output: pass it to `heir collect aws --auth-details`".to_string()
                } else if v.get("bindings").is_some()
                    || v.get("accounts").is_some()
                    || v.get("keys").is_some()
                {
                    "it is gcloud output: pass it to `heir collect gcp --file`".to_string()
                } else {
                    format!("pass the output of `{KUBECTL}`")
                };
                return Err(input_error(
                    path,
                    format!(
                        "is not kubectl JSON output ({} without `kind: List` and `items`)\n  fix: {hint}",
                        shape(&v)
                    ),
                ));
            }
        }
    }
    if items.is_empty() && text.trim().is_empty() {
        return Err(input_error(
            path,
            format!("is empty\n  fix: pass the output of `{KUBECTL}`"),
        ));
    }
    for it in &mut items {
        scrub(it);
    }
    Ok(items)
}

/// What a role's rules allow, summed up for the graph.
#[derive(Default, Debug, Clone)]
struct Powers {
    /// `*` verbs on `*` resources.
    admin: bool,
    /// Whoever can do this can act as the scope's service accounts, and how.
    assume_via: BTreeSet<String>,
    /// `verb resource` pairs, for props.
    grants: BTreeSet<String>,
}

fn strs(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn powers(rules: &[Value]) -> Powers {
    let mut p = Powers::default();
    for r in rules {
        let verbs = strs(r, "verbs");
        let resources = strs(r, "resources");
        let groups = strs(r, "apiGroups");
        let verb = |v: &str| verbs.iter().any(|x| x == "*" || x == v);
        let res = |x: &str| resources.iter().any(|r| r == "*" || r == x);
        let core = groups.is_empty() || groups.iter().any(|g| g.is_empty() || g == "*");
        if verbs.iter().any(|v| v == "*")
            && resources.iter().any(|r| r == "*")
            && groups.iter().any(|g| g == "*")
        {
            p.admin = true;
        }
        if core && verb("create") && res("pods") {
            p.assume_via.insert("create pods".into());
        }
        if core && verb("create") && res("serviceaccounts/token") {
            p.assume_via.insert("create serviceaccounts/token".into());
        }
        if core && (verb("get") || verb("list") || verb("watch")) && res("secrets") {
            p.assume_via.insert("read secrets".into());
        }
        if verb("impersonate") && res("serviceaccounts") {
            p.assume_via.insert("impersonate serviceaccounts".into());
        }
        for v in &verbs {
            for x in &resources {
                p.grants.insert(format!("{v} {x}"));
            }
        }
    }
    p
}

/// Transform: pure, offline-testable, counting every object it reads or skips.
pub fn transform(cluster: &str, eks_issuer: Option<&str>, items: &[Value]) -> Collection {
    let mut c = Collection::new(SOURCE);
    c.records.read(items.len());
    c.limits.push(
        "k8s: secret values are never read; aggregated ClusterRoles are read as exported (their aggregationRule is not re-evaluated); admission control, node authorization and cloud IAM inside the cluster are not evaluated".into(),
    );
    let app = node_id(platform::K8S, NodeKind::App, cluster);
    let mut a = node_on(platform::K8S, NodeKind::App, cluster);
    a.name = Some(format!("Kubernetes cluster {cluster}"));
    c.node(a);

    let kind_of = |v: &Value| {
        v.get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let ns_of = |v: &Value| s(v, "/metadata/namespace").map(str::to_string);
    let name_of = |v: &Value| s(v, "/metadata/name").map(str::to_string);

    // Service accounts by namespace, first: bindings and pods point at them.
    let mut sas: BTreeMap<String, Vec<String>> = BTreeMap::new(); // ns → ids
    let mut namespaces: BTreeSet<String> = BTreeSet::new();
    let mut roles: BTreeMap<(Option<String>, String), Vec<Value>> = BTreeMap::new();
    // Service accounts with a legacy token secret: reading secrets yields only these.
    let mut with_token_secret: BTreeSet<String> = BTreeSet::new();
    for (i, it) in items.iter().enumerate() {
        let (Some(name), kind) = (name_of(it), kind_of(it)) else {
            c.records.skip("missing name", format!("item #{}", i + 1));
            continue;
        };
        match kind.as_str() {
            "ServiceAccount" => {
                let Some(ns) = ns_of(it) else {
                    c.records.skip("missing namespace", name);
                    continue;
                };
                namespaces.insert(ns.clone());
                let id = join::k8s_service_account(cluster, &ns, &name);
                let mut n = Node::new(id.clone(), NodeKind::ServiceAccount);
                n.platform = Some(platform::K8S.into());
                n.name = Some(format!("{ns}/{name}"));
                n.aliases.push(node_id(
                    platform::K8S,
                    NodeKind::User,
                    &format!("{cluster}/system:serviceaccount:{ns}:{name}"),
                ));
                if let Some(issuer) = eks_issuer {
                    n.aliases
                        .push(join::k8s_service_account(issuer, &ns, &name));
                }
                n.props = props([
                    ("uid", Value::from(s(it, "/metadata/uid"))),
                    (
                        "created_at",
                        Value::from(s(it, "/metadata/creationTimestamp")),
                    ),
                    ("cluster", Value::from(cluster)),
                    ("namespace", Value::from(ns.clone())),
                    (
                        "automount_token",
                        it.get("automountServiceAccountToken")
                            .cloned()
                            .unwrap_or(Value::Null),
                    ),
                ]);
                c.node(n);
                if let Some(role) = s(
                    it,
                    &format!("/metadata/annotations/{}", IRSA.replace('/', "~1")),
                ) {
                    let target = join::aws_role(role);
                    placeholder(&mut c, &target, NodeKind::Role, platform::AWS, role);
                    c.edge(edge_with(
                        &id,
                        &target,
                        EdgeKind::CanAssume,
                        props([("via", Value::from("IRSA annotation"))]),
                    ));
                }
                if let Some(gsa) = s(
                    it,
                    &format!("/metadata/annotations/{}", GKE_WI.replace('/', "~1")),
                ) {
                    let target = join::gcp_service_account(gsa);
                    placeholder(
                        &mut c,
                        &target,
                        NodeKind::ServiceAccount,
                        platform::GCP,
                        gsa,
                    );
                    c.edge(edge_with(
                        &id,
                        &target,
                        EdgeKind::CanAssume,
                        props([("via", Value::from("GKE workload identity annotation"))]),
                    ));
                }
                sas.entry(ns).or_default().push(id);
            }
            "Secret" if s(it, "/type") == Some("kubernetes.io/service-account-token") => {
                if let (Some(ns), Some(sa)) = (
                    ns_of(it),
                    s(
                        it,
                        "/metadata/annotations/kubernetes.io~1service-account.name",
                    ),
                ) {
                    with_token_secret.insert(join::k8s_service_account(cluster, &ns, sa));
                }
            }
            "Role" | "ClusterRole" => {
                let ns = if kind == "Role" { ns_of(it) } else { None };
                let rules = it
                    .get("rules")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                roles.insert((ns, name), rules);
            }
            _ => {}
        }
    }

    let ns_node = |c: &mut Collection, ns: &str| {
        let mut n = node_on(
            platform::K8S,
            NodeKind::Resource,
            &format!("{cluster}/{ns}"),
        );
        n.name = Some(format!("namespace {ns}"));
        let id = n.id.clone();
        c.node(n);
        id
    };

    for it in items {
        let (Some(name), kind) = (name_of(it), kind_of(it)) else {
            continue;
        };
        match kind.as_str() {
            "ServiceAccount" | "Role" | "ClusterRole" => {}
            "Secret" => {
                let ty = s(it, "/type").unwrap_or("");
                if ty != "kubernetes.io/service-account-token" {
                    c.records.skip(
                        "secret not a service-account token (values never read)",
                        format!("{}/{name}", ns_of(it).unwrap_or_default()),
                    );
                    continue;
                }
                let ns = ns_of(it).unwrap_or_default();
                let Some(sa) = s(
                    it,
                    "/metadata/annotations/kubernetes.io~1service-account.name",
                ) else {
                    c.records.skip(
                        "token secret without a service account",
                        format!("{ns}/{name}"),
                    );
                    continue;
                };
                let sa_id = join::k8s_service_account(cluster, &ns, sa);
                let mut t = node_on(
                    platform::K8S,
                    NodeKind::Token,
                    &format!("{cluster}/{ns}/{name}"),
                );
                t.name = Some(format!("legacy SA token secret {ns}/{name}"));
                t.token_type = Some(TokenType::Other);
                // A legacy token never expires and cannot be revoked: it dies when the secret
                // (or the service account) is deleted.
                t.revocation = Some(Revocation::None);
                t.issued_at = ts(it, "/metadata/creationTimestamp");
                t.last_used_at = s(it, "/metadata/labels/kubernetes.io~1legacy-token-last-used")
                    .and_then(|d| crate::model::Timestamp::parse(&format!("{d}T00:00:00Z")).ok());
                t.props = props([
                    ("secret", Value::from(format!("{ns}/{name}"))),
                    ("legacy_token", Value::from(true)),
                    ("service_account", Value::from(sa)),
                    (
                        "invalid_since",
                        Value::from(s(
                            it,
                            "/metadata/labels/kubernetes.io~1legacy-token-invalid-since",
                        )),
                    ),
                ]);
                let tid = t.id.clone();
                c.node(t);
                if !sas.get(&ns).is_some_and(|v| v.contains(&sa_id)) {
                    placeholder(
                        &mut c,
                        &sa_id,
                        NodeKind::ServiceAccount,
                        platform::K8S,
                        &format!("{ns}/{sa}"),
                    );
                    // Its own cluster: not a federation target, merely not exported.
                    if let Some(n) = c.nodes.iter_mut().rev().find(|n| n.id == sa_id) {
                        n.props.remove(FEDERATION_TARGET);
                        n.props.insert("listed".into(), Value::from(false));
                    }
                }
                c.edge(edge_with(
                    &tid,
                    &sa_id,
                    EdgeKind::AuthenticatesAs,
                    Props::new(),
                ));
            }
            "Pod" => {
                let ns = ns_of(it).unwrap_or_default();
                let sa = s(it, "/spec/serviceAccountName").unwrap_or("default");
                let sa_id = join::k8s_service_account(cluster, &ns, sa);
                let mut w = node_on(
                    platform::K8S,
                    NodeKind::Workload,
                    &format!("{cluster}/{ns}/{name}"),
                );
                w.name = Some(format!("pod {ns}/{name}"));
                w.props = props([
                    ("service_account", Value::from(sa)),
                    ("node", Value::from(s(it, "/spec/nodeName"))),
                    ("phase", Value::from(s(it, "/status/phase"))),
                ]);
                let wid = w.id.clone();
                c.node(w);
                if sas.get(&ns).is_some_and(|v| v.contains(&sa_id)) {
                    // The pod's projected token: whoever runs code in it acts as its account.
                    c.edge(edge_with(
                        &wid,
                        &sa_id,
                        EdgeKind::CanAssume,
                        props([("via", Value::from("projected service-account token"))]),
                    ));
                }
            }
            "RoleBinding" | "ClusterRoleBinding" => {
                let scope_ns = if kind == "RoleBinding" {
                    ns_of(it)
                } else {
                    None
                };
                let ref_kind = s(it, "/roleRef/kind").unwrap_or("ClusterRole");
                let Some(ref_name) = s(it, "/roleRef/name") else {
                    c.records.skip("binding without roleRef", name);
                    continue;
                };
                let rules_key = if ref_kind == "Role" {
                    (scope_ns.clone(), ref_name.to_string())
                } else {
                    (None, ref_name.to_string())
                };
                let rules = roles.get(&rules_key).cloned();
                let mut pw = powers(rules.as_deref().unwrap_or(&[]));
                if ref_name == "cluster-admin" && ref_kind == "ClusterRole" {
                    pw.admin = true;
                }
                // The role as bound: a ClusterRole bound in a namespace is its own node, since it
                // grants only there.
                let role_native = match &scope_ns {
                    Some(ns) => format!("{cluster}/{ns}/{ref_name}"),
                    None => format!("{cluster}/{ref_name}"),
                };
                let mut rn = node_on(platform::K8S, NodeKind::Role, &role_native);
                rn.name = Some(match &scope_ns {
                    Some(ns) => format!("{ref_kind} {ref_name} in {ns}"),
                    None => format!("{ref_kind} {ref_name} (cluster-wide)"),
                });
                if rules.is_none() && ref_name != "cluster-admin" {
                    rn.props.insert("rules_listed".into(), Value::from(false));
                }
                let role_id = rn.id.clone();
                c.node(rn);
                let (scope_id, scope_sas): (String, Vec<String>) = match &scope_ns {
                    Some(ns) => (
                        ns_node(&mut c, ns),
                        sas.get(ns).cloned().unwrap_or_default(),
                    ),
                    None => (app.clone(), sas.values().flatten().cloned().collect()),
                };
                if pw.admin {
                    c.edge(edge_with(
                        &role_id,
                        &scope_id,
                        EdgeKind::AdminOf,
                        props([("verbs", Value::from("*"))]),
                    ));
                } else if !pw.grants.is_empty() {
                    let g: Vec<String> = pw.grants.iter().take(20).cloned().collect();
                    c.edge(edge_with(
                        &role_id,
                        &scope_id,
                        EdgeKind::CanAccess,
                        props([("grants", Value::from(g))]),
                    ));
                }
                for sa in &scope_sas {
                    let via: Vec<String> = if pw.admin {
                        vec!["*".into()]
                    } else {
                        pw.assume_via
                            .iter()
                            .filter(|v| *v != "read secrets" || with_token_secret.contains(sa))
                            .cloned()
                            .collect()
                    };
                    if !via.is_empty() {
                        c.edge(edge_with(
                            &role_id,
                            sa,
                            EdgeKind::CanAssume,
                            props([("via", Value::from(via))]),
                        ));
                    }
                }
                let subjects = it
                    .get("subjects")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for sub in subjects {
                    let sk = s(&sub, "/kind").unwrap_or("");
                    let sn = s(&sub, "/name").unwrap_or("");
                    let members: Vec<String> = match sk {
                        "ServiceAccount" => {
                            let ns = s(&sub, "/namespace")
                                .map(str::to_string)
                                .or(scope_ns.clone())
                                .unwrap_or_default();
                            let id = join::k8s_service_account(cluster, &ns, sn);
                            if !sas.get(&ns).is_some_and(|v| v.contains(&id)) {
                                let mut n = Node::new(id.clone(), NodeKind::ServiceAccount);
                                n.platform = Some(platform::K8S.into());
                                n.name = Some(format!("{ns}/{sn}"));
                                n.props.insert("listed".into(), Value::from(false));
                                c.node(n);
                            }
                            vec![id]
                        }
                        "Group" if sn == "system:serviceaccounts" => {
                            sas.values().flatten().cloned().collect()
                        }
                        "Group" if sn.starts_with("system:serviceaccounts:") => sas
                            .get(&sn["system:serviceaccounts:".len()..])
                            .cloned()
                            .unwrap_or_default(),
                        "Group" | "User" => {
                            let k = if sk == "User" {
                                NodeKind::User
                            } else {
                                NodeKind::Group
                            };
                            let mut n = node_on(platform::K8S, k, &format!("{cluster}/{sn}"));
                            n.name = Some(sn.to_string());
                            let id = n.id.clone();
                            c.node(n);
                            vec![id]
                        }
                        _ => Vec::new(),
                    };
                    for m in members {
                        c.edge(edge_with(
                            &m,
                            &role_id,
                            EdgeKind::MemberOf,
                            props([("binding", Value::from(format!("{kind} {name}")))]),
                        ));
                    }
                }
            }
            other => {
                c.records
                    .skip("kind not modelled", format!("{other} {name}"));
            }
        }
    }
    c
}

/// A node of another platform this cluster points at (an IRSA role, a GKE service account):
/// `heir merge` resolves it when that platform is collected too.
fn placeholder(c: &mut Collection, id: &str, kind: NodeKind, plat: &str, name: &str) {
    let mut n = Node::new(id.to_string(), kind);
    n.platform = Some(plat.to_string());
    n.name = Some(name.rsplit('/').next().unwrap_or(name).to_string());
    n.props
        .insert(FEDERATION_TARGET.into(), Value::from(SOURCE));
    c.node(n);
}
