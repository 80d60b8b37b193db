//! The executable form of a step: the API requests a mechanism's `how` names, as data.
//!
//! `how` is written for a person at 3 a.m.; a [`Call`] is the same request for `heir revoke`:
//! which platform endpoint it goes to ([`Api`]), the method, the path relative to that endpoint's
//! base URL and the JSON body. Keeping the calls in the plan (not parsing `how` later) means the
//! revoke and verify commands need nothing but the plan, and what they do is reviewable in the
//! plan's JSON before anything runs.
//!
//! Each call may carry a [`Check`]: the read that tells whether the platform honoured it (the
//! session answers 404, the grant is no longer listed, the watermark moved), used by
//! `heir verify`. The check sits beside the call because what "dead" looks like is a platform
//! fact, like the call itself.
//!
//! A call is written only where heir can make it with the platform credential the collectors
//! use and where the documented request is certain; everything else (console steps, a call that
//! needs the stolen token itself, a key proof, a new password, a loop over ids heir does not
//! know) stays in `how` only and the step is performed by hand. A call whose path still holds a
//! `{placeholder}` is kept, so the plan shows what is missing, but is never executed.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The platform endpoint a call goes to; each has a base URL flag on `heir revoke` / `verify`
/// (`--okta-org-url`, `--entra-api-url`, …) and the credential its collector reads.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Api {
    /// Okta Management API, relative to the org URL.
    Okta,
    /// Microsoft Graph v1.0, relative to `https://graph.microsoft.com/v1.0`.
    Entra,
    /// GitHub REST, relative to `https://api.github.com`.
    Github,
    /// Google Admin SDK, relative to `https://admin.googleapis.com`.
    Google,
    /// Slack Web API, relative to `https://slack.com` (methods are `/api/{method}`).
    Slack,
}

impl Api {
    pub const ALL: [Api; 5] = [Api::Okta, Api::Entra, Api::Github, Api::Google, Api::Slack];

    pub const fn as_str(self) -> &'static str {
        match self {
            Api::Okta => "okta",
            Api::Entra => "entra",
            Api::Github => "github",
            Api::Google => "google",
            Api::Slack => "slack",
        }
    }
}

/// HTTP methods the revocation calls use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// One API request of a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Call {
    pub api: Api,
    pub method: Method,
    /// Relative to the endpoint's base URL, query included; `{placeholder}` where heir does not
    /// know an id (then the call is not executed).
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// How `heir verify` tells that the platform honoured this call; absent when the platform
    /// offers no read that shows it (Google's signOut, Slack's user removal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<Check>,
}

/// A read (`GET path`) and what it must show once the call was honoured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Check {
    pub path: String,
    pub expect: Expect,
}

/// What a check's answer must show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expect {
    /// The object is gone: 404 (or 410).
    Gone,
    /// The list is empty: a JSON array at `at` (a JSON pointer; `""` the whole body, Graph's
    /// `/value`, Slack's `/active_sessions`).
    Empty { at: String },
    /// The field at `pointer` equals `equals` (`/status` = `"SUSPENDED"`, `/accountEnabled` =
    /// `false`).
    Field { pointer: String, equals: Value },
    /// No item of the array at `at` has `field` equal to `equals` (numbers compared by their
    /// text): a removed key or authorization is no longer listed.
    NoItem {
        at: String,
        field: String,
        equals: String,
    },
    /// The time at `pointer` is at or after the moment the call was made (the journal's time,
    /// else the plan's compromise time): Entra's `signInSessionsValidFromDateTime` after
    /// `revokeSignInSessions`.
    NotBefore { pointer: String },
}

impl Call {
    pub fn new(api: Api, method: Method, path: impl Into<String>) -> Call {
        Call {
            api,
            method,
            path: path.into(),
            body: None,
            check: None,
        }
    }

    pub fn body(mut self, body: Value) -> Call {
        self.body = Some(body);
        self
    }

    pub fn check(mut self, path: impl Into<String>, expect: Expect) -> Call {
        self.check = Some(Check {
            path: path.into(),
            expect,
        });
        self
    }

    /// Checked by reading the same path and expecting 404.
    pub fn gone(self) -> Call {
        let path = self.path.clone();
        self.check(path, Expect::Gone)
    }

    /// The first `{placeholder}` still in the path or the check's path, if any: a call heir
    /// cannot make because the graph does not give that id.
    pub fn placeholder(&self) -> Option<&str> {
        std::iter::once(self.path.as_str())
            .chain(self.check.as_ref().map(|c| c.path.as_str()))
            .find_map(placeholder_in)
    }

    /// `METHOD path`, the request as a person reads it.
    pub fn line(&self) -> String {
        format!("{} {}", self.method.as_str(), self.path)
    }
}

/// The first `{name}` in `s`, braces included.
fn placeholder_in(s: &str) -> Option<&str> {
    let start = s.find('{')?;
    let end = s[start..].find('}')? + start;
    Some(&s[start..=end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_in_the_path_and_the_check() {
        let c = Call::new(Api::Okta, Method::Delete, "/api/v1/users/{userId}/sessions");
        assert_eq!(c.placeholder(), Some("{userId}"));
        let c = Call::new(Api::Okta, Method::Delete, "/api/v1/api-tokens/00T1").gone();
        assert_eq!(c.placeholder(), None);
        let c = Call::new(Api::Entra, Method::Post, "/users/u1/revokeSignInSessions")
            .check("/users/{userId}", Expect::Gone);
        assert_eq!(c.placeholder(), Some("{userId}"));
    }

    #[test]
    fn calls_read_back_what_they_write() {
        let c = Call::new(Api::Entra, Method::Patch, "/users/u1")
            .body(serde_json::json!({"accountEnabled": false}))
            .check(
                "/users/u1?$select=accountEnabled",
                Expect::Field {
                    pointer: "/accountEnabled".into(),
                    equals: Value::Bool(false),
                },
            );
        let text = serde_json::to_string(&c).unwrap();
        assert!(text.contains(r#""method":"PATCH""#), "{text}");
        assert!(text.contains(r#""kind":"field""#), "{text}");
        let back: Call = serde_json::from_str(&text).unwrap();
        assert_eq!(back, c);
    }
}
