//! The pure raw → nodes and edges transform ([`transform`]) and the policy reading it uses.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::*;
use crate::collect::json::{copy, edge_with as edge, node_on, props, s, strings, ts};
use crate::collect::Collection;
use crate::model::naming::{join, node_id, platform, platform::OKTA, FEDERATION_TARGET};
use crate::model::{Edge, EdgeKind, Node, NodeKind, Props, Requirement, Revocation, TokenType};

// ------------------------------------------------------------------------------------------------
// Transform

/// App platforms whose accounts heir's own collectors read (`heir collect github|google|slack`).
const SAAS_COLLECTED: &[&str] = &[platform::GITHUB, platform::GOOGLE, platform::SLACK];

/// Role types that only read: their holders get `can_access` (level read), not `admin_of`.
const READ_ONLY_ROLES: &[&str] = &["READ_ONLY_ADMIN", "REPORT_ADMIN"];

/// User statuses that refuse a new sign-in.
const DISABLED_USER: &[&str] = &[
    "SUSPENDED",
    "DEPROVISIONED",
    "LOCKED_OUT",
    "STAGED",
    "PROVISIONED",
];

/// App-user statuses that mean the assignment no longer yields an account.
const DISABLED_APP_USER: &[&str] = &["INACTIVE", "DEPROVISIONED", "REVOKED"];

/// What the app's authentication policy demands of any sign-in, as `requires` conditions: the
/// conditions every active ALLOW rule imposes (the attacker takes the easiest rule that matches,
/// and rules scoped to people are assumed to match). `None`: no rule allows access.
pub fn policy_requirements(rules: &[Value]) -> Option<Vec<Requirement>> {
    let mut common: Option<BTreeSet<Requirement>> = None;
    for r in rules {
        if !is_active(r) || s(r, "/actions/appSignOn/access").is_some_and(|a| a != "ALLOW") {
            continue;
        }
        let mut req = BTreeSet::new();
        let vm = r.pointer("/actions/appSignOn/verificationMethod");
        if let Some(vm) = vm {
            let two = s(vm, "/factorMode") == Some("2FA")
                || (s(vm, "/type") == Some("ASSURANCE") && s(vm, "/factorMode").is_none());
            if two {
                if s(vm, "/reauthenticateIn") == Some("PT0S") {
                    req.insert(Requirement::FreshMfa);
                } else {
                    req.insert(Requirement::Mfa);
                }
            }
        }
        let dev = r.pointer("/conditions/device");
        if let Some(d) = dev {
            let managed = d.pointer("/managed").and_then(Value::as_bool) == Some(true);
            let registered = d.pointer("/registered").and_then(Value::as_bool) == Some(true);
            let assurance = !strings(d, "/assurance/include").is_empty();
            if managed || registered || assurance {
                req.insert(Requirement::ManagedDevice);
            }
        }
        if s(r, "/conditions/network/connection") == Some("ZONE") {
            let include = strings(r, "/conditions/network/include");
            if !include.is_empty() && !include.iter().any(|z| z == "ALL_ZONES") {
                req.insert(Requirement::TrustedNetwork);
            }
        }
        common = Some(match common {
            None => req,
            Some(c) => c.intersection(&req).copied().collect(),
        });
    }
    common.map(|c| c.into_iter().collect())
}

/// The OAuth target of scopes: the Okta org for `okta.*` management scopes, else the client app.
fn scope_target(scopes: &[String], idp: &str, client_node: &str) -> (String, Props) {
    let mut p = Props::new();
    p.insert("scopes".into(), Value::from(scopes.to_vec()));
    if scopes.iter().any(|x| x.starts_with("okta.")) {
        let level = if scopes
            .iter()
            .any(|x| x.starts_with("okta.") && x.ends_with(".manage"))
        {
            "write"
        } else {
            "read"
        };
        p.insert("level".into(), Value::from(level));
        (idp.to_string(), p)
    } else {
        (client_node.to_string(), p)
    }
}

