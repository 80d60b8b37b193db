//! AWS IAM and STS: `aws` CLI commands behind each phase. STS credentials cannot be revoked, so
//! revoking them means denying them by issue time.

use super::*;

/// The name after `marker` in an ARN: the last path segment (IAM names exclude the path), or
/// for `:assumed-role/` the role part of `role/session`.
fn arn_name<'a>(arn: &'a str, marker: &str) -> Option<&'a str> {
    let rest = &arn[arn.find(marker)? + marker.len()..];
    let name = if marker == ":assumed-role/" {
        rest.split('/').next()
    } else {
        rest.rsplit('/').next()
    };
    name.filter(|n| !n.is_empty())
}

/// The role name from a role ARN, an assumed-role ARN or a bare name.
fn role_name(v: &str) -> Option<&str> {
    arn_name(v, ":role/")
        .or_else(|| arn_name(v, ":assumed-role/"))
        .or_else(|| (!v.contains(':') && !v.is_empty()).then_some(v))
}

fn role(s: &Subject) -> Option<String> {
    s.role
        .and_then(role_name)
        .map(str::to_string)
        .or_else(|| {
            s.prop(&["assumed_role", "role_arn", "roleArn", "role_name"])
                .and_then(|v| role_name(&v).map(str::to_string))
        })
        .or_else(|| {
            s.account_of(&[NodeKind::Role])
                .and_then(role_name)
                .map(str::to_string)
        })
}

/// The IAM user name: from the account's ARN, else props.
fn user_name(s: &Subject) -> Option<String> {
    s.account
        .and_then(|(_, id, _)| arn_name(id, ":user/"))
        .map(str::to_string)
        .or_else(|| s.prop(&["user_name", "UserName", "userName"]))
}

/// The key slot of `<user ARN>/access-key-<1|2>`, the AWS collector's id for a key the
/// credential report lists (the report has no key ids).
fn report_key_slot(id: &str) -> Option<&str> {
    let (user, slot) = id.rsplit_once("/access-key-")?;
    (user.starts_with("arn:aws") && user.contains(":user/") && matches!(slot, "1" | "2"))
        .then_some(slot)
}

/// The documented "Revoke active sessions" policy: deny everything to credentials issued
/// before the cut-off. Long-term keys carry no aws:TokenIssueTime, so the condition never
/// matches them; new sessions are unaffected.
fn deny_older(now: &str) -> String {
    format!(
        r#"'{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{{"DateLessThan":{{"aws:TokenIssueTime":"{now}"}}}}}}]}}'"#
    )
}

const DENY_ALL: &str =
    r#"'{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"]}]}'"#;
const QUARANTINE: &str = "HeirQuarantineDenyAll";

fn deny_role_sessions(role: &str, now: &str) -> String {
    format!(
        "aws iam put-role-policy --role-name {role} --policy-name AWSRevokeOlderSessions \
         --policy-document {}",
        deny_older(now)
    )
}

/// IAM has no "suspend": an explicit deny-all inline policy overrides every allow, stops the
/// user's keys and the temporary credentials they minted at once, and is undone by deleting
/// the policy.
pub(super) fn contain(s: &Subject) -> Option<Mechanism> {
    let id = s.native_id;
    if let Some(user) = arn_name(id, ":user/") {
        return Some(Mechanism::new(
            "quarantine IAM user (explicit deny-all)",
            format!(
                "aws iam put-user-policy --user-name {user} --policy-name {QUARANTINE} \
                 --policy-document {DENY_ALL}; then aws iam delete-login-profile --user-name {user} \
                 (if it has a console password)"
            ),
        ));
    }
    Some(match s.kind {
        NodeKind::Role => {
            let role = role_name(id).unwrap_or(id);
            Mechanism::new(
                "deny the role's existing sessions and stop new ones",
                format!(
                    "{}; then aws iam update-assume-role-policy --role-name {role} \
                     --policy-document {{trustPolicyWithoutTheCompromisedPrincipal}}",
                    deny_role_sessions(role, NOW_PLACEHOLDER)
                ),
            )
        }
        NodeKind::User | NodeKind::ServiceAccount => Mechanism::new(
            "disable IAM Identity Center user",
            format!(
                "IAM Identity Center console > Users > {}: disable user access and revoke its \
                 active sessions (API unconfirmed)",
                s.who()
            ),
        ),
        NodeKind::Workload => {
            if let Some(function) = arn_name(id, ":function:") {
                Mechanism::new(
                    "stop the function (reserved concurrency 0)",
                    format!(
                        "aws lambda put-function-concurrency --function-name {function} \
                         --reserved-concurrent-executions 0"
                    ),
                )
            } else if let Some(instance) =
                arn_name(id, ":instance/").or_else(|| id.starts_with("i-").then_some(id))
            {
                Mechanism::new(
                    "isolate the instance (quarantine security group)",
                    format!(
                        "aws ec2 modify-instance-attribute --instance-id {instance} --groups \
                         {{quarantineSecurityGroupId}} (no inbound/outbound rules; keep the \
                         instance running for forensics)"
                    ),
                )
            } else {
                return None;
            }
        }
        _ => return None,
    })
}

