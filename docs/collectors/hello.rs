//! `heir collect hello --file PEOPLE.json`: the toy collector of "Writing a collector" in
//! `docs/collectors.md`. It reads `{"people": [{"id": "1", "name": "Ana"}, …]}` and writes one
//! user per person. The crate's tests compile this very file and run it through `heir collect`'s
//! plumbing, so the guide cannot drift from the code.

use serde_json::Value;

use crate::collect::collector::{input_error, parse, read_input, Collector, Context};
use crate::collect::json::{node_on, s};
use crate::collect::Collection;
use crate::error::HeirError;
use crate::model::NodeKind;

/// The source name (`heir collect hello`, `sources[].name`), also the platform of its nodes.
pub const SOURCE: &str = "hello";

pub struct Hello;

#[derive(clap::Args, Debug)]
pub struct HelloOpts {
    /// A JSON file `{"people": [{"id": …, "name": …}, …]}`.
    #[arg(long, value_name = "FILE")]
    pub file: std::path::PathBuf,
}

impl Collector for Hello {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "A toy: people from a JSON file"
    }

    fn args(&self, cmd: clap::Command) -> clap::Command {
        <HelloOpts as clap::Args>::augment_args(cmd)
    }

    fn run(&self, args: &clap::ArgMatches, _ctx: &Context) -> Result<Collection, HeirError> {
        let o: HelloOpts = parse(args)?;
        // Fetch: read the input. A live collector calls `ctx.block_on(…)` on its
        // `collect::http` client here instead, with `ctx.policy` and `ctx.progress`.
        let text = read_input(&o.file)?;
        let v: Value = serde_json::from_str(&text).map_err(|e| input_error(&o.file, e))?;
        let Some(people) = v.get("people").and_then(Value::as_array) else {
            let fix = "no `people` list\n  fix: write {\"people\": [{\"id\": \"1\"}]}";
            return Err(input_error(&o.file, fix));
        };
        Ok(transform(people))
    }
}

/// Transform: pure, offline-testable, and it counts every record it reads or skips.
pub fn transform(people: &[Value]) -> Collection {
    let mut c = Collection::new(SOURCE);
    c.records.read(people.len());
    for (i, p) in people.iter().enumerate() {
        let Some(id) = s(p, "/id") else {
            c.records.skip("missing id", format!("person #{}", i + 1));
            continue;
        };
        let mut n = node_on(SOURCE, NodeKind::User, id);
        n.name = s(p, "/name").map(str::to_string);
        c.node(n);
    }
    c
}
