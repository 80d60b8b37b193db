//! The HTML reports in a real browser: the `heir` binary writes them, headless Chromium opens
//! them offline and is driven over the DevTools protocol (on a pipe, `--remote-debugging-pipe`:
//! no port, no extra crate). Each test fails on any console error or exception, on any request
//! that is not the file itself, when a section or the picture does not render, when a real mouse
//! click on a node does not show its chain, when a ticked step does not survive a reload, and
//! when the print layout is not A4 or overflows it. Screenshots and PDFs are kept under
//! `target/test-artifacts/`.
//!
//! Without Chromium the browser tests say so and pass, except in CI (`CI=true`), where a missing
//! browser fails: `scripts/test.sh` installs it.
#![cfg(unix)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

const AT: &str = "2026-11-20T10:00:00Z";
const STOLEN: &str = "okta:session:102Dk9vQm3TZsW8yLpA4rXc";

fn heir() -> Command {
    Command::new(env!("CARGO_BIN_EXE_heir"))
}

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("heir-report-html-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Where screenshots and PDFs are kept for people to look at.
fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest().join("target"));
    let dir = target.join("test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run_ok(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().expect("heir runs");
    assert!(
        out.status.success(),
        "{:?} failed: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn incident_report(dir: &Path, graph: &Path, from: &str, since: Option<&str>) -> PathBuf {
    let out = dir.join("incident.html");
    let mut cmd = heir();
    cmd.arg("report")
        .arg(graph)
        .args(["--from", from, "--at", AT]);
    if let Some(s) = since {
        cmd.args(["--since", s]);
    }
    cmd.arg("-o").arg(&out);
    run_ok(&mut cmd);
    out
}

fn sprawl_page(dir: &Path, graph: &Path) -> PathBuf {
    let out = run_ok(
        heir()
            .arg("sprawl")
            .arg(graph)
            .args(["--at", AT, "--format", "html"]),
    );
    let path = dir.join("sprawl.html");
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

/// Nothing in the page may point at the network.
fn assert_offline_markup(html: &str) {
    let lower = html.to_ascii_lowercase();
    for bad in [
        "src=\"http",
        "src='http",
        "href=\"http",
        "href='http",
        "src=\"//",
        "href=\"//",
        "url(http",
        "url(//",
        "@import",
    ] {
        assert!(
            !lower.contains(bad),
            "the page refers to the network: {bad}"
        );
    }
}

// ------------------------------------------------------------------------------------------------
// A minimal DevTools protocol client over Chromium's debugging pipe (fd 3 in, fd 4 out,
// messages separated by NUL bytes).

fn chromium_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("HEIR_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
    .find(|p| p.is_file())
}

/// Chromium, or `None` with a message when the test may be skipped; in CI a missing browser
/// fails.
fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    match chromium_path() {
        Some(p) => Some(p),
        None if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") => {
            panic!("{test}: Chromium is not installed and CI=true; `scripts/test.sh` installs it (apt-get install chromium)")
        }
        None => {
            eprintln!("{test}: SKIPPED — Chromium is not installed (apt-get install chromium, or run scripts/test.sh)");
            None
        }
    }
}

struct Browser {
    child: Child,
    to: std::fs::File,
    rx: mpsc::Receiver<Value>,
    next: u64,
    session: Option<String>,
    events: Vec<Value>,
    _profile: PathBuf,
}

fn pipe() -> (std::fs::File, std::fs::File) {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe writes; fcntl only sets their flags.
    // (pipe2 would set close-on-exec at once, but macOS lacks it; a descriptor leaked into a
    // process another test spawns in between only holds a pipe end open.)
    unsafe {
        assert_eq!(
            libc::pipe(fds.as_mut_ptr()),
            0,
            "pipe: {}",
            std::io::Error::last_os_error()
        );
        for fd in fds {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        }
    }
    // SAFETY: both descriptors were just created and are owned by nobody else.
    unsafe {
        (
            std::fs::File::from_raw_fd(fds[0]),
            std::fs::File::from_raw_fd(fds[1]),
        )
    }
}

