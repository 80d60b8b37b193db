//! The catalogue of rules: ids, OWASP NHI Top 10 (2025) entries and the texts SARIF and the
//! documentation show.

/// One rule of the review: what it checks and which OWASP NHI Top 10 (2025) entry it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Kebab-case id, the `rule` of a finding.
    pub id: &'static str,
    /// `NHIn:2025`.
    pub owasp: &'static str,
    /// The OWASP entry's title.
    pub owasp_title: &'static str,
    /// The OWASP entry's page.
    pub owasp_uri: &'static str,
    /// PascalCase name (SARIF `name`).
    pub name: &'static str,
    /// One line.
    pub short: &'static str,
    /// What triggers it and why it matters.
    pub full: &'static str,
    /// How its severity is decided.
    pub severity: &'static str,
}

const OWASP: &str = "https://owasp.org/www-project-non-human-identities-top-10/2025/";

macro_rules! owasp_uri {
    ($slug:literal) => {
        concat!(
            "https://owasp.org/www-project-non-human-identities-top-10/2025/",
            $slug,
            "/"
        )
    };
}

/// Every rule, in report order (OWASP entry, then rule).
pub const RULES: &[Rule] = &[
    Rule {
        id: "orphaned-nhi",
        owasp: "NHI1:2025",
        owasp_title: "Improper Offboarding",
        owasp_uri: owasp_uri!("1-improper-offboarding"),
        name: "OrphanedNhi",
        short: "Service account with no owner, or whose every owner has left",
        full: "An enabled service account (or a workload with recorded owners) that no enabled \
               account owns: no `owns` edge into it, or every owner is disabled or belongs to a \
               person whose identity-provider account is disabled. Nobody answers for it, so \
               nobody rotates or retires it.",
        severity: "high when its blast radius reaches a crown jewel, else medium",
    },
    Rule {
        id: "departed-owner-credential",
        owasp: "NHI1:2025",
        owasp_title: "Improper Offboarding",
        owasp_uri: owasp_uri!("1-improper-offboarding"),
        name: "DepartedOwnerCredential",
        short: "Live credential of a person who has been offboarded",
        full: "A credential that is still alive although the person it belongs to (its `person`, \
               or the person of the account it authenticates as) has left: their \
               identity-provider account is disabled. Disabling the IdP account does not revoke \
               tokens issued on other platforms (partial offboarding).",
        severity: "high when its blast radius reaches a crown jewel, else medium",
    },
    Rule {
        id: "stale-credential",
        owasp: "NHI1:2025",
        owasp_title: "Improper Offboarding",
        owasp_uri: owasp_uri!("1-improper-offboarding"),
        name: "StaleCredential",
        short: "Live credential unused for a long time",
        full: "A live credential whose `last_used_at` is older than the stale threshold, or that \
               its collector marks as never used (`props.never_used: true`) and was issued before \
               it. Nothing needs it any more, but it still works: it was never offboarded.",
        severity: "high when its blast radius reaches a crown jewel, else medium",
    },
    Rule {
        id: "secret-in-shared-place",
        owasp: "NHI2:2025",
        owasp_title: "Secret Leakage",
        owasp_uri: owasp_uri!("2-secret-leakage"),
        name: "SecretInSharedPlace",
        short: "Secrets held in a place many people can reach",
        full: "A resource, app or workload holds live credentials (`holds`) and at least N \
               distinct people (accounts grouped by `person`) have a traversable path to it. \
               Everyone who can reach the place can copy the secret.",
        severity: "high when the place is not a secret store (a ticket, a document, a repo: the \
                   secret has leaked) or a held credential reaches a crown jewel, else medium",
    },
    Rule {
        id: "third-party-broad-grant",
        owasp: "NHI3:2025",
        owasp_title: "Vulnerable Third-Party NHI",
        owasp_uri: owasp_uri!("3-vulnerable-third-party-nhi"),
        name: "ThirdPartyBroadGrant",
        short: "Third-party app holding broad or many grants",
        full: "An app on another platform than the grants it holds (or marked \
               `props.third_party`) holds grants or tokens with broad scopes (admin, write-all, \
               read-everything) or at least M grants. A breach of the vendor is a breach of every \
               tenant it holds tokens for.",
        severity: "high with a broad scope, medium when only the number of grants triggers it",
    },
    Rule {
        id: "weak-auth-owner",
        owasp: "NHI4:2025",
        owasp_title: "Insecure Authentication",
        owasp_uri: owasp_uri!("4-insecure-authentication"),
        name: "WeakAuthOwner",
        short: "Account without MFA that owns or administers NHIs",
        full: "A human account that owns a service account or app, or administers an app or \
               identity provider, with no evidence of MFA: no session with `mfa: true` \
               authenticating as it, no federated sign-in into it that requires MFA or comes from \
               an account with MFA evidence, or props saying MFA is not registered. Whoever \
               guesses or phishes its password can mint credentials for the NHIs.",
        severity: "high when MFA is known to be missing (props say so, or only sessions without \
                   MFA were seen), low when it merely cannot be confirmed",
    },
    Rule {
        id: "password-on-service-account",
        owasp: "NHI4:2025",
        owasp_title: "Insecure Authentication",
        owasp_uri: owasp_uri!("4-insecure-authentication"),
        name: "PasswordOnServiceAccount",
        short: "Service account signing in with a password",
        full: "A live token of type `password` authenticates as a service account: a static, \
               guessable, phishable secret on an identity no human watches.",
        severity: "high",
    },
    Rule {
        id: "overprivileged-nhi",
        owasp: "NHI5:2025",
        owasp_title: "Overprivileged NHI",
        owasp_uri: owasp_uri!("5-overprivileged-nhi"),
        name: "OverprivilegedNhi",
        short: "NHI or NHI credential with admin, wildcard or tenant-wide scopes",
        full: "A service account that is `admin_of` something (directly or through the roles and \
               groups it can assume or is a member of) or holds admin, wildcard or write-all \
               scopes (`*`, `repo`, `admin:*`, `Directory.ReadWrite.All`, `Mail.ReadWrite`, \
               `okta.*.manage`…), tenant-wide read scopes (`Mail.Read` as an application, \
               `.default`, domain-wide delegation); or such a grant or token held by a workload \
               or app.",
        severity: "high for admin, wildcard and write-all; medium for tenant-wide read",
    },
    Rule {
        id: "static-cloud-credential",
        owasp: "NHI6:2025",
        owasp_title: "Insecure Cloud Deployment Configurations",
        owasp_uri: owasp_uri!("6-insecure-cloud-deployment-configurations"),
        name: "StaticCloudCredential",
        short: "Workload or CI holding a static cloud key instead of a federated identity",
        full: "A workload or app (CI system, function, VM) holds a long-term cloud credential — \
               an AWS access key, a Google service-account key, an Entra client secret or \
               certificate — where the platform offers a federated or attached identity (OIDC, \
               execution role, attached service account, managed identity).",
        severity: "high when a held key reaches a crown jewel, else medium",
    },
    Rule {
        id: "risky-federation-trust",
        owasp: "NHI6:2025",
        owasp_title: "Insecure Cloud Deployment Configurations",
        owasp_uri: owasp_uri!("6-insecure-cloud-deployment-configurations"),
        name: "RiskyFederationTrust",
        short: "Role assumable through a wildcard OIDC subject or by another account without an external id",
        full: "A role whose trust policy lets in more than one workload: an OIDC subject with a \
               wildcard (`repo:org/*`, `system:serviceaccount:ns:*`) or no subject condition at \
               all, so any repository, branch, pull request or service account matching it gets \
               the role's sessions; or another AWS account trusted without `sts:ExternalId`, so a \
               third party acting for several customers can be steered into this one (confused \
               deputy).",
        severity: "high for a wildcard subject, medium for an account without an external id",
    },
    Rule {
        id: "long-lived-credential",
        owasp: "NHI7:2025",
        owasp_title: "Long-Lived Secrets",
        owasp_uri: owasp_uri!("7-long-lived-secrets"),
        name: "LongLivedCredential",
        short: "Credential that never expires, lives too long, or is never rotated",
        full: "A live session or token with no `expires_at`, a lifetime over the maximum, or \
               issued longer ago than the rotation period. A stolen copy works for as long. \
               (Grants are consents, not secrets: their tokens are checked instead.)",
        severity: "high when its blast radius reaches a crown jewel, else medium",
    },
    Rule {
        id: "non-revocable-credential",
        owasp: "NHI7:2025",
        owasp_title: "Long-Lived Secrets",
        owasp_uri: owasp_uri!("7-long-lived-secrets"),
        name: "NonRevocableCredential",
        short: "Credential that cannot be revoked and stays valid for long",
        full: "A live credential that can only die at expiry (`ttl_only`) with more than the \
               allowed window left, or a static one (`none`) that is not already reported as \
               long-lived. Once stolen, nothing shortens the attacker's window.",
        severity: "medium when its blast radius reaches a crown jewel, else low",
    },
    Rule {
        id: "mixed-environment-nhi",
        owasp: "NHI8:2025",
        owasp_title: "Environment Isolation",
        owasp_uri: owasp_uri!("8-environment-isolation"),
        name: "MixedEnvironmentNhi",
        short: "One NHI spanning production and non-production",
        full: "A service account or workload whose own tags and blast radius cover both \
               `env:prod` and a non-production environment (`env:dev`, `env:test`, \
               `env:staging`…). A compromise of the weaker environment walks into production.",
        severity: "high when a non-production NHI reaches production, else medium",
    },
    Rule {
        id: "reused-credential",
        owasp: "NHI9:2025",
        owasp_title: "NHI Reuse",
        owasp_uri: owasp_uri!("9-nhi-reuse"),
        name: "ReusedCredential",
        short: "One credential held by several workloads or devices",
        full: "The same live credential is held by two or more workloads or devices. Each copy \
               is a place to steal it from, and rotating it breaks all of them at once.",
        severity: "high when its blast radius reaches a crown jewel, else medium",
    },
    Rule {
        id: "human-use-of-nhi",
        owasp: "NHI10:2025",
        owasp_title: "Human Use of NHI",
        owasp_uri: owasp_uri!("10-human-use-of-nhi"),
        name: "HumanUseOfNhi",
        short: "Interactive session signed in as a service account",
        full: "A `session` (or a cookie token) authenticates as a service account: a person is \
               using a non-human identity interactively, without their own accountability, MFA \
               or offboarding.",
        severity: "high",
    },
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The OWASP NHI Top 10 (2025) index page.
pub const OWASP_INDEX: &str = OWASP;

pub(super) fn rule_of(id: &str) -> &'static Rule {
    rule(id).expect("rule ids are constants of this module")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_documented_once() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        for r in RULES {
            assert!(r.owasp.starts_with("NHI") && r.owasp.ends_with(":2025"));
            assert!(r.owasp_uri.starts_with(OWASP));
        }
    }
}
