//! The `fix` of every finding: platform-specific where the platform is known (the same
//! calls the plan names), generic otherwise.

use std::collections::HashSet;

use petgraph::graph::NodeIndex;
use serde_json::Value;

use super::breadth::Breadth;
use super::review::{lower_first, plural, Env};
use super::Review;
use crate::analysis::mechanism::{effective_revocation, Platform};
use crate::model::naming::{after_second_colon, native};
use crate::model::{EdgeKind, Node, NodeKind, Revocation, TokenType};

pub(super) fn fix_orphaned(n: &Node) -> String {
    let id = after_second_colon(&n.id);
    match Platform::of(n.platform()) {
        Platform::Aws => {
            let user = id.rsplit('/').next().unwrap_or(id);
            format!(
                "Name an owner (tag the IAM user `owner`) or retire it: `aws iam list-access-keys \
                 --user-name {user}`, deactivate and delete each key, detach its policies, then \
                 `aws iam delete-user --user-name {user}`."
            )
        }
        Platform::Google => format!(
            "Name an owner (grant them roles/iam.serviceAccountAdmin on it, label it) or retire \
             it: `gcloud iam service-accounts disable {id}`, then delete its user-managed keys \
             and, after a grace period, the account."
        ),
        Platform::Kubernetes => {
            let mut parts = id.rsplitn(3, '/');
            let name = parts.next().unwrap_or(id);
            let ns = parts.next().unwrap_or("default");
            format!(
                "Name an owner (an `owner` annotation on the ServiceAccount) or retire it: remove \
                 its RoleBindings and ClusterRoleBindings, then `kubectl -n {ns} delete \
                 serviceaccount {name}`."
            )
        }
        Platform::Microsoft => format!(
            "Add an owner (`POST /servicePrincipals/{id}/owners/$ref`) or retire it: `PATCH \
             /servicePrincipals/{id}` with accountEnabled=false, then remove its credentials."
        ),
        Platform::Okta => format!(
            "Assign an owner for the service app or retire it: `POST \
             /api/v1/apps/{id}/lifecycle/deactivate`, then delete its client credentials."
        ),
        Platform::GitHub => {
            "Name an owner for the GitHub App (a second org owner as app manager) or retire it: \
             suspend or uninstall the installation and delete its private keys."
                .to_string()
        }
        Platform::Slack => {
            "Add an app collaborator who answers for it, or retire it: uninstall the app \
             (admin.apps.uninstall) and revoke its tokens (auth.revoke)."
                .to_string()
        }
        Platform::Other => "Name an owner who answers for it (rotation, access reviews, \
             retirement), or disable it and revoke its credentials."
            .to_string(),
    }
}

