//! Okta System Log → lineage: which app sessions and OAuth tokens were minted from which Okta
//! session (`authenticationContext.externalSessionId`), when, and from where.
//!
//! Three ways in, one transform: [`collect_live`] pages `GET /api/v1/logs`, [`collect_file`] reads
//! an exported log (a JSON array of events, or one event per line), and both hand the events to
//! the pure [`transform`]. Nodes live on the `okta` platform (and on the platforms of the apps
//! signed into), so the source is named `oktalog` and lists `okta` in `platforms`.
//!
//! What becomes what (details and ids in `docs/collectors/okta.md`):
//! - a successful `user.session.start` → session `okta:session:<externalSessionId>`,
//!   `authenticates_as` `okta:user:<actor.id>`; `mfa` true when a successful
//!   `user.authentication.auth_via_mfa` shares the session id;
//! - a successful `user.authentication.sso` → the app's own session
//!   `<app platform>:session:okta-<externalSessionId>-<appInstanceId>` (one per Okta session and
//!   app, one `issued` edge per sign-on), `can_access` `okta:app:<appInstanceId>`;
//! - a successful `app.oauth2[.as].token.grant.<type>` → `okta:token:<target token id>` (the
//!   refresh-token id `oar…` the okta collector also produces, so `heir merge` joins them; the
//!   event uuid when the event names no token), `can_access` `okta:app:<client id>`;
//! - `user.session.end` (by session id) and `user.session.clear` (every earlier session of the
//!   target user) → the session expires at that moment (`expires_at`), with `props.ended_at`.
//!
//! Every other event is ignored: a System Log is mostly about other things.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use super::collector::{env_token, fetch_error, parse, Collector, Context};
use super::http::{urlencode, FetchError, Paging, Policy};
use super::json::{fit_edge, fit_node, node_on};
use super::logshape::rec::known;
use super::logshape::{self, At, Rec, Shape, Zone};
use super::okta::{app_platform, CREDENTIAL_ENV};
use super::{Collection, Progress};
use crate::error::HeirError;
use crate::model::naming::{native::OKTA_SSO_SESSION, node_id, platform::OKTA};
use crate::model::{Edge, EdgeKind, NodeKind, Props, Revocation, Timestamp, TokenType};

/// The source name written to the document (its nodes are on the `okta` platform).
pub const SOURCE: &str = "oktalog";

/// Okta's default access/ID token lifetime, used as the expiry of tokens the log shows minted.
const DEFAULT_JWT_LIFETIME_MS: i64 = 3_600_000;

/// The event's time in any form an export writes ([`logshape::parse_time`]).
fn published(e: At) -> Option<Timestamp> {
    known(e, "/published")
        .and_then(logshape::parse_time)
        .map(|(t, _)| t)
}

/// Whether the event's time had no zone and was read as UTC.
fn zone_less(e: At) -> bool {
    known(e, "/published")
        .and_then(logshape::parse_time)
        .is_some_and(|(_, z)| z == Zone::AssumedUtc)
}

/// A `user.authentication.verify` that verified a factor other than the password: the session
/// has passed MFA (Identity Engine writes one per authenticator; the password is one of them).
fn verifies_mfa(e: At) -> bool {
    let factor = known(e, "/debugContext/debugData/factor")
        .or_else(|| known(e, "/authenticationContext/credentialType"))
        .unwrap_or("")
        .to_ascii_uppercase();
    !factor.is_empty() && !factor.contains("PASSWORD")
}

/// The platform an SSO lands on, from what the event names before the label: the app's catalog
/// name (`target[].detailEntry.appName`, unconfirmed field), then the SAML/OIDC audience
/// (`debugData.audience`, `debugData.samlAudience`, `debugData.requestedAudience`,
/// `target[].detailEntry.audience`; unconfirmed names) — `https://signin.aws.amazon.com/saml`
/// → `aws` — so a later collection of that platform joins the app session by id.
fn named_platform(e: At, app: At) -> Option<String> {
    if let Some(catalog) = known(app, "/detailEntry/appName") {
        if super::okta::known_catalog(catalog) {
            return Some(app_platform(Some(catalog), None));
        }
    }
    [
        known(e, "/debugContext/debugData/audience"),
        known(e, "/debugContext/debugData/samlAudience"),
        known(e, "/debugContext/debugData/requestedAudience"),
        known(app, "/detailEntry/audience"),
    ]
    .into_iter()
    .flatten()
    .find_map(audience_platform)
    .map(str::to_string)
}

