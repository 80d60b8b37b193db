#!/usr/bin/env python3
"""Generate examples/acme.json: the "Acme" demo organisation for heir.

Suggested stolen artefact for demos:

    okta:session:102dana-kim-laptop

It is the Okta session of dana.kim@acme.example (Senior SRE, Platform Engineering), MFA satisfied,
NOT device-bound, held by her managed MacBook (an infostealer can lift the cookie). Replayed
off-device it reaches CI (and every secret CI holds: AWS keys, a Vault token, a Kubernetes token,
a Slack bot token), GitHub, Slack, Google Workspace and AWS dev; through the CI-held terraform key
it reaches AWS prod with persistence (terraform-apply is admin of the prod account), and through the
Vault token (kv/prod) a Google service-account key with domain-wide delegation (read every user's
Drive and Calendar). She owns the Slack deploybot (persistence in Slack). Microsoft 365 is blocked by
`managed_device`.

    heir blast examples/acme.json --from okta:session:102dana-kim-laptop --at 2026-11-20T10:00:00Z

Analysis time used for all timestamps: 2026-11-20T10:00:00Z.

Python 3 standard library only; deterministic (random.Random(2026), no hashing of strings, no
clock). Usage: python3 scripts/gen_acme.py [-o examples/acme.json]
"""

import argparse
import json
import os
import random
import uuid
from datetime import datetime, timedelta, timezone

RNG = random.Random(2026)
AT = datetime(2026, 11, 20, 10, 0, 0, tzinfo=timezone.utc)
DOMAIN = "acme.example"
TENANT = "6c2f9a4e-1b7d-4e8a-9f3c-2d5b8e1a7c40"
SLACK_TEAM = "T02ACME7Q"
GITHUB_ORG_ID = 71829304
AWS_MGMT, AWS_DEV, AWS_PROD = "118273645091", "381492650217", "729104583612"
SF_ORG = "00D5g000008AcMeEAK"
GCP_PROJECT = "acme-prod-4821"

ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

NODE_ORDER = ["id", "kind", "platform", "name", "person", "criticality", "enabled", "tags",
              "token_type", "scopes", "issued_at", "expires_at", "last_used_at", "revocation",
              "device_bound", "mfa", "props"]
EDGE_ORDER = ["from", "to", "kind", "requires", "at", "props"]


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------

def rs(alphabet, n):
    return "".join(RNG.choice(alphabet) for _ in range(n))


def rguid():
    return str(uuid.UUID(int=RNG.getrandbits(128), version=4))


def rdigits(n, first="123456789"):
    return RNG.choice(first) + "".join(RNG.choice("0123456789") for _ in range(n - 1))


def fp():
    return "sha256:" + "".join(RNG.choice("0123456789abcdef") for _ in range(16))


def ts(dt):
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def at_offset(**kw):
    return ts(AT + timedelta(**kw))


class Doc:
    def __init__(self):
        self.sources, self.nodes, self.edges = [], [], []
        self.index = {}
        self.edge_keys = set()

    def node(self, nid, kind, **kw):
        if nid in self.index:
            raise ValueError("duplicate id " + nid)
        d = {"id": nid, "kind": kind, "platform": nid.split(":", 1)[0]}
        for k, v in kw.items():
            if k not in NODE_ORDER:
                raise ValueError("unknown node field " + k)
            if v is not None and v != {} and v != []:
                d[k] = v
        if d.get("enabled") is True:
            del d["enabled"]
        d = {k: d[k] for k in NODE_ORDER if k in d}
        self.index[nid] = d
        self.nodes.append(d)
        return nid

    def edge(self, frm, to, kind, requires=None, at=None, props=None):
        key = (frm, to, kind)
        if key in self.edge_keys:
            return
        self.edge_keys.add(key)
        d = {"from": frm, "to": to, "kind": kind}
        if requires:
            d["requires"] = list(requires)
        if at:
            d["at"] = at
        if props:
            d["props"] = props
        self.edges.append(d)

    def to_json(self):
        missing = [e for e in self.edges if e["from"] not in self.index or e["to"] not in self.index]
        if missing:
            raise ValueError("dangling edges: %r" % missing[:3])
        return {"version": 1, "sources": self.sources, "nodes": self.nodes, "edges": self.edges}


D = Doc()

# ----------------------------------------------------------------------------------------------
# people
# ----------------------------------------------------------------------------------------------

FIRST = ["alex", "bianca", "carlos", "chen", "daniel", "elif", "fatima", "george", "hana", "ines",
         "jamal", "julia", "kenji", "lara", "leon", "maya", "marek", "nadia", "noah", "olga",
         "omar", "priya", "quentin", "rosa", "samir", "sofia", "tariq", "uma", "victor", "wen",
         "xavier", "yara", "yusuf", "zoe", "ana", "ben", "clara", "diego", "emma", "felix", "grace",
         "hugo", "ivan", "jonas", "kira", "liam", "mila", "nina"]
LAST = ["adams", "baptiste", "costa", "dubois", "evans", "fischer", "garcia", "haddad", "ito",
        "jensen", "kowalski", "lopez", "moreau", "novak", "okafor", "petrov", "quinn", "rossi",
        "santos", "tanaka", "ueda", "varga", "weber", "xu", "yilmaz", "zhang", "berg", "clarke",
        "duarte", "eriksen", "ferrari", "gupta", "hoffmann", "ivanova", "jovanovic", "kaur"]

# (department, team, count)
DEPTS = [
    ("engineering", "platform", 5), ("engineering", "backend", 4), ("engineering", "frontend", 3),
    ("engineering", "data", 3), ("it", "it", 3), ("security", "security", 2), ("sales", "sales", 6),
    ("support", "support", 3), ("finance", "finance", 3), ("marketing", "marketing", 3),
    ("exec", "exec", 2),
]
TITLES = {"platform": "Site Reliability Engineer", "backend": "Backend Engineer",
          "frontend": "Frontend Engineer", "data": "Data Engineer", "it": "IT Engineer",
          "security": "Security Engineer", "sales": "Account Executive", "support": "Support Engineer",
          "finance": "Financial Analyst", "marketing": "Marketing Manager", "exec": "Executive"}

people = []
used = {"dana.kim"}
for dept, team, count in DEPTS:
    for i in range(count):
        if dept == "engineering" and team == "platform" and i == 0:
            handle = "dana.kim"
        else:
            while True:
                handle = RNG.choice(FIRST) + "." + RNG.choice(LAST)
                if handle not in used:
                    used.add(handle)
                    break
        people.append({"handle": handle, "dept": dept, "team": team, "email": handle + "@" + DOMAIN,
                       "title": TITLES[team]})
# role tweaks
people[0]["title"] = "Senior SRE"
P = {p["handle"]: p for p in people}
by_team = {}
for p in people:
    by_team.setdefault(p["team"], []).append(p)
by_team["exec"][0]["title"] = "Chief Executive Officer"
by_team["exec"][1]["title"] = "Chief Financial Officer"
it_admins = by_team["it"]                      # it[0], it[1] Okta super admins; it[2] help desk
platform_lead = by_team["platform"][1]         # owns ci-deployer / terraform-ci
# two former employees (deprovisioned in Okta): one platform engineer, one salesperson
leaver_eng = by_team["platform"][4]
leaver_sales = by_team["sales"][5]
for p in people:
    p["active"] = p not in (leaver_eng, leaver_sales)
    p["eng"] = p["dept"] == "engineering"

# ----------------------------------------------------------------------------------------------
# sources
# ----------------------------------------------------------------------------------------------

for name, minute in [("okta", 2), ("m365", 7), ("google", 11), ("github", 14), ("slack", 18),
                     ("aws", 21), ("ci", 24), ("salesforce", 27), ("k8s", 29), ("vault", 31)]:
    src = {"name": name, "collected_at": ts(datetime(2026, 11, 20, 9, minute, 0, tzinfo=timezone.utc)),
           "complete": True}
    if name == "google":
        src["complete"] = False
        src["reason"] = ("Reports API quota exhausted (429 RESOURCE_EXHAUSTED): OAuth token inventory "
                         "missing for 7 users; domain-wide delegation grants taken from the 2026-11-01 export")
    D.sources.append(src)

# ----------------------------------------------------------------------------------------------
# tenants / apps / idps
# ----------------------------------------------------------------------------------------------

OKTA_IDP = D.node("okta:idp:acme", "idp", name="Okta org acme.okta.com", criticality=10, tags=["tier0"],
                  props={"domain": "acme.okta.com"})