/// STS credentials cannot be deleted, only denied: AWSRevokeOlderSessions denies everything to
/// credentials issued before the cut-off. New AssumeRole calls still work, so the trust policy
/// must be fixed too; service-linked roles cannot be restricted; root-issued temporary
/// credentials cannot be restricted at all. Policies take seconds to minutes to propagate.
/// Deactivating an access key does not kill the session tokens minted with it
/// (GetSessionToken), hence the user-level deny after the key is gone.
pub(super) fn revoke(s: &Subject, c: &Ctx) -> Option<Mechanism> {
    let id = s.native_id;
    let now = &c.now;
    let is_key =
        s.token_type == Some(TokenType::AccessKey) || id.starts_with(native::AWS_LONG_TERM_KEY);
    Some(match s.token_type {
        _ if is_key && report_key_slot(id).is_some() => {
            // The credential report names key slots, not key ids: list the user's keys and
            // take the one whose CreateDate is the slot's last-rotated time.
            let u = or(user_name(s), "{userName}");
            let slot = report_key_slot(id).unwrap_or("1");
            Mechanism::new(
                "deactivate and delete access key",
                format!(
                    "aws iam list-access-keys --user-name {u} (key {slot} of the credential report: \
                     the one whose CreateDate is access_key_{slot}_last_rotated); then \
                     aws iam update-access-key --user-name {u} --access-key-id {{AccessKeyId}} --status Inactive; \
                     then aws iam delete-access-key --user-name {u} --access-key-id {{AccessKeyId}}; \
                     then aws iam put-user-policy --user-name {u} --policy-name AWSRevokeOlderSessions \
                     --policy-document {}",
                    deny_older(now)
                ),
            )
        }
        _ if is_key => {
            let u = or(user_name(s), "{userName}");
            Mechanism::new(
                "deactivate and delete access key",
                format!(
                    "aws iam update-access-key --user-name {u} --access-key-id {id} --status Inactive; \
                     then aws iam delete-access-key --user-name {u} --access-key-id {id}; \
                     then aws iam put-user-policy --user-name {u} --policy-name AWSRevokeOlderSessions \
                     --policy-document {}",
                    deny_older(now)
                ),
            )
        }
        Some(TokenType::Password) => {
            let u = or(user_name(s), "{userName}");
            Mechanism::new(
                "remove the console password",
                format!("aws iam delete-login-profile --user-name {u}"),
            )
        }
        Some(TokenType::PrivateKey) => {
            let u = or(user_name(s), "{userName}");
            Mechanism::new(
                "deactivate the signing certificate",
                format!(
                    "aws iam update-signing-certificate --user-name {u} --certificate-id {id} \
                     --status Inactive"
                ),
            )
        }
        _ => match (role(s), user_name(s)) {
            (Some(role), _) => Mechanism::new(
                "deny the role's sessions issued before now (compensating control)",
                deny_role_sessions(&role, now),
            )
            .compensating(format!(
                "STS credentials cannot be revoked: every session of role {role} issued before \
                 {now} is denied (new AssumeRole calls still work: also fix the trust policy \
                 with aws iam update-assume-role-policy)"
            )),
            (None, Some(u)) => Mechanism::new(
                "deny the user's temporary credentials issued before now (compensating control)",
                format!(
                    "aws iam put-user-policy --user-name {u} --policy-name AWSRevokeOlderSessions \
                     --policy-document {}",
                    deny_older(now)
                ),
            )
            .compensating(format!(
                "temporary credentials cannot be revoked: those of IAM user {u} issued before \
                 {now} are denied (root-issued ones cannot be restricted)"
            )),
            (None, None) if s.is_session() => Mechanism::new(
                "revoke the IAM Identity Center session",
                format!(
                    "IAM Identity Center console > Users > {}: revoke active sessions (API \
                     unconfirmed); the role credentials it already issued are STS sessions: \
                     {}",
                    s.account_label().unwrap_or_else(|| "{user}".to_string()),
                    deny_role_sessions("{permissionSetRoleName}", now)
                ),
            )
            .compensating(
                "role credentials already issued cannot be revoked: deny them by issue time on \
                 the permission-set role",
            ),
            (None, None) => Mechanism::new(
                "deny the role's sessions issued before now (compensating control)",
                deny_role_sessions("{roleName}", now),
            )
            .compensating(
                "STS credentials cannot be revoked: deny every session of the role issued \
                 before now",
            ),
        },
    })
}

