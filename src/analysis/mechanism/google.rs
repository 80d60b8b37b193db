//! Google Workspace and Google Cloud: Admin SDK Directory / Reports calls (paths relative to
//! `https://admin.googleapis.com`), Cloud IAM calls and `gcloud` commands behind each phase.

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
    if let Some(rest) = id.strip_prefix(native::GCP_PROJECT_PATH) {
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

fn call(method: Method, path: impl Into<String>) -> Call {
    Call::new(Api::Google, method, path)
}

fn client(s: &Subject) -> String {
    or(s.client_id(), "{clientId}")
}

/// Containing a Workspace OAuth client: API access control set to Blocked, which stops every
/// user's grant at once and new consents. Console only: no documented API changes an app's
/// access setting (the Directory API's tokens.delete removes one user's grant, not the app's
/// access), so the step is done by hand, then each user's grant is deleted.
fn block_client(cl: &str) -> String {
    format!(
        "Admin console > Security > Access and data control > API controls > Manage \
         Third-Party App Access > {cl}: Change access > Blocked (console only: no documented \
         API sets an app's access); then DELETE {DIRECTORY}/users/{{userKey}}/tokens/{cl} for \
         every user whose GET {DIRECTORY}/users/{{userKey}}/tokens lists it"
    )
}

/// A Workspace OAuth client (`google:app:<clientId>`) is reviewed where its grants and use are
/// recorded: the Reports API's `token` events filtered by `client_id` (the documented `filters`
/// syntax is `name==value`, and a filter belongs to an `eventName`, so one request per event:
/// `authorize` says who granted it which scopes, `activity` what its tokens called), then
/// tokens.list per user (per user only: no call lists a client's grants across users). It is
/// not a Google Cloud project: Cloud Audit Logs have nothing under its id.
fn oauth_client(cl: &str, since: &str) -> Mechanism {
    let token = |event: &str| {
        format!(
            "GET /admin/reports/v1/activity/users/all/applications/token?eventName={event}\
             &filters=client_id=={cl}&startTime={since}"
        )
    };
    Mechanism::new(
        "review the OAuth client's grants and activity",
        format!(
            "{} (who granted it, with which scopes); then {} (the API calls its tokens made: \
             api_name, method_name); then GET {DIRECTORY}/users/{{userKey}}/tokens for each \
             user those events name (grants still standing: tokens.list is per user); if it is \
             unwanted, contain it: {}",
            token("authorize"),
            token("activity"),
            block_client(cl)
        ),
    )
}

pub(super) fn contain(s: &Subject) -> Option<Mechanism> {
    let id = s.native_id;
    Some(match s.kind {
        NodeKind::User => Mechanism::new(
            "suspend account",
            format!("PATCH {DIRECTORY}/users/{id} {{\"suspended\": true}}"),
        )
        .call(
            call(Method::Patch, format!("{DIRECTORY}/users/{id}"))
                .body(serde_json::json!({"suspended": true}))
                .check(
                    format!("{DIRECTORY}/users/{id}"),
                    Expect::Field {
                        pointer: "/suspended".into(),
                        equals: Value::Bool(true),
                    },
                ),
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
            Mechanism::new("block the OAuth client", block_client(&cl))
        }
        _ => return None,
    })
}

/// signOut resets the sign-in cookies of every web and device session but does not touch OAuth
/// grants, so the central step pairs it with tokens.delete per client. tokens.delete deletes
/// every token the user issued to that client. What survives: access tokens (≤1 h) and
/// domain-wide delegation grants, which only the Admin console removes.
pub(super) fn revoke(s: &Subject, c: &Ctx) -> Option<Mechanism> {
    let u = user(s);
    let id = s.native_id;
    let sign_out = format!("POST {DIRECTORY}/users/{u}/signOut");
    let tokens_delete = |cl: &str| format!("DELETE {DIRECTORY}/users/{u}/tokens/{cl}");
    // No Directory API lists a user's web sessions: signOut has nothing to check.
    let sign_out_call = call(Method::Post, format!("{DIRECTORY}/users/{u}/signOut"));
    let sa_account = s.account_of(&[NodeKind::ServiceAccount]);
    Some(match (s.kind, s.token_type) {
        _ if s.is_session() && c.rev == Revocation::Central => Mechanism::new(
            "sign out everywhere and revoke the user's OAuth tokens",
            format!(
                "{sign_out}; then {} for each clientId listed by GET {DIRECTORY}/users/{u}/tokens",
                tokens_delete("{clientId}")
            ),
        )
        .call(sign_out_call)
        .rest(format!(
            "{} for each clientId listed by GET {DIRECTORY}/users/{u}/tokens",
            tokens_delete("{clientId}")
        )),
        _ if s.is_session() => {
            Mechanism::new("sign out of all web and device sessions", sign_out).call(sign_out_call)
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
            )
            .call(call(Method::Delete, format!("{DIRECTORY}/users/{u}/asps/{code}")).gone()),
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
            let m = Mechanism::new(
                "revoke the app's OAuth tokens for the user",
                tokens_delete(&client(s)),
            )
            .compensating(
                "access tokens already issued stay valid up to 1 h; tokens.delete stops the \
                 refresh token minting more",
            );
            // A ttl_only token is not ended by the call: the step is its compensating control,
            // done by hand with the expiry in view.
            if c.rev == Revocation::TtlOnly {
                m
            } else {
                m.call(
                    call(
                        Method::Delete,
                        format!("{DIRECTORY}/users/{u}/tokens/{}", client(s)),
                    )
                    .gone(),
                )
            }
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

/// How a Google OAuth client id ends (`123456789012-abc.apps.googleusercontent.com`).
const OAUTH_CLIENT_SUFFIX: &str = ".apps.googleusercontent.com";

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
    let is_mail = id.starts_with(native::MAILBOX) || id.eq_ignore_ascii_case("gmail");
    let is_drive = id.starts_with(native::SHARED_DRIVE) || id.eq_ignore_ascii_case("drive");
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
        let user = id.strip_prefix(native::MAILBOX).unwrap_or("{userKey}");
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
    } else if p.kind == NodeKind::App
        && (!p.platform.eq_ignore_ascii_case("gcp") || id.ends_with(OAUTH_CLIENT_SUFFIX))
        && !WORKSPACE_APPS.contains(&id.to_ascii_lowercase().as_str())
    {
        // A Workspace app node is an OAuth client (the Google collector's `google:app:<clientId>`);
        // the GCP collector's `gcp:app:<project>` is a project, reviewed in Cloud Audit Logs below.
        oauth_client(id, since)
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

/// Admin Reports are per application: `login` (sign-ins), `token` (OAuth grants, including
/// consents given since the compromise), `admin` (admin actions) and `drive` (downloads and
/// sharing), each filtered to the user and the time.
pub(super) fn activity(a: &Activity, p: &Place) -> Option<Mechanism> {
    let since = &p.since;
    let users: Vec<&str> = a
        .accounts
        .iter()
        .filter(|(k, _, _)| matches!(k, NodeKind::User | NodeKind::ServiceAccount))
        .map(|(_, id, _)| *id)
        .collect();
    let users = if users.is_empty() { vec!["all"] } else { users };
    let calls: Vec<String> = users
        .iter()
        .flat_map(|u| {
            ["login", "token", "admin", "drive"]
                .into_iter()
                .map(move |app| {
                    format!(
                    "GET /admin/reports/v1/activity/users/{u}/applications/{app}?startTime={since}"
                )
                })
        })
        .collect();
    Some(Mechanism::new(
        "review sign-ins, OAuth grants, admin actions and Drive activity since the compromise",
        calls.join("; then "),
    ))
}