/// The platform of a SAML entity id or OIDC audience, by host (or URN for Microsoft).
pub fn audience_platform(aud: &str) -> Option<&'static str> {
    let a = aud.to_ascii_lowercase();
    if a.starts_with("urn:federation:microsoftonline") || a.starts_with("urn:amazon:webservices") {
        return Some(if a.contains("amazon") { "aws" } else { "entra" });
    }
    let host = a
        .split("://")
        .nth(1)
        .unwrap_or(&a)
        .split(['/', ':', '?'])
        .next()
        .unwrap_or("");
    const HOSTS: &[(&str, &str)] = &[
        ("signin.aws.amazon.com", "aws"),
        ("amazonaws.com", "aws"),
        ("awsapps.com", "aws"),
        ("login.microsoftonline.com", "entra"),
        ("salesforce.com", "salesforce"),
        ("force.com", "salesforce"),
        ("slack.com", "slack"),
        ("github.com", "github"),
        ("google.com", "google"),
        ("atlassian.net", "atlassian"),
        ("atlassian.com", "atlassian"),
        ("zoom.us", "zoom"),
        ("box.com", "box"),
        ("dropbox.com", "dropbox"),
        ("service-now.com", "servicenow"),
        ("myworkday.com", "workday"),
        ("workday.com", "workday"),
        ("zendesk.com", "zendesk"),
    ];
    HOSTS
        .iter()
        .find(|(h, _)| host == *h || host.ends_with(&format!(".{h}")))
        .map(|(_, p)| *p)
}

/// A successful outcome (events without an outcome count as successful).
fn ok(e: At) -> bool {
    match known(e, "/outcome/result") {
        None => true,
        Some(r) => r == "SUCCESS" || r == "ALLOW",
    }
}

fn session_id(e: At<'_>) -> Option<&str> {
    known(e, "/authenticationContext/externalSessionId")
}

/// The user behind an event: the actor, when it is a user.
fn actor_user(e: At) -> Option<(String, Option<String>, Option<String>)> {
    if known(e, "/actor/type") != Some("User") {
        return None;
    }
    Some((
        known(e, "/actor/id")?.to_string(),
        known(e, "/actor/alternateId").map(str::to_string),
        known(e, "/actor/displayName").map(str::to_string),
    ))
}

fn targets(e: At<'_>) -> impl Iterator<Item = At<'_>> {
    e.get("target").into_iter().flat_map(At::items)
}

/// `app.oauth2.as.token.grant.refresh_token` → `refresh_token`; None for other events.
fn token_grant(event_type: &str) -> Option<&str> {
    for prefix in ["app.oauth2.as.token.grant", "app.oauth2.token.grant"] {
        if let Some(rest) = event_type.strip_prefix(prefix) {
            if rest.is_empty() {
                return Some("");
            }
            if let Some(kind) = rest.strip_prefix('.') {
                return Some(kind);
            }
        }
    }
    None
}

/// Skip reasons.
const UNSUCCESSFUL: &str = "unsuccessful outcome";
const NO_SESSION: &str = "no session id";
const NO_TIME: &str = "no time";
const NO_APP: &str = "no app target";
const ENDS_UNKNOWN: &str = "ends a session not in the log";

/// An event its own arm could not use, and what would make it used after all.
struct Pending<'a> {
    event: At<'a>,
    reason: &'static str,
    rescue: Rescue,
}

enum Rescue {
    Nothing,
    /// Used if this session is in the log (the event is its last use, or its end).
    Session(String),
    /// Used if a session of one of these users is in the log (a clear).
    Users(Vec<String>),
}

/// An event as an example of a skip: its uuid and type (never its contents).
fn example(e: At) -> String {
    match (known(e, "/uuid"), known(e, "/eventType")) {
        (Some(u), Some(t)) => format!("{u} ({t})"),
        (Some(u), None) => u.to_string(),
        (None, Some(t)) => format!("an event without uuid ({t})"),
        (None, None) => "an event without uuid".to_string(),
    }
}