M365 = D.node("m365:app:" + TENANT, "app", name="Microsoft 365 tenant acme.example", criticality=8,
              props={"tenant_id": TENANT})
GOOGLE_IDP = D.node("google:idp:C03acme7x", "idp", name="Google Workspace acme.example", criticality=9,
                    props={"customer_id": "C03acme7x"})
GOOGLE_DRIVE = D.node("google:app:drive", "app", name="Google Drive (acme.example)", criticality=6)
GOOGLE_CAL = D.node("google:app:calendar", "app", name="Google Calendar (acme.example)", criticality=4)
GCP_APP = D.node("google:app:" + GCP_PROJECT, "app", name="GCP project " + GCP_PROJECT, criticality=9,
                 tags=["env:prod"])
GITHUB = D.node("github:app:acme", "app", name="GitHub organization acme", criticality=7,
                props={"org_id": GITHUB_ORG_ID})
SLACK = D.node("slack:app:" + SLACK_TEAM, "app", name="Slack workspace acme", criticality=6,
               props={"team_id": SLACK_TEAM})
AWS_ACCT = {
    AWS_MGMT: D.node("aws:app:" + AWS_MGMT, "app", name="AWS account acme-management (%s)" % AWS_MGMT,
                     criticality=10, tags=["tier0"]),
    AWS_DEV: D.node("aws:app:" + AWS_DEV, "app", name="AWS account acme-dev (%s)" % AWS_DEV, criticality=4,
                    tags=["env:dev"]),
    AWS_PROD: D.node("aws:app:" + AWS_PROD, "app", name="AWS account acme-prod (%s)" % AWS_PROD,
                     criticality=10, tags=["env:prod", "tier0"]),
}
CI = D.node("ci:app:acme", "app", name="Acme CI (buildkite.com/acme)", criticality=8, tags=["env:prod"],
            props={"pipelines": 57})
SF = D.node("salesforce:app:" + SF_ORG, "app", name="Salesforce org Acme (%s)" % SF_ORG, criticality=8,
            tags=["env:prod"])
VAULT = D.node("vault:app:acme", "app", name="HashiCorp Vault vault.acme.internal", criticality=10,
               tags=["tier0"])
STATUSBOT = D.node("statusbot:app:statusbot", "app", name="Statusbot (third-party status-page integration)",
                   criticality=5, props={"vendor": "Statusbot Ltd.", "integrations": ["slack", "github", "google"]})
EKS_PROD = D.node("k8s:app:prod-eks", "app", name="EKS cluster prod-eks", criticality=9, tags=["env:prod"],
                  props={"arn": "arn:aws:eks:eu-west-1:%s:cluster/prod-eks" % AWS_PROD})
EKS_DEV = D.node("k8s:app:dev-eks", "app", name="EKS cluster dev-eks", criticality=3, tags=["env:dev"])


def res(nid, name, crit, tags=None, props=None):
    return D.node(nid, "resource", name=name, criticality=crit, tags=tags, props=props)


# ----------------------------------------------------------------------------------------------
# resources
# ----------------------------------------------------------------------------------------------

REPOS = {}
for slug, crit, tags in [("infra", 9, ["env:prod", "tier0"]), ("payments-api", 8, ["env:prod"]),
                         ("web-app", 6, ["env:prod"]), ("mobile-app", 5, ["env:prod"]),
                         ("data-pipeline", 6, ["env:prod"]), ("terraform-modules", 7, []),
                         ("secrets-ops", 9, ["tier0"]), ("docs", 2, []), ("statusbot-config", 3, []),
                         ("sdk", 7, ["env:prod"])]:
    REPOS[slug] = res("github:resource:acme/" + slug, "repo acme/" + slug, crit, tags)

S3 = lambda b: "aws:resource:arn:aws:s3:::" + b  # noqa: E731
R_CUST = res(S3("acme-prod-customer-data"), "S3 bucket acme-prod-customer-data", 10, ["env:prod", "tier0"])
R_BACKUP = res(S3("acme-prod-backups"), "S3 bucket acme-prod-backups", 9, ["env:prod"])
R_ORDERS = res("aws:resource:arn:aws:rds:eu-west-1:%s:db:prod-orders" % AWS_PROD, "RDS prod-orders", 10,
               ["env:prod", "tier0"])
R_PAYSEC = res("aws:resource:arn:aws:secretsmanager:eu-west-1:%s:secret:prod/payments-api-Xk2P9q" % AWS_PROD,
               "Secrets Manager prod/payments-api", 10, ["env:prod", "tier0"])
R_DDB = res("aws:resource:arn:aws:dynamodb:eu-west-1:%s:table/prod-sessions" % AWS_PROD,
            "DynamoDB prod-sessions", 8, ["env:prod"])
R_TRAIL = res(S3("acme-org-cloudtrail"), "S3 bucket acme-org-cloudtrail (organization trail)", 8, ["tier0"])
R_DEVS3 = res(S3("acme-dev-scratch"), "S3 bucket acme-dev-scratch", 2, ["env:dev"])
R_DEVDB = res("aws:resource:arn:aws:rds:eu-west-1:%s:db:dev-orders" % AWS_DEV, "RDS dev-orders", 3, ["env:dev"])
R_ARTIF = res(S3("acme-build-artifacts"), "S3 bucket acme-build-artifacts", 5, ["env:dev"])

K_PAY = res("k8s:resource:prod-eks/payments", "namespace payments (prod-eks)", 9, ["env:prod"])
K_SYS = res("k8s:resource:prod-eks/kube-system", "namespace kube-system (prod-eks)", 10, ["env:prod", "tier0"])
K_DEV = res("k8s:resource:dev-eks/default", "namespace default (dev-eks)", 3, ["env:dev"])

V_PROD = res("vault:resource:kv/prod", "Vault KV mount kv/prod", 10, ["env:prod", "tier0"])
V_DEV = res("vault:resource:kv/dev", "Vault KV mount kv/dev", 3, ["env:dev"])

G_ENG = res("google:resource:shared-drive/0AEngDrv9xQ", "shared drive Engineering", 5)
G_FIN = res("google:resource:shared-drive/0AFinDrv3kP", "shared drive Finance", 8)
G_MKT = res("google:resource:shared-drive/0AMktDrv7zT", "shared drive Marketing", 3)
G_BQ = res("google:resource:bigquery/%s.analytics_prod" % GCP_PROJECT, "BigQuery dataset analytics_prod", 9,
           ["env:prod"])

SF_CASES = res("salesforce:resource:%s/Case" % SF_ORG, "Salesforce support cases (Case + attachments)", 7,
               ["env:prod"])
SF_OPPS = res("salesforce:resource:%s/Opportunity" % SF_ORG, "Salesforce opportunities and accounts", 7,
              ["env:prod"])

MBX_ALL = res("m365:resource:exchange-online/all-mailboxes", "Exchange Online: every mailbox", 9,
              ["env:prod", "tier0"])
MBX_FIN = res("m365:resource:mailbox/finance@" + DOMAIN, "shared mailbox finance@" + DOMAIN, 8, ["env:prod"])

# ----------------------------------------------------------------------------------------------
# groups and roles
# ----------------------------------------------------------------------------------------------

def group(nid, name, crit=0, props=None):
    return D.node(nid, "group", name=name, criticality=crit, props=props)


def role(nid, name, crit=0, tags=None, props=None):
    return D.node(nid, "role", name=name, criticality=crit, tags=tags, props=props)


OKTA_GROUPS = {}
for dept in ["engineering", "it", "security", "sales", "support", "finance", "marketing", "exec"]:
    OKTA_GROUPS[dept] = group("okta:group:00g" + rs(ALNUM, 17), "Okta group dept-" + dept)
OKTA_SUPER = role("okta:role:SUPER_ADMIN", "Okta Super Administrator", 10, ["tier0"])
OKTA_HELPDESK = role("okta:role:HELP_DESK_ADMIN", "Okta Help Desk Administrator", 7)
D.edge(OKTA_SUPER, OKTA_IDP, "admin_of")
D.edge(OKTA_HELPDESK, OKTA_IDP, "admin_of",
       props={"note": "can reset passwords and MFA factors of non-admin users"})

