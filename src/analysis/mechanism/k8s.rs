//! Kubernetes: `kubectl` commands behind each phase; a native id `cluster/ns/name` names the
//! cluster the commands are for.

use super::*;

/// (cluster, namespace, name) of a native id: `cluster/ns/name…`, `ns/name`, or a bare name.
fn parts(id: &str) -> (Option<&str>, String, String) {
    let p: Vec<&str> = id.split('/').collect();
    match p.as_slice() {
        [name] => (None, "{namespace}".to_string(), name.to_string()),
        [ns, name] => (None, ns.to_string(), name.to_string()),
        [cluster, ns, rest @ ..] => (Some(cluster), ns.to_string(), rest.join("/")),
        [] => (None, "{namespace}".to_string(), "{name}".to_string()),
    }
}

/// Commands for a cluster other than the current context say which cluster they are for.
fn on(cluster: Option<&str>, how: String) -> String {
    match cluster {
        Some(c) => format!("on cluster {c}: {how}"),
        None => how,
    }
}

/// The Deployment of a pod named `deploy-<replicaset hash>-<suffix>`, when the name has that
/// shape.
fn deployment_of(pod: &str) -> Option<&str> {
    let mut it = pod.rsplitn(3, '-');
    let (suffix, hash, base) = (it.next()?, it.next()?, it.next()?);
    let alnum = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric());
    (suffix.len() == 5 && (6..=10).contains(&hash.len()) && alnum(suffix) && alnum(hash))
        .then_some(base)
}

pub(super) fn contain(s: &Subject) -> Option<Mechanism> {
    let (cluster, ns, name) = parts(s.native_id);
    Some(match s.kind {
        NodeKind::ServiceAccount => Mechanism::new(
            "delete the service account (invalidates every token it has)",
            on(
                cluster,
                format!(
                    "kubectl -n {ns} delete serviceaccount {name} (recreate it if needed: the \
                     new one gets a new UID, which old tokens do not match)"
                ),
            ),
        ),
        NodeKind::Workload => {
            let deployment = s
                .prop(&["deployment"])
                .or_else(|| deployment_of(&name).map(str::to_string));
            let delete = format!("kubectl -n {ns} delete pod {name}");
            let how = match deployment {
                Some(d) => {
                    format!("kubectl -n {ns} scale deployment {d} --replicas=0; then {delete}")
                }
                None => delete,
            };
            Mechanism::new(
                "stop the pod (its bound tokens die with it)",
                on(cluster, how),
            )
        }
        NodeKind::User => Mechanism::new(
            "remove the user's RBAC bindings",
            on(
                cluster,
                format!(
                    "kubectl get rolebindings,clusterrolebindings -A -o json: delete each \
                     binding with subject kind User name {} (kubectl -n {{namespace}} delete \
                     rolebinding {{name}} / kubectl delete clusterrolebinding {{name}}); revoke \
                     the user at the IdP (OIDC) — Kubernetes cannot revoke x509 client \
                     certificates (rotate the CA)",
                    s.name.unwrap_or(&name)
                ),
            ),
        ),
        _ => return None,
    })
}

/// A legacy token Secret mints a non-expiring token: deleting the Secret makes the API server
/// reject it. A bound (projected) token is bound to its pod: deleting the pod invalidates it.
/// Cloud credentials already exchanged with either (IRSA, Workload Identity) live until their
/// own expiry.
pub(super) fn revoke(s: &Subject, c: &Ctx) -> Option<Mechanism> {
    let (cluster, ns, name) = parts(s.native_id);
    Some(match (s.token_type, c.rev) {
        (_, Revocation::TtlOnly) => {
            let pod = or(
                s.prop(&["pod", "bound_to"])
                    .map(|b| b.strip_prefix("pod ").unwrap_or(&b).to_string()),
                "{pod}",
            );
            Mechanism::new(
                "delete the pod the token is bound to",
                on(cluster, format!("kubectl -n {ns} delete pod {pod}")),
            )
            .compensating(
                "a bound service-account token cannot be revoked on its own: it dies with the \
                 pod it is bound to, or at expiry; cloud credentials already exchanged with it \
                 (IRSA / Workload Identity) live until their own expiry",
            )
        }
        (Some(TokenType::Password | TokenType::PrivateKey), _) => Mechanism::new(
            "remove the credential's bindings (x509 cannot be revoked)",
            on(
                cluster,
                format!(
                    "delete the RoleBindings / ClusterRoleBindings naming {} (kubectl get \
                     rolebindings,clusterrolebindings -A -o json); Kubernetes cannot revoke a \
                     client certificate: rotate the cluster CA if it must die",
                    s.account_label().unwrap_or_else(|| s.who())
                ),
            ),
        ),
        _ if s.kind == NodeKind::Token => {
            let (ns, secret) = match s.prop(&["secret"]).as_deref().map(parts) {
                Some((_, sns, sname)) if !sns.starts_with('{') => (sns, sname),
                Some((_, _, sname)) => (ns, sname),
                None => (ns, name),
            };
            Mechanism::new(
                "delete the token Secret",
                on(cluster, format!("kubectl -n {ns} delete secret {secret}")),
            )
        }
        _ => return None,
    })
}

pub(super) fn inspect(p: &Place) -> Option<Mechanism> {
    let since = &p.since;
    let (cluster, _, _) = parts(p.id);
    let cluster = cluster.unwrap_or(p.id);
    Some(Mechanism::new(
        "review the cluster audit log and new RBAC objects",
        format!(
            "cluster {cluster} audit log since {since}: create/update/patch/delete on secrets, \
             serviceaccounts, serviceaccounts/token, rolebindings, clusterrolebindings and \
             pods/exec; then kubectl get secrets,serviceaccounts,rolebindings,clusterrolebindings \
             -A --sort-by=.metadata.creationTimestamp"
        ),
    ))
}

pub(super) fn recover(_s: &Subject) -> Option<Mechanism> {
    None
}

pub(super) fn persistence(s: &Subject, since: &str) -> Option<Mechanism> {
    let (cluster, ns, name) = parts(s.native_id);
    Some(match s.kind {
        NodeKind::ServiceAccount => Mechanism::new(
            "remove the service account's new tokens, bindings and cloud trust",
            on(
                cluster,
                format!(
                    "kubectl -n {ns} get secrets -o json: delete service-account-token Secrets \
                     for {name} created since {since}; then delete RoleBindings / \
                     ClusterRoleBindings naming it that were added since {since}; then check \
                     kubectl -n {ns} get serviceaccount {name} -o yaml for cloud annotations \
                     (eks.amazonaws.com/role-arn, iam.gke.io/gcp-service-account, \
                     azure.workload.identity/client-id) and remove the cloud-side trust too"
                ),
            ),
        ),
        _ => Mechanism::new(
            "remove secrets, service accounts and bindings created since the compromise",
            on(
                cluster.or(Some(s.native_id).filter(|_| s.kind == NodeKind::App)),
                format!(
                    "kubectl get secrets,serviceaccounts,rolebindings,clusterrolebindings -A -o \
                     json: delete those with metadata.creationTimestamp since {since} that \
                     nobody can vouch for"
                ),
            ),
        ),
    })
}
