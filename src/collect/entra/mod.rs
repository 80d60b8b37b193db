//! Microsoft Entra ID (Microsoft Graph): the tenant, users, groups and their members, directory
//! role assignments, service principals, app registrations with their credentials (metadata
//! only), federated identity credentials, owners, delegated consents (`oauth2PermissionGrants`)
//! and app role assignments (application permissions and app access). FOCI ("family of client
//! IDs") is modelled so a family refresh token reaches every family client ([`foci_clients`]).
//!
//! Cartography style: [`fetch`] returns the raw pages of each endpoint ([`EntraRaw`]) without
//! reshaping them; [`transform`] is a pure function from those pages to nodes and edges, tested
//! offline on recorded responses; [`Collection::into_document`] loads. What is read, the Graph
//! permissions it needs and what becomes which node and edge are in `docs/collectors/entra.md`.
//!
//! Id conventions (`platform:kind:native-id`, see [`crate::model::naming`]):
//! - `entra:idp:<tenant id>`: the tenant;
//! - `entra:user:<object id>`, `entra:group:<object id>`, `entra:role:<role definition id>`
//!   (built-in roles: the template id);
//! - `entra:service_account:<service principal object id>`;
//! - `entra:app:<appId>`: an app registration (or, for apps registered elsewhere, the client the
//!   tenant's service principal stands for); `entra:app:foci`: the FOCI family as a whole;
//! - `entra:resource:<appId>`: an API (resource service principal) as the target of delegated
//!   and application permissions;
//! - `entra:token:<keyId>`: a client secret or certificate of an app or service principal;
//!   `entra:token:publisher:<appId>`: a third-party app's credentials, held by its publisher;
//!   (the sign-ins importer adds `entra:session:<sessionId>`, `entra:token:<sign-in id>` and
//!   `entra:token:foci:<sessionId>`);
//! - `entra:oauth_grant:<grant id>`: a delegated consent;
//! - `<platform>:workload:<subject>`: the external workload a federated identity credential trusts
//!   (`github:workload:repo:acme/app:ref:refs/heads/main`), see [`federated_workload`].

mod fetch;
mod reference;
mod transform;

pub use fetch::{access_token, auth_from_env, auth_from_vars, connect, fetch, EntraAuth, EntraRaw};
pub use reference::{federated_workload, foci_clients, foci_family_node, is_foci, resource_node};
pub use transform::transform;

use super::collector::{fetch_error, parse, Collector, Context};
use super::http::{FetchError, Policy};
use super::{Collection, Progress};
use crate::error::HeirError;

/// The source name written to the document; every node it writes is on the `entra` platform
/// ([`ENTRA`](crate::model::naming::platform::ENTRA)) besides external workloads.
pub const SOURCE: &str = "entra";
/// Microsoft Graph v1.0, the default base URL of [`collect`].
pub const GRAPH_URL: &str = "https://graph.microsoft.com/v1.0";
/// Microsoft Graph beta: sign-ins carry `sessionId` there only.
pub const GRAPH_BETA_URL: &str = "https://graph.microsoft.com/beta";
/// The Microsoft identity platform, where client credentials are exchanged for a token.
pub const LOGIN_URL: &str = "https://login.microsoftonline.com";
/// The scope of an app-only Graph token.
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";
/// Names the variable of a pre-acquired token in errors (never its value).
pub const TOKEN_ENV: &str = "ENTRA_ACCESS_TOKEN";
/// Names the client-credential variables in errors (never their values).
pub const CLIENT_CREDENTIALS_ENV: &str = "ENTRA_TENANT_ID, ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET";

/// The id of the node standing for the whole FOCI family:
/// `entra:app:` + [`native::FOCI_FAMILY`](crate::model::naming::native::FOCI_FAMILY) (a test holds
/// the two together).
pub const FOCI_FAMILY_ID: &str = "entra:app:foci";

/// Microsoft Graph's appId (the same in every tenant).
pub const MICROSOFT_GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// The request paths [`fetch`] reads, relative to the Graph base URL.
pub mod paths {
    pub const ORGANIZATION: &str = "/organization?$select=id,displayName,verifiedDomains";
    pub const USERS: &str = "/users?$select=id,displayName,userPrincipalName,mail,accountEnabled,userType,createdDateTime,signInSessionsValidFromDateTime,lastPasswordChangeDateTime,onPremisesSyncEnabled&$top=999";
    pub const GROUPS: &str = "/groups?$select=id,displayName,securityEnabled,mailEnabled,groupTypes,isAssignableToRole&$top=999";
    pub const ROLE_DEFINITIONS: &str = "/roleManagement/directory/roleDefinitions";
    pub const ROLE_ASSIGNMENTS: &str = "/roleManagement/directory/roleAssignments";
    pub const SERVICE_PRINCIPALS: &str = "/servicePrincipals?$top=999";
    pub const APPLICATIONS: &str = "/applications?$top=999";
    pub const OAUTH2_PERMISSION_GRANTS: &str = "/oauth2PermissionGrants";

    pub fn group_members(group_id: &str) -> String {
        format!("/groups/{group_id}/members?$top=999")
    }
    pub fn application_owners(app_object_id: &str) -> String {
        format!("/applications/{app_object_id}/owners")
    }
    pub fn federated_identity_credentials(app_object_id: &str) -> String {
        format!("/applications/{app_object_id}/federatedIdentityCredentials")
    }
    pub fn service_principal_owners(sp_id: &str) -> String {
        format!("/servicePrincipals/{sp_id}/owners")
    }
    pub fn app_role_assigned_to(sp_id: &str) -> String {
        format!("/servicePrincipals/{sp_id}/appRoleAssignedTo?$top=999")
    }
}

