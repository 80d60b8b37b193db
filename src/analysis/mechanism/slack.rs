//! Slack: Web API methods (the `admin.*` ones for sessions, users and apps) behind each phase.

use super::*;

const API: &str = "https://slack.com/api";

/// Slack methods are `/api/{method}` on the Web API host (`https://slack.com`, the collector's
/// `--api-url`); write methods take a JSON body.
fn call(method: &str, body: Value) -> Call {
    Call::new(Api::Slack, Method::Post, format!("/api/{method}")).body(body)
}

fn user(s: &Subject) -> String {
    or(
        s.account_of(&[NodeKind::User])
            .map(str::to_string)
            .or_else(|| s.prop(&["user_id", "userId"])),
        "{userId}",
    )
}

fn team(s: &Subject) -> String {
    or(s.prop(&["team_id", "teamId"]), "{teamId}")
}

fn app(s: &Subject) -> String {
    or(
        s.client_id().or_else(|| {
            s.native_id
                .starts_with('A')
                .then(|| s.native_id.to_string())
        }),
        "{appId}",
    )
}

/// Uninstall removes the app and its tokens; restrict keeps it from being reinstalled.
fn uninstall(s: &Subject) -> String {
    let a = app(s);
    let (uninstall_scope, restrict_scope) = match s.prop(&["team_id", "teamId"]) {
        Some(t) => (format!("team_ids={t}"), format!("team_id={t}")),
        None => (
            "enterprise_id={enterpriseId}".to_string(),
            "enterprise_id={enterpriseId}".to_string(),
        ),
    };
    format!(
        "POST {API}/admin.apps.uninstall app_id={a} {uninstall_scope}; then \
         POST {API}/admin.apps.restrict app_id={a} {restrict_scope} (parameter names unconfirmed)"
    )
}

fn is_bot(s: &Subject) -> bool {
    s.account_of(&[NodeKind::ServiceAccount]).is_some()
        || s.native_id.starts_with(native::SLACK_BOT_USER)
        || s.native_id.starts_with(native::SLACK_BOT_TOKEN)
}

pub(super) fn contain(s: &Subject) -> Option<Mechanism> {
    Some(match s.kind {
        NodeKind::User => Mechanism::new(
            "deactivate account",
            format!(
                "POST {API}/admin.users.remove team_id={} user_id={} (workspace); org-wide: \
                 DELETE https://api.slack.com/scim/v1/Users/{} (SCIM base path unconfirmed)",
                team(s),
                s.native_id,
                s.native_id
            ),
        ),
        NodeKind::ServiceAccount | NodeKind::App => {
            Mechanism::new("uninstall and restrict the app", uninstall(s))
        }
        _ => return None,
    })
}

/// Sessions are user sessions: bot and app tokens survive a session reset and go with the app.
pub(super) fn revoke(s: &Subject, c: &Ctx) -> Option<Mechanism> {
    let u = user(s);
    Some(match s.kind {
        _ if s.is_session() && c.rev == Revocation::PerApp => {
            // A session the Okta System Log saw Okta open (`okta-<session>-<app>`) is named by
            // heir, not by Slack: its Slack session id is found in the user's session list.
            let (session, find) = if s.native_id.starts_with(native::OKTA_SSO_SESSION) {
                (
                    "{sessionId}".to_string(),
                    format!(
                        " (heir's id {} is Okta's sign-in, not Slack's session: \
                         POST {API}/admin.users.session.list user_id={u} lists the session ids)",
                        s.native_id
                    ),
                )
            } else {
                (s.native_id.to_string(), String::new())
            };
            Mechanism::new(
                "invalidate this session",
                format!(
                    "POST {API}/admin.users.session.invalidate session_id={session} team_id={} \
                     user_id={u} (unconfirmed which of team_id / user_id is enforced: send \
                     both){find}",
                    team(s)
                ),
            )
        }
        _ if s.is_session() => Mechanism::new(
            "wipe every session of the user",
            format!("POST {API}/admin.users.session.reset user_id={u}"),
        )
        .call(
            call(
                "admin.users.session.reset",
                serde_json::json!({"user_id": u}),
            )
            .check(
                format!("/api/admin.users.session.list?user_id={u}"),
                Expect::Empty {
                    at: "/active_sessions".into(),
                },
            ),
        ),
        NodeKind::OauthGrant => Mechanism::new("uninstall and restrict the app", uninstall(s)),
        NodeKind::Token if is_bot(s) => Mechanism::new(
            "uninstall the app (bot tokens are not user sessions)",
            uninstall(s),
        ),
        NodeKind::Token => Mechanism::new(
            "revoke the user token",
            format!(
                "POST {API}/auth.revoke authenticated with the token itself (it revokes only \
                 the calling token); if it is not in hand, uninstall its app: {}",
                uninstall(s)
            ),
        ),
        _ => return None,
    })
}

