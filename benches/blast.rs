//! `blast` on a generated 100k-node organisation: one IdP, people with sessions, per-app accounts
//! through SSO, groups granting access to resources, service accounts with keys held by CI
//! workloads, and role chains. The generator is deterministic (fixed LCG seed).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use heir::analysis::blast::{blast, BlastQuery};
use heir::model::{Attacker, Document, Edge, EdgeKind, Node, NodeKind, Timestamp, TrustGraph};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const AT: i64 = 1_795_168_800_000;
const HOUR: i64 = 3_600_000;

/// About `people * 10` nodes.
fn organisation(people: usize) -> Document {
    let mut rng = Lcg(42);
    let mut doc = Document::new();
    let apps = 12;
    let groups = people / 50 + 1;
    let resources = people / 5;
    let node = |doc: &mut Document, id: String, kind: NodeKind, crit: u8| {
        let mut n = Node::new(id, kind);
        n.criticality = Some(crit);
        doc.nodes.push(n);
    };
    for a in 0..apps {
        node(&mut doc, format!("app:{a}"), NodeKind::App, 5);
    }
    for g in 0..groups {
        node(&mut doc, format!("okta:group:{g}"), NodeKind::Group, 0);
    }
    for r in 0..resources {
        node(
            &mut doc,
            format!("res:{r}"),
            NodeKind::Resource,
            (r % 11) as u8,
        );
        let app = r % apps;
        doc.edges.push(Edge::new(
            format!("res:{r}"),
            format!("app:{app}"),
            EdgeKind::CanAccess,
        ));
    }
    for g in 0..groups {
        for _ in 0..20 {
            let r = rng.below(resources);
            doc.edges.push(Edge::new(
                format!("okta:group:{g}"),
                format!("res:{r}"),
                EdgeKind::CanAccess,
            ));
        }
    }
    for p in 0..people {
        let user = format!("okta:user:{p}");
        node(&mut doc, user.clone(), NodeKind::User, 2);
        let mut s = Node::new(format!("okta:session:{p}"), NodeKind::Session);
        s.mfa = Some(true);
        s.expires_at = Some(Timestamp::from_millis(
            AT + (1 + rng.below(12) as i64) * HOUR,
        ));
        doc.nodes.push(s);
        doc.edges.push(Edge::new(
            format!("okta:session:{p}"),
            user.clone(),
            EdgeKind::AuthenticatesAs,
        ));
        for _ in 0..2 {
            let g = rng.below(groups);
            doc.edges.push(Edge::new(
                user.clone(),
                format!("okta:group:{g}"),
                EdgeKind::MemberOf,
            ));
        }
        for k in 0..6 {
            let app = (p + k * 7) % apps;
            let acct = format!("app{app}:user:{p}");
            node(&mut doc, acct.clone(), NodeKind::User, 1);
            let mut e = Edge::new(user.clone(), acct.clone(), EdgeKind::Sso);
            if k == 5 {
                e.requires = vec![heir::model::Requirement::ManagedDevice];
            }
            doc.edges.push(e);
            doc.edges.push(Edge::new(
                acct.clone(),
                format!("app:{app}"),
                EdgeKind::CanAccess,
            ));
            let mut child = Node::new(format!("app{app}:session:{p}"), NodeKind::Session);
            child.expires_at = Some(Timestamp::from_millis(AT + HOUR));
            doc.nodes.push(child);
            let mut issued = Edge::new(
                format!("okta:session:{p}"),
                format!("app{app}:session:{p}"),
                EdgeKind::Issued,
            );
            issued.at = Some(Timestamp::from_millis(AT - HOUR));
            doc.edges.push(issued);
            doc.edges.push(Edge::new(
                format!("app{app}:session:{p}"),
                acct,
                EdgeKind::AuthenticatesAs,
            ));
        }
        if p % 20 == 0 {
            let sa = format!("aws:service_account:{p}");
            node(&mut doc, sa.clone(), NodeKind::ServiceAccount, 6);
            doc.edges
                .push(Edge::new(user.clone(), sa.clone(), EdgeKind::Owns));
            let key = format!("aws:token:{p}");
            node(&mut doc, key.clone(), NodeKind::Token, 6);
            doc.edges.push(Edge::new(
                key.clone(),
                sa.clone(),
                EdgeKind::AuthenticatesAs,
            ));
            let ci = format!("ci:workload:{p}");
            node(&mut doc, ci.clone(), NodeKind::Workload, 4);
            doc.edges.push(Edge::new(ci.clone(), key, EdgeKind::Holds));
            doc.edges.push(Edge::new(user, ci, EdgeKind::CanAccess));
            let r = rng.below(resources);
            doc.edges
                .push(Edge::new(sa, format!("res:{r}"), EdgeKind::AdminOf));
        }
    }
    doc
}

fn bench(c: &mut Criterion) {
    let doc = organisation(10_000);
    let nodes = doc.nodes.len();
    let g = TrustGraph::new(doc);
    let mut group = c.benchmark_group("blast");
    group.sample_size(50);
    for person in [7usize, 4242, 9000] {
        let from = g.index(&format!("okta:session:{person}")).unwrap();
        let q = BlastQuery {
            from: vec![from],
            at: Timestamp::from_millis(AT),
            attacker: Attacker::OffDevice,
        };
        let reach = blast(&g, &q).reached.len();
        group.bench_with_input(
            BenchmarkId::new(
                format!("{nodes}-nodes"),
                format!("session-{person}-reach-{reach}"),
            ),
            &q,
            |b, q| b.iter(|| blast(&g, q)),
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