impl Browser {
    fn launch(chromium: &Path, profile: PathBuf) -> Browser {
        use std::os::fd::AsRawFd;
        use std::os::unix::process::CommandExt;
        let (cmd_read, cmd_write) = pipe();
        let (resp_read, resp_write) = pipe();
        let (r, w) = (cmd_read.as_raw_fd(), resp_write.as_raw_fd());
        let mut cmd = Command::new(chromium);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--remote-debugging-pipe",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--mute-audio",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls (dup2, fcntl) between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                for (from, to) in [(r, 3), (w, 4)] {
                    if from == to {
                        if libc::fcntl(to, libc::F_SETFD, 0) == -1 {
                            return Err(std::io::Error::last_os_error());
                        }
                    } else if libc::dup2(from, to) == -1 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("Chromium starts");
        drop(cmd_read);
        drop(resp_write);
        let (tx, rx) = mpsc::channel();
        let mut from = resp_read;
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 64 * 1024];
            loop {
                let n = match from.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                buf.extend_from_slice(&chunk[..n]);
                while let Some(end) = buf.iter().position(|&b| b == 0) {
                    let msg: Vec<u8> = buf.drain(..=end).collect();
                    if let Ok(v) = serde_json::from_slice::<Value>(&msg[..msg.len() - 1]) {
                        if tx.send(v).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        let mut b = Browser {
            child,
            to: cmd_write,
            rx,
            next: 0,
            session: None,
            events: Vec::new(),
            _profile: profile,
        };
        let target = b.call_browser("Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"]
            .as_str()
            .expect("a target id")
            .to_string();
        let attached = b.call_browser(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        b.session = Some(
            attached["sessionId"]
                .as_str()
                .expect("a session")
                .to_string(),
        );
        for domain in [
            "Page.enable",
            "Runtime.enable",
            "Log.enable",
            "Network.enable",
        ] {
            b.call(domain, json!({}));
        }
        b.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
        );
        b
    }

    fn send(&mut self, method: &str, params: Value, session: Option<String>) -> Value {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.to
            .write_all(&bytes)
            .expect("the browser reads commands");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self
                .rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no answer to {method} within 60 s"));
            if v["id"].as_u64() == Some(id) {
                if let Some(e) = v.get("error") {
                    panic!("{method} failed: {e}");
                }
                return v["result"].clone();
            }
            self.events.push(v);
        }
    }

    fn call_browser(&mut self, method: &str, params: Value) -> Value {
        self.send(method, params, None)
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        let s = self.session.clone();
        self.send(method, params, s)
    }

    /// Waits for an event of this page (and takes it off the list).
    fn wait_event(&mut self, method: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(k) = self.events.iter().position(|e| e["method"] == method) {
                return self.events.remove(k);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self
                .rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {method} within 60 s"));
            self.events.push(v);
        }
    }

    fn open(&mut self, path: &Path) {
        self.events.retain(|e| e["method"] != "Page.loadEventFired");
        let url = format!("file://{}", path.display());
        let nav = self.call("Page.navigate", json!({"url": url}));
        assert!(nav.get("errorText").is_none(), "navigation failed: {nav}");
        self.wait_event("Page.loadEventFired");
    }

    fn reload(&mut self) {
        self.events.retain(|e| e["method"] != "Page.loadEventFired");
        self.call("Page.reload", json!({}));
        self.wait_event("Page.loadEventFired");
    }

    /// Evaluates `expr` in the page and returns its value; an exception fails the test.
    fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("evaluating `{expr}` threw: {e}");
        }
        r["result"]["value"].clone()
    }

