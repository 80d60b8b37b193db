//! GitHub: REST calls (paths relative to `https://api.github.com`) behind each phase.

use super::*;

fn call(method: Method, path: impl Into<String>) -> Call {
    Call::new(Api::Github, method, path)
}

/// `DELETE /orgs/{org}/credential-authorizations/{id}`, checked by the org's list no longer
/// naming the credential.
fn credential_authorization(org: &str, cred: &str) -> Call {
    let list = format!("/orgs/{org}/credential-authorizations");
    call(Method::Delete, format!("{list}/{cred}")).check(
        list,
        Expect::NoItem {
            at: String::new(),
            field: "credential_id".into(),
            equals: cred.to_string(),
        },
    )
}

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

/// Where an Actions secret lives, as GitHub's REST paths name it.
#[derive(Debug, PartialEq)]
enum SecretHome {
    Repo { repo: String },
    Org { org: String },
    Environment { repo: String, env: String },
}

/// An Actions secret's home and name: from the collector's props (`secret_name` with `repo`,
/// `org`, `environment`), else from its id (`owner/repo/secrets/NAME`, `org/secrets/NAME`,
/// `owner/repo/environments/ENV/secrets/NAME`). None for anything else.
fn actions_secret(s: &Subject) -> Option<(SecretHome, String)> {
    let id = s.native_id;
    let (place, tail) = id.rsplit_once("/secrets/")?;
    let name = s.prop(&["secret_name"]).unwrap_or_else(|| tail.to_string());
    if name.is_empty() || name.contains('/') {
        return None;
    }
    let home = match (
        s.prop(&["repo"]),
        s.prop(&["environment"]),
        s.prop(&["org"]),
    ) {
        (Some(repo), Some(env), _) => SecretHome::Environment { repo, env },
        (Some(repo), None, _) => SecretHome::Repo { repo },
        (None, _, Some(org)) => SecretHome::Org { org },
        (None, _, None) => match place.split_once("/environments/") {
            Some((repo, env)) if repo.split('/').count() == 2 && !env.is_empty() => {
                SecretHome::Environment {
                    repo: repo.to_string(),
                    env: env.to_string(),
                }
            }
            Some(_) => return None,
            None => match place.split('/').count() {
                2 => SecretHome::Repo {
                    repo: place.to_string(),
                },
                1 if !place.is_empty() => SecretHome::Org {
                    org: place.to_string(),
                },
                _ => return None,
            },
        },
    };
    Some((home, name))
}

