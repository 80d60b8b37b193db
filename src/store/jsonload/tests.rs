use super::*;

/// Edge records that are read here are read exactly as serde reads them; the odd ones
/// (escapes, control characters, repeated or unknown keys, wrong types, trailing text) are
/// left to serde.
/// The word-at-a-time search finds what a byte-at-a-time one finds, at every alignment.
#[test]
fn special_bytes_are_found_exactly() {
    let slow = |b: &[u8], controls: bool| {
        b.iter()
            .position(|&c| c == b'"' || c == b'\\' || (controls && c < 0x20))
    };
    for hit in [b'"', b'\\', 0, 0x1f, b'\n'] {
        for len in 0..24 {
            for at in 0..=len {
                let mut b: Vec<u8> = (0..len).map(|k| b"az ~\x7f\xc3\xa9!"[k % 8]).collect();
                if at < len {
                    b[at] = hit;
                }
                assert_eq!(special::<true>(&b), slow(&b, true), "{b:?}");
                assert_eq!(special::<false>(&b), slow(&b, false), "{b:?}");
            }
        }
    }
    assert_eq!(special::<true>(b"abc\x20\x1f"), Some(4));
    assert_eq!(special::<false>(b"abc\x20\x1f"), None);
}

fn same_split(text: &str) -> bool {
    let one = split(text, false);
    let two = split(text, true);
    assert_eq!(
        one.as_ref().map(|s| (s.version, &s.nodes, &s.edges)),
        two.as_ref().map(|s| (s.version, &s.nodes, &s.edges))
    );
    one.is_some()
}

