//! The generic row: what every platform heir has no specific mechanism for gets, and what a
//! platform row falls back to when it answers `None` for a subject.

use super::*;

pub(super) fn contain(s: &Subject) -> Mechanism {
    let who = s.who();
    let platform = s.platform;
    match s.kind {
        NodeKind::User | NodeKind::ServiceAccount => Mechanism::new(
            "disable account",
            format!(
                "{platform} admin console: suspend or disable {who} so it accepts no new \
                 sign-in (if it is provisioned by SCIM, deprovision it at the IdP)"
            ),
        ),
        NodeKind::Device => {
            let mdm = s
                .prop(&["mdm"])
                .map(|m| format!(" ({m})"))
                .unwrap_or_default();
            let edr = s
                .prop(&["edr"])
                .map(|e| format!(" ({e})"))
                .unwrap_or_default();
            Mechanism::new(
                "isolate device",
                format!(
                    "EDR console{edr}: network-isolate {who}, keeping it powered on for \
                     forensics; then MDM{mdm}: mark it non-compliant or lock it so \
                     managed-device conditions stop trusting it"
                ),
            )
        }
        NodeKind::Workload => Mechanism::new(
            "quarantine workload",
            format!(
                "stop {who} (cancel its jobs, stop the process or instance) and block its \
                 egress, keeping its disk for forensics; then rotate every credential it held"
            ),
        ),
        NodeKind::App => Mechanism::new(
            "disable the integration",
            format!(
                "disconnect {who}: disable or uninstall it on every platform it is connected \
                 to and revoke its OAuth grants and tokens there; ask the vendor to disable \
                 its access"
            ),
        ),
        NodeKind::Idp => Mechanism::new(
            "cut federation from the IdP",
            format!(
                "disable the SAML/OIDC trust in {who} in every relying platform until its \
                 signing keys and admin sessions are known clean"
            ),
        ),
        _ => Mechanism::new(
            "restrict access",
            format!("{platform}: remove the members and permissions of {who}"),
        ),
    }
}

/// A collector that knows the exact call for a credential records it as props `revoke_via`;
/// that beats any generic wording.
pub(super) fn revoke(s: &Subject, c: &Ctx) -> Mechanism {
    let who = s.who();
    let platform = s.platform;
    let of = s
        .account_label()
        .map(|a| format!(" of {a}"))
        .unwrap_or_default();
    let action = match c.rev {
        Revocation::Central => "revoke centrally",
        Revocation::PerApp => "revoke in the app",
        Revocation::TtlOnly => "block until expiry (compensating control)",
        Revocation::None if s.token_type == Some(TokenType::Password) => "reset password",
        Revocation::None => "rotate at the issuer",
    };
    if let Some(via) = s.prop(&["revoke_via"]) {
        return Mechanism::new(action, via);
    }
    let how = match c.rev {
        Revocation::Central => format!(
            "{platform} admin console: revoke {who}{of} (one revocation kills it and what it \
             minted)"
        ),
        Revocation::PerApp => format!(
            "{platform}: revoke {who}{of} in the app that holds it (sign out the session or \
             revoke the token there)"
        ),
        Revocation::TtlOnly => match s.expires_at {
            Some(t) => format!(
                "expires {} — watch until then: {platform} cannot end {who}{of} earlier; if \
                 that cannot wait, block it at the resource it reaches (deny its client, IP \
                 or account)",
                show(t, s.expiry_basis)
            ),
            None => format!(
                "{platform}: block {who}{of} at the resource it reaches (deny its client, IP \
                 or account) until it expires"
            ),
        },
        Revocation::None if s.token_type == Some(TokenType::Password) => {
            format!("{platform}: reset the password{of}, then sign out its sessions")
        }
        Revocation::None => format!(
            "{platform}: issue a replacement for {who}, deploy it where the old one is used, \
             then delete the old one at the issuer"
        ),
    };
    Mechanism::new(action, how)
}

pub(super) fn inspect(p: &Place) -> Mechanism {
    Mechanism::new(
        "review the audit log since the compromise",
        format!(
            "{} audit log for {} since {}: new users and admin grants, new API keys, tokens, \
             OAuth apps and consents, webhooks and forwarding rules, data exports and unusual \
             downloads",
            p.platform,
            p.label(),
            p.since
        ),
    )
}

pub(super) fn recover(s: &Subject) -> Mechanism {
    Mechanism::new(
        "reset MFA, recovery details and password, then re-enable",
        format!(
            "{}: reset the MFA factors of {} and re-enrol them with the owner in person; \
             check the recovery email and phone; reset the password; then re-enable the \
             account",
            s.platform,
            s.who()
        ),
    )
}

pub(super) fn persistence(s: &Subject, since: &str) -> Mechanism {
    Mechanism::new(
        "remove credentials, owners and grants added since the compromise",
        format!(
            "{}: list the keys, tokens, secrets, owners, OAuth grants, webhooks and accounts \
             created on {} since {since} and delete those nobody can vouch for",
            s.platform,
            s.who()
        ),
    )
}
