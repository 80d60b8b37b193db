//! The pure raw → nodes and edges transform ([`transform`]); Actions secrets and variables in
//! [`actions`].

mod actions;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::*;
use crate::collect::json::{add_alias, edge_with as edge, node_on, props, s, strings, ts};
use crate::collect::Collection;
use crate::model::naming::{node_id, platform::GITHUB};
use crate::model::{EdgeKind, Node, NodeKind, Props, Revocation, TokenType};

const MISSING_ID: &str = "missing id";

// ------------------------------------------------------------------------------------------------
// Transform

/// GitHub's permission words, old (`pull`, `push`) and new (`read`, `write`), as one ladder.
fn level(word: &str) -> &'static str {
    match word {
        "admin" => "admin",
        "maintain" => "maintain",
        "push" | "write" => "write",
        "triage" => "triage",
        "pull" | "read" => "read",
        _ => "unknown",
    }
}

/// Levels that can push a workflow file, and so run code as the repo's Actions workload.
fn can_push(level: &str) -> bool {
    matches!(level, "write" | "maintain" | "admin")
}

/// A collaborator's level: `role_name`, else the highest true flag of `permissions`.
fn collaborator_level(c: &Value) -> &'static str {
    if let Some(r) = s(c, "/role_name") {
        return level(r);
    }
    for k in ["admin", "maintain", "push", "triage", "pull"] {
        if c.pointer(&format!("/permissions/{k}"))
            .and_then(Value::as_bool)
            == Some(true)
        {
            return level(k);
        }
    }
    "unknown"
}

fn num(v: &Value, ptr: &str) -> Option<String> {
    match v.pointer(ptr)? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(x) if !x.is_empty() => Some(x.clone()),
        _ => None,
    }
}

/// The receiving host of a webhook URL (the path and query may carry a token: not kept).
fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://").map(|(_, r)| r)?;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit('@').next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

struct Build<'a> {
    raw: &'a GithubRaw,
    c: Collection,
    org_id: String,
    /// login (lowercase) → user node id, for records that name people by login.
    by_login: HashMap<String, String>,
    /// repo full name → (resource id, workload id).
    repos: BTreeMap<String, (String, String)>,
}

impl Build<'_> {
    fn user(&mut self, u: &Value) -> Option<String> {
        let id = num(u, "/id")?;
        let login = s(u, "/login");
        let mut n = node_on(GITHUB, NodeKind::User, &id);
        n.name = login.map(str::to_string);
        n.props = props([
            ("login", login.map(Value::from).unwrap_or(Value::Null)),
            ("org", Value::from(self.raw.org.as_str())),
        ]);
        // The login is what GitHub's paths take and what an IdP may call the account.
        if let Some(l) = login {
            add_alias(&mut n, l);
        }
        if let Some(t) = s(u, "/type") {
            n.props.insert("type".into(), Value::from(t));
        }
        if u.get("site_admin").and_then(Value::as_bool) == Some(true) {
            n.props.insert("site_admin".into(), Value::Bool(true));
        }
        let nid = n.id.clone();
        if let Some(l) = login {
            self.by_login.insert(l.to_ascii_lowercase(), nid.clone());
        }
        self.c.node(n);
        Some(nid)
    }

    /// What this complete collection does not cover: in the document's `sources[].reason`, and
    /// as a note on stderr, so the responder running the collector sees it too.
    fn limit(&mut self, why: String) {
        self.c.notes.push(why.clone());
        self.c.limits.push(why);
    }

    fn link(&mut self, from: &str, to: &str, kind: EdgeKind, p: Props) {
        self.c.edge(edge(from, to, kind, p));
    }

    /// `can_access` with the level, plus `admin_of` for admins, plus `can_assume` of the repo's
    /// workload for those who can push.
    fn repo_access(&mut self, who: &str, repo: &str, lvl: &str, via: &str) {
        self.repo_access_as(who, repo, lvl, via, can_push(lvl));
    }

    /// [`Self::repo_access`] for an app or a token: GitHub lets it change workflow files only
    /// with the `workflows` permission, so it runs as the workload only when `runs` says so.
    fn repo_access_as(&mut self, who: &str, repo: &str, lvl: &str, via: &str, runs: bool) {
        let Some((rid, wid)) = self.repos.get(repo).cloned() else {
            return;
        };
        let p = props([("level", Value::from(lvl)), ("via", Value::from(via))]);
        let kind = if lvl == "admin" {
            EdgeKind::AdminOf
        } else {
            EdgeKind::CanAccess
        };
        self.link(who, &rid, kind, p.clone());
        if runs {
            self.link(who, &wid, EdgeKind::CanAssume, p);
        }
    }
}