/// How to retire (revoke or delete) one credential for good.
pub(super) fn fix_retire(r: &Review<'_>, c: NodeIndex) -> String {
    let n = r.node(c);
    let id = after_second_colon(&n.id);
    let owner = r
        .targets_of(c, EdgeKind::AuthenticatesAs)
        .first()
        .map(|&a| r.node(a));
    let prop = |k: &str| n.props.get(k).and_then(Value::as_str).map(str::to_string);
    match (Platform::of(n.platform()), n.token_type, n.kind) {
        (Platform::Aws, _, _)
            if id.starts_with(native::AWS_LONG_TERM_KEY)
                || n.token_type == Some(TokenType::AccessKey) =>
        {
            let user = owner
                .map(|o| {
                    after_second_colon(&o.id)
                        .rsplit('/')
                        .next()
                        .unwrap_or("")
                        .to_string()
                })
                .filter(|u| !u.is_empty())
                .or_else(|| prop("user_name"))
                .unwrap_or_else(|| "{userName}".into());
            format!(
                "`aws iam update-access-key --user-name {user} --access-key-id {id} --status \
                 Inactive`, watch for breakage, then `aws iam delete-access-key --user-name {user} \
                 --access-key-id {id}`."
            )
        }
        (Platform::Google, Some(TokenType::PrivateKey), _) => {
            let key = id.rsplit('/').next().unwrap_or(id);
            let sa = owner.map_or("{serviceAccount}", |o| after_second_colon(&o.id));
            format!(
                "`gcloud iam service-accounts keys disable {key} --iam-account {sa}`, then `gcloud \
                 iam service-accounts keys delete {key} --iam-account {sa}`."
            )
        }
        (Platform::Google, _, _) => {
            let user = owner.map_or("{userKey}", |o| after_second_colon(&o.id));
            format!(
                "`DELETE /admin/directory/v1/users/{user}/tokens/{{clientId}}` (the user's token \
                 for that client)."
            )
        }
        (Platform::GitHub, Some(TokenType::Pat), _) => {
            let pat = prop("pat_grant_id")
                .or_else(|| n.props.get("pat_grant_id").map(|v| v.to_string()))
                .unwrap_or_else(|| id.trim_start_matches("pat-").to_string());
            format!(
                "`POST /orgs/{{org}}/personal-access-tokens/{pat} {{\"action\":\"revoke\"}}` (org \
                 owner), or the owner deletes it in Settings > Developer settings."
            )
        }
        (Platform::GitHub, Some(TokenType::PrivateKey), _) => {
            "Delete the key in the GitHub App's settings (Private keys) after deploying a new one."
                .to_string()
        }
        (Platform::GitHub, _, _) => {
            "`DELETE /applications/{client_id}/token` (OAuth app), or the user removes the \
             authorization in Settings > Applications."
                .to_string()
        }
        (Platform::Okta, Some(TokenType::ApiKey), _) => {
            format!("`DELETE /api/v1/api-tokens/{id}` (Admin > Security > API > Tokens).")
        }
        (Platform::Okta, Some(TokenType::ClientSecret), _) => {
            let app = owner.map_or("{appId}", |o| after_second_colon(&o.id));
            format!(
                "add a new secret (`POST /api/v1/apps/{app}/credentials/secrets`), deploy it, \
                 then deactivate and delete this one."
            )
        }
        (Platform::Microsoft, Some(TokenType::ClientSecret), _) => {
            "`POST /applications/{applicationObjectId}/removePassword` with its keyId.".to_string()
        }
        (Platform::Microsoft, Some(TokenType::PrivateKey), _) => {
            "`POST /applications/{applicationObjectId}/removeKey` with its keyId (and a proof \
             JWT)."
                .to_string()
        }
        (Platform::Kubernetes, _, _) => {
            let secret = prop("secret").unwrap_or_else(|| id.to_string());
            let (ns, name) = match secret.split_once('/') {
                Some((ns, name)) if !name.contains('/') => (ns.to_string(), name.to_string()),
                _ => (
                    "{namespace}".into(),
                    secret.rsplit('/').next().unwrap_or("").to_string(),
                ),
            };
            format!("`kubectl -n {ns} delete secret {name}`.")
        }
        (Platform::Slack, _, _) => {
            "`auth.revoke` with the token, or uninstall the app.".to_string()
        }
        _ => "Revoke or delete it at its issuer.".to_string(),
    }
}

pub(super) fn fix_shared_place(
    r: &Review<'_>,
    h: NodeIndex,
    store: bool,
    held: &[NodeIndex],
    example: &[NodeIndex],
) -> String {
    let n = r.node(h);
    let place = if store {
        let via = match example {
            [.., p, _] => format!(", not everyone who reaches {}", r.id(*p)),
            _ => String::new(),
        };
        format!(
            "Narrow who can read {}: only the workloads that use these secrets{via}.",
            n.id
        )
    } else if n.kind == NodeKind::Resource {
        format!(
            "Delete the secret from {} (history, comments and attachments too) and keep it in a \
             secret manager that only its workload can read.",
            n.id
        )
    } else {
        format!(
            "Scope the secrets in {} to the pipelines or jobs that use them and restrict who can \
             edit those.",
            n.id
        )
    };
    let mut static_ones: Vec<String> = held
        .iter()
        .filter(|&&c| {
            matches!(
                effective_revocation(&r.subject(c)),
                Revocation::None | Revocation::TtlOnly
            )
        })
        .map(|&c| r.id(c).to_string())
        .collect();
    let more = static_ones.len().saturating_sub(4);
    static_ones.truncate(4);
    let rotate = if static_ones.is_empty() {
        "Then rotate what it holds: everyone who could reach it may have a copy.".to_string()
    } else {
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!(
            "Then rotate what it holds, first the static ones ({}{more}): everyone who could \
             reach it may have a copy.",
            static_ones.join(", ")
        )
    };
    format!("{place} {rotate}")
}

