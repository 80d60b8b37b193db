//! The closed vocabularies of the trust graph, and — in one place — what each of them means to the
//! traversal. Like BloodHound CE, which edge kinds are traversable is data ([`EdgeKind::rule`]), not
//! conditionals spread over the engine; the blast radius, the plan, the exports and the saved Cypher
//! queries all read the same table.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

macro_rules! closed_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $var),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$var),+];

            /// The wire spelling.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$var => $s),+ }
            }

            /// Parses the wire spelling.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$var),)+ _ => None }
            }

            /// The accepted spellings, for error messages.
            pub fn expected() -> String {
                [$($s),+].join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

closed_enum! {
    /// What a node is.
    NodeKind {
        /// A human's account on one platform.
        User = "user",
        /// A non-human identity: cloud service account, service principal, bot, CI identity.
        ServiceAccount = "service_account",
        Group = "group",
        Role = "role",
        /// An endpoint that holds credentials.
        Device = "device",
        /// Running code that holds credentials (CI job, pod, lambda, integration server).
        Workload = "workload",
        /// An identity provider tenant.
        Idp = "idp",
        /// A SaaS application, tenant, OAuth client or cloud account.
        App = "app",
        /// Something of value inside an app: mailbox, repo, bucket, database, secret store.
        Resource = "resource",
        /// An interactive session artefact (cookie).
        Session = "session",
        /// A bearer credential of any `token_type`.
        Token = "token",
        /// A consent letting a client act on someone's behalf, with scopes.
        OauthGrant = "oauth_grant",
    }
}

impl NodeKind {
    /// Sessions, tokens and grants: things that expire, get revoked and are what the plan revokes.
    pub const fn is_credential(self) -> bool {
        matches!(
            self,
            NodeKind::Session | NodeKind::Token | NodeKind::OauthGrant
        )
    }

    /// Accounts someone signs in as: a disabled one accepts no new sign-in.
    pub const fn is_account(self) -> bool {
        matches!(self, NodeKind::User | NodeKind::ServiceAccount)
    }

    /// Non-human identities and the code that carries their credentials.
    pub const fn is_nhi(self) -> bool {
        matches!(self, NodeKind::ServiceAccount | NodeKind::Workload)
    }

    /// `ServiceAccount`-style label used by Neo4j and BloodHound exports.
    pub fn label(self) -> String {
        self.as_str()
            .split('_')
            .map(|w| {
                let mut c = w.chars();
                match c.next() {
                    Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                    None => String::new(),
                }
            })
            .collect()
    }
}

closed_enum! {
    /// What an edge means. `A -> B`: whoever controls A can obtain, use or act as B.
    EdgeKind {
        AuthenticatesAs = "authenticates_as",
        Issued = "issued",
        Sso = "sso",
        MemberOf = "member_of",
        CanAssume = "can_assume",
        CanAccess = "can_access",
        AdminOf = "admin_of",
        Owns = "owns",
        Holds = "holds",
        Consented = "consented",
    }
}

/// What an edge kind does to an attacker walking it. See `docs/model.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeRule {
    /// The traversal follows it at all (`consented` is reporting only).
    pub traversable: bool,
    /// Crossing it gives the power to create new credentials: access no longer ends when the stolen
    /// credential does.
    pub grants_persistence: bool,
    /// The target was minted from the source (lineage). The holder of the parent mints fresh
    /// children, so the child's own expiry does not cap the window and an expired child is revived.
    pub mints: bool,
    /// Crossing it is a *new* sign-in to the target account, which a disabled account refuses.
    pub new_sign_in: bool,
}