GH_TEAMS = {}
for team, repos in [("platform", [("infra", "write"), ("terraform-modules", "write"), ("secrets-ops", "write"),
                                  ("payments-api", "read"), ("docs", "write")]),
                    ("backend", [("payments-api", "write"), ("sdk", "write"), ("data-pipeline", "read"),
                                 ("docs", "write")]),
                    ("frontend", [("web-app", "write"), ("mobile-app", "write"), ("sdk", "read"),
                                  ("docs", "write")]),
                    ("data", [("data-pipeline", "write"), ("docs", "write")]),
                    ("security", [("infra", "read"), ("secrets-ops", "admin"), ("payments-api", "read"),
                                  ("web-app", "read")])]:
    g = group("github:group:acme/" + team, "team acme/" + team, 5, {"team_id": int(rdigits(7))})
    GH_TEAMS[team] = g
    for slug, lvl in repos:
        D.edge(g, REPOS[slug], "can_access", props={"level": lvl})
GH_OWNERS = role("github:role:acme/owners", "GitHub org owners (acme)", 9)
D.edge(GH_OWNERS, GITHUB, "admin_of")

M365_GA = role("m365:role:62e90394-69f5-4237-9190-012177145e10", "Entra Global Administrator", 10, ["tier0"],
               {"roleTemplateId": "62e90394-69f5-4237-9190-012177145e10"})
D.edge(M365_GA, M365, "admin_of")
M365_FIN = group("m365:group:" + rguid(), "finance-team (M365 group)", 6)
D.edge(M365_FIN, MBX_FIN, "can_access", props={"level": "write"})

G_SUPER = role("google:role:super-admin", "Google Workspace Super Admin", 10, ["tier0"])
D.edge(G_SUPER, GOOGLE_IDP, "admin_of")
G_GROUPS = {
    "engineering": group("google:group:eng@" + DOMAIN, "eng@" + DOMAIN, 4),
    "finance": group("google:group:finance@" + DOMAIN, "finance@" + DOMAIN, 6),
    "marketing": group("google:group:marketing@" + DOMAIN, "marketing@" + DOMAIN, 3),
    "security": group("google:group:security@" + DOMAIN, "security@" + DOMAIN, 5),
}
D.edge(G_GROUPS["engineering"], G_ENG, "can_access", props={"level": "write"})
D.edge(G_GROUPS["engineering"], G_BQ, "can_access", props={"level": "read"})
D.edge(G_GROUPS["finance"], G_FIN, "can_access", props={"level": "write"})
D.edge(G_GROUPS["marketing"], G_MKT, "can_access", props={"level": "write"})
D.edge(G_GROUPS["security"], G_BQ, "can_access", props={"level": "read"})
D.edge(G_GROUPS["security"], G_ENG, "can_access", props={"level": "read"})

SLACK_ADMINS = role("slack:role:workspace-admins", "Slack workspace admins", 7)
D.edge(SLACK_ADMINS, SLACK, "admin_of")
CI_ADMINS = role("ci:role:admins", "CI organization admins", 9)
D.edge(CI_ADMINS, CI, "admin_of")
SF_SYSADMIN = role("salesforce:role:%s/SystemAdministrator" % SF_ORG, "Salesforce System Administrator", 9)
D.edge(SF_SYSADMIN, SF, "admin_of")

ARN_ROLE = lambda acct, name: "aws:role:arn:aws:iam::%s:role/%s" % (acct, name)  # noqa: E731
SSO_SUFFIX = lambda: "_" + rs("0123456789abcdef", 16)  # noqa: E731
AWS_ROLES = {}


def aws_role(key, acct, name, crit, tags, props=None):
    AWS_ROLES[key] = role(ARN_ROLE(acct, name), name, crit, tags, dict(props or {}, account_id=acct))
    return AWS_ROLES[key]


aws_role("dev-developer", AWS_DEV, "aws-reserved/sso.amazonaws.com/AWSReservedSSO_Developer" + SSO_SUFFIX(), 4,
         ["env:dev"], {"permission_set": "Developer"})
aws_role("prod-readonly", AWS_PROD, "aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly" + SSO_SUFFIX(), 6,
         ["env:prod"], {"permission_set": "ReadOnly"})
aws_role("prod-platformadmin", AWS_PROD,
         "aws-reserved/sso.amazonaws.com/AWSReservedSSO_PlatformAdmin" + SSO_SUFFIX(), 10,
         ["env:prod", "tier0"], {"permission_set": "PlatformAdmin"})
aws_role("mgmt-admin", AWS_MGMT, "aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess" + SSO_SUFFIX(),
         10, ["tier0"], {"permission_set": "AdministratorAccess"})
aws_role("prod-security-audit", AWS_PROD, "aws-reserved/sso.amazonaws.com/AWSReservedSSO_SecurityAudit" + SSO_SUFFIX(),
         6, ["env:prod"], {"permission_set": "SecurityAudit"})
aws_role("dev-ci-deploy", AWS_DEV, "ci-deploy", 5, ["env:dev"])
aws_role("prod-deployer", AWS_PROD, "prod-deployer", 9, ["env:prod"])
aws_role("prod-terraform-apply", AWS_PROD, "terraform-apply", 10, ["env:prod", "tier0"],
         {"attached_policies": ["arn:aws:iam::aws:policy/AdministratorAccess"]})
aws_role("prod-org-access", AWS_PROD, "OrganizationAccountAccessRole", 10, ["env:prod", "tier0"])
aws_role("prod-payments-irsa", AWS_PROD, "payments-api-irsa", 8, ["env:prod"])
aws_role("prod-backup", AWS_PROD, "backup-agent", 7, ["env:prod"])

R = AWS_ROLES
for src, dst, lvl in [("dev-developer", R_DEVS3, "write"), ("dev-developer", R_DEVDB, "write"),
                      ("dev-developer", R_ARTIF, "write"), ("prod-readonly", R_DDB, "read"),
                      ("prod-readonly", R_BACKUP, "read"), ("prod-security-audit", R_TRAIL, "read"),
                      ("dev-ci-deploy", R_ARTIF, "write"), ("prod-deployer", R_ORDERS, "write"),
                      ("prod-deployer", R_PAYSEC, "read"), ("prod-deployer", R_DDB, "write"),
                      ("prod-payments-irsa", R_PAYSEC, "read"), ("prod-payments-irsa", R_ORDERS, "write"),
                      ("prod-backup", R_BACKUP, "write"), ("prod-backup", R_ORDERS, "read")]:
    D.edge(R[src], dst, "can_access", props={"level": lvl})
for src, acct in [("prod-platformadmin", AWS_PROD), ("mgmt-admin", AWS_MGMT), ("prod-terraform-apply", AWS_PROD),
                  ("prod-org-access", AWS_PROD)]:
    D.edge(R[src], AWS_ACCT[acct], "admin_of", props={"policy": "AdministratorAccess"})
for r_ in [R_CUST, R_ORDERS, R_PAYSEC, R_BACKUP, R_DDB]:
    D.edge(R["prod-platformadmin"], r_, "can_access", props={"level": "admin"})
D.edge(R["dev-ci-deploy"], R["prod-deployer"], "can_assume", props={"action": "sts:AssumeRole", "chain": "dev -> prod"})
D.edge(R["mgmt-admin"], R["prod-org-access"], "can_assume", props={"action": "sts:AssumeRole"})
D.edge(R["prod-deployer"], EKS_PROD, "can_access", props={"level": "write", "eks_access_entry": "deployers"})

K_EDIT = role("k8s:role:prod-eks/payments/edit", "RoleBinding payments/deployer-edit -> ClusterRole edit", 8,
              ["env:prod"])
K_ADMIN = role("k8s:role:prod-eks/cluster-admin", "ClusterRoleBinding break-glass -> cluster-admin", 10,
               ["env:prod", "tier0"])
D.edge(K_EDIT, K_PAY, "can_access", props={"level": "write"})
D.edge(K_ADMIN, EKS_PROD, "admin_of")
D.edge(K_ADMIN, K_SYS, "admin_of")
D.edge(R["prod-platformadmin"], K_ADMIN, "can_assume", props={"via": "EKS access entry cluster-admin"})

# ----------------------------------------------------------------------------------------------
# per-person identities
# ----------------------------------------------------------------------------------------------

CHROME = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6_1) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/131.0.6778.86 Safari/537.36")
EDGE_WIN = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.51")
OFFICE_NET = ["198.51.100.%d" % i for i in range(20, 60)]
HOME_NET = ["192.0.2.%d" % i for i in range(10, 90)]

# BYOD (unmanaged) devices: two salespeople and a marketer
byod = {by_team["sales"][2]["handle"], by_team["sales"][4]["handle"], by_team["marketing"][1]["handle"]}
# sessions without MFA (policy exception for a legacy sales integration)
no_mfa = {by_team["sales"][3]["handle"], by_team["marketing"][2]["handle"]}
# sessions already expired at the analysis time (signed in yesterday, not today)
expired_sess = {by_team["backend"][3]["handle"], by_team["finance"][2]["handle"], by_team["support"][2]["handle"]}

