//! GitHub (REST API of an organization): members and their org role, teams and nesting,
//! repositories and who can do what in each (members, teams, outside collaborators, deploy keys),
//! Actions (the repo's workload, the repository, environment and organization secrets it can read,
//! by name, and its variables), webhooks, GitHub App installations (with a selected one's
//! repositories when the token may list them), org-approved fine-grained personal access tokens
//! and SAML credential authorizations.
//!
//! Fetch returns raw pages ([`GithubRaw`]); [`transform`] is pure and tested offline on recorded
//! responses. What is read, the permissions it needs and what becomes which node and edge are in
//! `docs/collectors/github.md`.
//!
//! Id conventions (`platform:kind:native-id`, see [`crate::model::naming`]), chosen to be what the
//! plan's GitHub mechanisms read back (`analysis/mechanism/github.rs`):
//! - `github:app:<org login>`: the organization (owners are `admin_of` it);
//! - `github:user:<numeric user id>` (immutable; the login is the node's name and `props.login`,
//!   which is what GitHub's paths take);
//! - `github:group:<numeric team id>`; `github:group:<org>/members`, the org's base permission;
//! - `github:resource:<owner>/<repo>`, the repository; `github:workload:<owner>/<repo>`, its
//!   Actions workflows (the OIDC join to cloud roles: whoever can push can run a workflow);
//! - `github:service_account:installation/<installation id>` (props `installation_id`);
//! - `github:token:pat/<pat grant id>` (props `pat_id`), `github:token:credential/<credential_id>`
//!   (props `credential_id`), `github:token:<owner>/<repo>/keys/<key id>` (deploy keys, props
//!   `key_id`, `repo`), `github:token:<owner>/<repo>/secrets/<NAME>` (Actions secrets by name),
//!   `github:token:<owner>/<repo>/environments/<env>/secrets/<NAME>` (environment secrets),
//!   `github:token:<org>/secrets/<NAME>` (organization secrets, held by the workload of every
//!   repository their `visibility` lets read them).

mod fetch;
mod transform;

pub use fetch::{client, fetch, graphql_url, GithubRaw, Unavailable};
pub use transform::transform;

use clap::Args as _;

use super::collector::{env_token, fetch_error, parse, Collector, Context};
use super::http::{FetchError, Policy};
use super::{Collection, Progress};
use crate::error::HeirError;

/// The source name written to the document.
pub const SOURCE: &str = "github";

/// The environment variable the token comes from (named in errors, never its value).
pub const CREDENTIAL_ENV: &str = "GITHUB_TOKEN";

/// Where github.com's REST API lives; GitHub Enterprise Server: `https://HOST/api/v3`.
pub const DEFAULT_API: &str = "https://api.github.com";

/// [`client`] + [`fetch`] + [`transform`]; endpoint problems go into `collection.problems`.
pub async fn collect(
    api_url: &str,
    org: &str,
    token: String,
    policy: Policy,
    progress: &Progress,
) -> Result<Collection, FetchError> {
    let client = client(api_url, token, policy)?;
    let (raw, problems) = fetch(&client, org, progress).await?;
    let mut c = transform(&raw);
    c.problems.extend(problems);
    progress.finish();
    Ok(c)
}

/// `heir collect github`.
pub struct Github;

// The doc comments are the `--help` texts, where a bare URL reads best.
#[allow(rustdoc::bare_urls)]
#[derive(clap::Args, Debug)]
pub struct GithubOpts {
    /// The organization's login (token from GITHUB_TOKEN).
    #[arg(long, value_name = "ORG")]
    pub org: String,
    /// The REST API's scheme and host, e.g. https://ghe.example.com/api/v3 for GitHub
    /// Enterprise Server (paths such as /orgs/ORG/members are kept).
    #[arg(long, value_name = "URL", default_value = DEFAULT_API)]
    pub api_url: String,
}

impl Collector for Github {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "GitHub: members, teams, repository access, deploy keys, Actions, apps, PATs, SAML credentials"
    }

    fn args(&self, cmd: clap::Command) -> clap::Command {
        GithubOpts::augment_args(cmd)
    }

    fn run(&self, args: &clap::ArgMatches, ctx: &Context) -> Result<Collection, HeirError> {
        let o: GithubOpts = parse(args)?;
        let token = env_token(CREDENTIAL_ENV)?;
        ctx.block_on(collect(
            &o.api_url,
            &o.org,
            token,
            ctx.policy.clone(),
            ctx.progress,
        ))
        .map_err(fetch_error)
    }
}