impl EdgeKind {
    /// The traversal semantics of this edge kind — the single source of truth.
    pub const fn rule(self) -> EdgeRule {
        const fn r(traversable: bool, persist: bool, mints: bool, new_sign_in: bool) -> EdgeRule {
            EdgeRule {
                traversable,
                grants_persistence: persist,
                mints,
                new_sign_in,
            }
        }
        match self {
            EdgeKind::AuthenticatesAs => r(true, false, false, false),
            EdgeKind::Issued => r(true, false, true, false),
            EdgeKind::Sso => r(true, false, false, true),
            EdgeKind::MemberOf => r(true, false, false, false),
            EdgeKind::CanAssume => r(true, false, false, true),
            EdgeKind::CanAccess => r(true, false, false, false),
            EdgeKind::AdminOf => r(true, true, false, false),
            EdgeKind::Owns => r(true, true, false, false),
            EdgeKind::Holds => r(true, false, false, false),
            EdgeKind::Consented => r(false, false, false, false),
        }
    }

    /// `AUTHENTICATES_AS`-style relationship type used by Neo4j and BloodHound exports.
    pub fn rel_type(self) -> String {
        self.as_str().to_ascii_uppercase()
    }

    /// The node kinds expected at each end: the edge table of docs/model.md, widened where real platforms
    /// need it (a grant authenticating as its user, a workload's access, a group owning an app).
    /// Only used for warnings: an unusual edge is reported, never rejected.
    pub fn endpoints(self) -> (&'static [NodeKind], &'static [NodeKind]) {
        use NodeKind::*;
        const ACCOUNT: &[NodeKind] = &[User, ServiceAccount];
        const CRED: &[NodeKind] = &[Session, Token, OauthGrant];
        match self {
            EdgeKind::AuthenticatesAs => (&[Session, Token, OauthGrant], ACCOUNT),
            EdgeKind::Issued => (CRED, &[Session, Token, OauthGrant]),
            // An IdP account signs in to a cloud's federation provider (`aws:idp:<SAML ARN>`),
            // which then assumes the roles trusting it.
            EdgeKind::Sso => (ACCOUNT, &[User, ServiceAccount, Idp]),
            EdgeKind::MemberOf => (&[User, ServiceAccount, Group, Role], &[Group, Role]),
            EdgeKind::CanAssume => (
                // A token: a PAT allowed to change workflow files runs as the repo's CI.
                &[User, ServiceAccount, Role, Group, Workload, Idp, Token],
                // A workload: whoever can push to a repository runs code as its CI
                // (`github:workload:<org>/<repo>`, the OIDC join to cloud roles).
                &[Role, ServiceAccount, User, Workload],
            ),
            EdgeKind::CanAccess => (
                &[
                    User,
                    ServiceAccount,
                    Group,
                    Role,
                    Token,
                    OauthGrant,
                    Session,
                    Workload,
                    App,
                ],
                &[App, Resource, Idp],
            ),
            // Control of another identity (AWS iam:CreateAccessKey on a user, iam:PutRolePolicy on
            // a role, GCP key admin on a service account): new credentials at will.
            EdgeKind::AdminOf => (
                &[User, ServiceAccount, Group, Role],
                &[App, Idp, Resource, User, ServiceAccount, Role],
            ),
            EdgeKind::Owns => (
                &[User, ServiceAccount, Group],
                &[ServiceAccount, App, Resource],
            ),
            EdgeKind::Holds => (&[Device, Workload, App, Resource, Idp], CRED),
            EdgeKind::Consented => (ACCOUNT, &[OauthGrant]),
        }
    }
}

closed_enum! {
    /// A condition an edge can only be crossed under.
    Requirement {
        /// Multi-factor authentication: satisfied by the inherited claim of a stolen MFA session.
        Mfa = "mfa",
        /// Step-up / re-authentication: never satisfied by a stolen artefact.
        FreshMfa = "fresh_mfa",
        /// Only from a managed (compliant) device.
        ManagedDevice = "managed_device",
        /// Only from a trusted network location.
        TrustedNetwork = "trusted_network",
    }
}

/// Where the attacker uses what they stole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Attacker {
    /// Replays stolen artefacts from their own host (the usual infostealer aftermath).
    #[default]
    OffDevice,
    /// Runs code on the victim's device: device-bound credentials, managed-device and
    /// trusted-network conditions all pass.
    OnDevice,
}