/// A path segment as GitHub's URLs take it: environment names may hold spaces and other
/// characters a path cannot carry as they are.
fn segment(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Deleting an Actions secret stops every workflow (and so anyone who can push one) from
/// reading it from now on; it does not end the value, which stays valid at its issuer (the
/// cloud, the registry, the SaaS that minted it) until rotated there. The delete is what heir
/// can do at once, in the revoke phase, and the rotation is left by hand: it is the step that
/// actually revokes what a thief may already have copied.
fn delete_secret(home: &SecretHome, name: &str) -> Mechanism {
    let n = segment(name);
    let (path, where_) = match home {
        SecretHome::Repo { repo } => (
            format!("/repos/{repo}/actions/secrets/{n}"),
            format!("repository {repo}"),
        ),
        SecretHome::Org { org } => (
            format!("/orgs/{}/actions/secrets/{n}", segment(org)),
            format!("organization {org}"),
        ),
        SecretHome::Environment { repo, env } => (
            format!("/repos/{repo}/environments/{}/secrets/{n}", segment(env)),
            format!("environment {env} of {repo}"),
        ),
    };
    let rotate = format!(
        "the value stays valid at its issuer until rotated: rotate {name} where it was minted \
         (the cloud key, registry or SaaS token it holds), then set the new value again with \
         PUT {path} only if the workflows still need it"
    );
    Mechanism::new(
        "delete the Actions secret, then rotate its value at the issuer",
        format!(
            "DELETE {path} (the {where_}'s workflows can no longer read it); then by hand: \
             {rotate}"
        ),
    )
    .call(call(Method::Delete, path).gone())
    .rest(rotate)
}

fn is_installation(s: &Subject) -> bool {
    s.prop(&["installation_id", "installationId"]).is_some()
        || s.native_id.starts_with(native::GITHUB_INSTALLATION_TOKEN)
        || s.native_id.contains("installation")
}

/// github.com accounts cannot be suspended by an org (only Enterprise Managed Users, through
/// the IdP): containment is removing the member from the org.
pub(super) fn contain(s: &Subject) -> Option<Mechanism> {
    Some(match s.kind {
        NodeKind::User => {
            // Check membership answers 204 for a member and 404 for anyone else.
            let path = format!("/orgs/{}/members/{}", org(s), login(s));
            Mechanism::new("remove from the organization", format!("DELETE {path}"))
                .call(call(Method::Delete, path).gone())
        }
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
/// or the user.
pub(super) fn revoke(s: &Subject, c: &Ctx) -> Option<Mechanism> {
    let id = s.native_id;
    let o = org(s);
    if c.rev != Revocation::TtlOnly && s.kind == NodeKind::Token {
        if let Some((home, name)) = actions_secret(s) {
            return Some(delete_secret(&home, &name));
        }
    }
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
            )
            .call(credential_authorization(&o, &cred)),
            None => {
                let pat = or(
                    s.prop(&["pat_id", "pat_grant_id"])
                        .or_else(|| trailing_number(id)),
                    "{pat_id}",
                );
                let list = format!("/orgs/{o}/personal-access-tokens");
                Mechanism::new(
                    "revoke the fine-grained PAT's access to the organization",
                    format!(
                        "POST /orgs/{o}/personal-access-tokens/{pat} {{\"action\":\"revoke\"}} \
                         (with a GitHub App token; the PAT still works outside the org: the \
                         owner deletes it at github.com/settings/personal-access-tokens)"
                    ),
                )
                .call(
                    call(Method::Post, format!("{list}/{pat}"))
                        .body(serde_json::json!({"action": "revoke"}))
                        .check(
                            list,
                            Expect::NoItem {
                                at: String::new(),
                                field: "id".into(),
                                equals: pat.clone(),
                            },
                        ),
                )
            }
        },
        _ if is_installation(s) && c.rev == Revocation::TtlOnly => Mechanism::new(
            "revoke the installation token with itself (compensating control)",
            format!(
                "DELETE /installation/token (authenticated with the token itself: the copy the \
                 workload it was minted for holds is the attacker's too); if no copy is at \
                 hand: {}",
                suspend_installation(&installation(s))
            ),
        )
        .compensating(
            "an installation access token lives one hour and no admin call lists or revokes \
             it: only the token itself can end it early, and a suspended installation gets no \
             new ones",
        ),
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
            match (deploy_key, s.prop(&["credential_id"])) {
                (Some((key, repo)), _) => Mechanism::new(
                    "delete the deploy key",
                    format!("DELETE /repos/{repo}/keys/{key}"),
                )
                .call(call(Method::Delete, format!("/repos/{repo}/keys/{key}")).gone()),
                // A user's SSH key authorized for the org's SAML SSO (credential-authorizations).
                (None, Some(cred)) => Mechanism::new(
                    "remove the SSH key's SAML SSO authorization",
                    format!(
                        "DELETE /orgs/{o}/credential-authorizations/{cred} (the key keeps working \
                         outside SAML orgs: the owner deletes it at github.com/settings/keys)"
                    ),
                )
                .call(credential_authorization(&o, &cred)),
                (None, None) => Mechanism::new(
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

/// The org audit log's `phrase` takes the same qualifiers as the web UI: `actor:` for who,
/// `created:>=` for since when.
pub(super) fn activity(a: &Activity, p: &Place) -> Option<Mechanism> {
    let org = a.org.clone().unwrap_or_else(|| "{org}".to_string());
    let since = &p.since;
    let actors: Vec<&str> = a
        .accounts
        .iter()
        .filter(|(k, _, _)| *k == NodeKind::User)
        .map(|(_, id, name)| name.filter(|n| !n.contains(' ')).unwrap_or(id))
        .collect();
    let how = if actors.is_empty() {
        format!(
            "GET /orgs/{org}/audit-log?phrase=created:>={since}&include=all (git.clone, \
             repo.download_zip, integration_installation.create, oauth_authorization.create, \
             public_key.create, org.add_member)"
        )
    } else {
        actors
            .iter()
            .map(|actor| {
                format!(
                    "GET /orgs/{org}/audit-log?phrase=actor:{actor} created:>={since}&include=all"
                )
            })
            .collect::<Vec<_>>()
            .join("; then ")
    };
    Some(Mechanism::new(
        "review what was done in the organization since the compromise",
        how,
    ))
}
