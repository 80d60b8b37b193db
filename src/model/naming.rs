//! The id conventions every collector writes and every analysis reads, in one place.
//!
//! A node id is `platform:kind:native-id`, the native id being the platform's own immutable id
//! (`okta:user:00u1abc`, `aws:role:arn:aws:iam::…`, `k8s:service_account:prod/ns/name`). The same
//! object reached by two collectors then gets the same id and `heir merge` joins them without a
//! mapping table; the plan's mechanisms read the native id back to fill in the exact API call.
//! Collectors build ids with [`node_id`] and analyses take them apart with [`native_id`], so the
//! contract between them is these functions and constants, not string parsing on each side.
//! The plan and the sprawl review each read native ids in one older way of their own
//! ([`native_id_any_separator`], [`after_second_colon`]): the same answer on every conventional
//! id, kept here by name so their output on hand-written ids does not change.

use super::kinds::NodeKind;

/// The platform names collectors write (a node's `platform` and the first part of its id).
pub mod platform {
    pub const OKTA: &str = "okta";
    pub const ENTRA: &str = "entra";
    pub const GOOGLE: &str = "google";
    pub const GCP: &str = "gcp";
    pub const GITHUB: &str = "github";
    pub const SLACK: &str = "slack";
    pub const AWS: &str = "aws";
    pub const K8S: &str = "k8s";
}

/// Prefixes that tell a credential's nature from its native id: the platforms put them there
/// themselves, so they hold for ids written by any collector or by hand.
pub mod native {
    /// AWS long-term access key ids (IAM users, root).
    pub const AWS_LONG_TERM_KEY: &str = "AKIA";
    /// AWS temporary (STS) access key ids: role sessions, federation tokens.
    pub const AWS_TEMPORARY_KEY: &str = "ASIA";
    /// GitHub App installation access tokens.
    pub const GITHUB_INSTALLATION_TOKEN: &str = "ghs";
    /// Slack bot tokens; bot user native ids begin with `bot` by heir's convention.
    pub const SLACK_BOT_TOKEN: &str = "xoxb";
    pub const SLACK_BOT_USER: &str = "bot";
    /// Resource native ids naming a user's mailbox: `mailbox/<user>`.
    pub const MAILBOX: &str = "mailbox/";
    /// Google shared drives: `shared-drive/<id>`.
    pub const SHARED_DRIVE: &str = "shared-drive/";
    /// Azure resources: their ARM id.
    pub const AZURE_RESOURCE: &str = "/subscriptions/";
    /// Google Cloud service-account keys: `projects/<p>/serviceAccounts/<email>/keys/<key>`.
    pub const GCP_PROJECT_PATH: &str = "projects/";
    /// An app's own session minted by Okta SSO, on the app's platform:
    /// `<app platform>:session:okta-<externalSessionId>-<appInstanceId>` (the `oktalog` importer).
    pub const OKTA_SSO_SESSION: &str = "okta-";
    /// The Microsoft FOCI family as a whole: `entra:app:foci`.
    pub const FOCI_FAMILY: &str = "foci";
    /// A sign-in session's FOCI family refresh token: `entra:token:foci:<sessionId>`.
    pub const FOCI_REFRESH_TOKEN: &str = "foci:";
    /// A third-party app's credentials, held by its publisher: `entra:token:publisher:<appId>`.
    pub const PUBLISHER_CREDENTIALS: &str = "publisher:";
}

/// The props key a collector sets on a node it writes only as the target of a federation edge
/// (an Okta AWS app's SAML provider, an IRSA annotation's role): the object lives on a platform
/// this collector does not read. `heir merge` drops the mark when a collector of that platform
/// brings the node itself, and reports the nodes still marked as unresolved federation targets,
/// so the user knows which collector to run next. The value names the collector that wrote it.
pub const FEDERATION_TARGET: &str = "federation_target";

/// Ids of the objects the cross-platform chains meet at (`docs/model.md`, "Joins"). Both ends of a
/// join build the id here, so an Okta app's SAML provider and the AWS collector's provider are one
/// node without a mapping table.
pub mod join {
    use super::{node_id, platform, NodeKind};

    /// An AWS IAM SAML or OIDC identity provider: `aws:idp:<provider ARN>`.
    pub fn aws_idp(arn: &str) -> String {
        node_id(platform::AWS, NodeKind::Idp, arn)
    }

    /// An AWS IAM role: `aws:role:<role ARN>`.
    pub fn aws_role(arn: &str) -> String {
        node_id(platform::AWS, NodeKind::Role, arn)
    }

    /// A GitHub repository's Actions workflows as a workload: `github:workload:<org>/<repo>`.
    pub fn github_workload(org_repo: &str) -> String {
        node_id(platform::GITHUB, NodeKind::Workload, org_repo)
    }

    /// A Kubernetes service account: `k8s:service_account:<cluster>/<namespace>/<name>`.
    pub fn k8s_service_account(cluster: &str, namespace: &str, name: &str) -> String {
        node_id(
            platform::K8S,
            NodeKind::ServiceAccount,
            &format!("{cluster}/{namespace}/{name}"),
        )
    }

    /// A Google Cloud service account by its email: `gcp:service_account:<email>`.
    pub fn gcp_service_account(email: &str) -> String {
        node_id(platform::GCP, NodeKind::ServiceAccount, email)
    }
}

/// The conventional id of the object `native` of `kind` on `platform`.
pub fn node_id(platform: &str, kind: NodeKind, native: &str) -> String {
    format!("{platform}:{}:{native}", kind.as_str())
}