impl Attacker {
    pub const fn as_str(self) -> &'static str {
        match self {
            Attacker::OffDevice => "off-device",
            Attacker::OnDevice => "on-device",
        }
    }
}

/// What satisfies a condition, so the engine asks the table rather than matching on names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Satisfier {
    /// The MFA claim carried by the credential the attacker is using.
    MfaClaim,
    /// Nothing an attacker holds.
    Never,
    /// Being on the victim's device.
    OnDevice,
}

impl Requirement {
    pub const fn satisfier(self) -> Satisfier {
        match self {
            Requirement::Mfa => Satisfier::MfaClaim,
            Requirement::FreshMfa => Satisfier::Never,
            Requirement::ManagedDevice | Requirement::TrustedNetwork => Satisfier::OnDevice,
        }
    }

    /// Whether an attacker with this profile, carrying this MFA claim, meets the condition.
    pub const fn met(self, attacker: Attacker, mfa_claim: bool) -> bool {
        match self.satisfier() {
            Satisfier::MfaClaim => mfa_claim,
            Satisfier::Never => false,
            Satisfier::OnDevice => matches!(attacker, Attacker::OnDevice),
        }
    }

    /// A bit per requirement, so an edge's conditions are one byte in the engine.
    pub const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

closed_enum! {
    /// How a credential can be killed before it expires.
    Revocation {
        /// One API call kills it and its children.
        Central = "central",
        /// Each app holds its own copy: one call per app.
        PerApp = "per_app",
        /// Cannot be revoked; it dies at expiry (compensate).
        TtlOnly = "ttl_only",
        /// Static until rotated.
        None = "none",
    }
}

closed_enum! {
    /// What kind of bearer credential a `token` is.
    TokenType {
        Access = "access",
        Refresh = "refresh",
        Id = "id",
        ApiKey = "api_key",
        Pat = "pat",
        ClientSecret = "client_secret",
        AccessKey = "access_key",
        PrivateKey = "private_key",
        Password = "password",
        Cookie = "cookie",
        Other = "other",
    }
}

/// Why a reached-looking node was not reached: a condition that held, or device binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlockedBy {
    Mfa,
    FreshMfa,
    ManagedDevice,
    TrustedNetwork,
    DeviceBound,
}

impl From<Requirement> for BlockedBy {
    fn from(r: Requirement) -> Self {
        match r {
            Requirement::Mfa => BlockedBy::Mfa,
            Requirement::FreshMfa => BlockedBy::FreshMfa,
            Requirement::ManagedDevice => BlockedBy::ManagedDevice,
            Requirement::TrustedNetwork => BlockedBy::TrustedNetwork,
        }
    }
}

impl BlockedBy {
    pub const fn as_str(self) -> &'static str {
        match self {
            BlockedBy::Mfa => "mfa",
            BlockedBy::FreshMfa => "fresh_mfa",
            BlockedBy::ManagedDevice => "managed_device",
            BlockedBy::TrustedNetwork => "trusted_network",
            BlockedBy::DeviceBound => "device_bound",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_consented_is_not_traversed() {
        let skipped: Vec<_> = EdgeKind::ALL
            .iter()
            .filter(|k| !k.rule().traversable)
            .collect();
        assert_eq!(skipped, vec![&EdgeKind::Consented]);
    }

    #[test]
    fn labels() {
        assert_eq!(NodeKind::ServiceAccount.label(), "ServiceAccount");
        assert_eq!(NodeKind::OauthGrant.label(), "OauthGrant");
        assert_eq!(EdgeKind::AuthenticatesAs.rel_type(), "AUTHENTICATES_AS");
    }

    #[test]
    fn requirement_table() {
        use Attacker::*;
        assert!(Requirement::Mfa.met(OffDevice, true));
        assert!(!Requirement::Mfa.met(OnDevice, false));
        assert!(!Requirement::FreshMfa.met(OnDevice, true));
        assert!(Requirement::ManagedDevice.met(OnDevice, false));
        assert!(!Requirement::TrustedNetwork.met(OffDevice, true));
    }
}
