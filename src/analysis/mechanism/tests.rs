//! The mechanisms' expected texts, per platform and phase: a changed call shows up here as a
//! reviewable diff.

use super::*;

fn t(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

pub(super) fn props(v: serde_json::Value) -> Props {
    match v {
        Value::Object(m) => m,
        _ => Props::new(),
    }
}

pub(super) fn subject<'a>(
    platform: &'a str,
    kind: NodeKind,
    native_id: &'a str,
    props: &'a Props,
) -> Subject<'a> {
    Subject {
        platform,
        kind,
        token_type: None,
        revocation: None,
        native_id,
        name: None,
        account: None,
        client: None,
        role: None,
        props,
        expires_at: None,
        expiry_basis: None,
    }
}

const NOW: &str = "2026-11-20T10:00:00Z";

#[test]
fn okta_session_central_kills_sessions_and_oauth_tokens() {
    let p = Props::new();
    let s = Subject {
        revocation: Some(Revocation::Central),
        account: Some((
            NodeKind::User,
            "00u1dk4m7PqR2sT9x0h8",
            Some("dana.kim@acme.example"),
        )),
        ..subject("okta", NodeKind::Session, "102Dk9vQm3TZsW8yLpA4rXc", &p)
    };
    let m = revoke(&s, t(NOW));
    assert_eq!(
        m.how,
        "DELETE /api/v1/users/00u1dk4m7PqR2sT9x0h8/sessions?oauthTokens=true"
    );
    assert_eq!(m.compensating, None);
}

#[test]
fn okta_refresh_token_per_client() {
    let p = Props::new();
    let s = Subject {
        token_type: Some(TokenType::Refresh),
        revocation: Some(Revocation::PerApp),
        account: Some((NodeKind::User, "00u1abcXYZ0001", None)),
        client: Some("0oa9expenseFAKE"),
        ..subject("Okta", NodeKind::Token, "oar1rtFAKE0001", &p)
    };
    assert_eq!(
        revoke(&s, t(NOW)).how,
        "DELETE /api/v1/users/00u1abcXYZ0001/clients/0oa9expenseFAKE/tokens"
    );
}

#[test]
fn okta_per_app_session_names_the_unconfirmed_id_mapping() {
    let p = Props::new();
    let s = Subject {
        revocation: Some(Revocation::PerApp),
        account: Some((NodeKind::User, "00u1abcXYZ0001", None)),
        ..subject("okta", NodeKind::Session, "102FakeSessionAbCdEf12", &p)
    };
    let how = revoke(&s, t(NOW)).how;
    assert!(
        how.starts_with("DELETE /api/v1/sessions/102FakeSessionAbCdEf12 (unconfirmed"),
        "{how}"
    );
}

#[test]
fn entra_user_session_revoke() {
    let p = Props::new();
    let s = Subject {
        revocation: Some(Revocation::Central),
        account: Some((NodeKind::User, "a1b2c3d4-0000-4000-8000-00000000aaaa", None)),
        ..subject(
            "m365",
            NodeKind::Session,
            "3e3e3e3e-0000-4000-8000-000000000e03",
            &p,
        )
    };
    let m = revoke(&s, t(NOW));
    assert_eq!(
        m.how,
        "POST /users/a1b2c3d4-0000-4000-8000-00000000aaaa/revokeSignInSessions"
    );
    // Same table under every Microsoft alias.
    for alias in ["entra", "ENTRA", "azure", "Microsoft"] {
        assert_eq!(
            revoke(
                &Subject {
                    platform: alias,
                    ..s
                },
                t(NOW)
            )
            .how,
            m.how
        );
    }
}

