//! The executable calls beside each mechanism's text: the calls are the requests `how` names
//! (so a person reviewing `how` reviews what `heir revoke` sends), ttl_only steps and steps that
//! need a secret heir does not hold have none, and each platform's revocation calls of the issue
//! are there with their checks.

use super::tests::{props, subject};
use super::*;

fn now() -> Timestamp {
    Timestamp::parse("2026-11-20T10:00:00Z").unwrap()
}

/// `METHOD path` of each call, checking on the way that `how` names it.
fn lines(m: &Mechanism) -> Vec<String> {
    m.calls
        .iter()
        .map(|c| {
            // Slack's `how` names the full method URL; the call is relative to the host.
            let named = match c.api {
                Api::Slack => c.path.replace("/api/", "https://slack.com/api/"),
                _ => c.path.clone(),
            };
            let named = named.split('?').next().unwrap().to_string();
            assert!(
                m.how.contains(&named),
                "`{}` is not named in how: {}",
                c.line(),
                m.how
            );
            c.line()
        })
        .collect()
}

#[test]
fn okta_calls_are_the_documented_revocations() {
    let p = Props::new();
    let user = Some((NodeKind::User, "00u1", None));
    let session = Subject {
        revocation: Some(Revocation::Central),
        account: user,
        ..subject("okta", NodeKind::Session, "102abc", &p)
    };
    let m = revoke(&session, now());
    assert_eq!(
        lines(&m),
        ["DELETE /api/v1/users/00u1/sessions?oauthTokens=true"]
    );
    assert_eq!(
        m.calls[0].check,
        Some(Check {
            path: "/api/v1/sessions/102abc".into(),
            expect: Expect::Gone
        })
    );
    let grant = Subject {
        account: user,
        client: Some("0oa9"),
        ..subject("okta", NodeKind::OauthGrant, "oag1", &p)
    };
    assert_eq!(
        lines(&revoke(&grant, now())),
        [
            "DELETE /api/v1/users/00u1/clients/0oa9/grants",
            "DELETE /api/v1/users/00u1/clients/0oa9/tokens"
        ]
    );
    let api = Subject {
        token_type: Some(TokenType::ApiKey),
        ..subject("okta", NodeKind::Token, "00T1", &p)
    };
    assert_eq!(
        lines(&revoke(&api, now())),
        ["DELETE /api/v1/api-tokens/00T1"]
    );
    let u = subject("okta", NodeKind::User, "00u1", &p);
    let m = contain(&u);
    assert_eq!(lines(&m), ["POST /api/v1/users/00u1/lifecycle/suspend"]);
    // A password reset hands back a reset link: done by hand, never by heir.
    let pw = Subject {
        token_type: Some(TokenType::Password),
        account: user,
        ..subject("okta", NodeKind::Token, "pw", &p)
    };
    assert!(revoke(&pw, now()).calls.is_empty());
}

#[test]
fn entra_calls_are_the_documented_revocations() {
    let p = Props::new();
    let user = Some((NodeKind::User, "u-1", None));
    let rt = Subject {
        token_type: Some(TokenType::Refresh),
        account: user,
        ..subject("entra", NodeKind::Token, "rt", &p)
    };
    let m = revoke(&rt, now());
    assert_eq!(lines(&m), ["POST /users/u-1/revokeSignInSessions"]);
    assert!(matches!(
        m.calls[0].check.as_ref().unwrap().expect,
        Expect::NotBefore { .. }
    ));
    let disable = contain(&subject("entra", NodeKind::User, "u-1", &p));
    assert_eq!(lines(&disable), ["PATCH /users/u-1"]);
    assert_eq!(
        disable.calls[0].body,
        Some(serde_json::json!({"accountEnabled": false}))
    );
    let grant = subject("entra", NodeKind::OauthGrant, "g-1", &p);
    assert_eq!(
        lines(&revoke(&grant, now())),
        ["DELETE /oauth2PermissionGrants/g-1"]
    );
    let sp = props(serde_json::json!({"application_objectId": "obj-1", "keyId": "k-1"}));
    let secret = Subject {
        token_type: Some(TokenType::ClientSecret),
        ..subject("entra", NodeKind::Token, "k-1", &sp)
    };
    let m = revoke(&secret, now());
    assert_eq!(lines(&m), ["POST /applications/obj-1/removePassword"]);
    assert_eq!(m.calls[0].body, Some(serde_json::json!({"keyId": "k-1"})));
    // removeKey needs a proof signed by a key heir does not hold; an access token is ttl_only.
    let cert = Subject {
        token_type: Some(TokenType::PrivateKey),
        ..subject("entra", NodeKind::Token, "k-2", &sp)
    };
    assert!(revoke(&cert, now()).calls.is_empty());
    let at = Subject {
        token_type: Some(TokenType::Access),
        account: user,
        ..subject("entra", NodeKind::Token, "at", &p)
    };
    let m = revoke(&at, now());
    assert!(m.calls.is_empty() && m.compensating.is_some());
}

