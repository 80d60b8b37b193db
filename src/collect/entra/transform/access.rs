//! Directory roles, delegated consents, app role assignments, publisher credentials and the
//! FOCI family: the `Builder` steps that grant access.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::super::reference::{
    node, ADMIN_ROLES, DEFAULT_ACCESS, MICROSOFT_TENANTS, TAKEOVER_GRAPH_APP_ROLES,
};
use super::super::*;
use super::{Builder, MEMBER_TYPE, MISSING_ID};
use crate::collect::json::{edge_with as edge, opt, pick, props, s};
use crate::model::naming::{join, native, node_id, platform, platform::ENTRA, FEDERATION_TARGET};
use crate::model::{EdgeKind, Node, NodeKind, Props, Revocation, TokenType};

impl<'a> Builder<'a> {
    pub(super) fn roles(&mut self) {
        let defs: HashMap<&str, &Value> = self
            .raw
            .role_definitions
            .iter()
            .filter_map(|d| s(d, "/id").map(|i| (i, d)))
            .collect();
        let idp = self.idp_id();
        let mut written: BTreeSet<String> = BTreeSet::new();
        let apps_by_oid: HashMap<&str, &Value> = self
            .raw
            .applications
            .iter()
            .filter_map(|a| s(a, "/id").map(|i| (i, a)))
            .collect();
        for a in &self.raw.role_assignments {
            let (Some(def_id), Some(principal_oid)) =
                (s(a, "/roleDefinitionId"), s(a, "/principalId"))
            else {
                let name = s(a, "/id").unwrap_or("a role assignment without id");
                self.c
                    .records
                    .skip("missing roleDefinitionId or principalId", name);
                continue;
            };
            let def = defs.get(def_id).copied();
            let template = def
                .and_then(|d| s(d, "/templateId"))
                .unwrap_or(def_id)
                .to_ascii_lowercase();
            let role_name = def.and_then(|d| s(d, "/displayName")).unwrap_or(def_id);
            let admin = ADMIN_ROLES
                .iter()
                .find(|(t, _)| *t == template)
                .map(|(_, c)| *c);
            let Some(principal) = self.principal(principal_oid) else {
                self.unknown_principals += 1;
                self.c
                    .records
                    .skip("principal not collected", principal_oid);
                continue;
            };
            let scope = s(a, "/directoryScopeId").unwrap_or("/");
            let mut p = props([
                ("role", Value::from(role_name)),
                ("roleAssignmentId", opt(s(a, "/id"))),
            ]);
            if scope == "/" {
                let rid = node_id(ENTRA, NodeKind::Role, def_id);
                if written.insert(def_id.to_string()) {
                    let mut n = node(NodeKind::Role, def_id);
                    n.name = Some(role_name.to_string());
                    let privileged = def
                        .and_then(|d| d.get("isPrivileged"))
                        .and_then(Value::as_bool);
                    n.criticality = Some(match (admin, privileged) {
                        (Some(c), _) => c,
                        (None, Some(true)) => 5,
                        _ => 1,
                    });
                    if admin == Some(10) {
                        n.tags = vec!["tier0".into()];
                    }
                    if let Some(d) = def {
                        n.props = pick(d, &["templateId", "isBuiltIn", "isPrivileged"]);
                    }
                    self.add(n);
                    if admin.is_some() {
                        let p = props([("role", Value::from(role_name))]);
                        self.link(&rid, &idp, EdgeKind::AdminOf, p);
                    }
                }
                self.link(&principal, &rid, EdgeKind::MemberOf, p);
                continue;
            }
            // Scoped to one application or service principal: an admin role there can add
            // credentials to it, which is ownership.
            let target = scope.trim_start_matches('/');
            let owned = if let Some(app) = apps_by_oid.get(target) {
                s(app, "/appId").map(|a| node_id(ENTRA, NodeKind::App, a))
            } else if self.sps.contains_key(target) {
                Some(node_id(ENTRA, NodeKind::ServiceAccount, target))
            } else {
                None
            };
            match (owned, admin) {
                (Some(t), Some(_)) => {
                    p.insert("directoryScopeId".into(), Value::from(scope));
                    self.link(&principal, &t, EdgeKind::Owns, p);
                }
                _ => {
                    self.scoped_roles_skipped += 1;
                    let name = s(a, "/id").unwrap_or(scope);
                    self.c.records.skip("scoped role not modelled", name);
                }
            }
        }
    }

