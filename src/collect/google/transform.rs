//! The pure raw → nodes and edges transform ([`transform`]).

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::*;
use crate::collect::json::{add_alias, edge_with as edge, node_on, props, s, strings, ts};
use crate::collect::Collection;
use crate::model::naming::{native, node_id, platform::GOOGLE};
use crate::model::{EdgeKind, Node, NodeKind, Props, Revocation, Timestamp, TokenType};

const MISSING_ID: &str = "missing id";

// ------------------------------------------------------------------------------------------------
// Transform

/// What a scope lets a grant reach: the tenant's Drive, the user's mailbox, the directory.
fn scope_targets(scope: &str) -> Option<&'static str> {
    let s = scope.trim_start_matches("https://www.googleapis.com/auth/");
    if s == "https://mail.google.com/" || s.starts_with("gmail.") {
        Some("mailbox")
    } else if s == "drive" || s.starts_with("drive.") || s.starts_with("docs") {
        Some("drive")
    } else if s.starts_with("admin.") || s.starts_with("apps.") {
        Some("directory")
    } else {
        None
    }
}

/// Reports API parameters by name: `value`, `boolValue`, `multiValue`.
fn param<'a>(event: &'a Value, name: &str) -> Option<&'a Value> {
    event
        .get("parameters")?
        .as_array()?
        .iter()
        .find(|p| s(p, "/name") == Some(name))
        .and_then(|p| {
            p.get("value")
                .or(p.get("boolValue"))
                .or(p.get("multiValue"))
        })
}

/// The domain of an address, lowercase.
fn domain(addr: &str) -> Option<String> {
    addr.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase())
}

