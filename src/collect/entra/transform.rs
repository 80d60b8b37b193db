//! The pure raw → nodes and edges transform ([`transform`]): the tenant, users, groups,
//! service principals, app registrations and their credentials.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::reference::node;
use super::*;
use crate::collect::json::{edge_with as edge, opt, pick, props, s, ts};
use crate::collect::Collection;
use crate::model::naming::{node_id, platform::ENTRA};
use crate::model::{EdgeKind, Node, NodeKind, Props, Revocation, TokenType};

mod access;

/// Skip reasons shared by several record types.
const MISSING_ID: &str = "missing id";
const MEMBER_TYPE: &str = "object type not modelled";

/// A directory object as an example of a skip: its type and id.
fn member_example(v: &Value) -> String {
    format!(
        "{} {}",
        s(v, "/@odata.type").unwrap_or("untyped object"),
        s(v, "/id").unwrap_or("without id")
    )
}

/// The node id of a directory object by its `@odata.type` (users, groups, service principals).
fn directory_object(v: &Value) -> Option<String> {
    let oid = s(v, "/id")?;
    let kind = match s(v, "/@odata.type")? {
        "#microsoft.graph.user" => NodeKind::User,
        "#microsoft.graph.group" => NodeKind::Group,
        "#microsoft.graph.servicePrincipal" => NodeKind::ServiceAccount,
        _ => return None,
    };
    Some(node_id(ENTRA, kind, oid))
}

// ------------------------------------------------------------------------------------------------
// Transform

struct Builder<'a> {
    raw: &'a EntraRaw,
    c: Collection,
    tenant: String,
    users: HashMap<&'a str, &'a Value>,
    groups: HashMap<&'a str, &'a Value>,
    sps: HashMap<&'a str, &'a Value>,
    sp_by_app: HashMap<String, &'a Value>,
    app_by_app: HashMap<String, &'a Value>,
    /// appIds with an `app` node already written.
    app_nodes: BTreeSet<String>,
    /// appIds with a `resource` node already written.
    resource_nodes: BTreeSet<String>,
    /// Role assignment counts for the tenant node: not modelled (scoped), principal unknown.
    scoped_roles_skipped: usize,
    unknown_principals: usize,
    /// Service principal ids that are the client of a delegated consent / hold an app role.
    grant_clients: BTreeSet<String>,
    app_role_holders: BTreeSet<String>,
}

impl<'a> Builder<'a> {
    fn new(raw: &'a EntraRaw) -> Self {
        let by_id = |items: &'a [Value]| -> HashMap<&'a str, &'a Value> {
            items
                .iter()
                .filter_map(|v| s(v, "/id").map(|i| (i, v)))
                .collect()
        };
        let by_app = |items: &'a [Value]| -> HashMap<String, &'a Value> {
            items
                .iter()
                .filter_map(|v| s(v, "/appId").map(|a| (a.to_ascii_lowercase(), v)))
                .collect()
        };
        let app_by_app = by_app(&raw.applications);
        let sp_by_app = by_app(&raw.service_principals);
        // The tenant: /organization, else the owner tenant of a service principal whose app is
        // registered here.
        let tenant = raw
            .organization
            .first()
            .and_then(|o| s(o, "/id"))
            .map(str::to_string)
            .or_else(|| {
                raw.service_principals
                    .iter()
                    .filter(|sp| {
                        s(sp, "/appId")
                            .is_some_and(|a| app_by_app.contains_key(&a.to_ascii_lowercase()))
                    })
                    .find_map(|sp| s(sp, "/appOwnerOrganizationId"))
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "unknown-tenant".to_string());
        Builder {
            raw,
            c: Collection::new(SOURCE),
            tenant,
            users: by_id(&raw.users),
            groups: by_id(&raw.groups),
            sps: by_id(&raw.service_principals),
            sp_by_app,
            app_by_app,
            app_nodes: BTreeSet::new(),
            resource_nodes: BTreeSet::new(),
            scoped_roles_skipped: 0,
            unknown_principals: 0,
            grant_clients: BTreeSet::new(),
            app_role_holders: BTreeSet::new(),
        }
    }

