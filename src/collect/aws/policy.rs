//! Just enough IAM policy evaluation to answer the incident questions: who is an administrator,
//! who can mint credentials for or rewrite whom, and what each principal can reach.
//!
//! Evaluated: identity policies (inline and managed, a user's groups' too), `Allow`, explicit
//! `Deny` (which wins), `Action`/`NotAction`, `Resource`/`NotResource`, `*` and `?` wildcards.
//! Not evaluated, and said so in the document's `sources[].reason`: `Condition` blocks (an allow
//! with a condition is kept and marked `conditional`, a deny with a condition is ignored: both err
//! towards a larger blast radius, which is the safe side in an incident), service control
//! policies, permission boundaries, session policies and resource-based policies.

use serde_json::Value;

/// What [`crate::collect::aws`] says in `sources[].reason`.
pub const NOT_EVALUATED: &str = "aws: IAM conditions, service control policies, permission boundaries, session policies and resource-based policies are not evaluated (an allow under a condition is kept and marked conditional; a deny under a condition is ignored)";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// One statement, its lists read once.
#[derive(Debug, Clone)]
pub struct Statement {
    pub effect: Effect,
    /// `Action` patterns, or `NotAction` ones when `not_action`.
    pub actions: Vec<String>,
    pub not_action: bool,
    pub resources: Vec<String>,
    pub not_resource: bool,
    pub conditional: bool,
    /// Which policy it came from, for edge props.
    pub policy: String,
}

/// A string or a list of strings (IAM allows both everywhere).
fn one_or_many(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// The statements of a policy document (`Statement` may be one object or a list). A statement
/// without an effect or without any action is no statement.
pub fn statements(doc: &Value, policy: &str) -> Vec<Statement> {
    let list: Vec<&Value> = match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(o @ Value::Object(_)) => vec![o],
        _ => Vec::new(),
    };
    list.into_iter()
        .filter_map(|st| {
            let effect = match st.get("Effect").and_then(Value::as_str) {
                Some("Allow") => Effect::Allow,
                Some("Deny") => Effect::Deny,
                _ => return None,
            };
            let (actions, not_action) = match st.get("NotAction") {
                Some(v) => (one_or_many(Some(v)), true),
                None => (one_or_many(st.get("Action")), false),
            };
            if actions.is_empty() && !not_action {
                return None;
            }
            let (resources, not_resource) = match st.get("NotResource") {
                Some(v) => (one_or_many(Some(v)), true),
                None => (one_or_many(st.get("Resource")), false),
            };
            let conditional = st
                .get("Condition")
                .and_then(Value::as_object)
                .is_some_and(|c| !c.is_empty());
            Some(Statement {
                effect,
                actions,
                not_action,
                resources,
                not_resource,
                conditional,
                policy: policy.to_string(),
            })
        })
        .collect()
}

/// IAM wildcard matching: `*` any run, `?` one character. Actions compare without case.
pub fn glob(pattern: &str, s: &str, fold_case: bool) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = if fold_case {
        (
            pattern.to_ascii_lowercase().chars().collect(),
            s.to_ascii_lowercase().chars().collect(),
        )
    } else {
        (pattern.chars().collect(), s.chars().collect())
    };
    let (mut pi, mut si) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

impl Statement {
    fn covers_action(&self, action: &str) -> bool {
        let hit = self.actions.iter().any(|p| glob(p, action, true));
        hit != self.not_action
    }

    fn covers_resource(&self, resource: &str) -> bool {
        // A resource pattern covers the probe, or (probing `*`) the pattern is itself `*`.
        let hit = self.resources.iter().any(|p| glob(p, resource, false));
        if self.resources.is_empty() && !self.not_resource {
            return false;
        }
        hit != self.not_resource
    }
}

/// Whether an allow was found, and whether only under a condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub conditional: bool,
    /// The policies granting it.
    pub policies: Vec<String>,
}