/// ASP times: int64 milliseconds as JSON strings; `0` means never.
fn asp_time(v: &Value, ptr: &str) -> Option<Timestamp> {
    let ms = match v.pointer(ptr)? {
        Value::String(x) => x.parse::<i64>().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    (ms > 0).then(|| Timestamp::from_millis(ms))
}

/// Raw pages → nodes and edges, counting every record read and skipped.
pub fn transform(raw: &GoogleRaw) -> Collection {
    let mut c = Collection::new(SOURCE);
    c.records.read(raw.records());
    let customer = raw
        .users
        .iter()
        .find_map(|u| s(u, "/customerId"))
        .unwrap_or(&raw.customer)
        .to_string();
    let idp = node_id(GOOGLE, NodeKind::Idp, &customer);
    let mut t = node_on(GOOGLE, NodeKind::Idp, &customer);
    t.name = Some(format!("Google Workspace {customer}"));
    t.criticality = Some(9);
    t.props = props([("customerId", Value::from(customer.as_str()))]);
    c.node(t);
    let drive = node_id(GOOGLE, NodeKind::Resource, "drive");
    let mut dn = node_on(GOOGLE, NodeKind::Resource, "drive");
    dn.name = Some("Google Drive".into());
    dn.criticality = Some(7);
    dn.props = props([("customerId", Value::from(customer.as_str()))]);
    c.node(dn);

    // Users: their standing, their mailbox, their Drive.
    let mut email_of: HashMap<String, String> = HashMap::new();
    let mut domains: BTreeSet<String> = BTreeSet::new();
    for (i, u) in raw.users.iter().enumerate() {
        let Some(uid) = s(u, "/id") else {
            c.records.skip(MISSING_ID, format!("user #{}", i + 1));
            continue;
        };
        let email = s(u, "/primaryEmail");
        let mut n = node_on(GOOGLE, NodeKind::User, uid);
        n.name = email.map(str::to_string);
        n.person = email.map(str::to_string);
        n.props = props([(
            "primaryEmail",
            email.map(Value::from).unwrap_or(Value::Null),
        )]);
        for k in [
            "isAdmin",
            "isDelegatedAdmin",
            "isEnrolledIn2Sv",
            "isEnforcedIn2Sv",
            "suspended",
            "archived",
            "orgUnitPath",
            "lastLoginTime",
            "aliases",
        ] {
            if let Some(v) = u.get(k).filter(|v| !v.is_null()) {
                n.props.insert(k.to_string(), v.clone());
            }
        }
        // What an IdP's Google app calls the account: its primary email or an alias.
        for e in email
            .into_iter()
            .map(str::to_string)
            .chain(strings(u, "/aliases"))
        {
            add_alias(&mut n, &e);
        }
        let suspended = u.get("suspended").and_then(Value::as_bool) == Some(true)
            || u.get("archived").and_then(Value::as_bool) == Some(true);
        if suspended {
            n.enabled = Some(false);
        }
        // No 2-Step Verification: nothing stands between a password and a new session.
        if u.get("isEnrolledIn2Sv").and_then(Value::as_bool) == Some(false) {
            n.tags.push("no-2sv".into());
        }
        let nid = n.id.clone();
        c.node(n);
        if let Some(e) = email {
            email_of.insert(uid.to_string(), e.to_string());
            if let Some(d) = domain(e) {
                domains.insert(d);
            }
            let mb = node_id(
                GOOGLE,
                NodeKind::Resource,
                &format!("{}{e}", native::MAILBOX),
            );
            let mut m = Node::new(mb.clone(), NodeKind::Resource);
            m.platform = Some(GOOGLE.into());
            m.name = Some(format!("mailbox of {e}"));
            m.criticality = Some(5);
            c.node(m);
            c.edge(edge(
                &nid,
                &mb,
                EdgeKind::CanAccess,
                props([("level", Value::from("owner"))]),
            ));
        }
        c.edge(edge(
            &nid,
            &drive,
            EdgeKind::CanAccess,
            props([("level", Value::from("own files and files shared with them"))]),
        ));
        if u.get("isAdmin").and_then(Value::as_bool) == Some(true) {
            c.edge(edge(
                &nid,
                &idp,
                EdgeKind::AdminOf,
                props([("role", Value::from("super admin"))]),
            ));
        }
    }
    for u in &raw.users {
        for a in strings(u, "/aliases") {
            if let Some(d) = domain(&a) {
                domains.insert(d);
            }
        }
    }

    // Groups and members.
    let group_ids: BTreeSet<&str> = raw.groups.iter().filter_map(|g| s(g, "/id")).collect();
    for (i, g) in raw.groups.iter().enumerate() {
        let Some(gid) = s(g, "/id") else {
            c.records.skip(MISSING_ID, format!("group #{}", i + 1));
            continue;
        };
        let mut n = node_on(GOOGLE, NodeKind::Group, gid);
        n.name = s(g, "/email").or(s(g, "/name")).map(str::to_string);
        n.props = props([(
            "email",
            s(g, "/email").map(Value::from).unwrap_or(Value::Null),
        )]);
        c.node(n);
    }
    for (gid, members) in &raw.members {
        for (i, m) in members.iter().enumerate() {
            if !group_ids.contains(gid.as_str()) {
                c.records.skip("group not listed", gid.clone());
                continue;
            }
            let Some(mid) = s(m, "/id") else {
                c.records
                    .skip(MISSING_ID, format!("{gid} member #{}", i + 1));
                continue;
            };
            let kind = match s(m, "/type") {
                Some("USER") => NodeKind::User,
                Some("GROUP") => NodeKind::Group,
                Some("EXTERNAL") => {
                    c.records
                        .skip("external member", s(m, "/email").unwrap_or(mid).to_string());
                    continue;
                }
                _ => {
                    c.records.skip("member type not modelled", mid.to_string());
                    continue;
                }
            };
            let known = match kind {
                NodeKind::User => email_of.contains_key(mid),
                _ => group_ids.contains(mid),
            };
            if !known {
                c.records.skip("member not collected", mid.to_string());
                continue;
            }
            let to = node_id(GOOGLE, NodeKind::Group, gid);
            let p = props([(
                "role",
                s(m, "/role").map(Value::from).unwrap_or(Value::Null),
            )]);
            c.edge(edge(
                &node_id(GOOGLE, kind, mid),
                &to,
                EdgeKind::MemberOf,
                p,
            ));
        }
    }

    // Admin roles: a role per roleId, members by assignment.
    let mut role_name: HashMap<String, (String, bool)> = HashMap::new();
    for r in &raw.roles {
        // The role list is a lookup table: every entry counts as used.
        if let Some(id) = r
            .get("roleId")
            .map(|v| v.to_string().trim_matches('"').to_string())
        {
            let name = s(r, "/roleName").unwrap_or(&id).to_string();
            let sup = r.get("isSuperAdminRole").and_then(Value::as_bool) == Some(true);
            role_name.insert(id, (name, sup));
        }
    }
    for (i, a) in raw.role_assignments.iter().enumerate() {
        let rid = a
            .get("roleId")
            .map(|v| v.to_string().trim_matches('"').to_string());
        let (Some(rid), Some(who)) = (rid, s(a, "/assignedTo")) else {
            c.records
                .skip(MISSING_ID, format!("role assignment #{}", i + 1));
            continue;
        };
        let principal = match s(a, "/assigneeType").unwrap_or("user") {
            "user" if email_of.contains_key(who) => node_id(GOOGLE, NodeKind::User, who),
            "group" if group_ids.contains(who) => node_id(GOOGLE, NodeKind::Group, who),
            "user" | "group" => {
                c.records.skip("assignee not collected", who.to_string());
                continue;
            }
            _ => {
                c.records.skip("assignee type not modelled", rid.clone());
                continue;
            }
        };
        let (name, sup) = role_name.get(&rid).cloned().unwrap_or((rid.clone(), false));
        let mut n = node_on(GOOGLE, NodeKind::Role, &rid);
        n.name = Some(name);
        n.props = props([("roleId", Value::from(rid.as_str()))]);
        if sup {
            n.props.insert("isSuperAdminRole".into(), Value::Bool(true));
        }
        let role = n.id.clone();
        c.node(n);
        let scope = s(a, "/scopeType").unwrap_or("CUSTOMER");
        let p = props([
            ("scopeType", Value::from(scope)),
            (
                "orgUnitId",
                s(a, "/orgUnitId").map(Value::from).unwrap_or(Value::Null),
            ),
        ]);
        c.edge(edge(&principal, &role, EdgeKind::MemberOf, Props::new()));
        c.edge(edge(&role, &idp, EdgeKind::AdminOf, p));
    }

    // OAuth tokens users granted: a grant per (user, client), the client an app that holds it.
    let mut grant_ids: BTreeSet<String> = BTreeSet::new();
    for (uid, tokens) in &raw.tokens {
        for (i, t) in tokens.iter().enumerate() {
            let Some(client) = s(t, "/clientId") else {
                c.records
                    .skip("missing clientId", format!("{uid} token #{}", i + 1));
                continue;
            };
            if !email_of.contains_key(uid) {
                c.records.skip("user not listed", uid.clone());
                continue;
            }
            let gid = grant(
                &mut c,
                uid,
                client,
                s(t, "/displayText"),
                &strings(t, "/scopes"),
                &drive,
                email_of.get(uid),
                &idp,
            );
            if let Some(n) = c.nodes.iter_mut().rev().find(|n| n.id == gid) {
                for k in ["nativeApp", "anonymous"] {
                    if let Some(v) = t.get(k).filter(|v| v.is_boolean()) {
                        n.props.insert(k.to_string(), v.clone());
                    }
                }
            }
            if t.get("nativeApp").and_then(Value::as_bool) == Some(true) {
                let app = node_id(GOOGLE, NodeKind::App, client);
                if let Some(n) = c.nodes.iter_mut().rev().find(|n| n.id == app) {
                    n.props.insert("nativeApp".into(), Value::Bool(true));
                }
            }
            grant_ids.insert(gid);
        }
    }

    // Application-specific passwords: a password that signs in without 2SV.
    for (uid, asps) in &raw.asps {
        for (i, a) in asps.iter().enumerate() {
            let code = a
                .get("codeId")
                .map(|v| v.to_string().trim_matches('"').to_string());
            let Some(code) = code.filter(|x| !x.is_empty() && x != "null") else {
                c.records.skip(MISSING_ID, format!("{uid} ASP #{}", i + 1));
                continue;
            };
            if !email_of.contains_key(uid) {
                c.records.skip("user not listed", uid.clone());
                continue;
            }
            let mut n = node_on(GOOGLE, NodeKind::Token, &format!("asp/{uid}/{code}"));
            n.name = s(a, "/name").map(|x| format!("app password \"{x}\""));
            n.token_type = Some(TokenType::Password);
            n.revocation = Some(Revocation::PerApp);
            n.issued_at = asp_time(a, "/creationTime");
            n.last_used_at = asp_time(a, "/lastTimeUsed");
            n.props = props([
                ("codeId", Value::from(code.as_str())),
                ("userKey", Value::from(uid.as_str())),
            ]);
            let nid = n.id.clone();
            c.node(n);
            // The password is the user's credential: it signs in as them (mail, calendar).
            c.edge(edge(
                &nid,
                &node_id(GOOGLE, NodeKind::User, uid),
                EdgeKind::AuthenticatesAs,
                Props::new(),
            ));
        }
    }

    // Reports API: grants authorised or revoked since T, and sign-ins.
    for (i, a) in raw.token_activities.iter().enumerate() {
        let Some(uid) = s(a, "/actor/profileId") else {
            c.records
                .skip("no actor", format!("token activity #{}", i + 1));
            continue;
        };
        if !email_of.contains_key(uid) {
            c.records.skip("user not listed", uid.to_string());
            continue;
        }
        let at = ts(a, "/id/time");
        let mut used = false;
        for e in a
            .get("events")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = s(e, "/name").unwrap_or("");
            let Some(client) = param(e, "client_id").and_then(Value::as_str) else {
                continue;
            };
            let gid = node_id(GOOGLE, NodeKind::OauthGrant, &format!("{uid}/{client}"));
            match name {
                "authorize" => {
                    let scopes: Vec<String> = param(e, "scope")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default();
                    let app_name = param(e, "app_name").and_then(Value::as_str);
                    grant(
                        &mut c,
                        uid,
                        client,
                        app_name,
                        &scopes,
                        &drive,
                        email_of.get(uid),
                        &idp,
                    );
                    let mut n = Node::new(gid, NodeKind::OauthGrant);
                    n.issued_at = at;
                    put_time(&mut n.props, "authorized_at", at);
                    if let Some(ip) = s(a, "/ipAddress") {
                        n.props.insert("authorized_from".into(), Value::from(ip));
                    }
                    c.node(n);
                    used = true;
                }
                "revoke" => {
                    let mut n = node_on(GOOGLE, NodeKind::OauthGrant, &format!("{uid}/{client}"));
                    put_time(&mut n.props, "revoked_at", at);
                    n.props.insert("clientId".into(), Value::from(client));
                    n.props.insert("userKey".into(), Value::from(uid));
                    // Not listed by tokens.list any more: gone.
                    if !grant_ids.contains(&n.id) {
                        n.enabled = Some(false);
                    }
                    c.node(n);
                    used = true;
                }
                _ => {}
            }
        }
        if !used {
            c.records.skip(
                "event not modelled",
                s(a, "/id/uniqueQualifier").unwrap_or("").to_string(),
            );
        }
    }
    for (i, a) in raw.login_activities.iter().enumerate() {
        let Some(uid) = s(a, "/actor/profileId") else {
            c.records
                .skip("no actor", format!("login activity #{}", i + 1));
            continue;
        };
        if !email_of.contains_key(uid) {
            c.records.skip("user not listed", uid.to_string());
            continue;
        }
        let ok = a
            .get("events")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|e| s(e, "/name") == Some("login_success"));
        let (Some(e), Some(q)) = (ok, s(a, "/id/uniqueQualifier")) else {
            c.records.skip(
                "not a successful sign-in",
                s(a, "/id/uniqueQualifier").unwrap_or("").to_string(),
            );
            continue;
        };
        let mut n = node_on(GOOGLE, NodeKind::Session, &format!("login-{q}"));
        n.name = Some(format!(
            "Google sign-in of {}",
            email_of.get(uid).map(String::as_str).unwrap_or(uid)
        ));
        n.issued_at = ts(a, "/id/time");
        n.token_type = Some(TokenType::Cookie);
        n.revocation = Some(Revocation::Central);
        n.props = props([
            ("userKey", Value::from(uid)),
            (
                "ip",
                s(a, "/ipAddress").map(Value::from).unwrap_or(Value::Null),
            ),
            (
                "login_type",
                param(e, "login_type").cloned().unwrap_or(Value::Null),
            ),
        ]);
        if let Some(sus) = param(e, "is_suspicious").and_then(Value::as_bool) {
            n.props.insert("is_suspicious".into(), Value::Bool(sus));
        }
        let nid = n.id.clone();
        c.node(n);
        c.edge(edge(
            &nid,
            &node_id(GOOGLE, NodeKind::User, uid),
            EdgeKind::AuthenticatesAs,
            Props::new(),
        ));
    }

    // Gmail settings: where mail leaves the tenant.
    for (email, m) in &raw.mail {
        let mb = node_id(
            GOOGLE,
            NodeKind::Resource,
            &format!("{}{email}", native::MAILBOX),
        );
        let mut n = Node::new(mb, NodeKind::Resource);
        let external = |addr: &str| domain(addr).is_some_and(|d| !domains.contains(&d));
        let mut externals: BTreeSet<String> = BTreeSet::new();
        let mut fwd = Vec::new();
        for (i, f) in m.forwarding_addresses.iter().enumerate() {
            let Some(addr) = s(f, "/forwardingEmail") else {
                c.records.skip(
                    "no address",
                    format!("{email} forwarding address #{}", i + 1),
                );
                continue;
            };
            fwd.push(Value::Object(
                props([
                    ("forwardingEmail", Value::from(addr)),
                    (
                        "verificationStatus",
                        f.get("verificationStatus").cloned().unwrap_or(Value::Null),
                    ),
                ])
                .into_iter()
                .collect(),
            ));
        }
        if !fwd.is_empty() {
            n.props
                .insert("forwarding_addresses".into(), Value::Array(fwd));
        }
        if let Some(af) = &m.auto_forwarding {
            if af.get("enabled").and_then(Value::as_bool) == Some(true) {
                n.props.insert("auto_forwarding".into(), af.clone());
                if let Some(addr) = s(af, "/emailAddress").filter(|a| external(a)) {
                    externals.insert(addr.to_string());
                }
            }
        }
        let mut filters = Vec::new();
        for (i, f) in m.filters.iter().enumerate() {
            let Some(id) = s(f, "/id") else {
                c.records
                    .skip(MISSING_ID, format!("{email} filter #{}", i + 1));
                continue;
            };
            let forward = s(f, "/action/forward");
            let trashes = strings(f, "/action/addLabelIds")
                .iter()
                .any(|l| l == "TRASH")
                || strings(f, "/action/removeLabelIds")
                    .iter()
                    .any(|l| l == "INBOX");
            // Only filters that send mail away or hide it are worth a look in an incident.
            if forward.is_none() && !trashes {
                c.records.skip(
                    "filter neither forwards nor hides mail",
                    format!("{email} {id}"),
                );
                continue;
            }
            if let Some(addr) = forward.filter(|a| external(a)) {
                externals.insert(addr.to_string());
            }
            filters.push(Value::Object(
                props([
                    ("id", Value::from(id)),
                    (
                        "criteria",
                        f.get("criteria").cloned().unwrap_or(Value::Null),
                    ),
                    ("forward", forward.map(Value::from).unwrap_or(Value::Null)),
                    ("hides_mail", Value::Bool(trashes)),
                ])
                .into_iter()
                .collect(),
            ));
        }
        if !filters.is_empty() {
            n.props.insert("filters".into(), Value::Array(filters));
        }
        if !externals.is_empty() {
            n.props.insert(
                "external_forwarding".into(),
                Value::from(externals.into_iter().collect::<Vec<_>>()),
            );
        }
        n.props
            .insert("mail_settings_read".into(), Value::Bool(true));
        c.node(n);
    }

    for u in &raw.unavailable {
        c.records.read(1);
        c.records.skip(&u.reason, u.endpoint.clone());
    }
    c
}