for idx, p in enumerate(people):
    h, email = p["handle"], p["email"]
    enabled = None if p["active"] else False
    p["okta"] = D.node("okta:user:00u" + rs(ALNUM, 17), "user", name=email, person=email,
                       criticality=8 if p in it_admins[:2] else (6 if p["team"] in ("exec", "security") else 4),
                       enabled=enabled,
                       props={"status": "ACTIVE" if p["active"] else "DEPROVISIONED", "department": p["dept"],
                              "title": p["title"],
                              **({"statusChanged": "2026-08-29T17:00:00Z"} if not p["active"] else {})})
    D.edge(p["okta"], OKTA_GROUPS[p["dept"]], "member_of")

    def acct(platform_id, name, crit=3, props=None, requires=None, kind="user", still_enabled=False):
        nid = D.node(platform_id, kind, name=name, person=email, criticality=crit,
                     enabled=None if still_enabled else enabled, props=props)
        D.edge(p["okta"], nid, "sso", requires=requires)
        return nid

    p["m365"] = acct("m365:user:" + rguid(), email, 4, {"tenant_id": TENANT}, ["managed_device"])
    if p["team"] in ("exec", "finance", "it", "security") or h == "dana.kim":
        # individual mailboxes are modelled for people whose mail matters most; everyone reaches M365
        mbx_crit = 9 if p["team"] == "exec" else (7 if p["team"] != "platform" else 5)
        p["mbx"] = res("m365:resource:mailbox/" + email, "mailbox " + email, mbx_crit,
                       ["env:prod"] + (["tier0"] if p["team"] == "exec" else []))
        D.edge(p["m365"], p["mbx"], "can_access", props={"level": "admin", "note": "own mailbox"})
    D.edge(p["m365"], M365, "can_access", props={"level": "read"})
    if p["team"] == "finance" or p["team"] == "exec":
        D.edge(p["m365"], M365_FIN, "member_of")

    p["slack"] = acct("slack:user:U0" + rs(UPPER, 9), h, 3, {"team_id": SLACK_TEAM})
    D.edge(p["slack"], SLACK, "can_access", props={"level": "write"})

    if p["eng"] or p["team"] in ("it", "security", "marketing", "finance"):
        p["google"] = acct("google:user:10" + rdigits(19, "0123456789"), email, 4,
                           {"orgUnitPath": "/" + p["dept"].capitalize()}, ["mfa"])
        D.edge(p["google"], GOOGLE_DRIVE, "can_access", props={"level": "write"})
        gkey = "engineering" if p["eng"] else p["team"] if p["team"] in G_GROUPS else None
        if gkey:
            D.edge(p["google"], G_GROUPS[gkey], "member_of")

    if p["eng"] or p["team"] in ("security", "it"):
        login = h.replace(".", "-")
        # a departed engineer's GitHub account was never removed from the org (no SCIM): still enabled
        p["github"] = acct("github:user:" + rdigits(8), login, 4, {"login": login}, still_enabled=True)
        D.edge(p["github"], GITHUB, "can_access", props={"level": "read"})
        team = p["team"] if p["team"] in GH_TEAMS else None
        if team:
            D.edge(p["github"], GH_TEAMS[team], "member_of")

    if p["team"] in ("platform", "backend", "data", "security", "it"):
        req = ["fresh_mfa"] if p in it_admins[:2] else ["mfa"]
        p["aws"] = acct("aws:user:9067" + rs("0123456789abcdef", 6) + "-" + rguid(), email + " (IAM Identity Center)",
                        4, {"identity_store_id": "d-9067a1b2c3"}, req)
        if p["team"] in ("platform", "backend", "data"):
            D.edge(p["aws"], R["dev-developer"], "can_assume", props={"via": "permission set Developer"})
            D.edge(p["aws"], R["prod-readonly"], "can_assume", props={"via": "permission set ReadOnly"})
        if p["team"] == "security":
            D.edge(p["aws"], R["prod-security-audit"], "can_assume", props={"via": "permission set SecurityAudit"})
        if p["team"] == "it":
            D.edge(p["aws"], R["mgmt-admin"], "can_assume", props={"via": "permission set AdministratorAccess"})

    if p["eng"] or p["team"] == "security":
        p["ci"] = acct("ci:user:" + rguid(), h + " (Acme CI)", 4)
        lvl = "write" if p["team"] in ("platform", "backend") else "read"
        D.edge(p["ci"], CI, "can_access", props={"level": lvl, "note": "deployers can read pipeline secrets"
                                                  if lvl == "write" else "view builds"})

    if p["team"] in ("sales", "support", "exec") or p is by_team["finance"][0]:
        p["sf"] = acct("salesforce:user:0055g0000" + rs(ALNUM, 6) + "AA" + rs(UPPER, 1), email, 4,
                       {"profile": {"sales": "Sales User", "support": "Support Agent"}.get(p["team"], "Standard User")},
                       ["trusted_network"])
        D.edge(p["sf"], SF, "can_access", props={"level": "write"})
        D.edge(p["sf"], SF_OPPS if p["team"] != "support" else SF_CASES, "can_access", props={"level": "write"})
        if p["team"] == "support":
            D.edge(p["sf"], SF_OPPS, "can_access", props={"level": "read"})

# admin role memberships
D.edge(it_admins[0]["okta"], OKTA_SUPER, "member_of", requires=["fresh_mfa"],
       props={"note": "Okta Admin Console requires re-authentication with phishing-resistant factor"})
D.edge(it_admins[1]["okta"], OKTA_SUPER, "member_of",
       props={"note": "legacy assignment, no step-up policy on this admin"})
D.edge(it_admins[2]["okta"], OKTA_HELPDESK, "member_of")
D.edge(it_admins[0]["m365"], M365_GA, "member_of")
D.edge(it_admins[1]["google"], G_SUPER, "member_of")
D.edge(it_admins[0]["slack"], SLACK_ADMINS, "member_of")
D.edge(it_admins[1]["github"], GH_OWNERS, "member_of")
D.edge(by_team["platform"][1]["github"], GH_OWNERS, "member_of")
D.edge(by_team["platform"][1]["ci"], CI_ADMINS, "member_of")
D.edge(by_team["platform"][2]["aws"], R["prod-platformadmin"], "can_assume",
       props={"via": "permission set PlatformAdmin"})
D.edge(by_team["platform"][1]["aws"], R["prod-platformadmin"], "can_assume",
       props={"via": "permission set PlatformAdmin"})
D.edge(by_team["support"][0]["sf"], SF_SYSADMIN, "member_of")

# ----------------------------------------------------------------------------------------------
# devices, sessions, lineage
# ----------------------------------------------------------------------------------------------