pub(super) fn fix_third_party(platforms: &[&str]) -> String {
    let mut steps =
        vec!["Review the vendor's access and cut it to what the integration needs:".to_string()];
    let mut seen = HashSet::new();
    for p in platforms {
        let fam = Platform::of(p);
        if !seen.insert(format!(
            "{fam:?}{}",
            if fam == Platform::Other { *p } else { "" }
        )) {
            continue;
        }
        steps.push(match fam {
            Platform::Slack => "Slack: require app approval and reinstall it with fewer scopes \
                 (admin.apps.restrict / uninstall to cut it)"
                .to_string(),
            Platform::GitHub => "GitHub: limit the installation to the repositories it needs \
                 (installation settings > Repository access), or suspend it"
                .to_string(),
            Platform::Google => "Google: set the OAuth client to Limited or Blocked in Admin \
                 console > Security > API controls > App access control, and revoke unneeded \
                 user tokens (Directory API tokens.delete)"
                .to_string(),
            Platform::Microsoft => "Entra: review the service principal's delegated and \
                 application permissions and remove grants (`DELETE \
                 /oauth2PermissionGrants/{id}`, `DELETE /servicePrincipals/{id}/appRoleAssignedTo/{id}`)"
                .to_string(),
            Platform::Okta => "Okta: narrow the app's granted scopes and its assigned users".to_string(),
            Platform::Aws => "AWS: narrow the cross-account role the vendor assumes and require an \
                 external id"
                .to_string(),
            _ => format!("{p}: revoke grants the integration does not need"),
        });
    }
    let mut text = steps[0].clone();
    text.push(' ');
    text.push_str(&steps[1..].join("; "));
    text.push_str(". Ask the vendor how its tokens are stored and rotated.");
    text
}

pub(super) fn fix_mfa(n: &Node) -> String {
    let who = after_second_colon(&n.id);
    let how = match Platform::of(n.platform()) {
        Platform::Okta => format!(
            "enrol a phishing-resistant factor (Okta FastPass / FIDO2) and require it in the \
             authentication policy; check `GET /api/v1/users/{who}/factors`"
        ),
        Platform::Microsoft => format!(
            "register phishing-resistant MFA and require it with a Conditional Access policy \
             (no exclusion for this account); check `GET /users/{who}/authentication/methods`"
        ),
        Platform::Google => "enforce 2-Step Verification (security keys) for the account's \
             organisational unit"
            .to_string(),
        Platform::GitHub => "require two-factor authentication for the organisation (or enforce \
             SAML SSO with MFA at the IdP)"
            .to_string(),
        Platform::Slack => "sign in through SSO with MFA, or require two-factor authentication \
             for the workspace"
            .to_string(),
        Platform::Aws => "sign in through IAM Identity Center with MFA, or enable an MFA device \
             for the IAM user"
            .to_string(),
        _ => "enforce MFA for the account at its identity provider".to_string(),
    };
    format!(
        "Whoever holds this password controls the NHIs it owns: {how}; or move ownership to an \
         account that has it."
    )
}

pub(super) fn fix_password(sa: &Node) -> String {
    match Platform::of(sa.platform()) {
        Platform::Microsoft => "Remove the password and sign the workload in with a certificate, \
             a federated credential or a managed identity; block password sign-in for workload \
             identities with Conditional Access."
            .to_string(),
        Platform::Aws => format!(
            "Delete its console password (`aws iam delete-login-profile --user-name {}`); \
             workloads use roles, not passwords.",
            after_second_colon(&sa.id)
                .rsplit('/')
                .next()
                .unwrap_or("{userName}")
        ),
        Platform::Google => "Service accounts have no password: replace this with an attached \
             service account or workload identity federation."
            .to_string(),
        _ => "Replace the password with a key-based or federated credential (certificate, \
             OIDC) and block password sign-in for the account."
            .to_string(),
    }
}

