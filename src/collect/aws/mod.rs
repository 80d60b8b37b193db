//! `heir collect aws --auth-details F… [--credential-report F…]`: AWS IAM from the CLI outputs a
//! responder already has, offline. Fetch here is reading files (several accounts at once, paged
//! CLI output concatenated); the transform (`transform.rs`) is pure; the policy evaluation it
//! relies on is in `policy.rs` (docs/collectors/aws.md).

pub mod policy;
pub mod transform;

use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::Value;

use crate::collect::collector::{input_error, parse, read_input, Collector, Context};
use crate::collect::csvtext;
use crate::collect::json::shape;
use crate::collect::Collection;
use crate::error::HeirError;

pub use transform::{transform, ReportRow};

/// The source name (`heir collect aws`, `sources[].name`), also the platform of its nodes.
pub const SOURCE: &str = "aws";

/// The keys one page of `get-account-authorization-details` has.
const PAGE_KEYS: [&str; 4] = [
    "UserDetailList",
    "GroupDetailList",
    "RoleDetailList",
    "Policies",
];

pub struct Aws;

#[derive(clap::Args, Debug)]
pub struct AwsOpts {
    /// `aws iam get-account-authorization-details --output json` output; several files (accounts)
    /// and pages concatenated in one file are accepted.
    #[arg(long = "auth-details", value_name = "FILE", required = true, num_args = 1..)]
    pub auth_details: Vec<PathBuf>,
    /// The IAM credential report: the CSV, or `aws iam get-credential-report` JSON (base64
    /// `Content`). Adds access keys, console passwords and MFA.
    #[arg(long = "credential-report", value_name = "FILE", num_args = 1..)]
    pub credential_report: Vec<PathBuf>,
}

impl Collector for Aws {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "AWS IAM from `aws iam get-account-authorization-details` and the credential report (files)"
    }

    fn args(&self, cmd: clap::Command) -> clap::Command {
        <AwsOpts as clap::Args>::augment_args(cmd)
    }

    fn run(&self, args: &clap::ArgMatches, ctx: &Context) -> Result<Collection, HeirError> {
        let o: AwsOpts = parse(args)?;
        let mut pages = Vec::new();
        let mut truncated = Vec::new();
        for f in &o.auth_details {
            ctx.progress.step(&format!("reading {}", f.display()));
            let file_pages = read_pages(f)?;
            if file_pages
                .last()
                .and_then(|p| p.get("IsTruncated"))
                .and_then(Value::as_bool)
                == Some(true)
            {
                truncated.push(f.display().to_string());
            }
            ctx.progress.add(file_pages.len());
            pages.extend(file_pages);
        }
        let mut rows = Vec::new();
        for f in &o.credential_report {
            rows.extend(read_report(f)?);
        }
        let mut c = transform(&pages, &rows);
        for f in truncated {
            c.problems.push(format!(
                "{f} ends with a page marked IsTruncated: the next page is missing (re-run the \
                 CLI without --max-items, or append the page from --starting-token)"
            ));
        }
        Ok(c)
    }
}