ATT_IP = "203.0.113.77"
for idx, p in enumerate(people):
    if not p["active"]:
        continue
    h, email = p["handle"], p["email"]
    managed = h not in byod
    win = p["team"] in ("finance", "sales", "support", "exec") and managed
    p["device"] = D.node("okta:device:guo" + rs(ALNUM, 17), "device",
                         name=("%s-%s" % (h.split(".")[0].upper(), "WIN11" if win else "MBP")) if managed
                         else "%s personal laptop" % h,
                         person=email, criticality=4 if managed else 2,
                         props=dict({"managed": managed, "os": "Windows 11 23H2" if win else "macOS 14.6.1"},
                                    **({"mdm": "Intune" if win else "Jamf Pro"} if managed else {})))
    ua = EDGE_WIN if win else CHROME
    ip = RNG.choice(OFFICE_NET if RNG.random() < 0.6 else HOME_NET)
    if h == "dana.kim":
        sid = "102dana-kim-laptop"
        issued = datetime(2026, 11, 20, 8, 0, 0, tzinfo=timezone.utc)
        ip = "198.51.100.23"
    else:
        sid = "102" + rs(ALNUM, 22)
        if h in expired_sess:
            issued = datetime(2026, 11, 19, 7, 0, 0, tzinfo=timezone.utc) + timedelta(minutes=RNG.randrange(0, 240))
        else:
            issued = datetime(2026, 11, 20, 6, 30, 0, tzinfo=timezone.utc) + timedelta(minutes=RNG.randrange(0, 200))
    bound = managed and h != "dana.kim" and (p["team"] in ("it", "security", "exec", "finance") or RNG.random() < 0.3)
    mfa = h not in no_mfa
    expires = issued + timedelta(hours=12)
    last = max(issued + timedelta(minutes=1),
               min(AT - timedelta(minutes=RNG.randrange(1, 50)), expires - timedelta(minutes=5)))
    p["session"] = D.node("okta:session:" + sid, "session",
                          name="Okta session (%s, %s)" % (h, "Edge" if win else "Chrome"), person=email,
                          issued_at=ts(issued), expires_at=ts(expires), last_used_at=ts(last),
                          revocation="central", device_bound=bound, mfa=mfa,
                          props={"externalSessionId": sid, "ip": ip, "user_agent": ua,
                                 "amr": (["pwd", "okta_verify_push"] if not bound else ["okta_verify_fastpass"])
                                 if mfa else ["pwd"]})
    D.edge(p["device"], p["session"], "holds")
    D.edge(p["session"], p["okta"], "authenticates_as")
    p["sess_issued"], p["sess_ip"], p["sess_ua"] = issued, ip, ua

    # lineage: app sessions minted from the Okta session (apps without device/network conditions)
    children = []
    if p["dept"] not in ("engineering", "it", "security"):
        pass  # lineage (System Log SSO events) was only exported for technical staff
    elif "slack" in p:
        children.append(("slack", "slack:session:" + rdigits(10), p["slack"], timedelta(days=14), "per_app"))
    if "github" in p and p["dept"] in ("engineering", "it", "security"):
        children.append(("github", "github:session:" + rdigits(10), p["github"], timedelta(days=14), "per_app"))
    if "ci" in p:
        children.append(("ci", "ci:session:s-" + rs("0123456789abcdef", 16), p["ci"], timedelta(hours=24), "per_app"))
    if "aws" in p and mfa and p not in it_admins[:2]:
        children.append(("aws", "aws:session:portal-" + rs("0123456789abcdef", 16), p["aws"], timedelta(hours=8),
                         "per_app"))
    if "google" in p and mfa and p["dept"] in ("engineering", "it", "security"):
        children.append(("google", "google:session:" + rs(ALNUM, 20), p["google"], timedelta(days=14), "per_app"))
    if h != "dana.kim":
        # the System Log export only shows some of each person's SSO events
        children = [c for c in children if RNG.random() < 0.5]
    offset = 3
    for plat, cid, target, life, rev in children:
        offset += RNG.randrange(2, 25)
        when = issued + timedelta(minutes=offset)
        if when >= AT:
            continue
        c_exp = when + life
        dead_child = c_exp <= AT
        if dead_child and RNG.random() < 0.5:
            continue
        D.node(cid, "session", name="%s session (%s) via Okta SSO" % (plat, h), person=email,
               issued_at=ts(when), expires_at=ts(c_exp),
               last_used_at=ts(max(when + timedelta(minutes=1),
                                   min(AT - timedelta(minutes=RNG.randrange(1, 30)), c_exp - timedelta(minutes=1)))),
               revocation=rev, mfa=mfa)
        D.edge(p["session"], cid, "issued", at=ts(when),
               props={"ip": ip, "user_agent": ua, "okta_event": "user.authentication.sso"})
        D.edge(cid, target, "authenticates_as")
        p.setdefault("children", {})[plat] = cid

# dana: the attacker already replayed the session from 203.0.113.77 and minted more children
dana = P["dana.kim"]
D.index[dana["session"]]["props"]["last_seen_ip"] = ATT_IP
D.index[dana["session"]]["last_used_at"] = "2026-11-20T09:58:41Z"
late = [("slack", "slack:session:7144398812", dana["slack"], "2026-11-20T09:14:55Z", "2026-12-04T09:14:55Z"),
        ("ci", "ci:session:s-7c41e0a9b2d34f18", dana["ci"], "2026-11-20T09:20:13Z", "2026-11-21T09:20:13Z")]
for plat, cid, target, when, exp in late:
    D.node(cid, "session", name="%s session (dana.kim) minted from %s" % (plat, ATT_IP), person=dana["email"],
           issued_at=when, expires_at=exp, last_used_at="2026-11-20T09:57:02Z", revocation="per_app", mfa=True)
    D.edge(dana["session"], cid, "issued", at=when,
           props={"ip": ATT_IP, "user_agent": CHROME, "okta_event": "user.authentication.sso"})
    D.edge(cid, target, "authenticates_as")
# dana's own GitHub CLI login, minted from her GitHub web session shortly after SSO
cli_at = ts(datetime.strptime(D.index[dana["children"]["github"]]["issued_at"], "%Y-%m-%dT%H:%M:%SZ")
            .replace(tzinfo=timezone.utc) + timedelta(minutes=13, seconds=10))
gh_cli = D.node("github:token:oauth-2718849", "token", name="GitHub CLI OAuth token (dana-kim)", person=dana["email"],
                criticality=5, token_type="access", scopes=["repo", "read:org", "workflow", "gist"],
                issued_at=cli_at, last_used_at="2026-11-20T09:44:09Z", revocation="per_app",
                props={"oauth_app": "GitHub CLI", "fingerprint": fp()})
D.edge(dana["children"]["github"], gh_cli, "issued", at=cli_at,
       props={"ip": dana["sess_ip"], "user_agent": "GitHub CLI 2.63.0", "flow": "device authorization"})
D.edge(gh_cli, dana["github"], "authenticates_as")
# AWS role credentials minted from dana's IAM Identity Center portal session
if "aws" in dana["children"]:
    sts = D.node("aws:token:ASIA" + rs(UPPER[:26] + "234567", 16), "token",
                 name="STS credentials AWSReservedSSO_Developer/dana.kim", person=dana["email"], criticality=4,
                 tags=["env:dev"], token_type="access", issued_at="2026-11-20T09:05:00Z",
                 expires_at="2026-11-20T13:05:00Z", last_used_at="2026-11-20T09:40:00Z", revocation="ttl_only",
                 props={"role_session_name": "dana.kim@acme.example"})
    D.edge(dana["children"]["aws"], sts, "issued", at="2026-11-20T09:05:00Z",
           props={"ip": dana["sess_ip"], "user_agent": "aws-cli/2.22.4 md/awscrt#0.22.0 ua/2.0 os/macos#23.6.0",
                  "api": "sso:GetRoleCredentials"})
    for r_ in (R_DEVS3, R_DEVDB, R_ARTIF):
        D.edge(sts, r_, "can_access", props={"level": "write", "via": "AWSReservedSSO_Developer"})

# Microsoft 365 refresh tokens held by devices (Outlook / Teams desktop)
for p in people:
    if not p["active"] or RNG.random() > 0.25:
        continue
    iss = datetime(2026, 9, 1, tzinfo=timezone.utc) + timedelta(hours=RNG.randrange(0, 24 * 70))
    tok = D.node("m365:token:rt-" + rguid(), "token", name="Entra refresh token (Outlook desktop, %s)" % p["handle"],
                 person=p["email"], criticality=4, token_type="refresh",
                 scopes=["openid", "offline_access", "https://outlook.office.com/.default"],
                 issued_at=ts(iss), expires_at=ts(iss + timedelta(days=90)),
                 last_used_at=at_offset(minutes=-RNG.randrange(2, 600)), revocation="central",
                 device_bound=D.index[p["device"]]["props"]["managed"] and RNG.random() < 0.5,
                 props={"client_id": "d3590ed6-52b3-4102-aeff-aad2292ab01c", "client": "Microsoft Office", "foci": True})
    D.edge(p["device"], tok, "holds")
    D.edge(tok, p["m365"], "authenticates_as")

# ----------------------------------------------------------------------------------------------
# non-human identities and their credentials
# ----------------------------------------------------------------------------------------------

CI_PROD = D.node("ci:workload:agent-prod-deploy-01", "workload", name="CI agent prod-deploy-01", criticality=8,
                 tags=["env:prod"], props={"host": "i-0" + rs("0123456789abcdef", 16), "queue": "prod-deploy"})
CI_DEV = D.node("ci:workload:agent-dev-07", "workload", name="CI agent dev-07", criticality=4, tags=["env:dev"],
                props={"host": "i-0" + rs("0123456789abcdef", 16), "queue": "default"})
BACKUP_WL = D.node("aws:workload:arn:aws:lambda:eu-west-1:%s:function:nightly-backup" % AWS_PROD, "workload",
                   name="Lambda nightly-backup", criticality=7, tags=["env:prod"])
LOOKER_WL = D.node("google:workload:looker-export-cron", "workload", name="Looker export cron (GCE vm looker-etl-1)",
                   criticality=6, tags=["env:prod"])