/// Collects a tenant: token, fetch, transform. Endpoint failures are in the collection's
/// `problems` (the document's source is then incomplete); a rejected credential is `Err`.
pub async fn collect(
    graph_url: &str,
    auth: EntraAuth,
    policy: Policy,
    progress: &Progress,
) -> Result<Collection, FetchError> {
    progress.step("token");
    let client = connect(graph_url, &auth, policy).await?;
    let (raw, problems) = fetch(&client, progress).await?;
    progress.step("transform");
    let mut c = transform(&raw);
    let later = std::mem::take(&mut c.problems);
    c.problems = problems;
    c.problems.extend(later);
    progress.finish();
    Ok(c)
}

/// `heir collect entra`.
pub struct Entra;

#[derive(clap::Args, Debug)]
pub struct EntraOpts {
    /// Microsoft Graph base URL.
    #[arg(long, value_name = "URL", default_value = GRAPH_URL)]
    pub graph_url: String,
}

impl Collector for Entra {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Microsoft Entra ID through Microsoft Graph"
    }

    fn args(&self, cmd: clap::Command) -> clap::Command {
        <EntraOpts as clap::Args>::augment_args(cmd)
    }

    fn run(&self, args: &clap::ArgMatches, ctx: &Context) -> Result<Collection, HeirError> {
        let o: EntraOpts = parse(args)?;
        let auth = auth_from_env().map_err(HeirError::Environment)?;
        ctx.block_on(collect(
            &o.graph_url,
            auth,
            ctx.policy.clone(),
            ctx.progress,
        ))
        .map_err(fetch_error)
    }
}

#[cfg(test)]
mod tests {
    use super::fetch::scope_for;
    use super::*;
    use crate::model::naming::{native, node_id, platform::ENTRA};
    use crate::model::{EdgeKind, NodeKind};

    /// The AWS gallery apps' app roles name `<role ARN>,<SAML provider ARN>`: a user holding
    /// one signs in through that provider, the AWS collector's `aws:idp:<ARN>`.
    #[test]
    fn aws_app_roles_point_at_the_saml_provider() {
        let raw: EntraRaw = serde_json::from_value(serde_json::json!({
            "organization": [{"id": "t1", "displayName": "Acme"}],
            "users": [{"id": "u1", "userPrincipalName": "Ana@acme.test", "mail": "ana@acme.test",
                       "accountEnabled": true}],
            "service_principals": [{"id": "sp1", "appId": "a1", "displayName": "AWS Single-Account Access",
                "appRoles": [{"id": "r1", "value": "arn:aws:iam::123456789012:role/OktaDeveloper,arn:aws:iam::123456789012:saml-provider/AzureAD"}]}],
            "app_role_assignments": {"sp1": [{"id": "x1", "principalId": "u1", "principalType": "User",
                "appRoleId": "r1", "resourceId": "sp1"}]}
        }))
        .unwrap();
        let doc = transform(&raw).into_document(crate::model::Timestamp::now());
        let idp = "aws:idp:arn:aws:iam::123456789012:saml-provider/AzureAD";
        assert!(
            doc.edges
                .iter()
                .any(|e| e.from == "entra:user:u1" && e.to == idp && e.kind == EdgeKind::Sso),
            "{:?}",
            doc.edges
        );
        let ana = doc.nodes.iter().find(|n| n.id == "entra:user:u1").unwrap();
        assert_eq!(ana.aliases, vec!["entra:user:ana@acme.test"]);
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let a = EntraAuth::ClientCredentials {
            tenant: "t".into(),
            client_id: "c".into(),
            secret: "s3cr3t-value".into(),
            login_url: LOGIN_URL.into(),
        };
        assert!(!format!("{a:?}").contains("s3cr3t-value"));
        assert_eq!(
            format!("{:?}", EntraAuth::Token("tok-value".into())),
            "Token(<redacted>)"
        );
    }

    #[test]
    fn workload_ids_by_issuer() {
        assert_eq!(
            federated_workload(
                "https://token.actions.githubusercontent.com",
                "repo:acme/app:ref:refs/heads/main"
            ),
            ("github".into(), "repo:acme/app:ref:refs/heads/main".into())
        );
        assert_eq!(
            federated_workload(
                "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC/",
                "system:serviceaccount:prod:deployer"
            ),
            (
                "oidc".into(),
                "oidc.eks.eu-west-1.amazonaws.com/id/ABC#system:serviceaccount:prod:deployer"
                    .into()
            )
        );
    }

    #[test]
    fn the_foci_family_id_follows_the_naming_convention() {
        assert_eq!(
            FOCI_FAMILY_ID,
            node_id(ENTRA, NodeKind::App, native::FOCI_FAMILY)
        );
        assert_eq!(foci_family_node().id, FOCI_FAMILY_ID);
    }

    #[test]
    fn foci_list() {
        assert_eq!(foci_clients().len(), 37);
        assert!(is_foci("D3590ED6-52B3-4102-AEFF-AAD2292AB01C"));
        assert!(!is_foci(MICROSOFT_GRAPH_APP_ID));
    }

    #[test]
    fn scope_follows_the_graph_host() {
        assert_eq!(scope_for(GRAPH_URL), GRAPH_SCOPE);
        assert_eq!(
            scope_for("https://graph.microsoft.us/v1.0"),
            "https://graph.microsoft.us/.default"
        );
        assert_eq!(scope_for("http://127.0.0.1:9/v1.0"), GRAPH_SCOPE);
    }
}