    /// A real left click (mouse pressed and released) at a point of the viewport.
    fn click_at(&mut self, x: f64, y: f64) {
        for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
            );
        }
    }

    /// Clicks the centre of the element `selector` selects, after checking that it is what a
    /// person would hit there (nothing covers it).
    fn click(&mut self, selector: &str) {
        let at = self.eval(&format!(
            "(() => {{ const e = document.querySelector({sel}); if (!e) return null;
               e.scrollIntoView({{block: 'center', inline: 'center'}});
               const r = e.getBoundingClientRect(); const x = r.left + r.width / 2, y = r.top + r.height / 2;
               const hit = document.elementFromPoint(x, y);
               return {{x, y, hit: !!hit && (hit === e || e.contains(hit))}}; }})()",
            sel = json!(selector)
        ));
        assert!(!at.is_null(), "nothing matches {selector}");
        assert_eq!(
            at["hit"], true,
            "{selector} is covered or outside the page: {at}"
        );
        self.click_at(at["x"].as_f64().unwrap(), at["y"].as_f64().unwrap());
    }

    fn screenshot(&mut self, name: &str) -> PathBuf {
        let shot = self.call("Page.captureScreenshot", json!({"format": "png"}));
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("png data"))
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        let path = artifacts().join(name);
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Prints to PDF on A4 and checks every page is A4; in print media at the A4 text width
    /// (210 mm less the page's 2 × 12 mm margins), nothing may stick out to the right.
    fn check_print(&mut self, name: &str) {
        self.call("Emulation.setEmulatedMedia", json!({"media": "print"}));
        // 186 mm at 96 px per inch.
        let width = (186.0_f64 / 25.4 * 96.0).floor();
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": false}),
        );
        let overflow = self.eval(
            "(() => { const w = document.documentElement.clientWidth; const out = [];
               for (const e of document.body.querySelectorAll('*')) {
                 const r = e.getBoundingClientRect();
                 if (r.width > 0 && r.right > w + 1 && getComputedStyle(e).display !== 'none') out.push(e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className + ' ' + Math.round(r.right));
               }
               return {scroll: document.documentElement.scrollWidth, width: w, out: out.slice(0, 8)}; })()",
        );
        assert!(
            overflow["scroll"].as_f64() <= Some(width + 1.0)
                && overflow["out"].as_array().is_some_and(|o| o.is_empty()),
            "{name}: the print layout is wider than A4: {overflow}"
        );
        let pdf = self.call(
            "Page.printToPDF",
            json!({"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": true, "preferCSSPageSize": true}),
        );
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(pdf["data"].as_str().expect("pdf data"))
            .unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "a PDF");
        let boxes = media_boxes(&bytes);
        assert!(!boxes.is_empty(), "{name}: no page in the PDF");
        for b in &boxes {
            // A4 is 595.28 × 841.89 points.
            assert!(
                (b[2] - b[0] - 595.3).abs() < 2.0 && (b[3] - b[1] - 841.9).abs() < 2.0,
                "{name}: a page is not A4: {b:?}"
            );
        }
        std::fs::write(artifacts().join(name), &bytes).unwrap();
        self.call("Emulation.setEmulatedMedia", json!({"media": ""}));
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
        );
    }

    /// Console errors, uncaught exceptions, error log entries (CSP violations among them) and
    /// requests for anything but the report file.
    fn problems(&mut self) -> Vec<String> {
        // Anything still in the pipe.
        while let Ok(v) = self.rx.recv_timeout(Duration::from_millis(200)) {
            self.events.push(v);
        }
        let mut out = Vec::new();
        for e in &self.events {
            let p = &e["params"];
            match e["method"].as_str().unwrap_or("") {
                "Runtime.exceptionThrown" => {
                    out.push(format!("exception: {}", p["exceptionDetails"]))
                }
                "Runtime.consoleAPICalled"
                    if matches!(p["type"].as_str(), Some("error" | "assert")) =>
                {
                    out.push(format!("console.{}: {}", p["type"], p["args"]))
                }
                "Log.entryAdded" if p["entry"]["level"] == "error" => {
                    out.push(format!("log error: {}", p["entry"]["text"]))
                }
                "Network.requestWillBeSent" => {
                    let url = p["request"]["url"].as_str().unwrap_or("");
                    if !(url.starts_with("file://")
                        || url.starts_with("data:")
                        || url == "about:blank")
                    {
                        out.push(format!("network request: {url}"));
                    }
                }
                _ => {}
            }
        }
        out
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `[x0, y0, x1, y1]` of every `/MediaBox` in a PDF (Chromium writes page dictionaries
/// uncompressed).
fn media_boxes(pdf: &[u8]) -> Vec<[f64; 4]> {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/MediaBox")
        .filter_map(|(k, _)| {
            let rest = &text[k + "/MediaBox".len()..];
            let open = rest.find('[')?;
            let close = rest.find(']')?;
            let nums: Vec<f64> = rest[open + 1..close]
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect();
            (nums.len() == 4).then(|| [nums[0], nums[1], nums[2], nums[3]])
        })
        .collect()
}

/// Every section is there, shown, and has its heading.
fn assert_sections(b: &mut Browser, ids: &[&str]) {
    let shown = b.eval(&format!(
        "{ids}.map(id => {{ const s = document.getElementById(id);
           return [id, !!s && s.offsetHeight > 0 && !!s.querySelector('h2')]; }})",
        ids = json!(ids)
    ));
    for pair in shown.as_array().unwrap() {
        assert_eq!(pair[1], true, "section #{} is missing or empty", pair[0]);
    }
}