def token(nid, name, ttype, crit=5, issued=None, expires=None, last=None, rev="none", scopes=None, props=None,
          enabled=None, tags=None, person=None):
    return D.node(nid, "token", name=name, person=person, criticality=crit, enabled=enabled, tags=tags,
                  token_type=ttype, scopes=scopes, issued_at=issued, expires_at=expires, last_used_at=last,
                  revocation=rev, props=props)


def iam_user(name, acct, owner, crit=6, props=None):
    sa = D.node("aws:service_account:arn:aws:iam::%s:user/%s" % (acct, name), "service_account",
                name="IAM user %s" % name, criticality=crit,
                props=dict(props or {}, account_id=acct, user_id="AIDA" + rs(UPPER[:26] + "234567", 17)))
    if owner:
        D.edge(owner, sa, "owns", props={"source": "tag owner"})
    return sa


def akia(user_sa, name, created, last, enabled=None, props=None, crit=6):
    kid = "AKIA" + rs(UPPER[:26] + "234567", 16)
    t = token("aws:token:" + kid, "access key %s (%s)" % (kid, name), "access_key", crit, issued=created, last=last,
              rev="none", enabled=enabled, props=dict(props or {}, user_name=name, fingerprint=fp(),
                                                       status="Inactive" if enabled is False else "Active"))
    D.edge(t, user_sa, "authenticates_as")
    return t


plead = platform_lead
# ci-deployer: dev account IAM user, can assume dev ci-deploy, which chains to prod-deployer
ci_dep = iam_user("ci-deployer", AWS_DEV, plead["aws"])
D.edge(ci_dep, R["dev-ci-deploy"], "can_assume", props={"action": "sts:AssumeRole"})
k_ci = akia(ci_dep, "ci-deployer", "2024-03-14T11:02:00Z", "2026-11-20T09:00:02Z",
            props={"stored_as": "CI secret AWS_ACCESS_KEY_ID"})
D.edge(CI, k_ci, "holds", props={"secret_name": "AWS_ACCESS_KEY_ID"})
D.edge(CI_PROD, k_ci, "holds", props={"env": "AWS_ACCESS_KEY_ID"})
# terraform-ci: management account user that can assume terraform-apply in prod (admin => persistence)
tf = iam_user("terraform-ci", AWS_MGMT, plead["aws"], 8)
D.edge(tf, R["prod-terraform-apply"], "can_assume", props={"action": "sts:AssumeRole"})
k_tf = akia(tf, "terraform-ci", "2023-01-09T10:00:00Z", "2026-11-20T06:12:40Z", crit=8)
D.edge(CI, k_tf, "holds", props={"secret_name": "TF_AWS_ACCESS_KEY_ID"})
D.edge(CI_PROD, k_tf, "holds", props={"env": "AWS_ACCESS_KEY_ID"})
# live STS session of the prod deploy (ttl_only), minted by ci-deployer's chain
sts_dep = token("aws:token:ASIA" + rs(UPPER[:26] + "234567", 16), "STS session prod-deployer/ci-deploy-8841", "access",
                7, issued="2026-11-20T09:00:05Z", expires="2026-11-20T11:00:05Z", last="2026-11-20T09:41:37Z",
                rev="ttl_only", tags=["env:prod"],
                props={"assumed_role": "arn:aws:sts::%s:assumed-role/prod-deployer/ci-deploy-8841" % AWS_PROD})
D.edge(k_ci, sts_dep, "issued", at="2026-11-20T09:00:05Z",
       props={"ip": "198.51.100.140", "user_agent": "aws-cli/2.22.4 Python/3.12.6 Linux/6.1.115", "api": "sts:AssumeRole"})
D.edge(CI_PROD, sts_dep, "holds", props={"env": "AWS_SESSION_TOKEN"})
for r_, lvl in [(R_ORDERS, "write"), (R_PAYSEC, "read"), (R_DDB, "write")]:
    D.edge(sts_dep, r_, "can_access", props={"level": lvl, "via": "assumed-role/prod-deployer"})
# backup-agent: prod IAM user used by a lambda; key also still in CI (sprawl)
bk = iam_user("backup-agent", AWS_PROD, it_admins[2]["aws"] if "aws" in it_admins[2] else it_admins[2]["okta"])
D.edge(bk, R["prod-backup"], "can_assume", props={"action": "sts:AssumeRole"})
k_bk = akia(bk, "backup-agent", "2022-06-01T08:00:00Z", "2026-11-20T02:00:11Z")
D.edge(BACKUP_WL, k_bk, "holds", props={"env": "AWS_ACCESS_KEY_ID"})
# legacy-reporting: owned by the departed engineer, key unused for > a year, reads customer data
legacy = iam_user("legacy-reporting", AWS_PROD, leaver_eng["aws"], 7)
D.edge(legacy, R_CUST, "can_access", props={"level": "read", "policy": "inline: s3:GetObject on *"})
k_legacy = akia(legacy, "legacy-reporting", "2021-02-10T12:00:00Z", "2025-07-02T03:14:00Z", crit=7)
D.edge(LOOKER_WL, k_legacy, "holds", props={"file": "/etc/looker/aws.env"})
# s3-uploader: key already deactivated (dead)
upl = iam_user("s3-uploader", AWS_DEV, plead["aws"], 3)
D.edge(upl, R_ARTIF, "can_access", props={"level": "write"})
k_upl = akia(upl, "s3-uploader", "2022-09-01T00:00:00Z", "2025-01-15T00:00:00Z", enabled=False, crit=3)
D.edge(CI_DEV, k_upl, "holds")
# partner-sftp: key pasted in a Salesforce support case (secret in a widely readable place)
sftp = iam_user("partner-sftp", AWS_PROD, it_admins[2]["aws"] if "aws" in it_admins[2] else it_admins[2]["okta"], 6)
D.edge(sftp, R_BACKUP, "can_access", props={"level": "read", "prefix": "exports/partners/"})
k_sftp = akia(sftp, "partner-sftp", "2025-11-02T09:00:00Z", "2026-11-18T16:45:00Z",
              props={"found_in": "Salesforce Case 00031244 comment"})
D.edge(SF_CASES, k_sftp, "holds", props={"case_number": "00031244"})

# Kubernetes service accounts
def k8s_sa(ns, name, cluster="prod-eks", crit=6, owner=None):
    sa = D.node("k8s:service_account:%s/%s/%s" % (cluster, ns, name), "service_account",
                name="system:serviceaccount:%s:%s (%s)" % (ns, name, cluster), criticality=crit,
                tags=["env:prod" if cluster == "prod-eks" else "env:dev"],
                props={"uid": rguid()})
    if owner:
        D.edge(owner, sa, "owns")
    return sa


k_deployer = k8s_sa("ci", "deployer", crit=8, owner=plead["github"])
D.edge(k_deployer, K_EDIT, "member_of")
D.edge(k_deployer, R["prod-deployer"], "can_assume",
       props={"annotation": "eks.amazonaws.com/role-arn", "mechanism": "IRSA"})
k_tok = token("k8s:token:prod-eks/ci/deployer-token-x7k2p", "legacy SA token secret ci/deployer-token-x7k2p", "other", 8,
              issued="2023-05-01T00:00:00Z", last="2026-11-19T00:00:00Z", rev="none", tags=["env:prod"],
              props={"secret": "ci/deployer-token-x7k2p", "kubernetes.io/legacy-token-last-used": "2026-11-19"})
D.edge(k_tok, k_deployer, "authenticates_as")
D.edge(CI, k_tok, "holds", props={"secret_name": "KUBE_TOKEN_PROD"})
k_pay = k8s_sa("payments", "payments-api", crit=8, owner=by_team["backend"][0]["github"])
D.edge(k_pay, R["prod-payments-irsa"], "can_assume", props={"annotation": "eks.amazonaws.com/role-arn"})
pod = D.node("k8s:workload:prod-eks/payments/payments-api-7d9f8c6b5-x2k4q", "workload",
             name="pod payments-api-7d9f8c6b5-x2k4q", criticality=8, tags=["env:prod"])
bound = token("k8s:token:prod-eks/payments/payments-api/bound-" + rs("0123456789abcdef", 8),
              "projected SA token (payments-api pod)", "access", 6, issued="2026-11-20T09:31:00Z",
              expires="2026-11-20T10:31:00Z", rev="ttl_only", tags=["env:prod"],
              props={"audience": "sts.amazonaws.com", "bound_to": "pod payments-api-7d9f8c6b5-x2k4q"})
