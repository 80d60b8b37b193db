//! Slack (Web API of one workspace, or of an Enterprise Grid org): members with their role
//! (owners, admins, guests, bots, deactivated), the apps installed and the scopes they hold —
//! approved and restricted apps through `admin.apps.*` on Enterprise Grid, the integration log
//! (`team.integrationLogs`) on a single workspace — and bot users as non-human identities.
//!
//! Fetch returns raw pages ([`SlackRaw`]); [`transform`] is pure and tested offline on recorded
//! responses. What is read, the scopes it needs and what becomes which node and edge are in
//! `docs/collectors/slack.md`.
//!
//! Id conventions (`platform:kind:native-id`), those of the examples and of what the plan's
//! Slack mechanisms read (`analysis/mechanism/slack.rs`):
//! - `slack:app:<team id>`: the workspace (props `team_id`);
//! - `slack:user:<user id>`: a member (the id Okta's Slack app assignments carry as `externalId`,
//!   so `okta` `sso` edges land here without a mapping);
//! - `slack:service_account:<bot id>`: a bot user (props `app_id`, `user_id`);
//! - `slack:app:<app id>`: an installed app (`A…`; legacy integrations `service-<id>`);
//! - `slack:oauth_grant:<app id>-<team id>`: the app's installation in the workspace, with the
//!   scopes it was granted.

use std::collections::{BTreeMap, BTreeSet};

use clap::Args as _;
use serde_json::Value;

use super::collector::{env_token, fetch_error, parse, Collector, Context};
use super::http::{self, Auth, Client, Dialect, FetchError, Paging, Policy};
use super::json::{add_alias, edge_with as edge, node_on, props, s};
use super::{Collection, Progress};
use crate::error::HeirError;
use crate::model::naming::{node_id, platform::SLACK};
use crate::model::{EdgeKind, NodeKind, Props, Revocation, Timestamp};

/// The source name written to the document.
pub const SOURCE: &str = "slack";

/// The environment variable the token comes from (named in errors, never its value).
pub const CREDENTIAL_ENV: &str = "SLACK_TOKEN";

/// Slack's Web API host; methods are `/api/<method>`.
pub const DEFAULT_API: &str = "https://slack.com";

const MISSING_ID: &str = "missing id";

/// An endpoint this workspace or token does not have: skipped with the reason, not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable {
    pub endpoint: String,
    pub reason: String,
}

/// The raw answers of every method the collector calls, items of all pages concatenated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlackRaw {
    /// `auth.test`: the workspace (`team_id`, `team`, `url`) and, on Enterprise Grid,
    /// `enterprise_id`. A lookup, not counted.
    pub auth: Value,
    /// `users.list` (`members`).
    pub users: Vec<Value>,
    /// `admin.apps.approved.list` (`approved_apps`), Enterprise Grid.
    pub approved_apps: Vec<Value>,
    /// `admin.apps.restricted.list` (`restricted_apps`), Enterprise Grid.
    pub restricted_apps: Vec<Value>,
    /// `team.integrationLogs` (`logs`), a single workspace.
    pub integration_logs: Vec<Value>,
    /// Methods that refused for lack of a plan, a role or a scope.
    pub unavailable: Vec<Unavailable>,
}

impl SlackRaw {
    pub fn records(&self) -> usize {
        self.users.len()
            + self.approved_apps.len()
            + self.restricted_apps.len()
            + self.integration_logs.len()
    }

    fn team_id(&self) -> Option<&str> {
        s(&self.auth, "/team_id")
    }
}

// ------------------------------------------------------------------------------------------------
// Fetch

/// One cursor-paged method; a refusal (`missing_scope`, `not_an_admin`, …) is [`Unavailable`]
/// with `reason`, other failures are problems, a rejected token stops everything.
#[allow(clippy::too_many_arguments)]
async fn list(
    client: &Client,
    progress: &Progress,
    raw: &mut SlackRaw,
    problems: &mut Vec<String>,
    method: &str,
    query: &str,
    key: &str,
    reason: &str,
) -> Result<Vec<Value>, FetchError> {
    progress.step(method);
    let path = format!("/api/{method}?{query}");
    match http::get_all_at(client, &path, Paging::SlackCursor, key, |n| progress.add(n)).await {
        Ok(v) => Ok(v),
        Err(e) if e.is_fatal() => Err(e),
        Err(FetchError::Forbidden { detail, .. }) => {
            raw.unavailable.push(Unavailable {
                endpoint: method.to_string(),
                reason: format!(
                    "not available ({reason}; Slack said: {})",
                    detail.trim_start_matches(": ")
                ),
            });
            Ok(Vec::new())
        }
        Err(e) => {
            problems.push(format!("{method}: {}", http::one_line(&e)));
            Ok(Vec::new())
        }
    }
}

