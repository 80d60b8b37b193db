//! Sign-in exports as files: every shape a responder holds, read ([`logshape`]), brought to the
//! Graph `signIn` form ([`normalize`]) and cut down to the fields the transform reads ([`FIELDS`]).

use serde_json::Value;

use super::super::logshape::{self, Rec, Scan, Shape};
use super::super::Collection;
use super::transform_records;

/// A sign-in export in any shape [`read_export`] reads, transformed, with unreadable records
/// counted and a partial Graph page reported.
pub fn collect_file(text: &str, shape: Shape) -> Result<Collection, String> {
    let (records, scan) = read_records(text, shape)?;
    let mut c = transform_records(&records);
    logshape::account(&mut c, &scan);
    Ok(c)
}

const SHAPES: &str = "Graph pages (`{\"value\": [...]}`), a JSON array, NDJSON, Azure diagnostic \
                      records (`{\"records\": [...]}`), a Log Analytics export (JSON or CSV) or \
                      Microsoft Graph PowerShell output";

/// The fields [`transform`](super::transform) reads; the rest of each record (conditional-access policy lists are
/// most of a sign-in record's bytes) is dropped as it arrives, so a large export is not held
/// whole. A field read by the transform must be listed here (the shape tests compare documents
/// from the kept and the full records).
pub const FIELDS: &[&str] = &[
    "id",
    "createdDateTime",
    "userId",
    "userPrincipalName",
    "appId",
    "appDisplayName",
    "ipAddress",
    "userAgent",
    "clientAppUsed",
    "correlationId",
    "originalRequestId",
    "uniqueTokenIdentifier",
    "incomingTokenType",
    "sessionId",
    "status.errorCode",
    "deviceDetail.deviceId",
    "deviceDetail.operatingSystem",
    "deviceDetail.browser",
    "location.city",
    "location.countryOrRegion",
    "authenticationRequirement",
    "conditionalAccessStatus",
    "mfaDetail.authMethod",
    "authenticationDetails[].succeeded",
    "authenticationDetails[].authenticationStepResultDetail",
    "authenticationProcessingDetails[].key",
    "authenticationProcessingDetails[].value",
    "resourceId",
    "resourceDisplayName",
    "isInteractive",
    "category",
    "signInEventTypes",
    "servicePrincipalId",
    "servicePrincipalName",
    "servicePrincipalCredentialKeyId",
    "clientCredentialType",
    "signInTokenProtectionStatus",
];

/// The records of a sign-in export in every shape a responder holds: Graph pages (several
/// appended; a page ending with `@odata.nextLink` makes the export partial), a JSON array, NDJSON,
/// concatenated pretty objects, Azure diagnostic settings / Event Hub / storage archive records
/// (`{"records": [{"time", "category", "properties": {…}}]}`, or one record per line), Log
/// Analytics `SigninLogs` / `AADNonInteractiveUserSignInLogs` / `AADServicePrincipalSignInLogs` /
/// `AADManagedIdentitySignInLogs` exports (JSON or CSV, PascalCase columns, `TimeGenerated`), and
/// Microsoft Graph PowerShell output (PascalCase, `/Date(ms)/`). Each record is brought to the
/// Graph `signIn` form by [`normalize`]. A file in which no record has a sign-in time is not a
/// sign-in export: an error naming what was found.
pub fn read_export(text: &str, shape: Shape) -> Result<(Vec<Value>, Scan), String> {
    read_as(text, shape, |v| v, |r| r.get("createdDateTime").is_some())
}

/// [`read_export`], each record held compactly as it is read: what `heir collect signins --file`
/// uses, so a large export's kept fields take about their size in memory.
pub fn read_records(text: &str, shape: Shape) -> Result<(Vec<Rec>, Scan), String> {
    read_as(
        text,
        shape,
        |v| Rec::with_names(&v, NAMES.get_or_init(|| logshape::rec::key_names(FIELDS))),
        |r| r.root().get("createdDateTime").is_some(),
    )
}

/// The kept field names, which records name instead of copying ([`Rec::with_names`]).
static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();

fn read_as<R>(
    text: &str,
    shape: Shape,
    hold: impl Fn(Value) -> R,
    has_time: impl Fn(&R) -> bool,
) -> Result<(Vec<R>, Scan), String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Err(format!(
            "the sign-in export is empty\n  fix: export sign-ins as {SHAPES}"
        ));
    }
    let mut records = Vec::new();
    let keep = logshape::Keep::new(FIELDS);
    // Built lean: the fields no transform reads are skipped as they are parsed; what
    // [`normalize`] reads before keeping is built whole ([`NORMALIZE_READS`]).
    let lean = logshape::Lean::new(&keep, normalize_reads);
    let scan = logshape::scan_lean(trimmed, shape, &lean, &mut |v| {
        records.push(hold(keep.apply(normalize(v))))
    });
    if records.is_empty() && !scan.bad.is_empty() {
        let b = &scan.bad[0];
        return Err(format!(
            "no sign-in record could be read: {}: {}\n  fix: export sign-ins as {SHAPES}",
            b.place, b.error
        ));
    }
    if !records.is_empty() && !records.iter().any(&has_time) {
        // The message names the first record's own fields: read it again whole.
        let mut keys: Vec<String> = Vec::new();
        logshape::scan(trimmed, shape, &mut |v| {
            if keys.is_empty() {
                if let Some(o) = v.as_object() {
                    keys = o.keys().take(8).cloned().collect();
                }
            }
        });
        return Err(format!(
            "none of the {} records has a sign-in time (`createdDateTime`, `CreatedDateTime`, \
             `TimeGenerated`, or an Azure record's `time`; read as {}; first record's fields: \
             {}): is this an Entra sign-in log export?\n  fix: export sign-ins as {SHAPES}",
            records.len(),
            scan.shapes.join(", "),
            if keys.is_empty() {
                "none".to_string()
            } else {
                keys.join(", ")
            }
        ));
    }
    Ok((records, scan))
}

