//! Entra sign-in logs (`GET /auditLogs/signIns`, or an export of them) as lineage: which
//! tokens were minted from which sign-in session, when, from where.
//!
//! Records are grouped by `sessionId` (Graph beta; the join key across the interactive and
//! non-interactive sign-ins of one session; v1.0 records have none, and fall back to
//! `correlationId`). Each session becomes `entra:session:<sessionId>` that
//! `authenticates_as` the user, and each successful app sign-in in it a child token
//! `entra:token:<sign-in id>` with an `issued` edge from the session (`at` = the sign-in time,
//! props ip / app / client / user_agent). Sign-ins by a FOCI family client also hang off the
//! session's family refresh token `entra:token:foci:<sessionId>`, which reaches the FOCI family
//! node ([`entra::FOCI_FAMILY_ID`]). Failed sign-ins (`status.errorCode` ≠ 0) minted nothing and
//! are not lineage. The mapping is documented in `docs/collectors/entra.md`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::collector::{fetch_error, parse, Collector, Context};
use super::entra::{self, EntraAuth};
use super::http::{FetchError, Paging, Policy};
use super::json::{fit_edge, fit_node, node_on, put};
use super::logshape::rec::{s, strings};
use super::logshape::{self, At, Rec, Shape, Zone};
use super::{Collection, Progress};
use crate::error::HeirError;
use crate::model::naming::{native::FOCI_REFRESH_TOKEN, node_id, platform::ENTRA};
use crate::model::{Edge, EdgeKind, Node, NodeKind, Revocation, Timestamp, TokenType};

/// The source name written to the document (its nodes are on the `entra` platform).
pub const SOURCE: &str = "signins";

/// Access tokens are issued for 60–90 minutes by default (CAE-capable clients: up to 28 h); the
/// upper default bound is used as the estimated expiry of an access token seen in a sign-in.
const ACCESS_TOKEN_MINUTES: i64 = 90;

/// `clientAppUsed` of native and mobile apps, which get refresh tokens.
const NATIVE_CLIENT: &str = "Mobile Apps and Desktop clients";

fn node(kind: NodeKind, native: &str) -> Node {
    node_on(ENTRA, kind, native)
}

/// Who signed in: sign-in logs cover people and non-human identities alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Signer {
    User,
    /// An app signing in as itself (client credentials): `ServicePrincipalSignInLogs`.
    ServicePrincipal,
    /// An Azure resource's managed identity: `ManagedIdentitySignInLogs`.
    ManagedIdentity,
}

impl Signer {
    fn as_str(self) -> &'static str {
        match self {
            Signer::User => "user",
            Signer::ServicePrincipal => "service principal",
            Signer::ManagedIdentity => "managed identity",
        }
    }
}

/// The principal of a record and its id: a user (`userId`), unless the record's category or
/// `signInEventTypes` says service principal or managed identity, or it has no user but a
/// `servicePrincipalId`.
fn principal(rec: At<'_>) -> Option<(Signer, &str)> {
    let category = s(rec, "/category").unwrap_or("").to_ascii_lowercase();
    let types: Vec<String> = strings(rec, "/signInEventTypes")
        .into_iter()
        .map(|t| t.to_ascii_lowercase())
        .collect();
    let mi = category.contains("managedidentity") || types.iter().any(|t| t == "managedidentity");
    let sp = mi
        || category.contains("serviceprincipal")
        || types.iter().any(|t| t == "serviceprincipal");
    if !sp {
        if let Some(u) = s(rec, "/userId") {
            return Some((Signer::User, u));
        }
    }
    let spid = s(rec, "/servicePrincipalId")?;
    Some((
        if mi {
            Signer::ManagedIdentity
        } else {
            Signer::ServicePrincipal
        },
        spid,
    ))
}

/// A successful sign-in with what the transform needs.
struct SignIn<'a> {
    rec: At<'a>,
    id: &'a str,
    at: Timestamp,
    /// The time carried no zone and was read as UTC.
    zone_less: bool,
    principal: Signer,
    /// The user id, or the service principal's object id.
    who: &'a str,
    app: Option<&'a str>,
}

