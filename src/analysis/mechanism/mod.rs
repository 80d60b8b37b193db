//! The platform mechanism behind every plan step: the exact API call, CLI command or console action
//! that contains, revokes, inspects or recovers something on one platform, with the subject's real
//! ids filled in.
//!
//! ## One table per platform
//! What "revoke this session" means is a property of the platform, not of the plan: Okta kills an
//! IdP session and its refresh tokens in one call, Entra moves a watermark, AWS cannot revoke STS
//! credentials at all and has to deny them by issue time. So each platform is one row of a
//! `Table` — one function per phase — and the plan asks the row instead of branching on platform
//! names. Reviewing what heir tells a responder to do on Okta is reading the Okta functions next to
//! Okta's API reference; adding a platform is adding a row. A row answers `None` for what it
//! has no specific mechanism for, and the generic row answers instead, so every step still says
//! what to do.
//!
//! ## Where the facts come from
//! The calls are the ones each platform documents for the purpose (Okta Management API, Microsoft
//! Graph, Google Admin SDK and Cloud IAM, GitHub REST, Slack Web API, AWS IAM/STS, Kubernetes);
//! `docs/plan.md` says what each phase is for. Where a call's details are not confirmed (a parameter
//! name, an id mapping), the step's text says so, because a responder must know which call may need
//! adjusting. Secret values never appear: a step names ids, and uses a `{placeholder}` only for what
//! heir cannot know. Native ids are read with the prefixes of `model::naming::native`, the constants
//! the collectors write them with. Graph paths are relative to `https://graph.microsoft.com/v1.0`, Okta paths to
//! the org URL, Google Directory / Reports paths to `https://admin.googleapis.com`, GitHub paths to
//! `https://api.github.com`.
//!
//! ## Layout
//! One file per platform row (`okta`, `microsoft`, `google`, `github`, `slack`, `aws`, `k8s`) and
//! the `generic` row; the phases, the table and the helpers the rows share are here.

use serde_json::Value;

use crate::model::liveness::{show, ExpiryBasis};
use crate::model::naming::{native, platform};
use crate::model::{NodeKind, Props, Revocation, Timestamp, TokenType};
pub use call::{Api, Call, Check, Expect, Method};

mod aws;
pub mod call;
#[cfg(test)]
mod calls_tests;
mod generic;
mod github;
mod google;
mod k8s;
mod microsoft;
mod okta;
mod slack;
#[cfg(test)]
mod tests;

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
    /// When it ends as the analyses see it (`TrustGraph::expires_at`).
    pub expires_at: Option<Timestamp>,
    /// Set when `expires_at` is an assumption (`model::liveness`): the text says so.
    pub expiry_basis: Option<ExpiryBasis>,
}

/// How one step is carried out on its platform.
#[derive(Debug, Clone, PartialEq, Default)]
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
    /// The requests of `how` that `heir revoke` can make itself, in order (see [`call`]); empty
    /// when the step is done by hand.
    pub calls: Vec<Call>,
    /// What the calls leave to the responder when they do only part of `how` (a loop over ids
    /// heir does not know); None when the calls are the whole step or there are none.
    pub rest: Option<String>,
}

impl Mechanism {
    fn new(action: impl Into<String>, how: impl Into<String>) -> Self {
        Mechanism {
            action: action.into(),
            how: how.into(),
            ..Mechanism::default()
        }
    }

    /// One more request `heir revoke` makes for this step.
    fn call(mut self, c: Call) -> Self {
        self.calls.push(c);
        self
    }

    /// What the calls do not do (see [`Mechanism::rest`]).
    fn rest(mut self, text: impl Into<String>) -> Self {
        self.rest = Some(text.into());
        self
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

/// What the attacker could have used on one platform, for the question "what did they do there
/// since the compromise": the accounts and credentials of the radius on that platform.
pub struct Activity<'a> {
    pub platform: &'a str,
    /// Reached or stolen accounts: (kind, native id, name).
    pub accounts: Vec<(NodeKind, &'a str, Option<&'a str>)>,
    /// Reached or stolen credentials: (native id, props) — AWS key ids, role session names.
    pub credentials: Vec<(&'a str, &'a Props)>,
    /// The organisation or tenant the platform's audit log is per (GitHub org), when a reached
    /// node names it (`props.org`, or the owner of an `owner/repo` id).
    pub org: Option<String>,
}

impl Activity<'_> {
    /// The native ids of the human accounts held: audit logs are filtered by them.
    pub fn user_ids(&self) -> Vec<&str> {
        self.accounts
            .iter()
            .filter(|(k, _, _)| *k == NodeKind::User)
            .map(|(_, id, _)| *id)
            .collect()
    }
}