/// `team.integrationLogs` pages by number (`paging.page` of `paging.pages`), not by cursor.
async fn integration_logs(client: &Client, progress: &Progress) -> Result<Vec<Value>, FetchError> {
    let mut out = Vec::new();
    let mut page = 1u64;
    loop {
        let path = format!("/api/team.integrationLogs?count=100&page={page}");
        let body = client.get(&path, Paging::None).await?.body;
        let Some(logs) = body.get("logs").and_then(Value::as_array) else {
            return Err(FetchError::Malformed {
                url: client.url(&path),
                detail: "no `logs` array".into(),
            });
        };
        progress.add(logs.len());
        out.extend(logs.iter().cloned());
        let pages = body
            .pointer("/paging/pages")
            .and_then(Value::as_u64)
            .unwrap_or(1);
        // Bounded by what the server says and by a sanity cap.
        if page >= pages || page >= 10_000 || logs.is_empty() {
            break;
        }
        page += 1;
    }
    Ok(out)
}

/// Reads everything [`transform`] needs.
pub async fn fetch(
    client: &Client,
    progress: &Progress,
) -> Result<(SlackRaw, Vec<String>), FetchError> {
    let mut raw = SlackRaw::default();
    let mut problems = Vec::new();
    let p = &mut problems;
    progress.step("auth.test");
    // auth.test names the workspace and says whether it is on Enterprise Grid. A rejected token
    // stops here; any other failure is a problem, and the rest is read without a workspace node
    // (members then have no edge to it) rather than not at all.
    match client.get("/api/auth.test", Paging::None).await {
        Ok(page) => raw.auth = page.body,
        Err(e) if e.is_fatal() => return Err(e),
        Err(e) => p.push(format!("auth.test: {}", http::one_line(&e))),
    }
    let r = &mut raw;
    // The members are what everything else hangs on: a refusal stops the run, naming the scope.
    progress.step("users.list");
    match http::get_all_at(
        client,
        "/api/users.list?limit=200",
        Paging::SlackCursor,
        "members",
        |n| progress.add(n),
    )
    .await
    {
        Ok(v) => r.users = v,
        Err(e) => {
            let e = e.essential(CREDENTIAL_ENV, "users:read and users:read.email");
            if e.is_fatal() {
                return Err(e);
            }
            p.push(format!("users.list: {}", http::one_line(&e)));
        }
    }
    match s(&r.auth, "/enterprise_id").map(str::to_string) {
        Some(ent) => {
            let q = format!("limit=100&enterprise_id={}", http::urlencode(&ent));
            let why =
                "needs an Org Owner or Admin token with admin.apps:read, installed on the org";
            r.approved_apps = list(
                client,
                progress,
                r,
                p,
                "admin.apps.approved.list",
                &q,
                "approved_apps",
                why,
            )
            .await?;
            r.restricted_apps = list(
                client,
                progress,
                r,
                p,
                "admin.apps.restricted.list",
                &q,
                "restricted_apps",
                why,
            )
            .await?;
        }
        None => {
            progress.step("team.integrationLogs");
            match integration_logs(client, progress).await {
                Ok(v) => r.integration_logs = v,
                Err(e) if e.is_fatal() => return Err(e),
                Err(FetchError::Forbidden { detail, .. }) => r.unavailable.push(Unavailable {
                    endpoint: "team.integrationLogs".into(),
                    reason: format!(
                        "not available (needs an admin's token with admin scope on a paid plan; Slack said: {})",
                        detail.trim_start_matches(": ")
                    ),
                }),
                Err(e) => p.push(format!("team.integrationLogs: {}", http::one_line(&e))),
            }
        }
    }
    Ok((raw, problems))
}