#[derive(Default)]
struct Session {
    user: Option<(String, Option<String>, Option<String>)>,
    started: Option<Timestamp>,
    start_uuid: Option<String>,
    mfa: bool,
    ip: Option<String>,
    user_agent: Option<String>,
    country: Option<String>,
    asn: Option<String>,
    ended: Option<(Timestamp, String, Option<String>)>,
}

enum Minted {
    App {
        app: String,
        label: Option<String>,
        /// The platform the event names (catalog name or audience), before the label's.
        platform: Option<String>,
    },
    Token {
        token: String,
        kind: String,
        client: Option<(String, Option<String>)>,
        scopes: Vec<String>,
        grant_type: Option<String>,
    },
}

struct Child<'a> {
    session: String,
    at: Option<Timestamp>,
    event: At<'a>,
    what: Minted,
}

fn edge_props(e: At, app: Option<&str>, client: Option<&str>) -> Props {
    let mut p = Props::new();
    let mut put = |k: &str, v: Option<&str>| {
        if let Some(v) = v {
            p.insert(k.to_string(), Value::from(v));
        }
    };
    put("ip", known(e, "/client/ipAddress"));
    put("country", known(e, "/client/geographicalContext/country"));
    put("city", known(e, "/client/geographicalContext/city"));
    put("asn", asn(e).as_deref());
    put("user_agent", known(e, "/client/userAgent/rawUserAgent"));
    put("app", app);
    put("client_id", client);
    put("okta_event", known(e, "/eventType"));
    put("event_uuid", known(e, "/uuid"));
    p
}

/// The network an event came from, when the log says (`securityContext.asNumber` / `asOrg`).
fn asn(e: At) -> Option<String> {
    let number = e
        .pointer("/securityContext/asNumber")
        .and_then(|n| {
            n.as_u64()
                .map(|n| n.to_string())
                .or_else(|| n.as_str().map(str::to_string))
        })
        .filter(|n| !n.is_empty() && n != "null");
    let org = known(e, "/securityContext/asOrg");
    match (number, org) {
        (Some(n), Some(o)) => Some(format!("AS{n} {o}")),
        (Some(n), None) => Some(format!("AS{n}")),
        (None, Some(o)) => Some(o.to_string()),
        (None, None) => None,
    }
}

/// Sessions, app sessions and tokens from System Log events. Pure; the events may come in any
/// order (they are read in `published` order).
pub fn transform(events: &[Value]) -> Collection {
    let events: Vec<Rec> = events.iter().map(Rec::new).collect();
    transform_records(&events)
}

