//! Reference data: the FOCI family, admin roles, known APIs and Microsoft tenants, and the
//! nodes that stand for them.

use serde_json::Value;

use super::*;
use crate::collect::json::node_on;
use crate::model::naming::{native, platform::ENTRA};
use crate::model::{Node, NodeKind};

// ------------------------------------------------------------------------------------------------
// Reference data

/// The FOCI family ("family of client IDs"): Microsoft first-party public clients whose refresh
/// tokens any other member can redeem. Research-derived (Secureworks
/// `family-of-client-ids-research/known-foci-clients.csv`), not documented by Microsoft, and may
/// change. `(client id, application name)`.
pub fn foci_clients() -> &'static [(&'static str, &'static str)] {
    &[
        (
            "00b41c95-dab0-4487-9791-b9d2c32c80f2",
            "Office 365 Management",
        ),
        (
            "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
            "Microsoft Azure CLI",
        ),
        (
            "1950a258-227b-4e31-a9cf-717495945fc2",
            "Microsoft Azure PowerShell",
        ),
        ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"),
        ("26a7ee05-5602-4d76-a7ba-eae8b7b67941", "Windows Search"),
        ("27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook Mobile"),
        (
            "4813382a-8fa7-425e-ab75-3b753aab3abb",
            "Microsoft Authenticator App",
        ),
        (
            "ab9b8c07-8f02-4f72-87fa-80105867a763",
            "OneDrive SyncEngine",
        ),
        ("d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"),
        ("872cd9fa-d31f-45e0-9eab-6e460a02d1f1", "Visual Studio"),
        ("af124e86-4e96-495a-b70a-90f90ab96707", "OneDrive iOS App"),
        (
            "2d7f3606-b07d-41d1-b9d2-0d0c9296a6e8",
            "Microsoft Bing Search for Microsoft Edge",
        ),
        (
            "844cca35-0656-46ce-b636-13f48b0eecbd",
            "Microsoft Stream Mobile Native",
        ),
        (
            "87749df4-7ccf-48f8-aa87-704bad0e0e16",
            "Microsoft Teams - Device Admin Agent",
        ),
        (
            "cf36b471-5b44-428c-9ce7-313bf84528de",
            "Microsoft Bing Search",
        ),
        ("0ec893e0-5785-4de6-99da-4ed124e5296c", "Office UWP PWA"),
        (
            "22098786-6e16-43cc-a27d-191a01a1e3b5",
            "Microsoft To-Do client",
        ),
        ("4e291c71-d680-4d0e-9640-0a3358e31177", "PowerApps"),
        (
            "57336123-6e14-4acc-8dcf-287b6088aa28",
            "Microsoft Whiteboard Client",
        ),
        ("57fcbcfa-7cee-4eb1-8b25-12d2030b4ee0", "Microsoft Flow"),
        ("66375f6b-983f-4c2c-9701-d680650f588f", "Microsoft Planner"),
        (
            "9ba1a5c7-f17a-4de9-a1f1-6178c8d51223",
            "Microsoft Intune Company Portal",
        ),
        (
            "a40d7d7d-59aa-447e-a655-679a4107e548",
            "Accounts Control UI",
        ),
        ("a569458c-7f2b-45cb-bab9-b7dee514d112", "Yammer iPhone"),
        ("b26aadf8-566f-4478-926f-589f601d9c74", "OneDrive"),
        ("c0d2a505-13b8-4ae0-aa9e-cddd5eab0b12", "Microsoft Power BI"),
        ("d326c1ce-6cc6-4de2-bebc-4591e5e13ef0", "SharePoint"),
        ("e9c51622-460d-4d3d-952d-966a5b1da34c", "Microsoft Edge"),
        ("eb539595-3fe1-474e-9c1d-feb3625d1be5", "Microsoft Tunnel"),
        ("ecd6b820-32c2-49b6-98a6-444530e5a77a", "Microsoft Edge"),
        ("f05ff7c9-f75a-4acd-a3b5-f4b6a870245d", "SharePoint Android"),
        ("f44b1140-bc5e-48c6-8dc0-5cf5a53c0e34", "Microsoft Edge"),
        (
            "be1918be-3fe3-4be9-b32b-b542fc27f02e",
            "M365 Compliance Drive Client",
        ),
        (
            "cab96880-db5b-4e15-90a7-f3f1d62ffe39",
            "Microsoft Defender Platform",
        ),
        (
            "d7b530a4-7680-4c23-a8bf-c52c121d2e87",
            "Microsoft Edge Enterprise New Tab Page",
        ),
        (
            "dd47d17a-3194-4d86-bfd5-c6ae6f5651e3",
            "Microsoft Defender for Mobile",
        ),
        ("e9b154d0-7658-433b-bb25-6b8e0a8a7c59", "Outlook Lite"),
    ]
}

/// Whether a client id is a FOCI family member.
pub fn is_foci(app_id: &str) -> bool {
    foci_clients()
        .iter()
        .any(|(c, _)| c.eq_ignore_ascii_case(app_id))
}

