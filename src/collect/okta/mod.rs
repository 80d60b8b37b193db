//! Okta (management API): users, groups, admin roles, apps and their assignments and sign-on
//! policies, OAuth consent grants and refresh tokens, API tokens, and OAuth service apps with their
//! scope grants, admin roles and client secrets (metadata only).
//!
//! Cartography style: [`fetch`] returns the raw pages of each endpoint ([`OktaRaw`]) without
//! reshaping them; [`transform`] is a pure function from those pages to nodes and edges, tested
//! offline on recorded responses; [`Collection::into_document`] loads. What is read, the scopes it
//! needs and what becomes which node and edge are in `docs/collectors/okta.md`.
//!
//! Id conventions (`platform:kind:native-id`, see [`crate::model::naming`]):
//! - `okta:idp:<org>`: the org; `<org>` is the host without `.okta.com` / `.oktapreview.com` /
//!   `.okta-emea.com` / `.okta-gov.com` (`acme.okta.com` → `acme`), or the whole host for a custom
//!   domain;
//! - `okta:user:00u…`, `okta:group:00g…`, `okta:app:0oa…`, `okta:service_account:0oa…` (OAuth
//!   service apps), `okta:workload:<client_id>` (the back end of an OAuth client that stores the
//!   refresh tokens users granted it), `okta:oauth_grant:oag…`, `okta:token:oar…` (refresh
//!   tokens), `okta:token:00T…` (API tokens), `okta:token:<secret id>` (client secrets);
//! - the account an app assignment yields lives on the app's platform:
//!   `<app platform>:user:<externalId | credentials.userName | Okta user id>`, where the platform
//!   comes from the catalog name of well-known apps (`office365` → `entra`, `google` → `google`, …)
//!   or else from the app label (`Expense Tool` → `expense-tool`): [`app_platform`].

mod fetch;
mod transform;

pub use fetch::{client, fetch, OktaRaw};
pub use transform::{policy_requirements, transform};

use clap::Args as _;
use serde_json::Value;

use super::collector::{env_token, fetch_error, parse, Collector, Context};
use super::http::{FetchError, Policy};
use super::json::{s, strings};
use super::{Collection, Progress};
use crate::error::HeirError;
use crate::model::naming::{node_id, platform::OKTA};
use crate::model::NodeKind;

/// The source name written to the document.
pub const SOURCE: &str = "okta";

/// Skip reasons shared by several record types.
const MISSING_ID: &str = "missing id";
const MISSING_CLIENT: &str = "missing clientId";
const INACTIVE: &str = "inactive";

/// The environment variable the API token comes from (named in errors, never its value).
pub const CREDENTIAL_ENV: &str = "OKTA_API_TOKEN";

// ------------------------------------------------------------------------------------------------
// Ids

/// The org host of a base URL: `https://acme.okta.com/` → `acme.okta.com`.
pub fn org_host(org_url: &str) -> String {
    let rest = org_url
        .split_once("://")
        .map_or(org_url, |(_, r)| r)
        .trim_end_matches('/');
    rest.split('/').next().unwrap_or(rest).to_string()
}

/// `okta:idp:<org>`: the org's subdomain for Okta-hosted domains, else the whole host.
pub fn idp_id(org: &str) -> String {
    let host = org.to_ascii_lowercase();
    let short = [
        ".okta.com",
        ".oktapreview.com",
        ".okta-emea.com",
        ".okta-gov.com",
        ".okta.mil",
    ]
    .iter()
    .find_map(|suffix| host.strip_suffix(suffix))
    .unwrap_or(&host)
    .to_string();
    node_id(OKTA, NodeKind::Idp, &short)
}

