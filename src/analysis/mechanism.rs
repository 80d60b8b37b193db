//! The platform mechanism behind every plan step: the exact API call, CLI command or console action
//! that contains, revokes, inspects or recovers something on one platform, with the subject's real
//! ids filled in.
//!
//! ## One table per platform
//! What "revoke this session" means is a property of the platform, not of the plan: Okta kills an
//! IdP session and its refresh tokens in one call, Entra moves a watermark, AWS cannot revoke STS
//! credentials at all and has to deny them by issue time. So each platform is one row of a
//! [`Table`] — one function per phase — and the plan asks the row instead of branching on platform
//! names. Reviewing what heir tells a responder to do on Okta is reading the Okta functions next to
//! the reference they came from; adding a platform is adding a row. A row answers `None` for what it
//! has no specific mechanism for, and the generic row answers instead, so every step still says
//! what to do.
//!
//! ## Where the facts come from
//! The calls are the ones in the platform reference (`platforms.md`): §1.6/§1.7 Okta, §2.5–§2.7
//! Entra / Microsoft Graph, §3.7 Google, §4.5 GitHub, §5.4 Slack, §6.5 AWS, the §7 revocation table
//! (Kubernetes) and the §8 residual-risk notes. Where the reference marks a fact (unconfirmed), the
//! step's text says so, because a responder must know which call may need adjusting. Secret values
//! never appear: a step names ids, and uses a `{placeholder}` only for what heir cannot know.
//! Graph paths are relative to `https://graph.microsoft.com/v1.0`, Okta paths to the org URL,
//! Google Directory / Reports paths to `https://admin.googleapis.com`, GitHub paths to
//! `https://api.github.com`.

use serde_json::Value;

use crate::model::{NodeKind, Props, Revocation, Timestamp, TokenType};

/// What the plan knows about the thing a step acts on.
pub struct Subject<'a> {
    /// Normalised platform: node.platform() as given (e.g. "okta", "entra", "m365", "azure",
    /// "microsoft", "google", "gcp", "gws", "github", "slack", "aws", "k8s", "kubernetes",
    /// anything else).
    pub platform: &'a str,
    pub kind: NodeKind,
    pub token_type: Option<TokenType>,
    pub revocation: Option<Revocation>,
    /// The native id: the node id after `platform:kind:` (e.g. "00u1abc" for okta:user:00u1abc;
    /// an ARN, an AKIA key id, a GUID, "ns/name" for k8s).
    pub native_id: &'a str,
    pub name: Option<&'a str>,
    /// The account a credential authenticates as, or that owns it: (kind, native id, name).
    pub account: Option<(NodeKind, &'a str, Option<&'a str>)>,
    /// The OAuth client / app a credential or grant belongs to (native id), when known (e.g. from
    /// props "client_id"/"app_id"/"clientId" or the app holding it).
    pub client: Option<&'a str>,
    /// The role a ttl_only AWS session belongs to, or the resource/role it grants (native id), when
    /// known.
    pub role: Option<&'a str>,
    pub props: &'a Props,
    pub expires_at: Option<Timestamp>,
}

/// How one step is carried out on its platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mechanism {
    /// Short imperative, e.g. "suspend account", "revoke session and its OAuth tokens",
    /// "deactivate and delete access key", "deny sessions issued before now (compensating control)".
    pub action: String,
    /// The exact API call(s) / CLI / console step(s), with the subject's real ids substituted (never
    /// a secret value; placeholders like {assignmentId} only when heir cannot know the id). Several
    /// calls separated by "; then ".
    pub how: String,
    /// For ttl_only credentials: the compensating control in words; None otherwise.
    pub compensating: Option<String>,
}

impl Mechanism {
    fn new(action: impl Into<String>, how: impl Into<String>) -> Self {
        Mechanism {
            action: action.into(),
            how: how.into(),
            compensating: None,
        }
    }

    fn compensating(mut self, text: impl Into<String>) -> Self {
        self.compensating = Some(text.into());
        self
    }
}

// ------------------------------------------------------------------------------------------------
// The public phases

/// Phase "contain": for accounts (user/service_account: suspend or disable), devices (isolate via
/// EDR/MDM; generic), workloads (quarantine: stop the job/pod, block egress, k8s: scale to 0 /
/// delete pod), apps (a compromised third-party integration: disable/uninstall it — Okta app
/// deactivate, Entra SP accountEnabled=false, Slack admin.apps.uninstall/restrict, GitHub
/// installation suspend, Google: block the OAuth client in Admin console), idp.
///
/// Containment is reversible on purpose (suspend, not deactivate; disable, not delete) where the
/// platform allows it: the account comes back in the recover phase.
pub fn contain(s: &Subject) -> Mechanism {
    if s.kind.is_credential() {
        // Containing a credential is revoking it; the plan substitutes the time.
        return revoke_with(s, NOW_PLACEHOLDER);
    }
    let row = Platform::of(s.platform).table();
    (row.contain)(s).unwrap_or_else(|| generic::contain(s))
}

/// Phase "revoke": for session / token / oauth_grant. Revocability changes the step:
/// central → one call that kills it and its children (e.g. Okta
/// `DELETE /api/v1/users/{userId}/sessions?oauthTokens=true`, Entra
/// `POST /users/{id}/revokeSignInSessions`, Google signOut + tokens.delete, Slack
/// admin.users.session.reset);
/// per_app → the per-app call (e.g. Okta `DELETE /api/v1/users/{userId}/clients/{clientId}/tokens`,
/// Google tokens.delete per clientId, Okta `DELETE /api/v1/sessions/{sessionId}`, Slack
/// admin.users.session.invalidate);
/// ttl_only → cannot be revoked: a compensating control (AWS: put-role-policy
/// AWSRevokeOlderSessions with aws:TokenIssueTime = `now`; Entra: Conditional Access block / CAE /
/// revokeSignInSessions for the refresh side; generic: block at the resource) and `compensating`
/// set;
/// none → rotate (AWS access key deactivate then delete; Entra removePassword / removeKey / FIC
/// delete; Google SA key disable then delete; GitHub PAT org revoke / credential authorization /
/// deploy key / installation suspend; Okta API token / client secret; Slack auth.revoke or app
/// uninstall; k8s token Secret delete; passwords: reset; generic: rotate at the issuer).
///
/// `token_type` picks among a platform's calls; when `revocation` is unspecified it is inferred
/// ([`effective_revocation`]). `compensating` is set exactly for ttl_only credentials.
pub fn revoke(s: &Subject, now: Timestamp) -> Mechanism {
    revoke_with(s, &aws_time(now))
}

/// Phase "inspect": what to review in a reached app/idp/resource since `since` (mail rules and
/// forwarding, OAuth consents, admin actions, new credentials / keys / deploy keys / webhooks / app
/// installs, data exports), platform-specific where known, a generic checklist otherwise.
/// `compensating` is always None.
pub fn inspect(
    platform: &str,
    kind: NodeKind,
    native_id: &str,
    name: Option<&str>,
    since: Option<Timestamp>,
) -> Mechanism {
    let place = Place {
        platform,
        kind,
        id: native_id,
        name,
        since: since_text(since),
        since_epoch: since.map(|t| t.as_millis().div_euclid(1000)),
    };
    let row = Platform::of(platform).table();
    (row.inspect)(&place).unwrap_or_else(|| generic::inspect(&place))
}

/// Phase "recover", for a human account that was contained: recovery paths — MFA factors,
/// recovery email/phone, password reset, then reactivate. An attacker who held the account may
/// have enrolled their own factor or recovery address: reactivating before those are reset hands
/// the account back to them.
pub fn recover_account(s: &Subject) -> Mechanism {
    let row = Platform::of(s.platform).table();
    (row.recover)(s).unwrap_or_else(|| generic::recover(s))
}

/// Phase "recover", for persistence the attacker had (owns/admin_of reached: a service account,
/// app or resource they controlled): list and remove credentials/owners/grants created since the
/// compromise. Whoever owned it could mint credentials that outlive every revocation above, so this
/// is what closes a persistent reach.
pub fn remove_persistence(s: &Subject, since: Option<Timestamp>) -> Mechanism {
    let since = since_text(since);
    let row = Platform::of(s.platform).table();
    (row.persistence)(s, &since).unwrap_or_else(|| generic::persistence(s, &since))
}

/// The revocability a step plans for: the node's own, or inferred from what it is when the graph
/// does not say. Static secrets (access keys, client secrets, private keys, passwords, API keys,
/// PATs) are `none`: they live until rotated. Access and ID tokens are bearer JWTs: `ttl_only`. A
/// Kubernetes token without a type is a legacy Secret token (`none`). AWS key ids tell themselves
/// apart: `AKIA…` is a long-term key, `ASIA…` temporary STS credentials.
pub fn effective_revocation(s: &Subject) -> Revocation {
    if let Some(r) = s.revocation {
        return r;
    }
    let platform = Platform::of(s.platform);
    if platform == Platform::Aws && s.kind == NodeKind::Token {
        if s.native_id.starts_with("AKIA") {
            return Revocation::None;
        }
        if s.native_id.starts_with("ASIA") {
            return Revocation::TtlOnly;
        }
    }
    match (s.kind, s.token_type) {
        (NodeKind::OauthGrant, _) => Revocation::Central,
        (_, Some(TokenType::Access | TokenType::Id)) => Revocation::TtlOnly,
        (
            _,
            Some(
                TokenType::AccessKey
                | TokenType::ClientSecret
                | TokenType::PrivateKey
                | TokenType::Password
                | TokenType::ApiKey
                | TokenType::Pat,
            ),
        ) => Revocation::None,
        (_, Some(TokenType::Refresh)) if platform == Platform::Microsoft => Revocation::Central,
        (_, Some(TokenType::Refresh)) => Revocation::PerApp,
        (NodeKind::Session, _) | (_, Some(TokenType::Cookie)) => match platform {
            Platform::Okta | Platform::Microsoft | Platform::Google | Platform::Slack => {
                Revocation::Central
            }
            _ => Revocation::PerApp,
        },
        _ => Revocation::None,
    }
}

// ------------------------------------------------------------------------------------------------
// The table

/// The platform families heir knows the mechanisms of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    Okta,
    /// Entra ID, Microsoft 365 and Azure: one directory, one Graph.
    Microsoft,
    /// Google Workspace and Google Cloud.
    Google,
    GitHub,
    Slack,
    Aws,
    Kubernetes,
    /// Anything else: generic steps.
    Other,
}

/// Accepted platform spellings, compared case-insensitively.
const ALIASES: &[(&str, Platform)] = &[
    ("okta", Platform::Okta),
    ("entra", Platform::Microsoft),
    ("entraid", Platform::Microsoft),
    ("azuread", Platform::Microsoft),
    ("aad", Platform::Microsoft),
    ("m365", Platform::Microsoft),
    ("o365", Platform::Microsoft),
    ("azure", Platform::Microsoft),
    ("microsoft", Platform::Microsoft),
    ("google", Platform::Google),
    ("gcp", Platform::Google),
    ("gws", Platform::Google),
    ("workspace", Platform::Google),
    ("github", Platform::GitHub),
    ("slack", Platform::Slack),
    ("aws", Platform::Aws),
    ("k8s", Platform::Kubernetes),
    ("kubernetes", Platform::Kubernetes),
];

impl Platform {
    /// The family of a node's platform string; unknown names are [`Platform::Other`].
    pub fn of(platform: &str) -> Platform {
        let p = platform.trim();
        ALIASES
            .iter()
            .find(|(alias, _)| alias.eq_ignore_ascii_case(p))
            .map_or(Platform::Other, |&(_, family)| family)
    }

    fn table(self) -> &'static Table {
        match self {
            Platform::Okta => &OKTA,
            Platform::Microsoft => &MICROSOFT,
            Platform::Google => &GOOGLE,
            Platform::GitHub => &GITHUB,
            Platform::Slack => &SLACK,
            Platform::Aws => &AWS,
            Platform::Kubernetes => &KUBERNETES,
            Platform::Other => &GENERIC,
        }
    }
}

/// One platform's mechanisms, one function per phase. `None`: nothing platform-specific, use the
/// generic row.
struct Table {
    contain: fn(&Subject) -> Option<Mechanism>,
    revoke: fn(&Subject, &Ctx) -> Option<Mechanism>,
    inspect: fn(&Place) -> Option<Mechanism>,
    recover: fn(&Subject) -> Option<Mechanism>,
    persistence: fn(&Subject, &str) -> Option<Mechanism>,
}

static OKTA: Table = Table {
    contain: okta::contain,
    revoke: okta::revoke,
    inspect: okta::inspect,
    recover: okta::recover,
    persistence: okta::persistence,
};
static MICROSOFT: Table = Table {
    contain: microsoft::contain,
    revoke: microsoft::revoke,
    inspect: microsoft::inspect,
    recover: microsoft::recover,
    persistence: microsoft::persistence,
};
static GOOGLE: Table = Table {
    contain: google::contain,
    revoke: google::revoke,
    inspect: google::inspect,
    recover: google::recover,
    persistence: google::persistence,
};
static GITHUB: Table = Table {
    contain: github::contain,
    revoke: github::revoke,
    inspect: github::inspect,
    recover: github::recover,
    persistence: github::persistence,
};
static SLACK: Table = Table {
    contain: slack::contain,
    revoke: slack::revoke,
    inspect: slack::inspect,
    recover: slack::recover,
    persistence: slack::persistence,
};
static AWS: Table = Table {
    contain: aws::contain,
    revoke: aws::revoke,
    inspect: aws::inspect,
    recover: aws::recover,
    persistence: aws::persistence,
};
static KUBERNETES: Table = Table {
    contain: k8s::contain,
    revoke: k8s::revoke,
    inspect: k8s::inspect,
    recover: k8s::recover,
    persistence: k8s::persistence,
};
static GENERIC: Table = Table {
    contain: |s| Some(generic::contain(s)),
    revoke: |s, c| Some(generic::revoke(s, c)),
    inspect: |p| Some(generic::inspect(p)),
    recover: |s| Some(generic::recover(s)),
    persistence: |s, since| Some(generic::persistence(s, since)),
};

/// What a revoke row needs besides the subject.
struct Ctx {
    rev: Revocation,
    /// The cut-off time, as written into policies (`2026-11-20T10:00:00Z`), or `{now}`.
    now: String,
}