/// [`transform`] of events held compactly ([`read_records`]).
pub fn transform_records(events: &[Rec]) -> Collection {
    let mut c = Collection::new(SOURCE);
    c.platforms = vec![OKTA.to_string()];
    c.records.read(events.len());

    let mut evs: Vec<At> = Vec::new();
    // Overlapping exports and re-delivered hooks repeat events: the uuid is the event's identity.
    let mut uuids: HashSet<&str> = HashSet::new();
    let mut zone_less_times = 0usize;
    for (i, e) in events.iter().map(Rec::root).enumerate() {
        if e.is_object() {
            if let Some(u) = known(e, "/uuid") {
                if !uuids.insert(u) {
                    c.records.skip("duplicate event (same uuid)", example(e));
                    continue;
                }
            }
            if known(e, "/published").is_some() && published(e).is_none() {
                c.records.skip("unparseable time", example(e));
                continue;
            }
            if zone_less(e) {
                zone_less_times += 1;
            }
            evs.push(e);
        } else {
            c.records.skip(
                "not a JSON object",
                format!("event #{} ({})", i + 1, e.shape()),
            );
        }
    }
    // Keys computed once per event: parsing the time in the comparator cost more than the rest
    // of the import on a large log.
    evs.sort_by_cached_key(|e| {
        (
            published(*e).map_or(i64::MAX, Timestamp::as_millis),
            known(*e, "/uuid").unwrap_or(""),
        )
    });

    if zone_less_times > 0 {
        c.notes.push(format!(
            "{zone_less_times} event time(s) carry no zone and were read as UTC"
        ));
    }
    let mut sessions: BTreeMap<String, Session> = BTreeMap::new();
    let mut last_seen: BTreeMap<String, Timestamp> = BTreeMap::new();
    let mut ends: Vec<(String, Timestamp, String)> = Vec::new();
    let mut clears: Vec<(String, Timestamp, Option<String>)> = Vec::new();
    let mut children: Vec<Child> = Vec::new();
    // Events their own arm did not use, settled once every session is known (see `Pending`).
    let mut pending: Vec<Pending> = Vec::new();

    for e in evs {
        let Some(event_type) = known(e, "/eventType") else {
            c.records.skip("no eventType", example(e));
            continue;
        };
        let at = published(e);
        let esid = session_id(e).map(str::to_string);
        // Use of a session: any successful event carrying its id, except the one ending it.
        let ends_it = event_type == "user.session.end";
        let mut uses = None;
        if let (Some(sid), Some(t), true, false) = (&esid, at, ok(e), ends_it) {
            let seen = last_seen.entry(sid.clone()).or_insert(t);
            *seen = (*seen).max(t);
            uses = Some(sid.clone());
        }
        let mut skip = |reason: &'static str, rescue: Rescue| {
            pending.push(Pending {
                event: e,
                reason,
                rescue: match rescue {
                    Rescue::Nothing => uses.clone().map_or(Rescue::Nothing, Rescue::Session),
                    other => other,
                },
            })
        };
        // Why an arm that needs a successful event of a session cannot use this one.
        let unusable = if !ok(e) {
            Some(UNSUCCESSFUL)
        } else if esid.is_none() {
            Some(NO_SESSION)
        } else {
            None
        };
        let touch = |sessions: &mut BTreeMap<String, Session>, sid: &str| {
            let entry = sessions.entry(sid.to_string()).or_default();
            if entry.user.is_none() {
                entry.user = actor_user(e);
            }
            if entry.ip.is_none() {
                entry.ip = known(e, "/client/ipAddress").map(str::to_string);
                entry.user_agent = known(e, "/client/userAgent/rawUserAgent").map(str::to_string);
                entry.country = known(e, "/client/geographicalContext/country").map(str::to_string);
                entry.asn = asn(e);
            }
        };
        match event_type {
            "user.session.start" => {
                let (Some(sid), true) = (&esid, ok(e)) else {
                    skip(unusable.unwrap_or(NO_SESSION), Rescue::Nothing);
                    continue;
                };
                let entry = sessions.entry(sid.clone()).or_default();
                if entry.started.is_none() {
                    entry.started = at;
                    entry.start_uuid = known(e, "/uuid").map(str::to_string);
                    entry.user = actor_user(e).or(entry.user.take());
                    // The sign-in's own client describes the session better than later events.
                    entry.ip = known(e, "/client/ipAddress").map(str::to_string);
                    entry.user_agent =
                        known(e, "/client/userAgent/rawUserAgent").map(str::to_string);
                    entry.country =
                        known(e, "/client/geographicalContext/country").map(str::to_string);
                    entry.asn = asn(e);
                }
            }
            "user.authentication.verify" if !verifies_mfa(e) => {
                skip("event type not modelled", Rescue::Nothing);
            }
            "user.authentication.auth_via_mfa" | "user.authentication.verify" => {
                let (Some(sid), true) = (&esid, ok(e)) else {
                    skip(unusable.unwrap_or(NO_SESSION), Rescue::Nothing);
                    continue;
                };
                touch(&mut sessions, sid);
                if let Some(entry) = sessions.get_mut(sid) {
                    entry.mfa = true;
                }
            }
            "user.authentication.sso" => {
                let (Some(sid), true) = (&esid, ok(e)) else {
                    skip(unusable.unwrap_or(NO_SESSION), Rescue::Nothing);
                    continue;
                };
                let Some(app) = targets(e).find(|&t| known(t, "/type") == Some("AppInstance"))
                else {
                    skip(NO_APP, Rescue::Nothing);
                    continue;
                };
                let Some(app_id) = known(app, "/id") else {
                    skip(NO_APP, Rescue::Nothing);
                    continue;
                };
                touch(&mut sessions, sid);
                children.push(Child {
                    session: sid.clone(),
                    at,
                    event: e,
                    what: Minted::App {
                        app: app_id.to_string(),
                        label: known(app, "/displayName")
                            .or_else(|| known(app, "/alternateId"))
                            .map(str::to_string),
                        platform: named_platform(e, app),
                    },
                });
            }
            "user.session.end" => match (&esid, at) {
                (Some(sid), Some(t)) => {
                    ends.push((sid.clone(), t, event_type.to_string()));
                    // Used when the session it ends is in the log.
                    skip(ENDS_UNKNOWN, Rescue::Session(sid.clone()));
                }
                (None, _) => skip(NO_SESSION, Rescue::Nothing),
                (Some(_), None) => skip(NO_TIME, Rescue::Nothing),
            },
            "user.session.clear" => {
                let Some(t) = at else {
                    skip(NO_TIME, Rescue::Nothing);
                    continue;
                };
                let mut cleared = Vec::new();
                for u in targets(e).filter(|&t| known(t, "/type") == Some("User")) {
                    if let Some(uid) = known(u, "/id") {
                        cleared.push(uid.to_string());
                        clears.push((
                            uid.to_string(),
                            t,
                            known(e, "/actor/alternateId").map(str::to_string),
                        ));
                    }
                }
                if cleared.is_empty() {
                    skip("no user target", Rescue::Nothing);
                } else {
                    // Used when a session of a cleared user is in the log.
                    skip("clears no session in the log", Rescue::Users(cleared));
                }
            }
            other => {
                let Some(kind) = token_grant(other) else {
                    skip("event type not modelled", Rescue::Nothing);
                    continue;
                };
                let (Some(sid), true) = (&esid, ok(e)) else {
                    skip(unusable.unwrap_or(NO_SESSION), Rescue::Nothing);
                    continue;
                };
                let token = targets(e)
                    .find(|&t| {
                        known(t, "/type")
                            .is_some_and(|ty| ty.to_ascii_lowercase().contains("token"))
                            && known(t, "/id").is_some()
                    })
                    .and_then(|t| known(t, "/id"))
                    .or_else(|| known(e, "/uuid"));
                let Some(token) = token else {
                    skip("no token id", Rescue::Nothing);
                    continue;
                };
                let client = if known(e, "/actor/type").is_some_and(|t| t != "User") {
                    known(e, "/actor/id").map(|cid| {
                        (
                            cid.to_string(),
                            known(e, "/actor/displayName")
                                .or_else(|| known(e, "/actor/alternateId"))
                                .map(str::to_string),
                        )
                    })
                } else {
                    targets(e)
                        .find(|&t| known(t, "/type") == Some("AppInstance"))
                        .and_then(|t| {
                            Some((
                                known(t, "/id")?.to_string(),
                                known(t, "/displayName").map(str::to_string),
                            ))
                        })
                };
                touch(&mut sessions, sid);
                children.push(Child {
                    session: sid.clone(),
                    at,
                    event: e,
                    what: Minted::Token {
                        token: token.to_string(),
                        kind: kind.to_string(),
                        client,
                        scopes: known(e, "/debugContext/debugData/grantedScopes")
                            .map(|x| x.split_whitespace().map(str::to_string).collect())
                            .unwrap_or_default(),
                        grant_type: known(e, "/debugContext/debugData/grantType")
                            .map(str::to_string),
                    },
                });
            }
        }
    }

    // Ends and clears, now that every session is known; the earliest one ended the session.
    let end = |entry: &mut Session, t: Timestamp, how: &str, by: Option<String>| {
        let after_start = entry.started.is_none_or(|st| st <= t);
        let earlier = entry.ended.as_ref().is_none_or(|(prev, _, _)| t < *prev);
        if after_start && earlier {
            entry.ended = Some((t, how.to_string(), by));
        }
    };
    for (sid, t, how) in ends {
        if let Some(entry) = sessions.get_mut(&sid) {
            end(entry, t, &how, None);
        }
    }
    for (uid, t, by) in clears {
        for entry in sessions.values_mut() {
            if entry.user.as_ref().is_some_and(|u| u.0 == uid) {
                end(entry, t, "user.session.clear", by.clone());
            }
        }
    }

    // Events their own arm could not use still count as used when they touched a session the
    // log has (its last use, its end, a clear of its user); the others are skipped.
    for p in pending {
        let used = match &p.rescue {
            Rescue::Nothing => false,
            Rescue::Session(sid) => sessions.contains_key(sid),
            Rescue::Users(uids) => sessions
                .values()
                .any(|s| s.user.as_ref().is_some_and(|u| uids.contains(&u.0))),
        };
        if !used {
            c.records.skip(p.reason, example(p.event));
        }
    }

    // Stub accounts and apps the edges point at (the okta collector fills in the rest on merge).
    let mut users: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
    for entry in sessions.values() {
        if let Some((uid, alt, display)) = &entry.user {
            users
                .entry(uid.clone())
                .or_insert((alt.clone(), display.clone()));
        }
    }
    for (uid, (alt, display)) in &users {
        let mut n = node_on(OKTA, NodeKind::User, uid);
        n.name = alt.clone();
        n.person = alt.clone().filter(|a| a.contains('@'));
        if let Some(d) = display {
            n.props.insert("displayName".into(), Value::from(d.clone()));
        }
        c.node(fit_node(n));
    }
    let mut apps: BTreeMap<String, Option<String>> = BTreeMap::new();
    for ch in &children {
        match &ch.what {
            Minted::App { app, label, .. } => {
                apps.entry(app.clone()).or_insert(label.clone());
            }
            Minted::Token {
                client: Some((cid, label)),
                ..
            } => {
                apps.entry(cid.clone()).or_insert(label.clone());
            }
            Minted::Token { .. } => {}
        }
    }
    for (aid, label) in &apps {
        let mut n = node_on(OKTA, NodeKind::App, aid);
        n.name = label.clone();
        c.node(fit_node(n));
    }

    // Okta sessions.
    for (sid, entry) in &sessions {
        let mut n = node_on(OKTA, NodeKind::Session, sid);
        let sn = n.id.clone();
        let who = entry.user.as_ref().and_then(|u| u.1.clone());
        n.name = Some(match &who {
            Some(w) => format!("Okta session ({w})"),
            None => "Okta session".to_string(),
        });
        n.person = who.filter(|w| w.contains('@'));
        n.issued_at = entry.started;
        n.last_used_at = last_seen.get(sid).copied();
        n.revocation = Some(Revocation::Central);
        n.mfa = if entry.mfa {
            Some(true)
        } else if entry.started.is_some() {
            Some(false)
        } else {
            None
        };
        n.props
            .insert("externalSessionId".into(), Value::from(sid.clone()));
        for (k, v) in [
            ("ip", &entry.ip),
            ("user_agent", &entry.user_agent),
            ("country", &entry.country),
            ("asn", &entry.asn),
            ("start_event_uuid", &entry.start_uuid),
        ] {
            if let Some(v) = v {
                n.props.insert(k.into(), Value::from(v.clone()));
            }
        }
        if entry.started.is_none() {
            n.props.insert(
                "note".into(),
                Value::from("started before the log window: no user.session.start seen"),
            );
        }
        if let Some((t, how, by)) = &entry.ended {
            // An ended session is dead from that moment on, not before: expiring it at the end
            // time keeps analyses of earlier moments (`--at` during the incident) right.
            n.expires_at = Some(n.expires_at.map_or(*t, |e| e.min(*t)));
            n.props
                .insert("ended_at".into(), Value::from(t.to_string()));
            n.props.insert("ended_by".into(), Value::from(how.clone()));
            if let Some(by) = by {
                n.props.insert("cleared_by".into(), Value::from(by.clone()));
            }
        }
        c.node(fit_node(n));
        if let Some((uid, _, _)) = &entry.user {
            c.edge(Edge::new(
                sn,
                node_id(OKTA, NodeKind::User, uid),
                EdgeKind::AuthenticatesAs,
            ));
        }
    }

    // What each session minted.
    let mut app_sessions: BTreeMap<String, usize> = BTreeMap::new();
    for ch in &children {
        let parent = node_id(OKTA, NodeKind::Session, &ch.session);
        match &ch.what {
            Minted::App {
                app,
                label,
                platform,
            } => {
                let platform = platform
                    .clone()
                    .unwrap_or_else(|| app_platform(None, label.as_deref()));
                let native = format!("{OKTA_SSO_SESSION}{}-{app}", ch.session);
                let child = node_id(&platform, NodeKind::Session, &native);
                let app_node = node_id(OKTA, NodeKind::App, app);
                match app_sessions.get(&child) {
                    Some(&i) => {
                        // Another sign-on into the same app from the same Okta session.
                        let n = &mut c.nodes[i];
                        n.last_used_at = n.last_used_at.max(ch.at);
                        let count = n
                            .props
                            .get("sso_count")
                            .and_then(Value::as_u64)
                            .unwrap_or(1);
                        n.props.insert("sso_count".into(), Value::from(count + 1));
                    }
                    None => {
                        let mut n = node_on(&platform, NodeKind::Session, &native);
                        n.name = Some(format!(
                            "{} session from Okta SSO",
                            label.as_deref().unwrap_or(app)
                        ));
                        n.person = sessions
                            .get(&ch.session)
                            .and_then(|x| x.user.as_ref())
                            .and_then(|u| u.1.clone())
                            .filter(|w| w.contains('@'));
                        n.issued_at = ch.at;
                        n.last_used_at = ch.at;
                        n.revocation = Some(Revocation::PerApp);
                        n.props.insert("okta_app".into(), Value::from(app.clone()));
                        n.props
                            .insert("externalSessionId".into(), Value::from(ch.session.clone()));
                        app_sessions.insert(child.clone(), c.nodes.len());
                        c.node(fit_node(n));
                        c.edge(Edge::new(child.clone(), app_node, EdgeKind::CanAccess));
                    }
                }
                let mut e = Edge::new(parent, child, EdgeKind::Issued);
                e.at = ch.at;
                e.props = edge_props(ch.event, label.as_deref(), None);
                e.props.insert("app_id".into(), Value::from(app.clone()));
                c.edge(fit_edge(e));
            }
            Minted::Token {
                token,
                kind,
                client,
                scopes,
                grant_type,
            } => {
                let mut n = node_on(OKTA, NodeKind::Token, token);
                let tn = n.id.clone();
                let (token_type, revocation) = match kind.as_str() {
                    "refresh_token" => (TokenType::Refresh, Revocation::Central),
                    "access_token" => (TokenType::Access, Revocation::TtlOnly),
                    "id_token" => (TokenType::Id, Revocation::TtlOnly),
                    _ => (TokenType::Other, Revocation::TtlOnly),
                };
                let client_label = client
                    .as_ref()
                    .map(|(cid, l)| l.clone().unwrap_or_else(|| cid.clone()));
                n.name = Some(format!(
                    "{} token for {}",
                    token_type,
                    client_label.as_deref().unwrap_or("an OAuth client")
                ));
                n.token_type = Some(token_type);
                n.revocation = Some(revocation);
                n.issued_at = ch.at;
                if matches!(token_type, TokenType::Access | TokenType::Id) {
                    n.expires_at = ch
                        .at
                        .map(|t| Timestamp::from_millis(t.as_millis() + DEFAULT_JWT_LIFETIME_MS));
                    n.props.insert(
                        "expiry".into(),
                        Value::from(
                            "assumed: Okta's default 1 h token lifetime (the authorization \
                             server's access policy may set 5 min to 24 h)",
                        ),
                    );
                }
                n.scopes = scopes.clone();
                if let Some((cid, _)) = client {
                    n.props.insert("clientId".into(), Value::from(cid.clone()));
                }
                if let Some(g) = grant_type {
                    n.props.insert("grant_type".into(), Value::from(g.clone()));
                }
                n.props
                    .insert("externalSessionId".into(), Value::from(ch.session.clone()));
                c.node(fit_node(n));
                if let Some((cid, _)) = client {
                    let mut e = Edge::new(
                        tn.clone(),
                        node_id(OKTA, NodeKind::App, cid),
                        EdgeKind::CanAccess,
                    );
                    if !scopes.is_empty() {
                        e.props.insert("scopes".into(), Value::from(scopes.clone()));
                    }
                    c.edge(fit_edge(e));
                }
                let mut e = Edge::new(parent, tn, EdgeKind::Issued);
                e.at = ch.at;
                e.props = edge_props(
                    ch.event,
                    client_label.as_deref(),
                    client.as_ref().map(|(cid, _)| cid.as_str()),
                );
                c.edge(fit_edge(e));
            }
        }
    }
    c
}

