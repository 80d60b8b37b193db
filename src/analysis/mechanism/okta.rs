//! Okta: the Management API calls (paths relative to the org URL) behind each phase.

use super::*;

fn call(method: Method, path: impl Into<String>) -> Call {
    Call::new(Api::Okta, method, path)
}

/// `GET path` answers `/status` = `status` once the lifecycle call took.
fn status_is(c: Call, path: String, status: &str) -> Call {
    c.check(
        path,
        Expect::Field {
            pointer: "/status".into(),
            equals: Value::String(status.into()),
        },
    )
}

/// A list that answers `[]` once revoked.
fn emptied(path: String) -> Call {
    call(Method::Delete, path.clone()).check(path, Expect::Empty { at: String::new() })
}

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
        )
        .call(status_is(
            call(
                Method::Post,
                format!("/api/v1/users/{id}/lifecycle/suspend"),
            ),
            format!("/api/v1/users/{id}"),
            "SUSPENDED",
        )),
        NodeKind::ServiceAccount | NodeKind::App => Mechanism::new(
            "deactivate app",
            format!("POST /api/v1/apps/{id}/lifecycle/deactivate"),
        )
        .call(status_is(
            call(
                Method::Post,
                format!("/api/v1/apps/{id}/lifecycle/deactivate"),
            ),
            format!("/api/v1/apps/{id}"),
            "INACTIVE",
        )),
        _ => return None,
    })
}

/// `oauthTokens=true` matters: it defaults to false, and without it the refresh tokens the
/// session minted keep minting access tokens after the session is gone. What survives even so:
/// sessions the downstream apps created themselves (unless Universal Logout fires for them),
/// SAML-app cookies, and access tokens until their `exp`.
pub(super) fn revoke(s: &Subject, c: &Ctx) -> Option<Mechanism> {
    let u = user(s);
    let id = s.native_id;
    let all_sessions = format!("DELETE /api/v1/users/{u}/sessions?oauthTokens=true");
    let client = s.client_id();
    let client_tokens = |cl: &str| format!("DELETE /api/v1/users/{u}/clients/{cl}/tokens");
    let tokens_path = |cl: &str| format!("/api/v1/users/{u}/clients/{cl}/tokens");
    // Clearing the user's sessions is verified on the session itself: Okta's Get Session answers
    // 404 for a session that was cleared.
    let clear_sessions = call(
        Method::Delete,
        format!("/api/v1/users/{u}/sessions?oauthTokens=true"),
    );
    let session_gone = format!("/api/v1/sessions/{id}");
    Some(match (s.kind, s.token_type) {
        _ if s.is_session() && c.rev == Revocation::PerApp => Mechanism::new(
            "end this session",
            format!(
                "DELETE /api/v1/sessions/{id} (unconfirmed whether the System Log \
                 externalSessionId is accepted as the session id; if refused: {all_sessions})"
            ),
        ),
        // No call: whether the System Log's id is the Sessions API id is unconfirmed, and a
        // wrong id answers 404 — which would read as "already gone" to revoke and verify alike.
        _ if s.is_session() => Mechanism::new(
            "revoke every Okta session of the user and its OAuth tokens",
            all_sessions,
        )
        .call(if s.kind == NodeKind::Session {
            clear_sessions.check(session_gone, Expect::Gone)
        } else {
            clear_sessions
        }),
        (NodeKind::OauthGrant, _) => match (s.account_of(&[NodeKind::User]), client) {
            (None, Some(app)) => Mechanism::new(
                "revoke the app's scope grant",
                format!("DELETE /api/v1/apps/{app}/grants/{id}"),
            )
            .call(call(Method::Delete, format!("/api/v1/apps/{app}/grants/{id}")).gone()),
            (_, Some(cl)) => Mechanism::new(
                "revoke the user's grants and refresh tokens for the client",
                format!(
                    "DELETE /api/v1/users/{u}/clients/{cl}/grants; then {}",
                    client_tokens(&cl)
                ),
            )
            .call(emptied(format!("/api/v1/users/{u}/clients/{cl}/grants")))
            .call(emptied(tokens_path(&cl))),
            (_, None) => Mechanism::new(
                "revoke the grant",
                format!("DELETE /api/v1/users/{u}/grants/{id}"),
            )
            .call(call(Method::Delete, format!("/api/v1/users/{u}/grants/{id}")).gone()),
        },
        (_, Some(TokenType::Refresh)) => {
            let cl = or(client, "{clientId}");
            Mechanism::new(
                "revoke the user's refresh tokens for the client",
                client_tokens(&cl),
            )
            .call(emptied(tokens_path(&cl)))
        }
        (_, Some(TokenType::Access | TokenType::Id)) => {
            let server = or(
                s.prop(&["authorization_server", "authServerId", "auth_server_id"]),
                "{authServerId}",
            );
            Mechanism::new(
                "revoke what mints it; let it expire (compensating control)",
                format!(
                    "{}; then shorten what such tokens live: GET \
                     /api/v1/authorizationServers/{server}/policies, and for the rule that \
                     issued it PUT /api/v1/authorizationServers/{server}/policies/{{policyId}}/rules/{{ruleId}} \
                     with actions.token.accessTokenLifetimeMinutes lowered (5 at least; the org \
                     authorization server's 60 minutes cannot be changed)",
                    client.map_or(all_sessions, |cl| client_tokens(&cl))
                ),
            )
            .compensating(
                "Okta access and ID tokens are self-contained JWTs: an admin cannot list or \
                 revoke them and resource servers accept them until exp, which the \
                 authorization server's access-token lifetime bounds (60 minutes by default); \
                 revoking the refresh tokens and sessions stops new ones, and a resource that \
                 cannot wait must block the user or client itself",
            )
        }
        (_, Some(TokenType::ApiKey)) => Mechanism::new(
            "revoke API token",
            format!("DELETE /api/v1/api-tokens/{id}"),
        )
        .call(call(Method::Delete, format!("/api/v1/api-tokens/{id}")).gone()),
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
            .call(call(
                Method::Post,
                format!("/api/v1/apps/{a}/credentials/secrets/{secret}/lifecycle/deactivate"),
            ))
            .call(
                call(
                    Method::Delete,
                    format!("/api/v1/apps/{a}/credentials/secrets/{secret}"),
                )
                .gone(),
            )
        }
        (_, Some(TokenType::PrivateKey)) => {
            let a = app(s);
            let key = or(s.prop(&["keyId", "key_id", "kid"]), id);
            Mechanism::new(
                "deactivate client JWKS key",
                format!("POST /api/v1/apps/{a}/credentials/jwks/{key}/lifecycle/deactivate"),
            )
            .call(status_is(
                call(
                    Method::Post,
                    format!("/api/v1/apps/{a}/credentials/jwks/{key}/lifecycle/deactivate"),
                ),
                format!("/api/v1/apps/{a}/credentials/jwks/{key}"),
                "INACTIVE",
            ))
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

/// The System Log's SCIM filter takes `actor.id`; consents are listed per user.
pub(super) fn activity(a: &Activity, p: &Place) -> Option<Mechanism> {
    let since = &p.since;
    let users = a.user_ids();
    if users.is_empty() {
        return None;
    }
    let calls: Vec<String> = users
        .iter()
        .map(|u| {
            format!(
                "GET /api/v1/logs?since={since}&filter=actor.id eq \"{u}\"; then \
                 GET /api/v1/users/{u}/grants (consents given since {since})"
            )
        })
        .collect();
    Some(Mechanism::new(
        "review what the accounts did in the System Log",
        calls.join("; then "),
    ))
}