#[test]
fn github_google_and_slack_calls_are_the_documented_revocations() {
    let p = props(serde_json::json!({"org": "acme", "credential_id": "4242"}));
    let pat = Subject {
        token_type: Some(TokenType::Pat),
        ..subject("github", NodeKind::Token, "pat-1", &p)
    };
    assert_eq!(
        lines(&revoke(&pat, now())),
        ["DELETE /orgs/acme/credential-authorizations/4242"]
    );
    let none = Props::new();
    let key = Subject {
        token_type: Some(TokenType::PrivateKey),
        ..subject("github", NodeKind::Token, "acme/api/keys/77", &none)
    };
    assert_eq!(
        lines(&revoke(&key, now())),
        ["DELETE /repos/acme/api/keys/77"]
    );

    let user = Some((NodeKind::User, "1034", None));
    let grant = Subject {
        account: user,
        client: Some("123-abc.apps.googleusercontent.com"),
        ..subject("google", NodeKind::OauthGrant, "1034/123-abc", &none)
    };
    assert_eq!(
        lines(&revoke(&grant, now())),
        ["DELETE /admin/directory/v1/users/1034/tokens/123-abc.apps.googleusercontent.com"]
    );
    let asp_props = props(serde_json::json!({"codeId": 7}));
    let asp = Subject {
        token_type: Some(TokenType::Password),
        account: user,
        ..subject("google", NodeKind::Token, "asp/1034/7", &asp_props)
    };
    assert_eq!(
        lines(&revoke(&asp, now())),
        ["DELETE /admin/directory/v1/users/1034/asps/7"]
    );
    let session = Subject {
        account: user,
        ..subject("google", NodeKind::Session, "s", &none)
    };
    let m = revoke(&session, now());
    assert_eq!(lines(&m), ["POST /admin/directory/v1/users/1034/signOut"]);
    assert!(m.rest.as_deref().unwrap().contains("tokens/{clientId}"));

    let slack = Subject {
        account: Some((NodeKind::User, "U1", None)),
        ..subject("slack", NodeKind::Session, "s", &none)
    };
    let m = revoke(&slack, now());
    assert_eq!(lines(&m), ["POST /api/admin.users.session.reset"]);
    assert_eq!(m.calls[0].body, Some(serde_json::json!({"user_id": "U1"})));
}

/// GitHub Actions secrets, as the collector emits them (props) and by id alone: the delete of
/// the secret's own kind, checked by the same path answering 404, and the rotation at the issuer
/// left by hand (the value stays valid there).
#[test]
fn github_actions_secrets_are_deleted_and_rotated_by_hand() {
    let secret = |id: &'static str, p: &'static Props| Subject {
        token_type: Some(TokenType::Other),
        name: id.rsplit('/').next(),
        ..subject("github", NodeKind::Token, id, p)
    };
    let leak = |p: serde_json::Value| -> &'static Props { Box::leak(Box::new(props(p))) };
    let cases: [(&str, &'static Props, &str); 6] = [
        (
            "acme/api/secrets/AWS_DEPLOY_KEY",
            leak(serde_json::json!({"repo": "acme/api", "secret_name": "AWS_DEPLOY_KEY"})),
            "/repos/acme/api/actions/secrets/AWS_DEPLOY_KEY",
        ),
        (
            "acme/secrets/NPM_TOKEN",
            leak(
                serde_json::json!({"org": "acme", "secret_name": "NPM_TOKEN", "visibility": "all"}),
            ),
            "/orgs/acme/actions/secrets/NPM_TOKEN",
        ),
        (
            "acme/api/environments/prod east/secrets/DB_URL",
            leak(
                serde_json::json!({"repo": "acme/api", "environment": "prod east", "secret_name": "DB_URL"}),
            ),
            "/repos/acme/api/environments/prod%20east/secrets/DB_URL",
        ),
        // The brief's id shapes without props.
        (
            "acme/api/secrets/AWS_DEPLOY_KEY",
            leak(serde_json::json!({})),
            "/repos/acme/api/actions/secrets/AWS_DEPLOY_KEY",
        ),
        (
            "acme/secrets/NPM_TOKEN",
            leak(serde_json::json!({})),
            "/orgs/acme/actions/secrets/NPM_TOKEN",
        ),
        (
            "acme/api/environments/production/secrets/DB_URL",
            leak(serde_json::json!({})),
            "/repos/acme/api/environments/production/secrets/DB_URL",
        ),
    ];
    for (id, p, path) in cases {
        let m = revoke(&secret(id, p), now());
        assert_eq!(lines(&m), [format!("DELETE {path}")], "{id}");
        assert_eq!(
            m.calls[0].check,
            Some(Check {
                path: path.into(),
                expect: Expect::Gone
            }),
            "{id}"
        );
        assert_eq!(m.calls[0].placeholder(), None);
        let rest = m.rest.as_deref().unwrap();
        assert!(
            rest.starts_with("the value stays valid at its issuer until rotated: rotate "),
            "{rest}"
        );
        assert!(m.compensating.is_none());
    }
    // A ttl_only token is not a secret to delete: its compensating control stands.
    let p = leak(serde_json::json!({"repo": "acme/api", "secret_name": "X"}));
    let ttl = Subject {
        revocation: Some(Revocation::TtlOnly),
        ..secret("acme/api/secrets/X", p)
    };
    assert!(revoke(&ttl, now()).compensating.is_some());
    // Not a secret: a deploy key keeps its own call.
    let none = Props::new();
    let key = Subject {
        token_type: Some(TokenType::PrivateKey),
        ..subject("github", NodeKind::Token, "acme/api/keys/77", &none)
    };
    assert_eq!(
        lines(&revoke(&key, now())),
        ["DELETE /repos/acme/api/keys/77"]
    );
}

#[test]
fn unknown_ids_stay_placeholders_and_make_the_call_manual() {
    let none = Props::new();
    let rt = Subject {
        token_type: Some(TokenType::Refresh),
        ..subject("okta", NodeKind::Token, "oar1", &none)
    };
    let m = revoke(&rt, now());
    assert_eq!(m.calls.len(), 1);
    assert_eq!(m.calls[0].placeholder(), Some("{userId}"));
}