impl SignIn<'_> {
    fn str(&self, ptr: &str) -> Option<&str> {
        s(self.rec, ptr)
    }

    fn foci(&self) -> bool {
        self.app.is_some_and(entra::is_foci)
    }

    /// Whether this sign-in satisfied MFA: MFA was required and the sign-in succeeded, an MFA
    /// method is recorded, or an authentication step says MFA was completed or satisfied.
    fn mfa(&self) -> bool {
        self.str("/authenticationRequirement") == Some("multiFactorAuthentication")
            || self.str("/mfaDetail/authMethod").is_some()
            || self
                .rec
                .get("authenticationDetails")
                .into_iter()
                .flat_map(At::items)
                .any(|d| {
                    d.get("succeeded").and_then(At::as_bool) != Some(false)
                        && s(d, "/authenticationStepResultDetail")
                            .is_some_and(|r| r.to_ascii_lowercase().contains("mfa"))
                })
    }

    /// `incomingTokenType` says a refresh token or primary refresh token was redeemed.
    fn redeems_refresh_token(&self) -> bool {
        let incoming = self
            .str("/incomingTokenType")
            .unwrap_or("")
            .to_ascii_lowercase()
            .replace(' ', "");
        incoming.contains("refreshtoken")
    }

    /// A refresh token for native clients and for sign-ins redeeming one; else an access token.
    fn token_type(&self) -> TokenType {
        if self.str("/clientAppUsed") == Some(NATIVE_CLIENT) || self.redeems_refresh_token() {
            TokenType::Refresh
        } else {
            TokenType::Access
        }
    }

    fn user_agent(&self) -> Option<&str> {
        self.str("/userAgent")
    }

    fn ip(&self) -> Option<&str> {
        self.str("/ipAddress")
    }

    fn country(&self) -> Option<&str> {
        self.str("/location/countryOrRegion")
    }

    fn device_id(&self) -> Option<&str> {
        self.str("/deviceDetail/deviceId")
            .filter(|d| *d != "00000000-0000-0000-0000-000000000000")
    }

    /// The delegated scopes of the token: beta's `authenticationProcessingDetails` entry
    /// `Oauth Scope Info` (a JSON list as a string, or space-separated).
    fn scopes(&self) -> Vec<String> {
        let Some(details) = self
            .rec
            .get("authenticationProcessingDetails")
            .filter(|d| d.is_array())
        else {
            return Vec::new();
        };
        for d in details.items() {
            let is_scope = s(d, "/key").is_some_and(|k| k.eq_ignore_ascii_case("Oauth Scope Info"));
            let Some(v) = s(d, "/value").filter(|_| is_scope) else {
                continue;
            };
            let mut out: Vec<String> = match serde_json::from_str::<Value>(v) {
                Ok(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                _ => v
                    .split([' ', ','])
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect(),
            };
            out.sort();
            out.dedup();
            return out;
        }
        Vec::new()
    }
}

/// `status.errorCode` 0 (or absent): the sign-in succeeded.
fn succeeded(rec: At) -> bool {
    match rec.pointer("/status/errorCode") {
        None => true,
        Some(v) if v.is_null() => true,
        Some(v) => v.as_i64() == Some(0) || v.as_str() == Some("0"),
    }
}

/// The `issued` edge from a parent to a sign-in's token: when, from where, which app.
fn issued(from: &str, to: &str, r: &SignIn) -> Edge {
    let mut e = Edge::new(from, to, EdgeKind::Issued);
    e.at = Some(r.at);
    put(&mut e.props, "ip", r.ip());
    put(&mut e.props, "country", r.country());
    put(&mut e.props, "city", r.str("/location/city"));
    put(&mut e.props, "app", r.str("/appDisplayName"));
    put(&mut e.props, "client", r.app);
    put(&mut e.props, "user_agent", r.user_agent());
    e
}

/// How long a gap between two sign-ins of one user on one device still belongs to one session:
/// an access token's lifetime (60–90 min), and a day when the later sign-in redeems a refresh
/// token (the device kept the session's refresh token and used it).
const GAP_MINUTES: i64 = 90;
const REFRESH_GAP_HOURS: i64 = 24;

/// Grouping rules, as written to `props.grouped_by`.
const BY_CORRELATION: &str = "correlationId";
const BY_REQUEST: &str = "originalRequestId";
const BY_TOKEN: &str = "uniqueTokenIdentifier";
const BY_DEVICE: &str = "deviceId within 90 min";
const BY_ADDRESS: &str = "client address and user agent within 90 min";
const BY_REFRESH: &str = "refresh token redeemed on the same device within 24 h";
const ALONE: &str = "single sign-in";

