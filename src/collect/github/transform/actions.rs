//! GitHub Actions: the secrets a repository's workflows can read — its own, its deployment
//! environments', and the organization's shared with it — held by the repository's workload
//! (`github:workload:<owner>/<repo>`), by name only; and the names of the variables it sees.
//!
//! Why the workload holds them: whoever can push a workflow to the repository runs code that
//! reads every secret the repository can read, so a workload's blast reaches what its secrets
//! name. Environment protection rules (required reviewers, branch policies) are kept on the edge
//! but not evaluated: a reviewer gate is a person, not a condition heir can check.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Build;
use crate::collect::json::{edge_with as edge, node_on, props, s, ts};
use crate::model::naming::platform::GITHUB;
use crate::model::{EdgeKind, Node, NodeKind, Props, TokenType};

const MISSING_NAME: &str = "missing id";
const NOT_LISTED: &str = "repository not listed";

/// Which repositories of the org an organization secret or variable reaches, by its
/// `visibility`; `Unknown` when its selected repositories could not be read.
enum Reach {
    Repos(Vec<String>),
    Unknown,
}

impl Build<'_> {
    /// Every Actions secret and variable, after the repositories are known.
    pub(super) fn actions(&mut self) {
        self.repo_secrets();
        self.environment_secrets();
        self.org_secrets();
        self.variables();
    }

    /// A secret's node (name, dates; never a value) held by the workload of each repository in
    /// `holders`.
    fn secret(&mut self, native: &str, x: &Value, p: Props, holders: &[(String, Props)]) {
        let name = s(x, "/name").unwrap_or_default();
        let mut n = node_on(GITHUB, NodeKind::Token, native);
        n.name = Some(name.to_string());
        n.token_type = Some(TokenType::Other);
        n.issued_at = ts(x, "/updated_at").or_else(|| ts(x, "/created_at"));
        n.props = p;
        n.props.insert("secret_name".into(), Value::from(name));
        let nid = n.id.clone();
        self.c.node(n);
        for (repo, ep) in holders {
            if let Some((_, wid)) = self.repos.get(repo).cloned() {
                self.c.edge(edge(&wid, &nid, EdgeKind::Holds, ep.clone()));
            }
        }
    }

    fn repo_secrets(&mut self) {
        let raw = self.raw;
        for (repo, secrets) in &raw.secrets {
            for (i, x) in secrets.iter().enumerate() {
                let Some(name) = s(x, "/name") else {
                    self.c
                        .records
                        .skip(MISSING_NAME, format!("{repo} secret #{}", i + 1));
                    continue;
                };
                if !self.repos.contains_key(repo) {
                    self.c.records.skip(NOT_LISTED, repo.clone());
                    continue;
                }
                let p = props([
                    ("repo", Value::from(repo.as_str())),
                    ("where", Value::from("GitHub Actions repository secret")),
                ]);
                let holders = [(repo.clone(), Props::new())];
                self.secret(&format!("{repo}/secrets/{name}"), x, p, &holders);
            }
        }
    }

    /// The protection rule types of one environment (`required_reviewers`, `wait_timer`,
    /// `branch_policy`), as GitHub lists them.
    fn protection(&self, repo: &str, env: &str) -> Vec<String> {
        self.raw
            .environments
            .get(repo)
            .and_then(|l| l.iter().find(|e| s(e, "/name") == Some(env)))
            .map(|e| {
                e.get("protection_rules")
                    .and_then(Value::as_array)
                    .map(|rules| {
                        rules
                            .iter()
                            .filter_map(|r| s(r, "/type").map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    }

    fn environment_secrets(&mut self) {
        let raw = self.raw;
        // The environments themselves are records: listed on the workload.
        for (repo, envs) in &raw.environments {
            let mut names = Vec::new();
            for (i, e) in envs.iter().enumerate() {
                match s(e, "/name") {
                    Some(n) if self.repos.contains_key(repo) => names.push(Value::from(n)),
                    Some(_) => self.c.records.skip(NOT_LISTED, repo.clone()),
                    None => self
                        .c
                        .records
                        .skip(MISSING_NAME, format!("{repo} environment #{}", i + 1)),
                }
            }
            if !names.is_empty() {
                let mut n = Node::new(self.repos[repo].1.clone(), NodeKind::Workload);
                n.props.insert("environments".into(), Value::Array(names));
                self.c.node(n);
            }
        }
        for (key, secrets) in &raw.env_secrets {
            let Some((repo, env)) = key.split_once(':') else {
                continue;
            };
            let protection = self.protection(repo, env);
            for (i, x) in secrets.iter().enumerate() {
                let Some(name) = s(x, "/name") else {
                    self.c
                        .records
                        .skip(MISSING_NAME, format!("{key} secret #{}", i + 1));
                    continue;
                };
                if !self.repos.contains_key(repo) {
                    self.c.records.skip(NOT_LISTED, repo.to_string());
                    continue;
                }
                let mut p = props([
                    ("repo", Value::from(repo)),
                    ("environment", Value::from(env)),
                    ("where", Value::from("GitHub Actions environment secret")),
                ]);
                let mut ep = props([("environment", Value::from(env))]);
                if !protection.is_empty() {
                    p.insert(
                        "environment_protection".into(),
                        Value::from(protection.clone()),
                    );
                    ep.insert(
                        "environment_protection".into(),
                        Value::from(protection.clone()),
                    );
                }
                let holders = [(repo.to_string(), ep)];
                self.secret(
                    &format!("{repo}/environments/{env}/secrets/{name}"),
                    x,
                    p,
                    &holders,
                );
            }
        }
    }

    /// The org's repositories an organization secret or variable is visible to: `all`, `private`
    /// (private and internal repositories), or `selected` (its listed repositories).
    fn reach(&mut self, x: &Value, selected: &BTreeMap<String, Vec<Value>>) -> Reach {
        let raw = self.raw;
        match s(x, "/visibility") {
            Some("all") => Reach::Repos(self.repos.keys().cloned().collect()),
            Some("private") => Reach::Repos(
                raw.repos
                    .iter()
                    .filter(|r| {
                        matches!(s(r, "/visibility"), Some("private" | "internal"))
                            || (s(r, "/visibility").is_none()
                                && r.get("private").and_then(Value::as_bool) == Some(true))
                    })
                    .filter_map(|r| s(r, "/full_name"))
                    .filter(|f| self.repos.contains_key(*f))
                    .map(str::to_string)
                    .collect(),
            ),
            Some("selected") => {
                let name = s(x, "/name").unwrap_or_default();
                match selected.get(name) {
                    Some(list) => {
                        let mut out = Vec::new();
                        for r in list {
                            match s(r, "/full_name") {
                                Some(f) if self.repos.contains_key(f) => out.push(f.to_string()),
                                Some(f) => self.c.records.skip(NOT_LISTED, f.to_string()),
                                None => self
                                    .c
                                    .records
                                    .skip(MISSING_NAME, format!("{name} repository")),
                            }
                        }
                        Reach::Repos(out)
                    }
                    None => Reach::Unknown,
                }
            }
            _ => Reach::Repos(Vec::new()),
        }
    }

    fn org_secrets(&mut self) {
        let raw = self.raw;
        for (i, x) in raw.org_secrets.iter().enumerate() {
            let Some(name) = s(x, "/name") else {
                self.c
                    .records
                    .skip(MISSING_NAME, format!("organization secret #{}", i + 1));
                continue;
            };
            let visibility = s(x, "/visibility").unwrap_or("unknown");
            let mut p = props([
                ("org", Value::from(raw.org.as_str())),
                ("visibility", Value::from(visibility)),
                ("where", Value::from("GitHub Actions organization secret")),
            ]);
            let repos = match self.reach(x, &raw.org_secret_repos) {
                Reach::Repos(r) => r,
                Reach::Unknown => {
                    let why = format!(
                        "organization secret {name} is shared with selected repositories that \
                         could not be read (GET /orgs/{}/actions/secrets/{name}/repositories): \
                         no workload holds it in this graph",
                        raw.org
                    );
                    p.insert("repositories_unknown".into(), Value::from(why.clone()));
                    self.limit(why);
                    Vec::new()
                }
            };
            let ep = props([(
                "via",
                Value::from(format!("organization secret ({visibility})")),
            )]);
            let holders: Vec<(String, Props)> =
                repos.into_iter().map(|r| (r, ep.clone())).collect();
            self.secret(&format!("{}/secrets/{name}", raw.org), x, p, &holders);
        }
    }

    /// Variable names on each workload: the repository's (`variables`), the organization's it
    /// sees (`organization_variables`), and per environment (`environment_variables`). One node
    /// per prop, so no list overwrites another when the document dedupes the workload.
    fn variables(&mut self) {
        let raw = self.raw;
        for (repo, vars) in &raw.variables {
            let mut names = Vec::new();
            for (i, x) in vars.iter().enumerate() {
                match s(x, "/name") {
                    Some(n) if self.repos.contains_key(repo) => names.push(Value::from(n)),
                    Some(_) => self.c.records.skip(NOT_LISTED, repo.clone()),
                    None => self
                        .c
                        .records
                        .skip(MISSING_NAME, format!("{repo} variable #{}", i + 1)),
                }
            }
            self.workload_prop(repo, "variables", Value::Array(names));
        }
        let mut org: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (i, x) in raw.org_variables.iter().enumerate() {
            let Some(name) = s(x, "/name") else {
                self.c
                    .records
                    .skip(MISSING_NAME, format!("organization variable #{}", i + 1));
                continue;
            };
            match self.reach(x, &raw.org_variable_repos) {
                Reach::Repos(repos) => {
                    for r in repos {
                        org.entry(r).or_default().push(Value::from(name));
                    }
                }
                Reach::Unknown => self.limit(format!(
                    "organization variable {name} is shared with selected repositories that \
                     could not be read: no workload lists it"
                )),
            }
        }
        for (repo, names) in org {
            self.workload_prop(&repo, "organization_variables", Value::Array(names));
        }
        let mut per_env: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
        for (key, vars) in &raw.env_variables {
            let Some((repo, env)) = key.split_once(':') else {
                continue;
            };
            let mut names = Vec::new();
            for (i, x) in vars.iter().enumerate() {
                match s(x, "/name") {
                    Some(n) if self.repos.contains_key(repo) => names.push(Value::from(n)),
                    Some(_) => self.c.records.skip(NOT_LISTED, repo.to_string()),
                    None => self
                        .c
                        .records
                        .skip(MISSING_NAME, format!("{key} variable #{}", i + 1)),
                }
            }
            if !names.is_empty() {
                per_env
                    .entry(repo.to_string())
                    .or_default()
                    .insert(env.to_string(), Value::Array(names));
            }
        }
        for (repo, envs) in per_env {
            self.workload_prop(&repo, "environment_variables", Value::Object(envs));
        }
    }

    fn workload_prop(&mut self, repo: &str, key: &str, v: Value) {
        let empty = match &v {
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => false,
        };
        let Some((_, wid)) = self.repos.get(repo).cloned() else {
            return;
        };
        if empty {
            return;
        }
        let mut n = Node::new(wid, NodeKind::Workload);
        n.props.insert(key.into(), v);
        self.c.node(n);
    }
}