pub(super) fn inspect(p: &Place) -> Option<Mechanism> {
    let oldest = p
        .since_epoch
        .map_or_else(|| "{since}".to_string(), |e| e.to_string());
    Some(Mechanism::new(
        "review the audit log, access logs and app approvals",
        format!(
            "GET https://api.slack.com/audit/v1/logs?oldest={oldest} (Enterprise Grid: \
             app_installed, app_scopes_expanded, role_change_to_admin, file_downloaded); then \
             GET {API}/team.accessLogs (sign-ins by IP and user agent); then \
             GET {API}/admin.apps.approved.list (apps approved since {})",
            p.since
        ),
    ))
}

pub(super) fn recover(s: &Subject) -> Option<Mechanism> {
    if s.kind != NodeKind::User {
        return None;
    }
    Some(Mechanism::new(
        "reset sessions and sign-in, then reactivate",
        format!(
            "POST {API}/admin.users.session.reset user_id={id}; then reset the password / 2FA at \
             the IdP that signs into Slack; then reactivate: PATCH \
             https://api.slack.com/scim/v1/Users/{id} {{\"active\": true}} (SCIM base path \
             unconfirmed)",
            id = s.native_id
        ),
    ))
}

pub(super) fn persistence(s: &Subject, since: &str) -> Option<Mechanism> {
    Some(Mechanism::new(
        "remove apps and admins added since the compromise",
        format!(
            "GET {API}/admin.apps.approved.list: for each app with date_updated since {since}, \
             POST {API}/admin.apps.uninstall app_id={{appId}} then admin.apps.restrict \
             (parameter names unconfirmed); then GET {API}/users.list: review is_admin / \
             is_owner members and bots added since {since}{}",
            s.prop(&["team_id"])
                .map(|t| format!(" in team {t}"))
                .unwrap_or_default()
        ),
    ))
}

/// The Audit Logs API (Enterprise Grid) filters by `actor` and `oldest` (epoch seconds).
pub(super) fn activity(a: &Activity, p: &Place) -> Option<Mechanism> {
    let oldest = p
        .since_epoch
        .map_or_else(|| "{since}".to_string(), |e| e.to_string());
    let actors: Vec<&str> = a
        .accounts
        .iter()
        .filter(|(k, _, _)| matches!(k, NodeKind::User | NodeKind::ServiceAccount))
        .map(|(_, id, _)| *id)
        .collect();
    let how = if actors.is_empty() {
        format!("GET https://api.slack.com/audit/v1/logs?oldest={oldest}")
    } else {
        actors
            .iter()
            .map(|u| format!("GET https://api.slack.com/audit/v1/logs?actor={u}&oldest={oldest}"))
            .collect::<Vec<_>>()
            .join("; then ")
    };
    Some(Mechanism::new(
        "review what the accounts did in the Slack audit log",
        format!(
            "{how} (file_downloaded, app_installed, app_scopes_expanded, user_channel_join, \
             role_change_to_admin; Enterprise Grid)"
        ),
    ))
}
