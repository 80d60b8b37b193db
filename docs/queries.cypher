// heir's questions, answered inside Neo4j over a graph pushed with `heir export neo4j` (or the
// script from `heir export cypher`). Each query is one statement after a `// name:` line; the
// test suite runs every one of them against a real Bolt server and checks the answers.
//
// Parameters: $from (a node id), $at (RFC 3339 time, e.g. "2026-11-20T10:00:00Z"), $since
// (RFC 3339 or null). Times are stored as canonical RFC 3339 strings in UTC, which compare
// correctly as strings.

// name: blast-radius
// What a stolen artefact reaches over the traversable relationship types (everything but
// CONSENTED), without crossing a conditional edge or a dead credential. heir's own engine is
// finer (MFA claims, windows, persistence, revived children): use `heir blast` for the answer
// you act on, this query for exploring around it.
MATCH p = (s:HeirNode {id: $from})-[:AUTHENTICATES_AS|ISSUED|SSO|MEMBER_OF|CAN_ASSUME|CAN_ACCESS|ADMIN_OF|OWNS|HOLDS*1..12]->(n:HeirNode)
WHERE n.id <> $from
  AND ALL(r IN relationships(p) WHERE size(r.requires) = 0)
  AND ALL(x IN nodes(p) WHERE x.enabled = true AND (x.expires_at IS NULL OR x.expires_at > $at))
RETURN DISTINCT n.id AS id, n.kind AS kind, n.criticality AS criticality
ORDER BY criticality DESC, id;

// name: reachable
// Plain reachability over the traversable relationship types: the upper bound of any blast radius.
MATCH (s:HeirNode {id: $from})-[:AUTHENTICATES_AS|ISSUED|SSO|MEMBER_OF|CAN_ASSUME|CAN_ACCESS|ADMIN_OF|OWNS|HOLDS*1..12]->(n:HeirNode)
WHERE n.id <> $from
RETURN DISTINCT n.id AS id
ORDER BY id;

// name: inherited
// What inherited this session: the lineage (ISSUED closure) minted at or after $since.
MATCH p = (s:HeirNode {id: $from})-[:ISSUED*1..12]->(c:HeirNode)
WHERE c.id <> $from AND ALL(r IN relationships(p) WHERE $since IS NULL OR r.at >= $since)
RETURN DISTINCT c.id AS id, c.kind AS kind, c.expires_at AS expires_at
ORDER BY id;

// name: orphaned-nhis
// Service accounts nobody enabled owns: no owner at all, or every owner disabled.
MATCH (sa:ServiceAccount)
OPTIONAL MATCH (o:HeirNode)-[:OWNS]->(sa)
WITH sa, collect(o) AS owners
WHERE size(owners) = 0 OR ALL(o IN owners WHERE o.enabled = false)
RETURN sa.id AS id, size(owners) AS owners
ORDER BY id;

// name: never-expiring-credentials
// Sessions, tokens and grants with no expiry that are still enabled.
MATCH (c:HeirNode)
WHERE c.kind IN ['session', 'token', 'oauth_grant'] AND c.expires_at IS NULL AND c.enabled = true
RETURN c.id AS id, c.kind AS kind, c.revocation AS revocation
ORDER BY id;
