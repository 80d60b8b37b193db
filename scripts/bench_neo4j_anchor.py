#!/usr/bin/env python3
"""The anchor of scripts/bench_neo4j.sh: what a user would write with the official `neo4j` Python
driver to load a heir document, the way the driver's documentation teaches it. UNWIND batches of
5,000 rows, each in a managed write transaction; `MERGE` on an id indexed by a uniqueness
constraint per label; one label per node kind, one relationship type per edge kind; every node and
relationship stamped with the run; scalar and list properties only (nested `props` flattened one
level under `props_`). Relationships are matched through the label of each end, so rows are grouped
by (edge kind, start kind, end kind).

Usage: bench_neo4j_anchor.py GRAPH.json URI USER PASSWORD_ENV [BATCH [DATABASE]]
(prints the seconds taken)
"""
import json
import os
import sys
import time
from collections import defaultdict

from neo4j import GraphDatabase

path, uri, user, pw_env = sys.argv[1:5]
batch = int(sys.argv[5]) if len(sys.argv) > 5 else 5000
database = sys.argv[6] if len(sys.argv) > 6 else None
doc = json.load(open(path))
run = f"py-{int(time.time() * 1000)}"
label = lambda kind: "".join(p.capitalize() for p in kind.split("_"))


def props(obj, skip):
    out = {"heir_run": run}
    for k, v in obj.items():
        if k in skip or v is None:
            continue
        if isinstance(v, dict):
            for k2, v2 in v.items():
                if isinstance(v2, (str, int, float, bool)):
                    out[f"props_{k2}"] = v2
        else:
            out[k] = v
    return out


kinds = {n["id"]: n["kind"] for n in doc["nodes"]}
nodes = defaultdict(list)
for n in doc["nodes"]:
    nodes[label(n["kind"])].append({"id": n["id"], "props": props(n, ("id",))})
rels = defaultdict(list)
for e in doc["edges"]:
    key = (e["kind"].upper(), label(kinds[e["from"]]), label(kinds[e["to"]]))
    rels[key].append({"from": e["from"], "to": e["to"], "props": props(e, ("from", "to", "kind"))})

start = time.time()
with GraphDatabase.driver(uri, auth=(user, os.environ[pw_env])) as driver:
    with driver.session(database=database) as s:
        for lab in nodes:
            s.run(f"CREATE CONSTRAINT py_{lab.lower()}_id IF NOT EXISTS FOR (n:{lab}) REQUIRE n.id IS UNIQUE").consume()
        for lab, rows in nodes.items():
            q = f"UNWIND $rows AS row MERGE (n:{lab} {{id: row.id}}) SET n += row.props"
            for i in range(0, len(rows), batch):
                s.execute_write(lambda tx, r: tx.run(q, rows=r).consume(), rows[i:i + batch])
        for (t, a, b), rows in rels.items():
            q = (f"UNWIND $rows AS row MATCH (a:{a} {{id: row.from}}) MATCH (b:{b} {{id: row.to}}) "
                 f"MERGE (a)-[r:{t}]->(b) SET r += row.props")
            for i in range(0, len(rows), batch):
                s.execute_write(lambda tx, r: tx.run(q, rows=r).consume(), rows[i:i + batch])
print(f"{time.time() - start:.2f}")