D.edge(pod, bound, "holds")
D.edge(bound, k_pay, "authenticates_as")
k_old = k8s_sa("monitoring", "old-prometheus", crit=5)
D.edge(k_old, K_ADMIN, "member_of", props={"note": "stale ClusterRoleBinding"})
k_old_tok = token("k8s:token:prod-eks/monitoring/old-prometheus-token-9qz1m", "legacy SA token (invalidated)", "other", 5,
                  issued="2022-03-01T00:00:00Z", last="2025-02-01T00:00:00Z", rev="none", enabled=False,
                  props={"kubernetes.io/legacy-token-invalid-since": "2026-02-01"})
D.edge(k_old_tok, k_old, "authenticates_as")
D.edge(CI_DEV, k_old_tok, "holds")
k_dev = k8s_sa("default", "dev-runner", cluster="dev-eks", crit=2)
D.edge(k_dev, K_DEV, "can_access", props={"level": "write"})

# Vault
v_ci = token("vault:token:accessor-" + rs(ALNUM, 24), "Vault token (approle ci-prod)", "other", 9,
             issued="2026-11-10T00:00:00Z", expires="2026-12-10T00:00:00Z", last="2026-11-20T09:00:20Z",
             rev="central", tags=["env:prod"], props={"policies": ["ci-prod-read"], "renewable": True})
D.edge(CI, v_ci, "holds", props={"secret_name": "VAULT_TOKEN"})
D.edge(CI_PROD, v_ci, "holds")
D.edge(v_ci, V_PROD, "can_access", props={"level": "read", "policy": "ci-prod-read"})
v_root = role("vault:role:vault-admins", "Vault policy admin (OIDC group vault-admins)", 10, ["tier0"])
D.edge(v_root, VAULT, "admin_of")
D.edge(it_admins[0]["okta"], v_root, "member_of", props={"via": "OIDC auth method, group claim"})
D.edge(by_team["platform"][1]["okta"], v_root, "member_of", props={"via": "OIDC auth method, group claim"})
for p in by_team["platform"] + by_team["backend"]:
    if p["active"]:
        D.edge(p["okta"], V_DEV, "can_access", props={"level": "write", "via": "OIDC auth method"})

# Google service accounts: data-export with domain-wide delegation (key stored in Vault kv/prod)
g_sa = D.node("google:service_account:data-export@%s.iam.gserviceaccount.com" % GCP_PROJECT, "service_account",
              name="data-export@%s.iam.gserviceaccount.com" % GCP_PROJECT, criticality=9, tags=["env:prod"],
              props={"uniqueId": rdigits(21), "oauth2ClientId": rdigits(21),
                     "domain_wide_delegation_scopes": ["https://www.googleapis.com/auth/drive.readonly",
                                                       "https://www.googleapis.com/auth/calendar.readonly"]})
D.edge(leaver_eng["google"], g_sa, "owns")
g_key = token("google:token:%s/keys/%s" % (GCP_PROJECT, rs("0123456789abcdef", 40)),
              "user-managed key of data-export SA", "private_key", 9, issued="2022-11-03T12:00:00Z",
              last="2026-11-20T03:00:00Z", rev="none", props={"keyType": "USER_MANAGED", "validBeforeTime": "9999-12-31T23:59:59Z"})
D.edge(g_key, g_sa, "authenticates_as")
D.edge(V_PROD, g_key, "holds", props={"path": "kv/prod/gcp/data-export"})
D.edge(LOOKER_WL, g_key, "holds", props={"file": "/etc/looker/sa.json"})
D.edge(g_sa, G_BQ, "can_access", props={"level": "write"})
# domain-wide delegation with narrow scopes: modelled as can_access on what the scopes reach
for target in (GOOGLE_DRIVE, G_ENG, G_FIN, G_MKT, GOOGLE_CAL):
    D.edge(g_sa, target, "can_access",
           props={"level": "read", "mechanism": "domain-wide delegation (any user in the domain)",
                  "scopes": ["drive.readonly"] if target != GOOGLE_CAL else ["calendar.readonly"]})
g_looker = D.node("google:service_account:looker@%s.iam.gserviceaccount.com" % GCP_PROJECT, "service_account",
                  name="looker@%s.iam.gserviceaccount.com" % GCP_PROJECT, criticality=6, tags=["env:prod"])
D.edge(by_team["data"][0]["google"], g_looker, "owns")
D.edge(g_looker, G_BQ, "can_access", props={"level": "read"})
g_lkey = token("google:token:%s/keys/%s" % (GCP_PROJECT, rs("0123456789abcdef", 40)), "user-managed key of looker SA",
               "private_key", 6, issued="2025-12-01T00:00:00Z", expires="2026-12-01T00:00:00Z",
               last="2026-11-20T05:00:00Z", rev="none")
D.edge(g_lkey, g_looker, "authenticates_as")
D.edge(LOOKER_WL, g_lkey, "holds")

# GitHub: release bot GitHub App (private key in CI), PATs
gh_rel = D.node("github:service_account:acme-release-bot[bot]", "service_account", name="acme-release-bot[bot] (GitHub App)",
                criticality=7, props={"app_id": int(rdigits(6)), "installation_id": int(rdigits(8))})
D.edge(by_team["platform"][1]["github"], gh_rel, "owns")
for slug in ("sdk", "web-app", "payments-api", "infra"):
    D.edge(gh_rel, REPOS[slug], "can_access", props={"level": "write", "permissions": ["contents:write", "packages:write"]})
gh_rel_key = token("github:token:app-key-acme-release-bot-" + rs("0123456789abcdef", 8), "GitHub App private key (acme-release-bot)",
                   "private_key", 7, issued="2024-06-01T00:00:00Z", last="2026-11-20T09:10:00Z", rev="none",
                   props={"fingerprint": fp()})
D.edge(gh_rel_key, gh_rel, "authenticates_as")
D.edge(CI, gh_rel_key, "holds", props={"secret_name": "RELEASE_BOT_PEM"})
pat_specs = [
    (by_team["backend"][1], "release-script", ["contents:write"], ["sdk"], "2026-03-01", "2027-03-01", None),
    (by_team["frontend"][0], "local-dev", ["contents:read"], ["web-app", "mobile-app"], "2026-06-10", "2026-12-10", None),
    (by_team["data"][1], "airflow-sync", ["contents:read"], ["data-pipeline"], "2025-09-01", "2026-09-30", None),
    (leaver_eng, "infra-hotfix", ["contents:write", "workflows:write"], ["infra", "secrets-ops"], "2025-04-01", None, None),
    (dana, "ci-deploy", ["contents:write", "pull_requests:write"], ["infra", "payments-api"], "2026-02-01", "2027-02-01", CI),
]
for owner, tname, perms, repos, created, exp, holder in pat_specs:
    pid = rdigits(7)
    t = token("github:token:pat-" + pid, "fine-grained PAT %s (%s)" % (tname, owner["handle"]), "pat",
              7 if "write" in perms[0] else 4, issued=created + "T10:00:00Z",
              expires=(exp + "T10:00:00Z") if exp else None,
              last=at_offset(hours=-RNG.randrange(1, 400)) if tname != "airflow-sync" else "2026-09-29T23:00:00Z",
              rev="central", scopes=perms, person=owner["email"],
              props={"pat_grant_id": int(pid), "owner_login": owner["handle"].replace(".", "-"), "fingerprint": fp()})
    for slug in repos:
        D.edge(t, REPOS[slug], "can_access", props={"level": "write" if any("write" in x for x in perms) else "read"})
    if holder:
        D.edge(holder, t, "holds", props={"secret_name": "GITHUB_DEPLOY_TOKEN"})
    else:
        D.edge(owner["device"] if owner["active"] else CI_DEV, t, "holds")

# Slack bot: deploybot (token in CI), owned by dana
sl_deploy = D.node("slack:service_account:B0" + rs(UPPER, 9), "service_account", name="deploybot (Slack bot user)",
                   criticality=4, props={"app_id": "A0" + rs(UPPER, 9)})
D.edge(dana["slack"], sl_deploy, "owns")
D.edge(sl_deploy, SLACK, "can_access", props={"scopes": ["chat:write", "channels:read"]})
sl_tok = token("slack:token:bot-deploybot-" + rs("0123456789abcdef", 8), "deploybot bot token", "access", 4,
               issued="2024-01-20T00:00:00Z", last="2026-11-20T09:01:00Z", rev="per_app",
               scopes=["chat:write", "channels:read"], props={"fingerprint": fp()})
