#!/usr/bin/env python3
"""The "what people would use instead" baseline for `heir blast`: networkx descendants.

    python3 scripts/bench/networkx_blast.py GRAPH.json SOURCE_ID [SOURCE_ID ...]

Loads the heir graph document with `json.load`, builds an `nx.DiGraph` over the edges whose kind
is traversable, and prints, as one JSON object on stdout, `len(nx.descendants(G, source))` for
every source (the source itself is not counted, like heir's `reached`), plus the time each phase
took (timings go to the JSON too, the harness times the whole process from the outside).

This is deliberately the naive script a responder would write in a hurry. It ignores every part
of heir's semantics — credential expiry and liveness, `enabled: false`, MFA claims and the
`requires` conditions on edges, device binding, persistence windows — so its counts are a
structural upper bound: they are always >= heir's reached counts on the same document, and they
equal what a variable-length Cypher query over the same relationship types returns.

The traversable edge kinds are hard-coded from `EdgeKind::rule().traversable` in
src/model/kinds.rs, the single source of truth (every kind but `consented`). The harness
(scripts/bench_scale.sh) checks this list against `heir export opengraph --extension`, which
prints `is_traversable` from the same table, before it times anything.
"""

import json
import sys
import time

T0 = time.perf_counter()

import networkx as nx  # noqa: E402  (import time is part of what a responder pays)

# src/model/kinds.rs, EdgeKind::rule(): traversable == true.
TRAVERSABLE = frozenset(
    {
        "authenticates_as",
        "issued",
        "sso",
        "member_of",
        "can_assume",
        "can_access",
        "admin_of",
        "owns",
        "holds",
    }
)


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    path, sources = argv[1], argv[2:]
    t_import = time.perf_counter()
    with open(path, "rb") as f:
        doc = json.load(f)
    t_load = time.perf_counter()
    g = nx.DiGraph()
    g.add_nodes_from(n["id"] for n in doc["nodes"])
    g.add_edges_from((e["from"], e["to"]) for e in doc["edges"] if e["kind"] in TRAVERSABLE)
    t_build = time.perf_counter()
    counts = {}
    for s in sources:
        if s not in g:
            print(f"networkx_blast.py: unknown id {s!r}", file=sys.stderr)
            return 1
        counts[s] = len(nx.descendants(g, s))
    t_done = time.perf_counter()
    out = {
        "nodes": g.number_of_nodes(),
        "edges": g.number_of_edges(),
        "counts": counts,
        "seconds": {
            "import": round(t_import - T0, 4),
            "json_load": round(t_load - t_import, 4),
            "build": round(t_build - t_load, 4),
            "descendants": round(t_done - t_build, 4),
        },
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
