//! Entra ID, Microsoft 365 and Azure: Microsoft Graph calls (paths relative to
//! `https://graph.microsoft.com/v1.0`) behind each phase.

use super::*;

fn call(method: Method, path: impl Into<String>) -> Call {
    Call::new(Api::Entra, method, path)
}

/// `PATCH {object} {"accountEnabled": false}`, checked by reading the flag back.
fn disable_call(object: &str) -> Call {
    call(Method::Patch, object)
        .body(serde_json::json!({"accountEnabled": false}))
        .check(
            format!("{object}?$select=accountEnabled"),
            Expect::Field {
                pointer: "/accountEnabled".into(),
                equals: Value::Bool(false),
            },
        )
}

/// `revokeSignInSessions`, checked by the watermark it moves.
fn revoke_sessions_call(user: &str) -> Call {
    call(Method::Post, format!("/users/{user}/revokeSignInSessions")).check(
        format!("/users/{user}?$select=signInSessionsValidFromDateTime"),
        Expect::NotBefore {
            pointer: "/signInSessionsValidFromDateTime".into(),
        },
    )
}

fn user(s: &Subject) -> String {
    or(
        s.account_of(&[NodeKind::User])
            .map(str::to_string)
            .or_else(|| s.prop(&["userId", "principalId"])),
        "{userId}",
    )
}

/// Whether the resource a bearer token is for evaluates it continuously (CAE): the collector
/// records it as `props.cae` (Exchange Online, SharePoint Online, Teams and Microsoft Graph for
/// clients that declare the `cp1` capability). Unknown is "no": claiming an early end that
/// does not happen is the mistake a responder cannot afford.
fn cae(s: &Subject) -> bool {
    s.props.get("cae").and_then(|v| v.as_bool()) == Some(true)
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
        )
        .call(disable_call(&format!("/users/{id}"))),
        NodeKind::ServiceAccount => Mechanism::new("disable service principal", disable_sp(id))
            .call(disable_call(&format!("/servicePrincipals/{id}"))),
        NodeKind::App => Mechanism::new(
            "disable the app's service principal",
            format!("PATCH {} {{\"accountEnabled\": false}}", sp_path(s)),
        )
        .call(disable_call(&sp_path(s))),
        _ => return None,
    })
}

/// `revokeSignInSessions` moves the user's `signInSessionsValidFromDateTime` to now: every
/// refresh token (FOCI family tokens included) and browser session cookie issued before is
/// dead within minutes. It is all-or-nothing — Graph has no per-session revocation. What
/// survives: access tokens until expiry (60–90 min typical, up to 28 h for CAE tokens, which
/// CAE-capable resources drop on the critical event). A user's access token therefore gets its
/// own step, told apart by `props.cae`: with CAE the critical event ends it; without, a
/// Conditional Access block or a disabled account only stops new ones.
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
                let list = format!("/servicePrincipals/{resource}/appRoleAssignedTo");
                Mechanism::new(
                    "remove the app role assignment",
                    format!("DELETE {list}/{id}"),
                )
                .call(call(Method::Delete, format!("{list}/{id}")).check(
                    list,
                    Expect::NoItem {
                        at: "/value".into(),
                        field: "id".into(),
                        equals: id.to_string(),
                    },
                ))
            } else {
                Mechanism::new(
                    "remove the delegated consent",
                    format!("DELETE /oauth2PermissionGrants/{id}"),
                )
                .call(call(Method::Delete, format!("/oauth2PermissionGrants/{id}")).gone())
            }
        }
        _ if refreshable => match sp {
            Some(sp) => Mechanism::new(
                "disable the service principal (it has no sign-in sessions to revoke)",
                disable_sp(sp),
            )
            .call(disable_call(&format!("/servicePrincipals/{sp}"))),
            None => Mechanism::new(
                "revoke all refresh tokens and session cookies of the user",
                revoke_sessions,
            )
            .call(revoke_sessions_call(&u)),
        },
        _ if is_fic => {
            let path = format!(
                "{}/federatedIdentityCredentials/{}",
                app_path(s),
                or(s.prop(&["ficId", "fic_id"]), id)
            );
            Mechanism::new(
                "delete the federated identity credential",
                format!("DELETE {path}"),
            )
            .call(call(Method::Delete, path).gone())
        }
        _ if bearer => match sp {
            Some(sp) => Mechanism::new(
                "stop new app-only tokens; let this one expire (compensating control)",
                disable_sp(sp),
            )
            .compensating(
                "app-only access tokens cannot be revoked and stay valid until expiry; a \
                 disabled service principal gets no new ones",
            ),
            None if cae(s) => Mechanism::new(
                "end it through continuous access evaluation (compensating control)",
                format!(
                    "{revoke_sessions} (a CAE critical event, as is PATCH /users/{u} \
                     {{\"accountEnabled\": false}}); then Entra admin center > Protection > \
                     Conditional Access > New policy: Users {u}, Grant: Block access"
                ),
            )
            .compensating(
                "the resource this token is for supports continuous access evaluation \
                 (props.cae): it rejects the token within minutes of the critical event instead \
                 of honouring it until expiry; a Conditional Access block stops new tokens",
            ),
            None => Mechanism::new(
                "block new tokens; this one works until it expires (compensating control)",
                format!(
                    "Entra admin center > Protection > Conditional Access > New policy: Users \
                     {u}, Grant: Block access, until the token expires (or PATCH /users/{u} \
                     {{\"accountEnabled\": false}})"
                ),
            )
            .compensating(
                "an access token is checked by the resource itself and nothing revokes it: \
                 revokeSignInSessions ends the refresh tokens that mint more, a Conditional \
                 Access block or a disabled account stops new issuance, and only a resource \
                 that supports continuous access evaluation (props.cae: true, not this one) \
                 would reject it early",
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
                .call(
                    call(Method::Post, format!("{on}/removePassword"))
                        .body(serde_json::json!({"keyId": key}))
                        .check(
                            format!("{on}?$select=passwordCredentials"),
                            Expect::NoItem {
                                at: "/passwordCredentials".into(),
                                field: "keyId".into(),
                                equals: key.clone(),
                            },
                        ),
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
    if let Some(mailbox) = id.strip_prefix(native::MAILBOX) {
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
    if id.starts_with(native::AZURE_RESOURCE) {
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
            format!("{audits}; then GET /auditLogs/signIns?$filter=createdDateTime ge {since}"),
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

/// Sign-ins and directory audits, both filtered by the user and the time; consents per user.
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
                "GET /auditLogs/signIns?$filter=createdDateTime ge {since} and userId eq '{u}'; \
                 then GET /auditLogs/directoryAudits?$filter=activityDateTime ge {since} and \
                 initiatedBy/user/id eq '{u}'; then GET /users/{u}/oauth2PermissionGrants \
                 (consents given since {since})"
            )
        })
        .collect();
    Some(Mechanism::new(
        "review the accounts' sign-ins, directory changes and consents",
        calls.join("; then "),
    ))
}