/// An API client reading Slack's `ok: false` answers ([`Dialect::Slack`]).
pub fn client(api_url: &str, token: String, policy: Policy) -> Result<Client, FetchError> {
    Client::new(api_url, Auth::Bearer(token), CREDENTIAL_ENV, policy)
        .map(|c| c.dialect(Dialect::Slack))
        .map_err(|e| FetchError::Transport {
            url: api_url.to_string(),
            detail: e,
        })
}

/// [`client`] + [`fetch`] + [`transform`].
pub async fn collect(
    api_url: &str,
    token: String,
    policy: Policy,
    progress: &Progress,
) -> Result<Collection, FetchError> {
    let client = client(api_url, token, policy)?;
    let (raw, problems) = fetch(&client, progress).await?;
    let mut c = transform(&raw);
    c.problems.extend(problems);
    progress.finish();
    Ok(c)
}

/// `heir collect slack`.
pub struct Slack;

#[derive(clap::Args, Debug)]
pub struct SlackOpts {
    /// The Web API's scheme and host (methods keep their /api/METHOD paths); token from
    /// SLACK_TOKEN.
    #[arg(long, value_name = "URL", default_value = DEFAULT_API)]
    pub api_url: String,
}

impl Collector for Slack {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Slack: members and roles, bots, installed apps and their scopes"
    }

    fn args(&self, cmd: clap::Command) -> clap::Command {
        SlackOpts::augment_args(cmd)
    }

    fn run(&self, args: &clap::ArgMatches, ctx: &Context) -> Result<Collection, HeirError> {
        let o: SlackOpts = parse(args)?;
        let token = env_token(CREDENTIAL_ENV)?;
        ctx.block_on(collect(&o.api_url, token, ctx.policy.clone(), ctx.progress))
            .map_err(fetch_error)
    }
}

// ------------------------------------------------------------------------------------------------
// Transform

fn flag(v: &Value, ptr: &str) -> bool {
    v.pointer(ptr).and_then(Value::as_bool) == Some(true)
}

/// Slack's epoch seconds (a number, or a string in the integration log) as a time.
fn epoch(v: &Value, ptr: &str) -> Option<Timestamp> {
    let secs = match v.pointer(ptr)? {
        Value::Number(n) => n.as_f64()?,
        Value::String(x) => x.parse::<f64>().ok()?,
        _ => return None,
    };
    Some(Timestamp::from_millis((secs * 1000.0) as i64))
}

/// What an installed app is, gathered from whichever source told heir about it.
#[derive(Default)]
struct App {
    name: Option<String>,
    scopes: BTreeSet<String>,
    active: bool,
    restricted: bool,
    installed_by: Option<String>,
    at: Option<Timestamp>,
    extra: Props,
}