    fn idp_id(&self) -> String {
        node_id(ENTRA, NodeKind::Idp, &self.tenant)
    }

    fn sp_id(sp: &Value) -> Option<String> {
        s(sp, "/id").map(|i| node_id(ENTRA, NodeKind::ServiceAccount, i))
    }

    fn sp_of_app(&self, app_id: &str) -> Option<&'a Value> {
        self.sp_by_app.get(&app_id.to_ascii_lowercase()).copied()
    }

    /// A user, group or service principal by object id.
    fn principal(&self, oid: &str) -> Option<String> {
        let kind = if self.users.contains_key(oid) {
            NodeKind::User
        } else if self.groups.contains_key(oid) {
            NodeKind::Group
        } else if self.sps.contains_key(oid) {
            NodeKind::ServiceAccount
        } else {
            return None;
        };
        Some(node_id(ENTRA, kind, oid))
    }

    fn add(&mut self, n: Node) {
        self.c.node(n);
    }

    fn link(&mut self, from: &str, to: &str, kind: EdgeKind, p: Props) {
        self.c.edge(edge(from, to, kind, p));
    }

    fn tenant_node(&mut self) {
        let mut n = node(NodeKind::Idp, &self.tenant);
        let org = self.raw.organization.first();
        let display = org.and_then(|o| s(o, "/displayName"));
        n.name = Some(format!(
            "Entra ID tenant {}",
            display.unwrap_or(&self.tenant)
        ));
        n.criticality = Some(10);
        n.tags = vec!["tier0".into()];
        n.props
            .insert("tenant_id".into(), Value::from(self.tenant.as_str()));
        if let Some(domains) = org.and_then(|o| o.get("verifiedDomains")?.as_array()) {
            let names: Vec<Value> = domains
                .iter()
                .filter_map(|d| s(d, "/name"))
                .map(Value::from)
                .collect();
            if let Some(default) = domains
                .iter()
                .find(|d| d.get("isDefault").and_then(Value::as_bool) == Some(true))
                .and_then(|d| s(d, "/name"))
            {
                n.props
                    .insert("default_domain".into(), Value::from(default));
            }
            n.props
                .insert("verified_domains".into(), Value::Array(names));
        }
        self.add(n);
    }

    fn users(&mut self) {
        for (i, u) in self.raw.users.iter().enumerate() {
            let Some(uid) = s(u, "/id") else {
                self.c.records.skip(MISSING_ID, format!("user #{}", i + 1));
                continue;
            };
            let mut n = node(NodeKind::User, uid);
            let upn = s(u, "/userPrincipalName");
            n.name = upn.or(s(u, "/displayName")).map(str::to_string);
            n.person = s(u, "/mail").or(upn).map(str::to_ascii_lowercase);
            // Other documents (IdP assignments, logs) name the account by UPN or mail.
            for a in [upn, s(u, "/mail")].into_iter().flatten() {
                let alias = node_id(ENTRA, NodeKind::User, &a.to_ascii_lowercase());
                if !n.aliases.contains(&alias) {
                    n.aliases.push(alias);
                }
            }
            n.enabled = u.get("accountEnabled").and_then(Value::as_bool);
            n.props = pick(
                u,
                &[
                    "displayName",
                    "userType",
                    "createdDateTime",
                    "signInSessionsValidFromDateTime",
                    "lastPasswordChangeDateTime",
                    "onPremisesSyncEnabled",
                ],
            );
            for k in ["lastSignInDateTime", "lastSuccessfulSignInDateTime"] {
                if let Some(t) = s(u, &format!("/signInActivity/{k}")) {
                    n.props.insert(k.into(), Value::from(t));
                }
            }
            self.add(n);
        }
    }

    fn groups(&mut self) {
        for (i, g) in self.raw.groups.iter().enumerate() {
            let Some(gid) = s(g, "/id") else {
                self.c.records.skip(MISSING_ID, format!("group #{}", i + 1));
                continue;
            };
            let mut n = node(NodeKind::Group, gid);
            n.name = s(g, "/displayName").map(str::to_string);
            n.props = pick(
                g,
                &[
                    "securityEnabled",
                    "mailEnabled",
                    "groupTypes",
                    "isAssignableToRole",
                ],
            );
            let group = n.id.clone();
            let mut not_modelled = 0usize;
            let mut member_edges = Vec::new();
            for m in self.raw.group_members.get(gid).into_iter().flatten() {
                match directory_object(m) {
                    Some(mid) => member_edges.push(mid),
                    None => {
                        not_modelled += 1;
                        self.c.records.skip(MEMBER_TYPE, member_example(m));
                    }
                }
            }
            if not_modelled > 0 {
                n.props
                    .insert("members_not_modelled".into(), Value::from(not_modelled));
            }
            self.add(n);
            for mid in member_edges {
                self.link(&mid, &group, EdgeKind::MemberOf, Props::new());
            }
        }
    }

    /// A credential (`passwordCredentials` / `keyCredentials` entry) as a `token` node that
    /// authenticates as the service principal `sp` (when it exists), held by `holder`.
    #[allow(clippy::too_many_arguments)]
    fn credential(
        &mut self,
        cred: &Value,
        password: bool,
        owner_name: &str,
        owner_prop: (&str, &str),
        app_id: Option<&str>,
        sp: Option<&str>,
        holder: Option<&str>,
    ) {
        let Some(key_id) = s(cred, "/keyId") else {
            return;
        };
        let mut n = node(NodeKind::Token, key_id);
        let label = s(cred, "/displayName");
        let (what, token_type) = if password {
            ("client secret", TokenType::ClientSecret)
        } else if s(cred, "/type") == Some("Symmetric") {
            ("symmetric key", TokenType::ClientSecret)
        } else {
            ("certificate", TokenType::PrivateKey)
        };
        n.name = Some(match label {
            Some(l) => format!("{what} '{l}' of {owner_name}"),
            None => format!("{what} {key_id} of {owner_name}"),
        });
        n.token_type = Some(token_type);
        n.issued_at = ts(cred, "/startDateTime");
        n.expires_at = ts(cred, "/endDateTime");
        n.revocation = Some(Revocation::None);
        // Identifying metadata only: never `secretText` or `key`.
        let keep: &[&str] = if password {
            &["keyId", "displayName", "hint"]
        } else {
            &["keyId", "displayName", "type", "usage"]
        };
        n.props = pick(cred, keep);
        n.props
            .insert(owner_prop.0.into(), Value::from(owner_prop.1));
        if let Some(a) = app_id {
            n.props.insert("appId".into(), Value::from(a));
        }
        let tid = n.id.clone();
        self.add(n);
        if let Some(sp) = sp {
            self.link(&tid, sp, EdgeKind::AuthenticatesAs, Props::new());
        }
        if let Some(h) = holder {
            self.link(h, &tid, EdgeKind::Holds, Props::new());
        }
    }

    fn service_principals(&mut self) {
        for (i, sp) in self.raw.service_principals.iter().enumerate() {
            let Some(oid) = s(sp, "/id") else {
                self.c
                    .records
                    .skip(MISSING_ID, format!("service principal #{}", i + 1));
                continue;
            };
            let mut n = node(NodeKind::ServiceAccount, oid);
            let name = s(sp, "/displayName")
                .or(s(sp, "/appDisplayName"))
                .unwrap_or(oid)
                .to_string();
            n.name = Some(name.clone());
            n.enabled = sp.get("accountEnabled").and_then(Value::as_bool);
            n.props = pick(
                sp,
                &[
                    "appId",
                    "appDisplayName",
                    "servicePrincipalType",
                    "appOwnerOrganizationId",
                    "appRoleAssignmentRequired",
                    "publisherName",
                    "signInAudience",
                ],
            );
            let app_id = s(sp, "/appId");
            if let Some(a) = app_id {
                let here = self.app_by_app.contains_key(&a.to_ascii_lowercase());
                n.props
                    .insert("registered_in_tenant".into(), Value::Bool(here));
                if is_foci(a) {
                    n.props.insert("foci".into(), Value::Bool(true));
                }
            }
            let spid = n.id.clone();
            self.add(n);
            // Credentials added to the service principal itself. SAML token-signing keys (usage
            // Sign, and the Verify key and password sharing their customKeyIdentifier) are not
            // client credentials.
            let keys = sp
                .get("keyCredentials")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let signing: BTreeSet<&str> = keys
                .iter()
                .filter(|k| s(k, "/usage") == Some("Sign"))
                .filter_map(|k| s(k, "/customKeyIdentifier"))
                .collect();
            let signing: BTreeSet<String> = signing.into_iter().map(str::to_string).collect();
            let saml =
                |c: &Value| s(c, "/customKeyIdentifier").is_some_and(|c| signing.contains(c));
            for k in keys
                .iter()
                .filter(|k| s(k, "/usage") != Some("Sign") && !saml(k))
            {
                self.credential(
                    k,
                    false,
                    &name,
                    ("servicePrincipal_objectId", oid),
                    app_id,
                    Some(&spid),
                    None,
                );
            }
            for p in sp
                .get("passwordCredentials")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if saml(p) {
                    continue;
                }
                self.credential(
                    p,
                    true,
                    &name,
                    ("servicePrincipal_objectId", oid),
                    app_id,
                    Some(&spid),
                    None,
                );
            }
            // Owners of the service principal can add credentials to it.
            for o in self.raw.sp_owners.get(oid).into_iter().flatten() {
                match directory_object(o) {
                    Some(owner) => {
                        let p = props([("via", Value::from("service principal owner"))]);
                        self.link(&owner, &spid, EdgeKind::Owns, p);
                    }
                    None => self.c.records.skip(MEMBER_TYPE, member_example(o)),
                }
            }
        }
    }

    fn applications(&mut self) {
        for (i, app) in self.raw.applications.iter().enumerate() {
            let (Some(oid), Some(app_id)) = (s(app, "/id"), s(app, "/appId")) else {
                let name =
                    s(app, "/id").map_or_else(|| format!("application #{}", i + 1), str::to_string);
                self.c.records.skip("missing id or appId", name);
                continue;
            };
            let mut n = node(NodeKind::App, app_id);
            let name = s(app, "/displayName").unwrap_or(app_id).to_string();
            n.name = Some(name.clone());
            n.props = pick(
                app,
                &[
                    "appId",
                    "signInAudience",
                    "publisherDomain",
                    "createdDateTime",
                    "isFallbackPublicClient",
                    "requiredResourceAccess",
                ],
            );
            n.props.insert("objectId".into(), Value::from(oid));
            n.props
                .insert("registered_in_tenant".into(), Value::Bool(true));
            let sp = self.sp_of_app(app_id);
            let spid = sp.and_then(Self::sp_id);
            if let Some(sp_oid) = sp.and_then(|v| s(v, "/id")) {
                n.props
                    .insert("servicePrincipalId".into(), Value::from(sp_oid));
            }
            let aid = n.id.clone();
            self.app_nodes.insert(app_id.to_ascii_lowercase());
            self.add(n);
            for (list, password) in [("passwordCredentials", true), ("keyCredentials", false)] {
                for cred in app
                    .get(list)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    self.credential(
                        cred,
                        password,
                        &name,
                        ("application_objectId", oid),
                        Some(app_id),
                        spid.as_deref(),
                        Some(&aid),
                    );
                }
            }
            // Owners can add credentials to the registration, which authenticate as its service
            // principal: they own both.
            for o in self.raw.app_owners.get(oid).into_iter().flatten() {
                let Some(owner) = directory_object(o) else {
                    self.c.records.skip(MEMBER_TYPE, member_example(o));
                    continue;
                };
                let p = props([("via", Value::from("application owner"))]);
                self.link(&owner, &aid, EdgeKind::Owns, p.clone());
                if let Some(spid) = &spid {
                    self.link(&owner, spid, EdgeKind::Owns, p);
                }
            }
            // Workload identity federation: whoever runs as the trusted subject gets tokens for
            // the service principal.
            let fics = self.raw.federated_credentials.get(oid);
            let Some(spid) = &spid else {
                for fic in fics.into_iter().flatten() {
                    let name = s(fic, "/id").unwrap_or(oid);
                    self.c.records.skip(
                        "federated credential of an app without a service principal",
                        name,
                    );
                }
                continue;
            };
            for fic in self
                .raw
                .federated_credentials
                .get(oid)
                .into_iter()
                .flatten()
            {
                let (Some(issuer), Some(subject)) = (s(fic, "/issuer"), s(fic, "/subject")) else {
                    let name = s(fic, "/id").unwrap_or(oid);
                    self.c
                        .records
                        .skip("federated credential without issuer or subject", name);
                    continue;
                };
                let (platform, native) = federated_workload(issuer, subject);
                let wid = node_id(&platform, NodeKind::Workload, &native);
                let mut w = Node::new(wid.clone(), NodeKind::Workload);
                w.platform = Some(platform);
                w.name = Some(format!("{subject} ({issuer})"));
                w.props = props([
                    ("issuer", Value::from(issuer)),
                    ("subject", Value::from(subject)),
                ]);
                self.add(w);
                let mut p = props([
                    ("via", Value::from("federated identity credential")),
                    ("ficId", opt(s(fic, "/id"))),
                    ("name", opt(s(fic, "/name"))),
                    ("application_objectId", Value::from(oid)),
                ]);
                if let Some(aud) = fic.get("audiences").filter(|a| a.is_array()) {
                    p.insert("audiences".into(), aud.clone());
                }
                self.link(&wid, spid, EdgeKind::CanAssume, p);
            }
        }
    }

    /// The `app` node of a service principal's client id, synthesised from the service principal
    /// when the app is not registered in this tenant (third-party and Microsoft first-party apps).
    fn ensure_app(&mut self, sp: &Value) -> Option<String> {
        let app_id = s(sp, "/appId")?;
        let aid = node_id(ENTRA, NodeKind::App, app_id);
        if self.app_nodes.insert(app_id.to_ascii_lowercase()) {
            let mut n = node(NodeKind::App, app_id);
            n.name = s(sp, "/displayName")
                .or(s(sp, "/appDisplayName"))
                .map(str::to_string);
            n.props = pick(sp, &["appId", "appOwnerOrganizationId", "publisherName"]);
            n.props
                .insert("registered_in_tenant".into(), Value::Bool(false));
            if let Some(oid) = s(sp, "/id") {
                n.props
                    .insert("servicePrincipalId".into(), Value::from(oid));
            }
            if is_foci(app_id) {
                n.props.insert("foci".into(), Value::Bool(true));
            }
            self.add(n);
        }
        Some(aid)
    }

    /// The `resource` node of an API's service principal.
    fn ensure_resource(&mut self, sp: &Value) -> Option<String> {
        let app_id = s(sp, "/appId")?;
        let mut n = resource_node(app_id, s(sp, "/displayName").or(s(sp, "/appDisplayName")));
        let rid = n.id.clone();
        if self.resource_nodes.insert(app_id.to_ascii_lowercase()) {
            if let Some(oid) = s(sp, "/id") {
                n.props
                    .insert("servicePrincipalId".into(), Value::from(oid));
            }
            self.add(n);
        }
        Some(rid)
    }

    fn finish(mut self) -> Collection {
        if self.scoped_roles_skipped > 0 {
            let idp = self.idp_id();
            if let Some(n) = self.c.nodes.iter_mut().find(|n| n.id == idp) {
                n.props.insert(
                    "scoped_role_assignments_not_modelled".into(),
                    Value::from(self.scoped_roles_skipped),
                );
            }
        }
        if self.unknown_principals > 0 {
            self.c.problems.push(format!(
                "{} directory role assignment(s) name principals the collection did not return",
                self.unknown_principals
            ));
        }
        self.c
    }
}

/// Nodes and edges from the raw pages (pure; see `docs/collectors/entra.md` for the mapping).
pub fn transform(raw: &EntraRaw) -> Collection {
    let mut b = Builder::new(raw);
    b.c.records.read(raw.records());
    b.tenant_node();
    b.users();
    b.groups();
    b.service_principals();
    b.applications();
    b.roles();
    b.grants();
    b.app_role_assignments();
    b.publisher_credentials();
    b.foci();
    b.finish()
}
