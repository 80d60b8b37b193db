//! End to end across the SaaS collectors, as a responder runs it: Okta (with Slack, Google
//! Workspace and GitHub apps assigned), the Okta System Log, GitHub, Google Workspace and Slack
//! collected from their local stand-ins, merged, then `heir blast` and `heir plan` from a stolen
//! Okta session. Slack joins Okta by the platform's own id (the `externalId` Okta's provisioning
//! stores); Google by the primary email and GitHub by the SAML `nameId`, which Okta sends as the
//! app username and the Google and GitHub collectors list as aliases of the canonical account.
//! Drive through SSO *and* an OAuth grant needs one more join no API gives (Okta app = Google
//! OAuth client): a responder's one-row CSV inventory declares it
//! (`tests/fixtures/google/oauth-client-join.csv`, docs/collectors/google.md "Joins").

mod common;

use std::process::{Command, Output};

use common::httpmock::Reply;

const SESSION: &str = "okta:session:102FakeSessionAbCdEf12";
const AT: &str = "2025-03-10T09:30:00Z";
const TOKENS: [(&str, &str); 4] = [
    ("OKTA_API_TOKEN", "00FAKE-okta-saas-e2e-token"),
    ("GITHUB_TOKEN", "ghp_FAKEsaasE2Etoken000000000000000"),
    ("GOOGLE_ACCESS_TOKEN", "ya29.FAKE-saas-e2e-token"),
    ("SLACK_TOKEN", "xoxp-FAKE-saas-e2e-token"),
];