/// What `serde_json` says about a broken file, as a place and a fix.
fn json_problem(path: &Path, e: &serde_json::Error, what: &str, how: &str) -> HeirError {
    let problem = if e.is_eof() {
        format!(
            "ends in the middle of a JSON value at line {}, column {} (truncated?)",
            e.line(),
            e.column()
        )
    } else {
        format!(
            "is not valid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        )
    };
    input_error(
        path,
        format!("{problem}\n  fix: this flag takes {what}; re-run `{how}` and let it finish"),
    )
}

/// The pages of one file: one JSON object, or several concatenated (`--max-items` paging).
pub fn read_pages(path: &Path) -> Result<Vec<Value>, HeirError> {
    let text = read_input(path)?;
    parse_pages(path, &text)
}

/// [`read_pages`] on text already read.
pub fn parse_pages(path: &Path, text: &str) -> Result<Vec<Value>, HeirError> {
    let how = "aws iam get-account-authorization-details --output json > FILE";
    let what = "`aws iam get-account-authorization-details` output";
    let mut pages = Vec::new();
    for (i, v) in serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .enumerate()
    {
        let v = v.map_err(|e| json_problem(path, &e, what, how))?;
        if !PAGE_KEYS.iter().any(|k| v.get(k).is_some()) {
            let hint = if v.get("Content").is_some() || v.get("ReportFormat").is_some() {
                "it looks like `aws iam get-credential-report` output: pass it with --credential-report"
                    .to_string()
            } else if v.get("kind").and_then(Value::as_str) == Some("List") {
                "it looks like kubectl output: pass it to `heir collect k8s --file`".to_string()
            } else {
                format!("pass the output of `{how}`")
            };
            return Err(input_error(
                path,
                format!(
                    "page {} ({}) is not `aws iam get-account-authorization-details` output: it has none of {}\n  fix: {hint}",
                    i + 1,
                    shape(&v),
                    PAGE_KEYS.join(", ")
                ),
            ));
        }
        pages.push(v);
    }
    if pages.is_empty() {
        return Err(input_error(
            path,
            format!("is empty\n  fix: pass the output of `{how}`"),
        ));
    }
    Ok(pages)
}

/// The rows of a credential report: CSV, or the JSON of `aws iam get-credential-report` whose
/// `Content` is the base64 CSV. Each row keeps its file and line for skipped-record examples.
pub fn read_report(path: &Path) -> Result<Vec<ReportRow>, HeirError> {
    let text = read_input(path)?;
    parse_report(path, &text)
}

/// [`read_report`] on text already read.
pub fn parse_report(path: &Path, text: &str) -> Result<Vec<ReportRow>, HeirError> {
    let how = "aws iam get-credential-report --output json > FILE";
    let csv = if text.trim_start().starts_with('{') {
        // The first value decides what the file is (an authorization-details file may hold
        // several pages).
        let v: Value = serde_json::Deserializer::from_str(text)
            .into_iter::<Value>()
            .next()
            .unwrap_or(Ok(Value::Null))
            .map_err(|e| json_problem(path, &e, "an IAM credential report", how))?;
        if v.get("UserDetailList").is_some() || v.get("RoleDetailList").is_some() {
            return Err(input_error(
                path,
                "is `get-account-authorization-details` output, not a credential report\n  fix: pass it with --auth-details",
            ));
        }
        let Some(content) = v.get("Content").and_then(Value::as_str) else {
            return Err(input_error(
                path,
                format!("has no `Content` field\n  fix: pass the CSV, or the output of `{how}`"),
            ));
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(content.trim())
            .map_err(|e| {
                input_error(
                    path,
                    format!("`Content` is not base64 ({e})\n  fix: pass the output of `{how}` unchanged"),
                )
            })?;
        String::from_utf8(bytes).map_err(|_| {
            input_error(
                path,
                "`Content` does not decode to text\n  fix: pass the output of `aws iam get-credential-report` unchanged",
            )
        })?
    } else {
        text.to_string()
    };
    let rows = csvtext::rows(&csv).map_err(|e| {
        input_error(
            path,
            format!(
                "line {}: {}\n  fix: pass the credential report unchanged",
                e.line, e.problem
            ),
        )
    })?;
    let Some((header, body)) = rows.split_first() else {
        return Err(input_error(
            path,
            "is empty\n  fix: run `aws iam generate-credential-report`, then `aws iam get-credential-report`",
        ));
    };
    if header.fields.first().map(String::as_str) != Some("user")
        || header.fields.get(1).map(String::as_str) != Some("arn")
    {
        return Err(input_error(
            path,
            "line 1 is not the credential report header `user,arn,user_creation_time,…`\n  fix: pass the CSV of `aws iam get-credential-report` (its `Content`, base64-decoded) or that command's JSON output",
        ));
    }
    let file = path.display().to_string();
    Ok(body
        .iter()
        .map(|r| ReportRow {
            place: format!("{file}:{}", r.line),
            fields: header
                .fields
                .iter()
                .cloned()
                .zip(r.fields.iter().cloned())
                .collect(),
        })
        .collect())
}
