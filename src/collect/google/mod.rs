//! Google Workspace (Admin SDK Directory and Reports, Gmail settings): users and their admin
//! standing, groups and members, admin role assignments, the OAuth tokens each user granted
//! (`tokens.list`) and their application-specific passwords (`asps.list`); with `--mail-settings`
//! each mailbox's forwarding addresses, auto-forwarding and forwarding filters; with `--since T`
//! the Reports API's `token` and `login` activities since T.
//!
//! Fetch returns raw pages ([`GoogleRaw`]); [`transform`] is pure and tested offline. What is
//! read, the scopes it needs and what becomes which node and edge are in
//! `docs/collectors/google.md`.
//!
//! Credentials: `GOOGLE_ACCESS_TOKEN`, or a service-account key file in
//! `GOOGLE_APPLICATION_CREDENTIALS` used with domain-wide delegation (`--subject ADMIN`): heir
//! signs the RS256 JWT assertion itself with `ring` (already in the tree for the HTML reports'
//! hashes), so no JWT crate is added. Reading a user's Gmail settings needs a token *as that user*,
//! which only delegation can mint: `--mail-settings` needs the key file.
//!
//! Id conventions (what `analysis/mechanism/google.rs` reads back):
//! - `google:idp:<customer id>`: the Workspace tenant (super admins are `admin_of` it);
//! - `google:user:<numeric user id>` (a valid `userKey`; the primary email is the name);
//! - `google:group:<group id>`, `google:role:<role id>`;
//! - `google:app:<OAuth client id>`; `google:oauth_grant:<user id>/<client id>` (props `clientId`,
//!   `userKey`); `google:token:asp/<user id>/<codeId>` (props `codeId`, `userKey`);
//! - `google:resource:drive` (the tenant's Drive), `google:resource:mailbox/<primary email>`;
//! - `google:session:login-<uniqueQualifier>` (a `login_success` of the Reports API).

mod fetch;
mod transform;

pub use fetch::{
    client, credential_from_env, fetch, Credential, GoogleRaw, MailSettings, Options,
    ServiceAccountKey, Unavailable,
};
pub use transform::transform;

use clap::Args as _;

use super::collector::{fetch_error, parse, Collector, Context};
use super::http::{FetchError, Policy};
use super::{Collection, Progress};
use crate::error::HeirError;
use crate::model::Timestamp;

/// The source name written to the document.
pub const SOURCE: &str = "google";

/// An OAuth access token for the Admin SDK (never printed).
pub const TOKEN_ENV: &str = "GOOGLE_ACCESS_TOKEN";
/// A service-account key file for domain-wide delegation (the file's key is never printed).
pub const KEY_ENV: &str = "GOOGLE_APPLICATION_CREDENTIALS";

/// Where the Admin SDK lives; Gmail has its own host.
pub const DEFAULT_API: &str = "https://admin.googleapis.com";
pub const DEFAULT_GMAIL_API: &str = "https://gmail.googleapis.com";

const DIRECTORY: &str = "/admin/directory/v1";

/// Scopes asked for with domain-wide delegation: read-only where Google has one.
/// `admin.directory.user.security` is the only scope that lists tokens and ASPs (it can also
/// delete them: Google has no read-only variant).
pub const ADMIN_SCOPES: &[&str] = &[
    "https://www.googleapis.com/auth/admin.directory.user.readonly",
    "https://www.googleapis.com/auth/admin.directory.group.readonly",
    "https://www.googleapis.com/auth/admin.directory.rolemanagement.readonly",
    "https://www.googleapis.com/auth/admin.directory.user.security",
];
/// Added with `--since`.
pub const REPORTS_SCOPE: &str = "https://www.googleapis.com/auth/admin.reports.audit.readonly";
/// Gmail settings, as each user: `gmail.settings.basic` reads filters and forwarding without
/// reading mail (`gmail.readonly` would read every message).
pub const GMAIL_SCOPE: &str = "https://www.googleapis.com/auth/gmail.settings.basic";

/// [`client`] + [`fetch`] + [`transform`].
pub async fn collect(
    cred: Credential,
    o: Options,
    policy: Policy,
    progress: &Progress,
) -> Result<Collection, FetchError> {
    let client = client(&cred, &o, &policy).await?;
    let (raw, problems) = fetch(&client, &cred, &o, &policy, progress).await?;
    let mut c = transform(&raw);
    c.problems.extend(problems);
    progress.finish();
    Ok(c)
}

/// `heir collect google`.
pub struct Google;

#[derive(clap::Args, Debug)]
pub struct GoogleOpts {
    /// The Workspace customer id (default: the admin's own, my_customer).
    #[arg(long, value_name = "ID", default_value = "my_customer")]
    pub customer: String,
    /// With GOOGLE_APPLICATION_CREDENTIALS: the admin to act as (domain-wide delegation).
    #[arg(long, value_name = "ADMIN_EMAIL")]
    pub subject: Option<String>,
    /// Also read each mailbox's forwarding addresses, auto-forwarding and forwarding filters
    /// (needs domain-wide delegation).
    #[arg(long)]
    pub mail_settings: bool,
    /// Also read the Reports API's token and login activities since this time (RFC 3339).
    #[arg(long, value_name = "RFC3339")]
    pub since: Option<String>,
    /// The Admin SDK's scheme and host (paths such as /admin/directory/v1/users are kept).
    #[arg(long, value_name = "URL", default_value = DEFAULT_API)]
    pub api_url: String,
    /// The Gmail API's scheme and host, for --mail-settings.
    #[arg(long, value_name = "URL", default_value = DEFAULT_GMAIL_API)]
    pub gmail_api_url: String,
}

impl Collector for Google {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Google Workspace: users, groups, admin roles, OAuth grants, app passwords, mail forwarding"
    }

    fn args(&self, cmd: clap::Command) -> clap::Command {
        GoogleOpts::augment_args(cmd)
    }

    fn run(&self, args: &clap::ArgMatches, ctx: &Context) -> Result<Collection, HeirError> {
        let o: GoogleOpts = parse(args)?;
        let since = match &o.since {
            Some(t) => Some(Timestamp::parse(t).map_err(|e| {
                HeirError::Usage(format!(
                    "--since {t}: {e} (an RFC 3339 time, e.g. 2025-03-10T08:00:00Z)"
                ))
            })?),
            None => None,
        };
        let cred = credential_from_env(o.subject.as_deref())?;
        let opts = Options {
            customer: o.customer,
            api_url: o.api_url,
            gmail_api_url: o.gmail_api_url,
            mail_settings: o.mail_settings,
            since,
        };
        ctx.block_on(collect(cred, opts, ctx.policy.clone(), ctx.progress))
            .map_err(fetch_error)
    }
}