fn heir(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_heir"));
    cmd.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    for (k, _) in TOKENS {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn ok(args: &[&str], env: &[(&str, &str)]) -> String {
    let out = heir(args, env);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "heir {args:?} failed: {err}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    for (_, t) in TOKENS {
        assert!(!err.contains(t) && !stdout.contains(t), "a token leaked");
    }
    stdout
}

/// Okta's recorded org plus a Google Workspace app and a GitHub app assigned to Ana.
fn okta_with_saas_apps() -> common::httpmock::MockServer {
    let server = common::okta_org::org(&[]);
    let mut apps: Vec<serde_json::Value> =
        serde_json::from_str(&common::okta_org::body("apps.json", &server.base)).unwrap();
    let app = |id: &str, name: &str, label: &str| {
        serde_json::json!({"id": id, "name": name, "label": label, "status": "ACTIVE",
            "signOnMode": "SAML_2_0", "created": "2023-06-01T00:00:00.000Z",
            "lastUpdated": "2025-01-01T00:00:00.000Z", "features": [],
            "_links": {"users": {"href": format!("{}/api/v1/apps/{id}/users", server.base)}}})
    };
    apps.push(app("0oa1googleFAKE1", "google", "Google Workspace"));
    apps.push(app(
        "0oa1githubFAKE1",
        "githubcloud",
        "GitHub Enterprise Cloud - Organization",
    ));
    server.route(
        "/api/v1/apps?limit=200",
        vec![Reply::json(serde_json::to_string(&apps).unwrap())],
    );
    let assignment = |external: Option<&str>, user_name: &str| {
        let mut a = serde_json::json!({"id": "00u1anaFAKE0001", "scope": "USER", "status": "PROVISIONED",
            "syncState": "SYNCHRONIZED", "created": "2024-02-02T00:00:00.000Z",
            "credentials": {"userName": user_name}, "profile": {"email": "ana@acme.test"}, "_links": {}});
        if let Some(x) = external {
            a["externalId"] = serde_json::Value::from(x);
        }
        Reply::json(serde_json::Value::Array(vec![a]).to_string())
    };
    server.route(
        "/api/v1/apps/0oa1googleFAKE1/users?limit=200",
        vec![assignment(None, "ana@acme.test")],
    );
    server.route(
        "/api/v1/apps/0oa1githubFAKE1/users?limit=200",
        vec![assignment(None, "ana@acme.test")],
    );
    server
}

#[test]
fn okta_session_to_github_google_and_slack_through_merge_blast_and_plan() {
    let dir = std::env::temp_dir().join(format!("heir-saas-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = |n: &str| -> String { dir.join(n).to_str().unwrap().to_string() };
    let okta = okta_with_saas_apps();
    let github = common::github_org::org(&[]);
    let slack = common::httpmock::MockServer::start();
    for (target, file) in [
        ("/api/auth.test", "auth.test.json"),
        ("/api/users.list?limit=200", "users.list.1.json"),
        (
            "/api/users.list?limit=200&cursor=dXNlcjpVMEZBS0VDQUkwMw%3D%3D",
            "users.list.2.json",
        ),
        (
            "/api/users.list?limit=200&cursor=dXNlcjpVMEZBS0VHVVMwNQ%3D%3D",
            "users.list.3.json",
        ),
        (
            "/api/team.integrationLogs?count=100&page=1",
            "team.integrationLogs.1.json",
        ),
        (
            "/api/team.integrationLogs?count=100&page=2",
            "team.integrationLogs.2.json",
        ),
    ] {
        let body = std::fs::read_to_string(format!(
            "{}/tests/fixtures/slack/api/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        slack.route(target, vec![Reply::json(body)]);
    }
    let google = google_stand_in();

    ok(
        &[
            "collect",
            "okta",
            "--org-url",
            &okta.base,
            "-o",
            &f("okta.json"),
            "--quiet",
        ],
        &TOKENS,
    );
    ok(
        &[
            "collect",
            "oktalog",
            "--file",
            "tests/fixtures/okta/system-log.json",
            "-o",
            &f("log.json"),
        ],
        &[],
    );
    ok(
        &[
            "collect",
            "github",
            "--org",
            "acme-fake",
            "--api-url",
            &github.base,
            "-o",
            &f("github.json"),
            "--quiet",
        ],
        &TOKENS,
    );
    ok(
        &[
            "collect",
            "google",
            "--api-url",
            &google.base,
            "-o",
            &f("google.json"),
            "--quiet",
        ],
        &TOKENS,
    );
    ok(
        &[
            "collect",
            "slack",
            "--api-url",
            &slack.base,
            "-o",
            &f("slack.json"),
            "--quiet",
        ],
        &TOKENS,
    );
    let parts = [
        "okta.json",
        "log.json",
        "github.json",
        "google.json",
        "slack.json",
    ]
    .map(&f);
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(String::as_str));
    let all = f("all.json");
    args.extend(["-o", &all]);
    let out = heir(&args, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    // Every SSO target Okta named is a collected account: GitHub through the nameId alias,
    // Google through the email alias, Slack by id.
    assert!(
        err.contains("placeholder(s) folded, 0 unresolved federation target(s)"),
        "{err}"
    );
    assert!(!err.contains("unresolved:"), "{err}");
    ok(&["validate", &all], &[]);
    let text = std::fs::read_to_string(&all).unwrap();
    let merged: serde_json::Value = serde_json::from_str(&text).unwrap();
    let ids: Vec<&str> = merged["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    for placeholder in ["github:user:ana@acme.test", "google:user:ana@acme.test"] {
        assert!(!ids.contains(&placeholder), "{placeholder} was not folded");
    }
    let sso: Vec<&str> = merged["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "sso" && e["from"] == "okta:user:00u1anaFAKE0001")
        .map(|e| e["to"].as_str().unwrap())
        .collect();
    for want in [
        "github:user:583231",
        "google:user:103456789012345678901",
        "slack:user:U0FAKEANA01",
    ] {
        assert!(sso.contains(&want), "no sso edge to {want}: {sso:?}");
    }
    for (_, t) in TOKENS {
        assert!(!text.contains(t), "a token is in the merged document");
    }

    let out = ok(
        &[
            "blast", &all, "--from", SESSION, "--at", AT, "--format", "json",
        ],
        &[],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let reached: Vec<&str> = v["reached"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    for want in [
        // Slack: Ana is the workspace's primary owner, so its apps are hers to administer.
        "slack:user:U0FAKEANA01",
        "slack:app:T0FAKEACME",
        "slack:app:A0FAKEDRIVE",
        // Google through SSO: Ana's account, her Drive and mailbox, the tenant she administers.
        "google:user:103456789012345678901",
        "google:resource:drive",
        "google:resource:mailbox/ana@acme.test",
        "google:idp:C01fake23",
        // GitHub through SAML: Ana's account, the org she owns, every repo and its CI.
        "github:user:583231",
        "github:app:acme-fake",
        "github:resource:acme-fake/api",
        "github:resource:acme-fake/web",
        "github:workload:acme-fake/api",
    ] {
        assert!(reached.contains(&want), "{want} not in {reached:?}");
    }

    // A compromised third-party OAuth client reaches Drive through the grant Ana gave it (the
    // client holds the grant; the grant's drive.readonly scope reaches Drive), not through her.
    let client = "google:app:123456789012-expensefake.apps.googleusercontent.com";
    let out = ok(
        &[
            "blast", &all, "--from", client, "--at", AT, "--format", "json",
        ],
        &[],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let drive = v["reached"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "google:resource:drive")
        .expect("Drive through the OAuth grant");
    let grant = "google:oauth_grant:103456789012345678901/123456789012-expensefake.apps.googleusercontent.com";
    assert_eq!(
        drive["path"],
        serde_json::json!([client, grant, "google:resource:drive"])
    );
    let out = ok(
        &[
            "plan", &all, "--from", client, "--at", AT, "--format", "json",
        ],
        &[],
    );
    assert!(
        out.contains("DELETE /admin/directory/v1/users/103456789012345678901/tokens/123456789012-expensefake.apps.googleusercontent.com"),
        "the plan does not revoke the grant with tokens.delete"
    );

    // The plan names each platform's own revocation call for the ids the collectors wrote.
    let out = ok(
        &[
            "plan", &all, "--from", SESSION, "--at", AT, "--format", "json",
        ],
        &[],
    );
    for want in [
        "admin.apps.uninstall app_id=A0FAKEDRIVE",
        // Ana administers the Google tenant: its admin-role and grant review, by Reports API.
        "GET /admin/directory/v1/customer/my_customer/roleassignments",
        "applications/token?startTime=",
        // GitHub: the repositories' deploy keys and the org's installations and PAT grants.
        "GET /repos/acme-fake/api/keys: DELETE /repos/acme-fake/api/keys/{key_id}",
        "GET /orgs/acme-fake/installations",
    ] {
        assert!(out.contains(want), "the plan does not name `{want}`");
    }
    let performed = calls_name_native_ids(&out, &merged);
    assert!(
        performed.contains(&"github".to_string()),
        "no GitHub call to check: {performed:?}"
    );
    // Drive through SSO *and* an OAuth grant. No API field links an Okta app to a Google OAuth
    // client (Okta's `client_id` is Okta's own, Google's `clientId` the vendor's Google project's),
    // so without a declaration the session does not reach the Expense Tool's Google grant ...
    let expense_client = "google:app:123456789012-expensefake.apps.googleusercontent.com";
    let expense_grant = "google:oauth_grant:103456789012345678901/123456789012-expensefake.apps.googleusercontent.com";
    assert!(
        !reached.contains(&expense_grant),
        "the grant was reached without the declared join"
    );
    // ... with the responder's one-row inventory saying "Okta app Expense Tool is Google OAuth
    // client 123456789012-expensefake", it does: Ana's session signs in to the Expense Tool
    // (Okta SSO), which is the client holding the grant Ana gave it, whose drive.readonly scope
    // reaches Drive.
    ok(
        &[
            "collect",
            "csv",
            "--file",
            "tests/fixtures/google/oauth-client-join.csv",
            "-o",
            &f("join.json"),
        ],
        &[],
    );
    let joined = f("joined.json");
    let out = heir(&["merge", &all, &f("join.json"), "-o", &joined], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("0 unresolved federation target(s)"), "{err}");
    let valid = heir(&["validate", &joined], &[]);
    assert!(valid.status.success());
    assert!(
        !String::from_utf8_lossy(&valid.stderr).contains("warning"),
        "{}",
        String::from_utf8_lossy(&valid.stderr)
    );
    let out = ok(
        &[
            "blast", &joined, "--from", SESSION, "--at", AT, "--format", "json",
        ],
        &[],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let path_of = |id: &str| -> serde_json::Value {
        v["reached"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap_or_else(|| panic!("{id} not reached"))["path"]
            .clone()
    };
    let through_sso_and_grant = serde_json::json!([
        SESSION,
        "okta:user:00u1anaFAKE0001",
        "expense-tool:user:ana@acme.test",
        "okta:app:0oa1expenseFAKE",
        expense_client,
        expense_grant
    ]);
    assert_eq!(path_of(expense_grant), through_sso_and_grant);
    // The grant reaches Drive (its drive.readonly scope): Drive is in the radius on that chain
    // too, whichever of the two equally wide paths the report shows.
    let drive = path_of("google:resource:drive");
    let by_grant = {
        let mut p = through_sso_and_grant.as_array().unwrap().clone();
        p.push(serde_json::Value::from("google:resource:drive"));
        serde_json::Value::Array(p)
    };
    let by_account = serde_json::json!([
        SESSION,
        "okta:user:00u1anaFAKE0001",
        "google:user:103456789012345678901",
        "google:resource:drive"
    ]);
    assert!(drive == by_grant || drive == by_account, "{drive}");
    let merged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&joined).unwrap()).unwrap();
    assert!(merged["edges"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["from"] == expense_grant
            && e["to"] == "google:resource:drive"
            && e["kind"] == "can_access"));
    // The plan revokes that grant with Google's own call for the ids the collector wrote.
    let out = ok(
        &[
            "plan", &joined, "--from", SESSION, "--at", AT, "--format", "json",
        ],
        &[],
    );
    assert!(
        out.contains("DELETE /admin/directory/v1/users/103456789012345678901/tokens/123456789012-expensefake.apps.googleusercontent.com"),
        "the plan does not revoke the Expense Tool's Google grant"
    );
    let performed = calls_name_native_ids(&out, &merged);
    for api in ["github", "google"] {
        assert!(
            performed.contains(&api.to_string()),
            "no {api} call to check: {performed:?}"
        );
    }

    if std::env::var_os("KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Every GitHub, Google and Slack call of a plan's steps (what `heir revoke` would send and
/// `heir verify` read) names real ids: no `{placeholder}` is left in its path, its check's path
/// or its body, and each id in them is one the collectors wrote — Google's numeric user id and
/// the OAuth client id, GitHub's org, repository, secret name and credential id, Slack's user
/// id. Returns the platforms that had calls (so a caller can tell the check was not vacuous).
fn calls_name_native_ids(plan: &str, doc: &serde_json::Value) -> Vec<String> {
    use std::collections::BTreeSet;
    let plan: serde_json::Value = serde_json::from_str(plan).unwrap();
    let nodes = doc["nodes"].as_array().unwrap();
    let ids: BTreeSet<&str> = nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
    let prop_values = |key: &str| -> BTreeSet<String> {
        nodes
            .iter()
            .filter_map(|n| n["props"].get(key))
            .map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect()
    };
    let (client_ids, secret_names, credential_ids) = (
        prop_values("clientId"),
        prop_values("secret_name"),
        prop_values("credential_id"),
    );
    let has = |id: String, what: &str, call: &str| {
        assert!(
            ids.contains(id.as_str()),
            "{call}: {what} is not an id the collectors wrote ({id})"
        );
    };
    let mut apis = BTreeSet::new();
    for step in plan["steps"].as_array().unwrap() {
        let Some(calls) = step["calls"].as_array() else {
            continue;
        };
        for c in calls {
            let api = c["api"].as_str().unwrap();
            if !["github", "google", "slack"].contains(&api) {
                continue;
            }
            apis.insert(api.to_string());
            let path = c["path"].as_str().unwrap();
            let line = format!("step {} {} {path}", step["order"], c["method"]);
            let check = c["check"]["path"].as_str().unwrap_or("");
            let mut texts = vec![("path", path.to_string()), ("check", check.to_string())];
            if let Some(body) = c["body"].as_object() {
                texts.extend(body.values().map(|v| ("body", v.to_string())));
            }
            for (what, text) in texts {
                assert!(
                    !text.contains('{'),
                    "{line}: a placeholder is left in its {what}: {text}"
                );
            }
            let seg: Vec<&str> = path.split('?').next().unwrap().split('/').collect();
            let after = |word: &str| -> Option<String> {
                seg.iter()
                    .position(|s| *s == word)
                    .and_then(|i| seg.get(i + 1))
                    .map(|s| s.replace("%20", " "))
            };
            match api {
                "google" => {
                    let user = after("users").expect("a Directory path names its user");
                    assert!(
                        user.bytes().all(|b| b.is_ascii_digit()),
                        "{line}: Google's user key is not the numeric id"
                    );
                    has(format!("google:user:{user}"), "the user", &line);
                    if let Some(client) = after("tokens") {
                        assert!(client_ids.contains(&client), "{line}: unknown client");
                    }
                }
                "github" => {
                    if seg.get(1) == Some(&"repos") {
                        has(
                            format!("github:resource:{}/{}", seg[2], seg[3]),
                            "the repository",
                            &line,
                        );
                    }
                    if let Some(org) = after("orgs") {
                        has(format!("github:app:{org}"), "the organization", &line);
                    }
                    if let Some(name) = after("secrets") {
                        assert!(secret_names.contains(&name), "{line}: unknown secret");
                    }
                    if let Some(cred) = after("credential-authorizations") {
                        assert!(
                            credential_ids.contains(&cred),
                            "{line}: not GitHub's credential id"
                        );
                    }
                }
                _ => {
                    if let Some(u) = c["body"]["user_id"].as_str() {
                        has(format!("slack:user:{u}"), "the user", &line);
                    }
                }
            }
        }
    }
    apis.into_iter().collect()
}

/// The Google stand-in of tests/collect_google.rs, without the Reports and Gmail routes.
fn google_stand_in() -> common::httpmock::MockServer {
    let server = common::httpmock::MockServer::start();
    let d = "/admin/directory/v1";
    let users = format!("{d}/users?customer=my_customer&maxResults=500&projection=full");
    let routes: Vec<(String, &str)> = vec![
        (users.clone(), "users.1.json"),
        (
            format!("{users}&pageToken=Q0FFU0ZBb1NNVEF6TkRVMk56ZzVNREV5TXpRMU5qYzRPVEF5"),
            "users.2.json",
        ),
        (
            format!("{users}&pageToken=Q0FFU0ZBb1NNVEF6TkRVMk56ZzVNREV5TXpRMU5qYzRPVEF6"),
            "users.3.json",
        ),
        (
            format!("{d}/groups?customer=my_customer&maxResults=200"),
            "groups.json",
        ),
        (
            format!("{d}/groups/03fake0eng/members?maxResults=200"),
            "groups.03fake0eng.members.json",
        ),
        (
            format!("{d}/groups/03fake0all/members?maxResults=200"),
            "groups.03fake0all.members.json",
        ),
        (
            format!("{d}/customer/my_customer/roles?maxResults=100"),
            "roles.json",
        ),
        (
            format!("{d}/customer/my_customer/roleassignments?maxResults=200"),
            "roleassignments.json",
        ),
        (
            format!("{d}/users/103456789012345678901/tokens"),
            "tokens.ana.json",
        ),
        (
            format!("{d}/users/103456789012345678902/tokens"),
            "tokens.ben.json",
        ),
        (
            format!("{d}/users/103456789012345678903/tokens"),
            "tokens.cai.json",
        ),
        (
            format!("{d}/users/103456789012345678904/tokens"),
            "tokens.dee.json",
        ),
        (
            format!("{d}/users/103456789012345678901/asps"),
            "asps.empty.json",
        ),
        (
            format!("{d}/users/103456789012345678902/asps"),
            "asps.empty.json",
        ),
        (
            format!("{d}/users/103456789012345678903/asps"),
            "asps.cai.json",
        ),
        (
            format!("{d}/users/103456789012345678904/asps"),
            "asps.empty.json",
        ),
    ];
    for (target, file) in routes {
        let body = std::fs::read_to_string(format!(
            "{}/tests/fixtures/google/api/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        server.route(&target, vec![Reply::json(body)]);
    }
    server
}