#[test]
fn entra_client_secret_remove_password() {
    let app = "0d4e8b2f-7a1c-4f3e-9b6d-5c2a8e1f4d07";
    let cases = [
        (
            props(
                serde_json::json!({"keyId": "5b2e9f1c-8d4a-4e7b-a3c6-1f0d9e8b7a52", "application_objectId": app}),
            ),
            "5b2e9f1c-8d4a-4e7b-a3c6-1f0d9e8b7a52",
        ),
        (
            props(
                serde_json::json!({"key_id": "11111111-0000-4000-8000-000000000001", "application_objectId": app}),
            ),
            "11111111-0000-4000-8000-000000000001",
        ),
        (
            props(serde_json::json!({"application_objectId": app})),
            "native-key-id",
        ),
    ];
    for (p, key) in &cases {
        let s = Subject {
            token_type: Some(TokenType::ClientSecret),
            revocation: Some(Revocation::None),
            ..subject("entra", NodeKind::Token, "native-key-id", p)
        };
        let m = revoke(&s, t(NOW));
        assert_eq!(
            m.how,
            format!("POST /applications/{app}/removePassword {{\"keyId\":\"{key}\"}}")
        );
        assert_eq!(m.compensating, None);
    }
    // Only the client id known: the appId alternate key.
    let p = Props::new();
    let s = Subject {
        token_type: Some(TokenType::ClientSecret),
        client: Some("e7a19c4b-3f2d-4b8e-a5c1-9d0f6b3e2a18"),
        ..subject("entra", NodeKind::Token, "5b2e9f1c", &p)
    };
    assert_eq!(
        revoke(&s, t(NOW)).how,
        "POST /applications(appId='e7a19c4b-3f2d-4b8e-a5c1-9d0f6b3e2a18')/removePassword {\"keyId\":\"5b2e9f1c\"}"
    );
}

