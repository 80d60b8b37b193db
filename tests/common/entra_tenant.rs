//! The recorded Entra tenant of tests/fixtures/entra, served by the scripted HTTP mock.
#![allow(dead_code)]

use std::collections::BTreeMap;

use heir::collect::entra::{paths, EntraRaw};
use serde_json::{json, Value};

use super::httpmock::{MockServer, Reply};

pub const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/entra");

pub fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/{name}"))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// The recorded tenant: every endpoint's items as Graph returned them.
pub fn recorded() -> EntraRaw {
    serde_json::from_str(&read("tenant.raw.json")).expect("tenant.raw.json is an EntraRaw")
}

pub fn page(items: &[Value], next: Option<String>) -> String {
    let mut body = json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#collection", "value": items});
    if let Some(n) = next {
        body["@odata.nextLink"] = Value::from(n);
    }
    body.to_string()
}

/// Serves the recorded tenant under `{base}/v1.0`: users over three pages whose
/// `@odata.nextLink`s are absolute URLs on the mock, every other endpoint in one page.
pub fn serve_tenant(mock: &MockServer, raw: &EntraRaw) -> String {
    let v1 = format!("{}/v1.0", mock.base);
    let users = raw.users.chunks(3).collect::<Vec<_>>();
    assert!(users.len() >= 3, "the fixture needs at least 7 users");
    let targets: Vec<String> = (0..users.len())
        .map(|i| {
            if i == 0 {
                format!("/v1.0{}", paths::USERS)
            } else {
                format!("/v1.0/users?$select=id&$top=999&$skiptoken=page{}", i + 1)
            }
        })
        .collect();
    for (i, chunk) in users.iter().enumerate() {
        let next = targets.get(i + 1).map(|t| format!("{}{t}", mock.base));
        mock.route(&targets[i], vec![Reply::json(page(chunk, next))]);
    }
    let one = |path: &str, items: &[Value]| {
        mock.route(
            &format!("/v1.0{path}"),
            vec![Reply::json(page(items, None))],
        );
    };
    one(paths::ORGANIZATION, &raw.organization);
    one(paths::GROUPS, &raw.groups);
    one(paths::ROLE_DEFINITIONS, &raw.role_definitions);
    one(paths::ROLE_ASSIGNMENTS, &raw.role_assignments);
    one(paths::SERVICE_PRINCIPALS, &raw.service_principals);
    one(paths::APPLICATIONS, &raw.applications);
    one(
        paths::OAUTH2_PERMISSION_GRANTS,
        &raw.oauth2_permission_grants,
    );
    let empty = Vec::new();
    let each = |ids: &[Value], map: &BTreeMap<String, Vec<Value>>, f: fn(&str) -> String| {
        for x in ids {
            let id = x["id"].as_str().unwrap();
            one(&f(id), map.get(id).unwrap_or(&empty));
        }
    };
    each(&raw.groups, &raw.group_members, paths::group_members);
    each(
        &raw.applications,
        &raw.app_owners,
        paths::application_owners,
    );
    each(
        &raw.applications,
        &raw.federated_credentials,
        paths::federated_identity_credentials,
    );
    each(
        &raw.service_principals,
        &raw.sp_owners,
        paths::service_principal_owners,
    );
    each(
        &raw.service_principals,
        &raw.app_role_assignments,
        paths::app_role_assigned_to,
    );
    v1
}