// ------------------------------------------------------------------------------------------------

#[test]
fn incident_report_works_in_a_browser() {
    let Some(chromium) = chromium_or_skip("incident_report_works_in_a_browser") else {
        return;
    };
    let dir = scratch("incident");
    let graph = manifest().join("examples/infostealer.json");
    let page = incident_report(&dir, &graph, STOLEN, Some("2026-11-20T09:10:00Z"));
    let html = std::fs::read_to_string(&page).unwrap();
    assert_offline_markup(&html);

    let mut b = Browser::launch(&chromium, dir.join("profile"));
    b.open(&page);
    assert_sections(
        &mut b,
        &[
            "summary", "picture", "chains", "held", "timeline", "hunt", "runbook", "data",
        ],
    );
    // The picture: an SVG with every node of the radius drawn and clickable.
    let svg = b.eval(
        "(() => { const s = document.querySelector('#picture svg'); if (!s) return null;
           const box = s.getBBox();
           return {nodes: s.querySelectorAll('g.node').length, clickable: s.querySelectorAll('g.node.clickable').length,
                   width: box.width, height: box.height,
                   reached: JSON.parse(document.getElementById('heir-data').textContent).blast.reached.length}; })()",
    );
    assert!(!svg.is_null(), "no SVG picture");
    assert!(
        svg["width"].as_f64() > Some(100.0) && svg["height"].as_f64() > Some(50.0),
        "{svg}"
    );
    assert!(
        svg["clickable"].as_u64() > svg["reached"].as_u64(),
        "every reached node and the source are clickable: {svg}"
    );
    // The timeline lists what was minted since the compromise; the hunt says plainly that no
    // logs were searched.
    let timeline = b.eval("document.querySelectorAll('#timeline ol.timeline li').length");
    assert!(timeline.as_u64() > Some(0), "no lineage timeline entries");
    let hunt = b.eval("document.getElementById('hunt-findings').textContent");
    assert!(
        hunt.as_str().unwrap().contains("No hunt findings"),
        "{hunt}"
    );
    b.screenshot("report-incident.png");

    // The zoom button switches between fitting the page and Graphviz's own size, and back.
    let width = "document.querySelector('#picture svg').getBoundingClientRect().width";
    let fit = b.eval(width).as_f64().unwrap();
    b.click("#zoom");
    let actual = b.eval(width).as_f64().unwrap();
    assert!(
        actual > fit,
        "actual size ({actual}) is not larger than fit ({fit})"
    );
    b.click("#zoom");
    assert_eq!(b.eval(width).as_f64().unwrap(), fit);

    // A real click on the most critical node shows its chain, as the blast answer has it.
    let target = b.eval(
        "(() => { const d = JSON.parse(document.getElementById('heir-data').textContent);
           const v = JSON.parse(document.getElementById('heir-view').textContent);
           const r = d.blast.reached.find(x => x.criticality >= 7);
           const hid = Object.keys(v.nodes).find(h => v.nodes[h].id === r.id);
           return {hid, id: r.id, path: r.path}; })()",
    );
    let hid = target["hid"]
        .as_str()
        .expect("the critical node is in the picture")
        .to_string();
    let panel_hidden = b.eval("document.getElementById('node-panel').hidden");
    assert_eq!(panel_hidden, true, "the node card is hidden before a click");
    b.click(&format!("#picture g.node#{hid}"));
    let shown = b.eval(
        "(() => { const p = document.getElementById('node-panel');
           return {hidden: p.hidden, visible: p.offsetHeight > 0, text: p.textContent,
                   chain: Array.from(p.querySelectorAll('#panel-chain li .mono')).map(e => e.textContent),
                   selected: document.querySelector('#picture g.node.selected')?.id}; })()",
    );
    assert_eq!(
        shown["hidden"], false,
        "the click did not open the node card: {shown}"
    );
    assert_eq!(shown["visible"], true, "{shown}");
    assert_eq!(
        shown["chain"], target["path"],
        "the card's chain is not the blast answer's"
    );
    assert!(shown["text"]
        .as_str()
        .unwrap()
        .contains("Controls that held"));
    assert_eq!(shown["selected"], json!(hid));
    b.screenshot("report-incident-node.png");

    // A ticked step survives a reload; the others stay unticked.
    let steps = b
        .eval("document.querySelectorAll('input[data-step]').length")
        .as_u64()
        .unwrap();
    assert!(steps > 5, "the runbook has its steps: {steps}");
    b.click("#runbook li.step:nth-child(2) input[data-step]");
    let ticked = b.eval(
        "(() => { const i = document.querySelector('#runbook li.step:nth-child(2) input[data-step]');
           return {step: i.dataset.step, checked: i.checked}; })()",
    );
    assert_eq!(ticked["checked"], true, "the click did not tick the step");
    b.reload();
    let after = b.eval(
        "(() => { const all = Array.from(document.querySelectorAll('input[data-step]'));
           return {checked: all.filter(i => i.checked).map(i => i.dataset.step),
                   progress: document.getElementById('runbook-progress').textContent}; })()",
    );
    assert_eq!(
        after["checked"],
        json!([ticked["step"]]),
        "the tick did not survive the reload: {after}"
    );
    assert_eq!(after["progress"], json!(format!("1 of {steps} steps done")));

    b.check_print("report-incident.pdf");
    let problems = b.problems();
    assert!(problems.is_empty(), "the page had problems: {problems:#?}");
    drop(b);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sprawl_page_works_in_a_browser() {
    let Some(chromium) = chromium_or_skip("sprawl_page_works_in_a_browser") else {
        return;
    };
    let dir = scratch("sprawl");
    let page = sprawl_page(&dir, &manifest().join("examples/acme.json"));
    let html = std::fs::read_to_string(&page).unwrap();
    assert_offline_markup(&html);
    let mut b = Browser::launch(&chromium, dir.join("profile"));
    b.open(&page);
    assert_sections(&mut b, &["summary", "findings", "ranking", "data"]);
    let counts = b.eval(
        "(() => { const d = JSON.parse(document.getElementById('heir-data').textContent);
           return {findings: d.findings.length, high: d.findings.filter(f => f.severity === 'high').length,
                   rows: document.querySelectorAll('#findings-table tbody tr').length,
                   ranked: document.querySelectorAll('#ranking-table tbody tr').length,
                   banner: !!document.getElementById('incomplete')}; })()",
    );
    assert!(counts["findings"].as_u64() > Some(0), "{counts}");
    assert_eq!(counts["rows"], counts["findings"], "{counts}");
    assert!(counts["ranked"].as_u64() > Some(0), "{counts}");
    // The Acme demo has an incompletely collected source: the banner says so.
    assert_eq!(counts["banner"], true);
    b.screenshot("report-sprawl.png");

    // Filters: only high, by clicking the two other severities off.
    b.click("#filters input[value=medium]");
    b.click("#filters input[value=low]");
    let visible = b.eval(
        "Array.from(document.querySelectorAll('#findings-table tbody tr')).filter(r => !r.hidden).map(r => r.dataset.severity)",
    );
    let visible = visible.as_array().unwrap();
    assert_eq!(visible.len() as u64, counts["high"].as_u64().unwrap());
    assert!(visible.iter().all(|s| s == "high"), "{visible:?}");
    let counter = b.eval("document.getElementById('findings-shown').textContent");
    assert_eq!(
        counter,
        json!(format!(
            "{} of {} findings shown",
            counts["high"], counts["findings"]
        ))
    );
    b.check_print("report-sprawl.pdf");
    let problems = b.problems();
    assert!(problems.is_empty(), "the page had problems: {problems:#?}");
    drop(b);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Ids and names that try to run script, break out of attributes or reorder text.
