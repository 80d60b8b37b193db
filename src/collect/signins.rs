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

use super::collector::{fetch_error, input_error, parse, read_input, Collector, Context};
use super::entra::{self, EntraAuth};
use super::http::{FetchError, Paging, Policy};
use super::json::{node_on, put, s};
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

/// A successful sign-in with what the transform needs.
struct SignIn<'a> {
    rec: &'a Value,
    id: &'a str,
    at: Timestamp,
    user: &'a str,
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
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|d| {
                    d.get("succeeded").and_then(Value::as_bool) != Some(false)
                        && s(d, "/authenticationStepResultDetail")
                            .is_some_and(|r| r.to_ascii_lowercase().contains("mfa"))
                })
    }

    /// A refresh token for native clients and for sign-ins redeeming one; else an access token.
    fn token_type(&self) -> TokenType {
        let incoming = self
            .str("/incomingTokenType")
            .unwrap_or("")
            .to_ascii_lowercase()
            .replace(' ', "");
        if self.str("/clientAppUsed") == Some(NATIVE_CLIENT)
            || incoming == "refreshtoken"
            || incoming == "primaryrefreshtoken"
        {
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
}

/// `status.errorCode` 0 (or absent): the sign-in succeeded.
fn succeeded(rec: &Value) -> bool {
    match rec.pointer("/status/errorCode") {
        None | Some(Value::Null) => true,
        Some(v) => v.as_i64() == Some(0) || v.as_str() == Some("0"),
    }
}

/// The `issued` edge from a parent to a sign-in's token: when, from where, which app.
fn issued(from: &str, to: &str, r: &SignIn) -> Edge {
    let mut e = Edge::new(from, to, EdgeKind::Issued);
    e.at = Some(r.at);
    put(&mut e.props, "ip", r.ip());
    put(&mut e.props, "app", r.str("/appDisplayName"));
    put(&mut e.props, "client", r.app);
    put(&mut e.props, "user_agent", r.user_agent());
    e
}

/// Lineage from sign-in records (Graph `signIn` resources, v1.0 or beta). Pure; records in any
/// order; failed sign-ins and records without an id, a time or a user are left out.
pub fn transform(records: &[Value]) -> Collection {
    let mut c = Collection::new(SOURCE);
    c.platforms = vec![ENTRA.to_string()];
    c.records.read(records.len());
    let mut seen = BTreeSet::new();
    let mut ok: Vec<SignIn> = Vec::new();
    for (i, rec) in records.iter().enumerate() {
        let name = || s(rec, "/id").map_or_else(|| format!("record #{}", i + 1), str::to_string);
        if !succeeded(rec) {
            // A failed sign-in minted nothing: it is not lineage (`heir hunt` reads attempts).
            c.records.skip("failed sign-in", name());
            continue;
        }
        let Some(id) = s(rec, "/id") else {
            c.records.skip("no id", name());
            continue;
        };
        let Some(at) = s(rec, "/createdDateTime").and_then(|t| Timestamp::parse(t).ok()) else {
            c.records.skip("no valid createdDateTime", name());
            continue;
        };
        let Some(user) = s(rec, "/userId") else {
            c.records.skip("no userId", name());
            continue;
        };
        ok.push(SignIn {
            rec,
            id,
            at,
            user,
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

    // Session key → its sign-ins, in time order.
    let mut sessions: BTreeMap<(&str, &str), Vec<&SignIn>> = BTreeMap::new();
    for r in &ok {
        let key = match (r.str("/sessionId"), r.str("/correlationId")) {
            (Some(sid), _) => ("sessionId", sid),
            (None, Some(cid)) => ("correlationId", cid),
            (None, None) => ("signInId", r.id),
        };
        sessions.entry(key).or_default().push(r);
    }

    let mut users_written = BTreeSet::new();
    let mut resources_written = BTreeSet::new();
    let mut family_written = false;
    for ((key_kind, key), list) in sessions {
        let first = list[0];
        let last = list[list.len() - 1];
        let mfa = list.iter().any(|r| r.mfa());
        let upn = first.str("/userPrincipalName");

        // The user the session authenticates as (a stub the entra collector fills in).
        let uid = node_id(ENTRA, NodeKind::User, first.user);
        if users_written.insert(first.user) {
            let mut u = node(NodeKind::User, first.user);
            u.name = upn.map(str::to_string);
            c.node(u);
        }

        let mut sn = node(NodeKind::Session, key);
        sn.name = Some(format!(
            "Entra sign-in session of {}",
            upn.unwrap_or(first.user)
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
        p.insert(key_kind.to_string(), Value::from(key));
        if key_kind != "sessionId" {
            p.insert(
                "session_key".into(),
                Value::from(format!(
                    "{key_kind} (the records carry no sessionId; read sign-ins from Graph beta)"
                )),
            );
        }
        p.insert("userId".into(), Value::from(first.user));
        put(p, "userPrincipalName", upn);
        put(p, "ip", first.ip());
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
        c.node(sn);
        c.edge(Edge::new(&sid, &uid, EdgeKind::AuthenticatesAs));

        // The session's FOCI family refresh token, minted at the first family sign-in.
        let family: Vec<&&SignIn> = list.iter().filter(|r| r.foci()).collect();
        let foci_native = format!("{FOCI_REFRESH_TOKEN}{key}");
        let foci_id = node_id(ENTRA, NodeKind::Token, &foci_native);
        if let (Some(f0), Some(fl)) = (family.first(), family.last()) {
            let mut t = node(NodeKind::Token, &foci_native);
            t.name = Some(format!(
                "Microsoft family refresh token (FOCI) of {}",
                upn.unwrap_or(first.user)
            ));
            t.token_type = Some(TokenType::Refresh);
            t.issued_at = Some(f0.at);
            t.last_used_at = Some(fl.at);
            t.revocation = Some(Revocation::Central);
            t.mfa = Some(mfa);
            t.props.insert("foci".into(), Value::Bool(true));
            t.props.insert("userId".into(), Value::from(first.user));
            put(&mut t.props, "userPrincipalName", upn);
            t.props.insert(key_kind.into(), Value::from(key));
            let clients: BTreeSet<&str> = family.iter().filter_map(|r| r.app).collect();
            t.props.insert(
                "clients_seen".into(),
                Value::Array(clients.into_iter().map(Value::from).collect()),
            );
            c.node(t);
            c.edge(issued(&sid, &foci_id, f0));
            if !family_written {
                family_written = true;
                c.node(entra::foci_family_node());
            }
            let mut e = Edge::new(&foci_id, entra::FOCI_FAMILY_ID, EdgeKind::CanAccess);
            e.props
                .insert("via".into(), Value::from("FOCI family refresh token"));
            c.edge(e);
        }

        for r in &list {
            let foci = r.foci();
            let token_type = if foci {
                // Minted by the family refresh token, which the family node stands for.
                TokenType::Access
            } else {
                r.token_type()
            };
            let mut t = node(NodeKind::Token, r.id);
            let app_name = r.str("/appDisplayName").or(r.app).unwrap_or("app");
            t.name = Some(format!(
                "{app_name} {} token of {} ({})",
                token_type.as_str(),
                upn.unwrap_or(r.user),
                r.at
            ));
            t.token_type = Some(token_type);
            t.issued_at = Some(r.at);
            t.mfa = Some(mfa);
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
            p.insert("userId".into(), Value::from(r.user));
            put(p, "userPrincipalName", r.str("/userPrincipalName"));
            put(p, "ip", r.ip());
            put(p, "user_agent", r.user_agent());
            put(p, "resource", r.str("/resourceDisplayName"));
            put(p, "resourceId", r.str("/resourceId"));
            put(p, "clientAppUsed", r.str("/clientAppUsed"));
            if let Some(b) = r.rec.get("isInteractive").and_then(Value::as_bool) {
                p.insert("isInteractive".into(), Value::Bool(b));
            }
            put(p, "incomingTokenType", r.str("/incomingTokenType"));
            put(p, "correlationId", r.str("/correlationId"));
            put(p, "uniqueTokenIdentifier", r.str("/uniqueTokenIdentifier"));
            put(p, "originalRequestId", r.str("/originalRequestId"));
            let place: Vec<&str> = [r.str("/location/city"), r.str("/location/countryOrRegion")]
                .into_iter()
                .flatten()
                .collect();
            if !place.is_empty() {
                p.insert("location".into(), Value::from(place.join(", ")));
            }
            if foci {
                p.insert("foci".into(), Value::Bool(true));
            }
            let tid = t.id.clone();
            c.node(t);
            c.edge(issued(&sid, &tid, r));
            if foci {
                c.edge(issued(&foci_id, &tid, r));
            }
            // What the token is for: the resource (API) of the sign-in.
            if let Some(res) = r.str("/resourceId") {
                let rn = entra::resource_node(res, r.str("/resourceDisplayName"));
                let rid = rn.id.clone();
                if resources_written.insert(res.to_ascii_lowercase()) {
                    c.node(rn);
                }
                let mut e = Edge::new(&tid, &rid, EdgeKind::CanAccess);
                put(&mut e.props, "app", r.str("/appDisplayName"));
                c.edge(e);
            }
        }
    }
    c
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

const SHAPES: &str = "a JSON array of sign-in records, a Graph page `{\"value\": [...]}`, or one \
                      record per line (NDJSON)";

/// Reads an export of sign-in records: a JSON array, a Graph page (`{"value": [...]}`), or
/// NDJSON (one record per line). Records must be JSON objects with `createdDateTime`.
pub fn collect_file(text: &str) -> Result<Collection, String> {
    let records = parse_records(text)?;
    Ok(transform(&records))
}

/// The records of a sign-in export ([`collect_file`]'s shapes); a file that is not a sign-in
/// export is an error naming the problem.
pub fn parse_records(text: &str) -> Result<Vec<Value>, String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Err(format!(
            "the sign-in export is empty\n  fix: export sign-ins as {SHAPES}"
        ));
    }
    let records = match serde_json::from_str::<Value>(trimmed) {
        Ok(Value::Array(a)) => a,
        Ok(Value::Object(mut o)) => match o.remove("value") {
            Some(Value::Array(a)) => a,
            Some(_) => {
                return Err(format!(
                    "`value` is not a list of sign-in records\n  fix: export sign-ins as {SHAPES}"
                ))
            }
            // A single NDJSON line.
            None => vec![Value::Object(o)],
        },
        Ok(_) => {
            return Err(format!(
                "the sign-in export is neither a list nor an object\n  fix: export sign-ins as \
                 {SHAPES}"
            ))
        }
        Err(whole) => {
            if !trimmed.starts_with('{') {
                return Err(format!(
                    "the sign-in export is not valid JSON: {whole}\n  fix: export sign-ins as \
                     {SHAPES}"
                ));
            }
            let mut out = Vec::new();
            for (i, line) in text.lines().enumerate() {
                let line = line.trim().trim_start_matches('\u{feff}');
                if line.is_empty() {
                    continue;
                }
                let v: Value = serde_json::from_str(line).map_err(|e| {
                    format!(
                        "line {}: not a JSON sign-in record: {e}\n  fix: export sign-ins as \
                         {SHAPES}",
                        i + 1
                    )
                })?;
                out.push(v);
            }
            out
        }
    };
    for (i, r) in records.iter().enumerate() {
        let Some(o) = r.as_object() else {
            return Err(format!(
                "record {} is not a JSON object\n  fix: export sign-ins as {SHAPES}",
                i + 1
            ));
        };
        if !o.contains_key("createdDateTime") {
            return Err(format!(
                "record {} has no `createdDateTime`: is this an Entra sign-in log export? \
                 (Log Analytics `SigninLogs` exports use other field names)\n  fix: export from \
                 Graph `GET /auditLogs/signIns` or the Entra admin center (Sign-in logs > \
                 Download > JSON)",
                i + 1
            ));
        }
    }
    Ok(records)
}

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
    /// An exported sign-in log (JSON array, `{"value": [...]}` or NDJSON).
    #[arg(long, value_name = "FILE")]
    pub file: Option<std::path::PathBuf>,
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
            (Some(f), _) => {
                let records = parse_records(&read_input(f)?).map_err(|e| input_error(f, e))?;
                Ok(transform(&records))
            }
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
        assert_eq!(parse_records(&format!("[{rec}]")).unwrap().len(), 1);
        assert_eq!(
            parse_records(&format!("{{\"value\":[{rec},{rec}]}}"))
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            parse_records(&format!("{rec}\n\n{rec}\n")).unwrap().len(),
            2
        );
        assert_eq!(parse_records(rec).unwrap().len(), 1);
        let e = parse_records(&format!("{rec}\n{{oops")).unwrap_err();
        assert!(e.starts_with("line 2:"), "{e}");
        assert!(parse_records("").unwrap_err().contains("empty"));
        assert!(parse_records("[1]").unwrap_err().contains("record 1"));
        assert!(parse_records(r#"[{"TimeGenerated":"x"}]"#)
            .unwrap_err()
            .contains("createdDateTime"));
        assert!(parse_records("nonsense")
            .unwrap_err()
            .contains("not valid JSON"));
    }
}
