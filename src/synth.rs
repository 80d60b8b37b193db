//! `heir synth`: a realistic, deterministic synthetic enterprise for demos and benchmarks.
//!
//! Same users and seed → byte-identical document (a SplitMix64 generator, no dependency and no
//! hidden global state). The shape follows what collectors see in real estates — see
//! `docs/synth.md` for the model and the proportions.

use crate::model::{
    Document, Edge, EdgeKind, Node, NodeKind, Props, Requirement, Revocation, Source, Timestamp,
    TokenType,
};

/// SplitMix64: tiny, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo).max(1) as u64)) as i64
    }
}

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// An application people sign in to through the IdP.
struct App {
    platform: &'static str,
    name: &'static str,
    criticality: u8,
    /// Conditions on the SSO into it.
    requires: &'static [Requirement],
    /// Holds mail, code or data worth a `resource` node per user.
    per_user_resource: Option<(&'static str, u8)>,
}

const APPS: &[App] = &[
    App {
        platform: "m365",
        name: "Microsoft 365",
        criticality: 7,
        requires: &[Requirement::ManagedDevice],
        per_user_resource: Some(("mailbox", 6)),
    },
    App {
        platform: "slack",
        name: "Slack",
        criticality: 6,
        requires: &[],
        per_user_resource: None,
    },
    App {
        platform: "google",
        name: "Google Workspace",
        criticality: 7,
        requires: &[Requirement::Mfa],
        per_user_resource: Some(("drive", 5)),
    },
    App {
        platform: "zoom",
        name: "Zoom",
        criticality: 3,
        requires: &[],
        per_user_resource: None,
    },
    App {
        platform: "jira",
        name: "Jira",
        criticality: 5,
        requires: &[],
        per_user_resource: None,
    },
    App {
        platform: "confluence",
        name: "Confluence",
        criticality: 5,
        requires: &[],
        per_user_resource: None,
    },
    App {
        platform: "github",
        name: "GitHub",
        criticality: 8,
        requires: &[Requirement::Mfa],
        per_user_resource: None,
    },
    App {
        platform: "salesforce",
        name: "Salesforce",
        criticality: 8,
        requires: &[],
        per_user_resource: None,
    },
    App {
        platform: "workday",
        name: "Workday",
        criticality: 8,
        requires: &[Requirement::ManagedDevice],
        per_user_resource: None,
    },
    App {
        platform: "box",
        name: "Box",
        criticality: 6,
        requires: &[],
        per_user_resource: Some(("folder", 4)),
    },
    App {
        platform: "figma",
        name: "Figma",
        criticality: 3,
        requires: &[],
        per_user_resource: None,
    },
    App {
        platform: "notion",
        name: "Notion",
        criticality: 4,
        requires: &[],
        per_user_resource: None,
    },
    App {
        platform: "zendesk",
        name: "Zendesk",
        criticality: 6,
        requires: &[],
        per_user_resource: None,
    },
    App {
        platform: "datadog",
        name: "Datadog",
        criticality: 6,
        requires: &[],
        per_user_resource: None,
    },
    App {
        platform: "pagerduty",
        name: "PagerDuty",
        criticality: 4,
        requires: &[],
        per_user_resource: None,
    },
    App {
        platform: "snowflake",
        name: "Snowflake",
        criticality: 9,
        requires: &[Requirement::Mfa, Requirement::TrustedNetwork],
        per_user_resource: None,
    },
    App {
        platform: "aws",
        name: "AWS (IAM Identity Center)",
        criticality: 9,
        requires: &[Requirement::Mfa],
        per_user_resource: None,
    },
    App {
        platform: "hubspot",
        name: "HubSpot",
        criticality: 5,
        requires: &[],
        per_user_resource: None,
    },
    App {
        platform: "docusign",
        name: "DocuSign",
        criticality: 6,
        requires: &[],
        per_user_resource: None,
    },
    App {
        platform: "okta-admin",
        name: "Okta Admin Console",
        criticality: 10,
        requires: &[Requirement::FreshMfa, Requirement::ManagedDevice],
        per_user_resource: None,
    },
];

/// Third-party OAuth clients users consent to; the first few are granted by thousands.
const THIRD_PARTY: &[(&str, &str, &[&str])] = &[
    ("calendly", "Calendly", &["calendar.read", "calendar.write"]),
    ("grammarly", "Grammarly", &["mail.read"]),
    (
        "outreachly",
        "Outreachly",
        &["api", "refresh_token", "offline_access"],
    ),
    (
        "notetaker",
        "AI Notetaker",
        &["calendar.read", "files.read.all"],
    ),
    ("pdfconv", "PDF Converter", &["files.readwrite.all"]),
    ("statusbot", "Statusbot", &["chat:write", "users:read"]),
];

const DEPARTMENTS: &[(&str, u8)] = &[
    ("engineering", 7),
    ("sales", 5),
    ("support", 4),
    ("finance", 8),
    ("marketing", 3),
    ("it", 9),
    ("hr", 7),
    ("legal", 6),
];

/// The admin console: only administrators get it.
const ADMIN_APP: usize = APPS.len() - 1;

/// Zipf-like weights: app k is chosen with weight 1/(k+1)^2, so a few apps have everyone and a
/// long tail has few (the admin console is never picked at random).
fn pick_apps(rng: &mut Rng, want: usize) -> Vec<usize> {
    let weights: Vec<f64> = (0..ADMIN_APP)
        .map(|k| 1.0 / ((k + 1) as f64).powf(2.0))
        .collect();
    let total: f64 = weights.iter().sum();
    let mut chosen: Vec<usize> = Vec::with_capacity(want);
    let mut guard = 0;
    while chosen.len() < want.min(ADMIN_APP) && guard < 10_000 {
        guard += 1;
        let mut x = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
        let mut k = 0;
        while k + 1 < weights.len() && x > weights[k] {
            x -= weights[k];
            k += 1;
        }
        if !chosen.contains(&k) {
            chosen.push(k);
        }
    }
    chosen.sort_unstable();
    chosen
}

struct Builder {
    doc: Document,
}

impl Builder {
    fn node(&mut self, id: String, kind: NodeKind, platform: &str) -> &mut Node {
        let mut n = Node::new(id, kind);
        n.platform = Some(platform.to_string());
        self.doc.nodes.push(n);
        self.doc.nodes.last_mut().expect("just pushed")
    }
    fn edge(&mut self, from: &str, to: &str, kind: EdgeKind) -> &mut Edge {
        self.doc.edges.push(Edge::new(from, to, kind));
        self.doc.edges.last_mut().expect("just pushed")
    }
}

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

/// Generates the enterprise. `at` anchors every time (sessions around it, keys years before).
pub fn synth(users: usize, seed: u64, at: Timestamp) -> Document {
    let now = at.as_millis();
    let mut rng = Rng(seed ^ 0xA5A5_5A5A_DEAD_BEEF);
    let mut b = Builder {
        doc: Document::new(),
    };
    let org = "acme";
    b.node(format!("okta:idp:{org}"), NodeKind::Idp, "okta")
        .criticality = Some(10);
    for app in APPS {
        let n = b.node(
            format!("{}:app:{org}", app.platform),
            NodeKind::App,
            app.platform,
        );
        n.name = Some(app.name.to_string());
        n.criticality = Some(app.criticality);
    }
    for (dept, crit) in DEPARTMENTS {
        b.node(format!("okta:group:{dept}"), NodeKind::Group, "okta")
            .name = Some(format!("{dept} department"));
        for (k, app) in APPS
            .iter()
            .enumerate()
            .filter(|(k, _)| k % DEPARTMENTS.len() == dept.len() % DEPARTMENTS.len() || *k < 2)
        {
            let rid = format!("{}:resource:{dept}-{k}", app.platform);
            let r = b.node(rid.clone(), NodeKind::Resource, app.platform);
            r.name = Some(format!("{} {dept} space", app.name));
            r.criticality = Some((*crit).min(app.criticality + 1));
            r.tags = vec!["env:prod".into()];
            b.edge(&format!("okta:group:{dept}"), &rid, EdgeKind::CanAccess);
        }
    }
    for (key, name, _) in THIRD_PARTY {
        let n = b.node(format!("{key}:app:{key}"), NodeKind::App, key);
        n.name = Some(name.to_string());
        n.criticality = Some(4);
        n.props.insert("third_party".into(), true.into());
    }
    // AWS: a dev and a prod account, roles and a dev -> prod chain.
    for env in ["dev", "prod"] {
        let acct = format!("aws:app:{env}");
        let n = b.node(acct.clone(), NodeKind::App, "aws");
        n.name = Some(format!("AWS {env} account"));
        n.criticality = Some(if env == "prod" { 10 } else { 5 });
        n.tags = vec![format!("env:{env}")];
        for role in ["admin", "deployer", "readonly"] {
            let rid = format!("aws:role:{env}-{role}");
            let r = b.node(rid.clone(), NodeKind::Role, "aws");
            r.criticality = Some(if env == "prod" && role != "readonly" {
                9
            } else {
                5
            });
            r.tags = vec![format!("env:{env}")];
            if role == "admin" {
                b.edge(&rid, &acct, EdgeKind::AdminOf);
            } else {
                b.edge(&rid, &acct, EdgeKind::CanAccess)
                    .props
                    .insert("level".into(), role.into());
            }
        }
        for bucket in ["data", "backups", "logs"] {
            let id = format!("aws:resource:{env}-{bucket}");
            let r = b.node(id.clone(), NodeKind::Resource, "aws");
            r.criticality = Some(if env == "prod" { 9 } else { 4 });
            r.tags = vec![format!("env:{env}")];
            b.edge(
                &format!("aws:role:{env}-deployer"),
                &id,
                EdgeKind::CanAccess,
            );
        }
    }
    b.edge(
        "aws:role:dev-deployer",
        "aws:role:prod-deployer",
        EdgeKind::CanAssume,
    );

    let admins = (users / 100).max(1);
    let mut departed: Vec<String> = Vec::new();
    for p in 0..users {
        let dept = DEPARTMENTS[rng.below(DEPARTMENTS.len())].0;
        let email = format!("user{p}@acme.example");
        let user = format!("okta:user:00u{p:07}");
        let enabled = !rng.chance(0.03);
        {
            let n = b.node(user.clone(), NodeKind::User, "okta");
            n.name = Some(email.clone());
            n.person = Some(email.clone());
            if !enabled {
                n.enabled = Some(false);
            }
        }
        if !enabled {
            departed.push(user.clone());
        }
        b.edge(&user, &format!("okta:group:{dept}"), EdgeKind::MemberOf);
        if p < admins {
            b.edge(&user, &format!("okta:idp:{org}"), EdgeKind::AdminOf)
                .requires = vec![Requirement::FreshMfa];
        }
        // Devices: a laptop (managed ones bind their tokens) and sometimes a phone.
        let laptop = format!("okta:device:lt{p:07}");
        let bound = rng.chance(0.3);
        b.node(laptop.clone(), NodeKind::Device, "okta").person = Some(email.clone());
        let sessions = 1 + rng.below(2);
        let want = 8 + rng.below(8);
        let mut apps = pick_apps(&mut rng, want);
        if p < admins {
            apps.push(ADMIN_APP);
        }
        for s in 0..sessions {
            let sid = format!("okta:session:102{p:07}{s}");
            let issued = now - rng.range(HOUR, 10 * HOUR);
            {
                let n = b.node(sid.clone(), NodeKind::Session, "okta");
                n.mfa = Some(!rng.chance(0.08));
                n.issued_at = Some(ts(issued));
                n.expires_at = Some(ts(issued + 12 * HOUR));
                n.revocation = Some(Revocation::Central);
                n.device_bound = Some(bound && s == 0);
                n.person = Some(email.clone());
            }
            b.edge(&laptop, &sid, EdgeKind::Holds);
            b.edge(&sid, &user, EdgeKind::AuthenticatesAs);
            // App sessions minted through SSO from this IdP session.
            for &k in &apps {
                if !rng.chance(0.5) {
                    continue;
                }
                let app = &APPS[k];
                let child = format!("{}:session:{p}-{s}-{k}", app.platform);
                let at_ms = issued + rng.range(60_000, 2 * HOUR);
                {
                    let n = b.node(child.clone(), NodeKind::Session, app.platform);
                    n.issued_at = Some(ts(at_ms));
                    n.expires_at = Some(ts(at_ms + rng.range(8 * HOUR, 14 * DAY)));
                    n.revocation = Some(Revocation::PerApp);
                }
                let e = b.edge(&sid, &child, EdgeKind::Issued);
                e.at = Some(ts(at_ms));
                e.props.insert(
                    "ip".into(),
                    format!("10.{}.{}.{}", p % 250, k, s + 1).into(),
                );
                b.edge(
                    &child,
                    &format!("{}:user:{p}", app.platform),
                    EdgeKind::AuthenticatesAs,
                );
                b.edge(&laptop, &child, EdgeKind::Holds);
            }
        }
        for &k in &apps {
            let app = &APPS[k];
            let acct = format!("{}:user:{p}", app.platform);
            {
                let n = b.node(acct.clone(), NodeKind::User, app.platform);
                n.person = Some(email.clone());
                n.name = Some(email.clone());
            }
            let e = b.edge(&user, &acct, EdgeKind::Sso);
            e.requires = app.requires.to_vec();
            let level = if p < admins { "admin" } else { "write" };
            let target = format!("{}:app:{org}", app.platform);
            if p < admins && app.criticality >= 8 {
                b.edge(&acct, &target, EdgeKind::AdminOf);
            } else {
                b.edge(&acct, &target, EdgeKind::CanAccess)
                    .props
                    .insert("level".into(), level.into());
            }
            if let Some((what, crit)) = app.per_user_resource {
                let rid = format!("{}:resource:{what}-{p}", app.platform);
                b.node(rid.clone(), NodeKind::Resource, app.platform)
                    .criticality = Some(crit);
                b.edge(&acct, &rid, EdgeKind::CanAccess);
            }
            if app.platform == "aws" {
                let role = if p < admins {
                    "prod-admin"
                } else if dept == "engineering" {
                    "dev-deployer"
                } else {
                    "dev-readonly"
                };
                b.edge(&acct, &format!("aws:role:{role}"), EdgeKind::CanAssume);
            }
            // Refresh tokens for desktop/mobile clients.
            if rng.chance(0.15) {
                let rt = format!("{}:token:rt-{p}-{k}", app.platform);
                let issued = now - rng.range(DAY, 60 * DAY);
                {
                    let n = b.node(rt.clone(), NodeKind::Token, app.platform);
                    n.token_type = Some(TokenType::Refresh);
                    n.issued_at = Some(ts(issued));
                    n.expires_at = Some(ts(issued + 90 * DAY));
                    n.revocation = Some(Revocation::Central);
                    n.device_bound = Some(bound);
                }
                b.edge(&laptop, &rt, EdgeKind::Holds);
                b.edge(&rt, &acct, EdgeKind::AuthenticatesAs);
                let at_tok = format!("{}:token:at-{p}-{k}", app.platform);
                {
                    let n = b.node(at_tok.clone(), NodeKind::Token, app.platform);
                    n.token_type = Some(TokenType::Access);
                    n.issued_at = Some(ts(now - rng.range(0, HOUR)));
                    n.expires_at = Some(ts(now + rng.range(0, HOUR)));
                    n.revocation = Some(Revocation::TtlOnly);
                }
                b.edge(&rt, &at_tok, EdgeKind::Issued).at = Some(ts(now - HOUR));
                b.edge(&at_tok, &acct, EdgeKind::AuthenticatesAs);
            }
        }
        // Consents to third-party apps: the first ones are granted by many.
        for (j, (key, _, scopes)) in THIRD_PARTY.iter().enumerate() {
            if !rng.chance(0.4 / (j + 1) as f64) {
                continue;
            }
            let gid = format!("{key}:oauth_grant:{p}");
            {
                let n = b.node(gid.clone(), NodeKind::OauthGrant, key);
                n.scopes = scopes.iter().map(|s| s.to_string()).collect();
                n.issued_at = Some(ts(now - rng.range(DAY, 400 * DAY)));
                n.revocation = Some(Revocation::Central);
            }
            b.edge(&user, &gid, EdgeKind::Consented);
            b.edge(&format!("{key}:app:{key}"), &gid, EdgeKind::Holds);
            let target = if j % 2 == 0 { "m365" } else { "google" };
            b.edge(&gid, &format!("{target}:app:{org}"), EdgeKind::CanAccess)
                .props
                .insert("scopes".into(), scopes.join(" ").into());
        }
    }

    // Service accounts with owners (some departed) and static keys; CI workloads hold keys.
    let sas = (users / 20).max(2);
    let workloads = (users / 200).max(1);
    for w in 0..workloads {
        let id = format!("ci:workload:runner-{w}");
        let n = b.node(id, NodeKind::Workload, "ci");
        n.criticality = Some(6);
    }
    for s in 0..sas {
        let env = if s % 3 == 0 { "prod" } else { "dev" };
        let sa = format!("aws:service_account:svc-{s}");
        {
            let n = b.node(sa.clone(), NodeKind::ServiceAccount, "aws");
            n.name = Some(format!("svc-{s}"));
            n.tags = vec![format!("env:{env}")];
            n.criticality = Some(if env == "prod" { 7 } else { 4 });
        }
        let owner = if !departed.is_empty() && rng.chance(0.1) {
            departed[rng.below(departed.len())].clone()
        } else {
            format!("okta:user:00u{:07}", rng.below(users))
        };
        if !rng.chance(0.05) {
            b.edge(&owner, &sa, EdgeKind::Owns);
        }
        let key = format!("aws:token:AKIA{s:016}");
        {
            let n = b.node(key.clone(), NodeKind::Token, "aws");
            n.token_type = Some(TokenType::AccessKey);
            n.issued_at = Some(ts(now - rng.range(30 * DAY, 900 * DAY)));
            n.revocation = Some(Revocation::None);
            let mut props = Props::new();
            props.insert(
                "fingerprint".into(),
                format!("sha256:{:016x}", rng.next()).into(),
            );
            n.props = props;
        }
        b.edge(&key, &sa, EdgeKind::AuthenticatesAs);
        let role = if env == "prod" {
            "aws:role:prod-deployer"
        } else {
            "aws:role:dev-deployer"
        };
        b.edge(&sa, role, EdgeKind::CanAssume);
        b.edge(
            &format!("ci:workload:runner-{}", rng.below(workloads)),
            &key,
            EdgeKind::Holds,
        );
        if rng.chance(0.05) {
            // The same key copied onto a second runner.
            b.edge(
                &format!("ci:workload:runner-{}", rng.below(workloads)),
                &key,
                EdgeKind::Holds,
            );
        }
    }

    b.doc.sources = ["okta", "aws", "ci"]
        .into_iter()
        .map(|name| Source {
            name: name.to_string(),
            collected_at: Some(at),
            complete: true,
            reason: None,
            platforms: Vec::new(),
            records: None,
        })
        .collect();
    dedupe(&mut b.doc);
    b.doc
}

/// Removes repeated edges (a random choice can repeat); nodes are unique by construction.
fn dedupe(doc: &mut Document) {
    let mut seen = std::collections::HashSet::new();
    doc.edges.retain(|e| {
        seen.insert((
            e.from.clone(),
            e.to.clone(),
            e.kind,
            e.at.map(|t| t.as_millis()),
        ))
    });
}