pub(super) fn fix_least_privilege(n: &Node, b: Breadth) -> String {
    let what = if b == Breadth::Admin {
        "admin and write-all rights"
    } else {
        "tenant-wide read"
    };
    let how = match Platform::of(n.platform()) {
        Platform::Aws => {
            "replace AdministratorAccess-style policies with a policy generated \
             from its CloudTrail activity (IAM Access Analyzer), and narrow the roles it can assume"
                .to_string()
        }
        Platform::Google => "grant only the predefined roles it uses (IAM Recommender), and \
             remove domain-wide delegation or cut its scopes in Admin console > Security > API \
             controls"
            .to_string(),
        Platform::Kubernetes => "bind it to a namespaced Role with the verbs it uses instead of \
             cluster-admin; delete stale ClusterRoleBindings"
            .to_string(),
        Platform::Microsoft => "replace tenant-wide application permissions with scoped ones \
             (Exchange RBAC for Applications or an ApplicationAccessPolicy for mail; \
             Sites.Selected for SharePoint)"
            .to_string(),
        Platform::Okta => "grant the service app only the okta.* scopes it calls, and a custom \
             admin role limited to a resource set instead of org-wide management"
            .to_string(),
        Platform::GitHub => "use fine-grained permissions on the repositories it needs instead \
             of `repo`/admin scopes"
            .to_string(),
        Platform::Slack => "reinstall with the narrowest scopes (e.g. channels it is invited to \
             instead of workspace-wide history)"
            .to_string(),
        Platform::Other => "grant it only what its job uses, per resource".to_string(),
    };
    format!("Take away the {what} it does not use: {how}.")
}

pub(super) fn fix_static_cloud(holder: &Node, clouds: &[Platform]) -> String {
    let ci = holder.kind == NodeKind::App
        || holder.platform().eq_ignore_ascii_case("ci")
        || holder.id.contains("ci:")
        || holder
            .name
            .as_deref()
            .is_some_and(|n| n.contains("CI") || n.contains("pipeline"));
    let mut steps = Vec::new();
    for c in clouds {
        steps.push(match (c, ci) {
            (Platform::Aws, true) => {
                "AWS: let the pipeline assume a role through OIDC \
                 federation (AssumeRoleWithWebIdentity, trust policy pinned to the repository and \
                 branch) instead of access keys"
            }
            (Platform::Aws, false) => {
                "AWS: use the compute's own role (Lambda execution role, \
                 EC2 instance profile, EKS IRSA / Pod Identity) or IAM Roles Anywhere instead of \
                 access keys"
            }
            (Platform::Google, true) => {
                "Google Cloud: use Workload Identity Federation from the \
                 CI's OIDC token instead of a service-account key"
            }
            (Platform::Google, false) => {
                "Google Cloud: attach the service account to the VM or \
                 workload (or use Workload Identity Federation) instead of a key file"
            }
            (Platform::Microsoft, _) => {
                "Entra: use a managed identity, or a federated identity \
                 credential for the workload, instead of a secret or certificate"
            }
            _ => "use the platform's federated workload identity instead of a static key",
        });
    }
    format!(
        "{}; then delete the keys. Until then, rotate them every 90 days at most.",
        steps.join("; ")
    )
}

pub(super) fn fix_long_lived(r: &Review<'_>, c: NodeIndex) -> String {
    let n = r.node(c);
    let max = r.opts.max_lifetime_days;
    let rot = r.opts.rotation_days;
    let prevent = match (Platform::of(n.platform()), n.token_type, n.kind) {
        (Platform::Aws, _, _)
            if after_second_colon(&n.id).starts_with(native::AWS_LONG_TERM_KEY)
                || n.token_type == Some(TokenType::AccessKey) =>
        {
            format!(
            "Replace the access key with temporary credentials (an IAM role: OIDC federation, an \
             execution role, IAM Roles Anywhere); until then rotate it every {rot} days."
        )
        }
        (Platform::Google, Some(TokenType::PrivateKey), _) => format!(
            "Use an attached service account or Workload Identity Federation instead of a key; \
             enforce expiry with the iam.serviceAccountKeyExpiryHours organisation policy and \
             rotate every {rot} days."
        ),
        (Platform::Google, _, _) => "Google refresh tokens do not expire: restrict the OAuth \
             client in Admin console > Security > API controls > App access control and revoke \
             tokens nobody needs."
            .to_string(),
        (Platform::GitHub, Some(TokenType::Pat), _) => format!(
            "Set the organisation's fine-grained token policy to require an expiry of at most \
             {max} days, or use a GitHub App installation token (1 hour)."
        ),
        (Platform::GitHub, Some(TokenType::PrivateKey), _) => format!(
            "GitHub App private keys never expire: generate a new key every {rot} days, deploy \
             it, delete the old one; keep it in a secret manager or KMS."
        ),
        (Platform::GitHub, _, _) => "OAuth app tokens do not expire: prefer a GitHub App with \
             expiring user tokens, and revoke tokens nobody uses."
            .to_string(),
        (Platform::Slack, _, _) => "Turn on token rotation for the app (12-hour access tokens \
             with a refresh token)."
            .to_string(),
        (Platform::Okta, Some(TokenType::ApiKey), _) => "Replace the API token (it acts with its \
             creator's admin rights) with an OAuth 2.0 service app using client credentials \
             with private_key_jwt and only the okta.* scopes it needs."
            .to_string(),
        (Platform::Okta, Some(TokenType::ClientSecret), _) => format!(
            "Switch the service app to private_key_jwt client authentication; until then rotate \
             the secret every {rot} days."
        ),
        (Platform::Microsoft, Some(TokenType::ClientSecret | TokenType::PrivateKey), _) => format!(
            "Use a managed identity or a federated identity credential; otherwise cap credential \
             lifetime at {max} days with an app management policy and rotate."
        ),
        (Platform::Microsoft, _, _) => "Shorten the lifetime with Conditional Access sign-in \
             frequency and rely on Continuous Access Evaluation."
            .to_string(),
        (Platform::Kubernetes, _, _) => "Replace the legacy Secret-based token with a bound, \
             expiring token (TokenRequest / projected volume with expirationSeconds)."
            .to_string(),
        _ => format!(
            "Give it an expiry of at most {max} days and rotate it on a schedule; prefer \
             short-lived, federated credentials."
        ),
    };
    format!(
        "{prevent} To retire this one: {}",
        lower_first(&fix_retire(r, c))
    )
}