    pub(super) fn grants(&mut self) {
        for (i, g) in self.raw.oauth2_permission_grants.iter().enumerate() {
            let Some(gid) = s(g, "/id") else {
                self.c
                    .records
                    .skip(MISSING_ID, format!("delegated consent #{}", i + 1));
                continue;
            };
            if let Some(c) = s(g, "/clientId") {
                self.grant_clients.insert(c.to_string());
            }
            let client = s(g, "/clientId").and_then(|c| self.sps.get(c).copied());
            let resource = s(g, "/resourceId").and_then(|r| self.sps.get(r).copied());
            let tenant_wide = s(g, "/consentType") == Some("AllPrincipals");
            let principal = s(g, "/principalId");
            let scopes: Vec<String> = s(g, "/scope")
                .unwrap_or("")
                .split_whitespace()
                .map(str::to_string)
                .collect();
            let name_of = |sp: Option<&Value>, fallback: Option<&str>| -> String {
                sp.and_then(|v| s(v, "/displayName"))
                    .or(fallback)
                    .unwrap_or("?")
                    .to_string()
            };
            let who = if tenant_wide {
                "all users".to_string()
            } else {
                principal
                    .and_then(|p| self.users.get(p))
                    .and_then(|u| s(u, "/userPrincipalName"))
                    .or(principal)
                    .unwrap_or("?")
                    .to_string()
            };
            let mut n = node(NodeKind::OauthGrant, gid);
            n.name = Some(format!(
                "delegated consent: {} to {} for {who}",
                name_of(client, s(g, "/clientId")),
                name_of(resource, s(g, "/resourceId"))
            ));
            n.scopes = scopes.clone();
            n.revocation = Some(Revocation::Central);
            n.props = pick(g, &["consentType", "clientId", "principalId", "resourceId"]);
            if let Some(a) = client.and_then(|c| s(c, "/appId")) {
                n.props.insert("appId".into(), Value::from(a));
            }
            if let Some(a) = resource.and_then(|r| s(r, "/appId")) {
                n.props.insert("resource_appId".into(), Value::from(a));
            }
            n.props
                .insert("tenant_wide".into(), Value::Bool(tenant_wide));
            if tenant_wide {
                n.props.insert(
                    "consented_by".into(),
                    Value::from(
                        "an administrator, for every user (tenant-wide admin consent; who \
                         consented is only in the audit log)",
                    ),
                );
            }
            let grant = n.id.clone();
            self.add(n);
            if let Some(uid) = principal.filter(|_| !tenant_wide) {
                if self.users.contains_key(uid) {
                    let uid = node_id(ENTRA, NodeKind::User, uid);
                    self.link(&uid, &grant, EdgeKind::Consented, Props::new());
                }
            }
            if let Some(r) = resource {
                if let Some(rid) = self.ensure_resource(r) {
                    let p = props([("scopes", Value::from(scopes.clone()))]);
                    self.link(&grant, &rid, EdgeKind::CanAccess, p);
                }
            }
            // The client app holds the grant (it stores the refresh tokens minted under it),
            // except a FOCI family client's per-user consent: those tokens live on the user's
            // devices, not with Microsoft, and are reached through the user's family token.
            if let Some(c) = client {
                let family = s(c, "/appId").is_some_and(is_foci);
                if tenant_wide || !family {
                    if let Some(aid) = self.ensure_app(c) {
                        self.link(&aid, &grant, EdgeKind::Holds, Props::new());
                    }
                }
            }
        }
    }