pub(super) fn inspect(p: &Place) -> Option<Mechanism> {
    let (id, since) = (p.id, &p.since);
    let account = id
        .split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .or_else(|| id.bytes().all(|b| b.is_ascii_digit()).then_some(id))
        .map(|a| format!("in account {a}: "))
        .unwrap_or_default();
    let by_event = format!(
        "aws cloudtrail lookup-events --start-time {since} --lookup-attributes \
         AttributeKey=EventName,AttributeValue={{EventName}} for each of CreateAccessKey, \
         CreateUser, CreateLoginProfile, AttachRolePolicy, PutRolePolicy, AttachUserPolicy, \
         UpdateAssumeRolePolicy, CreateRole (one event name per call)"
    );
    Some(match p.kind {
        NodeKind::Resource | NodeKind::Workload => {
            let resource = id.strip_prefix("arn:aws:s3:::").unwrap_or(id);
            let s3 = if id.starts_with("arn:aws:s3:::") {
                " (object reads need CloudTrail data events or S3 server access logs)"
            } else {
                ""
            };
            Mechanism::new(
                "review access to the resource in CloudTrail",
                format!(
                    "{account}aws cloudtrail lookup-events --start-time {since} \
                     --lookup-attributes AttributeKey=ResourceName,AttributeValue={resource}{s3}"
                ),
            )
        }
        NodeKind::Role => {
            let role = role_name(id).unwrap_or(id);
            Mechanism::new(
                "review the role's trust, policies and use",
                format!(
                    "{account}aws iam get-role --role-name {role} (trust policy); then \
                     aws iam list-attached-role-policies --role-name {role} and \
                     aws iam list-role-policies --role-name {role}; then \
                     aws cloudtrail lookup-events --start-time {since} --lookup-attributes \
                     AttributeKey=ResourceName,AttributeValue={id}"
                ),
            )
        }
        _ => Mechanism::new(
            "review IAM changes in CloudTrail",
            format!(
                "{account}{by_event}; then aws iam generate-credential-report and \
                 aws iam get-credential-report (access keys created since {since})"
            ),
        ),
    })
}

pub(super) fn recover(s: &Subject) -> Option<Mechanism> {
    let user = arn_name(s.native_id, ":user/")?;
    Some(Mechanism::new(
        "check MFA and keys, reset the password, then lift the quarantine",
        format!(
            "aws iam list-mfa-devices --user-name {user} (aws iam deactivate-mfa-device for any \
             the owner does not recognise); then aws iam list-access-keys --user-name {user}; \
             then aws iam update-login-profile --user-name {user} --password-reset-required \
             (if it has a console password); then aws iam delete-user-policy --user-name {user} \
             --policy-name {QUARANTINE}"
        ),
    ))
}