/// [`fetch_live`] + [`transform`]; a page that failed for good is a problem of the collection.
pub async fn collect_live(
    org_url: &str,
    token: String,
    since: Option<Timestamp>,
    policy: Policy,
    progress: &Progress,
) -> Result<Collection, FetchError> {
    let (events, problems) = fetch_live(org_url, token, since, policy, progress).await?;
    let mut c = transform(&events);
    c.problems.extend(problems);
    progress.finish();
    Ok(c)
}

/// Reads `GET /api/v1/logs?since=…&sortOrder=ASCENDING&limit=1000` page by page. A polling query
/// (no `until`) always has a next link, so the walk stops at an empty page, at a next link already
/// followed, or once the events reach the time the collection started. A failure for good after
/// some pages keeps what arrived and returns the problem next to the events; a rejected
/// credential is an error.
pub async fn fetch_live(
    org_url: &str,
    token: String,
    since: Option<Timestamp>,
    policy: Policy,
    progress: &Progress,
) -> Result<(Vec<Value>, Vec<String>), FetchError> {
    let client = super::okta::client(org_url, token, policy)?;
    let mut path = "/api/v1/logs?".to_string();
    if let Some(t) = since {
        path.push_str(&format!("since={}&", urlencode(&t.to_string())));
    }
    path.push_str("sortOrder=ASCENDING&limit=1000");
    let started = Timestamp::now();
    let mut events: Vec<Value> = Vec::new();
    let mut problems = Vec::new();
    let mut followed = HashSet::new();
    let mut next = Some(path);
    progress.step("system log (GET /api/v1/logs)");
    while let Some(p) = next.take() {
        if !followed.insert(client.url(&p)) || followed.len() > 100_000 {
            break;
        }
        match client.get(&p, Paging::LinkHeader).await {
            Ok(page) => {
                let Value::Array(batch) = page.body else {
                    problems.push(format!(
                        "system log (GET /api/v1/logs): {}: the response is not the JSON array \
                         of events the API documents",
                        client.url(&p)
                    ));
                    break;
                };
                if batch.is_empty() {
                    break;
                }
                progress.add(batch.len());
                let caught_up = batch.iter().any(|e| {
                    super::json::known(e, "/published")
                        .and_then(logshape::parse_time)
                        .is_some_and(|(t, _)| t >= started)
                });
                events.extend(batch);
                if caught_up {
                    break;
                }
                next = page.next;
            }
            Err(e) if e.is_fatal() => return Err(e),
            Err(e) => {
                problems.push(format!("system log (GET /api/v1/logs): {e}"));
                break;
            }
        }
    }
    Ok((events, problems))
}