const EVIL: &str =
    "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">'\"\u{202e}gnp.exe";

fn hostile_graph(dir: &Path) -> PathBuf {
    let doc = json!({
        "version": 1,
        "sources": [{"name": "okta", "collected_at": "2026-11-20T09:00:00Z", "complete": false, "reason": EVIL}],
        "nodes": [
            {"id": format!("okta:session:{EVIL}"), "kind": "session", "platform": "okta", "name": EVIL,
             "issued_at": "2026-11-20T08:00:00Z", "expires_at": "2026-11-20T20:00:00Z", "revocation": "central"},
            {"id": format!("okta:user:{EVIL}"), "kind": "user", "platform": "okta", "name": EVIL, "criticality": 9},
            {"id": format!("okta:token:{EVIL}"), "kind": "token", "platform": "okta", "name": EVIL,
             "expires_at": "2026-12-20T20:00:00Z", "revocation": "central", "props": {"ip": EVIL, "user_agent": EVIL}},
            {"id": format!("okta:app:{EVIL}"), "kind": "app", "platform": "okta", "name": EVIL, "criticality": 8},
            {"id": format!("m365:user:{EVIL}"), "kind": "user", "platform": "m365", "name": EVIL}
        ],
        "edges": [
            {"from": format!("okta:session:{EVIL}"), "to": format!("okta:user:{EVIL}"), "kind": "authenticates_as"},
            {"from": format!("okta:session:{EVIL}"), "to": format!("okta:token:{EVIL}"), "kind": "issued", "at": "2026-11-20T09:00:00Z"},
            {"from": format!("okta:token:{EVIL}"), "to": format!("okta:app:{EVIL}"), "kind": "can_access"},
            {"from": format!("okta:user:{EVIL}"), "to": format!("m365:user:{EVIL}"), "kind": "sso", "requires": ["managed_device"]}
        ]
    });
    let path = dir.join("hostile.json");
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    path
}

