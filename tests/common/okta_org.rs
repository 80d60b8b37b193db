//! The recorded Okta org of tests/fixtures/okta, served by the scripted HTTP mock.
#![allow(dead_code)]

use super::httpmock::{MockServer, Reply};

pub const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/okta");

pub fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/{name}"))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// A recorded response body, `{{BASE}}` (links to the server itself) filled in.
pub fn body(name: &str, base: &str) -> String {
    read(&format!("api/{name}")).replace("{{BASE}}", base)
}

pub fn page(name: &str, base: &str, this: &str, next: Option<&str>) -> Reply {
    let mut r = Reply::json(body(name, base))
        .header("link", &format!("<{base}{this}>; rel=\"self\""))
        .header("x-rate-limit-limit", "600")
        .header("x-rate-limit-remaining", "599")
        .header("x-rate-limit-reset", "1741600000");
    if let Some(n) = next {
        r = r.header("link", &format!("<{base}{n}>; rel=\"next\""));
    }
    r
}

/// Every endpoint of the recorded org: (request target, recorded file, next page target).
pub fn routes() -> Vec<(&'static str, &'static str, Option<&'static str>)> {
    vec![
        (
            "/api/v1/users?limit=200",
            "users.1.json",
            Some("/api/v1/users?after=00u1benFAKE0002&limit=200"),
        ),
        (
            "/api/v1/users?after=00u1benFAKE0002&limit=200",
            "users.2.json",
            Some("/api/v1/users?after=00u1deeFAKE0004&limit=200"),
        ),
        (
            "/api/v1/users?after=00u1deeFAKE0004&limit=200",
            "users.3.json",
            None,
        ),
        (
            "/api/v1/users?filter=status%20eq%20%22DEPROVISIONED%22&limit=200",
            "users.deprovisioned.json",
            None,
        ),
        ("/api/v1/groups?limit=200", "groups.json", None),
        (
            "/api/v1/groups/00g1engFAKE0001/users?limit=200",
            "groups.00g1engFAKE0001.users.json",
            None,
        ),
        (
            "/api/v1/groups/00g1itFAKE00002/users?limit=200",
            "groups.00g1itFAKE00002.users.json",
            None,
        ),
        (
            "/api/v1/iam/assignees/users?limit=100",
            "iam.assignees.1.json",
            None,
        ),
        (
            "/api/v1/iam/assignees/users?after=00u1eveFAKE0005&limit=100",
            "iam.assignees.2.json",
            None,
        ),
        (
            "/api/v1/users/00u1benFAKE0002/roles",
            "roles.00u1benFAKE0002.json",
            None,
        ),
        (
            "/api/v1/users/00u1eveFAKE0005/roles",
            "roles.00u1eveFAKE0005.json",
            None,
        ),
        (
            "/api/v1/users/00u1finFAKE0006/roles",
            "roles.00u1finFAKE0006.json",
            None,
        ),
        ("/api/v1/apps?limit=200", "apps.json", None),
        (
            "/api/v1/apps/0oa1slackFAKE01/users?limit=200",
            "apps.0oa1slackFAKE01.users.json",
            None,
        ),
        (
            "/api/v1/apps/0oa1sfdcFAKE001/users?limit=200",
            "apps.0oa1sfdcFAKE001.users.json",
            None,
        ),
        (
            "/api/v1/apps/0oa1expenseFAKE/users?limit=200",
            "apps.0oa1expenseFAKE.users.json",
            None,
        ),
        (
            "/api/v1/policies/rst1mfaFAKE0001/rules",
            "policies.rst1mfaFAKE0001.rules.json",
            None,
        ),
        (
            "/api/v1/policies/rst1deviceFAKE1/rules",
            "policies.rst1deviceFAKE1.rules.json",
            None,
        ),
        (
            "/api/v1/apps/0oa1expenseFAKE/tokens?limit=200",
            "apps.0oa1expenseFAKE.tokens.json",
            None,
        ),
        (
            "/oauth2/v1/clients/0oa1syncbotFAKE/roles",
            "clients.0oa1syncbotFAKE.roles.json",
            None,
        ),
        (
            "/api/v1/apps/0oa1syncbotFAKE/grants?expand=scope",
            "apps.0oa1syncbotFAKE.grants.json",
            None,
        ),
        (
            "/api/v1/apps/0oa1syncbotFAKE/credentials/secrets",
            "apps.0oa1syncbotFAKE.secrets.json",
            None,
        ),
        (
            "/api/v1/users/00u1anaFAKE0001/grants?expand=scope&limit=200",
            "grants.00u1anaFAKE0001.json",
            None,
        ),
        (
            "/api/v1/users/00u1benFAKE0002/grants?expand=scope&limit=200",
            "empty.json",
            None,
        ),
        (
            "/api/v1/users/00u1caiFAKE0003/grants?expand=scope&limit=200",
            "empty.json",
            None,
        ),
        (
            "/api/v1/users/00u1deeFAKE0004/grants?expand=scope&limit=200",
            "empty.json",
            None,
        ),
        (
            "/api/v1/users/00u1eveFAKE0005/grants?expand=scope&limit=200",
            "empty.json",
            None,
        ),
        (
            "/api/v1/users/00u1finFAKE0006/grants?expand=scope&limit=200",
            "grants.00u1finFAKE0006.json",
            None,
        ),
        ("/api/v1/api-tokens", "api-tokens.json", None),
    ]
}

/// A server answering every recorded endpoint, with `before` scripted replies put in front of the
/// recorded one for some targets (the recorded reply then repeats).
pub fn org(before: &[(&str, Vec<Reply>)]) -> MockServer {
    let server = MockServer::start();
    for (target, file, next) in routes() {
        let mut replies: Vec<Reply> = before
            .iter()
            .filter(|(t, _)| *t == target)
            .flat_map(|(_, r)| r.clone())
            .collect();
        replies.push(page(file, &server.base, target, next));
        server.route(target, replies);
    }
    server
}