mod export;
pub use export::{collect_file, read_export, read_records, FIELDS};

/// `heir collect oktalog`.
pub struct OktaLog;

#[derive(clap::Args, Debug)]
pub struct OktaLogOpts {
    /// Read the System Log live from this org (token from OKTA_API_TOKEN).
    #[arg(
        long,
        value_name = "URL",
        conflicts_with = "file",
        required_unless_present = "file"
    )]
    pub org_url: Option<String>,
    /// Only events at or after this time (RFC 3339), live mode.
    #[arg(long, value_name = "RFC3339", value_parser = Timestamp::parse)]
    pub since: Option<Timestamp>,
    /// An exported System Log: API pages (JSON array, NDJSON, pages appended), an event-hook
    /// payload, the Admin Console CSV, or an Elastic / Splunk export. Read only.
    #[arg(long, value_name = "FILE")]
    pub file: Option<std::path::PathBuf>,
    /// How to read --file (default: detected from its content).
    #[arg(long, value_enum, default_value_t = Shape::Auto, requires = "file")]
    pub shape: Shape,
}

impl Collector for OktaLog {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Okta System Log: sessions and what was minted from them (live or from an export)"
    }

    fn args(&self, cmd: clap::Command) -> clap::Command {
        <OktaLogOpts as clap::Args>::augment_args(cmd)
    }

    fn run(&self, args: &clap::ArgMatches, ctx: &Context) -> Result<Collection, HeirError> {
        let o: OktaLogOpts = parse(args)?;
        match (&o.file, &o.org_url) {
            (Some(f), _) => logshape::import_file(f, o.shape, read_records, transform_records),
            (None, Some(url)) => {
                let token = env_token(CREDENTIAL_ENV)?;
                let live = collect_live(url, token, o.since, ctx.policy.clone(), ctx.progress);
                ctx.block_on(live).map_err(fetch_error)
            }
            (None, None) => Err(HeirError::Usage("give --org-url or --file".into())),
        }
    }
}
