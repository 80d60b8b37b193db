#!/usr/bin/env python3
"""A plain, deterministic organisation of about N nodes for export benchmarks (not a realistic
enterprise: `heir synth` is the realistic generator). Usage: gen_bench_graph.py NODES OUT.json"""
import json
import random
import sys

target = int(sys.argv[1])
out = sys.argv[2]
rng = random.Random(42)
people = max(1, target // 10)
apps = 12
nodes, edges = [], []
add = lambda **n: nodes.append(n)
for a in range(apps):
    add(id=f"app:{a}", kind="app", platform=f"app{a}", criticality=5)
for g in range(people // 50 + 1):
    add(id=f"okta:group:{g}", kind="group", platform="okta")
resources = max(1, people // 5)
for r in range(resources):
    add(id=f"res:{r}", kind="resource", platform=f"app{r % apps}", criticality=r % 11)
for p in range(people):
    u = f"okta:user:{p}"
    add(id=u, kind="user", platform="okta", name=f"user{p}@acme.example")
    add(id=f"okta:session:{p}", kind="session", platform="okta", mfa=True,
        expires_at="2026-11-20T20:00:00Z", revocation="central")
    edges.append({"from": f"okta:session:{p}", "to": u, "kind": "authenticates_as"})
    edges.append({"from": u, "to": f"okta:group:{rng.randrange(people // 50 + 1)}", "kind": "member_of"})
    for k in range(4):
        a = (p + k * 7) % apps
        acct = f"app{a}:user:{p}"
        add(id=acct, kind="user", platform=f"app{a}")
        edges.append({"from": u, "to": acct, "kind": "sso"})
        edges.append({"from": acct, "to": f"res:{rng.randrange(resources)}", "kind": "can_access"})
        s = f"app{a}:session:{p}"
        add(id=s, kind="session", platform=f"app{a}", expires_at="2026-11-20T12:00:00Z")
        edges.append({"from": f"okta:session:{p}", "to": s, "kind": "issued", "at": "2026-11-20T09:00:00Z",
                      "props": {"ip": "203.0.113.7"}})
        edges.append({"from": s, "to": acct, "kind": "authenticates_as"})
    if len(nodes) >= target:
        break
sources = [{"name": "okta", "complete": True}] + [{"name": f"app{a}", "complete": True} for a in range(apps)]
json.dump({"version": 1, "sources": sources, "nodes": nodes, "edges": edges}, open(out, "w"))
print(f"{len(nodes)} nodes, {len(edges)} edges -> {out}", file=sys.stderr)