D.edge(sl_tok, sl_deploy, "authenticates_as")
D.edge(CI, sl_tok, "holds", props={"secret_name": "SLACK_BOT_TOKEN"})

# Okta NHIs: API token of a super admin, an expired one, a SCIM service app
okta_api = token("okta:token:00T" + rs(ALNUM, 17), "Okta API token 'hr-sync' (created by %s)" % it_admins[1]["handle"],
                 "api_key", 9, issued="2025-05-12T09:00:00Z", expires="2026-12-12T09:00:00Z", last="2026-11-20T04:00:00Z",
                 rev="central", props={"tokenWindow": "P30D", "clientName": "Okta API", "network": "ANYWHERE"})
D.edge(okta_api, it_admins[1]["okta"], "authenticates_as", props={"note": "API tokens act with the creating admin's privileges"})
HR_WL = D.node("okta:workload:hr-sync-job", "workload", name="HR sync job (workday -> okta)", criticality=6)
D.edge(HR_WL, okta_api, "holds")
okta_api_old = token("okta:token:00T" + rs(ALNUM, 17), "Okta API token 'old-reporting'", "api_key", 6,
                     issued="2025-09-01T09:00:00Z", expires="2026-10-01T09:00:00Z", last="2026-08-31T10:00:00Z",
                     rev="central")
D.edge(okta_api_old, it_admins[2]["okta"], "authenticates_as")
D.edge(HR_WL, okta_api_old, "holds")
scim = D.node("okta:service_account:0oa" + rs(ALNUM, 17), "service_account", name="scim-bridge (Okta service app)",
              criticality=7, props={"application_type": "service", "grant_types": ["client_credentials"],
                                    "scopes": ["okta.users.manage", "okta.groups.manage"]})
D.edge(it_admins[0]["okta"], scim, "owns")
D.edge(scim, OKTA_IDP, "admin_of", props={"scopes": ["okta.users.manage", "okta.groups.manage"],
                                         "note": "can create and modify users and groups"})
scim_sec = token("okta:token:client-secret-" + rs(ALNUM, 12), "client secret of scim-bridge", "client_secret", 7,
                 issued="2024-10-01T00:00:00Z", last="2026-11-20T08:00:00Z", rev="none", props={"fingerprint": fp()})
D.edge(scim_sec, scim, "authenticates_as")
D.edge(HR_WL, scim_sec, "holds")

# Microsoft 365 app-only mail archiver
m_arch = D.node("m365:service_account:" + rguid(), "service_account", name="mail-archiver (service principal)",
                criticality=9, tags=["env:prod"], props={"appRoles": ["Mail.Read"]})
D.edge(it_admins[0]["m365"], m_arch, "owns")
D.edge(m_arch, MBX_ALL, "can_access", props={"role": "Mail.Read"})
ARCH_WL = D.node("m365:workload:archiver-vm-01", "workload", name="archiver-vm-01", criticality=7, tags=["env:prod"])
m_cert = token("m365:token:" + rguid(), "certificate of mail-archiver", "private_key", 9, issued="2025-03-01T00:00:00Z",
               expires="2027-03-01T00:00:00Z", last="2026-11-20T09:00:00Z", rev="none", props={"thumbprint_fingerprint": fp()})
D.edge(m_cert, m_arch, "authenticates_as")
D.edge(ARCH_WL, m_cert, "holds")

# ----------------------------------------------------------------------------------------------
# third-party integration: Statusbot (OAuth grants with refresh tokens, GitHub App, Slack bot)
# ----------------------------------------------------------------------------------------------

sb_slack_bot = D.node("slack:service_account:B0" + rs(UPPER, 9), "service_account", name="statusbot (Slack bot user)",
                      criticality=4)
sb_grant = D.node("slack:oauth_grant:statusbot-" + SLACK_TEAM, "oauth_grant", name="Statusbot Slack app installation",
                  criticality=5, scopes=["channels:history", "chat:write", "users:read", "files:read"],
                  issued_at="2025-02-11T14:00:00Z", last_used_at="2026-11-20T09:50:00Z", revocation="central",
                  props={"app_id": "A0" + rs(UPPER, 9)})
D.edge(it_admins[0]["slack"], sb_grant, "consented", at="2025-02-11T14:00:00Z")
D.edge(STATUSBOT, sb_grant, "holds")
D.edge(sb_grant, SLACK, "can_access", props={"scopes": ["channels:history", "chat:write", "users:read", "files:read"]})
sb_bot_tok = token("slack:token:bot-statusbot-" + rs("0123456789abcdef", 8), "statusbot bot token", "access", 5,
                   issued="2025-02-11T14:00:00Z", last="2026-11-20T09:50:00Z", rev="per_app",
                   scopes=["channels:history", "chat:write", "users:read", "files:read"])
D.edge(sb_grant, sb_bot_tok, "issued", at="2025-02-11T14:00:00Z",
       props={"ip": "52.14.77.190", "user_agent": "Statusbot/3.2 (+https://statusbot.example)"})
D.edge(STATUSBOT, sb_bot_tok, "holds")
D.edge(sb_bot_tok, sb_slack_bot, "authenticates_as")
D.edge(sb_slack_bot, SLACK, "can_access", props={"scopes": ["channels:history", "chat:write", "users:read", "files:read"]})

sb_gh = D.node("github:service_account:statusbot[bot]", "service_account", name="statusbot[bot] (GitHub App installation)",
               criticality=4, props={"installation_id": int(rdigits(8))})
sb_gh_grant = D.node("github:oauth_grant:installation-statusbot", "oauth_grant", name="Statusbot GitHub App installation",
                     criticality=4, scopes=["metadata:read", "issues:write", "deployments:read", "contents:read"],
                     issued_at="2025-03-04T10:00:00Z", revocation="central")
D.edge(it_admins[1]["github"], sb_gh_grant, "consented", at="2025-03-04T10:00:00Z")
D.edge(STATUSBOT, sb_gh_grant, "holds")
for slug in ("statusbot-config", "web-app", "payments-api", "docs"):
    D.edge(sb_gh_grant, REPOS[slug], "can_access", props={"level": "read"})
    D.edge(sb_gh, REPOS[slug], "can_access", props={"level": "read"})
sb_gh_key = token("github:token:app-key-statusbot-" + rs("0123456789abcdef", 8), "Statusbot GitHub App private key (vendor-held)",
                  "private_key", 5, issued="2023-08-01T00:00:00Z", rev="none", props={"fingerprint": fp()})
D.edge(STATUSBOT, sb_gh_key, "holds")
D.edge(sb_gh_key, sb_gh, "authenticates_as")

# Google Calendar grants by individual users, each with a refresh token held by Statusbot
sb_client = "%s-st4tusb0tc4l.apps.googleusercontent.com" % rdigits(12)
for p in people:
    if not p["active"] or "google" not in p or RNG.random() > 0.25:
        continue
    gid = p["google"].split(":")[-1]
    iss = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(hours=RNG.randrange(0, 24 * 300))
    gr = D.node("google:oauth_grant:%s/%s" % (gid, sb_client.split("-")[0]), "oauth_grant",
                name="Statusbot calendar grant (%s)" % p["handle"], person=p["email"], criticality=3,
                scopes=["openid", "email", "https://www.googleapis.com/auth/calendar.readonly"], issued_at=ts(iss),
                revocation="central", props={"clientId": sb_client, "displayText": "Statusbot"})
    D.edge(p["google"], gr, "consented", at=ts(iss))
    D.edge(STATUSBOT, gr, "holds")
    rt = token("google:token:rt-%s-%s" % (gid, rs("0123456789abcdef", 8)), "Statusbot refresh token (%s)" % p["handle"],
               "refresh", 3, issued=ts(iss), last=at_offset(minutes=-RNG.randrange(5, 300)), rev="central",
               scopes=["https://www.googleapis.com/auth/calendar.readonly"], person=p["email"])
    D.edge(gr, rt, "issued", at=ts(iss), props={"ip": "52.14.77.190", "user_agent": "Statusbot/3.2"})
    D.edge(STATUSBOT, rt, "holds")
    D.edge(rt, GOOGLE_CAL, "can_access", props={"scopes": ["calendar.readonly"], "user": p["email"]})

# ----------------------------------------------------------------------------------------------
# output
# ----------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("-o", "--output", default=os.path.join(here, "..", "examples", "acme.json"))
    args = ap.parse_args()
    doc = D.to_json()
    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp, args.output)
    print("wrote %s: %d nodes, %d edges" % (os.path.normpath(args.output), len(doc["nodes"]), len(doc["edges"])))


if __name__ == "__main__":
    main()