/// The node standing for the FOCI family as a whole: a family refresh token `can_access` it, and
/// it `can_access` each family client present in the tenant. Built the same way by this
/// collector and by the sign-ins importer, so the two documents merge without conflicts.
pub fn foci_family_node() -> Node {
    let mut n = node(NodeKind::App, native::FOCI_FAMILY);
    n.name = Some("Microsoft FOCI family (any family client)".to_string());
    n.props.insert("foci".into(), Value::Bool(true));
    n.props.insert(
        "note".into(),
        Value::from(
            "a refresh token issued to one family client is redeemable by every other family \
             client for that client's pre-consented scopes (research-derived list, not \
             documented by Microsoft)",
        ),
    );
    n
}

/// Directory roles that can create accounts, credentials or grants in the directory (or forge
/// sign-ins): `admin_of` the tenant. `(template id, criticality)`; everything else is a `role`
/// node without an edge to the tenant.
pub(super) const ADMIN_ROLES: &[(&str, u8)] = &[
    ("62e90394-69f5-4237-9190-012177145e10", 10), // Global Administrator
    ("e8611ab8-c189-46e8-94e1-60213ab1f814", 10), // Privileged Role Administrator
    ("7be44c8a-adaf-4e2a-84d6-ab2649e08a13", 10), // Privileged Authentication Administrator
    ("e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8", 10), // Partner Tier2 Support
    ("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", 9),  // Application Administrator
    ("158c047a-c907-4556-b7ef-446551a6b5f7", 9),  // Cloud Application Administrator
    ("8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", 9),  // Hybrid Identity Administrator
    ("8329153b-31d0-4727-b945-745eb3bc5f31", 9),  // Domain Name Administrator
    ("d29b2b05-8046-44ba-8758-1e26182fcf32", 9),  // Directory Synchronization Accounts
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", 8),  // User Administrator
    ("c4e39bd9-1100-46d3-8c65-fb160da0071f", 8),  // Authentication Administrator
    ("4ba39ca4-527c-499a-b93d-d9b492c50246", 8),  // Partner Tier1 Support
    ("729827e3-9c14-49f7-bb1b-9608f156bbb8", 7),  // Helpdesk Administrator
    ("966707d0-3269-4727-9be2-8c3a10f19b9d", 7),  // Password Administrator
];

/// Microsoft Graph application permissions that let the holder grant itself any role, app role or
/// credential: tenant takeover, so the holder is also `admin_of` the tenant.
pub(super) const TAKEOVER_GRAPH_APP_ROLES: &[&str] = &[
    "RoleManagement.ReadWrite.Directory",
    "AppRoleAssignment.ReadWrite.All",
    "Application.ReadWrite.All",
];

/// The app role id Graph uses for "default access" (assignment to the app without a role).
pub(super) const DEFAULT_ACCESS: &str = "00000000-0000-0000-0000-000000000000";

/// Tenants that own Microsoft first-party apps (their credentials are Microsoft's, not a
/// third-party publisher's).
pub(super) const MICROSOFT_TENANTS: &[&str] = &[
    "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
    "72f988bf-86f1-41af-91ab-2d7cd011db47",
];

/// Criticality of well-known Microsoft APIs as permission targets.
const KNOWN_APIS: &[(&str, u8)] = &[
    (MICROSOFT_GRAPH_APP_ID, 9),
    ("797f4846-ba00-4fd7-ba43-dac1f8f63013", 9), // Windows Azure Service Management API
    ("00000002-0000-0ff1-ce00-000000000000", 8), // Office 365 Exchange Online
    ("00000003-0000-0ff1-ce00-000000000000", 8), // Office 365 SharePoint Online
    ("cfa8b339-82a2-471a-a3c9-0fc0be7a4093", 8), // Azure Key Vault
];

/// The node for an API as the target of delegated and application permissions:
/// `entra:resource:<appId>`. Shared with the sign-ins importer (a sign-in names its resource by
/// appId and display name), so both collectors write the same node.
pub fn resource_node(app_id: &str, display_name: Option<&str>) -> Node {
    let mut n = node(NodeKind::Resource, app_id);
    n.name = Some(format!("{} (API)", display_name.unwrap_or(app_id)));
    n.criticality = KNOWN_APIS
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(app_id))
        .map(|(_, c)| *c);
    n.props.insert("appId".into(), Value::from(app_id));
    n
}

/// The external workload a federated identity credential trusts: `(platform, native id)`.
/// GitHub Actions → `github` with the subject as id (`repo:acme/app:ref:refs/heads/main`),
/// GitLab → `gitlab`, Terraform Cloud → `terraform`, Google → `gcp`, an Entra issuer →
/// `entra`; any other issuer → `oidc` with `<issuer host/path>#<subject>`.
pub fn federated_workload(issuer: &str, subject: &str) -> (String, String) {
    let bare = issuer
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let host = bare.split('/').next().unwrap_or(bare).to_ascii_lowercase();
    let platform = match host.as_str() {
        "token.actions.githubusercontent.com" => Some("github"),
        "gitlab.com" => Some("gitlab"),
        "app.terraform.io" => Some("terraform"),
        "accounts.google.com" => Some("gcp"),
        "login.microsoftonline.com" | "sts.windows.net" => Some("entra"),
        _ => None,
    };
    match platform {
        Some(p) => (p.to_string(), subject.to_string()),
        None => ("oidc".to_string(), format!("{bare}#{subject}")),
    }
}

pub(super) fn node(kind: NodeKind, native: &str) -> Node {
    node_on(ENTRA, kind, native)
}
