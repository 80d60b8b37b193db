//! Text helpers the report formats share. They live apart from any one format so that the
//! formats depend on them and not on each other: `markdown` dispatches to `plan` and `sprawl`,
//! which only need these helpers back.

/// Text safe inside a Markdown table cell.
pub fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
        .replace('`', "'")
}

/// `s` with its first letter upper-cased, for headings made of identifiers (`contain`, `high`).
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