/// Raw pages → nodes and edges, counting every record read and skipped.
pub fn transform(raw: &GithubRaw) -> Collection {
    let mut b = Build {
        raw,
        c: Collection::new(SOURCE),
        org_id: node_id(GITHUB, NodeKind::App, &raw.org),
        by_login: HashMap::new(),
        repos: BTreeMap::new(),
    };
    b.c.records.read(raw.records());

    // The organization.
    let mut org = node_on(GITHUB, NodeKind::App, &raw.org);
    org.name = Some(raw.org.clone());
    org.criticality = Some(8);
    org.props = props([("org", Value::from(raw.org.as_str()))]);
    if let Some(info) = &raw.org_info {
        for k in [
            "id",
            "default_repository_permission",
            "two_factor_requirement_enabled",
            "members_can_create_repositories",
        ] {
            if let Some(v) = info.get(k).filter(|v| !v.is_null()) {
                org.props.insert(k.to_string(), v.clone());
            }
        }
    }
    b.c.node(org);
    let org_id = b.org_id.clone();

    // Members and their role.
    let admins: BTreeSet<String> = raw.admins.iter().filter_map(|u| num(u, "/id")).collect();
    for (i, u) in raw.members.iter().enumerate() {
        let Some(uid) = b.user(u) else {
            b.c.records.skip(MISSING_ID, format!("member #{}", i + 1));
            continue;
        };
        let admin = num(u, "/id").is_some_and(|id| admins.contains(&id));
        let role = if admin { "admin" } else { "member" };
        if let Some(n) = b.c.nodes.last_mut() {
            n.props.insert("role".into(), Value::from(role));
        }
        let kind = if admin {
            EdgeKind::AdminOf
        } else {
            EdgeKind::CanAccess
        };
        b.link(&uid, &org_id, kind, props([("role", Value::from(role))]));
    }
    for (i, u) in raw.outside.iter().enumerate() {
        if b.user(u).is_none() {
            b.c.records
                .skip(MISSING_ID, format!("outside collaborator #{}", i + 1));
            continue;
        }
        if let Some(n) = b.c.nodes.last_mut() {
            n.props
                .insert("outside_collaborator".into(), Value::Bool(true));
        }
    }

    // Repositories and their Actions workloads.
    for (i, r) in raw.repos.iter().enumerate() {
        let Some(full) = s(r, "/full_name") else {
            b.c.records
                .skip(MISSING_ID, format!("repository #{}", i + 1));
            continue;
        };
        let mut n = node_on(GITHUB, NodeKind::Resource, full);
        n.name = Some(full.to_string());
        n.props = props([
            ("repo", Value::from(full)),
            ("org", Value::from(raw.org.as_str())),
        ]);
        for k in ["id", "private", "visibility", "archived", "default_branch"] {
            if let Some(v) = r.get(k).filter(|v| !v.is_null()) {
                n.props.insert(k.to_string(), v.clone());
            }
        }
        let rid = n.id.clone();
        b.c.node(n);
        let mut w = node_on(GITHUB, NodeKind::Workload, full);
        w.name = Some(format!("Actions workflows of {full}"));
        w.props = props([
            ("repo", Value::from(full)),
            ("org", Value::from(raw.org.as_str())),
        ]);
        let wid = w.id.clone();
        b.c.node(w);
        // A workflow's GITHUB_TOKEN can write to its own repository (the default for older orgs).
        b.link(
            &wid,
            &rid,
            EdgeKind::CanAccess,
            props([("level", Value::from("GITHUB_TOKEN"))]),
        );
        b.repos.insert(full.to_string(), (rid, wid));
    }

    // The base permission: every member can reach every repository at that level.
    let base = raw
        .org_info
        .as_ref()
        .and_then(|o| s(o, "/default_repository_permission"))
        .map(level)
        .filter(|l| *l != "unknown");
    if let Some(lvl) = base {
        let mut g = node_on(GITHUB, NodeKind::Group, &format!("{}/members", raw.org));
        g.name = Some(format!("all members of {}", raw.org));
        g.props = props([
            ("org", Value::from(raw.org.as_str())),
            ("base_permission", Value::from(lvl)),
        ]);
        let gid = g.id.clone();
        b.c.node(g);
        for u in &raw.members {
            if let Some(id) = num(u, "/id") {
                b.link(
                    &node_id(GITHUB, NodeKind::User, &id),
                    &gid,
                    EdgeKind::MemberOf,
                    Props::new(),
                );
            }
        }
        let names: Vec<String> = b.repos.keys().cloned().collect();
        for name in names {
            b.repo_access(&gid, &name, lvl, "base permission");
        }
    }

    // Owners administer every repository (and can run every workflow): one group, not an edge
    // per owner and repository.
    if !admins.is_empty() && !b.repos.is_empty() {
        let mut g = node_on(GITHUB, NodeKind::Group, &format!("{}/owners", raw.org));
        g.name = Some(format!("owners of {}", raw.org));
        g.props = props([("org", Value::from(raw.org.as_str()))]);
        let gid = g.id.clone();
        b.c.node(g);
        for u in &raw.members {
            if let Some(id) = num(u, "/id").filter(|id| admins.contains(id)) {
                b.link(
                    &node_id(GITHUB, NodeKind::User, &id),
                    &gid,
                    EdgeKind::MemberOf,
                    Props::new(),
                );
            }
        }
        let names: Vec<String> = b.repos.keys().cloned().collect();
        for name in names {
            b.repo_access(&gid, &name, "admin", "organization owner");
        }
    }

    // Teams, nesting and members.
    let mut team_by_slug: HashMap<String, String> = HashMap::new();
    for t in &raw.teams {
        if let (Some(id), Some(slug)) = (num(t, "/id"), s(t, "/slug")) {
            team_by_slug.insert(slug.to_string(), node_id(GITHUB, NodeKind::Group, &id));
        }
    }
    for (i, t) in raw.teams.iter().enumerate() {
        let (Some(id), Some(slug)) = (num(t, "/id"), s(t, "/slug")) else {
            b.c.records.skip(MISSING_ID, format!("team #{}", i + 1));
            continue;
        };
        let mut n = node_on(GITHUB, NodeKind::Group, &id);
        n.name = Some(format!("{}/{slug}", raw.org));
        n.props = props([
            ("org", Value::from(raw.org.as_str())),
            ("slug", Value::from(slug)),
        ]);
        if let Some(p) = s(t, "/privacy") {
            n.props.insert("privacy".into(), Value::from(p));
        }
        let tid = n.id.clone();
        b.c.node(n);
        // A child team's members inherit the parent's access: the child is a member of it.
        if let Some(parent) = num(t, "/parent/id") {
            b.link(
                &tid,
                &node_id(GITHUB, NodeKind::Group, &parent),
                EdgeKind::MemberOf,
                Props::new(),
            );
        }
    }
    for (slug, members) in &raw.team_members {
        let Some(tid) = team_by_slug.get(slug).cloned() else {
            for _ in members {
                b.c.records.skip("team not listed", slug.clone());
            }
            continue;
        };
        for (i, u) in members.iter().enumerate() {
            let Some(uid) = b.user(u) else {
                b.c.records
                    .skip(MISSING_ID, format!("{slug} member #{}", i + 1));
                continue;
            };
            b.link(&uid, &tid, EdgeKind::MemberOf, Props::new());
        }
    }

    // Who can do what in each repository.
    for (repo, list) in &raw.collaborators {
        for (i, u) in list.iter().enumerate() {
            if !b.repos.contains_key(repo) {
                b.c.records.skip("repository not listed", repo.clone());
                continue;
            }
            let Some(uid) = b.user(u) else {
                b.c.records
                    .skip(MISSING_ID, format!("{repo} collaborator #{}", i + 1));
                continue;
            };
            let lvl = collaborator_level(u);
            b.repo_access(&uid, repo, lvl, "collaborator");
        }
    }
    for (repo, list) in &raw.repo_teams {
        for (i, t) in list.iter().enumerate() {
            let Some(id) = num(t, "/id") else {
                b.c.records
                    .skip(MISSING_ID, format!("{repo} team #{}", i + 1));
                continue;
            };
            if !b.repos.contains_key(repo) {
                b.c.records.skip("repository not listed", repo.clone());
                continue;
            }
            let lvl = s(t, "/permission").map(level).unwrap_or("unknown");
            let tid = node_id(GITHUB, NodeKind::Group, &id);
            if !team_by_slug.values().any(|v| *v == tid) {
                // A team of another org (or one the team list did not return): still an accessor.
                let mut n = node_on(GITHUB, NodeKind::Group, &id);
                n.name = s(t, "/slug").map(|x| format!("{}/{x}", raw.org));
                b.c.node(n);
            }
            b.repo_access(&tid, repo, lvl, "team");
        }
    }

    // Deploy keys: an SSH key with read or write access to one repository.
    for (repo, keys) in &raw.deploy_keys {
        for (i, k) in keys.iter().enumerate() {
            let Some(kid) = num(k, "/id") else {
                b.c.records
                    .skip(MISSING_ID, format!("{repo} deploy key #{}", i + 1));
                continue;
            };
            let Some((rid, _)) = b.repos.get(repo).cloned() else {
                b.c.records.skip("repository not listed", repo.clone());
                continue;
            };
            let read_only = k.get("read_only").and_then(Value::as_bool).unwrap_or(false);
            let mut n = node_on(GITHUB, NodeKind::Token, &format!("{repo}/keys/{kid}"));
            n.name = s(k, "/title").map(str::to_string);
            n.token_type = Some(TokenType::PrivateKey);
            n.revocation = Some(Revocation::PerApp);
            n.issued_at = ts(k, "/created_at");
            n.last_used_at = ts(k, "/last_used");
            n.props = props([
                ("key_id", Value::from(kid.as_str())),
                ("repo", Value::from(repo.as_str())),
                ("read_only", Value::Bool(read_only)),
            ]);
            if let Some(a) = s(k, "/added_by") {
                n.props.insert("added_by".into(), Value::from(a));
            }
            if k.get("enabled").and_then(Value::as_bool) == Some(false) {
                n.enabled = Some(false);
            }
            let nid = n.id.clone();
            b.c.node(n);
            let lvl = if read_only { "read" } else { "write" };
            b.link(
                &nid,
                &rid,
                EdgeKind::CanAccess,
                props([("level", Value::from(lvl))]),
            );
        }
    }

    // Actions: secrets (by name) held by the workloads that can read them, variables named.
    b.actions();

    // Webhooks: who receives the events (the host only), on the repo or the org.
    let hook = |h: &Value| -> Option<Value> {
        let id = num(h, "/id")?;
        let host = s(h, "/config/url").and_then(host_of);
        Some(Value::Object(
            props([
                ("id", Value::from(id)),
                ("host", host.map(Value::from).unwrap_or(Value::Null)),
                ("events", Value::from(strings(h, "/events"))),
                ("active", h.get("active").cloned().unwrap_or(Value::Null)),
            ])
            .into_iter()
            .collect(),
        ))
    };
    for (repo, hooks) in &raw.hooks {
        let mut list = Vec::new();
        for (i, h) in hooks.iter().enumerate() {
            match hook(h) {
                Some(v) if b.repos.contains_key(repo) => list.push(v),
                Some(_) => b.c.records.skip("repository not listed", repo.clone()),
                None => {
                    b.c.records
                        .skip(MISSING_ID, format!("{repo} webhook #{}", i + 1))
                }
            }
        }
        if !list.is_empty() {
            let mut n = Node::new(b.repos[repo].0.clone(), NodeKind::Resource);
            n.props.insert("webhooks".into(), Value::Array(list));
            b.c.node(n);
        }
    }
    let mut list = Vec::new();
    for (i, h) in raw.org_hooks.iter().enumerate() {
        match hook(h) {
            Some(v) => list.push(v),
            None => {
                b.c.records
                    .skip(MISSING_ID, format!("org webhook #{}", i + 1))
            }
        }
    }
    if !list.is_empty() {
        let mut n = Node::new(org_id.clone(), NodeKind::App);
        n.props.insert("webhooks".into(), Value::Array(list));
        b.c.node(n);
    }

    // GitHub App installations: a non-human identity with the installation's permissions.
    for (i, inst) in raw.installations.iter().enumerate() {
        let Some(iid) = num(inst, "/id") else {
            b.c.records
                .skip(MISSING_ID, format!("installation #{}", i + 1));
            continue;
        };
        let mut n = node_on(
            GITHUB,
            NodeKind::ServiceAccount,
            &format!("installation/{iid}"),
        );
        n.name = s(inst, "/app_slug").map(|a| format!("GitHub App {a}"));
        n.props = props([
            ("installation_id", Value::from(iid.as_str())),
            ("org", Value::from(raw.org.as_str())),
        ]);
        for k in [
            "app_id",
            "app_slug",
            "client_id",
            "repository_selection",
            "permissions",
            "events",
            "created_at",
            "suspended_at",
        ] {
            if let Some(v) = inst.get(k).filter(|v| !v.is_null()) {
                n.props.insert(k.to_string(), v.clone());
            }
        }
        if s(inst, "/suspended_at").is_some() {
            n.enabled = Some(false);
        }
        let nid = n.id.clone();
        b.c.node(n);
        let perm = |k: &str| s(inst, &format!("/permissions/{k}")).map(level);
        let org_admin = perm("organization_administration") == Some("write")
            || perm("members") == Some("write");
        let org_kind = if org_admin {
            EdgeKind::AdminOf
        } else {
            EdgeKind::CanAccess
        };
        b.link(
            &nid,
            &org_id,
            org_kind,
            props([("via", Value::from("installation"))]),
        );
        let lvl = if perm("administration") == Some("write") {
            "admin"
        } else if perm("contents") == Some("write") {
            "write"
        } else {
            "read"
        };
        let runs = perm("workflows") == Some("write");
        let names: Vec<String> = match s(inst, "/repository_selection") {
            Some("all") => b.repos.keys().cloned().collect(),
            Some("selected") => match raw.installation_repos.get(&iid) {
                Some(list) => {
                    let mut names = Vec::new();
                    for r in list {
                        match s(r, "/full_name") {
                            Some(f) if b.repos.contains_key(f) => names.push(f.to_string()),
                            Some(f) => b.c.records.skip("repository not listed", f.to_string()),
                            None => {
                                b.c.records
                                    .skip(MISSING_ID, format!("installation {iid} repository"))
                            }
                        }
                    }
                    names
                }
                None => {
                    // Not an error and not silently dropped: the reach is unknown, and said so.
                    let why = format!(
                        "GitHub App installation {iid} ({}) has repository_selection `selected` \
                         and its repositories could not be read (GET /user/installations/{iid}/\
                         repositories needs a user access token that can see the installation): \
                         its repository access is absent from this graph",
                        s(inst, "/app_slug").unwrap_or("unknown app")
                    );
                    if let Some(n) = b.c.nodes.iter_mut().rev().find(|n| n.id == nid) {
                        n.props
                            .insert("repositories_unknown".into(), Value::from(why.clone()));
                    }
                    b.limit(why);
                    Vec::new()
                }
            },
            _ => Vec::new(),
        };
        for name in names {
            b.repo_access_as(&nid, &name, lvl, "installation", runs);
        }
    }

    // Fine-grained PATs approved for the org.
    for (i, g) in raw.pats.iter().enumerate() {
        let Some(pid) = num(g, "/id") else {
            b.c.records
                .skip(MISSING_ID, format!("PAT grant #{}", i + 1));
            continue;
        };
        let owner = g.get("owner").and_then(|o| b.user(o));
        let mut n = node_on(GITHUB, NodeKind::Token, &format!("pat/{pid}"));
        n.name = s(g, "/token_name").map(str::to_string);
        n.token_type = Some(TokenType::Pat);
        n.revocation = Some(Revocation::PerApp);
        n.issued_at = ts(g, "/access_granted_at");
        n.expires_at = ts(g, "/token_expires_at");
        n.last_used_at = ts(g, "/token_last_used_at");
        if g.get("token_expired").and_then(Value::as_bool) == Some(true) {
            n.enabled = Some(false);
        }
        n.props = props([
            ("pat_id", Value::from(pid.as_str())),
            ("org", Value::from(raw.org.as_str())),
            (
                "owner_login",
                s(g, "/owner/login").map(Value::from).unwrap_or(Value::Null),
            ),
        ]);
        for k in ["token_id", "repository_selection", "permissions"] {
            if let Some(v) = g.get(k).filter(|v| !v.is_null()) {
                n.props.insert(k.to_string(), v.clone());
            }
        }
        let nid = n.id.clone();
        b.c.node(n);
        if let Some(u) = owner {
            b.link(&nid, &u, EdgeKind::AuthenticatesAs, Props::new());
        }
        let rperm = |k: &str| s(g, &format!("/permissions/repository/{k}")).map(level);
        let lvl = if rperm("administration") == Some("write") {
            "admin"
        } else if rperm("contents") == Some("write") || rperm("workflows") == Some("write") {
            "write"
        } else {
            "read"
        };
        let repos: Vec<String> = match s(g, "/repository_selection") {
            Some("all") => b.repos.keys().cloned().collect(),
            Some("subset") => raw
                .pat_repos
                .get(&pid)
                .map(|l| {
                    l.iter()
                        .filter_map(|r| s(r, "/full_name"))
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let runs = rperm("workflows") == Some("write");
        for r in repos {
            b.repo_access_as(&nid, &r, lvl, "fine-grained PAT", runs);
        }
        let org_perms = g
            .pointer("/permissions/organization")
            .and_then(Value::as_object)
            .is_some_and(|m| !m.is_empty());
        if org_perms {
            b.link(
                &nid,
                &org_id,
                EdgeKind::CanAccess,
                props([("via", Value::from("fine-grained PAT"))]),
            );
        }
    }
    for (pid, repos) in &raw.pat_repos {
        let known = raw
            .pats
            .iter()
            .any(|g| num(g, "/id").as_deref() == Some(pid));
        for r in repos {
            match s(r, "/full_name") {
                Some(_) if known => {}
                Some(_) => b.c.records.skip("PAT grant not listed", pid.clone()),
                None => {
                    b.c.records
                        .skip(MISSING_ID, format!("PAT {pid} repository"))
                }
            }
        }
    }

    // SAML SSO credential authorizations: classic PATs and SSH keys allowed into the org.
    for (i, a) in raw.credential_authorizations.iter().enumerate() {
        let Some(cid) = num(a, "/credential_id") else {
            b.c.records
                .skip(MISSING_ID, format!("credential authorization #{}", i + 1));
            continue;
        };
        let Some(login) = s(a, "/login") else {
            b.c.records.skip("no login", cid);
            continue;
        };
        let Some(uid) = b.by_login.get(&login.to_ascii_lowercase()).cloned() else {
            b.c.records.skip(
                "credential of a login not collected",
                format!("{cid} ({login})"),
            );
            continue;
        };
        let ctype = s(a, "/credential_type").unwrap_or("");
        let ssh = ctype.to_ascii_lowercase().contains("ssh");
        let mut n = node_on(GITHUB, NodeKind::Token, &format!("credential/{cid}"));
        n.name = s(a, "/authorized_credential_note")
            .or_else(|| s(a, "/authorized_credential_title"))
            .map(str::to_string)
            .or_else(|| Some(format!("{ctype} of {login}")));
        n.token_type = Some(if ssh {
            TokenType::PrivateKey
        } else {
            TokenType::Pat
        });
        n.revocation = Some(Revocation::PerApp);
        n.issued_at = ts(a, "/credential_authorized_at");
        n.last_used_at = ts(a, "/credential_accessed_at");
        n.expires_at = ts(a, "/authorized_credential_expires_at");
        n.scopes = strings(a, "/scopes");
        n.props = props([
            ("credential_id", Value::from(cid.as_str())),
            ("credential_type", Value::from(ctype)),
            ("login", Value::from(login)),
            ("org", Value::from(raw.org.as_str())),
            (
                "fingerprint",
                s(a, "/fingerprint").map(Value::from).unwrap_or(Value::Null),
            ),
        ]);
        let nid = n.id.clone();
        b.c.node(n);
        b.link(&nid, &uid, EdgeKind::AuthenticatesAs, Props::new());
    }

    // SAML identities: the nameId the IdP signs the account in with.
    for (i, x) in raw.external_identities.iter().enumerate() {
        let Some(name_id) = s(x, "/samlIdentity/nameId") else {
            b.c.records
                .skip("no SAML nameId", format!("external identity #{}", i + 1));
            continue;
        };
        let Some(uid) =
            s(x, "/user/login").and_then(|l| b.by_login.get(&l.to_ascii_lowercase()).cloned())
        else {
            b.c.records.skip(
                "identity not linked to a collected account",
                name_id.to_string(),
            );
            continue;
        };
        let mut n = node_on(
            GITHUB,
            NodeKind::User,
            uid.rsplit(':').next().unwrap_or(&uid),
        );
        n.props.insert("saml_name_id".into(), Value::from(name_id));
        // The nameId is the account's name at the IdP: Okta's SSO edge names it so.
        add_alias(&mut n, name_id);
        b.c.node(n);
    }

    // Endpoints the org or the token does not have: one record skipped each, with the reason.
    for u in &raw.unavailable {
        b.c.records.read(1);
        b.c.records.skip(&u.reason, u.endpoint.clone());
    }
    b.c
}