/// What an inspect row needs.
struct Place<'a> {
    platform: &'a str,
    kind: NodeKind,
    id: &'a str,
    name: Option<&'a str>,
    /// RFC 3339, or `{since}` when the compromise time is unknown.
    since: String,
    since_epoch: Option<i64>,
}

impl Place<'_> {
    fn label(&self) -> String {
        label(self.name, self.id)
    }
}

const NOW_PLACEHOLDER: &str = "{now}";

fn revoke_with(s: &Subject, now: &str) -> Mechanism {
    let ctx = Ctx {
        rev: effective_revocation(s),
        now: now.to_string(),
    };
    let row = Platform::of(s.platform).table();
    let mut m = (row.revoke)(s, &ctx).unwrap_or_else(|| generic::revoke(s, &ctx));
    // The invariant the plan relies on: a compensating control exactly for ttl_only credentials,
    // and always with the time the credential dies on its own.
    if ctx.rev == Revocation::TtlOnly {
        let text = m.compensating.take().unwrap_or_else(|| {
            "it cannot be revoked: block it at the resource it reaches until it expires".to_string()
        });
        m.compensating = Some(match s.expires_at {
            Some(t) => format!("{text}; it expires at {t}"),
            None => text,
        });
    } else {
        m.compensating = None;
    }
    m
}

// ------------------------------------------------------------------------------------------------
// Helpers shared by the rows

