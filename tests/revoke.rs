//! `heir revoke` against scripted stand-in servers (never a real tenant): the dry run's exact
//! requests, execution in plan order with its journal, idempotent re-runs, a failing step
//! halting its children, a run cut off mid-way (the platform down, or heir killed) resumed from
//! the journal, and the safety gates.

#[path = "common/standin.rs"]
mod standin;

use serde_json::Value;
use standin::*;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `heir revoke PLAN` pointed at the stand-in for Okta and Slack (the drill's platforms), then
/// `rest`.
fn drill_args<'a>(plan: &'a str, base: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "revoke",
        plan,
        "--okta-org-url",
        base,
        "--slack-api-url",
        base,
    ];
    args.extend_from_slice(rest);
    args
}

/// Runs `heir revoke PLAN --execute --yes` against the stand-in, journaled in the scratch
/// folder.
fn execute(s: &Scratch, plan: &str, base: &str) -> std::process::Output {
    let journal = s.path("journal.jsonl");
    s.heir(&drill_args(
        plan,
        base,
        &["--execute", "--yes", "--stale-ok", "--journal", &journal],
    ))
}

#[test]
fn the_dry_run_prints_the_exact_requests_byte_for_byte() {
    let s = Scratch::new("revoke-dry");
    let plan = s.drill_plan();
    let run = || {
        let out = s.heir(&["revoke", &plan, "--okta-org-url", "https://canary.okta.com"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("stale plan"),
            "a dry run of an old plan warns: {}",
            text(&out.stderr)
        );
        text(&out.stdout).replace(&plan, "PLAN.json")
    };
    let first = run();
    assert_eq!(first, run(), "the dry run is byte-stable");
    assert_no_secret("the dry run", &first);
    golden("revoke-drill.txt", &first);
    // Nothing was journaled: a dry run writes nothing.
    assert!(!s.dir.join("data").exists());

    let entra = s.plan("tests/fixtures/uneven/entra.json", "entra:token:rt-teams");
    let out = s.heir(&["revoke", &entra]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    golden(
        "revoke-uneven-entra.txt",
        &text(&out.stdout).replace(&entra, "PLAN.json"),
    );
}

#[test]
fn execute_performs_the_calls_in_order_journals_them_and_a_second_run_does_nothing_new() {
    let s = Scratch::new("revoke-exec");
    let plan = s.drill_plan();
    let mut world = drill_world();
    // A 429 storm of one: the request is retried, journaled once.
    world.throttle_once.insert(DRILL_CLEAR.into());
    let srv = Standin::start(world);
    let out = execute(&s, &plan, &srv.base);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(
        srv.changes(),
        vec![DRILL_SUSPEND, DRILL_CLEAR, DRILL_CLEAR, DRILL_SLACK_RESET],
        "in plan order, the throttled one sent again"
    );
    // Each platform got its own credential, by its scheme.
    let seen = srv.seen();
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(format!("SSWS {OKTA_TOKEN}").as_str())
    );
    assert_eq!(
        seen.last().unwrap().authorization.as_deref(),
        Some(format!("Bearer {SLACK_TOKEN}").as_str())
    );
    assert_eq!(seen.last().unwrap().body, r#"{"user_id":"U0CANARY01"}"#);

    let journal = s.journal();
    let rows: Vec<(u64, &str, &str, Option<u64>)> = journal
        .iter()
        .map(|e| {
            (
                e["step"].as_u64().unwrap(),
                e["target"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
                e["status"].as_u64(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (1, "okta:user:00uCANARY01", "done", Some(200)),
            (2, "okta:session:102CanarySession", "done", Some(204)),
            (3, "slack:session:canary-web", "done", Some(200)),
            (4, "okta:token:at-canary", "manual", None),
        ]
    );
    assert_eq!(journal[1]["method"], "DELETE");
    assert_eq!(
        journal[1]["url"],
        format!(
            "{}/api/v1/users/00uCANARY01/sessions?oauthTokens=true",
            srv.base
        )
    );
    assert!(journal[3]["detail"]
        .as_str()
        .unwrap()
        .contains("compensating control"));
    let journal_text = std::fs::read_to_string(s.path("journal.jsonl")).unwrap();
    for (what, t) in [
        ("stdout", &stdout),
        ("stderr", &stderr),
        ("the journal", &journal_text),
    ] {
        assert_no_secret(what, t);
    }
    // One line as the journal schema's golden (times and the port normalised).
    let mut line = journal[1].clone();
    line["at"] = Value::String("2026-10-02T12:31:00Z".into());
    line["sent"] = Value::String("2026-10-02T12:30:59Z".into());
    line["url"] = Value::String(
        line["url"]
            .as_str()
            .unwrap()
            .replace(&srv.base, "https://canary.okta.com"),
    );
    golden(
        "journal-drill.json",
        &(serde_json::to_string_pretty(&line).unwrap() + "\n"),
    );

    // The second run sends nothing and writes nothing.
    let again = execute(&s, &plan, &srv.base);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(srv.changes().len(), 4, "nothing new was sent");
    assert_eq!(
        std::fs::read_to_string(s.path("journal.jsonl")).unwrap(),
        journal_text,
        "nothing new was journaled"
    );
    assert!(text(&again.stdout).contains("already done"));
}

#[test]
fn a_failing_step_halts_the_steps_that_wait_for_it() {
    let s = Scratch::new("revoke-fail");
    let plan = s.drill_plan();
    let mut world = drill_world();
    world.fail.insert(DRILL_CLEAR.into(), 403);
    let srv = Standin::start(world);
    let out = execute(&s, &plan, &srv.base);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert_eq!(
        srv.changes(),
        vec![DRILL_SUSPEND, DRILL_CLEAR],
        "the Slack session minted through the failed Okta session is not touched"
    );
    let j = s.journal();
    let failed = j.iter().find(|e| e["step"] == 2).unwrap();
    assert_eq!(failed["outcome"], "failed");
    assert_eq!(failed["status"], 403);
    assert!(failed["detail"]
        .as_str()
        .unwrap()
        .contains("refused by the stand-in"));
    let skipped = j.iter().find(|e| e["step"] == 3).unwrap();
    assert_eq!(skipped["outcome"], "skipped");
    assert!(skipped["detail"].as_str().unwrap().contains("step 2"));
}

#[test]
fn a_run_cut_off_mid_way_resumes_from_the_journal() {
    let s = Scratch::new("revoke-resume");
    let plan = s.drill_plan();
    let mut world = drill_world();
    // The far side stops answering after the first change (503 to everything, retries spent).
    world.down_after = Some(1);
    let srv = Standin::start(world);
    let out = execute(&s, &plan, &srv.base);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let outcomes: Vec<(u64, String)> = s
        .journal()
        .iter()
        .map(|e| {
            (
                e["step"].as_u64().unwrap(),
                e["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        vec![
            (1, "done".into()),
            (2, "failed".into()),
            (3, "skipped".into()),
            (4, "manual".into())
        ]
    );
    // Back up: the re-run does what is left and does not suspend the user twice.
    srv.with(|w| w.down_after = None);
    let before = srv.changes().len();
    let out = execute(&s, &plan, &srv.base);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        srv.changes()[before..].to_vec(),
        vec![DRILL_CLEAR, DRILL_SLACK_RESET]
    );
    let j = s.journal();
    assert_eq!(
        j.len(),
        6,
        "two new lines, the manual step not journaled twice"
    );
    assert_eq!(j[4]["step"], 2);
    assert_eq!(j[4]["outcome"], "done");
    assert_eq!(j[5]["step"], 3);
    assert_eq!(j[5]["outcome"], "done");
}

/// heir itself dies (SIGKILL) while it waits for the answer to a request the platform has
/// carried out. The re-run of the same command completes the plan; what the journal recorded as
/// done is not sent again (the request in flight at the kill is sent again: heir cannot know it
/// took, and the plan's deletes are idempotent); the journal is whole JSON lines. A line torn by
/// a crash mid-write (planted here: a kill lands on a `write` too rarely to test by chance) is
/// reported, and the re-run's lines after it stay readable.
#[test]
fn heir_killed_mid_run_resumes_from_the_journal() {
    use std::time::Duration;
    let s = Scratch::new("revoke-kill");
    let plan = s.drill_plan();
    let mut world = drill_world();
    // The second change (the Okta session clear) is done, its answer held.
    world.hold_nth = Some(2);
    let srv = Standin::start(world);
    let journal = s.path("journal.jsonl");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_heir"))
        .args(drill_args(
            &plan,
            &srv.base,
            &["--execute", "--yes", "--stale-ok", "--journal", &journal],
        ))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("HEIR_DATA_DIR", s.dir.join("data"))
        .env("OKTA_API_TOKEN", OKTA_TOKEN)
        .env("SLACK_TOKEN", SLACK_TOKEN)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("heir starts");
    let arrived = srv.wait_for_changes(2, Duration::from_secs(60));
    // SIGKILL (what `Child::kill` sends on Unix): no destructor, no flush, no goodbye.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    srv.release();
    assert!(arrived, "heir never sent the held request");
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "killed by SIGKILL"
    );
    assert_eq!(srv.changes(), vec![DRILL_SUSPEND, DRILL_CLEAR]);
    // The journal the dead process left: whole lines, the one answered request done.
    let left = std::fs::read_to_string(&journal).unwrap();
    assert!(left.ends_with('\n'), "no torn line: {left:?}");
    let j = s.journal();
    assert_eq!(j.len(), 1, "{left}");
    assert_eq!(
        (j[0]["step"].as_u64(), j[0]["outcome"].as_str()),
        (Some(1), Some("done"))
    );

    // A torn last line, as a kill mid-write would leave.
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&journal)
            .unwrap();
        f.write_all(br#"{"at":"2026-10-02T12:31:00Z","step":2,"targ"#)
            .unwrap();
    }
    let out = execute(&s, &plan, &srv.base);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{}\n{stderr}", text(&out.stdout));
    assert!(
        stderr.contains("1 line(s) are not journal entries"),
        "the torn line is reported: {stderr}"
    );
    assert!(
        text(&out.stdout).contains("already done"),
        "{}",
        text(&out.stdout)
    );
    let counts = srv.counts();
    assert_eq!(
        counts[DRILL_SUSPEND], 1,
        "the journaled suspend is not sent twice"
    );
    assert_eq!(
        counts[DRILL_CLEAR], 2,
        "the request in flight at the kill is sent again"
    );
    assert_eq!(counts[DRILL_SLACK_RESET], 1);
    // Every line but the torn one is a journal entry; the re-run's start on their own lines.
    let text_now = std::fs::read_to_string(&journal).unwrap();
    let lines: Vec<&str> = text_now.lines().collect();
    assert_eq!(lines.len(), 5, "{text_now}");
    assert!(serde_json::from_str::<Value>(lines[1]).is_err());
    let rows: Vec<(u64, String)> = [lines[0], lines[2], lines[3], lines[4]]
        .iter()
        .map(|l| {
            let e: heir::act::journal::Entry = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("not a journal entry ({e}): {l}"));
            (e.step as u64, e.outcome.as_str().to_string())
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (1, "done".into()),
            (2, "done".into()),
            (3, "done".into()),
            (4, "manual".into())
        ]
    );
    // A third run: nothing sent, nothing written.
    let again = execute(&s, &plan, &srv.base);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(srv.changes().len(), 4);
    assert_eq!(std::fs::read_to_string(&journal).unwrap(), text_now);
    assert_no_secret("the journal", &text_now);
}

#[test]
fn nothing_is_performed_without_confirmation_or_on_a_stale_plan() {
    let s = Scratch::new("revoke-gates");
    let plan = s.drill_plan();
    let srv = Standin::start(drill_world());
    // --execute without --yes, standard input not a terminal: a usage error.
    let out = s.heir(&drill_args(&plan, &srv.base, &["--execute", "--stale-ok"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--yes"), "{}", text(&out.stderr));
    // A plan computed long ago: refused without --stale-ok.
    let out = s.heir(&drill_args(&plan, &srv.base, &["--execute", "--yes"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("refusing a stale plan"),
        "{}",
        text(&out.stderr)
    );
    // A plan of another graph: refused with --graph.
    let other = s.path("other.json");
    std::fs::write(&other, DRILL_GRAPH.replace("canary app", "another app")).unwrap();
    let out = s.heir(&drill_args(
        &plan,
        &srv.base,
        &[
            "--execute",
            "--yes",
            "--max-age",
            "5000w",
            "--graph",
            &other,
        ],
    ));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("another graph"),
        "{}",
        text(&out.stderr)
    );
    assert!(srv.changes().is_empty(), "nothing was sent");
    // The graph it came from passes the same gate.
    let out = s.heir(&drill_args(
        &plan,
        &srv.base,
        &[
            "--execute",
            "--yes",
            "--max-age",
            "5000w",
            "--graph",
            &s.path("drill.json"),
            "--journal",
            &s.path("journal.jsonl"),
        ],
    ));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(srv.changes().len(), 3);
}

#[test]
fn the_default_journal_lives_in_the_data_directory_and_is_printed() {
    let s = Scratch::new("revoke-default-journal");
    let plan = s.drill_plan();
    let srv = Standin::start(drill_world());
    let out = s.heir(&drill_args(
        &plan,
        &srv.base,
        &["--execute", "--yes", "--stale-ok"],
    ));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dir = s.dir.join("data").join("journal");
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(files.len(), 1);
    let path = files[0].as_ref().unwrap().path();
    let name = path.file_name().unwrap().to_str().unwrap().to_string();
    assert!(
        name.starts_with("plan-") && name.ends_with(".jsonl"),
        "{name}"
    );
    assert!(text(&out.stderr).contains(&path.display().to_string()));
}

/// On a terminal, `--execute` without `--yes` asks for the number of requests to be typed. The
/// terminal is `script(1)`'s pseudo-terminal; without `script` the test says so and passes.
#[test]
fn on_a_terminal_the_number_of_requests_must_be_typed() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("script(1) is not installed: the terminal confirmation is not exercised");
        return;
    }
    let s = Scratch::new("revoke-confirm");
    let plan = s.drill_plan();
    let srv = Standin::start(drill_world());
    let typed = |answer: &str| {
        let cmd = format!(
            "env HEIR_DATA_DIR={data} OKTA_API_TOKEN={OKTA_TOKEN} SLACK_TOKEN={SLACK_TOKEN} {bin} revoke {plan} --okta-org-url {base} --slack-api-url {base} --execute --stale-ok --journal {journal}",
            data = s.path("data"),
            bin = env!("CARGO_BIN_EXE_heir"),
            base = srv.base,
            journal = s.path("journal.jsonl"),
        );
        let mut child = std::process::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{answer}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = typed("2");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("Type 3 to go on"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        srv.changes().is_empty(),
        "nothing sent without the right number"
    );
    let out = typed("3");
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert_eq!(srv.changes().len(), 3);
}

/// A rejected credential stops the run: nothing else would work either. The refusal is
/// journaled, nothing after it is sent, and the message names the variable, not its value.
#[test]
fn a_rejected_credential_stops_the_run() {
    let s = Scratch::new("revoke-401");
    let plan = s.drill_plan();
    let mut world = drill_world();
    world.fail.insert(DRILL_SUSPEND.into(), 401);
    let srv = Standin::start(world);
    let out = execute(&s, &plan, &srv.base);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("OKTA_API_TOKEN"), "{stderr}");
    assert_no_secret("stderr", &stderr);
    assert_eq!(srv.changes(), vec![DRILL_SUSPEND]);
    let j = s.journal();
    assert_eq!(j.len(), 1);
    assert_eq!(j[0]["outcome"], "failed");
    assert_eq!(j[0]["status"], 401);
}

/// The plan names its graph by SHA-256; for a large document the hash is remembered in the cache
/// directory keyed by the document's length, times and inode, and recomputed when it changes.
#[test]
fn the_graph_hash_is_remembered_per_state_of_the_document() {
    let s = Scratch::new("revoke-graph-hash");
    let g = s.path("big.json");
    let pad = "x".repeat(1 << 20);
    let big = DRILL_GRAPH.replace(
        r#""name": "canary app", "criticality": 4}"#,
        &format!(r#""name": "canary app", "criticality": 4, "props": {{"pad": "{pad}"}}}}"#),
    );
    std::fs::write(&g, &big).unwrap();
    let cache = s.dir.join("cache");
    let plan = || -> String {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_heir"))
            .args([
                "plan", &g, "--from", DRILL_FROM, "--at", AT, "--format", "json",
            ])
            .env("HEIR_CACHE_DIR", &cache)
            .env("HEIR_SNAPSHOT", "off")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["graph_sha256"].as_str().unwrap().to_string()
    };
    let real = heir::act::plan::file_sha256(std::path::Path::new(&g)).unwrap();
    assert_eq!(plan(), real);
    let remembered: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sha256"))
        .collect();
    assert_eq!(remembered.len(), 1);
    // The remembered value is what the next plan reads (shown by planting another one)…
    let text_of = std::fs::read_to_string(&remembered[0]).unwrap();
    let (key, _) = text_of.trim_end().rsplit_once('\t').unwrap();
    let planted = "ab".repeat(32);
    std::fs::write(&remembered[0], format!("{key}\t{planted}\n")).unwrap();
    assert_eq!(plan(), planted);
    // …until the document changes.
    std::fs::write(&g, big.replace("canary app", "canary app 2")).unwrap();
    let changed = heir::act::plan::file_sha256(std::path::Path::new(&g)).unwrap();
    assert_eq!(plan(), changed);
    assert_ne!(changed, real);
}