/// A principal's effective identity policy: every statement of every policy attached to it
/// (and, for a user, to its groups).
#[derive(Debug, Clone, Default)]
pub struct Perms {
    pub statements: Vec<Statement>,
}

impl Perms {
    /// `action` on `resource`: allowed by some statement and denied by no unconditional one.
    /// Conditional denies are not honoured (conditions are not evaluated): the safe side for a
    /// blast radius.
    pub fn allows(&self, action: &str, resource: &str) -> Option<Grant> {
        let denied = self.statements.iter().any(|s| {
            s.effect == Effect::Deny
                && !s.conditional
                && s.covers_action(action)
                && s.covers_resource(resource)
        });
        if denied {
            return None;
        }
        let allows: Vec<&Statement> = self
            .statements
            .iter()
            .filter(|s| {
                s.effect == Effect::Allow && s.covers_action(action) && s.covers_resource(resource)
            })
            .collect();
        if allows.is_empty() {
            return None;
        }
        let mut policies: Vec<String> = allows.iter().map(|s| s.policy.clone()).collect();
        policies.dedup();
        Some(Grant {
            conditional: allows.iter().all(|s| s.conditional),
            policies,
        })
    }

    /// Allowed on every resource (`Resource: "*"`), not only on some.
    pub fn allows_everywhere(&self, action: &str) -> Option<Grant> {
        self.allows(action, "*").filter(|_| {
            self.statements.iter().any(|s| {
                s.effect == Effect::Allow
                    && s.covers_action(action)
                    && !s.not_resource
                    && s.resources.iter().any(|r| r == "*")
            })
        })
    }

    /// Administrator: every probe of every service allowed on `*`. Probes, rather than looking
    /// for a literal `*:*`, so that `NotAction` allows and denies are honoured the same way.
    pub fn admin(&self) -> Option<Grant> {
        let probes = [
            "iam:PutRolePolicy",
            "iam:CreateAccessKey",
            "sts:AssumeRole",
            "s3:GetObject",
            "ec2:RunInstances",
            "kms:Decrypt",
            "organizations:LeaveOrganization",
        ];
        all(self, &probes)
    }

    /// IAM administrator (`iam:*` on `*`): can give itself anything.
    pub fn iam_admin(&self) -> Option<Grant> {
        let probes = [
            "iam:PutRolePolicy",
            "iam:AttachUserPolicy",
            "iam:CreateAccessKey",
            "iam:UpdateAssumeRolePolicy",
            "iam:CreatePolicyVersion",
        ];
        all(self, &probes)
    }
}

fn all(p: &Perms, probes: &[&str]) -> Option<Grant> {
    let mut out = Grant {
        conditional: false,
        policies: Vec::new(),
    };
    for a in probes {
        let g = p.allows_everywhere(a)?;
        out.conditional |= g.conditional;
        for x in g.policies {
            if !out.policies.contains(&x) {
                out.policies.push(x);
            }
        }
    }
    Some(out)
}

