#!/usr/bin/env python3
"""Helpers of scripts/bench_scale.sh: pick sessions, time whole processes, drive the baselines,
write JSON lines and print the Markdown summary. Standard library only, except the `cypher`
step (the official `neo4j` driver) and networkx_blast.py (networkx).

Every measurement is appended to the results file as one JSON object per line:
    {"bench_run", "scale", "nodes", "edges", "metric", "value", "unit", ...details}
`value` is null (with "status": "timeout" or "error") when a step did not produce a number.
Per-scale facts the steps share (sessions, reach counts) live in a state file next to the graph.

Subcommands (see scripts/bench_scale.sh for the order they run in):
    check-traversable  the hard-coded traversable kinds == heir's `is_traversable`
    overlay            add the benchmark's IdP super-admin role (see docs/performance-harness.md)
    prepare            count nodes/edges, draw the alive sessions, list admin candidates
    pick-admin         the admin candidate with the largest heir reach
    heir               whole-process heir commands (blast cold/warm, validate, inherited, …)
    networkx           whole-process networkx_blast.py for the same sessions
    cypher             the variable-length Cypher query on ArcadeDB over Bolt (warm medians)
    engine             run the in-process bench binary (benches/scale.rs) and keep its lines
    timecmd            time one command (synth, Neo4j push) and record wall + peak RSS
    report             the Markdown tables (ratios included) from a results file
"""

import argparse
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

OVERLAY_ROLE = "okta:role:bench-super-admin"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


# ------------------------------------------------------------------------------------------------
# small utilities


def die(msg):
    print(f"harness.py: {msg}", file=sys.stderr)
    sys.exit(1)


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def load_json(path):
    with open(path, "rb") as f:
        return json.load(f)


