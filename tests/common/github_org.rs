//! The recorded GitHub organization of tests/fixtures/github, served by the scripted HTTP mock
//! with GitHub's comma-joined `Link` headers and rate-limit headers.
#![allow(dead_code)]

use super::httpmock::{MockServer, Reply};

pub const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/github");
pub const ORG: &str = "acme-fake";

pub fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/api/{name}"))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// A 200 page as GitHub sends it: the next page (if any) and the last in one `link` header.
pub fn page(name: &str, base: &str, next: Option<&str>) -> Reply {
    let mut r = Reply::json(read(name))
        .header("x-ratelimit-limit", "5000")
        .header("x-ratelimit-remaining", "4999")
        .header("x-ratelimit-resource", "core");
    if let Some(n) = next {
        r = r.header(
            "link",
            &format!("<{base}{n}>; rel=\"next\", <{base}{n}>; rel=\"last\""),
        );
    }
    r
}

/// Every endpoint of the recorded org: (request target, recorded file, next page target).
pub fn routes() -> Vec<(&'static str, &'static str, Option<&'static str>)> {
    vec![
        ("/orgs/acme-fake", "org.json", None),
        (
            "/orgs/acme-fake/members?role=admin&per_page=100",
            "members.admin.json",
            None,
        ),
        (
            "/orgs/acme-fake/members?per_page=100",
            "members.1.json",
            Some("/orgs/acme-fake/members?per_page=100&page=2"),
        ),
        (
            "/orgs/acme-fake/members?per_page=100&page=2",
            "members.2.json",
            Some("/orgs/acme-fake/members?per_page=100&page=3"),
        ),
        (
            "/orgs/acme-fake/members?per_page=100&page=3",
            "members.3.json",
            None,
        ),
        (
            "/orgs/acme-fake/outside_collaborators?per_page=100",
            "outside_collaborators.json",
            None,
        ),
        ("/orgs/acme-fake/teams?per_page=100", "teams.json", None),
        (
            "/orgs/acme-fake/teams/platform/members?per_page=100",
            "teams.platform.members.json",
            None,
        ),
        (
            "/orgs/acme-fake/teams/platform-infra/members?per_page=100",
            "teams.platform-infra.members.json",
            None,
        ),
        (
            "/orgs/acme-fake/repos?type=all&per_page=100",
            "repos.json",
            None,
        ),
        (
            "/repos/acme-fake/api/collaborators?affiliation=direct&per_page=100",
            "repos.api.collaborators.json",
            None,
        ),
        (
            "/repos/acme-fake/web/collaborators?affiliation=direct&per_page=100",
            "repos.web.collaborators.json",
            None,
        ),
        (
            "/repos/acme-fake/api/teams?per_page=100",
            "repos.api.teams.json",
            None,
        ),
        (
            "/repos/acme-fake/web/teams?per_page=100",
            "repos.web.teams.json",
            None,
        ),
        (
            "/repos/acme-fake/api/keys?per_page=100",
            "repos.api.keys.json",
            None,
        ),
        (
            "/repos/acme-fake/web/keys?per_page=100",
            "repos.web.keys.json",
            None,
        ),
        (
            "/repos/acme-fake/api/actions/secrets?per_page=100",
            "repos.api.secrets.json",
            None,
        ),
        (
            "/repos/acme-fake/api/actions/variables?per_page=30",
            "repos.api.variables.json",
            None,
        ),
        (
            "/repos/acme-fake/web/actions/variables?per_page=30",
            "repos.web.variables.json",
            None,
        ),
        (
            "/repos/acme-fake/api/hooks?per_page=100",
            "repos.api.hooks.json",
            None,
        ),
        (
            "/repos/acme-fake/web/hooks?per_page=100",
            "repos.web.hooks.json",
            None,
        ),
        (
            "/orgs/acme-fake/actions/secrets?per_page=100",
            "org.actions.secrets.json",
            None,
        ),
        (
            "/orgs/acme-fake/actions/secrets/PROD_DEPLOY_KEY/repositories?per_page=100",
            "org.actions.secrets.PROD_DEPLOY_KEY.repositories.json",
            None,
        ),
        (
            "/orgs/acme-fake/actions/variables?per_page=30",
            "org.actions.variables.json",
            None,
        ),
        (
            "/orgs/acme-fake/actions/variables/RELEASE_CHANNEL/repositories?per_page=100",
            "org.actions.variables.RELEASE_CHANNEL.repositories.json",
            None,
        ),
        (
            "/repos/acme-fake/api/environments?per_page=100",
            "repos.api.environments.json",
            None,
        ),
        (
            "/repos/acme-fake/web/environments?per_page=100",
            "repos.web.environments.json",
            None,
        ),
        (
            "/repos/acme-fake/api/environments/production/secrets?per_page=100",
            "repos.api.environments.production.secrets.json",
            None,
        ),
        (
            "/repos/acme-fake/api/environments/staging/secrets?per_page=100",
            "repos.api.environments.staging.secrets.json",
            None,
        ),
        (
            "/repos/acme-fake/api/environments/production/variables?per_page=30",
            "repos.api.environments.production.variables.json",
            None,
        ),
        (
            "/repos/acme-fake/api/environments/staging/variables?per_page=30",
            "repos.api.environments.staging.variables.json",
            None,
        ),
        (
            "/user/installations/7003/repositories?per_page=100",
            "user.installations.7003.repositories.json",
            None,
        ),
        ("/orgs/acme-fake/hooks?per_page=100", "org.hooks.json", None),
        (
            "/orgs/acme-fake/installations?per_page=100",
            "installations.json",
            None,
        ),
        (
            "/orgs/acme-fake/personal-access-tokens?per_page=100",
            "pats.json",
            None,
        ),
        (
            "/orgs/acme-fake/personal-access-tokens/25381/repositories?per_page=100",
            "pats.25381.repositories.json",
            None,
        ),
        (
            "/orgs/acme-fake/credential-authorizations?per_page=100",
            "credential-authorizations.json",
            None,
        ),
    ]
}

/// The org served by a fresh mock; `overrides` replace the scripted replies of some targets
/// (a throttle first, a 5xx, a malformed page, a 401). The `web` repository's secrets answer 403,
/// as for a token without admin on it; the suspended installation 7002's repositories answer 403,
/// as for a user access token of another GitHub App.
pub fn org(overrides: &[(&str, Vec<Reply>)]) -> MockServer {
    let server = MockServer::start();
    for (target, file, next) in routes() {
        server.route(target, vec![page(file, &server.base, next)]);
    }
    server.route(
        "/repos/acme-fake/web/actions/secrets?per_page=100",
        vec![Reply::status(403, read("forbidden.json"))],
    );
    // A user access token sees the installation of its own GitHub App (7003), not another's.
    server.route(
        "/user/installations/7002/repositories?per_page=100",
        vec![Reply::status(
            403,
            r#"{"message":"You must authenticate with an access token authorized to a GitHub App in order to list installations","documentation_url":"https://docs.github.com/rest/apps/installations#list-repositories-accessible-to-the-user-access-token","status":"403"}"#,
        )],
    );
    // GraphQL: one target, the pages in order (the cursor is in the POST body).
    server.route(
        "/graphql",
        vec![
            Reply::json(read("graphql.saml.1.json")),
            Reply::json(read("graphql.saml.2.json")),
        ],
    );
    for (target, replies) in overrides {
        server.route(target, replies.clone());
    }
    server
}