pub(super) fn fix_non_revocable(r: &Review<'_>, c: NodeIndex) -> String {
    let n = r.node(c);
    match Platform::of(n.platform()) {
        Platform::Aws => "Lower the role's MaxSessionDuration; in an incident deny it with an \
             AWSRevokeOlderSessions policy on aws:TokenIssueTime."
            .to_string(),
        Platform::Microsoft => "Shorten token lifetime (Conditional Access sign-in frequency) \
             and make the resource honour Continuous Access Evaluation, so revocation reaches \
             issued tokens."
            .to_string(),
        Platform::Kubernetes => "Lower expirationSeconds of the projected token; in an incident \
             delete the pod or the service account to invalidate bound tokens."
            .to_string(),
        Platform::Google => "Use short-lived access tokens (1 hour) minted on demand; in an \
             incident disable the service account."
            .to_string(),
        _ => format!(
            "Prefer credentials the issuer can revoke, or cap their lifetime at {} day{}.",
            r.opts.long_window_days,
            plural(r.opts.long_window_days as usize)
        ),
    }
}

pub(super) fn fix_environment(n: &Node, own: Option<Env>) -> String {
    let side = if own == Some(Env::NonProd) {
        "A non-production NHI must not hold production access: "
    } else {
        "Give production and non-production separate NHIs: "
    };
    let how = match Platform::of(n.platform()) {
        Platform::Aws => {
            "separate roles (and accounts) per environment, with trust policies that \
             only the same environment's principals can assume"
        }
        Platform::Kubernetes => {
            "one service account per cluster and namespace, no cross-cluster \
             IRSA or token sharing"
        }
        Platform::Google => "one service account per project/environment, keys never shared",
        Platform::GitHub => {
            "tokens scoped to the environment's repositories, deployment \
             environments with protection rules for production"
        }
        _ => {
            "move the production credentials it holds to a production-only runner or workload \
             and give this one non-production credentials"
        }
    };
    format!("{side}{how}.")
}

pub(super) fn fix_human_use(sa: &Node) -> String {
    let how = match Platform::of(sa.platform()) {
        Platform::Microsoft => {
            "block interactive sign-in for the service principal \
             (Conditional Access for workload identities) and remove any password"
        }
        Platform::Google => {
            "remove roles/iam.serviceAccountTokenCreator and \
             roles/iam.serviceAccountUser from people; they use their own accounts"
        }
        Platform::Aws => {
            "delete its console password (`aws iam delete-login-profile`) and give \
             people IAM Identity Center access instead"
        }
        Platform::Okta => {
            "remove the service account from interactive apps and require the \
             sign-on policy's MFA for every human"
        }
        _ => "disable interactive sign-in for it and give each person their own account",
    };
    format!(
        "Find who used it (the session's IP and user agent) and give them their own account with \
         the access they need; {how}. Then rotate the service account's credentials."
    )
}