/// The Okta org's power an account gets from its role assignments: `admin_of` the org, or
/// `can_access` (level read) when every role only reads. Roles are listed in props.
fn role_edge(from: &str, idp: &str, roles: &[Value]) -> Option<Edge> {
    let active: Vec<&Value> = roles.iter().filter(|r| is_active(r)).collect();
    if active.is_empty() {
        return None;
    }
    let listed: Vec<Value> = active
        .iter()
        .map(|r| {
            let mut o = Props::new();
            for (k, ptr) in [
                ("type", "/type"),
                ("label", "/label"),
                ("id", "/id"),
                ("assignmentType", "/assignmentType"),
                ("role", "/role"),
                ("resource-set", "/resource-set"),
            ] {
                copy(&mut o, k, r, ptr);
            }
            Value::Object(o)
        })
        .collect();
    let read_only = active
        .iter()
        .all(|r| s(r, "/type").is_some_and(|t| READ_ONLY_ROLES.contains(&t)));
    let mut p = Props::new();
    p.insert("roles".into(), Value::from(listed));
    if read_only {
        p.insert("level".into(), Value::from("read"));
        Some(edge(from, idp, EdgeKind::CanAccess, p))
    } else {
        Some(edge(from, idp, EdgeKind::AdminOf, p))
    }
}

/// Scope names of a grant: the expanded scope's name, else the scope id.
fn grant_scope(g: &Value) -> Option<String> {
    s(g, "/_embedded/scope/name")
        .or_else(|| s(g, "/scopeId"))
        .map(str::to_string)
}