pub(super) fn persistence(s: &Subject, since: &str) -> Option<Mechanism> {
    let id = s.native_id;
    if let Some(user) = arn_name(id, ":user/") {
        return Some(Mechanism::new(
            "remove access keys and policies added since the compromise",
            format!(
                "aws iam list-access-keys --user-name {user}: for each key created since \
                 {since}, aws iam update-access-key --user-name {user} --access-key-id {{AccessKeyId}} \
                 --status Inactive then aws iam delete-access-key --user-name {user} \
                 --access-key-id {{AccessKeyId}}; then aws iam list-attached-user-policies \
                 --user-name {user} and aws iam list-user-policies --user-name {user}; then \
                 aws iam list-ssh-public-keys --user-name {user} and \
                 aws iam list-signing-certificates --user-name {user}"
            ),
        ));
    }
    if let Some(role) = arn_name(id, ":role/") {
        return Some(Mechanism::new(
            "revert trust-policy and permission changes on the role",
            format!(
                "aws iam get-role --role-name {role}: restore the trust policy with \
                 aws iam update-assume-role-policy --role-name {role} --policy-document {{knownGoodTrustPolicy}}; \
                 then aws iam list-attached-role-policies --role-name {role} and \
                 aws iam list-role-policies --role-name {role}: detach-role-policy / \
                 delete-role-policy what was added since {since}"
            ),
        ));
    }
    Some(match s.kind {
        NodeKind::App | NodeKind::Idp => Mechanism::new(
            "remove users, keys, roles and federation added since the compromise",
            format!(
                "in account {id}: aws iam list-users and aws iam list-roles (CreateDate since \
                 {since}); then aws iam list-access-keys --user-name {{userName}} per user \
                 (delete keys created since {since}); then \
                 aws iam list-open-id-connect-providers and aws iam list-saml-providers \
                 (delete-open-id-connect-provider for unknown ones); then CloudTrail \
                 CreateUser, CreateAccessKey, CreateRole, UpdateAssumeRolePolicy since {since}"
            ),
        ),
        _ => return None,
    })
}

/// CloudTrail `LookupEvents` takes one attribute per call: the attacker's actions are found by
/// each access key id they held (long-term `AKIA…` and temporary `ASIA…` alike) and, for role
/// sessions, by the session name (CloudTrail's `Username` of an assumed-role call).
pub(super) fn activity(a: &Activity, p: &Place) -> Option<Mechanism> {
    let since = &p.since;
    let mut calls: Vec<String> = Vec::new();
    for (id, props) in &a.credentials {
        if id.starts_with(native::AWS_LONG_TERM_KEY) || id.starts_with(native::AWS_TEMPORARY_KEY) {
            calls.push(format!(
                "aws cloudtrail lookup-events --start-time {since} --lookup-attributes \
                 AttributeKey=AccessKeyId,AttributeValue={id}"
            ));
        }
        if let Some(session) = prop(
            props,
            &["role_session_name", "session_name", "RoleSessionName"],
        ) {
            calls.push(format!(
                "aws cloudtrail lookup-events --start-time {since} --lookup-attributes \
                 AttributeKey=Username,AttributeValue={session}"
            ));
        }
    }
    for (kind, id, name) in &a.accounts {
        if *kind == NodeKind::ServiceAccount || *kind == NodeKind::User {
            let user = id.rsplit('/').next().unwrap_or(id);
            let user = name.filter(|n| !n.contains(' ')).unwrap_or(user);
            calls.push(format!(
                "aws cloudtrail lookup-events --start-time {since} --lookup-attributes \
                 AttributeKey=Username,AttributeValue={user}"
            ));
        }
    }
    calls.dedup();
    if calls.is_empty() {
        return None;
    }
    Some(Mechanism::new(
        "review what the stolen keys and sessions did in CloudTrail",
        format!(
            "{} (management events, 90 days; data events such as S3 object reads only where a \
             trail records them)",
            calls.join("; then ")
        ),
    ))
}