fn put_time(p: &mut Props, k: &str, t: Option<Timestamp>) {
    if let Some(t) = t {
        p.insert(k.to_string(), Value::from(t.to_string()));
    }
}

/// The grant of `client` by user `uid`, its app, and what its scopes reach.
#[allow(clippy::too_many_arguments)]
fn grant(
    c: &mut Collection,
    uid: &str,
    client: &str,
    app_name: Option<&str>,
    scopes: &[String],
    drive: &str,
    email: Option<&String>,
    idp: &str,
) -> String {
    let user = node_id(GOOGLE, NodeKind::User, uid);
    let mut app = node_on(GOOGLE, NodeKind::App, client);
    app.name = app_name.map(str::to_string);
    app.props = props([("clientId", Value::from(client))]);
    let app_id = app.id.clone();
    c.node(app);
    let mut g = node_on(GOOGLE, NodeKind::OauthGrant, &format!("{uid}/{client}"));
    g.name = Some(format!(
        "{} for {}",
        app_name.unwrap_or(client),
        email.map(String::as_str).unwrap_or(uid)
    ));
    g.scopes = scopes.to_vec();
    // tokens.delete revokes every token the user issued to the client.
    g.revocation = Some(Revocation::PerApp);
    g.props = props([
        ("clientId", Value::from(client)),
        ("userKey", Value::from(uid)),
    ]);
    let gid = g.id.clone();
    c.node(g);
    c.edge(edge(&user, &gid, EdgeKind::Consented, Props::new()));
    c.edge(edge(&app_id, &gid, EdgeKind::Holds, Props::new()));
    let mut reached = BTreeSet::new();
    for sc in scopes {
        let Some(kind) = scope_targets(sc) else {
            continue;
        };
        let to = match kind {
            "mailbox" => match email {
                Some(e) => node_id(
                    GOOGLE,
                    NodeKind::Resource,
                    &format!("{}{e}", native::MAILBOX),
                ),
                None => continue,
            },
            "drive" => drive.to_string(),
            _ => idp.to_string(),
        };
        if reached.insert(to.clone()) {
            let mine: Vec<Value> = scopes
                .iter()
                .filter(|x| scope_targets(x) == Some(kind))
                .map(|x| Value::from(x.as_str()))
                .collect();
            c.edge(edge(
                &gid,
                &to,
                EdgeKind::CanAccess,
                props([("scopes", Value::Array(mine))]),
            ));
        }
    }
    gid
}