    /// App role assignments on each resource service principal: one `can_access` edge per
    /// (principal, API) listing every role held (`role` joined, `roles`, `appRoleAssignments`).
    pub(super) fn app_role_assignments(&mut self) {
        let raw = self.raw;
        let idp = self.idp_id();
        for (resource_oid, list) in &raw.app_role_assignments {
            let Some(resource) = self.sps.get(resource_oid.as_str()).copied() else {
                for _ in list {
                    self.c
                        .records
                        .skip("resource not collected", resource_oid.as_str());
                }
                continue;
            };
            let roles: HashMap<String, &str> = resource
                .get("appRoles")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| Some((s(r, "/id")?.to_ascii_lowercase(), s(r, "/value")?)))
                .collect();
            let is_graph = s(resource, "/appId")
                .is_some_and(|a| a.eq_ignore_ascii_case(MICROSOFT_GRAPH_APP_ID));
            // principal id → (role values, assignment details), in first-seen order.
            let mut held: Vec<(String, Vec<String>, Vec<Value>)> = Vec::new();
            for a in list {
                let name = s(a, "/id").unwrap_or(resource_oid.as_str());
                if a.get("deletedDateTime").is_some_and(|d| !d.is_null()) {
                    self.c.records.skip("deleted", name);
                    continue;
                }
                let (Some(pid), Some(ptype)) = (s(a, "/principalId"), s(a, "/principalType"))
                else {
                    self.c
                        .records
                        .skip("missing principalId or principalType", name);
                    continue;
                };
                let kind = match ptype {
                    "User" => NodeKind::User,
                    "Group" => NodeKind::Group,
                    "ServicePrincipal" => NodeKind::ServiceAccount,
                    _ => {
                        self.c.records.skip(MEMBER_TYPE, name);
                        continue;
                    }
                };
                let role_id = s(a, "/appRoleId").unwrap_or(DEFAULT_ACCESS);
                let role = match roles.get(&role_id.to_ascii_lowercase()) {
                    Some(v) => (*v).to_string(),
                    None if role_id == DEFAULT_ACCESS => "default access".to_string(),
                    None => role_id.to_string(),
                };
                let principal = node_id(ENTRA, kind, pid);
                if kind == NodeKind::ServiceAccount {
                    self.app_role_holders.insert(pid.to_string());
                }
                // The AWS gallery apps carry `<role ARN>,<SAML provider ARN>` as app role
                // values: a user holding one signs in through that IAM SAML provider, the
                // AWS collector's `aws:idp:<ARN>`.
                if kind == NodeKind::User {
                    if let Some(arn) = role
                        .split(',')
                        .map(str::trim)
                        .find(|p| p.starts_with("arn:aws") && p.contains(":saml-provider/"))
                    {
                        let idp_id = join::aws_idp(arn);
                        let mut n = Node::new(idp_id.clone(), NodeKind::Idp);
                        n.platform = Some(platform::AWS.to_string());
                        n.name = Some(arn.rsplit('/').next().unwrap_or(arn).to_string());
                        n.props
                            .insert(FEDERATION_TARGET.into(), Value::from(SOURCE));
                        self.c.node(n);
                        let p = props([("role", Value::from(role.as_str()))]);
                        self.c.edge(edge(&principal, &idp_id, EdgeKind::Sso, p));
                    }
                }
                let detail = Value::Object(props([
                    ("id", opt(s(a, "/id"))),
                    ("appRoleId", Value::from(role_id)),
                    ("role", Value::from(role.as_str())),
                    ("createdDateTime", opt(s(a, "/createdDateTime"))),
                ]));
                if is_graph
                    && kind == NodeKind::ServiceAccount
                    && TAKEOVER_GRAPH_APP_ROLES.contains(&role.as_str())
                {
                    let p = props([
                        ("role", Value::from(role.as_str())),
                        (
                            "reason",
                            Value::from(
                                "this Microsoft Graph application permission lets the holder \
                                 grant itself any directory role, app role or credential",
                            ),
                        ),
                    ]);
                    self.link(&principal, &idp, EdgeKind::AdminOf, p);
                }
                match held.iter_mut().find(|(p, _, _)| *p == principal) {
                    Some((_, r, d)) => {
                        if !r.contains(&role) {
                            r.push(role);
                        }
                        d.push(detail);
                    }
                    None => held.push((principal, vec![role], vec![detail])),
                }
            }
            if held.is_empty() {
                continue;
            }
            let Some(rid) = self.ensure_resource(resource) else {
                let n: usize = held.iter().map(|(_, _, d)| d.len()).sum();
                for _ in 0..n {
                    self.c
                        .records
                        .skip("resource without an appId", resource_oid.as_str());
                }
                continue;
            };
            for (principal, r, details) in held {
                let p = props([
                    ("role", Value::from(r.join(", "))),
                    ("roles", Value::from(r)),
                    ("appRoleAssignments", Value::Array(details)),
                ]);
                self.link(&principal, &rid, EdgeKind::CanAccess, p);
            }
        }
    }

    /// Apps registered in another (non-Microsoft) tenant whose service principal here holds
    /// delegated consents or app roles: their credentials live with the publisher, invisible from
    /// this tenant. One `token` per such app stands for them (`entra:token:publisher:<appId>`),
    /// held by the app and authenticating as its service principal, so a compromised publisher
    /// reaches the app-only access too.
    pub(super) fn publisher_credentials(&mut self) {
        let raw = self.raw;
        for sp in &raw.service_principals {
            let (Some(oid), Some(app_id)) = (s(sp, "/id"), s(sp, "/appId")) else {
                continue;
            };
            let owner = s(sp, "/appOwnerOrganizationId").unwrap_or("");
            let foreign = !self.app_by_app.contains_key(&app_id.to_ascii_lowercase())
                && !owner.is_empty()
                && !owner.eq_ignore_ascii_case(&self.tenant)
                && !MICROSOFT_TENANTS
                    .iter()
                    .any(|m| m.eq_ignore_ascii_case(owner))
                && s(sp, "/servicePrincipalType") == Some("Application");
            let used = self.grant_clients.contains(oid) || self.app_role_holders.contains(oid);
            if !foreign || !used {
                continue;
            }
            let Some(aid) = self.ensure_app(sp) else {
                continue;
            };
            let native = format!("{}{app_id}", native::PUBLISHER_CREDENTIALS);
            let mut t = node(NodeKind::Token, &native);
            let name = s(sp, "/displayName").unwrap_or(app_id);
            t.name = Some(format!("credentials of {name}, held by its publisher"));
            t.token_type = Some(TokenType::Other);
            t.revocation = Some(Revocation::None);
            t.props = props([
                ("appId", Value::from(app_id)),
                ("appOwnerOrganizationId", Value::from(owner)),
                ("servicePrincipal_objectId", Value::from(oid)),
                (
                    "note",
                    Value::from(
                        "secrets and certificates of the app registration in the publisher's \
                         tenant: not visible from this tenant; disabling the service principal \
                         cuts them here",
                    ),
                ),
            ]);
            let tid = t.id.clone();
            self.add(t);
            let spid = node_id(ENTRA, NodeKind::ServiceAccount, oid);
            self.link(&aid, &tid, EdgeKind::Holds, Props::new());
            self.link(&tid, &spid, EdgeKind::AuthenticatesAs, Props::new());
        }
    }

    /// The FOCI family: one node for the family, `can_access` each family client with a service
    /// principal in this tenant. The sign-ins importer links family refresh tokens to it.
    pub(super) fn foci(&mut self) {
        let mut family: Vec<&Value> = self
            .raw
            .service_principals
            .iter()
            .filter(|sp| s(sp, "/appId").is_some_and(is_foci))
            .collect();
        if family.is_empty() {
            return;
        }
        family.sort_by_key(|sp| s(sp, "/appId").map(str::to_ascii_lowercase));
        let mut hub = foci_family_node();
        let members: Vec<Value> = family
            .iter()
            .filter_map(|sp| s(sp, "/appId"))
            .map(Value::from)
            .collect();
        hub.props.insert("members".into(), Value::Array(members));
        self.add(hub);
        for sp in family {
            if let Some(aid) = self.ensure_app(sp) {
                let p = props([("via", Value::from("FOCI family member"))]);
                self.link(FOCI_FAMILY_ID, &aid, EdgeKind::CanAccess, p);
            }
        }
    }
}