#[test]
fn aws_access_key_rotate_uses_the_user_name_from_the_arn() {
    let p = props(serde_json::json!({"user_name": "ignored-when-arn-known"}));
    let s = Subject {
        token_type: Some(TokenType::AccessKey),
        account: Some((
            NodeKind::ServiceAccount,
            "arn:aws:iam::381492650217:user/ci/ci-deployer",
            Some("IAM user ci-deployer"),
        )),
        ..subject("aws", NodeKind::Token, "AKIA4XK7PLQ2ZB3MNC6D", &p)
    };
    let m = revoke(&s, t("2026-11-20T10:00:00.250Z"));
    assert_eq!(
        m.how,
        "aws iam update-access-key --user-name ci-deployer --access-key-id AKIA4XK7PLQ2ZB3MNC6D --status Inactive; \
         then aws iam delete-access-key --user-name ci-deployer --access-key-id AKIA4XK7PLQ2ZB3MNC6D; \
         then aws iam put-user-policy --user-name ci-deployer --policy-name AWSRevokeOlderSessions \
         --policy-document '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":[\"*\"],\
         \"Resource\":[\"*\"],\"Condition\":{\"DateLessThan\":{\"aws:TokenIssueTime\":\"2026-11-20T10:00:01Z\"}}}]}'"
    );
    assert_eq!(
        m.compensating, None,
        "an access key is rotated, not compensated"
    );
    assert_eq!(effective_revocation(&s), Revocation::None);
}

/// `heir collect aws` names report keys by slot: the command lists the user's keys first.
#[test]
fn aws_report_key_slot_lists_the_keys_first() {
    let p = props(serde_json::json!({"user_name": "ci-bot", "key_slot": 1}));
    let s = Subject {
        token_type: Some(TokenType::AccessKey),
        account: Some((
            NodeKind::ServiceAccount,
            "arn:aws:iam::123456789012:user/ci-bot",
            Some("ci-bot"),
        )),
        ..subject(
            "aws",
            NodeKind::Token,
            "arn:aws:iam::123456789012:user/ci-bot/access-key-2",
            &p,
        )
    };
    let m = revoke(&s, t(NOW));
    assert!(
        m.how.starts_with(
            "aws iam list-access-keys --user-name ci-bot (key 2 of the credential report: \
             the one whose CreateDate is access_key_2_last_rotated); then aws iam update-access-key \
             --user-name ci-bot --access-key-id {AccessKeyId} --status Inactive;"
        ),
        "{}",
        m.how
    );
    assert!(!m.how.contains("--access-key-id arn:"), "{}", m.how);
}

#[test]
fn aws_sts_session_gets_a_deny_older_sessions_policy() {
    let p = Props::new();
    let s = Subject {
        token_type: Some(TokenType::Access),
        role: Some("arn:aws:iam::729104583612:role/prod-admin"),
        expires_at: Some(t("2026-11-20T11:00:00Z")),
        ..subject("AWS", NodeKind::Token, "ASIA2R7TQW9XKD4HVN3E", &p)
    };
    assert_eq!(effective_revocation(&s), Revocation::TtlOnly);
    let m = revoke(&s, t(NOW));
    assert_eq!(
        m.how,
        "aws iam put-role-policy --role-name prod-admin --policy-name AWSRevokeOlderSessions \
         --policy-document '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":[\"*\"],\
         \"Resource\":[\"*\"],\"Condition\":{\"DateLessThan\":{\"aws:TokenIssueTime\":\"2026-11-20T10:00:00Z\"}}}]}'"
    );
    let c = m
        .compensating
        .expect("ttl_only gets a compensating control");
    assert!(c.contains("role prod-admin") && c.contains(NOW), "{c}");
    assert!(c.ends_with("it expires at 2026-11-20T11:00:00Z"), "{c}");
    // The role from an assumed-role ARN in props, when the plan has none.
    let p = props(
        serde_json::json!({"assumed_role": "arn:aws:sts::729104583612:assumed-role/prod-deployer/ci-1"}),
    );
    let s = Subject {
        role: None,
        ..subject("aws", NodeKind::Token, "ASIA3VTPIQVGXX7YDRYQ", &p)
    };
    assert!(revoke(&s, t(NOW))
        .how
        .starts_with("aws iam put-role-policy --role-name prod-deployer "));
}

#[test]
fn github_fine_grained_pat_org_revoke() {
    let p = props(serde_json::json!({"pat_grant_id": 1184302, "org": "acme"}));
    let s = Subject {
        token_type: Some(TokenType::Pat),
        revocation: Some(Revocation::Central),
        ..subject("github", NodeKind::Token, "pat-1184302", &p)
    };
    assert_eq!(
        revoke(&s, t(NOW)).how,
        "POST /orgs/acme/personal-access-tokens/1184302 {\"action\":\"revoke\"} (with a GitHub App \
         token; the PAT still works outside the org: the owner deletes it at \
         github.com/settings/personal-access-tokens)"
    );
    // A classic PAT authorised for SAML SSO: its credential authorization.
    let p = props(serde_json::json!({"credential_id": 161195, "org": "acme"}));
    let s = Subject {
        token_type: Some(TokenType::Pat),
        ..subject("github", NodeKind::Token, "x", &p)
    };
    assert!(revoke(&s, t(NOW))
        .how
        .starts_with("DELETE /orgs/acme/credential-authorizations/161195 "));
    // A user's SSH key authorised for SAML SSO: the same call, not an App key rotation.
    let s = Subject {
        token_type: Some(TokenType::PrivateKey),
        ..subject("github", NodeKind::Token, "credential/161196", &p)
    };
    let m = revoke(&s, t(NOW));
    assert_eq!(m.action, "remove the SSH key's SAML SSO authorization");
    assert!(m
        .how
        .starts_with("DELETE /orgs/acme/credential-authorizations/161195 "));
}

#[test]
fn slack_session_reset_and_invalidate() {
    let p = props(serde_json::json!({"team_id": "T02ACME7Q"}));
    let s = Subject {
        revocation: Some(Revocation::Central),
        account: Some((NodeKind::User, "U05KD8M3QZP", Some("dana.kim"))),
        ..subject("slack", NodeKind::Session, "7144398812", &p)
    };
    assert_eq!(
        revoke(&s, t(NOW)).how,
        "POST https://slack.com/api/admin.users.session.reset user_id=U05KD8M3QZP"
    );
    let per_app = Subject {
        revocation: Some(Revocation::PerApp),
        ..s
    };
    assert_eq!(
        revoke(&per_app, t(NOW)).how,
        "POST https://slack.com/api/admin.users.session.invalidate session_id=7144398812 \
         team_id=T02ACME7Q user_id=U05KD8M3QZP (unconfirmed which of team_id / user_id is \
         enforced: send both)"
    );
    // A Slack session heir named after the Okta sign-in that opened it: its Slack id is unknown.
    let sso = Subject {
        native_id: "okta-102FakeSessionAbCdEf12-0oa1slackFAKE01",
        ..per_app
    };
    let how = revoke(&sso, t(NOW)).how;
    assert!(
        how.starts_with(
            "POST https://slack.com/api/admin.users.session.invalidate session_id={sessionId} "
        ),
        "{how}"
    );
    assert!(how.contains("admin.users.session.list user_id=U05KD8M3QZP"));
}

#[test]
fn k8s_legacy_token_secret_delete() {
    let p = props(serde_json::json!({"secret": "ci/deployer-token-x7k2p"}));
    let s = Subject {
        token_type: Some(TokenType::Other),
        revocation: Some(Revocation::None),
        ..subject(
            "k8s",
            NodeKind::Token,
            "prod-eks/ci/deployer-token-x7k2p",
            &p,
        )
    };
    assert_eq!(
        revoke(&s, t(NOW)).how,
        "on cluster prod-eks: kubectl -n ci delete secret deployer-token-x7k2p"
    );
    // `ns/name` ids, no props, type unknown: still the Secret.
    let p = Props::new();
    let s = subject("kubernetes", NodeKind::Token, "ci/deployer-token-x7k2p", &p);
    assert_eq!(
        revoke(&s, t(NOW)).how,
        "kubectl -n ci delete secret deployer-token-x7k2p"
    );
    // A bound token dies with its pod.
    let p = props(serde_json::json!({"bound_to": "pod payments-api-7d9f8c6b5-x2k4q"}));
    let s = Subject {
        token_type: Some(TokenType::Access),
        ..subject(
            "k8s",
            NodeKind::Token,
            "prod-eks/payments/payments-api/bound-dce8a6f1",
            &p,
        )
    };
    let m = revoke(&s, t(NOW));
    assert_eq!(
        m.how,
        "on cluster prod-eks: kubectl -n payments delete pod payments-api-7d9f8c6b5-x2k4q"
    );
    assert!(m.compensating.is_some());
}

#[test]
fn google_service_account_key_disable_then_delete() {
    let p = props(serde_json::json!({"keyType": "USER_MANAGED"}));
    let s = Subject {
        token_type: Some(TokenType::PrivateKey),
        revocation: Some(Revocation::None),
        account: Some((
            NodeKind::ServiceAccount,
            "data-export@acme-prod-4821.iam.gserviceaccount.com",
            None,
        )),
        ..subject(
            "gcp",
            NodeKind::Token,
            "acme-prod-4821/keys/10db7040c9433b4c7a5731c81f7f841c3eddeb5b",
            &p,
        )
    };
    let key = "https://iam.googleapis.com/v1/projects/acme-prod-4821/serviceAccounts/\
               data-export@acme-prod-4821.iam.gserviceaccount.com/keys/10db7040c9433b4c7a5731c81f7f841c3eddeb5b";
    assert_eq!(
        revoke(&s, t(NOW)).how,
        format!("POST {key}:disable; then DELETE {key}")
    );
}

#[test]
fn google_session_central_signs_out_and_deletes_tokens() {
    let p = Props::new();
    let s = Subject {
        revocation: Some(Revocation::Central),
        account: Some((NodeKind::User, "103041189557990659397", None)),
        ..subject("google", NodeKind::Session, "keiUBTzGA8Lk4kD1foHm", &p)
    };
    assert_eq!(
        revoke(&s, t(NOW)).how,
        "POST /admin/directory/v1/users/103041189557990659397/signOut; then \
         DELETE /admin/directory/v1/users/103041189557990659397/tokens/{clientId} for each clientId \
         listed by GET /admin/directory/v1/users/103041189557990659397/tokens"
    );
}

#[test]
fn generic_fallback_for_an_unknown_platform() {
    let p = Props::new();
    let s = Subject {
        token_type: Some(TokenType::ApiKey),
        name: Some("npm automation token"),
        ..subject("npm", NodeKind::Token, "npm-publish-3f2a91", &p)
    };
    let m = revoke(&s, t(NOW));
    assert_eq!(m.action, "rotate at the issuer");
    assert_eq!(
        m.how,
        "npm: issue a replacement for npm automation token (npm-publish-3f2a91), deploy it where \
         the old one is used, then delete the old one at the issuer"
    );
    assert_eq!(m.compensating, None);
    // A collector-recorded exact call wins over generic wording.
    let p = props(
        serde_json::json!({"revoke_via": "ALTER USER ETL_SVC REMOVE PROGRAMMATIC ACCESS TOKEN PAT_ETL_NW_01"}),
    );
    let s = Subject {
        revocation: Some(Revocation::Central),
        ..subject("snowflake", NodeKind::Token, "x", &p)
    };
    assert_eq!(
        revoke(&s, t(NOW)).how,
        "ALTER USER ETL_SVC REMOVE PROGRAMMATIC ACCESS TOKEN PAT_ETL_NW_01"
    );
    // ttl_only anywhere: compensating set.
    let p = Props::new();
    let s = Subject {
        token_type: Some(TokenType::Access),
        ..subject("vault", NodeKind::Token, "x", &p)
    };
    assert!(revoke(&s, t(NOW)).compensating.is_some());
    // Inspect and recover also fall back.
    assert!(
        inspect("ci", NodeKind::App, "acme", Some("Acme CI"), Some(t(NOW)))
            .how
            .starts_with("ci audit log for Acme CI (acme) since 2026-11-20T10:00:00Z")
    );
}

#[test]
fn contain_okta_user_device_and_third_party_apps() {
    let p = Props::new();
    let user = subject("okta", NodeKind::User, "00u1dk4m7PqR2sT9x0h8", &p);
    let m = contain(&user);
    assert_eq!(m.action, "suspend account");
    assert_eq!(
        m.how,
        "POST /api/v1/users/00u1dk4m7PqR2sT9x0h8/lifecycle/suspend"
    );

    let dp = props(serde_json::json!({"mdm": "Jamf Pro"}));
    let device = Subject {
        name: Some("DANA-MBP-14"),
        ..subject("okta", NodeKind::Device, "guo9w1x3k5m7p2r4t6v8", &dp)
    };
    let m = contain(&device);
    assert_eq!(m.action, "isolate device");
    assert_eq!(
        m.how,
        "EDR console: network-isolate DANA-MBP-14 (guo9w1x3k5m7p2r4t6v8), keeping it powered on \
         for forensics; then MDM (Jamf Pro): mark it non-compliant or lock it so managed-device \
         conditions stop trusting it"
    );

    let okta_app = subject("okta", NodeKind::App, "0oa7salesFAKE", &p);
    assert_eq!(
        contain(&okta_app).how,
        "POST /api/v1/apps/0oa7salesFAKE/lifecycle/deactivate"
    );

    let entra_app = subject(
        "entra",
        NodeKind::App,
        "e7a19c4b-3f2d-4b8e-a5c1-9d0f6b3e2a18",
        &p,
    );
    assert_eq!(
        contain(&entra_app).how,
        "PATCH /servicePrincipals(appId='e7a19c4b-3f2d-4b8e-a5c1-9d0f6b3e2a18') {\"accountEnabled\": false}"
    );

    let ip = props(serde_json::json!({"installation_id": 93488510}));
    let gh_app = subject("github", NodeKind::App, "statusbot", &ip);
    assert_eq!(
        contain(&gh_app).how,
        "PUT /app/installations/93488510/suspended (with the App's JWT; org owners: organization \
         Settings > GitHub Apps > Configure > Suspend)"
    );

    let sp = props(serde_json::json!({"team_id": "T02ACME7Q"}));
    let slack_app = subject("slack", NodeKind::App, "A03XSD5LGHL", &sp);
    assert_eq!(
        contain(&slack_app).how,
        "POST https://slack.com/api/admin.apps.uninstall app_id=A03XSD5LGHL team_ids=T02ACME7Q; then \
         POST https://slack.com/api/admin.apps.restrict app_id=A03XSD5LGHL team_id=T02ACME7Q \
         (parameter names unconfirmed)"
    );

    let other = Subject {
        name: Some("Statusbot"),
        ..subject("statusbot", NodeKind::App, "statusbot", &p)
    };
    assert_eq!(contain(&other).action, "disable the integration");
}

#[test]
fn contain_other_platforms() {
    let p = Props::new();
    let aws_user = subject(
        "aws",
        NodeKind::ServiceAccount,
        "arn:aws:iam::381492650217:user/ci-deployer",
        &p,
    );
    assert!(contain(&aws_user).how.starts_with(
        "aws iam put-user-policy --user-name ci-deployer --policy-name HeirQuarantineDenyAll "
    ));
    let pod = subject(
        "k8s",
        NodeKind::Workload,
        "prod-eks/payments/payments-api-7d9f8c6b5-x2k4q",
        &p,
    );
    assert_eq!(
        contain(&pod).how,
        "on cluster prod-eks: kubectl -n payments scale deployment payments-api --replicas=0; then \
         kubectl -n payments delete pod payments-api-7d9f8c6b5-x2k4q"
    );
    let g = subject("google", NodeKind::User, "103041189557990659397", &p);
    assert_eq!(
        contain(&g).how,
        "PATCH /admin/directory/v1/users/103041189557990659397 {\"suspended\": true}"
    );
    let lambda = subject(
        "aws",
        NodeKind::Workload,
        "arn:aws:lambda:eu-west-1:729104583612:function:nightly-backup",
        &p,
    );
    assert_eq!(
        contain(&lambda).how,
        "aws lambda put-function-concurrency --function-name nightly-backup --reserved-concurrent-executions 0"
    );
}

#[test]
fn entra_access_token_compensates_with_cae_and_conditional_access() {
    let p = Props::new();
    let s = Subject {
        token_type: Some(TokenType::Access),
        account: Some((
            NodeKind::ServiceAccount,
            "c5f83a1d-6b9e-4c2f-8a7d-3e1b0f9c6d24",
            None,
        )),
        ..subject("entra", NodeKind::Token, "uti-QmX1", &p)
    };
    let m = revoke(&s, t(NOW));
    assert_eq!(
        m.how,
        "PATCH /servicePrincipals/c5f83a1d-6b9e-4c2f-8a7d-3e1b0f9c6d24 {\"accountEnabled\": false}"
    );
    assert!(m.compensating.is_some());
    // A user's access token for a resource without CAE: nothing ends it early, and the step
    // must not pretend revokeSignInSessions does.
    let s = Subject {
        account: Some((NodeKind::User, "u1", None)),
        expires_at: Some(t("2026-10-02T13:15:00Z")),
        ..s
    };
    let m = revoke(&s, t(NOW));
    assert!(
        m.how
            .starts_with("Entra admin center > Protection > Conditional Access"),
        "{}",
        m.how
    );
    let c = m.compensating.unwrap();
    assert!(c.contains("not this one"), "{c}");
    assert!(c.ends_with("it expires at 2026-10-02T13:15:00Z"), "{c}");
    // The same token for a CAE-capable resource: the critical event ends it within minutes.
    let cae = props(serde_json::json!({"cae": true}));
    let s = Subject { props: &cae, ..s };
    let m = revoke(&s, t(NOW));
    assert!(
        m.how
            .starts_with("POST /users/u1/revokeSignInSessions (a CAE critical event"),
        "{}",
        m.how
    );
    assert!(m
        .compensating
        .unwrap()
        .contains("continuous access evaluation"));
}

#[test]
fn ttl_only_tokens_name_their_platform_control_and_expiry() {
    let p = Props::new();
    let exp = Some(t("2026-10-02T13:15:00Z"));
    // Okta: the authorization server's access-token lifetime bounds it.
    let s = Subject {
        token_type: Some(TokenType::Access),
        account: Some((NodeKind::User, "00u1", None)),
        client: Some("0oa9"),
        expires_at: exp,
        ..subject("okta", NodeKind::Token, "at-1", &p)
    };
    let m = revoke(&s, t(NOW));
    assert!(m
        .how
        .starts_with("DELETE /api/v1/users/00u1/clients/0oa9/tokens; then"));
    assert!(m.how.contains("accessTokenLifetimeMinutes"), "{}", m.how);
    assert!(m.compensating.unwrap().contains("access-token lifetime"));
    // GitHub: an installation token ends only with itself.
    let inst = props(serde_json::json!({"installation_id": "48213377"}));
    let s = Subject {
        props: &inst,
        token_type: Some(TokenType::Access),
        revocation: Some(Revocation::TtlOnly),
        account: None,
        client: None,
        expires_at: exp,
        ..subject(
            "github",
            NodeKind::Token,
            "ghs-installation-48213377-0942",
            &p,
        )
    };
    let m = revoke(&s, t(NOW));
    assert!(m.how.starts_with("DELETE /installation/token"), "{}", m.how);
    assert!(m.how.contains("PUT /app/installations/48213377/suspended"));
    assert!(m.compensating.is_some());
    // Elsewhere: its expiry, and watch until then.
    let s = Subject {
        revocation: Some(Revocation::TtlOnly),
        expires_at: exp,
        ..subject("vault", NodeKind::Token, "tok-1", &p)
    };
    let m = revoke(&s, t(NOW));
    assert!(
        m.how
            .starts_with("expires 2026-10-02T13:15:00Z — watch until then"),
        "{}",
        m.how
    );
}

/// A Workspace OAuth client is reviewed through its grants and token events, filtered by its
/// client id; it is not a Cloud project (the GCP collector's project apps still are).
#[test]
fn google_oauth_client_is_reviewed_by_its_grants_and_token_events() {
    let since = Some(t("2026-11-20T08:00:00Z"));
    let cl = "123456789012-expensefake.apps.googleusercontent.com";
    let m = inspect("google", NodeKind::App, cl, Some("Expense Tool"), since);
    assert_eq!(m.action, "review the OAuth client's grants and activity");
    for event in ["authorize", "activity"] {
        assert!(
            m.how.contains(&format!(
                "GET /admin/reports/v1/activity/users/all/applications/token?eventName={event}\
                 &filters=client_id=={cl}&startTime=2026-11-20T08:00:00Z"
            )),
            "{}",
            m.how
        );
    }
    assert!(m
        .how
        .contains("GET /admin/directory/v1/users/{userKey}/tokens for each user"));
    assert!(m.how.contains(&format!(
        "Manage Third-Party App Access > {cl}: Change access > Blocked (console only"
    )));
    assert!(!m.how.contains("--project") && !m.how.contains("gcloud logging"));
    assert!(m.calls.is_empty(), "a review: nothing for heir revoke");
    // The same client id under a GCP platform name is still a client.
    let m = inspect("gcp", NodeKind::App, cl, None, since);
    assert_eq!(m.action, "review the OAuth client's grants and activity");
    // A GCP project app keeps its Cloud Audit Logs query.
    let m = inspect("gcp", NodeKind::App, "acme-prod-4821", None, since);
    assert!(m.how.ends_with("--project acme-prod-4821"), "{}", m.how);
    // Containing the client: the same console control, said to be console only.
    let p = props(serde_json::json!({"clientId": cl}));
    let m = contain(&subject("google", NodeKind::App, cl, &p));
    assert_eq!(m.action, "block the OAuth client");
    assert!(m
        .how
        .contains("(console only: no documented API sets an app's access)"));
    assert!(m.calls.is_empty());
}

#[test]
fn inspect_recover_and_persistence_are_platform_specific() {
    let since = Some(t("2026-11-20T08:00:00Z"));
    let m = inspect(
        "m365",
        NodeKind::Resource,
        "mailbox/dana.kim@acme.example",
        None,
        since,
    );
    assert!(m
        .how
        .starts_with("GET /users/dana.kim@acme.example/mailFolders/inbox/messageRules"));
    let m = inspect(
        "entra",
        NodeKind::App,
        "e7a19c4b",
        Some("qa-mailer-legacy (app registration, multi-tenant)"),
        since,
    );
    assert!(m.how.starts_with(
        "GET /auditLogs/signIns?$filter=createdDateTime ge 2026-11-20T08:00:00Z and appId eq 'e7a19c4b'; "
    ));
    let m = inspect(
        "m365",
        NodeKind::App,
        "6c2f9a4e",
        Some("Microsoft 365 tenant acme.example"),
        since,
    );
    assert!(m.how.starts_with("GET /auditLogs/directoryAudits?"));
    let m = inspect(
        "salesforce",
        NodeKind::App,
        "00D3t",
        Some("Salesforce org Initech (00D3t)"),
        None,
    );
    assert!(m
        .how
        .starts_with("salesforce audit log for Salesforce org Initech (00D3t) since {since}:"));
    let m = inspect("github", NodeKind::App, "acme", None, since);
    assert!(m
        .how
        .starts_with("GET /orgs/acme/audit-log?phrase=created:>=2026-11-20T08:00:00Z&include=all"));
    let m = inspect("slack", NodeKind::App, "T02ACME7Q", None, since);
    assert!(
        m.how
            .starts_with("GET https://api.slack.com/audit/v1/logs?oldest=1795161600 "),
        "{}",
        m.how
    );
    let m = inspect("aws", NodeKind::App, "729104583612", None, None);
    assert!(m.how.starts_with(
        "in account 729104583612: aws cloudtrail lookup-events --start-time {since} "
    ));
    assert_eq!(m.compensating, None);

    let p = Props::new();
    let okta = subject("okta", NodeKind::User, "00u1", &p);
    assert!(recover_account(&okta)
        .how
        .starts_with("POST /api/v1/users/00u1/lifecycle/reset_factors; then "));
    let google = subject("google", NodeKind::User, "1030", &p);
    assert!(recover_account(&google)
        .how
        .starts_with("POST /admin/directory/v1/users/1030/verificationCodes/invalidate; then "));

    let ap = props(serde_json::json!({"objectId": "0d4e8b2f"}));
    let app = subject("entra", NodeKind::App, "e7a19c4b", &ap);
    let m = remove_persistence(&app, since);
    assert!(m
        .how
        .starts_with("GET /applications/0d4e8b2f?$select=passwordCredentials,keyCredentials: "));
    assert!(m.how.contains("/federatedIdentityCredentials") && m.how.contains("/owners"));
    let sa = subject(
        "google",
        NodeKind::ServiceAccount,
        "data-export@acme-prod-4821.iam.gserviceaccount.com",
        &p,
    );
    assert!(remove_persistence(&sa, since).how.starts_with(
        "GET https://iam.googleapis.com/v1/projects/acme-prod-4821/serviceAccounts/\
         data-export@acme-prod-4821.iam.gserviceaccount.com/keys?keyTypes=USER_MANAGED: "
    ));
    let k = subject("k8s", NodeKind::ServiceAccount, "prod-eks/ci/deployer", &p);
    assert!(remove_persistence(&k, None)
        .how
        .starts_with("on cluster prod-eks: kubectl -n ci get secrets"));
}

#[test]
fn platform_aliases_are_case_insensitive() {
    for (name, want) in [
        ("OKTA", Platform::Okta),
        ("M365", Platform::Microsoft),
        ("Azure", Platform::Microsoft),
        ("gws", Platform::Google),
        ("GCP", Platform::Google),
        ("GitHub", Platform::GitHub),
        ("Kubernetes", Platform::Kubernetes),
        ("k8s", Platform::Kubernetes),
        ("salesforce", Platform::Other),
        ("", Platform::Other),
    ] {
        assert_eq!(Platform::of(name), want, "{name}");
    }
}

#[test]
fn compensating_exactly_for_ttl_only() {
    let p = Props::new();
    for platform in [
        "okta", "entra", "google", "github", "slack", "aws", "k8s", "other",
    ] {
        for tt in TokenType::ALL {
            for rev in Revocation::ALL {
                let s = Subject {
                    token_type: Some(*tt),
                    revocation: Some(*rev),
                    ..subject(platform, NodeKind::Token, "id-1", &p)
                };
                let m = revoke(&s, t(NOW));
                assert_eq!(
                    m.compensating.is_some(),
                    *rev == Revocation::TtlOnly,
                    "{platform} {tt} {rev}: {m:?}"
                );
                assert!(!m.how.is_empty() && !m.action.is_empty());
            }
        }
    }
}

#[test]
fn activity_is_filtered_by_what_the_attacker_held() {
    let p = Props::new();
    let session = props(serde_json::json!({"role_session_name": "ci-deploy-8841"}));
    let a = Activity {
        platform: "aws",
        accounts: vec![],
        credentials: vec![
            ("ASIA2R7TQW9XKD4HVN3E", &session),
            ("AKIA4XK7PLQ2ZB3MNC6D", &p),
        ],
        org: None,
    };
    let m = inspect_activity(&a, Some(t("2026-11-20T08:00:00Z"))).unwrap();
    assert!(m.how.contains(
        "aws cloudtrail lookup-events --start-time 2026-11-20T08:00:00Z --lookup-attributes \
         AttributeKey=AccessKeyId,AttributeValue=ASIA2R7TQW9XKD4HVN3E"
    ));
    assert!(m
        .how
        .contains("AttributeKey=Username,AttributeValue=ci-deploy-8841"));
    assert!(m.how.contains("AttributeValue=AKIA4XK7PLQ2ZB3MNC6D"));

    let a = Activity {
        platform: "google",
        accounts: vec![(NodeKind::User, "maya@contoso.example", None)],
        credentials: vec![],
        org: None,
    };
    let m = inspect_activity(&a, Some(t("2026-11-20T08:00:00Z"))).unwrap();
    for app in ["login", "token", "admin", "drive"] {
        assert!(m.how.contains(&format!(
            "GET /admin/reports/v1/activity/users/maya@contoso.example/applications/{app}?startTime=2026-11-20T08:00:00Z"
        )));
    }
    let a = Activity {
        platform: "slack",
        accounts: vec![(NodeKind::User, "U05KD8M3QZP", None)],
        credentials: vec![],
        org: None,
    };
    let m = inspect_activity(&a, Some(t("2026-11-20T08:00:00Z"))).unwrap();
    assert!(m.how.starts_with(
        "GET https://api.slack.com/audit/v1/logs?actor=U05KD8M3QZP&oldest=1795161600"
    ));
    // Nothing to filter by on Entra: the caller falls back to the platform's own review.
    let a = Activity {
        platform: "entra",
        accounts: vec![],
        credentials: vec![],
        org: None,
    };
    assert!(inspect_activity(&a, None).is_none());
}