/// A prop as text: strings as they are, numbers printed; the first key present wins.
fn prop(props: &Props, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match props.get(*k)? {
        Value::String(v) if !v.is_empty() => Some(v.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn or(v: Option<String>, placeholder: &str) -> String {
    v.unwrap_or_else(|| placeholder.to_string())
}

/// `name (id)` for people, or the id alone.
fn label(name: Option<&str>, id: &str) -> String {
    match name {
        Some(n) if n.contains(id) => n.to_string(),
        Some(n) => format!("{n} ({id})"),
        None => id.to_string(),
    }
}

fn since_text(since: Option<Timestamp>) -> String {
    since.map_or_else(|| "{since}".to_string(), |t| t.to_string())
}

/// The cut-off written into a deny-by-issue-time policy: rounded *up* to the whole second, so a
/// credential minted in the same second as the decision is denied too.
fn aws_time(now: Timestamp) -> String {
    let ms = now.as_millis();
    let up = ms.div_euclid(1000) * 1000 + if ms.rem_euclid(1000) > 0 { 1000 } else { 0 };
    Timestamp::from_millis(up).to_string()
}

impl Subject<'_> {
    fn prop(&self, keys: &[&str]) -> Option<String> {
        prop(self.props, keys)
    }

    /// The account's native id when it is one of `kinds`.
    fn account_of(&self, kinds: &[NodeKind]) -> Option<&str> {
        self.account
            .filter(|(k, _, _)| kinds.contains(k))
            .map(|(_, id, _)| id)
    }

    fn who(&self) -> String {
        label(self.name, self.native_id)
    }

    fn account_label(&self) -> Option<String> {
        self.account.map(|(_, id, name)| label(name, id))
    }

    /// The OAuth client / app id: the plan's, else the node's own props.
    fn client_id(&self) -> Option<String> {
        self.client
            .map(str::to_string)
            .or_else(|| self.prop(&["client_id", "clientId", "app_id", "appId"]))
    }

    /// Session cookies are sessions, whatever node kind carries them.
    fn is_session(&self) -> bool {
        self.kind == NodeKind::Session || self.token_type == Some(TokenType::Cookie)
    }
}

// ------------------------------------------------------------------------------------------------
// Okta (§1.6, §1.7)

mod okta {
    use super::*;

    /// The Okta user a credential belongs to.
    fn user(s: &Subject) -> String {
        or(
            s.account_of(&[NodeKind::User])
                .map(str::to_string)
                .or_else(|| s.prop(&["userId", "user_id"])),
            "{userId}",
        )
    }

    /// The app (OAuth client) a credential belongs to: the client, or the service app itself.
    fn app(s: &Subject) -> String {
        or(
            s.client_id().or_else(|| {
                s.account_of(&[NodeKind::ServiceAccount, NodeKind::App])
                    .map(str::to_string)
            }),
            "{appId}",
        )
    }

    /// Suspend, not deactivate: deactivation deprovisions the user from every app (destructive,
    /// asynchronous); suspension refuses new sign-in and is undone by unsuspend. Service apps and
    /// integrations are deactivated: no new tokens for the client.
    pub(super) fn contain(s: &Subject) -> Option<Mechanism> {
        let id = s.native_id;
        Some(match s.kind {
            NodeKind::User => Mechanism::new(
                "suspend account",
                format!("POST /api/v1/users/{id}/lifecycle/suspend"),
            ),
            NodeKind::ServiceAccount | NodeKind::App => Mechanism::new(
                "deactivate app",
                format!("POST /api/v1/apps/{id}/lifecycle/deactivate"),
            ),
            _ => return None,
        })
    }

    /// `oauthTokens=true` matters: it defaults to false, and without it the refresh tokens the
    /// session minted keep minting access tokens after the session is gone. What survives even so:
    /// sessions the downstream apps created themselves (unless Universal Logout fires for them),
    /// SAML-app cookies, and access tokens until their `exp` (§8).
    pub(super) fn revoke(s: &Subject, c: &Ctx) -> Option<Mechanism> {
        let u = user(s);
        let id = s.native_id;
        let all_sessions = format!("DELETE /api/v1/users/{u}/sessions?oauthTokens=true");
        let client = s.client_id();
        let client_tokens = |cl: &str| format!("DELETE /api/v1/users/{u}/clients/{cl}/tokens");
        Some(match (s.kind, s.token_type) {
            _ if s.is_session() && c.rev == Revocation::PerApp => Mechanism::new(
                "end this session",
                format!(
                    "DELETE /api/v1/sessions/{id} (unconfirmed whether the System Log \
                     externalSessionId is accepted as the session id; if refused: {all_sessions})"
                ),
            ),
            _ if s.is_session() => Mechanism::new(
                "revoke every Okta session of the user and its OAuth tokens",
                all_sessions,
            ),
            (NodeKind::OauthGrant, _) => match (s.account_of(&[NodeKind::User]), client) {
                (None, Some(app)) => Mechanism::new(
                    "revoke the app's scope grant",
                    format!("DELETE /api/v1/apps/{app}/grants/{id}"),
                ),
                (_, Some(cl)) => Mechanism::new(
                    "revoke the user's grants and refresh tokens for the client",
                    format!(
                        "DELETE /api/v1/users/{u}/clients/{cl}/grants; then {}",
                        client_tokens(&cl)
                    ),
                ),
                (_, None) => Mechanism::new(
                    "revoke the grant",
                    format!("DELETE /api/v1/users/{u}/grants/{id}"),
                ),
            },
            (_, Some(TokenType::Refresh)) => Mechanism::new(
                "revoke the user's refresh tokens for the client",
                client_tokens(&or(client, "{clientId}")),
            ),
            (_, Some(TokenType::Access | TokenType::Id)) => Mechanism::new(
                "revoke what mints it; let it expire (compensating control)",
                client.map_or(all_sessions, |cl| client_tokens(&cl)),
            )
            .compensating(
                "Okta access and ID tokens are self-contained JWTs: an admin cannot list or revoke \
                 them and resource servers accept them until exp; revoking the refresh tokens and \
                 sessions stops new ones, and a resource that cannot wait must block the user or \
                 client itself",
            ),
            (_, Some(TokenType::ApiKey)) => Mechanism::new(
                "revoke API token",
                format!("DELETE /api/v1/api-tokens/{id}"),
            ),
            (_, Some(TokenType::ClientSecret)) => {
                let a = app(s);
                let secret = or(s.prop(&["secretId", "secret_id"]), id);
                Mechanism::new(
                    "deactivate and delete client secret",
                    format!(
                        "POST /api/v1/apps/{a}/credentials/secrets/{secret}/lifecycle/deactivate; \
                         then DELETE /api/v1/apps/{a}/credentials/secrets/{secret}"
                    ),
                )
            }
            (_, Some(TokenType::PrivateKey)) => {
                let a = app(s);
                let key = or(s.prop(&["keyId", "key_id", "kid"]), id);
                Mechanism::new(
                    "deactivate client JWKS key",
                    format!("POST /api/v1/apps/{a}/credentials/jwks/{key}/lifecycle/deactivate"),
                )
            }
            (_, Some(TokenType::Password)) => Mechanism::new(
                "reset password and end sessions",
                format!(
                    "POST /api/v1/users/{u}/lifecycle/reset_password?sendEmail=false; then {all_sessions}"
                ),
            ),
            _ => return None,
        })
    }

    pub(super) fn inspect(p: &Place) -> Option<Mechanism> {
        let (id, since) = (p.id, &p.since);
        Some(match p.kind {
            NodeKind::App | NodeKind::ServiceAccount => Mechanism::new(
                "review the app's changes, credentials and grants",
                format!(
                    "GET /api/v1/logs?since={since}&filter=target.id eq \"{id}\"; then \
                     GET /api/v1/apps/{id}/credentials/secrets, GET /api/v1/apps/{id}/credentials/jwks, \
                     GET /api/v1/apps/{id}/grants and GET /api/v1/apps/{id}/tokens for anything \
                     created since {since}"
                ),
            ),
            NodeKind::User => Mechanism::new(
                "review what the account did and granted",
                format!(
                    "GET /api/v1/logs?since={since}&filter=actor.id eq \"{id}\"; then \
                     GET /api/v1/users/{id}/grants and GET /api/v1/users/{id}/clients for consents \
                     given since {since}"
                ),
            ),
            _ => Mechanism::new(
                "review admin actions and new credentials in the System Log",
                format!(
                    "GET /api/v1/logs?since={since}&filter=eventType eq \"system.api_token.create\" \
                     or eventType eq \"user.account.privilege.grant\" or eventType eq \
                     \"iam.resourceset.bindings.add\" or eventType eq \"application.user_membership.add\" \
                     or eventType eq \"group.user_membership.add\" or eventType eq \
                     \"application.client_secret.rotate\" or eventType eq \"app.oauth2.as.consent.grant\" \
                     (the last two event names are unconfirmed); then GET /api/v1/api-tokens and \
                     GET /api/v1/iam/assignees/users for tokens and admins new since {since}"
                ),
            ),
        })
    }

    /// An attacker with the account could enrol their own authenticator; reset_factors removes
    /// every factor so the owner re-enrols in person before the account is unsuspended.
    pub(super) fn recover(s: &Subject) -> Option<Mechanism> {
        if s.kind != NodeKind::User {
            return None;
        }
        let id = s.native_id;
        Some(Mechanism::new(
            "reset factors and password, check recovery details, then reactivate",
            format!(
                "POST /api/v1/users/{id}/lifecycle/reset_factors; then check profile.secondEmail \
                 and profile.mobilePhone (recovery email/phone) with GET /api/v1/users/{id}; then \
                 POST /api/v1/users/{id}/lifecycle/reset_password?sendEmail=false (hand the link \
                 to the owner out of band); then POST /api/v1/users/{id}/lifecycle/unsuspend"
            ),
        ))
    }

    pub(super) fn persistence(s: &Subject, since: &str) -> Option<Mechanism> {
        let id = s.native_id;
        Some(match s.kind {
            NodeKind::App | NodeKind::ServiceAccount => Mechanism::new(
                "remove app credentials, grants and roles added since the compromise",
                format!(
                    "GET /api/v1/apps/{id}/credentials/secrets: for each created since {since}, \
                     POST /api/v1/apps/{id}/credentials/secrets/{{secretId}}/lifecycle/deactivate then \
                     DELETE /api/v1/apps/{id}/credentials/secrets/{{secretId}}; then \
                     GET /api/v1/apps/{id}/credentials/jwks: POST /api/v1/apps/{id}/credentials/jwks/{{keyId}}/lifecycle/deactivate \
                     for new keys; then GET /api/v1/apps/{id}/grants: DELETE /api/v1/apps/{id}/grants/{{grantId}} \
                     for new grants; then GET /oauth2/v1/clients/{id}/roles: \
                     DELETE /oauth2/v1/clients/{id}/roles/{{roleAssignmentId}} for new admin roles"
                ),
            ),
            NodeKind::Idp => Mechanism::new(
                "remove API tokens and admin roles added since the compromise",
                format!(
                    "GET /api/v1/api-tokens: DELETE /api/v1/api-tokens/{{apiTokenId}} for each created \
                     since {since}; then GET /api/v1/iam/assignees/users: \
                     DELETE /api/v1/users/{{userId}}/roles/{{roleAssignmentId}} for each role granted \
                     since {since} (System Log user.account.privilege.grant)"
                ),
            ),
            NodeKind::User => Mechanism::new(
                "remove the account's new grants, API tokens and admin roles",
                format!(
                    "DELETE /api/v1/users/{id}/grants; then GET /api/v1/api-tokens: \
                     DELETE /api/v1/api-tokens/{{apiTokenId}} for tokens with userId {id}; then \
                     GET /api/v1/users/{id}/roles: DELETE /api/v1/users/{id}/roles/{{roleAssignmentId}} \
                     for roles granted since {since}"
                ),
            ),
            _ => return None,
        })
    }
}

// ------------------------------------------------------------------------------------------------
// Entra ID / Microsoft Graph (§2.5, §2.6, §2.7)

mod microsoft {
    use super::*;

    fn user(s: &Subject) -> String {
        or(
            s.account_of(&[NodeKind::User])
                .map(str::to_string)
                .or_else(|| s.prop(&["userId", "principalId"])),
            "{userId}",
        )
    }

    /// The application object a credential lives on. Graph addresses applications by object id;
    /// when only the client id (appId) is known the `(appId='…')` alternate key names the same
    /// object.
    fn app_path(s: &Subject) -> String {
        if let Some(id) = s.prop(&[
            "application_objectId",
            "applicationObjectId",
            "app_object_id",
            "objectId",
        ]) {
            return format!("/applications/{id}");
        }
        match s.client_id() {
            Some(app_id) => format!("/applications(appId='{app_id}')"),
            None => "/applications/{applicationObjectId}".to_string(),
        }
    }

    /// The service principal of an app in this tenant.
    fn sp_path(s: &Subject) -> String {
        if let Some(id) = s.prop(&["servicePrincipalId", "sp_id", "servicePrincipal_objectId"]) {
            return format!("/servicePrincipals/{id}");
        }
        if s.kind == NodeKind::ServiceAccount {
            return format!("/servicePrincipals/{}", s.native_id);
        }
        let app_id = s.client_id().unwrap_or_else(|| s.native_id.to_string());
        format!("/servicePrincipals(appId='{app_id}')")
    }

    fn disable_sp(sp: &str) -> String {
        format!("PATCH /servicePrincipals/{sp} {{\"accountEnabled\": false}}")
    }

    /// Disabling an account is a CAE critical event: CAE-capable resources drop its tokens within
    /// minutes. A service principal has no sessions to revoke; disabling it stops new tokens for
    /// the app in this tenant.
    pub(super) fn contain(s: &Subject) -> Option<Mechanism> {
        let id = s.native_id;
        Some(match s.kind {
            NodeKind::User => Mechanism::new(
                "disable account",
                format!("PATCH /users/{id} {{\"accountEnabled\": false}}"),
            ),
            NodeKind::ServiceAccount => Mechanism::new("disable service principal", disable_sp(id)),
            NodeKind::App => Mechanism::new(
                "disable the app's service principal",
                format!("PATCH {} {{\"accountEnabled\": false}}", sp_path(s)),
            ),
            _ => return None,
        })
    }

    /// `revokeSignInSessions` moves the user's `signInSessionsValidFromDateTime` to now: every
    /// refresh token (FOCI family tokens included) and browser session cookie issued before is
    /// dead within minutes. It is all-or-nothing — Graph has no per-session revocation. What
    /// survives: access tokens until expiry (60–90 min typical, up to 28 h for CAE tokens, which
    /// CAE-capable resources drop on the critical event).
    pub(super) fn revoke(s: &Subject, c: &Ctx) -> Option<Mechanism> {
        let id = s.native_id;
        let u = user(s);
        let revoke_sessions = format!("POST /users/{u}/revokeSignInSessions");
        let sp = if s.account_of(&[NodeKind::User]).is_none() {
            s.account_of(&[NodeKind::ServiceAccount])
        } else {
            None
        };
        let is_fic = s.prop(&["issuer"]).is_some() && s.prop(&["subject"]).is_some()
            || s.prop(&["kind", "type"]).as_deref() == Some("federatedIdentityCredential");
        let refreshable = s.is_session() || s.token_type == Some(TokenType::Refresh);
        let bearer = matches!(s.token_type, Some(TokenType::Access | TokenType::Id))
            || (c.rev == Revocation::TtlOnly && !refreshable);
        Some(match s.kind {
            NodeKind::OauthGrant => {
                let app_role = s.prop(&["appRoleId"]).is_some()
                    || s.prop(&["kind", "type"]).as_deref() == Some("appRoleAssignment");
                if app_role {
                    let resource = or(s.prop(&["resourceId"]), "{resourceSpId}");
                    Mechanism::new(
                        "remove the app role assignment",
                        format!("DELETE /servicePrincipals/{resource}/appRoleAssignedTo/{id}"),
                    )
                } else {
                    Mechanism::new(
                        "remove the delegated consent",
                        format!("DELETE /oauth2PermissionGrants/{id}"),
                    )
                }
            }
            _ if refreshable => match sp {
                Some(sp) => Mechanism::new(
                    "disable the service principal (it has no sign-in sessions to revoke)",
                    disable_sp(sp),
                ),
                None => Mechanism::new(
                    "revoke all refresh tokens and session cookies of the user",
                    revoke_sessions,
                ),
            },
            _ if is_fic => Mechanism::new(
                "delete the federated identity credential",
                format!(
                    "DELETE {}/federatedIdentityCredentials/{}",
                    app_path(s),
                    or(s.prop(&["ficId", "fic_id"]), id)
                ),
            ),
            _ if bearer => match sp {
                Some(sp) => Mechanism::new(
                    "stop new app-only tokens; let this one expire (compensating control)",
                    disable_sp(sp),
                )
                .compensating(
                    "app-only access tokens cannot be revoked and stay valid until expiry; a \
                     disabled service principal gets no new ones",
                ),
                None => Mechanism::new(
                    "revoke the refresh side and block new tokens (compensating control)",
                    format!(
                        "{revoke_sessions}; then Entra admin center > Protection > Conditional Access \
                         > New policy: Users {u}, Grant: Block access, until the token expires"
                    ),
                )
                .compensating(
                    "access tokens cannot be revoked: they stay valid until expiry (60-90 min \
                     typical, up to 28 h for CAE tokens); revokeSignInSessions is a CAE critical \
                     event, so CAE-capable resources (Exchange Online, SharePoint Online, Teams, \
                     Microsoft Graph) reject the token within minutes, and a Conditional Access \
                     block stops new tokens everywhere else",
                ),
            },
            _ => match s.token_type {
                Some(TokenType::ClientSecret) => {
                    let key = or(s.prop(&["key_id", "keyId"]), id);
                    let on = if s.prop(&["servicePrincipal_objectId"]).is_some() {
                        sp_path(s)
                    } else {
                        app_path(s)
                    };
                    Mechanism::new(
                        "remove the client secret",
                        format!("POST {on}/removePassword {{\"keyId\":\"{key}\"}}"),
                    )
                }
                Some(TokenType::PrivateKey) => {
                    let key = or(s.prop(&["key_id", "keyId"]), id);
                    let app = app_path(s);
                    Mechanism::new(
                        "remove the certificate",
                        format!(
                            "POST {app}/removeKey {{\"keyId\":\"{key}\",\"proof\":\"{{proofJwt}}\"}} \
                             (proof: a JWT signed by one of the app's existing keys; without one, \
                             PATCH {app} with the full keyCredentials array minus keyId {key})"
                        ),
                    )
                }
                Some(TokenType::Password) => Mechanism::new(
                    "reset password and revoke sessions",
                    format!(
                        "PATCH /users/{u} {{\"passwordProfile\":{{\"forceChangePasswordNextSignIn\":true,\
                         \"password\":\"{{newPassword}}\"}}}}; then {revoke_sessions}"
                    ),
                ),
                _ => return None,
            },
        })
    }

    pub(super) fn inspect(p: &Place) -> Option<Mechanism> {
        let (id, since) = (p.id, &p.since);
        if let Some(mailbox) = id.strip_prefix("mailbox/") {
            if mailbox != "all" && mailbox.contains('@') {
                return Some(Mechanism::new(
                    "review inbox rules, forwarding and mailbox access",
                    format!(
                        "GET /users/{mailbox}/mailFolders/inbox/messageRules (rules that forward, \
                         redirect, delete or hide mail); then Exchange Online PowerShell: \
                         Get-Mailbox -Identity {mailbox} | Format-List ForwardingAddress,ForwardingSmtpAddress,DeliverToMailboxAndForward; \
                         then Search-UnifiedAuditLog -StartDate {since} -EndDate (Get-Date) \
                         -Operations New-InboxRule,Set-InboxRule,UpdateInboxRules,Set-Mailbox,Add-MailboxPermission,MailItemsAccessed \
                         -FreeText {mailbox}"
                    ),
                ));
            }
            return Some(Mechanism::new(
                "review mail rules, forwarding and mailbox access tenant-wide",
                format!(
                    "Exchange Online PowerShell: Search-UnifiedAuditLog -StartDate {since} -EndDate (Get-Date) \
                     -Operations New-InboxRule,Set-InboxRule,UpdateInboxRules,Set-Mailbox,Add-MailboxPermission,MailItemsAccessed; \
                     then Get-Mailbox -ResultSize Unlimited | Where-Object {{$_.ForwardingSmtpAddress}}"
                ),
            ));
        }
        if id.starts_with("/subscriptions/") {
            return Some(Mechanism::new(
                "review control-plane changes on the Azure resource",
                format!("az monitor activity-log list --resource-id {id} --start-time {since}"),
            ));
        }
        let audits = format!(
            "GET /auditLogs/directoryAudits?$filter=activityDateTime ge {since} (Consent to \
             application, Add app role assignment to service principal, Add service principal \
             credentials, Update application - Certificates and secrets management, Add owner to \
             application, Add member to role, Add user)"
        );
        Some(match p.kind {
            NodeKind::User => Mechanism::new(
                "review the account's sign-ins, consents and authentication methods",
                format!(
                    "GET /auditLogs/signIns?$filter=createdDateTime ge {since} and userId eq '{id}'; \
                     then GET /users/{id}/oauth2PermissionGrants; then \
                     GET /users/{id}/authentication/methods; then {audits}"
                ),
            ),
            NodeKind::App | NodeKind::ServiceAccount if !is_tenant(p) => Mechanism::new(
                "review the app's sign-ins, credentials and consents",
                format!(
                    "GET /auditLogs/signIns?$filter=createdDateTime ge {since} and appId eq '{id}'; \
                     then {audits}"
                ),
            ),
            _ => Mechanism::new(
                "review directory changes and sign-ins",
                format!(
                    "{audits}; then GET /auditLogs/signIns?$filter=createdDateTime ge {since}"
                ),
            ),
        })
    }

    /// A Microsoft 365 tenant node is an `app` whose native id is the tenant id (`m365:app:…`, or
    /// named "… tenant …"); an Entra app registration is an `app` whose native id is its appId
    /// ("multi-tenant" in its name does not make it a tenant).
    fn is_tenant(p: &Place) -> bool {
        let platform = p.platform.to_ascii_lowercase();
        p.kind == NodeKind::Idp
            || (p.kind == NodeKind::App && matches!(platform.as_str(), "m365" | "o365"))
            || p.name.is_some_and(|n| {
                let n = n.to_ascii_lowercase();
                n.starts_with("tenant") || n.contains(" tenant")
            })
    }

    pub(super) fn recover(s: &Subject) -> Option<Mechanism> {
        if s.kind != NodeKind::User {
            return None;
        }
        let id = s.native_id;
        Some(Mechanism::new(
            "reset authentication methods and password, then re-enable",
            format!(
                "GET /users/{id}/authentication/methods: delete every method the owner does not \
                 recognise (e.g. DELETE /users/{id}/authentication/phoneMethods/{{methodId}}, \
                 /microsoftAuthenticatorMethods/{{methodId}}, /fido2Methods/{{methodId}}), checking \
                 recovery phone and email; then PATCH /users/{id} \
                 {{\"passwordProfile\":{{\"forceChangePasswordNextSignIn\":true,\"password\":\"{{newPassword}}\"}}}}; \
                 then POST /users/{id}/revokeSignInSessions; then \
                 PATCH /users/{id} {{\"accountEnabled\": true}}"
            ),
        ))
    }

    pub(super) fn persistence(s: &Subject, since: &str) -> Option<Mechanism> {
        let id = s.native_id;
        Some(match s.kind {
            NodeKind::App => {
                let app = if s.prop(&["objectId", "application_objectId"]).is_some()
                    || s.client.is_some()
                {
                    app_path(s)
                } else {
                    format!("/applications(appId='{id}')")
                };
                let sp = sp_path(s);
                Mechanism::new(
                    "remove app credentials, federated credentials, owners and grants added since the compromise",
                    format!(
                        "GET {app}?$select=passwordCredentials,keyCredentials: for each with \
                         startDateTime since {since}, POST {app}/removePassword {{\"keyId\":\"{{keyId}}\"}} \
                         or POST {app}/removeKey (proof required); then \
                         GET {app}/federatedIdentityCredentials: DELETE {app}/federatedIdentityCredentials/{{ficId}} \
                         for new ones; then GET {app}/owners: DELETE {app}/owners/{{ownerId}}/$ref for \
                         owners added since {since}; then GET {sp}/appRoleAssignments and \
                         GET {sp}/oauth2PermissionGrants: remove grants added since {since}"
                    ),
                )
            }
            NodeKind::ServiceAccount => {
                let sp = format!("/servicePrincipals/{id}");
                let app_id = or(s.prop(&["appId", "app_id"]), "{appId}");
                Mechanism::new(
                    "remove service principal credentials, owners and grants added since the compromise",
                    format!(
                        "GET {sp}?$select=passwordCredentials,keyCredentials: POST {sp}/removePassword \
                         {{\"keyId\":\"{{keyId}}\"}} for each added since {since}; then \
                         GET {sp}/federatedIdentityCredentials: DELETE {sp}/federatedIdentityCredentials/{{ficId}} \
                         for new ones; then GET {sp}/owners: remove owners added since {since}; then \
                         GET {sp}/appRoleAssignments: DELETE /servicePrincipals/{{resourceSpId}}/appRoleAssignedTo/{{assignmentId}} \
                         for new ones; then the app registration's credentials: \
                         GET /applications(appId='{app_id}')?$select=passwordCredentials,keyCredentials"
                    ),
                )
            }
            NodeKind::Idp => Mechanism::new(
                "remove consents, app credentials and role assignments added since the compromise",
                format!(
                    "GET /auditLogs/directoryAudits?$filter=activityDateTime ge {since}: for each \
                     new consent DELETE /oauth2PermissionGrants/{{id}}; for each new app role \
                     assignment DELETE /servicePrincipals/{{resourceSpId}}/appRoleAssignedTo/{{assignmentId}}; \
                     for each new credential POST /applications/{{objectId}}/removePassword or removeKey; \
                     for each new directory role DELETE /roleManagement/directory/roleAssignments/{{id}}"
                ),
            ),
            _ => return None,
        })
    }
}

// ------------------------------------------------------------------------------------------------
// Google Workspace and Google Cloud (§3.7)

mod google {
    use super::*;

    const IAM: &str = "https://iam.googleapis.com/v1";
    const DIRECTORY: &str = "/admin/directory/v1";

    /// The user key (numeric id or primary email) of the user a credential belongs to. A grant's
    /// native id is `{userId}/{client}` by convention.
    fn user(s: &Subject) -> String {
        if let Some(id) = s.account_of(&[NodeKind::User]) {
            return id.to_string();
        }
        if let Some(key) = s.prop(&["userKey", "user_key", "userId"]) {
            return key;
        }
        match s.native_id.split_once('/') {
            Some((u, _)) if !u.is_empty() && u.bytes().all(|b| b.is_ascii_digit()) => u.to_string(),
            _ => "{userKey}".to_string(),
        }
    }

    /// The project of a service account `name@project.iam.gserviceaccount.com`; `-` lets the IAM
    /// API infer the project from the account.
    fn sa_project(sa: &str, props: &Props) -> String {
        sa.split_once('@')
            .and_then(|(_, domain)| domain.strip_suffix(".iam.gserviceaccount.com"))
            .map(str::to_string)
            .or_else(|| prop(props, &["projectId", "project_id", "project"]))
            .unwrap_or_else(|| "-".to_string())
    }

    /// (project, service account, key id) of a service-account key. Native ids are
    /// `project/keys/keyId`, the full `projects/p/serviceAccounts/sa/keys/k`, or the bare key id.
    fn sa_key(s: &Subject) -> (String, String, String) {
        let id = s.native_id;
        let account = s
            .account_of(&[NodeKind::ServiceAccount])
            .map(str::to_string)
            .or_else(|| s.prop(&["serviceAccount", "service_account", "email"]));
        if let Some(rest) = id.strip_prefix("projects/") {
            let mut parts = rest.split('/');
            if let (Some(p), Some("serviceAccounts"), Some(sa), Some("keys"), Some(k)) = (
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
            ) {
                return (p.to_string(), sa.to_string(), k.to_string());
            }
        }
        let sa = or(account, "{serviceAccountEmail}");
        match id.rsplit_once("/keys/") {
            Some((project, key)) => (project.to_string(), sa, key.to_string()),
            None => (sa_project(&sa, s.props), sa, id.to_string()),
        }
    }

    fn client(s: &Subject) -> String {
        or(s.client_id(), "{clientId}")
    }

    pub(super) fn contain(s: &Subject) -> Option<Mechanism> {
        let id = s.native_id;
        Some(match s.kind {
            NodeKind::User => Mechanism::new(
                "suspend account",
                format!("PATCH {DIRECTORY}/users/{id} {{\"suspended\": true}}"),
            ),
            NodeKind::ServiceAccount => Mechanism::new(
                "disable service account",
                format!(
                    "POST {IAM}/projects/{}/serviceAccounts/{id}:disable",
                    sa_project(id, s.props)
                ),
            ),
            NodeKind::App => {
                let cl = s.client_id().unwrap_or_else(|| id.to_string());
                Mechanism::new(
                    "block the OAuth client",
                    format!(
                        "Admin console > Security > Access and data control > API controls > \
                         Manage Third-Party App Access > {cl}: Change access > Blocked; then \
                         DELETE {DIRECTORY}/users/{{userKey}}/tokens/{cl} for every user whose \
                         GET {DIRECTORY}/users/{{userKey}}/tokens lists it"
                    ),
                )
            }
            _ => return None,
        })
    }

    /// signOut resets the sign-in cookies of every web and device session but does not touch OAuth
    /// grants, so the central step pairs it with tokens.delete per client. tokens.delete deletes
    /// every token the user issued to that client. What survives: access tokens (≤1 h) and
    /// domain-wide delegation grants, which only the Admin console removes (§8).
    pub(super) fn revoke(s: &Subject, c: &Ctx) -> Option<Mechanism> {
        let u = user(s);
        let id = s.native_id;
        let sign_out = format!("POST {DIRECTORY}/users/{u}/signOut");
        let tokens_delete = |cl: &str| format!("DELETE {DIRECTORY}/users/{u}/tokens/{cl}");
        let sa_account = s.account_of(&[NodeKind::ServiceAccount]);
        Some(match (s.kind, s.token_type) {
            _ if s.is_session() && c.rev == Revocation::Central => Mechanism::new(
                "sign out everywhere and revoke the user's OAuth tokens",
                format!(
                    "{sign_out}; then {} for each clientId listed by GET {DIRECTORY}/users/{u}/tokens",
                    tokens_delete("{clientId}")
                ),
            ),
            _ if s.is_session() => {
                Mechanism::new("sign out of all web and device sessions", sign_out)
            }
            (_, Some(TokenType::PrivateKey)) => {
                let (p, sa, key) = sa_key(s);
                let key_path = format!("{IAM}/projects/{p}/serviceAccounts/{sa}/keys/{key}");
                Mechanism::new(
                    "disable and delete service-account key",
                    format!("POST {key_path}:disable; then DELETE {key_path}"),
                )
            }
            (_, Some(TokenType::Password)) => match s.prop(&["codeId", "code_id"]) {
                Some(code) => Mechanism::new(
                    "delete the app-specific password",
                    format!("DELETE {DIRECTORY}/users/{u}/asps/{code}"),
                ),
                None => Mechanism::new(
                    "reset password and sign out",
                    format!(
                        "PATCH {DIRECTORY}/users/{u} {{\"password\":\"{{newPassword}}\",\
                         \"changePasswordAtNextLogin\":true}}; then {sign_out}"
                    ),
                ),
            },
            (_, Some(TokenType::Access | TokenType::Id)) if sa_account.is_some() => {
                let sa = sa_account.unwrap_or_default();
                Mechanism::new(
                    "disable the service account; let the token expire (compensating control)",
                    format!(
                        "POST {IAM}/projects/{}/serviceAccounts/{sa}:disable",
                        sa_project(sa, s.props)
                    ),
                )
                .compensating(
                    "service-account access tokens cannot be revoked and live up to 1 h; a \
                     disabled service account gets no new ones",
                )
            }
            (NodeKind::OauthGrant, _)
            | (_, Some(TokenType::Refresh | TokenType::Access | TokenType::Id)) => {
                Mechanism::new(
                    "revoke the app's OAuth tokens for the user",
                    tokens_delete(&client(s)),
                )
                .compensating(
                    "access tokens already issued stay valid up to 1 h; tokens.delete stops the \
                     refresh token minting more",
                )
            }
            (_, Some(TokenType::ApiKey)) => Mechanism::new(
                "delete the API key",
                format!(
                    "gcloud services api-keys delete {id} (or Cloud console > APIs & Services > \
                     Credentials)"
                ),
            ),
            _ => return None,
        })
    }

    const WORKSPACE_APPS: &[&str] = &[
        "drive",
        "gmail",
        "mail",
        "calendar",
        "docs",
        "meet",
        "chat",
        "admin",
        "workspace",
    ];

    pub(super) fn inspect(p: &Place) -> Option<Mechanism> {
        let (id, since) = (p.id, &p.since);
        let reports = |app: &str| {
            format!("GET /admin/reports/v1/activity/users/all/applications/{app}?startTime={since}")
        };
        let is_mail = id.starts_with("mailbox/") || id.eq_ignore_ascii_case("gmail");
        let is_drive = id.starts_with("shared-drive/") || id.eq_ignore_ascii_case("drive");
        let tenant = format!(
            "{}&eventName=authorize (new OAuth grants); then {} (admin actions, including \
             AUTHORIZE_API_CLIENT_ACCESS: new domain-wide delegation); then {} (sign-ins); then {} \
             (downloads and sharing changes)",
            reports("token"),
            reports("admin"),
            reports("login"),
            reports("drive")
        );
        Some(if is_mail {
            let user = id.strip_prefix("mailbox/").unwrap_or("{userKey}");
            Mechanism::new(
                "review mail filters and forwarding",
                format!(
                    "Gmail API as the user (domain-wide delegation): \
                     GET https://gmail.googleapis.com/gmail/v1/users/{user}/settings/filters, \
                     .../settings/forwardingAddresses and .../settings/autoForwarding; then {}",
                    reports("token")
                ),
            )
        } else if is_drive {
            Mechanism::new(
                "review downloads and sharing changes",
                format!(
                    "{} (download, change_user_access, change_document_visibility events)",
                    reports("drive")
                ),
            )
        } else if p.kind == NodeKind::User {
            Mechanism::new(
                "review the account's grants and activity",
                format!(
                    "GET {DIRECTORY}/users/{id}/tokens (OAuth clients it authorised); then \
                     GET /admin/reports/v1/activity/users/{id}/applications/token?startTime={since}; \
                     then GET /admin/reports/v1/activity/users/{id}/applications/login?startTime={since}"
                ),
            )
        } else if matches!(
            p.kind,
            NodeKind::App | NodeKind::Resource | NodeKind::ServiceAccount
        ) && !WORKSPACE_APPS.contains(&id.to_ascii_lowercase().as_str())
            && (p.platform.eq_ignore_ascii_case("gcp")
                || p.kind != NodeKind::Resource
                || id.contains("iam.gserviceaccount.com"))
        {
            let project = id
                .split_once('@')
                .and_then(|(_, d)| d.strip_suffix(".iam.gserviceaccount.com"))
                .unwrap_or(id);
            Mechanism::new(
                "review IAM changes and new service-account keys in Cloud Audit Logs",
                format!(
                    "gcloud logging read 'protoPayload.methodName=(\"google.iam.admin.v1.CreateServiceAccountKey\" \
                     OR \"google.iam.admin.v1.CreateServiceAccount\" OR \"SetIamPolicy\") AND \
                     timestamp>=\"{since}\"' --project {project}"
                ),
            )
        } else {
            Mechanism::new("review grants, admin actions and data access", tenant)
        })
    }

    pub(super) fn recover(s: &Subject) -> Option<Mechanism> {
        if s.kind != NodeKind::User {
            return None;
        }
        let id = s.native_id;
        let user = format!("{DIRECTORY}/users/{id}");
        Some(Mechanism::new(
            "invalidate backup codes, review 2SV and recovery details, reset password, then unsuspend",
            format!(
                "POST {user}/verificationCodes/invalidate; then review 2-Step Verification in Admin \
                 console > Directory > Users > {id} > Security; then GET {user}/asps and \
                 DELETE {user}/asps/{{codeId}} for each; then GET {user} and check recoveryEmail and \
                 recoveryPhone; then PATCH {user} {{\"password\":\"{{newPassword}}\",\
                 \"changePasswordAtNextLogin\":true}}; then PATCH {user} {{\"suspended\": false}}"
            ),
        ))
    }

    pub(super) fn persistence(s: &Subject, since: &str) -> Option<Mechanism> {
        let id = s.native_id;
        Some(match s.kind {
            NodeKind::ServiceAccount => {
                let sa = format!(
                    "{IAM}/projects/{}/serviceAccounts/{id}",
                    sa_project(id, s.props)
                );
                Mechanism::new(
                    "remove service-account keys and impersonation grants added since the compromise",
                    format!(
                        "GET {sa}/keys?keyTypes=USER_MANAGED: for each key with validAfterTime since \
                         {since}, POST {sa}/keys/{{keyId}}:disable then DELETE {sa}/keys/{{keyId}}; \
                         then POST {sa}:getIamPolicy and remove new roles/iam.serviceAccountTokenCreator \
                         or roles/iam.serviceAccountKeyAdmin members; then check domain-wide \
                         delegation for its client id in Admin console > Security > API controls > \
                         Domain-wide delegation (no documented API; unconfirmed)"
                    ),
                )
            }
            NodeKind::Idp | NodeKind::App => Mechanism::new(
                "remove delegation, admin roles and OAuth grants added since the compromise",
                format!(
                    "GET /admin/reports/v1/activity/users/all/applications/admin?startTime={since}&eventName=AUTHORIZE_API_CLIENT_ACCESS: \
                     remove each new grant in Admin console > Security > API controls > Domain-wide \
                     delegation (no documented API; unconfirmed); then \
                     GET {DIRECTORY}/customer/my_customer/roleassignments: remove assignments made \
                     since {since}; then GET /admin/reports/v1/activity/users/all/applications/token?startTime={since}&eventName=authorize: \
                     DELETE {DIRECTORY}/users/{{userKey}}/tokens/{{clientId}} for unwanted grants"
                ),
            ),
            _ => return None,
        })
    }
}

// ------------------------------------------------------------------------------------------------
// GitHub (§4.5)

mod github {
    use super::*;

    /// The organization: props, or the owner part of an `owner/repo` id.
    fn org(s: &Subject) -> String {
        or(
            s.prop(&["org", "organization", "org_login"]).or_else(|| {
                s.native_id
                    .split_once('/')
                    .map(|(o, _)| o.to_string())
                    .filter(|_| s.kind == NodeKind::Resource)
            }),
            "{org}",
        )
    }

    /// The login of the account: its name (logins are what GitHub paths take), or props.
    fn login(s: &Subject) -> String {
        or(
            s.prop(&["login", "owner_login"])
                .or_else(|| s.account.and_then(|(_, _, n)| n).map(str::to_string))
                .or_else(|| {
                    s.name
                        .filter(|_| s.kind == NodeKind::User)
                        .map(str::to_string)
                }),
            "{username}",
        )
    }

    /// The trailing number of an id like `pat-1184302`, if it is one.
    fn trailing_number(id: &str) -> Option<String> {
        let n = id.rsplit(['-', '/']).next()?;
        (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then(|| n.to_string())
    }

    fn installation(s: &Subject) -> String {
        or(
            s.prop(&["installation_id", "installationId"])
                .or_else(|| trailing_number(s.native_id)),
            "{installation_id}",
        )
    }

    fn suspend_installation(iid: &str) -> String {
        format!(
            "PUT /app/installations/{iid}/suspended (with the App's JWT; org owners: organization \
             Settings > GitHub Apps > Configure > Suspend)"
        )
    }

    fn is_installation(s: &Subject) -> bool {
        s.prop(&["installation_id", "installationId"]).is_some()
            || s.native_id.starts_with("ghs")
            || s.native_id.contains("installation")
    }

    /// github.com accounts cannot be suspended by an org (only Enterprise Managed Users, through
    /// the IdP): containment is removing the member from the org.
    pub(super) fn contain(s: &Subject) -> Option<Mechanism> {
        Some(match s.kind {
            NodeKind::User => Mechanism::new(
                "remove from the organization",
                format!("DELETE /orgs/{}/members/{}", org(s), login(s)),
            ),
            NodeKind::ServiceAccount | NodeKind::App if is_installation(s) => Mechanism::new(
                "suspend the app installation",
                suspend_installation(&installation(s)),
            ),
            _ => return None,
        })
    }

    /// Org-side revocation cuts a credential's access to *this org*; the credential itself keeps
    /// working elsewhere (classic PATs outside SAML orgs, public data), SSH keys a revoked
    /// fine-grained PAT created keep working, and OAuth grants are revocable only by the app owner
    /// or the user (§8).
    pub(super) fn revoke(s: &Subject, _c: &Ctx) -> Option<Mechanism> {
        let id = s.native_id;
        let o = org(s);
        Some(match (s.kind, s.token_type) {
            _ if s.is_session() => Mechanism::new(
                "revoke the web session",
                format!(
                    "the user revokes it at github.com/settings/sessions (no admin API for web \
                     sessions); meanwhile DELETE /orgs/{o}/members/{} cuts its org access",
                    login(s)
                ),
            ),
            (_, Some(TokenType::Pat)) => match s.prop(&["credential_id"]) {
                Some(cred) => Mechanism::new(
                    "remove the PAT's SAML SSO authorization",
                    format!(
                        "DELETE /orgs/{o}/credential-authorizations/{cred} (the token keeps working \
                         outside SAML orgs: the owner deletes it at github.com/settings/tokens)"
                    ),
                ),
                None => {
                    let pat = or(
                        s.prop(&["pat_id", "pat_grant_id"])
                            .or_else(|| trailing_number(id)),
                        "{pat_id}",
                    );
                    Mechanism::new(
                        "revoke the fine-grained PAT's access to the organization",
                        format!(
                            "POST /orgs/{o}/personal-access-tokens/{pat} {{\"action\":\"revoke\"}} \
                             (with a GitHub App token; the PAT still works outside the org: the \
                             owner deletes it at github.com/settings/personal-access-tokens)"
                        ),
                    )
                }
            },
            _ if is_installation(s) => Mechanism::new(
                "suspend the app installation",
                suspend_installation(&installation(s)),
            ),
            (_, Some(TokenType::PrivateKey)) => {
                let deploy_key = s
                    .prop(&["key_id", "deploy_key_id"])
                    .zip(s.prop(&["repo", "repository"]))
                    .or_else(|| {
                        id.rsplit_once("/keys/")
                            .map(|(repo, key)| (key.to_string(), repo.to_string()))
                    });
                match deploy_key {
                    Some((key, repo)) => Mechanism::new(
                        "delete the deploy key",
                        format!("DELETE /repos/{repo}/keys/{key}"),
                    ),
                    None => Mechanism::new(
                        "rotate the GitHub App private key",
                        format!(
                            "GitHub App settings > Private keys: generate a new key, deploy it, then \
                             delete the key {}",
                            or(s.prop(&["fingerprint"]), id)
                        ),
                    ),
                }
            }
            (NodeKind::OauthGrant, _) | (_, Some(TokenType::Access | TokenType::Refresh)) => {
                let client = or(s.client_id(), "{client_id}");
                let app = or(s.prop(&["oauth_app", "app_name"]), &client);
                let saml = s
                    .prop(&["credential_id"])
                    .map(|cred| format!("; then DELETE /orgs/{o}/credential-authorizations/{cred}"))
                    .unwrap_or_default();
                Mechanism::new(
                    "revoke the OAuth authorization",
                    format!(
                        "the user revokes {app} at github.com/settings/applications (Authorized \
                         OAuth Apps > Revoke); only the app owner can call \
                         DELETE /applications/{client}/grant (Basic auth client_id:client_secret \
                         plus the token itself){saml}"
                    ),
                )
            }
            (_, Some(TokenType::Password)) => Mechanism::new(
                "reset password",
                format!(
                    "the user changes it at github.com/settings/security and reviews SSH keys and \
                     tokens; meanwhile DELETE /orgs/{o}/members/{} cuts its org access",
                    login(s)
                ),
            ),
            _ => return None,
        })
    }

    pub(super) fn inspect(p: &Place) -> Option<Mechanism> {
        let since = &p.since;
        let actions = "org.add_member, repo.add_member, personal_access_token.access_granted, \
                       org_credential_authorization.grant, oauth_authorization.create, \
                       integration_installation.create, public_key.create, git.clone";
        Some(match (p.kind, p.id.split_once('/')) {
            (NodeKind::Resource, Some((owner, repo))) => Mechanism::new(
                "review deploy keys, webhooks and access to the repository",
                format!(
                    "GET /repos/{owner}/{repo}/keys (deploy keys created since {since}); then \
                     GET /repos/{owner}/{repo}/hooks (webhooks); then \
                     GET /orgs/{owner}/audit-log?phrase=repo:{owner}/{repo} created:>={since}&include=all \
                     (git.clone, public_key.create, repo.add_member)"
                ),
            ),
            (NodeKind::App | NodeKind::Idp, _) => {
                let org = p.id;
                Mechanism::new(
                    "review the organization audit log and new integrations",
                    format!(
                        "GET /orgs/{org}/audit-log?phrase=created:>={since}&include=all ({actions}); \
                         then GET /orgs/{org}/installations and \
                         GET /orgs/{org}/personal-access-tokens for anything new since {since}"
                    ),
                )
            }
            _ => return None,
        })
    }

    pub(super) fn recover(s: &Subject) -> Option<Mechanism> {
        if s.kind != NodeKind::User {
            return None;
        }
        Some(Mechanism::new(
            "owner resets 2FA, password and keys, then rejoin",
            format!(
                "the user, at github.com/settings/security: change the password, regenerate \
                 recovery codes and remove unknown 2FA methods; then github.com/settings/keys, \
                 /settings/tokens, /settings/personal-access-tokens and /settings/applications: \
                 delete what they do not recognise; then PUT /orgs/{}/memberships/{}",
                org(s),
                login(s)
            ),
        ))
    }

    pub(super) fn persistence(s: &Subject, since: &str) -> Option<Mechanism> {
        let id = s.native_id;
        Some(match (s.kind, id.split_once('/')) {
            (NodeKind::Resource, Some((owner, repo))) => Mechanism::new(
                "remove deploy keys, webhooks and collaborators added since the compromise",
                format!(
                    "GET /repos/{owner}/{repo}/keys: DELETE /repos/{owner}/{repo}/keys/{{key_id}} for \
                     each created since {since}; then GET /repos/{owner}/{repo}/hooks: remove unknown \
                     webhooks; then GET /repos/{owner}/{repo}/collaborators: remove new ones"
                ),
            ),
            (NodeKind::App | NodeKind::Idp, _) => Mechanism::new(
                "remove app installations, PAT grants, credential authorizations and members added since the compromise",
                format!(
                    "GET /orgs/{id}/installations: DELETE /app/installations/{{installation_id}} (App \
                     JWT, or the org settings UI) for those created since {since}; then \
                     GET /orgs/{id}/personal-access-tokens: POST /orgs/{id}/personal-access-tokens \
                     {{\"action\":\"revoke\",\"pat_ids\":[...]}} for grants since {since}; then \
                     GET /orgs/{id}/credential-authorizations: DELETE /orgs/{id}/credential-authorizations/{{credential_id}} \
                     for new ones; then GET /orgs/{id}/members?role=admin: \
                     DELETE /orgs/{id}/members/{{username}} for unknown members"
                ),
            ),
            (NodeKind::ServiceAccount, _) => Mechanism::new(
                "remove the GitHub App's new private keys and installations",
                format!(
                    "GitHub App settings > Private keys: delete keys generated since {since}; then \
                     GET /orgs/{}/installations: check its permissions and repositories",
                    org(s)
                ),
            ),
            _ => return None,
        })
    }
}

// ------------------------------------------------------------------------------------------------
// Slack (§5.4)

mod slack {
    use super::*;

    const API: &str = "https://slack.com/api";

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
            || s.native_id.starts_with("bot")
            || s.native_id.starts_with("xoxb")
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

    /// Sessions are user sessions: bot and app tokens survive a session reset and go with the app
    /// (§8).
    pub(super) fn revoke(s: &Subject, c: &Ctx) -> Option<Mechanism> {
        let u = user(s);
        Some(match s.kind {
            _ if s.is_session() && c.rev == Revocation::PerApp => Mechanism::new(
                "invalidate this session",
                format!(
                    "POST {API}/admin.users.session.invalidate session_id={} team_id={} user_id={u} \
                     (unconfirmed which of team_id / user_id is enforced: send both)",
                    s.native_id,
                    team(s)
                ),
            ),
            _ if s.is_session() => Mechanism::new(
                "wipe every session of the user",
                format!("POST {API}/admin.users.session.reset user_id={u}"),
            ),
            NodeKind::OauthGrant => {
                Mechanism::new("uninstall and restrict the app", uninstall(s))
            }
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
}

// ------------------------------------------------------------------------------------------------
// AWS IAM (§6.5)

mod aws {
    use super::*;

    /// The name after `marker` in an ARN: the last path segment (IAM names exclude the path), or
    /// for `:assumed-role/` the role part of `role/session`.
    fn arn_name<'a>(arn: &'a str, marker: &str) -> Option<&'a str> {
        let rest = &arn[arn.find(marker)? + marker.len()..];
        let name = if marker == ":assumed-role/" {
            rest.split('/').next()
        } else {
            rest.rsplit('/').next()
        };
        name.filter(|n| !n.is_empty())
    }

    /// The role name from a role ARN, an assumed-role ARN or a bare name.
    fn role_name(v: &str) -> Option<&str> {
        arn_name(v, ":role/")
            .or_else(|| arn_name(v, ":assumed-role/"))
            .or_else(|| (!v.contains(':') && !v.is_empty()).then_some(v))
    }

    fn role(s: &Subject) -> Option<String> {
        s.role
            .and_then(role_name)
            .map(str::to_string)
            .or_else(|| {
                s.prop(&["assumed_role", "role_arn", "roleArn", "role_name"])
                    .and_then(|v| role_name(&v).map(str::to_string))
            })
            .or_else(|| {
                s.account_of(&[NodeKind::Role])
                    .and_then(role_name)
                    .map(str::to_string)
            })
    }

    /// The IAM user name: from the account's ARN, else props.
    fn user_name(s: &Subject) -> Option<String> {
        s.account
            .and_then(|(_, id, _)| arn_name(id, ":user/"))
            .map(str::to_string)
            .or_else(|| s.prop(&["user_name", "UserName", "userName"]))
    }

    /// The documented "Revoke active sessions" policy: deny everything to credentials issued
    /// before the cut-off. Long-term keys carry no aws:TokenIssueTime, so the condition never
    /// matches them; new sessions are unaffected.
    fn deny_older(now: &str) -> String {
        format!(
            r#"'{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{{"DateLessThan":{{"aws:TokenIssueTime":"{now}"}}}}}}]}}'"#
        )
    }

    const DENY_ALL: &str = r#"'{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"]}]}'"#;
    const QUARANTINE: &str = "HeirQuarantineDenyAll";

    fn deny_role_sessions(role: &str, now: &str) -> String {
        format!(
            "aws iam put-role-policy --role-name {role} --policy-name AWSRevokeOlderSessions \
             --policy-document {}",
            deny_older(now)
        )
    }

    /// IAM has no "suspend": an explicit deny-all inline policy overrides every allow, stops the
    /// user's keys and the temporary credentials they minted at once, and is undone by deleting
    /// the policy.
    pub(super) fn contain(s: &Subject) -> Option<Mechanism> {
        let id = s.native_id;
        if let Some(user) = arn_name(id, ":user/") {
            return Some(Mechanism::new(
                "quarantine IAM user (explicit deny-all)",
                format!(
                    "aws iam put-user-policy --user-name {user} --policy-name {QUARANTINE} \
                     --policy-document {DENY_ALL}; then aws iam delete-login-profile --user-name {user} \
                     (if it has a console password)"
                ),
            ));
        }
        Some(match s.kind {
            NodeKind::Role => {
                let role = role_name(id).unwrap_or(id);
                Mechanism::new(
                    "deny the role's existing sessions and stop new ones",
                    format!(
                        "{}; then aws iam update-assume-role-policy --role-name {role} \
                         --policy-document {{trustPolicyWithoutTheCompromisedPrincipal}}",
                        deny_role_sessions(role, NOW_PLACEHOLDER)
                    ),
                )
            }
            NodeKind::User | NodeKind::ServiceAccount => Mechanism::new(
                "disable IAM Identity Center user",
                format!(
                    "IAM Identity Center console > Users > {}: disable user access and revoke its \
                     active sessions (API unconfirmed)",
                    s.who()
                ),
            ),
            NodeKind::Workload => {
                if let Some(function) = arn_name(id, ":function:") {
                    Mechanism::new(
                        "stop the function (reserved concurrency 0)",
                        format!(
                            "aws lambda put-function-concurrency --function-name {function} \
                             --reserved-concurrent-executions 0"
                        ),
                    )
                } else if let Some(instance) =
                    arn_name(id, ":instance/").or_else(|| id.starts_with("i-").then_some(id))
                {
                    Mechanism::new(
                        "isolate the instance (quarantine security group)",
                        format!(
                            "aws ec2 modify-instance-attribute --instance-id {instance} --groups \
                             {{quarantineSecurityGroupId}} (no inbound/outbound rules; keep the \
                             instance running for forensics)"
                        ),
                    )
                } else {
                    return None;
                }
            }
            _ => return None,
        })
    }

    /// STS credentials cannot be deleted, only denied: AWSRevokeOlderSessions denies everything to
    /// credentials issued before the cut-off. New AssumeRole calls still work, so the trust policy
    /// must be fixed too; service-linked roles cannot be restricted; root-issued temporary
    /// credentials cannot be restricted at all. Policies take seconds to minutes to propagate.
    /// Deactivating an access key does not kill the session tokens minted with it
    /// (GetSessionToken), hence the user-level deny after the key is gone.
    pub(super) fn revoke(s: &Subject, c: &Ctx) -> Option<Mechanism> {
        let id = s.native_id;
        let now = &c.now;
        let is_key = s.token_type == Some(TokenType::AccessKey) || id.starts_with("AKIA");
        Some(match s.token_type {
            _ if is_key => {
                let u = or(user_name(s), "{userName}");
                Mechanism::new(
                    "deactivate and delete access key",
                    format!(
                        "aws iam update-access-key --user-name {u} --access-key-id {id} --status Inactive; \
                         then aws iam delete-access-key --user-name {u} --access-key-id {id}; \
                         then aws iam put-user-policy --user-name {u} --policy-name AWSRevokeOlderSessions \
                         --policy-document {}",
                        deny_older(now)
                    ),
                )
            }
            Some(TokenType::Password) => {
                let u = or(user_name(s), "{userName}");
                Mechanism::new(
                    "remove the console password",
                    format!("aws iam delete-login-profile --user-name {u}"),
                )
            }
            Some(TokenType::PrivateKey) => {
                let u = or(user_name(s), "{userName}");
                Mechanism::new(
                    "deactivate the signing certificate",
                    format!(
                        "aws iam update-signing-certificate --user-name {u} --certificate-id {id} \
                         --status Inactive"
                    ),
                )
            }
            _ => match (role(s), user_name(s)) {
                (Some(role), _) => Mechanism::new(
                    "deny the role's sessions issued before now (compensating control)",
                    deny_role_sessions(&role, now),
                )
                .compensating(format!(
                    "STS credentials cannot be revoked: every session of role {role} issued before \
                     {now} is denied (new AssumeRole calls still work: also fix the trust policy \
                     with aws iam update-assume-role-policy)"
                )),
                (None, Some(u)) => Mechanism::new(
                    "deny the user's temporary credentials issued before now (compensating control)",
                    format!(
                        "aws iam put-user-policy --user-name {u} --policy-name AWSRevokeOlderSessions \
                         --policy-document {}",
                        deny_older(now)
                    ),
                )
                .compensating(format!(
                    "temporary credentials cannot be revoked: those of IAM user {u} issued before \
                     {now} are denied (root-issued ones cannot be restricted)"
                )),
                (None, None) if s.is_session() => Mechanism::new(
                    "revoke the IAM Identity Center session",
                    format!(
                        "IAM Identity Center console > Users > {}: revoke active sessions (API \
                         unconfirmed); the role credentials it already issued are STS sessions: \
                         {}",
                        s.account_label().unwrap_or_else(|| "{user}".to_string()),
                        deny_role_sessions("{permissionSetRoleName}", now)
                    ),
                )
                .compensating(
                    "role credentials already issued cannot be revoked: deny them by issue time on \
                     the permission-set role",
                ),
                (None, None) => Mechanism::new(
                    "deny the role's sessions issued before now (compensating control)",
                    deny_role_sessions("{roleName}", now),
                )
                .compensating(
                    "STS credentials cannot be revoked: deny every session of the role issued \
                     before now",
                ),
            },
        })
    }

    pub(super) fn inspect(p: &Place) -> Option<Mechanism> {
        let (id, since) = (p.id, &p.since);
        let account = id
            .split(':')
            .nth(4)
            .filter(|a| !a.is_empty())
            .or_else(|| id.bytes().all(|b| b.is_ascii_digit()).then_some(id))
            .map(|a| format!("in account {a}: "))
            .unwrap_or_default();
        let by_event = format!(
            "aws cloudtrail lookup-events --start-time {since} --lookup-attributes \
             AttributeKey=EventName,AttributeValue={{EventName}} for each of CreateAccessKey, \
             CreateUser, CreateLoginProfile, AttachRolePolicy, PutRolePolicy, AttachUserPolicy, \
             UpdateAssumeRolePolicy, CreateRole (one event name per call)"
        );
        Some(match p.kind {
            NodeKind::Resource | NodeKind::Workload => {
                let resource = id.strip_prefix("arn:aws:s3:::").unwrap_or(id);
                let s3 = if id.starts_with("arn:aws:s3:::") {
                    " (object reads need CloudTrail data events or S3 server access logs)"
                } else {
                    ""
                };
                Mechanism::new(
                    "review access to the resource in CloudTrail",
                    format!(
                        "{account}aws cloudtrail lookup-events --start-time {since} \
                         --lookup-attributes AttributeKey=ResourceName,AttributeValue={resource}{s3}"
                    ),
                )
            }
            NodeKind::Role => {
                let role = role_name(id).unwrap_or(id);
                Mechanism::new(
                    "review the role's trust, policies and use",
                    format!(
                        "{account}aws iam get-role --role-name {role} (trust policy); then \
                         aws iam list-attached-role-policies --role-name {role} and \
                         aws iam list-role-policies --role-name {role}; then \
                         aws cloudtrail lookup-events --start-time {since} --lookup-attributes \
                         AttributeKey=ResourceName,AttributeValue={id}"
                    ),
                )
            }
            _ => Mechanism::new(
                "review IAM changes in CloudTrail",
                format!(
                    "{account}{by_event}; then aws iam generate-credential-report and \
                     aws iam get-credential-report (access keys created since {since})"
                ),
            ),
        })
    }

    pub(super) fn recover(s: &Subject) -> Option<Mechanism> {
        let user = arn_name(s.native_id, ":user/")?;
        Some(Mechanism::new(
            "check MFA and keys, reset the password, then lift the quarantine",
            format!(
                "aws iam list-mfa-devices --user-name {user} (aws iam deactivate-mfa-device for any \
                 the owner does not recognise); then aws iam list-access-keys --user-name {user}; \
                 then aws iam update-login-profile --user-name {user} --password-reset-required \
                 (if it has a console password); then aws iam delete-user-policy --user-name {user} \
                 --policy-name {QUARANTINE}"
            ),
        ))
    }

    pub(super) fn persistence(s: &Subject, since: &str) -> Option<Mechanism> {
        let id = s.native_id;
        if let Some(user) = arn_name(id, ":user/") {
            return Some(Mechanism::new(
                "remove access keys and policies added since the compromise",
                format!(
                    "aws iam list-access-keys --user-name {user}: for each key created since \
                     {since}, aws iam update-access-key --user-name {user} --access-key-id {{AccessKeyId}} \
                     --status Inactive then aws iam delete-access-key --user-name {user} \
                     --access-key-id {{AccessKeyId}}; then aws iam list-attached-user-policies \
                     --user-name {user} and aws iam list-user-policies --user-name {user}; then \
                     aws iam list-ssh-public-keys --user-name {user} and \
                     aws iam list-signing-certificates --user-name {user}"
                ),
            ));
        }
        if let Some(role) = arn_name(id, ":role/") {
            return Some(Mechanism::new(
                "revert trust-policy and permission changes on the role",
                format!(
                    "aws iam get-role --role-name {role}: restore the trust policy with \
                     aws iam update-assume-role-policy --role-name {role} --policy-document {{knownGoodTrustPolicy}}; \
                     then aws iam list-attached-role-policies --role-name {role} and \
                     aws iam list-role-policies --role-name {role}: detach-role-policy / \
                     delete-role-policy what was added since {since}"
                ),
            ));
        }
        Some(match s.kind {
            NodeKind::App | NodeKind::Idp => Mechanism::new(
                "remove users, keys, roles and federation added since the compromise",
                format!(
                    "in account {id}: aws iam list-users and aws iam list-roles (CreateDate since \
                     {since}); then aws iam list-access-keys --user-name {{userName}} per user \
                     (delete keys created since {since}); then \
                     aws iam list-open-id-connect-providers and aws iam list-saml-providers \
                     (delete-open-id-connect-provider for unknown ones); then CloudTrail \
                     CreateUser, CreateAccessKey, CreateRole, UpdateAssumeRolePolicy since {since}"
                ),
            ),
            _ => return None,
        })
    }
}

// ------------------------------------------------------------------------------------------------
// Kubernetes (§7)

mod k8s {
    use super::*;

    /// (cluster, namespace, name) of a native id: `cluster/ns/name…`, `ns/name`, or a bare name.
    fn parts(id: &str) -> (Option<&str>, String, String) {
        let p: Vec<&str> = id.split('/').collect();
        match p.as_slice() {
            [name] => (None, "{namespace}".to_string(), name.to_string()),
            [ns, name] => (None, ns.to_string(), name.to_string()),
            [cluster, ns, rest @ ..] => (Some(cluster), ns.to_string(), rest.join("/")),
            [] => (None, "{namespace}".to_string(), "{name}".to_string()),
        }
    }

    /// Commands for a cluster other than the current context say which cluster they are for.
    fn on(cluster: Option<&str>, how: String) -> String {
        match cluster {
            Some(c) => format!("on cluster {c}: {how}"),
            None => how,
        }
    }

    /// The Deployment of a pod named `deploy-<replicaset hash>-<suffix>`, when the name has that
    /// shape.
    fn deployment_of(pod: &str) -> Option<&str> {
        let mut it = pod.rsplitn(3, '-');
        let (suffix, hash, base) = (it.next()?, it.next()?, it.next()?);
        let alnum = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric());
        (suffix.len() == 5 && (6..=10).contains(&hash.len()) && alnum(suffix) && alnum(hash))
            .then_some(base)
    }

    pub(super) fn contain(s: &Subject) -> Option<Mechanism> {
        let (cluster, ns, name) = parts(s.native_id);
        Some(match s.kind {
            NodeKind::ServiceAccount => Mechanism::new(
                "delete the service account (invalidates every token it has)",
                on(
                    cluster,
                    format!(
                        "kubectl -n {ns} delete serviceaccount {name} (recreate it if needed: the \
                         new one gets a new UID, which old tokens do not match)"
                    ),
                ),
            ),
            NodeKind::Workload => {
                let deployment = s
                    .prop(&["deployment"])
                    .or_else(|| deployment_of(&name).map(str::to_string));
                let delete = format!("kubectl -n {ns} delete pod {name}");
                let how = match deployment {
                    Some(d) => {
                        format!("kubectl -n {ns} scale deployment {d} --replicas=0; then {delete}")
                    }
                    None => delete,
                };
                Mechanism::new(
                    "stop the pod (its bound tokens die with it)",
                    on(cluster, how),
                )
            }
            NodeKind::User => Mechanism::new(
                "remove the user's RBAC bindings",
                on(
                    cluster,
                    format!(
                        "kubectl get rolebindings,clusterrolebindings -A -o json: delete each \
                         binding with subject kind User name {} (kubectl -n {{namespace}} delete \
                         rolebinding {{name}} / kubectl delete clusterrolebinding {{name}}); revoke \
                         the user at the IdP (OIDC) — Kubernetes cannot revoke x509 client \
                         certificates (rotate the CA)",
                        s.name.unwrap_or(&name)
                    ),
                ),
            ),
            _ => return None,
        })
    }

    /// A legacy token Secret mints a non-expiring token: deleting the Secret makes the API server
    /// reject it. A bound (projected) token is bound to its pod: deleting the pod invalidates it.
    /// Cloud credentials already exchanged with either (IRSA, Workload Identity) live until their
    /// own expiry (§8).
    pub(super) fn revoke(s: &Subject, c: &Ctx) -> Option<Mechanism> {
        let (cluster, ns, name) = parts(s.native_id);
        Some(match (s.token_type, c.rev) {
            (_, Revocation::TtlOnly) => {
                let pod = or(
                    s.prop(&["pod", "bound_to"])
                        .map(|b| b.strip_prefix("pod ").unwrap_or(&b).to_string()),
                    "{pod}",
                );
                Mechanism::new(
                    "delete the pod the token is bound to",
                    on(cluster, format!("kubectl -n {ns} delete pod {pod}")),
                )
                .compensating(
                    "a bound service-account token cannot be revoked on its own: it dies with the \
                     pod it is bound to, or at expiry; cloud credentials already exchanged with it \
                     (IRSA / Workload Identity) live until their own expiry",
                )
            }
            (Some(TokenType::Password | TokenType::PrivateKey), _) => Mechanism::new(
                "remove the credential's bindings (x509 cannot be revoked)",
                on(
                    cluster,
                    format!(
                        "delete the RoleBindings / ClusterRoleBindings naming {} (kubectl get \
                         rolebindings,clusterrolebindings -A -o json); Kubernetes cannot revoke a \
                         client certificate: rotate the cluster CA if it must die",
                        s.account_label().unwrap_or_else(|| s.who())
                    ),
                ),
            ),
            _ if s.kind == NodeKind::Token => {
                let (ns, secret) = match s.prop(&["secret"]).as_deref().map(parts) {
                    Some((_, sns, sname)) if !sns.starts_with('{') => (sns, sname),
                    Some((_, _, sname)) => (ns, sname),
                    None => (ns, name),
                };
                Mechanism::new(
                    "delete the token Secret",
                    on(cluster, format!("kubectl -n {ns} delete secret {secret}")),
                )
            }
            _ => return None,
        })
    }

    pub(super) fn inspect(p: &Place) -> Option<Mechanism> {
        let since = &p.since;
        let (cluster, _, _) = parts(p.id);
        let cluster = cluster.unwrap_or(p.id);
        Some(Mechanism::new(
            "review the cluster audit log and new RBAC objects",
            format!(
                "cluster {cluster} audit log since {since}: create/update/patch/delete on secrets, \
                 serviceaccounts, serviceaccounts/token, rolebindings, clusterrolebindings and \
                 pods/exec; then kubectl get secrets,serviceaccounts,rolebindings,clusterrolebindings \
                 -A --sort-by=.metadata.creationTimestamp"
            ),
        ))
    }

    pub(super) fn recover(_s: &Subject) -> Option<Mechanism> {
        None
    }

    pub(super) fn persistence(s: &Subject, since: &str) -> Option<Mechanism> {
        let (cluster, ns, name) = parts(s.native_id);
        Some(match s.kind {
            NodeKind::ServiceAccount => Mechanism::new(
                "remove the service account's new tokens, bindings and cloud trust",
                on(
                    cluster,
                    format!(
                        "kubectl -n {ns} get secrets -o json: delete service-account-token Secrets \
                         for {name} created since {since}; then delete RoleBindings / \
                         ClusterRoleBindings naming it that were added since {since}; then check \
                         kubectl -n {ns} get serviceaccount {name} -o yaml for cloud annotations \
                         (eks.amazonaws.com/role-arn, iam.gke.io/gcp-service-account, \
                         azure.workload.identity/client-id) and remove the cloud-side trust too"
                    ),
                ),
            ),
            _ => Mechanism::new(
                "remove secrets, service accounts and bindings created since the compromise",
                on(
                    cluster.or(Some(s.native_id).filter(|_| s.kind == NodeKind::App)),
                    format!(
                        "kubectl get secrets,serviceaccounts,rolebindings,clusterrolebindings -A -o \
                         json: delete those with metadata.creationTimestamp since {since} that \
                         nobody can vouch for"
                    ),
                ),
            ),
        })
    }
}

// ------------------------------------------------------------------------------------------------
// Everything else

mod generic {
    use super::*;

    pub(super) fn contain(s: &Subject) -> Mechanism {
        let who = s.who();
        let platform = s.platform;
        match s.kind {
            NodeKind::User | NodeKind::ServiceAccount => Mechanism::new(
                "disable account",
                format!(
                    "{platform} admin console: suspend or disable {who} so it accepts no new \
                     sign-in (if it is provisioned by SCIM, deprovision it at the IdP)"
                ),
            ),
            NodeKind::Device => {
                let mdm = s
                    .prop(&["mdm"])
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default();
                let edr = s
                    .prop(&["edr"])
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default();
                Mechanism::new(
                    "isolate device",
                    format!(
                        "EDR console{edr}: network-isolate {who}, keeping it powered on for \
                         forensics; then MDM{mdm}: mark it non-compliant or lock it so \
                         managed-device conditions stop trusting it"
                    ),
                )
            }
            NodeKind::Workload => Mechanism::new(
                "quarantine workload",
                format!(
                    "stop {who} (cancel its jobs, stop the process or instance) and block its \
                     egress, keeping its disk for forensics; then rotate every credential it held"
                ),
            ),
            NodeKind::App => Mechanism::new(
                "disable the integration",
                format!(
                    "disconnect {who}: disable or uninstall it on every platform it is connected \
                     to and revoke its OAuth grants and tokens there; ask the vendor to disable \
                     its access"
                ),
            ),
            NodeKind::Idp => Mechanism::new(
                "cut federation from the IdP",
                format!(
                    "disable the SAML/OIDC trust in {who} in every relying platform until its \
                     signing keys and admin sessions are known clean"
                ),
            ),
            _ => Mechanism::new(
                "restrict access",
                format!("{platform}: remove the members and permissions of {who}"),
            ),
        }
    }

    /// A collector that knows the exact call for a credential records it as props `revoke_via`;
    /// that beats any generic wording.
    pub(super) fn revoke(s: &Subject, c: &Ctx) -> Mechanism {
        let who = s.who();
        let platform = s.platform;
        let of = s
            .account_label()
            .map(|a| format!(" of {a}"))
            .unwrap_or_default();
        let action = match c.rev {
            Revocation::Central => "revoke centrally",
            Revocation::PerApp => "revoke in the app",
            Revocation::TtlOnly => "block until expiry (compensating control)",
            Revocation::None if s.token_type == Some(TokenType::Password) => "reset password",
            Revocation::None => "rotate at the issuer",
        };
        if let Some(via) = s.prop(&["revoke_via"]) {
            return Mechanism::new(action, via);
        }
        let how = match c.rev {
            Revocation::Central => format!(
                "{platform} admin console: revoke {who}{of} (one revocation kills it and what it \
                 minted)"
            ),
            Revocation::PerApp => format!(
                "{platform}: revoke {who}{of} in the app that holds it (sign out the session or \
                 revoke the token there)"
            ),
            Revocation::TtlOnly => format!(
                "{platform}: block {who}{of} at the resource it reaches (deny its client, IP or \
                 account) until it expires"
            ),
            Revocation::None if s.token_type == Some(TokenType::Password) => {
                format!("{platform}: reset the password{of}, then sign out its sessions")
            }
            Revocation::None => format!(
                "{platform}: issue a replacement for {who}, deploy it where the old one is used, \
                 then delete the old one at the issuer"
            ),
        };
        Mechanism::new(action, how)
    }

    pub(super) fn inspect(p: &Place) -> Mechanism {
        Mechanism::new(
            "review the audit log since the compromise",
            format!(
                "{} audit log for {} since {}: new users and admin grants, new API keys, tokens, \
                 OAuth apps and consents, webhooks and forwarding rules, data exports and unusual \
                 downloads",
                p.platform,
                p.label(),
                p.since
            ),
        )
    }

    pub(super) fn recover(s: &Subject) -> Mechanism {
        Mechanism::new(
            "reset MFA, recovery details and password, then re-enable",
            format!(
                "{}: reset the MFA factors of {} and re-enrol them with the owner in person; \
                 check the recovery email and phone; reset the password; then re-enable the \
                 account",
                s.platform,
                s.who()
            ),
        )
    }

    pub(super) fn persistence(s: &Subject, since: &str) -> Mechanism {
        Mechanism::new(
            "remove credentials, owners and grants added since the compromise",
            format!(
                "{}: list the keys, tokens, secrets, owners, OAuth grants, webhooks and accounts \
                 created on {} since {since} and delete those nobody can vouch for",
                s.platform,
                s.who()
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    fn props(v: serde_json::Value) -> Props {
        match v {
            Value::Object(m) => m,
            _ => Props::new(),
        }
    }

    fn subject<'a>(
        platform: &'a str,
        kind: NodeKind,
        native_id: &'a str,
        props: &'a Props,
    ) -> Subject<'a> {
        Subject {
            platform,
            kind,
            token_type: None,
            revocation: None,
            native_id,
            name: None,
            account: None,
            client: None,
            role: None,
            props,
            expires_at: None,
        }
    }

    const NOW: &str = "2026-11-20T10:00:00Z";

    #[test]
    fn okta_session_central_kills_sessions_and_oauth_tokens() {
        let p = Props::new();
        let s = Subject {
            revocation: Some(Revocation::Central),
            account: Some((
                NodeKind::User,
                "00u1dk4m7PqR2sT9x0h8",
                Some("dana.kim@acme.example"),
            )),
            ..subject("okta", NodeKind::Session, "102Dk9vQm3TZsW8yLpA4rXc", &p)
        };
        let m = revoke(&s, t(NOW));
        assert_eq!(
            m.how,
            "DELETE /api/v1/users/00u1dk4m7PqR2sT9x0h8/sessions?oauthTokens=true"
        );
        assert_eq!(m.compensating, None);
    }

    #[test]
    fn okta_refresh_token_per_client() {
        let p = Props::new();
        let s = Subject {
            token_type: Some(TokenType::Refresh),
            revocation: Some(Revocation::PerApp),
            account: Some((NodeKind::User, "00u1abcXYZ0001", None)),
            client: Some("0oa9expenseFAKE"),
            ..subject("Okta", NodeKind::Token, "oar1rtFAKE0001", &p)
        };
        assert_eq!(
            revoke(&s, t(NOW)).how,
            "DELETE /api/v1/users/00u1abcXYZ0001/clients/0oa9expenseFAKE/tokens"
        );
    }

    #[test]
    fn okta_per_app_session_names_the_unconfirmed_id_mapping() {
        let p = Props::new();
        let s = Subject {
            revocation: Some(Revocation::PerApp),
            account: Some((NodeKind::User, "00u1abcXYZ0001", None)),
            ..subject("okta", NodeKind::Session, "102FakeSessionAbCdEf12", &p)
        };
        let how = revoke(&s, t(NOW)).how;
        assert!(
            how.starts_with("DELETE /api/v1/sessions/102FakeSessionAbCdEf12 (unconfirmed"),
            "{how}"
        );
    }

    #[test]
    fn entra_user_session_revoke() {
        let p = Props::new();
        let s = Subject {
            revocation: Some(Revocation::Central),
            account: Some((NodeKind::User, "a1b2c3d4-0000-4000-8000-00000000aaaa", None)),
            ..subject(
                "m365",
                NodeKind::Session,
                "3e3e3e3e-0000-4000-8000-000000000e03",
                &p,
            )
        };
        let m = revoke(&s, t(NOW));
        assert_eq!(
            m.how,
            "POST /users/a1b2c3d4-0000-4000-8000-00000000aaaa/revokeSignInSessions"
        );
        // Same table under every Microsoft alias.
        for alias in ["entra", "ENTRA", "azure", "Microsoft"] {
            assert_eq!(
                revoke(
                    &Subject {
                        platform: alias,
                        ..s
                    },
                    t(NOW)
                )
                .how,
                m.how
            );
        }
    }

    #[test]
    fn entra_client_secret_remove_password() {
        let app = "0d4e8b2f-7a1c-4f3e-9b6d-5c2a8e1f4d07";
        let cases = [
            (
                props(
                    serde_json::json!({"keyId": "5b2e9f1c-8d4a-4e7b-a3c6-1f0d9e8b7a52", "application_objectId": app}),
                ),
                "5b2e9f1c-8d4a-4e7b-a3c6-1f0d9e8b7a52",
            ),
            (
                props(
                    serde_json::json!({"key_id": "11111111-0000-4000-8000-000000000001", "application_objectId": app}),
                ),
                "11111111-0000-4000-8000-000000000001",
            ),
            (
                props(serde_json::json!({"application_objectId": app})),
                "native-key-id",
            ),
        ];
        for (p, key) in &cases {
            let s = Subject {
                token_type: Some(TokenType::ClientSecret),
                revocation: Some(Revocation::None),
                ..subject("entra", NodeKind::Token, "native-key-id", p)
            };
            let m = revoke(&s, t(NOW));
            assert_eq!(
                m.how,
                format!("POST /applications/{app}/removePassword {{\"keyId\":\"{key}\"}}")
            );
            assert_eq!(m.compensating, None);
        }
        // Only the client id known: the appId alternate key.
        let p = Props::new();
        let s = Subject {
            token_type: Some(TokenType::ClientSecret),
            client: Some("e7a19c4b-3f2d-4b8e-a5c1-9d0f6b3e2a18"),
            ..subject("entra", NodeKind::Token, "5b2e9f1c", &p)
        };
        assert_eq!(
            revoke(&s, t(NOW)).how,
            "POST /applications(appId='e7a19c4b-3f2d-4b8e-a5c1-9d0f6b3e2a18')/removePassword {\"keyId\":\"5b2e9f1c\"}"
        );
    }

    #[test]
    fn aws_access_key_rotate_uses_the_user_name_from_the_arn() {
        let p = props(serde_json::json!({"user_name": "ignored-when-arn-known"}));
        let s = Subject {
            token_type: Some(TokenType::AccessKey),
            account: Some((
                NodeKind::ServiceAccount,
                "arn:aws:iam::381492650217:user/ci/ci-deployer",
                Some("IAM user ci-deployer"),
            )),
            ..subject("aws", NodeKind::Token, "AKIA4XK7PLQ2ZB3MNC6D", &p)
        };
        let m = revoke(&s, t("2026-11-20T10:00:00.250Z"));
        assert_eq!(
            m.how,
            "aws iam update-access-key --user-name ci-deployer --access-key-id AKIA4XK7PLQ2ZB3MNC6D --status Inactive; \
             then aws iam delete-access-key --user-name ci-deployer --access-key-id AKIA4XK7PLQ2ZB3MNC6D; \
             then aws iam put-user-policy --user-name ci-deployer --policy-name AWSRevokeOlderSessions \
             --policy-document '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":[\"*\"],\
             \"Resource\":[\"*\"],\"Condition\":{\"DateLessThan\":{\"aws:TokenIssueTime\":\"2026-11-20T10:00:01Z\"}}}]}'"
        );
        assert_eq!(
            m.compensating, None,
            "an access key is rotated, not compensated"
        );
        assert_eq!(effective_revocation(&s), Revocation::None);
    }

    #[test]
    fn aws_sts_session_gets_a_deny_older_sessions_policy() {
        let p = Props::new();
        let s = Subject {
            token_type: Some(TokenType::Access),
            role: Some("arn:aws:iam::729104583612:role/prod-admin"),
            expires_at: Some(t("2026-11-20T11:00:00Z")),
            ..subject("AWS", NodeKind::Token, "ASIA2R7TQW9XKD4HVN3E", &p)
        };
        assert_eq!(effective_revocation(&s), Revocation::TtlOnly);
        let m = revoke(&s, t(NOW));
        assert_eq!(
            m.how,
            "aws iam put-role-policy --role-name prod-admin --policy-name AWSRevokeOlderSessions \
             --policy-document '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":[\"*\"],\
             \"Resource\":[\"*\"],\"Condition\":{\"DateLessThan\":{\"aws:TokenIssueTime\":\"2026-11-20T10:00:00Z\"}}}]}'"
        );
        let c = m
            .compensating
            .expect("ttl_only gets a compensating control");
        assert!(c.contains("role prod-admin") && c.contains(NOW), "{c}");
        assert!(c.ends_with("it expires at 2026-11-20T11:00:00Z"), "{c}");
        // The role from an assumed-role ARN in props, when the plan has none.
        let p = props(
            serde_json::json!({"assumed_role": "arn:aws:sts::729104583612:assumed-role/prod-deployer/ci-1"}),
        );
        let s = Subject {
            role: None,
            ..subject("aws", NodeKind::Token, "ASIA3VTPIQVGXX7YDRYQ", &p)
        };
        assert!(revoke(&s, t(NOW))
            .how
            .starts_with("aws iam put-role-policy --role-name prod-deployer "));
    }

    #[test]
    fn github_fine_grained_pat_org_revoke() {
        let p = props(serde_json::json!({"pat_grant_id": 1184302, "org": "acme"}));
        let s = Subject {
            token_type: Some(TokenType::Pat),
            revocation: Some(Revocation::Central),
            ..subject("github", NodeKind::Token, "pat-1184302", &p)
        };
        assert_eq!(
            revoke(&s, t(NOW)).how,
            "POST /orgs/acme/personal-access-tokens/1184302 {\"action\":\"revoke\"} (with a GitHub App \
             token; the PAT still works outside the org: the owner deletes it at \
             github.com/settings/personal-access-tokens)"
        );
        // A classic PAT authorised for SAML SSO: its credential authorization.
        let p = props(serde_json::json!({"credential_id": 161195, "org": "acme"}));
        let s = Subject {
            token_type: Some(TokenType::Pat),
            ..subject("github", NodeKind::Token, "x", &p)
        };
        assert!(revoke(&s, t(NOW))
            .how
            .starts_with("DELETE /orgs/acme/credential-authorizations/161195 "));
    }

    #[test]
    fn slack_session_reset_and_invalidate() {
        let p = props(serde_json::json!({"team_id": "T02ACME7Q"}));
        let s = Subject {
            revocation: Some(Revocation::Central),
            account: Some((NodeKind::User, "U05KD8M3QZP", Some("dana.kim"))),
            ..subject("slack", NodeKind::Session, "7144398812", &p)
        };
        assert_eq!(
            revoke(&s, t(NOW)).how,
            "POST https://slack.com/api/admin.users.session.reset user_id=U05KD8M3QZP"
        );
        let per_app = Subject {
            revocation: Some(Revocation::PerApp),
            ..s
        };
        assert_eq!(
            revoke(&per_app, t(NOW)).how,
            "POST https://slack.com/api/admin.users.session.invalidate session_id=7144398812 \
             team_id=T02ACME7Q user_id=U05KD8M3QZP (unconfirmed which of team_id / user_id is \
             enforced: send both)"
        );
    }

    #[test]
    fn k8s_legacy_token_secret_delete() {
        let p = props(serde_json::json!({"secret": "ci/deployer-token-x7k2p"}));
        let s = Subject {
            token_type: Some(TokenType::Other),
            revocation: Some(Revocation::None),
            ..subject(
                "k8s",
                NodeKind::Token,
                "prod-eks/ci/deployer-token-x7k2p",
                &p,
            )
        };
        assert_eq!(
            revoke(&s, t(NOW)).how,
            "on cluster prod-eks: kubectl -n ci delete secret deployer-token-x7k2p"
        );
        // `ns/name` ids, no props, type unknown: still the Secret.
        let p = Props::new();
        let s = subject("kubernetes", NodeKind::Token, "ci/deployer-token-x7k2p", &p);
        assert_eq!(
            revoke(&s, t(NOW)).how,
            "kubectl -n ci delete secret deployer-token-x7k2p"
        );
        // A bound token dies with its pod.
        let p = props(serde_json::json!({"bound_to": "pod payments-api-7d9f8c6b5-x2k4q"}));
        let s = Subject {
            token_type: Some(TokenType::Access),
            ..subject(
                "k8s",
                NodeKind::Token,
                "prod-eks/payments/payments-api/bound-dce8a6f1",
                &p,
            )
        };
        let m = revoke(&s, t(NOW));
        assert_eq!(
            m.how,
            "on cluster prod-eks: kubectl -n payments delete pod payments-api-7d9f8c6b5-x2k4q"
        );
        assert!(m.compensating.is_some());
    }

    #[test]
    fn google_service_account_key_disable_then_delete() {
        let p = props(serde_json::json!({"keyType": "USER_MANAGED"}));
        let s = Subject {
            token_type: Some(TokenType::PrivateKey),
            revocation: Some(Revocation::None),
            account: Some((
                NodeKind::ServiceAccount,
                "data-export@acme-prod-4821.iam.gserviceaccount.com",
                None,
            )),
            ..subject(
                "gcp",
                NodeKind::Token,
                "acme-prod-4821/keys/10db7040c9433b4c7a5731c81f7f841c3eddeb5b",
                &p,
            )
        };
        let key = "https://iam.googleapis.com/v1/projects/acme-prod-4821/serviceAccounts/\
                   data-export@acme-prod-4821.iam.gserviceaccount.com/keys/10db7040c9433b4c7a5731c81f7f841c3eddeb5b";
        assert_eq!(
            revoke(&s, t(NOW)).how,
            format!("POST {key}:disable; then DELETE {key}")
        );
    }

    #[test]
    fn google_session_central_signs_out_and_deletes_tokens() {
        let p = Props::new();
        let s = Subject {
            revocation: Some(Revocation::Central),
            account: Some((NodeKind::User, "103041189557990659397", None)),
            ..subject("google", NodeKind::Session, "keiUBTzGA8Lk4kD1foHm", &p)
        };
        assert_eq!(
            revoke(&s, t(NOW)).how,
            "POST /admin/directory/v1/users/103041189557990659397/signOut; then \
             DELETE /admin/directory/v1/users/103041189557990659397/tokens/{clientId} for each clientId \
             listed by GET /admin/directory/v1/users/103041189557990659397/tokens"
        );
    }

    #[test]
    fn generic_fallback_for_an_unknown_platform() {
        let p = Props::new();
        let s = Subject {
            token_type: Some(TokenType::ApiKey),
            name: Some("npm automation token"),
            ..subject("npm", NodeKind::Token, "npm-publish-3f2a91", &p)
        };
        let m = revoke(&s, t(NOW));
        assert_eq!(m.action, "rotate at the issuer");
        assert_eq!(
            m.how,
            "npm: issue a replacement for npm automation token (npm-publish-3f2a91), deploy it where \
             the old one is used, then delete the old one at the issuer"
        );
        assert_eq!(m.compensating, None);
        // A collector-recorded exact call wins over generic wording.
        let p = props(
            serde_json::json!({"revoke_via": "ALTER USER ETL_SVC REMOVE PROGRAMMATIC ACCESS TOKEN PAT_ETL_NW_01"}),
        );
        let s = Subject {
            revocation: Some(Revocation::Central),
            ..subject("snowflake", NodeKind::Token, "x", &p)
        };
        assert_eq!(
            revoke(&s, t(NOW)).how,
            "ALTER USER ETL_SVC REMOVE PROGRAMMATIC ACCESS TOKEN PAT_ETL_NW_01"
        );
        // ttl_only anywhere: compensating set.
        let p = Props::new();
        let s = Subject {
            token_type: Some(TokenType::Access),
            ..subject("vault", NodeKind::Token, "x", &p)
        };
        assert!(revoke(&s, t(NOW)).compensating.is_some());
        // Inspect and recover also fall back.
        assert!(
            inspect("ci", NodeKind::App, "acme", Some("Acme CI"), Some(t(NOW)))
                .how
                .starts_with("ci audit log for Acme CI (acme) since 2026-11-20T10:00:00Z")
        );
    }

    #[test]
    fn contain_okta_user_device_and_third_party_apps() {
        let p = Props::new();
        let user = subject("okta", NodeKind::User, "00u1dk4m7PqR2sT9x0h8", &p);
        let m = contain(&user);
        assert_eq!(m.action, "suspend account");
        assert_eq!(
            m.how,
            "POST /api/v1/users/00u1dk4m7PqR2sT9x0h8/lifecycle/suspend"
        );

        let dp = props(serde_json::json!({"mdm": "Jamf Pro"}));
        let device = Subject {
            name: Some("DANA-MBP-14"),
            ..subject("okta", NodeKind::Device, "guo9w1x3k5m7p2r4t6v8", &dp)
        };
        let m = contain(&device);
        assert_eq!(m.action, "isolate device");
        assert_eq!(
            m.how,
            "EDR console: network-isolate DANA-MBP-14 (guo9w1x3k5m7p2r4t6v8), keeping it powered on \
             for forensics; then MDM (Jamf Pro): mark it non-compliant or lock it so managed-device \
             conditions stop trusting it"
        );

        let okta_app = subject("okta", NodeKind::App, "0oa7salesFAKE", &p);
        assert_eq!(
            contain(&okta_app).how,
            "POST /api/v1/apps/0oa7salesFAKE/lifecycle/deactivate"
        );

        let entra_app = subject(
            "entra",
            NodeKind::App,
            "e7a19c4b-3f2d-4b8e-a5c1-9d0f6b3e2a18",
            &p,
        );
        assert_eq!(
            contain(&entra_app).how,
            "PATCH /servicePrincipals(appId='e7a19c4b-3f2d-4b8e-a5c1-9d0f6b3e2a18') {\"accountEnabled\": false}"
        );

        let ip = props(serde_json::json!({"installation_id": 93488510}));
        let gh_app = subject("github", NodeKind::App, "statusbot", &ip);
        assert_eq!(
            contain(&gh_app).how,
            "PUT /app/installations/93488510/suspended (with the App's JWT; org owners: organization \
             Settings > GitHub Apps > Configure > Suspend)"
        );

        let sp = props(serde_json::json!({"team_id": "T02ACME7Q"}));
        let slack_app = subject("slack", NodeKind::App, "A03XSD5LGHL", &sp);
        assert_eq!(
            contain(&slack_app).how,
            "POST https://slack.com/api/admin.apps.uninstall app_id=A03XSD5LGHL team_ids=T02ACME7Q; then \
             POST https://slack.com/api/admin.apps.restrict app_id=A03XSD5LGHL team_id=T02ACME7Q \
             (parameter names unconfirmed)"
        );

        let other = Subject {
            name: Some("Statusbot"),
            ..subject("statusbot", NodeKind::App, "statusbot", &p)
        };
        assert_eq!(contain(&other).action, "disable the integration");
    }

    #[test]
    fn contain_other_platforms() {
        let p = Props::new();
        let aws_user = subject(
            "aws",
            NodeKind::ServiceAccount,
            "arn:aws:iam::381492650217:user/ci-deployer",
            &p,
        );
        assert!(contain(&aws_user).how.starts_with(
            "aws iam put-user-policy --user-name ci-deployer --policy-name HeirQuarantineDenyAll "
        ));
        let pod = subject(
            "k8s",
            NodeKind::Workload,
            "prod-eks/payments/payments-api-7d9f8c6b5-x2k4q",
            &p,
        );
        assert_eq!(
            contain(&pod).how,
            "on cluster prod-eks: kubectl -n payments scale deployment payments-api --replicas=0; then \
             kubectl -n payments delete pod payments-api-7d9f8c6b5-x2k4q"
        );
        let g = subject("google", NodeKind::User, "103041189557990659397", &p);
        assert_eq!(
            contain(&g).how,
            "PATCH /admin/directory/v1/users/103041189557990659397 {\"suspended\": true}"
        );
        let lambda = subject(
            "aws",
            NodeKind::Workload,
            "arn:aws:lambda:eu-west-1:729104583612:function:nightly-backup",
            &p,
        );
        assert_eq!(
            contain(&lambda).how,
            "aws lambda put-function-concurrency --function-name nightly-backup --reserved-concurrent-executions 0"
        );
    }

    #[test]
    fn entra_access_token_compensates_with_cae_and_conditional_access() {
        let p = Props::new();
        let s = Subject {
            token_type: Some(TokenType::Access),
            account: Some((
                NodeKind::ServiceAccount,
                "c5f83a1d-6b9e-4c2f-8a7d-3e1b0f9c6d24",
                None,
            )),
            ..subject("entra", NodeKind::Token, "uti-QmX1", &p)
        };
        let m = revoke(&s, t(NOW));
        assert_eq!(m.how, "PATCH /servicePrincipals/c5f83a1d-6b9e-4c2f-8a7d-3e1b0f9c6d24 {\"accountEnabled\": false}");
        assert!(m.compensating.is_some());
        let s = Subject {
            account: Some((NodeKind::User, "u1", None)),
            ..s
        };
        let m = revoke(&s, t(NOW));
        assert!(
            m.how
                .starts_with("POST /users/u1/revokeSignInSessions; then Entra admin center"),
            "{}",
            m.how
        );
        assert!(m.compensating.unwrap().contains("CAE"));
    }

    #[test]
    fn inspect_recover_and_persistence_are_platform_specific() {
        let since = Some(t("2026-11-20T08:00:00Z"));
        let m = inspect(
            "m365",
            NodeKind::Resource,
            "mailbox/dana.kim@acme.example",
            None,
            since,
        );
        assert!(m
            .how
            .starts_with("GET /users/dana.kim@acme.example/mailFolders/inbox/messageRules"));
        let m = inspect(
            "entra",
            NodeKind::App,
            "e7a19c4b",
            Some("qa-mailer-legacy (app registration, multi-tenant)"),
            since,
        );
        assert!(m.how.starts_with(
            "GET /auditLogs/signIns?$filter=createdDateTime ge 2026-11-20T08:00:00Z and appId eq 'e7a19c4b'; "
        ));
        let m = inspect(
            "m365",
            NodeKind::App,
            "6c2f9a4e",
            Some("Microsoft 365 tenant acme.example"),
            since,
        );
        assert!(m.how.starts_with("GET /auditLogs/directoryAudits?"));
        let m = inspect(
            "salesforce",
            NodeKind::App,
            "00D3t",
            Some("Salesforce org Initech (00D3t)"),
            None,
        );
        assert!(m
            .how
            .starts_with("salesforce audit log for Salesforce org Initech (00D3t) since {since}:"));
        let m = inspect("github", NodeKind::App, "acme", None, since);
        assert!(m.how.starts_with(
            "GET /orgs/acme/audit-log?phrase=created:>=2026-11-20T08:00:00Z&include=all"
        ));
        let m = inspect("slack", NodeKind::App, "T02ACME7Q", None, since);
        assert!(
            m.how
                .starts_with("GET https://api.slack.com/audit/v1/logs?oldest=1795161600 "),
            "{}",
            m.how
        );
        let m = inspect("aws", NodeKind::App, "729104583612", None, None);
        assert!(m.how.starts_with(
            "in account 729104583612: aws cloudtrail lookup-events --start-time {since} "
        ));
        assert_eq!(m.compensating, None);

        let p = Props::new();
        let okta = subject("okta", NodeKind::User, "00u1", &p);
        assert!(recover_account(&okta)
            .how
            .starts_with("POST /api/v1/users/00u1/lifecycle/reset_factors; then "));
        let google = subject("google", NodeKind::User, "1030", &p);
        assert!(recover_account(&google).how.starts_with(
            "POST /admin/directory/v1/users/1030/verificationCodes/invalidate; then "
        ));

        let ap = props(serde_json::json!({"objectId": "0d4e8b2f"}));
        let app = subject("entra", NodeKind::App, "e7a19c4b", &ap);
        let m = remove_persistence(&app, since);
        assert!(m.how.starts_with(
            "GET /applications/0d4e8b2f?$select=passwordCredentials,keyCredentials: "
        ));
        assert!(m.how.contains("/federatedIdentityCredentials") && m.how.contains("/owners"));
        let sa = subject(
            "google",
            NodeKind::ServiceAccount,
            "data-export@acme-prod-4821.iam.gserviceaccount.com",
            &p,
        );
        assert!(remove_persistence(&sa, since).how.starts_with(
            "GET https://iam.googleapis.com/v1/projects/acme-prod-4821/serviceAccounts/\
             data-export@acme-prod-4821.iam.gserviceaccount.com/keys?keyTypes=USER_MANAGED: "
        ));
        let k = subject("k8s", NodeKind::ServiceAccount, "prod-eks/ci/deployer", &p);
        assert!(remove_persistence(&k, None)
            .how
            .starts_with("on cluster prod-eks: kubectl -n ci get secrets"));
    }

    #[test]
    fn platform_aliases_are_case_insensitive() {
        for (name, want) in [
            ("OKTA", Platform::Okta),
            ("M365", Platform::Microsoft),
            ("Azure", Platform::Microsoft),
            ("gws", Platform::Google),
            ("GCP", Platform::Google),
            ("GitHub", Platform::GitHub),
            ("Kubernetes", Platform::Kubernetes),
            ("k8s", Platform::Kubernetes),
            ("salesforce", Platform::Other),
            ("", Platform::Other),
        ] {
            assert_eq!(Platform::of(name), want, "{name}");
        }
    }

    #[test]
    fn compensating_exactly_for_ttl_only() {
        let p = Props::new();
        for platform in [
            "okta", "entra", "google", "github", "slack", "aws", "k8s", "other",
        ] {
            for tt in TokenType::ALL {
                for rev in Revocation::ALL {
                    let s = Subject {
                        token_type: Some(*tt),
                        revocation: Some(*rev),
                        ..subject(platform, NodeKind::Token, "id-1", &p)
                    };
                    let m = revoke(&s, t(NOW));
                    assert_eq!(
                        m.compensating.is_some(),
                        *rev == Revocation::TtlOnly,
                        "{platform} {tt} {rev}: {m:?}"
                    );
                    assert!(!m.how.is_empty() && !m.action.is_empty());
                }
            }
        }
    }
}