/// The keys [`normalize`] reads or renames before the kept fields are taken, built whole by the
/// lean reader wherever they are: every PascalCase key (camelCased, and its JSON text parsed), an
/// Azure record's envelope (`properties`, `time`, `callerIpAddress`), and the Log Analytics
/// columns that stand in for Graph fields (`timeGenerated`, `type`, `resultType`,
/// `locationDetails`).
const NORMALIZE_READS: &[&str] = &[
    "properties",
    "time",
    "callerIpAddress",
    "timeGenerated",
    "type",
    "resultType",
    "locationDetails",
];

fn normalize_reads(k: &str) -> bool {
    k.starts_with(|c: char| c.is_ascii_uppercase()) || NORMALIZE_READS.contains(&k)
}

/// `TimeGenerated` → `timeGenerated`, `IPAddress` → `ipAddress`, `Id` → `id`: PascalCase
/// (Log Analytics columns, Graph PowerShell properties) to the Graph API's camelCase.
pub(super) fn camel(k: &str) -> String {
    let upper = k.chars().take_while(|c| c.is_ascii_uppercase()).count();
    match upper {
        0 => k.to_string(),
        // `IPAddress`: the run of capitals but the last is one word.
        n if n > 1 && n < k.len() => {
            format!("{}{}", k[..n - 1].to_ascii_lowercase(), &k[n - 1..])
        }
        n if n == k.len() => k.to_ascii_lowercase(),
        _ => format!("{}{}", k[..1].to_ascii_lowercase(), &k[1..]),
    }
}

/// Keys to camelCase, recursively; string values holding JSON (Log Analytics `dynamic` columns in
/// a CSV or a JSON export) parsed.
fn camel_all(v: Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| (camel(&k), camel_all(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(camel_all).collect()),
        Value::String(s) if s.starts_with('{') || s.starts_with('[') => {
            match serde_json::from_str::<Value>(&s) {
                Ok(parsed @ (Value::Object(_) | Value::Array(_))) => camel_all(parsed),
                _ => Value::String(s),
            }
        }
        other => other,
    }
}

/// One exported record in the Graph `signIn` form the transform reads:
/// - Azure diagnostic records: `properties` is the sign-in; the envelope's `time` stands in for a
///   missing `createdDateTime`, its `category` (`SignInLogs`, `NonInteractiveUserSignInLogs`,
///   `ServicePrincipalSignInLogs`, `ManagedIdentitySignInLogs`) is kept, `callerIpAddress` stands in
///   for `ipAddress`;
/// - PascalCase records: keys camelCased; `TimeGenerated` stands in for `CreatedDateTime`; `Type`
///   (the Log Analytics table) becomes `category`; `LocationDetails` becomes `location`;
///   `ResultType` stands in for `status.errorCode`; `dynamic` columns held as JSON text parsed.
///
pub fn normalize(v: Value) -> Value {
    let Value::Object(mut o) = v else {
        return v;
    };
    if let Some(Value::Object(props)) = o.remove("properties") {
        let mut inner = props;
        for (from, to) in [
            ("time", "createdDateTime"),
            ("category", "category"),
            ("callerIpAddress", "ipAddress"),
            ("correlationId", "correlationId"),
        ] {
            if !inner.get(to).is_some_and(|x| !x.is_null() && x != "") {
                if let Some(x) = o.get(from).filter(|x| !x.is_null()) {
                    inner.insert(to.to_string(), x.clone());
                }
            }
        }
        if let Some(cat) = o.get("category") {
            inner.insert("category".into(), cat.clone());
        }
        o = inner;
    }
    let pascal = o
        .keys()
        .any(|k| k.starts_with(|c: char| c.is_ascii_uppercase()));
    if pascal {
        let Value::Object(c) = camel_all(Value::Object(o)) else {
            unreachable!("an object stays an object")
        };
        o = c;
        if !o.contains_key("createdDateTime") {
            if let Some(t) = o.get("timeGenerated").cloned() {
                o.insert("createdDateTime".into(), t);
            }
        }
        if let Some(t) = o.remove("type") {
            o.entry("category").or_insert(t);
        }
        if let Some(loc) = o.remove("locationDetails") {
            if loc.is_object() {
                o.insert("location".into(), loc);
            }
        }
        if o.get("location").is_some_and(Value::is_string) {
            let country = o.remove("location").unwrap_or(Value::Null);
            o.insert(
                "location".into(),
                serde_json::json!({ "countryOrRegion": country }),
            );
        }
        let has_code = o
            .get("status")
            .and_then(|st| st.get("errorCode"))
            .is_some_and(|x| !x.is_null());
        if !has_code {
            if let Some(code) = o.get("resultType").cloned() {
                let code = match code {
                    Value::String(s) => s.parse::<i64>().map(Value::from).unwrap_or(Value::from(s)),
                    other => other,
                };
                let status = o
                    .entry("status")
                    .or_insert_with(|| Value::Object(Default::default()));
                if let Some(st) = status.as_object_mut() {
                    st.insert("errorCode".into(), code);
                } else {
                    *status = serde_json::json!({ "errorCode": code });
                }
            }
        }
    }
    // A bare number is a time in epoch milliseconds; the transform reads strings.
    if let Some(Value::Number(n)) = o.get("createdDateTime") {
        let n = n.to_string();
        o.insert("createdDateTime".into(), Value::from(n));
    }
    Value::Object(o)
}