fn doc(nodes: usize, edges: usize, node_props: &str) -> String {
    let nodes: Vec<String> = (0..nodes)
        .map(|k| format!(r#"{{"id": "u{k}", "kind": "user", "props": {{"p": "{node_props}"}}}}"#))
        .collect();
    let edges: Vec<String> = (0..edges)
        .map(|k| format!(r#"{{"from":"u{k}","to":"u{}","kind":"sso"}}"#, k + 1))
        .collect();
    format!(
        "{{\"version\": 1, \"nodes\": [{}],\n \"edges\" : [ {} ] }}",
        nodes.join(","),
        edges.join(", \n")
    )
}

/// The two-thread split finds exactly the one-thread split's elements: when the second
/// thread's guess is right, when it falls inside a string, in either list, and when the
/// document is broken after the middle.
#[test]
fn parallel_split_is_the_serial_split() {
    let plain = doc(300, 900, "x");
    assert!(same_split(&plain)); // the middle in the edges
    let guess = resync(plain.as_bytes(), plain.len() / 2).unwrap();
    let at = |e: &&str| e.as_ptr() as usize - plain.as_ptr() as usize;
    let edges = split(&plain, false).unwrap().edges;
    assert!(
        edges.iter().any(|e| at(e) == guess),
        "a true element start: the halves join"
    );
    assert!(same_split(&doc(900, 30, "x"))); // in the nodes
    assert!(same_split(&doc(300, 0, "x")));
    assert!(same_split(&doc(0, 300, "x")));
    // Guesses inside strings: every node's props string looks like a list boundary.
    let tricky = doc(400, 10, r#"}, {\"id\": \"u1\"}, {"#);
    assert!(tricky.contains(r#"}, {\"id"#));
    let guess = resync(tricky.as_bytes(), tricky.len() / 2).unwrap();
    let serial = split(&tricky, false).unwrap();
    let starts = |list: &[&str]| -> Vec<usize> {
        list.iter()
            .map(|e| e.as_ptr() as usize - tricky.as_ptr() as usize)
            .collect()
    };
    assert!(
        !starts(&serial.nodes).contains(&guess),
        "the guess is inside a string"
    );
    assert!(same_split(&tricky));
    assert!(!same_split(
        &doc(300, 900, "x").replace("}, \n{\"from\":\"u700\"", "} {\"from\":\"u700\"")
    ));
    assert!(!same_split("{\"version\": 1, \"nodes\": [{},{}"));
}

#[test]
fn quick_edges_read_as_serde_does() {
    let cases = [
        r#"{"from":"a","to":"b","kind":"sso"}"#,
        r#" { "kind" : "member_of" ,"to":"b:2",  "from":"a:1"}  "#,
        "{\n\t\"from\":\"a\",\r\n\"to\":\"b\",\"kind\":\"sso\"}",
        r#"{"from":"a","to":"b","kind":"sso","requires":["mfa","managed_device"]}"#,
        r#"{"from":"a","to":"b","kind":"sso","requires":[]}"#,
        r#"{"from":"a","to":"b","kind":"issued","at":"2026-11-20T10:00:00Z"}"#,
        r#"{"from":"a","to":"b","kind":"issued","at":null}"#,
        r#"{"from":"a","to":"b","kind":"sso","props":{"x":[1,{"y":"}"}],"z":null}}"#,
        r#"{"from":"a","to":"b","kind":"sso","props":{}}"#,
        r#"{"from":"a","to":"b","kind":"sso","props":{"ip":"10.0.0.1","ok":true,"n":null,"f":false}}"#,
        r#"{"from":"a","to":"b","kind":"sso","props":{ "a" : 1.5e3 , "b":"c" }}"#,
        r#"{"from":"a","to":"b","kind":"sso","props":{"a":"x","a":"y"}}"#,
        // An escaped time: the value is read by serde, the record here.
        r#"{"from":"a","to":"b","kind":"sso","at":"2026-11-20T10:00:00\u005a"}"#,
        r#"{"from":"é✓","to":"b","kind":"sso"}"#,
        r#"{"at":"2026-11-20T10:00:00.250+02:00","from":"a","to":"b","kind":"issued"}"#,
        // Left to serde, which accepts or refuses them itself.
        r#"{"from":"a\"q","to":"b","kind":"sso"}"#,
        r#"{"from":"a\u0041","to":"b","kind":"sso"}"#,
        "{\"from\":\"a\tb\",\"to\":\"b\",\"kind\":\"sso\"}",
        r#"{"fr\u006fm":"a","to":"b","kind":"sso"}"#,
        r#"{"from":"a","from":"c","to":"b","kind":"sso"}"#,
        r#"{"from":"a","to":"b","kind":"sso","kind":"sso"}"#,
        r#"{"from":"a","to":"b","kind":"sso","props":{},"props":{}}"#,
        r#"{"from":"a","to":"b","kind":"sso","at":null,"at":null}"#,
        r#"{"from":"a","to":"b","kind":"sso","at":"2026-11-20T10:00:00Z","at":null}"#,
        r#"{"from":"a","to":"b","kind":"sso","at":null,"at":"2026-11-20T10:00:00Z"}"#,
        r#"{"from":"a","to":"b","kind":"sso","at":"2026-11-20T10:00:00Z","at":"2026-11-20T10:00:00Z"}"#,
        r#"{"from":"a","to":"b","kind":"s\u0073o"}"#,
        r#"{"from":"a","to":"b","kind":"SSO"}"#,
        r#"{"from":"a","to":"b","kind":"sso","at":"2026-02-30T10:00:00Z"}"#,
        r#"{"from":"a","to":"b","kind":"sso","requiers":[]}"#,
        r#"{"from":"a","to":"b","kind":"owns_"}"#,
        r#"{"from":"a","to":"b","kind":"sso","requires":null}"#,
        r#"{"from":"a","to":"b","kind":"sso","requires":["mfaa"]}"#,
        r#"{"from":"a","to":"b","kind":"sso","props":null}"#,
        r#"{"from":"a","to":"b","kind":"sso","props":[]}"#,
        r#"{"from":"a","to":"b","kind":"sso","at":"yesterday"}"#,
        r#"{"from":"a","to":"b","kind":"sso","at":5}"#,
        r#"{"from":1,"to":"b","kind":"sso"}"#,
        r#"{"from":"a","to":"b"}"#,
        r#"{"to":"b","kind":"sso"}"#,
        r#"{}"#,
        r#"{"from":"a","to":"b","kind":"sso",}"#,
        r#"{"from":"a","to":"b","kind":"sso"} x"#,
        r#"{"from":"a","to":"b","kind":"sso"}}"#,
        r#"{"from":"a" "to":"b","kind":"sso"}"#,
        r#"{"from":"a","to":"b","kind":"sso","props":{"a":tru}}"#,
        r#"{"from":"a","to":"b","kind":"sso","props":{"a":"x}"#,
        r#"{"from":"a","to":"b","kind":"sso","props":{"a":truex}}"#,
        r#"{"from":"a","to":"b","kind":"sso","props":{"a":"x",}}"#,
        r#"{"from":"a","to":"b","kind":"sso","props":{"a" "x"}}"#,
        r#"{"from":"a","to":"b","kind":"sso","props":{"a":"x"}}}"#,
        r#"{"from":"a","to":"b","kind":"sso","props":{"a":01}}"#,
        r#"{"from":"a","to":"b","kind":"sso","props":{a:"x"}}"#,
        r#"["from","a"]"#,
    ];
    let every_kind: Vec<String> = EdgeKind::ALL
        .iter()
        .map(|k| format!(r#"{{"from":"a","to":"b","kind":"{}"}}"#, k.as_str()))
        .collect();
    let mut quick = 0;
    for raw in cases
        .into_iter()
        .chain(every_kind.iter().map(String::as_str))
    {
        let reference: Result<EdgeLite, _> = serde_json::from_str(raw);
        let Some(e) = quick_edge(raw) else { continue };
        quick += 1;
        let r = reference.unwrap_or_else(|err| panic!("read {raw} that serde refuses: {err}"));
        assert_eq!(
            (&e.from, &e.to, e.kind, &e.requires, e.at),
            (&r.from, &r.to, r.kind, &r.requires, r.at),
            "{raw}"
        );
        assert!(matches!(e.from, Cow::Borrowed(_)) && matches!(e.to, Cow::Borrowed(_)));
    }
    assert_eq!(
        quick,
        15 + EdgeKind::ALL.len(),
        "the fifteen records above and one per edge kind are read here"
    );
}

/// What [`quick_node`] reads, in a form that compares (the checked-and-dropped fields as
/// presence or length).
fn node_summary(n: &NodeLite<'_>) -> String {
    format!(
        "{}|{:?}|{:?}|{}|{}|{:?}|{:?}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{}",
        n.id,
        n.kind,
        n.platform,
        n.name.is_some(),
        n.person.is_some(),
        n.criticality,
        n.enabled,
        n.tags.len(),
        n.issued_at,
        n.expires_at,
        n.last_used_at,
        n.revocation,
        n.device_bound,
        n.mfa,
        n.token_type,
        n.scopes.len(),
    )
}

/// Nodes read by the quick reader are read exactly as serde reads them, and what serde
/// refuses the quick reader leaves to serde: escapes in ids, kinds and keys, duplicates,
/// unknown fields, wrong types, numbers outside `u8` or written unusually, invalid times and
/// spellings.
#[test]
fn quick_nodes_read_as_serde_does() {
    let quick_cases = [
        r#"{"id":"okta:user:1","kind":"user"}"#,
        r#" { "kind" : "session", "id" : "okta:session:1" } "#,
        "{\n\t\"id\":\"a:user:1\",\r\n\"kind\":\"user\"}",
        r#"{"id":"zoom:session:164-0-3","kind":"session","platform":"zoom","issued_at":"2026-11-20T04:40:33.999Z","expires_at":"2026-11-25T01:14:57.498Z","revocation":"per_app"}"#,
        r#"{"id":"c:token:rt","kind":"token","platform":"confluence","issued_at":"2026-11-18T08:09:02.114Z","expires_at":"2027-02-16T08:09:02.114Z","revocation":"central","device_bound":true,"token_type":"refresh","mfa":false}"#,
        r#"{"id":"aws:service_account:svc-8","kind":"service_account","name":"svc-8","criticality":4,"tags":["env:dev"],"enabled":false}"#,
        r#"{"id":"a:app:x","kind":"app","criticality":10,"scopes":["a","b\"c"],"props":{"x":[1,{"y":"}"}],"z":null}}"#,
        r#"{"id":"a:app:x","kind":"app","criticality":0,"name":"caf\u00e9 \"q\"","person":null}"#,
        r#"{"id":"a:app:x","kind":"app","criticality":255,"platform":null,"enabled":null,"mfa":null}"#,
        r#"{"id":"a:app:x","kind":"app","issued_at":null,"expires_at":"2026-11-20T10:00:00+02:00","last_used_at":"2026-11-20T10:00:00.5Z"}"#,
        r#"{"id":"a:app:x","kind":"app","revocation":null,"token_type":null,"tags":[],"scopes":[],"props":{}}"#,
        r#"{"id":"é✓","kind":"device","person":"x@y"}"#,
        r#"{"id":"a","kind":"user","platform":"ok\u0074a"}"#,
        r#"{"id":"a","kind":"user","tags":["x","y:z"],"scopes":[ "a" , "b" ]}"#,
        r#"{"id":"a","kind":"user","tags":["x\"y"],"scopes":["\u0041"]}"#,
        r#"{"id":"a","kind":"user","props":{"ip":"10.0.0.1","ok":true,"n":null}}"#,
        r#"{"id":"a","kind":"user","props":{"n":[1,2],"o":{"p":"q"}}}"#,
    ];
    let serde_cases = [
        r#"{"id":"a\"q","kind":"user"}"#,
        r#"{"id":"a\u0041","kind":"user"}"#,
        "{\"id\":\"a\tb\",\"kind\":\"user\"}",
        r#"{"i\u0064":"a","kind":"user"}"#,
        r#"{"id":"a","kind":"us\u0065r"}"#,
        r#"{"id":"a","id":"b","kind":"user"}"#,
        r#"{"id":"a","kind":"user","mfa":null,"mfa":true}"#,
        r#"{"id":"a","kind":"user","platform":null,"platform":null}"#,
        r#"{"id":"a","kind":"user","colour":"red"}"#,
        r#"{"id":"a","kind":"User"}"#,
        r#"{"id":"a","kind":"user","criticality":256}"#,
        r#"{"id":"a","kind":"user","criticality":1000}"#,
        r#"{"id":"a","kind":"user","criticality":-1}"#,
        r#"{"id":"a","kind":"user","criticality":-0}"#,
        r#"{"id":"a","kind":"user","criticality":01}"#,
        r#"{"id":"a","kind":"user","criticality":5.0}"#,
        r#"{"id":"a","kind":"user","criticality":5e0}"#,
        r#"{"id":"a","kind":"user","criticality":5x}"#,
        r#"{"id":"a","kind":"user","criticality":"5"}"#,
        r#"{"id":"a","kind":"user","enabled":"true"}"#,
        r#"{"id":"a","kind":"user","enabled":truex}"#,
        r#"{"id":"a","kind":"user","enabled":nul}"#,
        r#"{"id":"a","kind":"user","enabled":1}"#,
        r#"{"id":"a","kind":"user","tags":null}"#,
        r#"{"id":"a","kind":"user","tags":"x"}"#,
        r#"{"id":"a","kind":"user","tags":[1]}"#,
        r#"{"id":"a","kind":"user","tags":["a",]}"#,
        r#"{"id":"a","kind":"user","tags":["a" "b"]}"#,
        r#"{"id":"a","kind":"user","tags":["a"]]}"#,
        r#"{"id":"a","kind":"user","scopes":{}}"#,
        r#"{"id":"a","kind":"user","tags":["a"],"tags":[]}"#,
        r#"{"id":"a","kind":"user","props":{"a":truex}}"#,
        r#"{"id":"a","kind":"user","props":{"a":"x",}}"#,
        r#"{"id":"a","kind":"user","name":5}"#,
        r#"{"id":"a","kind":"user","expires_at":"yesterday"}"#,
        r#"{"id":"a","kind":"user","expires_at":"2026-02-30T00:00:00Z"}"#,
        r#"{"id":"a","kind":"user","expires_at":"2026-11-20T10:00:00\u005a"}"#,
        r#"{"id":"a","kind":"user","expires_at":5}"#,
        r#"{"id":"a","kind":"user","revocation":"sometimes"}"#,
        r#"{"id":"a","kind":"user","token_type":"Refresh"}"#,
        r#"{"id":"a","kind":"user","props":null}"#,
        r#"{"id":"a","kind":"user","props":[]}"#,
        r#"{"id":"a","kind":"user","props":{"a":tru}}"#,
        r#"{"id":1,"kind":"user"}"#,
        r#"{"kind":"user"}"#,
        r#"{"id":"a"}"#,
        r#"{}"#,
        r#"{"id":"a","kind":"user",}"#,
        r#"{"id":"a","kind":"user"} x"#,
        r#"{"id":"a","kind":"user"}}"#,
        r#"{"id":"a" "kind":"user"}"#,
        r#"["id","a"]"#,
    ];
    let mut spelled: Vec<String> = NodeKind::ALL
        .iter()
        .map(|k| format!(r#"{{"id":"a","kind":"{}"}}"#, k.as_str()))
        .collect();
    spelled.extend(Revocation::ALL.iter().map(|r| {
        format!(
            r#"{{"id":"a","kind":"token","revocation":"{}"}}"#,
            r.as_str()
        )
    }));
    spelled.extend(TokenType::ALL.iter().map(|t| {
        format!(
            r#"{{"id":"a","kind":"token","token_type":"{}"}}"#,
            t.as_str()
        )
    }));
    let all = quick_cases
        .iter()
        .copied()
        .chain(spelled.iter().map(String::as_str));
    for raw in all {
        let n = quick_node(raw).unwrap_or_else(|| panic!("{raw} left to serde"));
        let r: NodeLite = serde_json::from_str(raw)
            .unwrap_or_else(|err| panic!("read {raw} that serde refuses: {err}"));
        assert_eq!(node_summary(&n), node_summary(&r), "{raw}");
        assert!(matches!(n.id, Cow::Borrowed(_)));
    }
    for raw in serde_cases {
        let reference: Result<NodeLite, _> = serde_json::from_str(raw);
        match (quick_node(raw), reference) {
            (None, _) => {}
            (Some(n), Ok(r)) => assert_eq!(node_summary(&n), node_summary(&r), "{raw}"),
            (Some(_), Err(err)) => panic!("read {raw} that serde refuses: {err}"),
        }
    }
}
