//! Where each platform's calls go and with which credential: the base URLs of `heir revoke` and
//! `heir verify` (`--okta-org-url`, `--entra-api-url`, …; the public endpoints by default, as
//! for the collectors) and the collectors' environment variables. Clients are the collectors'
//! (`collect::http`): the same retries, rate-limit waits and redaction.

use std::collections::BTreeMap;

use crate::analysis::mechanism::Api;
use crate::collect::http::{Auth, Client, FetchError, Policy};
use crate::collect::{entra, github, google, okta, slack};
use crate::error::HeirError;

/// The base URL of every platform endpoint.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    /// Okta has no public default: the org URL is the tenant.
    pub okta: Option<String>,
    pub entra: Option<String>,
    pub github: Option<String>,
    pub google: Option<String>,
    pub slack: Option<String>,
}

impl Endpoints {
    /// The base URL calls to `api` go to; `None` only for Okta without `--okta-org-url`.
    pub fn base(&self, api: Api) -> Option<String> {
        let given = match api {
            Api::Okta => &self.okta,
            Api::Entra => &self.entra,
            Api::Github => &self.github,
            Api::Google => &self.google,
            Api::Slack => &self.slack,
        };
        let default = match api {
            Api::Okta => None,
            Api::Entra => Some(entra::GRAPH_URL),
            Api::Github => Some(github::DEFAULT_API),
            Api::Google => Some(google::DEFAULT_API),
            Api::Slack => Some(slack::DEFAULT_API),
        };
        given
            .clone()
            .or(default.map(str::to_string))
            .map(|b| b.trim_end_matches('/').to_string())
    }

    /// The URL of a call as printed and journaled: the base, or `{--okta-org-url}` when the flag
    /// is missing (a dry run still shows the request).
    pub fn url(&self, api: Api, path: &str) -> String {
        match self.base(api) {
            Some(b) => format!("{b}{path}"),
            None => format!("{{{}}}{path}", flag(api)),
        }
    }
}

/// The command-line flag naming an endpoint's base URL.
pub const fn flag(api: Api) -> &'static str {
    match api {
        Api::Okta => "--okta-org-url",
        Api::Entra => "--entra-api-url",
        Api::Github => "--github-api-url",
        Api::Google => "--google-api-url",
        Api::Slack => "--slack-api-url",
    }
}

/// How a request authenticates, as printed: the scheme and the variable that holds the
/// credential, never its value.
pub const fn credential(api: Api) -> &'static str {
    match api {
        Api::Okta => "SSWS $OKTA_API_TOKEN",
        Api::Entra => {
            "Bearer $ENTRA_ACCESS_TOKEN (or one issued for ENTRA_TENANT_ID, ENTRA_CLIENT_ID, ENTRA_CLIENT_SECRET)"
        }
        Api::Github => "Bearer $GITHUB_TOKEN",
        Api::Google => "Bearer $GOOGLE_ACCESS_TOKEN",
        Api::Slack => "Bearer $SLACK_TOKEN",
    }
}

/// A non-empty environment variable, or an error naming it.
fn env(var: &str, purpose: &str) -> Result<String, HeirError> {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(HeirError::Environment(format!(
            "the environment variable {var} is not set\n  fix: export {var}=… with {purpose}"
        ))),
    }
}

fn transport(base: &str) -> impl Fn(String) -> FetchError + '_ {
    move |detail| FetchError::Transport {
        url: base.to_string(),
        detail,
    }
}

/// One client per platform the run calls, built from the environment before the first request,
/// so a missing credential stops the run before anything was done rather than half-way.
pub async fn clients(
    endpoints: &Endpoints,
    apis: &[Api],
    policy: &Policy,
) -> Result<BTreeMap<Api, Client>, HeirError> {
    let mut out = BTreeMap::new();
    for &api in apis {
        let Some(base) = endpoints.base(api) else {
            return Err(HeirError::Usage(format!(
                "the plan has Okta calls and {} is not given\n  fix: pass {} https://YOUR-ORG.okta.com",
                flag(api),
                flag(api)
            )));
        };
        let fetch = |e: FetchError| HeirError::Environment(e.to_string());
        let client = match api {
            Api::Okta => {
                let token = env(
                    okta::CREDENTIAL_ENV,
                    "an Okta API token allowed to manage users, apps and API tokens",
                )?;
                Client::new(
                    &base,
                    Auth::Ssws(token),
                    okta::CREDENTIAL_ENV,
                    policy.clone(),
                )
                .map_err(transport(&base))
                .map_err(fetch)?
            }
            Api::Entra => {
                let auth = entra::auth_from_env().map_err(HeirError::Environment)?;
                entra::connect(&base, &auth, policy.clone())
                    .await
                    .map_err(fetch)?
            }
            Api::Github => {
                let token = env(
                    github::CREDENTIAL_ENV,
                    "a GitHub token of an organization owner (or a GitHub App token for PAT revocation)",
                )?;
                github::client(&base, token, policy.clone()).map_err(fetch)?
            }
            Api::Google => {
                let token = env(
                    google::TOKEN_ENV,
                    "an admin's OAuth token with the admin.directory.user.security and admin.directory.user scopes",
                )?;
                Client::new(
                    &base,
                    Auth::Bearer(token),
                    google::TOKEN_ENV,
                    policy.clone(),
                )
                .map(|c| c.dialect(crate::collect::http::Dialect::Google))
                .map_err(transport(&base))
                .map_err(fetch)?
            }
            Api::Slack => {
                let token = env(
                    slack::CREDENTIAL_ENV,
                    "an Enterprise Grid org admin's user token with admin.users:write",
                )?;
                slack::client(&base, token, policy.clone()).map_err(fetch)?
            }
        };
        out.insert(api, client);
    }
    Ok(out)
}