/// Outside the JSON islands, the page's markup: every hostile string is text.
fn assert_escaped(html: &str) {
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script type=\"application/json\"").count() + 1,
        "only our scripts"
    );
    assert!(
        !html.contains("<img"),
        "an injected element made it into the page"
    );
    // As text it is `onerror=&quot;…`: only a real quote after it would make it an attribute.
    assert!(
        !html.contains("onerror=\""),
        "an injected handler made it into the page"
    );
    assert!(
        !html.contains('\u{202e}'),
        "a direction override made it into the page"
    );
    assert!(html.contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;&#39;&quot;[U+202E]gnp.exe"));
}

#[test]
fn hostile_strings_are_escaped_everywhere() {
    let dir = scratch("hostile");
    let graph = hostile_graph(&dir);
    let page = incident_report(&dir, &graph, &format!("okta:session:{EVIL}"), None);
    let html = std::fs::read_to_string(&page).unwrap();
    assert_escaped(&html);
    assert!(
        html.contains("id=\"incomplete\""),
        "the incomplete source is a banner"
    );
    let sprawl = sprawl_page(&dir, &graph);
    let sprawl_html = std::fs::read_to_string(&sprawl).unwrap();
    assert_escaped(&sprawl_html);

    let Some(chromium) = chromium_or_skip("hostile_strings_are_escaped_everywhere") else {
        return;
    };
    let mut b = Browser::launch(&chromium, dir.join("profile"));
    b.open(&page);
    // Click every node: each card shows the hostile name as text, and nothing runs.
    let hids =
        b.eval("Array.from(document.querySelectorAll('#picture g.node.clickable')).map(g => g.id)");
    let hids: Vec<String> = serde_json::from_value(hids).unwrap();
    assert!(hids.len() >= 4, "{hids:?}");
    for hid in &hids {
        b.eval(&format!("window.heirReport.show({})", json!(hid)));
        let card = b.eval("document.getElementById('node-panel').textContent");
        assert!(
            card.as_str()
                .unwrap()
                .contains("<script>window.__pwned=1</script>"),
            "the card shows the name as text: {card}"
        );
        assert!(!card.as_str().unwrap().contains('\u{202e}'));
    }
    assert_eq!(
        b.eval("typeof window.__pwned"),
        json!("undefined"),
        "injected script ran"
    );
    assert_eq!(b.eval("document.querySelectorAll('img').length"), json!(0));
    b.screenshot("report-hostile.png");
    b.open(&sprawl);
    b.eval("document.querySelector('#filters input[name=q]').value = 'pwned'; document.getElementById('filters').dispatchEvent(new Event('input'))");
    assert_eq!(
        b.eval("typeof window.__pwned"),
        json!("undefined"),
        "injected script ran"
    );
    let problems = b.problems();
    assert!(problems.is_empty(), "the pages had problems: {problems:#?}");
    drop(b);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Without Graphviz the report is still written, with the reason in the picture's place and a
/// warning on standard error.
#[test]
fn without_graphviz_the_report_says_why_there_is_no_picture() {
    let dir = scratch("nodot");
    let empty = dir.join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    let out = dir.join("incident.html");
    let run = run_ok(
        heir()
            .arg("report")
            .arg(manifest().join("examples/infostealer.json"))
            .args(["--from", STOLEN, "--at", AT, "-o"])
            .arg(&out)
            .env("PATH", &empty),
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("warning: No picture: Graphviz `dot` is not installed"),
        "{stderr}"
    );
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("id=\"no-picture\">No picture: Graphviz `dot` is not installed"));
    assert!(!html.contains("<svg"));
    // Everything else is there.
    for id in [
        "summary",
        "chains",
        "timeline",
        "hunt",
        "runbook",
        "heir-data",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "#{id} is missing");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The island holds the same answers as the JSON commands.
#[test]
fn the_json_island_is_the_commands_answers() {
    let dir = scratch("island");
    let graph = manifest().join("examples/infostealer.json");
    let page = incident_report(&dir, &graph, STOLEN, None);
    let html = std::fs::read_to_string(&page).unwrap();
    let start = html.find("id=\"heir-data\">").unwrap() + "id=\"heir-data\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    let island: Value = serde_json::from_str(&html[start..end]).unwrap();
    let blast: Value = serde_json::from_slice(
        &run_ok(
            heir()
                .arg("blast")
                .arg(&graph)
                .args(["--from", STOLEN, "--at", AT, "--format", "json"]),
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(island["blast"], blast);
    let plan: Value = serde_json::from_slice(
        &run_ok(heir().arg("plan").arg(&graph).args([
            "--from",
            STOLEN,
            "--at",
            AT,
            "--format",
            "json",
            "--first-wave",
        ]))
        .stdout,
    )
    .unwrap();
    assert_eq!(island["plan"], plan);
    assert_eq!(island["hunt"], Value::Null);
    assert_eq!(island["inherited"][0]["from"], json!(STOLEN));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A radius larger than a picture can show is not drawn: the page says so and still has the
/// rest (Graphviz would take minutes on it, and the picture would be unreadable).
#[test]
fn a_radius_too_large_to_draw_is_said_so() {
    let dir = scratch("large");
    let mut nodes = vec![
        json!({"id": "okta:session:s", "kind": "session", "platform": "okta", "expires_at": "2026-11-20T20:00:00Z"}),
        json!({"id": "okta:user:u", "kind": "user", "platform": "okta"}),
    ];
    let mut edges =
        vec![json!({"from": "okta:session:s", "to": "okta:user:u", "kind": "authenticates_as"})];
    for k in 0..1600 {
        let id = format!("github:resource:repo-{k}");
        nodes.push(json!({"id": id, "kind": "resource", "platform": "github", "criticality": 7}));
        edges.push(json!({"from": "okta:user:u", "to": id, "kind": "can_access"}));
    }
    let graph = dir.join("large.json");
    std::fs::write(
        &graph,
        serde_json::to_vec(&json!({"version": 1, "nodes": nodes, "edges": edges})).unwrap(),
    )
    .unwrap();
    let page = incident_report(&dir, &graph, "okta:session:s", None);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("The blast radius has 1602 nodes, more than a readable picture holds"));
    assert!(!html.contains("<svg"));
    // The first 200 chains are listed, the rest counted.
    assert_eq!(html.matches("class=\"critical-node\"").count(), 200);
    assert!(html.contains("… and 1400 more critical node(s)"));
    let _ = std::fs::remove_dir_all(&dir);
}