/// Union-find over the sign-ins, remembering which rule joined what.
struct Groups {
    parent: Vec<usize>,
}

impl Groups {
    fn find(&mut self, i: usize) -> usize {
        let mut r = i;
        while self.parent[r] != r {
            r = self.parent[r];
        }
        let mut j = i;
        while self.parent[j] != r {
            let next = self.parent[j];
            self.parent[j] = r;
            j = next;
        }
        r
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The earlier sign-in (lower index: records are in time order) names the group.
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi] = lo;
        }
    }
}

/// One session: its native id, how it was keyed, and its sign-ins in time order.
struct Session<'r, 'a> {
    native: String,
    /// `sessionId`, or the grouping rules that joined its records.
    grouped_by: BTreeSet<&'static str>,
    list: Vec<&'r SignIn<'a>>,
}

/// Sessions of user sign-ins: by `sessionId` when the record has one; otherwise grouped (see
/// `docs/collectors/entra.md`, "Sessions without sessionId") — same user, and the same
/// `correlationId`, `originalRequestId` or `uniqueTokenIdentifier`, or the same device (device id,
/// else client address and user agent) with gaps within a token's lifetime.
fn sessions<'r, 'a>(ok: &'r [SignIn<'a>]) -> Vec<Session<'r, 'a>> {
    let mut by_sid: BTreeMap<&str, Vec<&SignIn>> = BTreeMap::new();
    let mut loose: Vec<usize> = Vec::new();
    for (i, r) in ok.iter().enumerate() {
        if r.principal != Signer::User {
            continue;
        }
        match r.str("/sessionId") {
            Some(sid) => by_sid.entry(sid).or_default().push(r),
            None => loose.push(i),
        }
    }
    let mut out: Vec<Session> = by_sid
        .into_iter()
        .map(|(sid, list)| Session {
            native: sid.to_string(),
            grouped_by: BTreeSet::from(["sessionId"]),
            list,
        })
        .collect();

    let mut g = Groups {
        parent: (0..ok.len()).collect(),
    };
    let mut joined: Vec<(usize, &'static str)> = Vec::new();
    for (rule, ptr) in [
        (BY_CORRELATION, "/correlationId"),
        (BY_REQUEST, "/originalRequestId"),
        (BY_TOKEN, "/uniqueTokenIdentifier"),
    ] {
        let mut first: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for &i in &loose {
            if let Some(v) = ok[i].str(ptr) {
                match first.get(&(ok[i].who, v)) {
                    Some(&j) => {
                        g.union(i, j);
                        joined.push((i, rule));
                        joined.push((j, rule));
                    }
                    None => {
                        first.insert((ok[i].who, v), i);
                    }
                }
            }
        }
    }
    // The same device: consecutive sign-ins (in time order) close enough in time.
    let mut last: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for &i in &loose {
        let r = &ok[i];
        let (key, rule) = match (r.device_id(), r.ip(), r.user_agent()) {
            (Some(d), _, _) => (format!("device {d}"), BY_DEVICE),
            (None, Some(ip), ua) => (format!("address {ip} {}", ua.unwrap_or("")), BY_ADDRESS),
            _ => continue,
        };
        let k = (r.who, key);
        if let Some(&j) = last.get(&k) {
            let gap = r.at.as_millis() - ok[j].at.as_millis();
            let (limit, rule) = if r.redeems_refresh_token() && gap > GAP_MINUTES * 60_000 {
                (REFRESH_GAP_HOURS * 3_600_000, BY_REFRESH)
            } else {
                (GAP_MINUTES * 60_000, rule)
            };
            if gap <= limit {
                g.union(i, j);
                joined.push((i, rule));
                joined.push((j, rule));
            }
        }
        last.insert(k, i);
    }
    let mut groups: BTreeMap<usize, Session> = BTreeMap::new();
    for &i in &loose {
        let root = g.find(i);
        groups
            .entry(root)
            .or_insert_with(|| Session {
                native: format!("grouped-{}", ok[root].id),
                grouped_by: BTreeSet::new(),
                list: Vec::new(),
            })
            .list
            .push(&ok[i]);
    }
    for (i, rule) in joined {
        let root = g.find(i);
        if let Some(s) = groups.get_mut(&root) {
            s.grouped_by.insert(rule);
        }
    }
    for mut s in groups.into_values() {
        if s.grouped_by.is_empty() {
            s.grouped_by.insert(ALONE);
        }
        out.push(s);
    }
    out
}

/// Skip reasons of `signins`.
const FAILED: &str = "failed sign-in";
const UNPARSEABLE_TIME: &str = "unparseable time";

/// Lineage from sign-in records (Graph `signIn` resources, v1.0 or beta; other exports are
/// brought to that form by [`read_export`]). Pure; records in any order; failed sign-ins and
/// records without an id, a time or a principal are counted and left out.
pub fn transform(records: &[Value]) -> Collection {
    let records: Vec<Rec> = records.iter().map(Rec::new).collect();
    transform_records(&records)
}

/// [`transform`] of records held compactly ([`read_records`]).
pub fn transform_records(records: &[Rec]) -> Collection {
    let mut c = Collection::new(SOURCE);
    c.platforms = vec![ENTRA.to_string()];
    c.records.read(records.len());
    let mut seen = BTreeSet::new();
    let mut ok: Vec<SignIn> = Vec::new();
    for (i, rec) in records.iter().map(Rec::root).enumerate() {
        let name = || s(rec, "/id").map_or_else(|| format!("record #{}", i + 1), str::to_string);
        if !rec.is_object() {
            c.records.skip("not a JSON object", name());
            continue;
        }
        if !succeeded(rec) {
            // A failed sign-in minted nothing: it is not lineage.
            c.records.skip(FAILED, name());
            continue;
        }
        let Some(id) = s(rec, "/id") else {
            c.records.skip("no id", name());
            continue;
        };
        let Some(when) = s(rec, "/createdDateTime") else {
            c.records.skip("no createdDateTime", name());
            continue;
        };
        let Some((at, zone)) = logshape::parse_time(when) else {
            c.records.skip(UNPARSEABLE_TIME, format!("{id} ({when})"));
            continue;
        };
        let Some((principal, who)) = principal(rec) else {
            c.records.skip("no userId or servicePrincipalId", name());
            continue;
        };
        ok.push(SignIn {
            rec,
            id,
            at,
            zone_less: zone == Zone::AssumedUtc,
            principal,
            who,
            app: s(rec, "/appId"),
        });
    }
    ok.sort_by(|a, b| (a.at, a.id).cmp(&(b.at, b.id)));
    ok.retain(|r| {
        let first = seen.insert(r.id);
        if !first {
            c.records.skip("duplicate id", r.id);
        }
        first
    });
    let zone_less = ok.iter().filter(|r| r.zone_less).count();
    if zone_less > 0 {
        c.notes.push(format!(
            "{zone_less} sign-in time(s) carry no zone and were read as UTC (props.time_zone on \
             their tokens)"
        ));
    }

    let mut users_written = BTreeSet::new();
    let mut resources_written = BTreeSet::new();
    let mut family_written = false;
    for session in sessions(&ok) {
        let list = &session.list;
        let key = session.native.as_str();
        let first = list[0];
        let last = list[list.len() - 1];
        let mfa = list.iter().any(|r| r.mfa());
        let upn = first.str("/userPrincipalName");

        // The user the session authenticates as (a stub the entra collector fills in).
        let uid = node_id(ENTRA, NodeKind::User, first.who);
        if users_written.insert(first.who) {
            let mut u = node(NodeKind::User, first.who);
            u.name = upn.map(str::to_string);
            c.node(fit_node(u));
        }

        let mut sn = node(NodeKind::Session, key);
        sn.name = Some(format!(
            "Entra sign-in session of {}",
            upn.unwrap_or(first.who)
        ));
        sn.issued_at = Some(first.at);
        sn.last_used_at = Some(last.at);
        sn.revocation = Some(Revocation::Central);
        sn.mfa = Some(mfa);
        if list
            .iter()
            .any(|r| r.str("/signInTokenProtectionStatus") == Some("bound"))
        {
            sn.device_bound = Some(true);
        }
        let p = &mut sn.props;
        if session.grouped_by.contains("sessionId") {
            p.insert("sessionId".into(), Value::from(key));
        } else {
            p.insert(
                "grouped_by".into(),
                Value::Array(session.grouped_by.iter().map(|r| Value::from(*r)).collect()),
            );
            p.insert(
                "session_key".into(),
                Value::from(
                    "grouped: the records carry no sessionId (read sign-ins from Graph beta for \
                     the platform's own session ids)",
                ),
            );
        }
        p.insert("userId".into(), Value::from(first.who));
        put(p, "userPrincipalName", upn);
        put(p, "ip", first.ip());
        put(p, "country", first.country());
        put(p, "user_agent", first.user_agent());
        put(p, "first_app", first.str("/appDisplayName"));
        put(
            p,
            "authenticationRequirement",
            first.str("/authenticationRequirement"),
        );
        put(
            p,
            "conditionalAccessStatus",
            first.str("/conditionalAccessStatus"),
        );
        put(
            p,
            "operatingSystem",
            first.str("/deviceDetail/operatingSystem"),
        );
        put(p, "browser", first.str("/deviceDetail/browser"));
        put(p, "deviceId", first.str("/deviceDetail/deviceId"));
        let ips: BTreeSet<&str> = list.iter().filter_map(|r| r.ip()).collect();
        if ips.len() > 1 {
            p.insert(
                "ips".into(),
                Value::Array(ips.into_iter().map(Value::from).collect()),
            );
        }
        p.insert("sign_ins".into(), Value::from(list.len()));
        let sid = sn.id.clone();
        c.node(fit_node(sn));
        c.edge(Edge::new(&sid, &uid, EdgeKind::AuthenticatesAs));

        // The session's FOCI family refresh token, minted at the first family sign-in.
        let family: Vec<&&SignIn> = list.iter().filter(|r| r.foci()).collect();
        let foci_native = format!("{FOCI_REFRESH_TOKEN}{key}");
        let foci_id = node_id(ENTRA, NodeKind::Token, &foci_native);
        if let (Some(f0), Some(fl)) = (family.first(), family.last()) {
            let mut t = node(NodeKind::Token, &foci_native);
            t.name = Some(format!(
                "Microsoft family refresh token (FOCI) of {}",
                upn.unwrap_or(first.who)
            ));
            t.token_type = Some(TokenType::Refresh);
            t.issued_at = Some(f0.at);
            t.last_used_at = Some(fl.at);
            t.revocation = Some(Revocation::Central);
            t.mfa = Some(mfa);
            t.props.insert("foci".into(), Value::Bool(true));
            t.props.insert("userId".into(), Value::from(first.who));
            put(&mut t.props, "userPrincipalName", upn);
            if session.grouped_by.contains("sessionId") {
                t.props.insert("sessionId".into(), Value::from(key));
            }
            let clients: BTreeSet<&str> = family.iter().filter_map(|r| r.app).collect();
            t.props.insert(
                "clients_seen".into(),
                Value::Array(clients.into_iter().map(Value::from).collect()),
            );
            c.node(fit_node(t));
            c.edge(fit_edge(issued(&sid, &foci_id, f0)));
            if !family_written {
                family_written = true;
                c.node(entra::foci_family_node());
            }
            let mut e = Edge::new(&foci_id, entra::FOCI_FAMILY_ID, EdgeKind::CanAccess);
            e.props
                .insert("via".into(), Value::from("FOCI family refresh token"));
            c.edge(fit_edge(e));
        }

        for r in list {
            let foci = r.foci();
            let token_type = if foci {
                // Minted by the family refresh token, which the family node stands for.
                TokenType::Access
            } else {
                r.token_type()
            };
            let t = sign_in_token(r, token_type, mfa, upn.unwrap_or(r.who));
            let tid = t.id.clone();
            let mut t = t;
            if foci {
                t.props.insert("foci".into(), Value::Bool(true));
            }
            c.node(fit_node(t));
            c.edge(fit_edge(issued(&sid, &tid, r)));
            if foci {
                c.edge(fit_edge(issued(&foci_id, &tid, r)));
            }
            resource_edge(&mut c, &mut resources_written, r, &tid);
        }
    }

    // Non-human identities: each sign-in of a service principal or managed identity is a token
    // it obtained with its own credential (no session: client credentials have none).
    let mut nhis_written = BTreeSet::new();
    for r in ok.iter().filter(|r| r.principal != Signer::User) {
        let spid = node_id(ENTRA, NodeKind::ServiceAccount, r.who);
        let label = r
            .str("/servicePrincipalName")
            .or(r.str("/appDisplayName"))
            .unwrap_or(r.who);
        if nhis_written.insert(r.who) {
            let mut n = node(NodeKind::ServiceAccount, r.who);
            n.name = Some(label.to_string());
            n.props
                .insert("principal".into(), Value::from(r.principal.as_str()));
            put(&mut n.props, "appId", r.app);
            c.node(fit_node(n));
        }
        let mut t = sign_in_token(r, TokenType::Access, false, label);
        t.mfa = None;
        t.props
            .insert("servicePrincipalId".into(), Value::from(r.who));
        t.props
            .insert("principal".into(), Value::from(r.principal.as_str()));
        put(
            &mut t.props,
            "credential",
            r.str("/servicePrincipalCredentialKeyId")
                .or(r.str("/clientCredentialType")),
        );
        let tid = t.id.clone();
        c.node(fit_node(t));
        c.edge(Edge::new(&tid, &spid, EdgeKind::AuthenticatesAs));
        resource_edge(&mut c, &mut resources_written, r, &tid);
    }
    c
}

/// The token a sign-in minted, with what `heir hunt` needs in props (when, from where, which app).
fn sign_in_token(r: &SignIn, token_type: TokenType, mfa: bool, who: &str) -> Node {
    let mut t = node(NodeKind::Token, r.id);
    let app_name = r.str("/appDisplayName").or(r.app).unwrap_or("app");
    t.name = Some(format!(
        "{app_name} {} token of {who} ({})",
        token_type.as_str(),
        r.at
    ));
    t.token_type = Some(token_type);
    t.issued_at = Some(r.at);
    t.mfa = Some(mfa);
    t.scopes = r.scopes();
    let p = &mut t.props;
    if token_type == TokenType::Access {
        t.expires_at = Some(Timestamp::from_millis(
            r.at.as_millis() + ACCESS_TOKEN_MINUTES * 60_000,
        ));
        t.revocation = Some(Revocation::TtlOnly);
        p.insert("expires_at_estimated".into(), Value::Bool(true));
    } else {
        t.revocation = Some(Revocation::Central);
    }
    put(p, "appId", r.app);
    put(p, "app", r.str("/appDisplayName"));
    if r.principal == Signer::User {
        p.insert("userId".into(), Value::from(r.who));
    }
    put(p, "userPrincipalName", r.str("/userPrincipalName"));
    put(p, "ip", r.ip());
    put(p, "country", r.country());
    put(p, "user_agent", r.user_agent());
    put(p, "resource", r.str("/resourceDisplayName"));
    put(p, "resourceId", r.str("/resourceId"));
    put(p, "clientAppUsed", r.str("/clientAppUsed"));
    // A CSV export writes booleans as text.
    let interactive = r.rec.get("isInteractive").and_then(|v| {
        v.as_bool()
            .or_else(|| v.as_str().and_then(|t| t.to_ascii_lowercase().parse().ok()))
    });
    if let Some(b) = interactive {
        p.insert("isInteractive".into(), Value::Bool(b));
    }
    put(p, "category", r.str("/category"));
    put(p, "incomingTokenType", r.str("/incomingTokenType"));
    put(p, "correlationId", r.str("/correlationId"));
    put(p, "uniqueTokenIdentifier", r.str("/uniqueTokenIdentifier"));
    put(p, "originalRequestId", r.str("/originalRequestId"));
    let place: Vec<&str> = [r.str("/location/city"), r.country()]
        .into_iter()
        .flatten()
        .collect();
    if !place.is_empty() {
        p.insert("location".into(), Value::from(place.join(", ")));
    }
    if r.zone_less {
        p.insert(
            "time_zone".into(),
            Value::from("assumed UTC: the export's time carries no zone"),
        );
    }
    t
}

/// What the token is for: the resource (API) of the sign-in, with the token's scopes.
fn resource_edge(c: &mut Collection, written: &mut BTreeSet<String>, r: &SignIn, tid: &str) {
    let Some(res) = r.str("/resourceId").filter(|x| !x.starts_with('/')) else {
        return;
    };
    let rn = entra::resource_node(res, r.str("/resourceDisplayName"));
    let rid = rn.id.clone();
    if written.insert(res.to_ascii_lowercase()) {
        c.node(fit_node(rn));
    }
    let mut e = Edge::new(tid, &rid, EdgeKind::CanAccess);
    put(&mut e.props, "app", r.str("/appDisplayName"));
    let scopes = r.scopes();
    if !scopes.is_empty() {
        e.props.insert(
            "scopes".into(),
            Value::Array(scopes.into_iter().map(Value::from).collect()),
        );
    }
    c.edge(fit_edge(e));
}

/// The sign-ins list path, optionally from a time on and for one event type (beta).
fn path(since: Option<Timestamp>, non_interactive: bool) -> String {
    // Pre-encoded: reqwest would encode spaces and quotes itself, the mock routes on the exact
    // target, and Graph accepts both.
    let mut filters = Vec::new();
    if non_interactive {
        filters.push("signInEventTypes/any(t:%20t%20eq%20%27nonInteractiveUser%27)".to_string());
    }
    if let Some(t) = since {
        filters.push(format!("createdDateTime%20ge%20{t}"));
    }
    if filters.is_empty() {
        "/auditLogs/signIns".to_string()
    } else {
        format!("/auditLogs/signIns?$filter={}", filters.join("%20and%20"))
    }
}

/// [`fetch_live`] + [`transform`]: a failing non-interactive listing is a problem of the
/// collection.
pub async fn collect_live(
    graph_url: &str,
    auth: EntraAuth,
    since: Option<Timestamp>,
    policy: Policy,
    progress: &Progress,
) -> Result<Collection, FetchError> {
    let (records, mut problems) = fetch_live(graph_url, auth, since, policy, progress).await?;
    let mut c = transform(&records);
    problems.append(&mut c.problems);
    c.problems = problems;
    progress.finish();
    Ok(c)
}

/// Reads sign-ins from Graph (`graph_url` such as [`entra::GRAPH_BETA_URL`]: only beta records
/// carry `sessionId`, and only beta lists non-interactive sign-ins, which are read as a second
/// query when the base ends in `/beta`) from `since` on, and transforms them. A failing
/// interactive listing is `Err`; a failing non-interactive one is returned as a problem next to
/// the records.
pub async fn fetch_live(
    graph_url: &str,
    auth: EntraAuth,
    since: Option<Timestamp>,
    policy: Policy,
    progress: &Progress,
) -> Result<(Vec<Value>, Vec<String>), FetchError> {
    progress.step("token");
    let client = entra::connect(graph_url, &auth, policy).await?;
    progress.step("sign-ins");
    let mut records = client
        .get_all(&path(since, false), Paging::ODataNextLink, |n| {
            progress.add(n)
        })
        .await?;
    let mut problems = Vec::new();
    if graph_url.trim_end_matches('/').ends_with("/beta") {
        progress.step("non-interactive sign-ins");
        match client
            .get_all(&path(since, true), Paging::ODataNextLink, |n| {
                progress.add(n)
            })
            .await
        {
            Ok(more) => records.extend(more),
            Err(e) if e.is_fatal() => return Err(e),
            Err(e) => problems.push(format!(
                "non-interactive sign-ins (GET /auditLogs/signIns): {}",
                e.to_string()
                    .lines()
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join(" — ")
            )),
        }
    }
    Ok((records, problems))
}

mod export;
#[cfg(test)]
use export::camel;
pub use export::{collect_file, normalize, read_export, read_records, FIELDS};

/// `heir collect signins`.
pub struct Signins;

#[derive(clap::Args, Debug)]
pub struct SigninsOpts {
    /// Read sign-in logs live from Microsoft Graph (this base URL; the beta endpoint carries
    /// session ids).
    #[arg(
        long,
        value_name = "URL",
        conflicts_with = "file",
        required_unless_present = "file"
    )]
    pub graph_url: Option<String>,
    /// Only sign-ins at or after this time (RFC 3339), live mode.
    #[arg(long, value_name = "RFC3339", value_parser = Timestamp::parse)]
    pub since: Option<Timestamp>,
    /// An exported sign-in log: Graph pages, JSON array, NDJSON, Azure diagnostic-settings /
    /// Event Hub / storage-archive records, a Log Analytics export (JSON or CSV) or Graph
    /// PowerShell output. Read only.
    #[arg(long, value_name = "FILE")]
    pub file: Option<std::path::PathBuf>,
    /// How to read --file (default: detected from its content).
    #[arg(long, value_enum, default_value_t = Shape::Auto, requires = "file")]
    pub shape: Shape,
}