/// Lowercase, letters and digits kept, every other run of characters one `-`.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        if ch.is_alphanumeric() {
            out.extend(ch.to_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// Okta catalog app names (`app.name`) of well-known apps → the platform name heir's own
/// collectors and examples use for accounts there.
const CATALOG: &[(&str, &str)] = &[
    ("office365", "entra"),
    ("google", "google"),
    ("slack", "slack"),
    ("salesforce", "salesforce"),
    ("github", "github"),
    ("githubcloud", "github"),
    ("githubenterprise", "github"),
    ("amazon_aws", "aws"),
    ("amazon_aws_sso", "aws"),
    ("aws_account_federation", "aws"),
    ("zoomus", "zoom"),
    ("box", "box"),
    ("dropbox_for_business", "dropbox"),
    ("atlassian", "atlassian"),
    ("servicenow_ud", "servicenow"),
    ("workday", "workday"),
    ("zendesk", "zendesk"),
];

/// Label slugs that name a well-known platform differently.
const LABEL_ALIASES: &[(&str, &str)] = &[
    ("office-365", "entra"),
    ("microsoft-office-365", "entra"),
    ("microsoft-365", "entra"),
    ("google-workspace", "google"),
    ("g-suite", "google"),
    ("github-enterprise-cloud", "github"),
    ("github-enterprise-cloud-organization", "github"),
    ("amazon-web-services", "aws"),
    ("aws-iam-identity-center", "aws"),
    ("aws-account-federation", "aws"),
    ("zoom", "zoom"),
];

/// The platform the accounts of an Okta app live on: the catalog name of a well-known app, else
/// the slug of the label (through a few aliases), else `okta-app`.
/// Whether `name` is a catalog name whose platform heir knows (`amazon_aws` → `aws`).
pub fn known_catalog(name: &str) -> bool {
    CATALOG.iter().any(|(c, _)| *c == name)
}

pub fn app_platform(name: Option<&str>, label: Option<&str>) -> String {
    if let Some(p) = name.and_then(|n| CATALOG.iter().find(|(c, _)| *c == n)) {
        return p.1.to_string();
    }
    let sl = label.map(slug).unwrap_or_default();
    if let Some(p) = LABEL_ALIASES.iter().find(|(a, _)| *a == sl) {
        return p.1.to_string();
    }
    if sl.is_empty() {
        "okta-app".to_string()
    } else {
        sl
    }
}

/// An OAuth service app (machine identity): `application_type: service`, or a client whose only
/// grant type is `client_credentials`.
pub fn is_service_app(app: &Value) -> bool {
    if s(app, "/settings/oauthClient/application_type") == Some("service") {
        return true;
    }
    let grants = strings(app, "/settings/oauthClient/grant_types");
    !grants.is_empty() && grants.iter().all(|g| g == "client_credentials")
}

fn is_oidc(app: &Value) -> bool {
    s(app, "/signOnMode") == Some("OPENID_CONNECT") || s(app, "/name") == Some("oidc_client")
}

fn is_active(v: &Value) -> bool {
    s(v, "/status").is_none_or(|st| st == "ACTIVE")
}

/// The authentication policy an app links to (`_links.accessPolicy.href`, last path segment).
fn access_policy_id(app: &Value) -> Option<String> {
    s(app, "/_links/accessPolicy/href")
        .map(|h| h.trim_end_matches('/'))
        .and_then(|h| h.rsplit('/').next())
        .filter(|p| !p.is_empty())
        .map(str::to_string)
}

fn client_id_of(app: &Value) -> Option<&str> {
    s(app, "/credentials/oauthClient/client_id").or_else(|| s(app, "/id"))
}

/// [`client`] + [`fetch`] + [`transform`]; endpoint problems go into `collection.problems`.
pub async fn collect(
    org_url: &str,
    token: String,
    policy: Policy,
    progress: &Progress,
) -> Result<Collection, FetchError> {
    let client = client(org_url, token, policy)?;
    let (raw, problems) = fetch(&client, progress).await?;
    let mut c = transform(&raw);
    c.problems.extend(problems);
    progress.finish();
    Ok(c)
}

/// `heir collect okta`.
pub struct Okta;

// The doc comments are the `--help` texts, kept as they were: rustdoc's link lint does not apply.
#[allow(rustdoc::bare_urls)]
#[derive(clap::Args, Debug)]
pub struct OktaOpts {
    /// e.g. https://acme.okta.com (token from OKTA_API_TOKEN).
    #[arg(long, value_name = "URL")]
    pub org_url: String,
}

impl Collector for Okta {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Okta: users, groups, admin roles, apps and assignments, grants, refresh and API tokens"
    }

    fn args(&self, cmd: clap::Command) -> clap::Command {
        OktaOpts::augment_args(cmd)
    }

    fn run(&self, args: &clap::ArgMatches, ctx: &Context) -> Result<Collection, HeirError> {
        let o: OktaOpts = parse(args)?;
        let token = env_token(CREDENTIAL_ENV)?;
        ctx.block_on(collect(&o.org_url, token, ctx.policy.clone(), ctx.progress))
            .map_err(fetch_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::naming::FEDERATION_TARGET;
    use crate::model::{EdgeKind, Requirement};
    use serde_json::json;

    /// An AWS federation app points its users at the account's IAM SAML provider
    /// (`settings.app.identityProviderArn`), the id the AWS collector gives that provider.
    #[test]
    fn aws_apps_point_at_the_saml_provider() {
        let apps: Vec<Value> = serde_json::from_str(include_str!(
            "../../../tests/fixtures/nhi/okta-aws-app.json"
        ))
        .unwrap();
        let assigned: Vec<Value> = serde_json::from_str(include_str!(
            "../../../tests/fixtures/nhi/okta-aws-app.users.json"
        ))
        .unwrap();
        let raw = OktaRaw {
            org: "acme.okta.com".into(),
            users: vec![json!({"id": "00u1anaFAKE0001", "status": "ACTIVE",
                "profile": {"login": "ana@acme.test", "email": "ana@acme.test"}})],
            apps,
            app_users: [("0oa1awsFAKE0001".to_string(), assigned)].into(),
            ..Default::default()
        };
        let doc = transform(&raw).into_document(crate::model::Timestamp::now());
        let idp = "aws:idp:arn:aws:iam::123456789012:saml-provider/Okta";
        assert!(doc
            .edges
            .iter()
            .any(|e| e.from == "okta:user:00u1anaFAKE0001"
                && e.to == idp
                && e.kind == EdgeKind::Sso));
        let n = doc.nodes.iter().find(|n| n.id == idp).unwrap();
        assert_eq!(n.props[FEDERATION_TARGET], "okta");
        let ana = doc
            .nodes
            .iter()
            .find(|n| n.id == "okta:user:00u1anaFAKE0001")
            .unwrap();
        assert_eq!(ana.aliases, vec!["okta:user:ana@acme.test"]);
    }

    #[test]
    fn ids_and_platforms() {
        assert_eq!(org_host("https://acme.okta.com/"), "acme.okta.com");
        assert_eq!(idp_id("acme.okta.com"), "okta:idp:acme");
        assert_eq!(idp_id("login.acme.test"), "okta:idp:login.acme.test");
        assert_eq!(app_platform(Some("office365"), Some("Office")), "entra");
        assert_eq!(
            app_platform(Some("oidc_client"), Some("Expense Tool")),
            "expense-tool"
        );
        assert_eq!(app_platform(None, Some("Google Workspace")), "google");
        assert_eq!(app_platform(None, None), "okta-app");
    }

    #[test]
    fn policy_takes_the_easiest_allow_rule() {
        let managed_2fa = json!({"status":"ACTIVE","actions":{"appSignOn":{"access":"ALLOW",
            "verificationMethod":{"type":"ASSURANCE","factorMode":"2FA","reauthenticateIn":"PT12H"}}},
            "conditions":{"device":{"managed":true,"registered":true}}});
        let deny = json!({"status":"ACTIVE","actions":{"appSignOn":{"access":"DENY"}}});
        let one_fa = json!({"status":"ACTIVE","actions":{"appSignOn":{"access":"ALLOW",
            "verificationMethod":{"type":"ASSURANCE","factorMode":"1FA"}}}});
        assert_eq!(
            policy_requirements(&[managed_2fa.clone(), deny.clone()]),
            Some(vec![Requirement::Mfa, Requirement::ManagedDevice])
        );
        assert_eq!(policy_requirements(&[managed_2fa, one_fa]), Some(vec![]));
        assert_eq!(policy_requirements(&[deny]), None);
    }
}