/// Phase "inspect", per reached platform: the exact audit-log query that shows what the attacker
/// did there since `since` — filtered by the accounts and credentials they held, because a
/// tenant-wide log of a day is thousands of events and the responder needs theirs (AWS CloudTrail
/// `LookupEvents` by access key id or role session name, the GitHub org audit log by actor, Google
/// Admin Reports per user, the Slack audit log by actor, the Okta System Log by actor, Entra
/// sign-in and directory audit logs by user). `None` when heir knows no such query for the
/// platform: the caller falls back to [`inspect`] on the platform's most critical reached node.
pub fn inspect_activity(a: &Activity, since: Option<Timestamp>) -> Option<Mechanism> {
    let place = Place {
        platform: a.platform,
        kind: NodeKind::Idp,
        id: a.platform,
        name: None,
        since: since_text(since),
        since_epoch: since.map(|t| t.as_millis().div_euclid(1000)),
    };
    let row = Platform::of(a.platform).table();
    (row.activity)(a, &place)
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
        if s.native_id.starts_with(native::AWS_LONG_TERM_KEY) {
            return Revocation::None;
        }
        if s.native_id.starts_with(native::AWS_TEMPORARY_KEY) {
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

/// Accepted platform spellings, compared case-insensitively: the names collectors write
/// (`model::naming::platform`) and the other names people give the same platforms.
const ALIASES: &[(&str, Platform)] = &[
    (platform::OKTA, Platform::Okta),
    (platform::ENTRA, Platform::Microsoft),
    ("entraid", Platform::Microsoft),
    ("azuread", Platform::Microsoft),
    ("aad", Platform::Microsoft),
    ("m365", Platform::Microsoft),
    ("o365", Platform::Microsoft),
    ("azure", Platform::Microsoft),
    ("microsoft", Platform::Microsoft),
    (platform::GOOGLE, Platform::Google),
    (platform::GCP, Platform::Google),
    ("gws", Platform::Google),
    ("workspace", Platform::Google),
    (platform::GITHUB, Platform::GitHub),
    (platform::SLACK, Platform::Slack),
    (platform::AWS, Platform::Aws),
    (platform::K8S, Platform::Kubernetes),
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
    /// What the attacker did on the platform, by actor (see [`inspect_activity`]).
    activity: fn(&Activity, &Place) -> Option<Mechanism>,
}

static OKTA: Table = Table {
    contain: okta::contain,
    revoke: okta::revoke,
    inspect: okta::inspect,
    recover: okta::recover,
    persistence: okta::persistence,
    activity: okta::activity,
};
static MICROSOFT: Table = Table {
    contain: microsoft::contain,
    revoke: microsoft::revoke,
    inspect: microsoft::inspect,
    recover: microsoft::recover,
    persistence: microsoft::persistence,
    activity: microsoft::activity,
};
static GOOGLE: Table = Table {
    contain: google::contain,
    revoke: google::revoke,
    inspect: google::inspect,
    recover: google::recover,
    persistence: google::persistence,
    activity: google::activity,
};
static GITHUB: Table = Table {
    contain: github::contain,
    revoke: github::revoke,
    inspect: github::inspect,
    recover: github::recover,
    persistence: github::persistence,
    activity: github::activity,
};
static SLACK: Table = Table {
    contain: slack::contain,
    revoke: slack::revoke,
    inspect: slack::inspect,
    recover: slack::recover,
    persistence: slack::persistence,
    activity: slack::activity,
};
static AWS: Table = Table {
    contain: aws::contain,
    revoke: aws::revoke,
    inspect: aws::inspect,
    recover: aws::recover,
    persistence: aws::persistence,
    activity: aws::activity,
};
static KUBERNETES: Table = Table {
    contain: k8s::contain,
    revoke: k8s::revoke,
    inspect: k8s::inspect,
    recover: k8s::recover,
    persistence: k8s::persistence,
    activity: |_, _| None,
};
static GENERIC: Table = Table {
    contain: |s| Some(generic::contain(s)),
    revoke: |s, c| Some(generic::revoke(s, c)),
    inspect: |p| Some(generic::inspect(p)),
    recover: |s| Some(generic::recover(s)),
    persistence: |s, since| Some(generic::persistence(s, since)),
    activity: |_, _| None,
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
            Some(t) => format!("{text}; it expires at {}", show(t, s.expiry_basis)),
            None => text,
        });
        // No call ends a ttl_only credential: its step is the compensating control, performed
        // by a person who knows when it dies (`heir revoke` lists it as manual).
        m.calls.clear();
        m.rest = None;
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