def write_json_atomic(path, obj, **kw):
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    os.chmod(tmp, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(obj, f, **kw)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def millis(s):
    """RFC 3339 -> epoch milliseconds, truncated like heir's Timestamp."""
    s = s.strip()
    if s.endswith("Z") or s.endswith("z"):
        s = s[:-1] + "+00:00"
    m = re.match(r"^(.*T\d\d:\d\d:\d\d)(\.\d+)?(.*)$", s)
    if m and m.group(2) and len(m.group(2)) > 7:  # fromisoformat wants <= 6 digits
        s = m.group(1) + m.group(2)[:7] + m.group(3)
    t = dt.datetime.fromisoformat(s)
    if t.tzinfo is None:
        raise ValueError(f"{s}: no UTC offset")
    return (t - EPOCH) // dt.timedelta(milliseconds=1)


class SplitMix64:
    """Same generator as benches/scale.rs (and heir synth)."""

    MASK = (1 << 64) - 1

    def __init__(self, seed):
        self.state = seed & self.MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        return z ^ (z >> 31)


def draw(items, count, seed):
    """`count` items by a partial Fisher-Yates shuffle, in draw order (== benches/scale.rs)."""
    v = list(items)
    rng = SplitMix64(seed)
    k = min(count, len(v))
    for i in range(k):
        j = i + rng.next() % (len(v) - i)
        v[i], v[j] = v[j], v[i]
    return v[:k]


def quantile(sorted_values, q):
    if not sorted_values:
        return None
    import math

    rank = min(max(math.ceil(q * len(sorted_values)), 1), len(sorted_values))
    return sorted_values[rank - 1]


def median(values):
    v = sorted(x for x in values if x is not None)
    return statistics.median(v) if v else None


class Results:
    """Appends measurement lines; every line carries the run, scale and graph size."""

    def __init__(self, path, run, scale, state=None):
        self.path = path
        self.run = run
        self.scale = scale
        self.nodes = state.get("nodes") if state else None
        self.edges = state.get("edges") if state else None

    def add(self, metric, value, unit, **extra):
        row = {
            "bench_run": self.run,
            "scale": self.scale,
            "nodes": self.nodes,
            "edges": self.edges,
            "metric": metric,
            "value": value if not isinstance(value, float) else round(value, 6),
            "unit": unit,
        }
        row.update({k: v for k, v in extra.items() if v is not None})
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        return row


class State:
    def __init__(self, path):
        self.path = Path(path)
        self.data = load_json(path) if self.path.exists() else {}

    def save(self):
        write_json_atomic(self.path, self.data, indent=1)

    def __getitem__(self, k):
        return self.data[k]

    def get(self, k, default=None):
        return self.data.get(k, default)

    def __setitem__(self, k, v):
        self.data[k] = v


def timed(cmd, stdout_path=None, env=None, timeout=None, rss=True):
    """Runs `cmd`; returns (rc, wall seconds, peak RSS MiB or None, stderr text). The wall time
    is measured here (perf_counter, around the whole process).

    With `rss`, the command runs under /usr/bin/time and the peak RSS is GNU time's %M (maximum
    resident set size). It cannot be taken from this Python process's own wait4: a child's
    high-water mark starts from its parent's (vfork, fork) and survives exec, so a small command
    would be charged Python's memory. The wrapper's cost (its own start-up, a fork, its report
    file: about 2 ms here) is in that wall time, a fifth of a 10 ms command; without `rss` the
    command runs directly, as a responder runs it, and the wall time is the command's alone."""
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as tf:
        time_file = tf.name
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    wrapper = ["/usr/bin/time", "-f", "%e %M", "-o", time_file] if rss else []
    try:
        t0 = time.perf_counter()
        try:
            p = subprocess.run(
                [*wrapper, *cmd],
                stdout=out,
                stderr=subprocess.PIPE,
                env=env,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as e:
            return None, time.perf_counter() - t0, None, (e.stderr or b"").decode(errors="replace")
        wall = time.perf_counter() - t0
        peak = None
        try:
            with open(time_file) as f:
                lines = [line for line in f.read().splitlines() if line.strip()]
            if rss and lines:
                peak = int(lines[-1].split()[-1]) / 1024.0
        except (OSError, ValueError):
            pass
        return p.returncode, wall, peak, p.stderr.decode(errors="replace")
    finally:
        if stdout_path:
            out.close()
        os.unlink(time_file)


# ------------------------------------------------------------------------------------------------
# check-traversable


def cmd_check_traversable(a):
    from networkx_blast import TRAVERSABLE

    with tempfile.TemporaryDirectory() as d:
        ext = Path(d) / "ext.json"
        subprocess.run(
            [a.heir, "export", "opengraph", a.example, "-o", str(Path(d) / "og.json"), "--extension", str(ext)],
            check=True,
            stderr=subprocess.DEVNULL,
        )
        kinds = load_json(ext)["relationship_kinds"]
    heir = set()
    for k in kinds:
        if k["is_traversable"]:
            name = k["name"].removeprefix("Heir_")
            heir.add(re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower())
    if heir != set(TRAVERSABLE):
        die(
            "networkx_blast.py's TRAVERSABLE differs from heir's is_traversable: "
            f"heir only {sorted(heir - TRAVERSABLE)}, script only {sorted(TRAVERSABLE - heir)}"
        )
    print(" ".join(sorted(heir)))


# ------------------------------------------------------------------------------------------------
# overlay


def cmd_overlay(a):
    """The benchmark's IdP super-admin role. heir synth's IdP is a sink (an admin_of edge into
    okta:idp:* gives persistence, and requires fresh_mfa, but nothing leads out of the IdP node),
    so no session in a synth graph reaches more than ~1.5% of it. The overlay adds what an Okta
    super administrator can do: one role, assigned (member_of, requires mfa) to the users who are
    admin_of the IdP, that can_assume (impersonate) every Okta account. Sessions of those admins
    then reach the accounts of most of the organisation."""
    doc = load_json(a.input)
    kinds = {n["id"]: n["kind"] for n in doc["nodes"]}
    if OVERLAY_ROLE in kinds:
        die(f"{a.input} already has {OVERLAY_ROLE}")
    admins = sorted(
        {e["from"] for e in doc["edges"] if e["kind"] == "admin_of" and kinds.get(e["to"]) == "idp"
         and kinds.get(e["from"]) == "user"}
    )
    if not admins:
        die("no user is admin_of an idp: nothing to attach the overlay to")
    okta_users = [
        n["id"] for n in doc["nodes"]
        if n["kind"] == "user" and (n.get("platform") or n["id"].split(":", 1)[0]) == "okta"
    ]
    doc["nodes"].append(
        {
            "id": OVERLAY_ROLE,
            "kind": "role",
            "platform": "okta",
            "name": "Super administrator (benchmark overlay)",
            "criticality": 10,
            "tags": ["tier0"],
        }
    )
    for u in admins:
        doc["edges"].append({"from": u, "to": OVERLAY_ROLE, "kind": "member_of", "requires": ["mfa"]})
    for u in okta_users:
        doc["edges"].append({"from": OVERLAY_ROLE, "to": u, "kind": "can_assume"})
    write_json_atomic(a.output, doc, ensure_ascii=False, separators=(",", ":"))
    print(json.dumps({"role": OVERLAY_ROLE, "admins": len(admins), "impersonates": len(okta_users)}))


# ------------------------------------------------------------------------------------------------
# prepare


def alive(n, at_ms):
    if n.get("enabled") is False:
        return False
    if n.get("issued_at") and millis(n["issued_at"]) > at_ms:
        return False
    if n.get("expires_at") and millis(n["expires_at"]) <= at_ms:
        return False
    return True


def cmd_prepare(a):
    doc = load_json(a.graph)
    at_ms = millis(a.at)
    nodes = doc["nodes"]
    kinds = {n["id"]: n["kind"] for n in nodes}
    sessions_alive = [n["id"] for n in nodes if n["kind"] == "session" and alive(n, at_ms)]
    picked = draw(sessions_alive, a.count, a.seed)
    if not picked:
        die("no session alive at --at")
    issued_from = {e["from"] for e in doc["edges"] if e["kind"] == "issued"}
    typical = next((s for s in picked if s in issued_from), picked[0])

    # Admin-like candidates: alive sessions of the accounts that administer something (admin_of),
    # or hold the overlay role; MFA sessions first (the claim opens `requires: mfa` edges),
    # unbound ones first (device binding stops an off-device attacker at the first hop).
    admins = {e["from"] for e in doc["edges"] if e["kind"] == "admin_of" and kinds.get(e["from"]) == "user"}
    admins |= {e["from"] for e in doc["edges"] if e["to"] == OVERLAY_ROLE and e["kind"] == "member_of"}
    by_id = {n["id"]: n for n in nodes}
    cand = []
    for e in doc["edges"]:
        if e["kind"] == "authenticates_as" and e["to"] in admins and kinds.get(e["from"]) == "session":
            n = by_id[e["from"]]
            if alive(n, at_ms):
                cand.append((not n.get("mfa", False), bool(n.get("device_bound", False)), e["from"]))
    cand = [c[2] for c in sorted(set(cand))][: a.candidates]

    stat = os.stat(a.graph)
    stamp = [str(a.graph), stat.st_size, stat.st_mtime_ns, a.at, a.seed, a.count, a.candidates]
    st = State(a.state)
    if st.get("stamp") == stamp:
        log(f"reusing {a.state} (same graph and draw): sessions, admin and counts of earlier steps")
        with open(a.sessions_file, "w") as f:
            f.write("\n".join(st["sessions"]) + "\n")
        return
    st.data = {
        "stamp": stamp,
        "graph": str(a.graph),
        "at": a.at,
        "seed": a.seed,
        "nodes": len(nodes),
        "edges": len(doc["edges"]),
        "overlay": OVERLAY_ROLE in kinds,
        "alive_sessions": len(sessions_alive),
        "sessions": picked,
        "typical": typical,
        "admin_candidates": cand,
        "heir_reached": {},
        "networkx": {},
        "cypher": {},
    }
    st.save()
    with open(a.sessions_file, "w") as f:
        f.write("\n".join(picked) + "\n")
    print(json.dumps({k: st[k] for k in ("nodes", "edges", "alive_sessions", "typical")} | {
        "admin_candidates": len(cand)}))


# ------------------------------------------------------------------------------------------------
# heir, whole process


def siblings(graph):
    g = Path(graph)
    return sorted(p.name for p in g.parent.iterdir() if p.name != g.name and p.name.startswith(g.name))


def heir_blast(heir, graph, at, session, label, tmp, rss=True):
    """One whole-process `heir blast --format json`: (wall s, peak RSS MiB or None, reached
    count). Without `rss`, run directly (see `timed`)."""
    out = Path(tmp) / "blast.json"
    cmd = [heir, "blast", graph, "--from", session, "--at", at, "--format", "json"]
    rc, wall, peak, err = timed(cmd, out, rss=rss)
    if rc != 0:
        die(f"heir blast {session} failed ({rc}): {err.strip()[-2000:]}")
    reached = len(load_json(out)["reached"])
    out.unlink()
    log(f"heir blast {label} {session}: {wall:.3f} s, " + (f"{peak:.0f} MiB, " if peak else "")
        + f"reached {reached}")
    return wall, peak, reached


def cmd_pick_admin(a):
    """The admin-like session: the candidate with the largest heir reach (kept in the state)."""
    st = State(a.state)
    res = Results(a.results, a.run, a.scale, st.data)
    if st.get("admin"):
        pct = 100.0 * st["admin_reached"] / st["nodes"]
        res.add("admin_session_reached", st["admin_reached"], "nodes", session=st["admin"],
                reached_pct=round(pct, 2), meets_30pct=pct >= 30.0, from_state=True)
        log(f"admin-like session {st['admin']} (from the state file): heir reaches {st['admin_reached']} nodes")
        return
    best = None
    with tempfile.TemporaryDirectory() as tmp:
        for c in st.get("admin_candidates", []):
            _, _, r = heir_blast(a.heir, st["graph"], st["at"], c, "admin-candidate", tmp)
            if best is None or r > best[1]:
                best = (c, r)
    if not best:
        log("WARNING: no admin-like candidate session")
        return
    pct = 100.0 * best[1] / st["nodes"]
    st["admin"], st["admin_reached"] = best
    st.save()
    res.add("admin_session_reached", best[1], "nodes", session=best[0], reached_pct=round(pct, 2),
            candidates=len(st["admin_candidates"]), meets_30pct=pct >= 30.0)
    log(f"admin-like session {best[0]}: heir reaches {best[1]} nodes = {pct:.1f}% of the graph")
    if pct < 30.0:
        log("WARNING: the admin-like session reaches < 30% of the nodes")


def cmd_heir(a):
    st = State(a.state)
    res = Results(a.results, a.run, a.scale, st.data)
    heir, graph, at = a.heir, st["graph"], st["at"]
    sessions = st["sessions"][: a.n]
    tmp = Path(tempfile.mkdtemp(prefix="heir-bench-"))

    def blast(session, label, rss=True):
        return heir_blast(heir, graph, at, session, label, tmp, rss)

    # 1. The first load of this document in this run: cold if heir has a snapshot of it.
    # heir keeps snapshots in its cache directory (HEIR_CACHE_DIR, set by main() to the harness's
    # own folder): an earlier run's copy is removed so that the first run really is cold.
    for stale in snapshots_of(graph):
        stale.unlink()
        log(f"removed {stale.name} from an earlier run: the first run below is cold")
    before = siblings(graph)
    wall, rss, reached = blast(sessions[0], "first")
    after = siblings(graph)
    new = [s for s in after if s not in before]
    res.add("heir_blast_wall", wall, "s", stat="first_run", session=sessions[0], reached=reached,
            files_beside_before=before, files_beside_created=new)
    res.add("heir_blast_peak_rss", rss, "MiB", stat="first_run", session=sessions[0])
    for name in new:
        res.add("heir_snapshot_size", (Path(graph).parent / name).stat().st_size / 1e6, "MB", file=name)
    if not new:
        log("no file appeared beside the document on first load (no snapshot cache): cold == warm")

    # 3. validate (heir reports its own load time and peak memory on stderr).
    rc, wall, rss, err = timed([heir, "validate", graph])
    # "loaded in N ms[ from SNAPSHOT (…)], peak memory X MiB[ (…)]"
    m = re.search(r"loaded in (\d+) ms(.*?), peak memory ([\d.]+) MiB", err)
    res.add("heir_validate_wall", wall, "s", rc=rc)
    res.add("heir_validate_peak_rss", rss, "MiB")
    if m:
        snap = m.group(2).strip().startswith("from ")
        res.add("heir_validate_load_reported", int(m.group(1)), "ms", from_snapshot=snap)
        res.add("heir_validate_peak_reported", float(m.group(3)), "MiB", from_snapshot=snap)
    log(f"heir validate: {wall:.3f} s, {rss:.0f} MiB ({m.group(0) if m else 'no load line'})")

    # 4. Typical sessions, two passes: pass 1 under /usr/bin/time (its peak RSS), then pass 2
    # (warm) run directly (its wall times: see `timed`).
    reached_by = {}
    for p in (1, 2):
        walls, rsss = [], []
        for s in sessions:
            wall, rss, reached = blast(s, f"pass{p}", rss=p == 1)
            reached_by[s] = reached
            walls.append(wall)
            rsss.append(rss)
            res.add("heir_blast_wall", wall, "s", stat="sample", run=f"pass{p}", session=s, reached=reached,
                    wrapped=p == 1)
        res.add("heir_blast_wall", median(walls), "s", stat=f"pass{p}_median", n=len(walls))
        if p == 1:
            res.add("heir_blast_peak_rss", max(rsss), "MiB", stat="pass1_max", n=len(rsss))
    res.add("heir_blast_wall", median(walls), "s", stat="warm_median", n=len(walls))
    res.add("heir_blast_reached", median(reached_by.values()), "nodes", stat="median", n=len(reached_by))
    st["heir_reached"] = reached_by

    if st.get("admin"):
        # One run under /usr/bin/time for the peak RSS, then the timed runs, directly.
        _, rss, _ = blast(st["admin"], "admin (peak RSS)")
        walls = []
        for _ in range(a.admin_reps):
            wall, _, reached = blast(st["admin"], "admin", rss=False)
            walls.append(wall)
        res.add("heir_blast_admin_wall", median(walls), "s", stat="warm_median", n=len(walls),
                session=st["admin"], reached=reached)
        res.add("heir_blast_admin_peak_rss", rss, "MiB", session=st["admin"])
        st["heir_reached"][st["admin"]] = reached
    st.save()

    # 5. The other commands, once each (after the loads above: warm).
    typical = st["typical"]
    dot_out = tmp / "graph.dot"
    commands = [
        ("heir_inherited", [heir, "inherited", graph, "--from", typical, "--at", at, "--format", "json"], typical),
        ("heir_plan", [heir, "plan", graph, "--from", typical, "--at", at, "--format", "json"], typical),
        ("heir_plan_first_wave",
         [heir, "plan", graph, "--from", typical, "--at", at, "--first-wave", "--format", "json"], typical),
        ("heir_sprawl", [heir, "sprawl", graph, "--at", at, "--top", "10", "--format", "json"], None),
        ("heir_export_dot", [heir, "export", "dot", graph, "-o", str(dot_out)], None),
        ("heir_export_dot_blast",
         [heir, "export", "dot", graph, "--blast-from", typical, "--at", at, "-o", str(dot_out)], typical),
    ]
    if st.get("admin"):
        commands.append(
            ("heir_plan_admin", [heir, "plan", graph, "--from", st["admin"], "--at", at, "--format", "json"],
             st["admin"]))
    for metric, cmd, session in commands:
        if metric == "heir_sprawl" and a.no_sprawl:
            continue
        rc, wall, rss, err = timed(cmd, tmp / "out")
        extra = {}
        if metric.startswith("heir_export_dot") and dot_out.exists():
            extra["bytes"] = dot_out.stat().st_size
            dot_out.unlink()
        status = None if rc == 0 else "error"
        res.add(f"{metric}_wall", wall if rc == 0 else None, "s", session=session, status=status, rc=rc, **extra)
        res.add(f"{metric}_peak_rss", rss, "MiB", session=session)
        log(f"{metric}: {wall:.3f} s, {rss:.0f} MiB" + ("" if rc == 0 else f" FAILED rc={rc}: {err[-500:]}"))
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()


# ------------------------------------------------------------------------------------------------
# networkx, whole process


def cmd_networkx(a):
    st = State(a.state)
    res = Results(a.results, a.run, a.scale, st.data)
    script = str(HERE / "networkx_blast.py")
    todo = [("typical", s) for s in st["sessions"][: a.n]]
    if st.get("admin"):
        # As many runs as heir's admin session gets, and the median of them: one run of the
        # script moves by a quarter or more with the host's load.
        todo += [("admin", st["admin"])] * a.admin_reps
    # The timed runs are direct, like heir's; one more run of the first typical session and of
    # the admin-like one, under /usr/bin/time, gives the peak RSS (see `timed`).
    todo = [(role, s, False) for role, s in todo]
    for role in ("typical", "admin"):
        first = next((s for r, s, _ in todo if r == role), None)
        if first is not None:
            todo.insert(0, (role, first, True))
    walls, rsss, phases = {"typical": [], "admin": []}, [], []
    mismatches = 0
    admin_phases = None
    for role, s, wrapped in todo:
        out = Path(tempfile.mkstemp(suffix=".json")[1])
        rc, wall, rss, err = timed([sys.executable, script, st["graph"], s], out, timeout=a.timeout,
                                   rss=wrapped)
        if rc != 0:
            out.unlink()
            res.add("networkx_wall", None, "s", stat="sample", role=role, session=s,
                    status="timeout" if rc is None else "error")
            log(f"networkx {role} {s}: {'timeout' if rc is None else 'error'} {err[-500:]}")
            continue
        r = load_json(out)
        out.unlink()
        count = r["counts"][s]
        if wrapped:
            rsss.append(rss)
            log(f"networkx {role} {s} (peak RSS): {wall:.2f} s, {rss:.0f} MiB, descendants {count}")
            continue
        heir = st.get("heir_reached", {}).get(s)
        ok = None if heir is None else count >= heir
        if ok is False:
            mismatches += 1
        st["networkx"][s] = count
        walls[role].append(wall)
        if role == "typical":
            phases.append(r["seconds"])
        else:
            admin_phases = r["seconds"]
        res.add("networkx_wall", wall, "s", stat="sample", role=role, session=s, descendants=count,
                heir_reached=heir, ge_heir=ok, phases=r["seconds"])
        log(f"networkx {role} {s}: {wall:.2f} s, descendants {count} (heir {heir})")
    st.save()
    res.add("networkx_wall", median(walls["typical"]), "s", stat="median", role="typical", n=len(walls["typical"]))
    if walls["admin"]:
        res.add("networkx_wall", median(walls["admin"]), "s", stat="median", role="admin",
                session=st["admin"], descendants=st["networkx"].get(st["admin"]), phases=admin_phases,
                heir_reached=st.get("heir_reached", {}).get(st["admin"]))
    if rsss:
        res.add("networkx_peak_rss", max(rsss), "MiB", stat="max", n=len(rsss))
    for k in ("import", "json_load", "build", "descendants"):
        v = median(p[k] for p in phases)
        if v is not None:
            res.add(f"networkx_phase_{k}", v, "s", stat="median", role="typical", n=len(phases))
    res.add("check_networkx_ge_heir", mismatches == 0, "bool", violations=mismatches,
            n=len(walls["typical"]) + len(walls["admin"]))
    if mismatches:
        log(f"WARNING: networkx found fewer nodes than heir for {mismatches} session(s)")


# ------------------------------------------------------------------------------------------------
# Cypher on ArcadeDB over Bolt


def cypher_query():
    from networkx_blast import TRAVERSABLE

    types = "|".join(sorted(k.upper() for k in TRAVERSABLE))
    # Parameterised: the id is never spliced into the text. `n <> s`: networkx's descendants
    # never include the source, even on a cycle back to it.
    return f"MATCH (s:HeirNode {{id: $id}})-[:{types}*1..]->(n) WHERE n <> s RETURN count(DISTINCT n) AS c"


def cmd_cypher(a):
    try:
        import neo4j
    except ImportError:
        die("the neo4j driver is not installed (pip install neo4j)")
    st = State(a.state)
    res = Results(a.results, a.run, a.scale, st.data)
    password = os.environ.get(a.password_env)
    if password is None:
        die(f"the environment variable {a.password_env} is not set")
    text = cypher_query()
    res.add("cypher_query", None, "text", query=text)
    # One driver (its connection pool stays open and authenticated), one session per query: the
    # time is the query's round trip on a ready connection, as for a user of a running database.
    driver = neo4j.GraphDatabase.driver(a.uri, auth=(a.user, password), max_connection_pool_size=4)
    info = driver.get_server_info()
    proto = ".".join(str(x) for x in info.protocol_version)
    res.add("bolt_protocol", proto, "version", agent=info.agent, driver=f"neo4j-python {neo4j.__version__}")
    log(f"Bolt {proto} with {info.agent} (neo4j driver {neo4j.__version__})")
    with driver.session(database=a.database) as sess:
        n_db = sess.run("MATCH (n:HeirNode) RETURN count(n) AS c").single()["c"]
        sess.run("RETURN 1").consume()
    res.add("cypher_db_nodes", n_db, "nodes")
    if n_db != st["nodes"]:
        log(f"WARNING: the database holds {n_db} HeirNode nodes, the document {st['nodes']}")

    def run_once(session_id):
        """One query; (seconds, count) or (None, 'timeout' / 'error: …'). The query runs in a
        thread so that a server that ignores its timeout cannot hang the harness."""
        box = {}

        def work():
            try:
                with driver.session(database=a.database) as s:
                    t0 = time.perf_counter()
                    rec = s.run(neo4j.Query(text, timeout=a.timeout), id=session_id).single()
                    box["t"] = time.perf_counter() - t0
                    box["c"] = rec["c"]
            except Exception as e:  # reported, not raised: one failing query must not stop the run
                box["err"] = f"{type(e).__name__}: {e}"

        th = threading.Thread(target=work, daemon=True)
        th.start()
        th.join(a.timeout + 10)
        if th.is_alive():
            return None, "timeout"
        if "err" in box:
            low = box["err"].lower()
            timed_out = any(w in low for w in ("timeout", "timed out", "timedout"))
            return None, "timeout" if timed_out else "error: " + box["err"][:300]
        return box["t"], box["c"]

    todo = [("typical", s) for s in st["sessions"][: a.n]]
    if st.get("admin"):
        todo.append(("admin", st["admin"]))
    medians = {"typical": [], "admin": []}
    mismatches, timeouts, compared = 0, 0, 0
    for role, s in todo:
        times, count, status = [], None, None
        for _ in range(a.admin_reps if role == "admin" else a.reps):
            t, c = run_once(s)
            if t is None:
                status = c
                break
            times.append(t)
            count = c
        nx_count = st.get("networkx", {}).get(s)
        if status:
            timeouts += status == "timeout"
            res.add("cypher_blast_wall", None, "ms", stat="warm_median", role=role, session=s, status=status,
                    timeout_s=a.timeout, runs_before=len(times))
            log(f"cypher {role} {s}: {status}")
            continue
        warm = times[1:] if len(times) > 1 else times
        med = median(warm) * 1e3
        medians[role].append(med)
        eq = None if nx_count is None else count == nx_count
        compared += eq is not None
        if eq is False:
            mismatches += 1
        st["cypher"][s] = count
        res.add("cypher_blast_wall", med, "ms", stat="warm_median", role=role, session=s, count=count,
                networkx=nx_count, equal_networkx=eq, first_ms=round(times[0] * 1e3, 3), n=len(warm))
        log(f"cypher {role} {s}: first {times[0]*1e3:.1f} ms, warm median {med:.1f} ms, "
            f"count {count} (networkx {nx_count})")
    st.save()
    driver.close()
    res.add("cypher_blast_wall", median(medians["typical"]), "ms", stat="median", role="typical",
            n=len(medians["typical"]))
    # Without networkx counts in the state (its step not run on this graph) nothing was compared:
    # no verdict rather than a vacuous "yes".
    res.add("check_cypher_eq_networkx", mismatches == 0 if compared else None, "bool",
            status=None if compared else "not compared (run the networkx step first)",
            mismatches=mismatches, timeouts=timeouts, compared=compared)
    if mismatches:
        log(f"WARNING: ArcadeDB and networkx disagree for {mismatches} session(s)")
    if not compared:
        log("WARNING: no networkx counts in the state: ArcadeDB's counts were not checked")


# ------------------------------------------------------------------------------------------------
# engine (benches/scale.rs)


def cmd_engine(a):
    st = State(a.state)
    res = Results(a.results, a.run, a.scale, st.data)
    env = dict(os.environ)
    env.update({
        "HEIR_BENCH_GRAPH": st["graph"],
        "HEIR_BENCH_AT": st["at"],
        "HEIR_BENCH_SESSIONS": a.sessions_file,
        "HEIR_BENCH_TYPICAL": st["typical"],
        "HEIR_BENCH_REPS": str(a.reps),
        "HEIR_BENCH_SCALE": a.scale,
    })
    if st.get("admin"):
        env["HEIR_BENCH_ADMIN"] = st["admin"]
    if a.no_sprawl:
        env["HEIR_BENCH_SPRAWL"] = "0"
    out = Path(tempfile.mkstemp(suffix=".jsonl")[1])
    rc, wall, rss, err = timed([a.bench_bin], out, env=env)
    lines = out.read_text().splitlines()
    out.unlink()
    if rc != 0:
        die(f"{a.bench_bin} failed ({rc}): {err[-2000:]}")
    n = 0
    for line in lines:
        if not line.startswith("{"):
            continue
        row = json.loads(line)
        metric, value, unit = row.pop("metric"), row.pop("value"), row.pop("unit")
        for k in ("scale", "nodes", "edges"):
            row.pop(k, None)
        res.add(metric, value, unit, **row)
        n += 1
        if row.get("stat") != "session_median":
            log(f"{metric} {row.get('stat', '')} {value} {unit}")
    # heir's load_graph opens `<document>.heirsnap` when a valid one is there: say which was timed.
    res.add("engine_process_wall", wall, "s", snapshot_cached=bool(snapshots_of(st["graph"])))
    res.add("engine_process_peak_rss", rss, "MiB")
    log(f"engine: {n} measurements in {wall:.1f} s, peak {rss:.0f} MiB")


# ------------------------------------------------------------------------------------------------
# timecmd


def cmd_timecmd(a):
    st = State(a.state) if a.state else None
    res = Results(a.results, a.run, a.scale, st.data if st else None)
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    rc, wall, rss, err = timed(cmd, timeout=a.timeout)
    sys.stderr.write(err)
    extra = {}
    if a.pid_rss and Path(f"/proc/{a.pid_rss}/status").exists():
        status = Path(f"/proc/{a.pid_rss}/status").read_text()
        for key, name in (("VmRSS", "server_rss_mib"), ("VmHWM", "server_peak_rss_mib")):
            m = re.search(rf"^{key}:\s+(\d+) kB", status, re.M)
            if m:
                extra[name] = round(int(m.group(1)) / 1024, 1)
    m = re.search(r"pushed (\d+) nodes and (\d+) relationships .* \((\d+) nodes/s\)", err)
    if m:
        extra.update(pushed_nodes=int(m.group(1)), pushed_relationships=int(m.group(2)),
                     nodes_per_s=int(m.group(3)))
    status = None if rc == 0 else ("timeout" if rc is None else "error")
    res.add(f"{a.metric}_wall", wall if rc == 0 else None, "s", status=status, rc=rc, **extra)
    res.add(f"{a.metric}_peak_rss", rss, "MiB")
    log(f"{a.metric}: {wall:.2f} s, {rss or 0:.0f} MiB" + (f" {extra}" if extra else "")
        + ("" if rc == 0 else f" FAILED ({status})"))
    if rc != 0 and not a.keep_going:
        sys.exit(1)


def cmd_record(a):
    st = State(a.state) if a.state else None
    res = Results(a.results, a.run, a.scale, st.data if st else None)
    try:
        value = float(a.value)
    except ValueError:
        value = a.value
    res.add(a.metric, value, a.unit)


# ------------------------------------------------------------------------------------------------
# report


SCALE_ORDER = {"10k": 0, "100k": 1, "1M": 2}


def cmd_report(a):
    rows = []
    with open(a.results, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    if a.bench_run:
        rows = [r for r in rows if r.get("bench_run") in a.bench_run]
    # Last value wins per (scale, metric, stat, role, session, run).
    last = {}
    for r in rows:
        key = (r["scale"], r["metric"], r.get("stat"), r.get("role"), r.get("session"), r.get("run"))
        last[key] = r
    scales = sorted({k[0] for k in last}, key=lambda s: (SCALE_ORDER.get(s, 99), s))
    if not scales:
        print("no results")
        return

    def get(scale, metric, stat=None, role=None, session=None, run=None, field="value"):
        r = last.get((scale, metric, stat, role, session, run))
        if r is None:
            return None
        return r.get(field) if field != "value" else (r["value"] if r["value"] is not None else r.get("status"))

    def any_row(scale, metric, **match):
        out = None
        for k, r in last.items():
            if k[0] == scale and k[1] == metric and all(r.get(f) == v for f, v in match.items()):
                out = r
        return out

    def fmt(v, unit=""):
        if v is None:
            return "–"
        if isinstance(v, str):
            return v
        if isinstance(v, bool):
            return "yes" if v else "**NO**"
        if unit == "s":
            return f"{v:.3f} s" if v < 10 else f"{v:.1f} s"
        if unit == "ms":
            return f"{v:.3f} ms" if v < 1 else (f"{v:.1f} ms" if v < 1000 else f"{v/1000:.2f} s")
        if unit == "MiB":
            return f"{v:.0f} MiB"
        if unit == "x":
            return f"{v:.0f}×" if v >= 10 else f"{v:.1f}×"
        if isinstance(v, float):
            return f"{v:.1f}"
        return str(v)

    def ratio(x, y):
        if isinstance(x, (int, float)) and isinstance(y, (int, float)) and y > 0:
            return x / y
        return None

    table = []

    def line(label, per_scale, unit=""):
        table.append((label, [fmt(per_scale(s), unit) for s in scales]))

    def same_subset_engine(s, role):
        """Median in-process blast time over the sessions the Cypher step measured."""
        ids = [k[4] for k, r in last.items() if k[0] == s and k[1] == "cypher_blast_wall"
               and r.get("stat") == "warm_median" and r.get("role") == role and k[4]]
        if role == "admin":
            r = any_row(s, "engine_blast_admin")
            return r["value"] if r else None
        vals = [get(s, "engine_blast", "session_median", session=i) for i in ids]
        return median(v for v in vals if isinstance(v, (int, float)))

    def cypher_med(s, role):
        if role == "admin":
            r = any_row(s, "cypher_blast_wall", role="admin", stat="warm_median")
            return None if r is None else (r["value"] if r["value"] is not None else r.get("status"))
        return get(s, "cypher_blast_wall", "median", role="typical")

    def first(s, metric, **m):
        r = any_row(s, metric, **m)
        return None if r is None else (r["value"] if r["value"] is not None else r.get("status"))

    line("nodes", lambda s: next((r["nodes"] for k, r in last.items() if k[0] == s and r.get("nodes")), None))
    line("edges", lambda s: next((r["edges"] for k, r in last.items() if k[0] == s and r.get("edges")), None))
    line("document size (MB)", lambda s: first(s, "graph_json_size"))
    line("admin-like session reach (heir, % of nodes)",
         lambda s: (lambda r: None if r is None else f"{r['value']} ({r.get('reached_pct')} %)")(
             any_row(s, "admin_session_reached")))
    table.append(("**whole process (a responder's one command)**", [""] * len(scales)))
    line("heir validate", lambda s: first(s, "heir_validate_wall"), "s")
    line("heir validate: load (self-reported)", lambda s: first(s, "heir_validate_load_reported"), "ms")
    line("heir validate: peak RSS", lambda s: first(s, "heir_validate_peak_rss"), "MiB")
    line("heir blast, first run (cold)", lambda s: first(s, "heir_blast_wall", stat="first_run"), "s")
    line("heir blast, median over --n sessions (pass 1)", lambda s: get(s, "heir_blast_wall", "pass1_median"), "s")
    line("heir blast, median over --n sessions (pass 2, warm)", lambda s: get(s, "heir_blast_wall", "warm_median"), "s")
    # pass1_max since pass 2 runs without /usr/bin/time; pass2_max in earlier results files.
    line("heir blast: peak RSS",
         lambda s: get(s, "heir_blast_peak_rss", "pass1_max") or get(s, "heir_blast_peak_rss", "pass2_max"),
         "MiB")
    line("heir blast, admin-like session", lambda s: first(s, "heir_blast_admin_wall"), "s")
    line("heir inherited", lambda s: first(s, "heir_inherited_wall"), "s")
    line("heir plan", lambda s: first(s, "heir_plan_wall"), "s")
    line("heir plan --first-wave", lambda s: first(s, "heir_plan_first_wave_wall"), "s")
    line("heir plan, admin-like session", lambda s: first(s, "heir_plan_admin_wall"), "s")
    line("heir sprawl --top 10", lambda s: first(s, "heir_sprawl_wall"), "s")
    line("heir sprawl: peak RSS", lambda s: first(s, "heir_sprawl_peak_rss"), "MiB")
    line("heir export dot (whole graph)", lambda s: first(s, "heir_export_dot_wall"), "s")
    line("heir export dot --blast-from", lambda s: first(s, "heir_export_dot_blast_wall"), "s")
    line("networkx script, median over --n sessions", lambda s: get(s, "networkx_wall", "median", role="typical"), "s")
    line("networkx script, admin-like session", lambda s: get(s, "networkx_wall", "median", role="admin",
                                                                session=_admin(last, s)), "s")
    line("networkx script: peak RSS", lambda s: get(s, "networkx_peak_rss", "max"), "MiB")
    line("networkx phases, typical: import / json.load / DiGraph / descendants (s)",
         lambda s: None if not isinstance(get(s, "networkx_phase_json_load", "median", role="typical"), float)
         else " / ".join(f"{get(s, f'networkx_phase_{k}', 'median', role='typical'):.2f}"
                         for k in ("import", "json_load", "build", "descendants")))
    line("networkx descendants(), admin-like session",
         lambda s: ((any_row(s, "networkx_wall", role="admin", stat="median") or {}).get("phases") or {}).get(
             "descendants"), "s")
    line("**networkx / heir (typical, warm)**",
         lambda s: ratio(get(s, "networkx_wall", "median", role="typical"), get(s, "heir_blast_wall", "warm_median")),
         "x")
    line("**networkx / heir (admin-like)**",
         lambda s: ratio(get(s, "networkx_wall", "median", role="admin", session=_admin(last, s)),
                         first(s, "heir_blast_admin_wall")), "x")
    line("networkx counts ≥ heir reached", lambda s: first(s, "check_networkx_ge_heir"))
    line("Neo4j push to ArcadeDB", lambda s: first(s, "neo4j_push_wall"), "s")
    line("Neo4j push: nodes/s", lambda s: (any_row(s, "neo4j_push_wall") or {}).get("nodes_per_s"))
    line("Neo4j push: heir peak RSS", lambda s: first(s, "neo4j_push_peak_rss"), "MiB")
    line("ArcadeDB RSS after the push", lambda s: (any_row(s, "neo4j_push_wall") or {}).get("server_rss_mib"), "MiB")
    table.append(("**in-process engine (benches/scale.rs)**", [""] * len(scales)))
    line("load (parse + index)", lambda s: first(s, "engine_load"), "ms")
    line("peak RSS after load", lambda s: first(s, "engine_peak_rss_after_load"), "MiB")
    line("blast, median of 100", lambda s: get(s, "engine_blast", "median"), "ms")
    line("blast, p90 of 100", lambda s: get(s, "engine_blast", "p90"), "ms")
    line("blast, max of 100", lambda s: get(s, "engine_blast", "max"), "ms")
    line("blast reach, median / max (nodes)",
         lambda s: None if get(s, "engine_blast_reached", "median") is None else
         f"{get(s, 'engine_blast_reached', 'median'):.0f} / {get(s, 'engine_blast_reached', 'max'):.0f}")
    line("blast, admin-like session", lambda s: first(s, "engine_blast_admin"), "ms")
    line("inherited", lambda s: first(s, "engine_inherited"), "ms")
    line("plan", lambda s: first(s, "engine_plan"), "ms")
    line("plan, first wave", lambda s: first(s, "engine_plan_first_wave"), "ms")
    line("plan, admin-like session", lambda s: first(s, "engine_plan_admin"), "ms")
    line("sprawl ranking (top 10)", lambda s: first(s, "engine_sprawl"), "ms")
    line("blast DOT (typical / admin)",
         lambda s: None if first(s, "engine_blast_dot") is None else
         f"{fmt(first(s, 'engine_blast_dot'), 'ms')} / {fmt(first(s, 'engine_blast_dot_admin'), 'ms')}")
    table.append(("**Cypher on the loaded ArcadeDB (Bolt)**", [""] * len(scales)))
    line("Cypher variable-length query, median over --n sessions (warm)", lambda s: cypher_med(s, "typical"), "ms")
    line("heir in-process, the same sessions", lambda s: same_subset_engine(s, "typical"), "ms")
    line("**Cypher / heir (typical)**", lambda s: ratio(cypher_med(s, "typical"), same_subset_engine(s, "typical")), "x")
    line("Cypher, admin-like session (warm)", lambda s: cypher_med(s, "admin"), "ms")
    line("**Cypher / heir (admin-like)**", lambda s: ratio(cypher_med(s, "admin"), same_subset_engine(s, "admin")), "x")
    line("ArcadeDB counts == networkx", lambda s: first(s, "check_cypher_eq_networkx"))

    print("| | " + " | ".join(scales) + " |")
    print("|---|" + "---:|" * len(scales))
    for label, cells in table:
        print(f"| {label} | " + " | ".join(cells) + " |")
    print()
    print("Targets: networkx / heir ≥ 50× (whole process); Cypher / heir ≥ 20× (in-process heir vs. a warm query).")


def _admin(last, scale):
    for k, r in last.items():
        if k[0] == scale and k[1] == "admin_session_reached":
            return r.get("session")
    return None


# ------------------------------------------------------------------------------------------------


def snapshots_of(graph):
    """heir's snapshots of `graph` in the cache directory (named `<file name>-<path hash>`)."""
    cache = Path(os.environ["HEIR_CACHE_DIR"])
    return sorted(cache.glob(Path(graph).name + "-*.heirsnap")) if cache.is_dir() else []


def main():
    # heir's snapshot cache for this harness (bench_scale.sh puts it in its work directory), so
    # that benchmarks neither read nor leave snapshots in the user's cache.
    os.environ.setdefault("HEIR_CACHE_DIR", str(Path(tempfile.gettempdir()) / "heir-bench-cache"))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp, state=True):
        sp.add_argument("--results", required=True)
        sp.add_argument("--run", required=True, help="bench_run label copied into every line")
        sp.add_argument("--scale", required=True)
        if state:
            sp.add_argument("--state", required=True)

    sp = sub.add_parser("check-traversable")
    sp.add_argument("--heir", required=True)
    sp.add_argument("--example", default=str(REPO / "examples" / "acme.json"))
    sp.set_defaults(fn=cmd_check_traversable)

    sp = sub.add_parser("overlay")
    sp.add_argument("input")
    sp.add_argument("output")
    sp.set_defaults(fn=cmd_overlay)

    sp = sub.add_parser("prepare")
    sp.add_argument("--graph", required=True)
    sp.add_argument("--state", required=True)
    sp.add_argument("--sessions-file", required=True)
    sp.add_argument("--at", required=True)
    sp.add_argument("--seed", type=int, default=7)
    sp.add_argument("--count", type=int, default=100)
    sp.add_argument("--candidates", type=int, default=5)
    sp.set_defaults(fn=cmd_prepare)

    sp = sub.add_parser("pick-admin")
    common(sp)
    sp.add_argument("--heir", required=True)
    sp.set_defaults(fn=cmd_pick_admin)

    sp = sub.add_parser("heir")
    common(sp)
    sp.add_argument("--heir", required=True)
    sp.add_argument("--n", type=int, default=10)
    sp.add_argument("--admin-reps", type=int, default=3)
    sp.add_argument("--no-sprawl", action="store_true")
    sp.set_defaults(fn=cmd_heir)

    sp = sub.add_parser("networkx")
    common(sp)
    sp.add_argument("--n", type=int, default=10)
    sp.add_argument("--admin-reps", type=int, default=3, help="runs for the admin-like session")
    sp.add_argument("--timeout", type=float, default=3600)
    sp.set_defaults(fn=cmd_networkx)

    sp = sub.add_parser("cypher")
    common(sp)
    sp.add_argument("--uri", required=True)
    sp.add_argument("--user", default="root")
    sp.add_argument("--database", default="heir")
    sp.add_argument("--password-env", default="HEIR_BENCH_PW")
    sp.add_argument("--n", type=int, default=10)
    sp.add_argument("--reps", type=int, default=5, help="runs per typical session (first = cold)")
    sp.add_argument("--admin-reps", type=int, default=3, help="runs for the admin-like session")
    sp.add_argument("--timeout", type=float, default=120)
    sp.set_defaults(fn=cmd_cypher)

    sp = sub.add_parser("engine")
    common(sp)
    sp.add_argument("--bench-bin", required=True)
    sp.add_argument("--sessions-file", required=True)
    sp.add_argument("--reps", type=int, default=5)
    sp.add_argument("--no-sprawl", action="store_true")
    sp.set_defaults(fn=cmd_engine)

    sp = sub.add_parser("timecmd")
    common(sp, state=False)
    sp.add_argument("--state")
    sp.add_argument("--metric", required=True)
    sp.add_argument("--timeout", type=float)
    sp.add_argument("--pid-rss", help="also record VmRSS/VmHWM of this process afterwards (the server)")
    sp.add_argument("--keep-going", action="store_true")
    sp.add_argument("cmd", nargs=argparse.REMAINDER)
    sp.set_defaults(fn=cmd_timecmd)

    sp = sub.add_parser("record")
    common(sp, state=False)
    sp.add_argument("--state")
    sp.add_argument("--metric", required=True)
    sp.add_argument("--value", required=True)
    sp.add_argument("--unit", required=True)
    sp.set_defaults(fn=cmd_record)

    sp = sub.add_parser("report")
    sp.add_argument("--results", required=True)
    sp.add_argument("--bench-run", action="append", help="only these runs (default: every run, last value wins)")
    sp.set_defaults(fn=cmd_report)

    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