/// The native part of a conventional id: what follows `platform:kind:`. An id that does not
/// follow the convention (hand-written documents may name nodes anything) is its own native id.
pub fn native_id<'a>(id: &'a str, platform: &str, kind: NodeKind) -> &'a str {
    id.strip_prefix(platform)
        .and_then(|rest| rest.strip_prefix(':'))
        .and_then(|rest| rest.strip_prefix(kind.as_str()))
        .and_then(|rest| rest.strip_prefix(':'))
        .filter(|native| !native.is_empty())
        .unwrap_or_else(|| id.rsplit(':').next().unwrap_or(id))
}

/// The native part as the plan has always read it, for the API calls it names: `id` past
/// `platform`, one separator, `kind` and one more separator, whatever characters the separators
/// are (`okta-user-00u1` is `00u1` for an Okta user). Ids of any other shape give their last `:`
/// part, as with [`native_id`]. The two agree on every id that follows the convention; this one
/// is kept apart so that plans of hand-written documents with other separators do not change.
pub fn native_id_any_separator<'a>(id: &'a str, platform: &str, kind: NodeKind) -> &'a str {
    let kind = kind.as_str();
    let prefix_len = platform.len() + 1 + kind.len() + 1;
    let native = (id.len() > prefix_len && id.starts_with(platform))
        .then(|| id.get(platform.len() + 1..))
        .flatten()
        .filter(|rest| rest.starts_with(kind))
        .and_then(|_| id.get(prefix_len..));
    native.unwrap_or_else(|| id.rsplit(':').next().unwrap_or(id))
}

/// The native part as the sprawl review has always read it, for the fixes it writes: everything
/// after the first two `:`, whatever the platform and kind parts say (`a:b:c:d` is `c:d`); an id
/// with fewer than two `:` is its own native id. It agrees with [`native_id`] on every id that
/// follows the convention (ARNs included); off it, `legacy:thing:4:2` is `4:2` here and `2` there,
/// and it is kept apart so that fixes for hand-written documents do not change.
pub fn after_second_colon(id: &str) -> &str {
    id.splitn(3, ':').nth(2).unwrap_or(id)
}

/// The platform an id names when the node does not say: its first part.
pub fn platform_of_id(id: &str) -> &str {
    id.split(':').next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_the_convention() {
        let arn = "arn:aws:iam::123456789012:role/deploy";
        let id = node_id(platform::AWS, NodeKind::Role, arn);
        assert_eq!(id, "aws:role:arn:aws:iam::123456789012:role/deploy");
        assert_eq!(native_id(&id, platform::AWS, NodeKind::Role), arn);
        assert_eq!(platform_of_id(&id), "aws");
    }

    #[test]
    fn join_ids_follow_the_convention() {
        let saml = "arn:aws:iam::123456789012:saml-provider/Okta";
        assert_eq!(join::aws_idp(saml), format!("aws:idp:{saml}"));
        assert_eq!(
            join::aws_role("arn:aws:iam::1:role/r"),
            "aws:role:arn:aws:iam::1:role/r"
        );
        assert_eq!(
            join::github_workload("acme/api"),
            "github:workload:acme/api"
        );
        assert_eq!(
            join::k8s_service_account("prod", "default", "app"),
            "k8s:service_account:prod/default/app"
        );
        let sa = "deploy@p.iam.gserviceaccount.com";
        assert_eq!(
            native_id(
                &join::gcp_service_account(sa),
                platform::GCP,
                NodeKind::ServiceAccount
            ),
            sa
        );
    }

    #[test]
    fn the_plan_and_sprawl_readings_agree_with_the_convention_where_it_holds() {
        let arn = "arn:aws:iam::123456789012:role/deploy";
        let id = node_id(platform::AWS, NodeKind::Role, arn);
        assert_eq!(
            native_id_any_separator(&id, platform::AWS, NodeKind::Role),
            arn
        );
        assert_eq!(after_second_colon(&id), arn);
        let id = node_id(platform::OKTA, NodeKind::User, "00u1abc");
        assert_eq!(
            native_id_any_separator(&id, platform::OKTA, NodeKind::User),
            "00u1abc"
        );
        assert_eq!(after_second_colon(&id), "00u1abc");
    }

    #[test]
    fn the_plan_and_sprawl_readings_differ_off_the_convention() {
        // Any one character separates for the plan; the convention wants `:`.
        assert_eq!(
            native_id_any_separator("okta-user-00u1", "okta", NodeKind::User),
            "00u1"
        );
        assert_eq!(
            native_id("okta-user-00u1", "okta", NodeKind::User),
            "okta-user-00u1"
        );
        assert_eq!(
            native_id_any_separator("okta:apps:0oa1", "okta", NodeKind::App),
            ":0oa1"
        );
        assert_eq!(native_id("okta:apps:0oa1", "okta", NodeKind::App), "0oa1");
        // Too short, or another platform: the last part, as for the convention.
        assert_eq!(
            native_id_any_separator("okta:user:", "okta", NodeKind::User),
            ""
        );
        assert_eq!(
            native_id_any_separator("legacy-thing:42", "okta", NodeKind::User),
            "42"
        );
        // A separator that is not one byte long is not split inside.
        assert_eq!(
            native_id_any_separator("okta→user→x", "okta", NodeKind::User),
            "okta→user→x"
        );
        // The sprawl reading takes all after the second `:`, or the whole id.
        assert_eq!(after_second_colon("legacy-thing:42"), "legacy-thing:42");
        assert_eq!(after_second_colon("legacy:thing:4:2"), "4:2");
        assert_eq!(native_id("legacy:thing:4:2", "okta", NodeKind::User), "2");
        assert_eq!(after_second_colon("okta:user:"), "");
    }

    #[test]
    fn an_id_off_the_convention_is_its_last_part() {
        assert_eq!(native_id("legacy-thing:42", "okta", NodeKind::User), "42");
        assert_eq!(native_id("okta:user:", "okta", NodeKind::User), "");
    }
}
