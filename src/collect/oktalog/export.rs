//! Exported System Logs as files: every shape a responder holds, read ([`logshape`]) and cut
//! down to the fields the transform reads ([`FIELDS`]).

use serde_json::Value;

use super::super::logshape::{self, Rec, Scan, Shape};
use super::super::Collection;
use super::transform_records;

/// An exported System Log in any shape [`logshape`] reads: [`read_export`] + [`transform`](super::transform), with
/// unreadable records counted.
pub fn collect_file(text: &str, shape: Shape) -> Result<Collection, String> {
    let (events, scan) = read_records(text, shape)?;
    let mut c = transform_records(&events);
    logshape::account(&mut c, &scan);
    Ok(c)
}

/// The fields [`transform`](super::transform) reads; the rest of each event (the request's IP chain, the
/// transaction, display texts) is dropped as the event arrives, so a large export is not held
/// whole. A field read by the transform must be listed here (the shape tests compare documents
/// from the kept and the full events).
pub const FIELDS: &[&str] = &[
    "uuid",
    "eventType",
    "published",
    "outcome.result",
    "authenticationContext.externalSessionId",
    "authenticationContext.credentialType",
    "actor.id",
    "actor.type",
    "actor.alternateId",
    "actor.displayName",
    "client.ipAddress",
    "client.userAgent.rawUserAgent",
    "client.geographicalContext.country",
    "client.geographicalContext.city",
    "securityContext.asNumber",
    "securityContext.asOrg",
    "target[].id",
    "target[].type",
    "target[].displayName",
    "target[].alternateId",
    "target[].detailEntry.appName",
    "target[].detailEntry.audience",
    "debugContext.debugData.grantedScopes",
    "debugContext.debugData.grantType",
    "debugContext.debugData.factor",
    "debugContext.debugData.audience",
    "debugContext.debugData.samlAudience",
    "debugContext.debugData.requestedAudience",
];

/// The events of an exported System Log: API pages (an array, several appended), NDJSON,
/// event-hook payloads, the Admin Console CSV, Elastic and Splunk wrappers. A file that is not a
/// System Log at all is an error naming the problem; a record that cannot be parsed is returned
/// in [`Scan::bad`] (the importer counts it); events are judged by [`transform`](super::transform).
pub fn read_export(text: &str, shape: Shape) -> Result<(Vec<Value>, Scan), String> {
    read_as(text, shape, |v| v, |e| e.get("eventType").is_some())
}

/// [`read_export`], each event held compactly as it is read: what `heir collect oktalog --file`
/// uses, so a large export's kept fields take about their size in memory.
pub fn read_records(text: &str, shape: Shape) -> Result<(Vec<Rec>, Scan), String> {
    read_as(
        text,
        shape,
        |v| Rec::with_names(&v, NAMES.get_or_init(|| logshape::rec::key_names(FIELDS))),
        |e| e.root().get("eventType").is_some(),
    )
}

/// The kept field names, which records name instead of copying ([`Rec::with_names`]).
static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();

fn read_as<R>(
    text: &str,
    shape: Shape,
    hold: impl Fn(Value) -> R,
    has_type: impl Fn(&R) -> bool,
) -> Result<(Vec<R>, Scan), String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Err(
            "the file is empty: expected Okta System Log events (a JSON array, one JSON object \
             per line, an event-hook payload or the Admin Console CSV)"
                .to_string(),
        );
    }
    let mut events = Vec::new();
    let keep = logshape::Keep::new(FIELDS);
    // Built lean: the fields no transform reads are skipped as they are parsed.
    let lean = logshape::Lean::new(&keep, |_| false);
    let scan = logshape::scan_lean(trimmed, shape, &lean, &mut |v| {
        events.push(hold(keep.apply(v)))
    });
    if !events.is_empty() && !events.iter().any(&has_type) {
        return Err(format!(
            "none of the {} records has an `eventType`: this is not an Okta System Log export \
             (read as {})\n  fix: export events from GET /api/v1/logs or the Admin Console \
             System Log, or give --shape",
            events.len(),
            scan.shapes.join(", ")
        ));
    }
    if events.is_empty() && !scan.bad.is_empty() {
        let b = &scan.bad[0];
        return Err(format!(
            "no event could be read: {}: {}\n  fix: export the System Log as JSON (an array of \
             events) or one event per line",
            b.place, b.error
        ));
    }
    Ok((events, scan))
}