/// Nodes and edges from the raw pages. Pure: same input, same output, in the same order.
pub fn transform(raw: &OktaRaw) -> Collection {
    let mut c = Collection::new(SOURCE);
    c.records.read(raw.records());
    let idp = idp_id(&raw.org);
    let mut n = Node::new(idp.clone(), NodeKind::Idp);
    n.platform = Some(OKTA.into());
    n.name = Some(format!("Okta org {}", raw.org));
    n.criticality = Some(10);
    n.tags = vec!["tier0".into()];
    n.props
        .insert("domain".into(), Value::from(raw.org.clone()));
    c.node(n);

    // Users.
    let mut users: BTreeMap<&str, &Value> = BTreeMap::new();
    for (i, u) in raw.users.iter().enumerate() {
        let Some(uid) = s(u, "/id") else {
            c.records.skip(MISSING_ID, format!("user #{}", i + 1));
            continue;
        };
        users.insert(uid, u);
        let mut n = node_on(OKTA, NodeKind::User, uid);
        let login = s(u, "/profile/login");
        n.name = login.map(str::to_string);
        n.person = s(u, "/profile/email").or(login).map(str::to_string);
        // Log events and other documents may name the account by login or email.
        for a in [login, s(u, "/profile/email")].into_iter().flatten() {
            let alias = node_id(OKTA, NodeKind::User, a);
            if !n.aliases.contains(&alias) {
                n.aliases.push(alias);
            }
        }
        if s(u, "/status").is_some_and(|st| DISABLED_USER.contains(&st)) {
            n.enabled = Some(false);
        }
        for (k, ptr) in [
            ("status", "/status"),
            ("login", "/profile/login"),
            ("email", "/profile/email"),
            ("created", "/created"),
            ("lastLogin", "/lastLogin"),
            ("statusChanged", "/statusChanged"),
            ("passwordChanged", "/passwordChanged"),
            ("credentialProvider", "/credentials/provider/type"),
        ] {
            copy(&mut n.props, k, u, ptr);
        }
        c.node(n);
    }

    // Groups and memberships.
    for (i, g) in raw.groups.iter().enumerate() {
        let Some(gid) = s(g, "/id") else {
            c.records.skip(MISSING_ID, format!("group #{}", i + 1));
            continue;
        };
        let mut n = node_on(OKTA, NodeKind::Group, gid);
        n.name = s(g, "/profile/name").map(str::to_string);
        for (k, ptr) in [("type", "/type"), ("description", "/profile/description")] {
            copy(&mut n.props, k, g, ptr);
        }
        c.node(n);
    }
    for (gid, members) in &raw.group_members {
        for m in members {
            let Some(uid) = s(m, "/id") else {
                c.records.skip(MISSING_ID, format!("member of group {gid}"));
                continue;
            };
            c.edge(Edge::new(
                node_id(OKTA, NodeKind::User, uid),
                node_id(OKTA, NodeKind::Group, gid),
                EdgeKind::MemberOf,
            ));
        }
    }

    for (pid, rules) in &raw.policy_rules {
        for r in rules.iter().filter(|r| !is_active(r)) {
            c.records.skip(INACTIVE, s(r, "/id").unwrap_or(pid));
        }
    }

    // Admin roles held by users.
    for (uid, roles) in &raw.user_roles {
        for r in roles.iter().filter(|r| !is_active(r)) {
            c.records.skip(INACTIVE, s(r, "/id").unwrap_or(uid));
        }
        if let Some(e) = role_edge(&node_id(OKTA, NodeKind::User, uid), &idp, roles) {
            c.edge(e);
        }
    }

    // Apps and service apps.
    let mut apps: BTreeMap<&str, &Value> = BTreeMap::new();
    let mut by_client: BTreeMap<&str, &Value> = BTreeMap::new();
    for (i, app) in raw.apps.iter().enumerate() {
        let Some(aid) = s(app, "/id") else {
            c.records.skip(MISSING_ID, format!("app #{}", i + 1));
            continue;
        };
        apps.insert(aid, app);
        if let Some(cid) = s(app, "/credentials/oauthClient/client_id") {
            by_client.insert(cid, app);
        }
        let service = is_service_app(app);
        let mut n = node_on(
            OKTA,
            if service {
                NodeKind::ServiceAccount
            } else {
                NodeKind::App
            },
            aid,
        );
        n.name = s(app, "/label").map(str::to_string);
        if !is_active(app) {
            n.enabled = Some(false);
        }
        for (k, ptr) in [
            ("name", "/name"),
            ("status", "/status"),
            ("signOnMode", "/signOnMode"),
            ("created", "/created"),
            ("client_id", "/credentials/oauthClient/client_id"),
            (
                "token_endpoint_auth_method",
                "/credentials/oauthClient/token_endpoint_auth_method",
            ),
            ("application_type", "/settings/oauthClient/application_type"),
            ("grant_types", "/settings/oauthClient/grant_types"),
            ("universalLogout", "/universalLogout/status"),
        ] {
            copy(&mut n.props, k, app, ptr);
        }
        if !service {
            n.props.insert(
                "platform".into(),
                Value::from(app_platform(s(app, "/name"), s(app, "/label"))),
            );
            if let Some(pid) = access_policy_id(app) {
                n.props.insert("accessPolicy".into(), Value::from(pid));
            }
        }
        c.node(n);
    }

    // App assignments: the account each one yields on the app's platform.
    for (aid, assigned) in &raw.app_users {
        let Some(app) = apps.get(aid.as_str()) else {
            for _ in assigned {
                c.records
                    .skip("assignment to an app not listed", aid.as_str());
            }
            continue;
        };
        let app_node = node_id(OKTA, NodeKind::App, aid);
        let platform = app_platform(s(app, "/name"), s(app, "/label"));
        let policy = access_policy_id(app);
        let requires = match policy.as_ref().and_then(|p| raw.policy_rules.get(p)) {
            Some(rules) => policy_requirements(rules),
            None => Some(Vec::new()),
        };
        for au in assigned {
            let Some(uid) = s(au, "/id") else {
                c.records
                    .skip(MISSING_ID, format!("assignment to app {aid}"));
                continue;
            };
            let okta_user = users.get(uid);
            let native = s(au, "/externalId")
                .or_else(|| s(au, "/credentials/userName"))
                .unwrap_or(uid);
            let acct = node_id(&platform, NodeKind::User, native);
            let mut n = Node::new(acct.clone(), NodeKind::User);
            n.platform = Some(platform.clone());
            n.name = s(au, "/credentials/userName")
                .or_else(|| okta_user.and_then(|u| s(u, "/profile/login")))
                .map(str::to_string);
            n.person = okta_user
                .and_then(|u| s(u, "/profile/email").or_else(|| s(u, "/profile/login")))
                .map(str::to_string);
            if s(au, "/status").is_some_and(|st| DISABLED_APP_USER.contains(&st)) {
                n.enabled = Some(false);
            }
            n.props.insert("okta_app".into(), Value::from(aid.clone()));
            n.props.insert("okta_user".into(), Value::from(uid));
            // The account lives on a platform heir has a collector for, which names it by its
            // own id and lists what Okta calls it (login, SAML nameId, email) as aliases: this
            // node is only the federation target, folded into that account by `heir merge`, and
            // reported as unresolved until that collector's document is merged too.
            if SAAS_COLLECTED.contains(&platform.as_str()) {
                n.props
                    .insert(FEDERATION_TARGET.into(), Value::from(SOURCE));
            }
            for (k, ptr) in [
                ("externalId", "/externalId"),
                ("status", "/status"),
                ("scope", "/scope"),
                ("syncState", "/syncState"),
            ] {
                copy(&mut n.props, k, au, ptr);
            }
            c.node(n);
            if let Some(req) = &requires {
                let mut e = edge(
                    &node_id(OKTA, NodeKind::User, uid),
                    &acct,
                    EdgeKind::Sso,
                    props([
                        ("okta_app", Value::from(aid.clone())),
                        (
                            "signOnMode",
                            s(app, "/signOnMode").map_or(Value::Null, Value::from),
                        ),
                        (
                            "accessPolicy",
                            policy.clone().map_or(Value::Null, Value::from),
                        ),
                        ("scope", s(au, "/scope").map_or(Value::Null, Value::from)),
                    ]),
                );
                e.requires = req.clone();
                // An AWS federation app signs in through the account's IAM SAML provider
                // (the app's identityProviderArn setting): the AWS collector's `aws:idp:<ARN>`,
                // which can assume the roles trusting it.
                if let Some(arn) = s(app, "/settings/app/identityProviderArn") {
                    let idp_id = join::aws_idp(arn);
                    let mut p = Node::new(idp_id.clone(), NodeKind::Idp);
                    p.platform = Some(platform::AWS.to_string());
                    p.name = Some(arn.rsplit('/').next().unwrap_or(arn).to_string());
                    p.props
                        .insert(FEDERATION_TARGET.into(), Value::from(SOURCE));
                    c.node(p);
                    let mut f = e.clone();
                    f.to = idp_id;
                    c.edge(f);
                }
                c.edge(e);
            }
            c.edge(Edge::new(acct, app_node.clone(), EdgeKind::CanAccess));
        }
    }

    // Service apps: their Okta power (scope grants + roles) and their client secrets.
    for app in &raw.apps {
        let Some(aid) = s(app, "/id") else { continue };
        if !is_service_app(app) {
            continue;
        }
        let sa = node_id(OKTA, NodeKind::ServiceAccount, aid);
        let cid = client_id_of(app).unwrap_or(aid);
        let roles = raw.client_roles.get(cid).map(Vec::as_slice).unwrap_or(&[]);
        let all_grants = raw.app_grants.get(aid).map(Vec::as_slice).unwrap_or(&[]);
        for g in all_grants.iter().filter(|g| !is_active(g)) {
            c.records.skip(INACTIVE, s(g, "/id").unwrap_or(aid));
        }
        for r in roles.iter().filter(|r| !is_active(r)) {
            c.records.skip(INACTIVE, s(r, "/id").unwrap_or(cid));
        }
        let grants: Vec<&Value> = all_grants.iter().filter(|g| is_active(g)).collect();
        let scopes: Vec<String> = grants.iter().filter_map(|g| grant_scope(g)).collect();
        for g in grants.iter().filter(|g| grant_scope(g).is_none()) {
            c.records
                .skip("grant without a scope", s(g, "/id").unwrap_or(aid));
        }
        // The grants and roles only say something when the service app can call the Okta API:
        // then they become one edge to the org; otherwise they are read and left out.
        let to_org = !scopes.is_empty() && scope_target(&scopes, &idp, &sa).0 == idp;
        if !to_org {
            let unused = grants.iter().filter(|g| grant_scope(g).is_some()).count()
                + roles.iter().filter(|r| is_active(r)).count();
            for _ in 0..unused {
                c.records.skip("service app without an Okta API scope", aid);
            }
        }
        if !scopes.is_empty() {
            let (to, mut p) = scope_target(&scopes, &idp, &sa);
            if let Some(Edge { props: rp, .. }) = role_edge(&sa, &idp, roles) {
                if let Some(r) = rp.get("roles") {
                    p.insert("roles".into(), r.clone());
                }
            }
            let grant_ids: Vec<Value> = grants
                .iter()
                .filter_map(|g| s(g, "/id"))
                .map(Value::from)
                .collect();
            p.insert("grants".into(), Value::from(grant_ids));
            if to == idp {
                let kind = if p.get("level").and_then(Value::as_str) == Some("write") {
                    p.remove("level");
                    EdgeKind::AdminOf
                } else {
                    EdgeKind::CanAccess
                };
                c.edge(edge(&sa, &idp, kind, p));
            }
        }
        for sec in raw.app_secrets.get(aid).map(Vec::as_slice).unwrap_or(&[]) {
            let Some(sid) = s(sec, "/id") else {
                c.records
                    .skip(MISSING_ID, format!("client secret of app {aid}"));
                continue;
            };
            let mut n = node_on(OKTA, NodeKind::Token, sid);
            n.name = Some(format!(
                "client secret of {}",
                s(app, "/label").unwrap_or(aid)
            ));
            n.token_type = Some(TokenType::ClientSecret);
            n.revocation = Some(Revocation::None);
            n.issued_at = ts(sec, "/created");
            if !is_active(sec) {
                n.enabled = Some(false);
            }
            n.props.insert("secretId".into(), Value::from(sid));
            n.props.insert("client_id".into(), Value::from(cid));
            for (k, ptr) in [("status", "/status"), ("lastUpdated", "/lastUpdated")] {
                copy(&mut n.props, k, sec, ptr);
            }
            c.node(n);
            c.edge(Edge::new(
                node_id(OKTA, NodeKind::Token, sid),
                sa.clone(),
                EdgeKind::AuthenticatesAs,
            ));
        }
    }

    // OAuth clients users granted access to: the app node, or a placeholder for clients
    // `/api/v1/apps` does not list (Okta's own first-party clients, deleted apps); and the back
    // end of the client, which stores the refresh tokens.
    let mut placeholders: BTreeSet<String> = BTreeSet::new();
    let mut backends: BTreeSet<String> = BTreeSet::new();
    let mut client_node = |c: &mut Collection, cid: &str| -> (String, String) {
        let app = by_client.get(cid).or_else(|| apps.get(cid)).copied();
        let aid = app.and_then(|a| s(a, "/id")).unwrap_or(cid);
        let kind = if app.is_some_and(is_service_app) {
            NodeKind::ServiceAccount
        } else {
            NodeKind::App
        };
        let app_node = node_id(OKTA, kind, aid);
        if app.is_none() && placeholders.insert(cid.to_string()) {
            let mut n = node_on(OKTA, NodeKind::App, cid);
            n.name = Some(format!("OAuth client {cid}"));
            n.props.insert("client_id".into(), Value::from(cid));
            n.props.insert(
                "note".into(),
                Value::from(
                    "OAuth client not listed by /api/v1/apps (Okta first-party or deleted)",
                ),
            );
            c.node(n);
        }
        let backend = node_id(OKTA, NodeKind::Workload, cid);
        if backends.insert(cid.to_string()) {
            let mut n = node_on(OKTA, NodeKind::Workload, cid);
            n.name = Some(format!(
                "back end of OAuth client {}",
                app.and_then(|a| s(a, "/label")).unwrap_or(cid)
            ));
            n.props.insert("client_id".into(), Value::from(cid));
            n.props.insert(
                "note".into(),
                Value::from("where the client stores the refresh tokens and grants users gave it"),
            );
            c.node(n);
        }
        (app_node, backend)
    };

    // Users' consent grants.
    let mut grants_by: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    for (uid, grants) in &raw.user_grants {
        let user = node_id(OKTA, NodeKind::User, uid);
        for g in grants {
            let Some(gid) = s(g, "/id") else {
                c.records.skip(MISSING_ID, format!("grant of user {uid}"));
                continue;
            };
            let Some(cid) = s(g, "/clientId") else {
                c.records.skip(MISSING_CLIENT, gid);
                continue;
            };
            let gnode = node_id(OKTA, NodeKind::OauthGrant, gid);
            let scopes: Vec<String> = grant_scope(g).into_iter().collect();
            let (app_node, backend) = client_node(&mut c, cid);
            let mut n = node_on(OKTA, NodeKind::OauthGrant, gid);
            n.name = Some(format!(
                "{} granted to {} by {}",
                scopes.first().map_or("a scope", String::as_str),
                by_client
                    .get(cid)
                    .and_then(|a| s(a, "/label"))
                    .unwrap_or(cid),
                users
                    .get(uid.as_str())
                    .and_then(|u| s(u, "/profile/login"))
                    .unwrap_or(uid)
            ));
            n.issued_at = ts(g, "/created");
            n.revocation = Some(Revocation::Central);
            n.scopes = scopes.clone();
            if !is_active(g) {
                n.enabled = Some(false);
            }
            n.props.insert("userId".into(), Value::from(uid.clone()));
            for (k, ptr) in [
                ("clientId", "/clientId"),
                ("issuer", "/issuer"),
                ("scopeId", "/scopeId"),
                ("source", "/source"),
                ("status", "/status"),
            ] {
                copy(&mut n.props, k, g, ptr);
            }
            c.node(n);
            c.edge(Edge::new(user.clone(), gnode.clone(), EdgeKind::Consented));
            c.edge(Edge::new(backend, gnode.clone(), EdgeKind::Holds));
            let (to, p) = scope_target(&scopes, &idp, &app_node);
            c.edge(edge(&gnode, &to, EdgeKind::CanAccess, p));
            grants_by
                .entry((
                    uid.clone(),
                    cid.to_string(),
                    s(g, "/issuer").unwrap_or_default().to_string(),
                ))
                .or_default()
                .push(gnode);
        }
    }

    // Refresh tokens issued to each OAuth client.
    for tokens in raw.app_tokens.values() {
        for (i, t) in tokens.iter().enumerate() {
            let Some(tid) = s(t, "/id") else {
                c.records
                    .skip(MISSING_ID, format!("refresh token #{}", i + 1));
                continue;
            };
            let Some(cid) = s(t, "/clientId") else {
                c.records.skip(MISSING_CLIENT, tid);
                continue;
            };
            let tnode = node_id(OKTA, NodeKind::Token, tid);
            let scopes = strings(t, "/scopes");
            let (app_node, backend) = client_node(&mut c, cid);
            let mut n = node_on(OKTA, NodeKind::Token, tid);
            let user = s(t, "/userId");
            n.name = Some(format!(
                "refresh token of {} for {}",
                user.and_then(|u| users.get(u))
                    .and_then(|u| s(u, "/profile/login"))
                    .or(user)
                    .unwrap_or("?"),
                by_client
                    .get(cid)
                    .and_then(|a| s(a, "/label"))
                    .unwrap_or(cid)
            ));
            n.token_type = Some(TokenType::Refresh);
            n.revocation = Some(Revocation::Central);
            n.issued_at = ts(t, "/created");
            n.expires_at = ts(t, "/expiresAt");
            n.scopes = scopes.clone();
            if !is_active(t) {
                n.enabled = Some(false);
            }
            for (k, ptr) in [
                ("clientId", "/clientId"),
                ("userId", "/userId"),
                ("issuer", "/issuer"),
                ("status", "/status"),
            ] {
                copy(&mut n.props, k, t, ptr);
            }
            c.node(n);
            c.edge(Edge::new(backend, tnode.clone(), EdgeKind::Holds));
            let (to, p) = scope_target(&scopes, &idp, &app_node);
            c.edge(edge(&tnode, &to, EdgeKind::CanAccess, p));
            if let Some(uid) = user {
                let key = (
                    uid.to_string(),
                    cid.to_string(),
                    s(t, "/issuer").unwrap_or_default().to_string(),
                );
                for g in grants_by.get(&key).map(Vec::as_slice).unwrap_or(&[]) {
                    let mut e = Edge::new(g.clone(), tnode.clone(), EdgeKind::Issued);
                    e.at = ts(t, "/created");
                    c.edge(e);
                }
            }
        }
    }

    // API tokens: the full power of the admin who created them.
    for (i, t) in raw.api_tokens.iter().enumerate() {
        let Some(tid) = s(t, "/id") else {
            c.records.skip(MISSING_ID, format!("API token #{}", i + 1));
            continue;
        };
        let tnode = node_id(OKTA, NodeKind::Token, tid);
        let mut n = node_on(OKTA, NodeKind::Token, tid);
        n.name = Some(format!("Okta API token '{}'", s(t, "/name").unwrap_or(tid)));
        n.token_type = Some(TokenType::ApiKey);
        n.revocation = Some(Revocation::Central);
        n.issued_at = ts(t, "/created");
        n.expires_at = ts(t, "/expiresAt");
        for (k, ptr) in [
            ("userId", "/userId"),
            ("clientName", "/clientName"),
            ("tokenWindow", "/tokenWindow"),
            ("network", "/network/connection"),
            ("lastUpdated", "/lastUpdated"),
        ] {
            copy(&mut n.props, k, t, ptr);
        }
        c.node(n);
        if let Some(uid) = s(t, "/userId") {
            let mut e = Edge::new(
                tnode,
                node_id(OKTA, NodeKind::User, uid),
                EdgeKind::AuthenticatesAs,
            );
            let zones = strings(t, "/network/include");
            if s(t, "/network/connection") == Some("ZONE")
                && !zones.is_empty()
                && !zones.iter().any(|z| z == "ALL_ZONES")
            {
                e.requires = vec![Requirement::TrustedNetwork];
            }
            c.edge(e);
        }
    }
    c
}