/// Raw answers → nodes and edges, counting every record read and skipped.
pub fn transform(raw: &SlackRaw) -> Collection {
    let mut c = Collection::new(SOURCE);
    c.records.read(raw.records());
    let team = raw.team_id().map(str::to_string);
    let ws = team.as_deref().map(|t| node_id(SLACK, NodeKind::App, t));
    if let Some(t) = &team {
        let mut n = node_on(SLACK, NodeKind::App, t);
        n.name = Some(format!(
            "Slack workspace {}",
            s(&raw.auth, "/team").unwrap_or(t)
        ));
        n.criticality = Some(6);
        n.props = props([
            ("team_id", Value::from(t.as_str())),
            (
                "enterprise_id",
                s(&raw.auth, "/enterprise_id")
                    .map(Value::from)
                    .unwrap_or(Value::Null),
            ),
            (
                "url",
                s(&raw.auth, "/url").map(Value::from).unwrap_or(Value::Null),
            ),
        ]);
        c.node(n);
    }

    // Members: people, guests and bots.
    let mut admins: Vec<String> = Vec::new();
    for (i, u) in raw.users.iter().enumerate() {
        let Some(uid) = s(u, "/id") else {
            c.records.skip(MISSING_ID, format!("member #{}", i + 1));
            continue;
        };
        if uid == "USLACKBOT" {
            c.records.skip("built-in Slackbot", uid);
            continue;
        }
        let member_team = s(u, "/team_id").or(team.as_deref());
        let deleted = flag(u, "/deleted");
        if flag(u, "/is_bot") {
            let bot = s(u, "/profile/bot_id").unwrap_or(uid);
            let mut n = node_on(SLACK, NodeKind::ServiceAccount, bot);
            n.name = Some(format!(
                "{} (Slack bot user)",
                s(u, "/real_name").or(s(u, "/name")).unwrap_or(bot)
            ));
            n.props = props([
                ("user_id", Value::from(uid)),
                (
                    "app_id",
                    s(u, "/profile/api_app_id")
                        .map(Value::from)
                        .unwrap_or(Value::Null),
                ),
                (
                    "team_id",
                    member_team.map(Value::from).unwrap_or(Value::Null),
                ),
            ]);
            if deleted {
                n.enabled = Some(false);
            }
            let nid = n.id.clone();
            c.node(n);
            if let Some(w) = &ws {
                c.edge(edge(
                    &nid,
                    w,
                    EdgeKind::CanAccess,
                    props([("level", Value::from("bot"))]),
                ));
            }
            continue;
        }
        let mut n = node_on(SLACK, NodeKind::User, uid);
        n.name = s(u, "/name").map(str::to_string);
        n.person = s(u, "/profile/email").map(str::to_string);
        n.props = props([
            (
                "team_id",
                member_team.map(Value::from).unwrap_or(Value::Null),
            ),
            (
                "email",
                s(u, "/profile/email")
                    .map(Value::from)
                    .unwrap_or(Value::Null),
            ),
            (
                "real_name",
                s(u, "/real_name").map(Value::from).unwrap_or(Value::Null),
            ),
        ]);
        for k in [
            "is_admin",
            "is_owner",
            "is_primary_owner",
            "is_restricted",
            "is_ultra_restricted",
            "is_app_user",
            "has_2fa",
        ] {
            if let Some(v) = u.get(k).filter(|v| v.is_boolean()) {
                n.props.insert(k.to_string(), v.clone());
            }
        }
        // Slack's SAML link: the IdP names the member by email.
        if let Some(e) = s(u, "/profile/email") {
            add_alias(&mut n, e);
        }
        if deleted {
            n.enabled = Some(false);
        }
        let nid = n.id.clone();
        c.node(n);
        let Some(w) = &ws else { continue };
        let role = if flag(u, "/is_primary_owner") {
            "primary owner"
        } else if flag(u, "/is_owner") {
            "owner"
        } else if flag(u, "/is_admin") {
            "admin"
        } else if flag(u, "/is_ultra_restricted") {
            "single-channel guest"
        } else if flag(u, "/is_restricted") {
            "multi-channel guest"
        } else {
            "member"
        };
        let admin = matches!(role, "primary owner" | "owner" | "admin");
        let kind = if admin {
            EdgeKind::AdminOf
        } else {
            EdgeKind::CanAccess
        };
        c.edge(edge(&nid, w, kind, props([("role", Value::from(role))])));
        if admin && !deleted {
            admins.push(nid);
        }
    }

    // Apps: Enterprise Grid's approved and restricted lists.
    let mut apps: BTreeMap<String, App> = BTreeMap::new();
    for (list, restricted) in [(&raw.approved_apps, false), (&raw.restricted_apps, true)] {
        for (i, item) in list.iter().enumerate() {
            let Some(aid) = s(item, "/app/id") else {
                c.records.skip(MISSING_ID, format!("app #{}", i + 1));
                continue;
            };
            let a = apps.entry(aid.to_string()).or_default();
            a.name = s(item, "/app/name").map(str::to_string);
            a.active = !restricted;
            a.restricted = restricted;
            a.at = epoch(item, "/date_updated");
            // Who approved (or restricted) it: an admin's decision, not a user's consent.
            if let Some(by) = s(item, "/last_resolved_by/actor_id") {
                a.extra.insert("resolved_by".into(), Value::from(by));
            }
            if let Some(sc) = item.get("scopes").and_then(Value::as_array) {
                for x in sc {
                    if let Some(name) = s(x, "/name") {
                        let tt = s(x, "/token_type").unwrap_or("");
                        a.scopes.insert(if tt.is_empty() {
                            name.to_string()
                        } else {
                            format!("{name} ({tt})")
                        });
                    }
                }
            }
            for k in ["is_internal", "is_app_directory_approved"] {
                if let Some(v) = item
                    .pointer(&format!("/app/{k}"))
                    .filter(|v| v.is_boolean())
                {
                    a.extra.insert(k.to_string(), v.clone());
                }
            }
        }
    }

    // A single workspace's integration log, oldest first: the latest change wins.
    let mut logs: Vec<(usize, &Value)> = raw.integration_logs.iter().enumerate().collect();
    logs.sort_by_key(|(i, l)| (epoch(l, "/date").map(|t| t.as_millis()), *i));
    for (i, l) in logs {
        let key = match (s(l, "/app_id"), s(l, "/service_id")) {
            (Some(a), _) => a.to_string(),
            (None, Some(sv)) => format!("service-{sv}"),
            (None, None) => {
                c.records
                    .skip("no app or service id", format!("log entry #{}", i + 1));
                continue;
            }
        };
        let a = apps.entry(key).or_default();
        a.name = s(l, "/app_type")
            .or(s(l, "/service_type"))
            .map(str::to_string)
            .or(a.name.take());
        let change = s(l, "/change_type").unwrap_or("");
        let scopes = s(l, "/scope")
            .map(|x| {
                x.split(',')
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        match change {
            "added" | "enabled" | "expanded" | "updated" => {
                a.active = true;
                a.scopes.extend(scopes);
                if change == "added" {
                    a.installed_by = s(l, "/user_id").map(str::to_string);
                }
            }
            "removed" | "disabled" => {
                a.active = false;
                if change == "removed" {
                    a.scopes.clear();
                }
            }
            _ => {}
        }
        a.at = epoch(l, "/date").or(a.at);
    }

    for (aid, a) in apps {
        let mut n = node_on(SLACK, NodeKind::App, &aid);
        n.name = a.name.clone().or_else(|| Some(aid.clone()));
        n.props = a.extra.clone();
        n.props.insert("app_id".into(), Value::from(aid.as_str()));
        if let Some(t) = &team {
            n.props.insert("team_id".into(), Value::from(t.as_str()));
        }
        if a.restricted {
            n.props.insert("restricted".into(), Value::Bool(true));
        }
        if !a.active {
            n.enabled = Some(false);
        }
        let app_id = n.id.clone();
        c.node(n);
        let (Some(t), Some(w)) = (&team, &ws) else {
            continue;
        };
        if !a.active {
            continue;
        }
        // The installation: what the app's tokens may do in the workspace.
        let mut g = node_on(SLACK, NodeKind::OauthGrant, &format!("{aid}-{t}"));
        g.name = Some(format!(
            "{} installation",
            a.name.as_deref().unwrap_or(&aid)
        ));
        g.scopes = a.scopes.iter().cloned().collect();
        g.issued_at = a.at;
        g.revocation = Some(Revocation::PerApp);
        g.props = props([
            ("app_id", Value::from(aid.as_str())),
            ("team_id", Value::from(t.as_str())),
            (
                "installed_by",
                a.installed_by
                    .clone()
                    .map(Value::from)
                    .unwrap_or(Value::Null),
            ),
        ]);
        let gid = g.id.clone();
        c.node(g);
        c.edge(edge(&app_id, &gid, EdgeKind::Holds, Props::new()));
        c.edge(edge(&gid, w, EdgeKind::CanAccess, Props::new()));
        if let Some(u) = &a.installed_by {
            let uid = node_id(SLACK, NodeKind::User, u);
            if raw.users.iter().any(|x| s(x, "/id") == Some(u)) {
                c.edge(edge(&uid, &gid, EdgeKind::Consented, Props::new()));
            }
        }
        // Workspace owners and admins manage every installation: change its configuration,
        // approve scope expansions, reinstall or remove it.
        for adm in &admins {
            c.edge(edge(
                adm,
                &app_id,
                EdgeKind::AdminOf,
                props([("via", Value::from("workspace admin"))]),
            ));
        }
    }

    for u in &raw.unavailable {
        c.records.read(1);
        c.records.skip(&u.reason, u.endpoint.clone());
    }
    c
}