/// AWS-managed policies a page may not carry (`Policies` holds only those the filter asked
/// for): the ones that decide "administrator" are known by ARN, the rest are reported as not
/// evaluated on the principal.
pub fn well_known(arn: &str) -> Option<Value> {
    let doc = match arn {
        "arn:aws:iam::aws:policy/AdministratorAccess" => {
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
        }
        "arn:aws:iam::aws:policy/IAMFullAccess" => {
            r#"{"Statement":[{"Effect":"Allow","Action":["iam:*","organizations:DescribeAccount","organizations:DescribeOrganization","organizations:DescribeOrganizationalUnit","organizations:DescribePolicy","organizations:ListChildren","organizations:ListParents","organizations:ListPoliciesForTarget","organizations:ListRoots","organizations:ListPolicies","organizations:ListTargetsForPolicy"],"Resource":"*"}]}"#
        }
        // The documented shape of PowerUserAccess: everything but IAM, Organizations and
        // Account management, plus a few IAM reads and service-linked roles.
        "arn:aws:iam::aws:policy/PowerUserAccess" => {
            r#"{"Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"},{"Effect":"Allow","Action":["iam:CreateServiceLinkedRole","iam:DeleteServiceLinkedRole","iam:ListRoles","organizations:DescribeOrganization","account:ListRegions","account:GetAccountInformation"],"Resource":"*"}]}"#
        }
        "arn:aws:iam::aws:policy/ReadOnlyAccess" => {
            r#"{"Statement":[{"Effect":"Allow","Action":["*:Get*","*:List*","*:Describe*","s3:GetObject"],"Resource":"*"}]}"#
        }
        "arn:aws:iam::aws:policy/AmazonS3FullAccess" => {
            r#"{"Statement":[{"Effect":"Allow","Action":["s3:*","s3-object-lambda:*"],"Resource":"*"}]}"#
        }
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" => {
            r#"{"Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*","s3-object-lambda:Get*","s3-object-lambda:List*"],"Resource":"*"}]}"#
        }
        _ => return None,
    };
    serde_json::from_str(doc).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn perms(docs: &[Value]) -> Perms {
        Perms {
            statements: docs
                .iter()
                .enumerate()
                .flat_map(|(i, d)| statements(d, &format!("p{i}")))
                .collect(),
        }
    }

    #[test]
    fn wildcards_match_like_iam() {
        assert!(glob("iam:*", "IAM:CreateAccessKey", true));
        assert!(glob("s3:Get*", "s3:GetObject", true));
        assert!(glob("*", "anything:At", true));
        assert!(glob(
            "arn:aws:iam::1:user/*",
            "arn:aws:iam::1:user/a/b",
            false
        ));
        assert!(glob("ec2:?unInstances", "ec2:RunInstances", true));
        assert!(!glob("s3:Get*", "s3:PutObject", true));
        assert!(!glob(
            "arn:aws:iam::1:role/x",
            "arn:aws:iam::1:role/xy",
            false
        ));
    }

    #[test]
    fn administrator_unless_denied_and_not_action_is_not_admin() {
        let admin = json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}});
        assert!(perms(std::slice::from_ref(&admin)).admin().is_some());
        let deny_iam =
            json!({"Statement": [{"Effect": "Deny", "Action": ["iam:*"], "Resource": "*"}]});
        let p = perms(&[admin.clone(), deny_iam]);
        assert!(p.admin().is_none());
        assert!(p.iam_admin().is_none());
        assert!(p.allows("s3:GetObject", "arn:aws:s3:::b/k").is_some());
        let power = well_known("arn:aws:iam::aws:policy/PowerUserAccess").unwrap();
        let p = perms(&[power]);
        assert!(p.admin().is_none());
        assert!(p.allows("iam:CreateAccessKey", "*").is_none());
        assert!(p.allows("lambda:CreateFunction", "*").is_some());
        // A conditional deny is not honoured; a conditional allow is marked.
        let cond = json!({"Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*",
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
            {"Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]});
        let g = perms(&[cond]).allows("sts:AssumeRole", "*").unwrap();
        assert!(g.conditional);
    }

    #[test]
    fn not_resource_and_specific_resources() {
        let d = json!({"Statement": [
            {"Effect": "Allow", "Action": "iam:CreateAccessKey",
             "Resource": "arn:aws:iam::1:user/ci-*"},
            {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret*"}]});
        let p = perms(&[d]);
        assert!(p
            .allows("iam:CreateAccessKey", "arn:aws:iam::1:user/ci-bot")
            .is_some());
        assert!(p
            .allows("iam:CreateAccessKey", "arn:aws:iam::1:user/ana")
            .is_none());
        assert!(p.allows_everywhere("iam:CreateAccessKey").is_none());
        assert!(p.allows("s3:GetObject", "arn:aws:s3:::public").is_some());
        assert!(p.allows("s3:GetObject", "arn:aws:s3:::secret-b").is_none());
    }
}