impl Collector for Signins {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Entra sign-in logs grouped by session (live or from an export)"
    }

    fn args(&self, cmd: clap::Command) -> clap::Command {
        <SigninsOpts as clap::Args>::augment_args(cmd)
    }

    fn run(&self, args: &clap::ArgMatches, ctx: &Context) -> Result<Collection, HeirError> {
        let o: SigninsOpts = parse(args)?;
        match (&o.file, &o.graph_url) {
            (Some(f), _) => logshape::import_file(f, o.shape, read_records, transform_records),
            (None, Some(url)) => {
                let auth = entra::auth_from_env().map_err(HeirError::Environment)?;
                let live = collect_live(url, auth, o.since, ctx.policy.clone(), ctx.progress);
                ctx.block_on(live).map_err(fetch_error)
            }
            (None, None) => Err(HeirError::Usage("give --graph-url or --file".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_pre_encoded() {
        let t = Timestamp::parse("2025-03-10T00:00:00Z").unwrap();
        assert_eq!(path(None, false), "/auditLogs/signIns");
        assert_eq!(
            path(Some(t), true),
            "/auditLogs/signIns?$filter=signInEventTypes/any(t:%20t%20eq%20%27nonInteractiveUser%27)%20and%20createdDateTime%20ge%202025-03-10T00:00:00Z"
        );
    }

    #[test]
    fn export_shapes() {
        let rec = r#"{"id":"a","createdDateTime":"2025-03-10T09:00:00Z","userId":"u"}"#;
        let n = |t: &str| read_export(t, Shape::Auto).unwrap().0.len();
        assert_eq!(n(&format!("[{rec}]")), 1);
        assert_eq!(n(&format!("{{\"value\":[{rec},{rec}]}}")), 2);
        assert_eq!(n(&format!("{rec}\n\n{rec}\n")), 2);
        assert_eq!(n(rec), 1);
        let (r, scan) = read_export(&format!("{rec}\n{{oops\n{rec}"), Shape::Auto).unwrap();
        assert_eq!((r.len(), scan.bad.len()), (2, 1));
        assert_eq!(scan.bad[0].place, "line 2");
        assert!(read_export("", Shape::Auto).unwrap_err().contains("empty"));
        let e = read_export(r#"[{"Foo":"x"}]"#, Shape::Auto).unwrap_err();
        assert!(e.contains("sign-in time") && e.contains("fix:"), "{e}");
        assert!(read_export("{nonsense", Shape::Auto)
            .unwrap_err()
            .contains("no sign-in record could be read"));
    }

    #[test]
    fn pascal_case_and_azure_records_become_graph_records() {
        assert_eq!(camel("TimeGenerated"), "timeGenerated");
        assert_eq!(camel("IPAddress"), "ipAddress");
        assert_eq!(camel("Id"), "id");
        assert_eq!(camel("userId"), "userId");
        let la = normalize(serde_json::json!({"TimeGenerated": "2025-03-10T09:00:00Z",
            "Type": "AADNonInteractiveUserSignInLogs", "ResultType": "0", "Location": "NL",
            "Status": "{\"errorCode\":0}", "DeviceDetail": "{\"deviceId\":\"d\"}"}));
        assert_eq!(la["createdDateTime"], "2025-03-10T09:00:00Z");
        assert_eq!(la["category"], "AADNonInteractiveUserSignInLogs");
        assert_eq!(la["status"]["errorCode"], 0);
        assert_eq!(la["deviceDetail"]["deviceId"], "d");
        assert_eq!(la["location"]["countryOrRegion"], "NL");
        let failed = normalize(serde_json::json!({"TimeGenerated": "x", "ResultType": "50126"}));
        assert_eq!(failed["status"]["errorCode"], 50126);
        let diag = normalize(serde_json::json!({"time": "2025-03-10T09:00:00Z",
            "category": "ServicePrincipalSignInLogs", "callerIpAddress": "192.0.2.1",
            "properties": {"id": "x", "servicePrincipalId": "sp"}}));
        assert_eq!(diag["createdDateTime"], "2025-03-10T09:00:00Z");
        assert_eq!(diag["category"], "ServicePrincipalSignInLogs");
        assert_eq!(diag["ipAddress"], "192.0.2.1");
        let diag = Rec::new(&diag);
        assert_eq!(
            principal(diag.root()),
            Some((Signer::ServicePrincipal, "sp"))
        );
    }
}
