//! Graphviz's SVG, made safe to inline.
//!
//! Graphviz escapes our labels (and `export/dot.rs` quotes them before that), so its SVG should
//! hold nothing but shapes and text. It is inlined, not embedded as an image, because the report
//! needs its nodes clickable; so it is not trusted either: only the elements and attributes a
//! Graphviz picture uses pass, scripts, event handlers, links and foreign content are dropped
//! with everything inside them, and the root's fixed size goes so the page can scale it.

/// Elements a Graphviz picture is drawn with.
const ELEMENTS: &[&str] = &[
    "svg",
    "g",
    "title",
    "polygon",
    "polyline",
    "path",
    "ellipse",
    "circle",
    "rect",
    "line",
    "text",
    "tspan",
    "defs",
    "lineargradient",
    "radialgradient",
    "stop",
];

/// Elements dropped with their tag only, keeping what they wrap (Graphviz wraps nodes with a URL
/// or tooltip in `<a>`; the shapes matter, the link does not).
const UNWRAPPED: &[&str] = &["a"];

/// The SVG document `svg` (Graphviz output), reduced to its `<svg>` element with only the
/// elements and attributes above. Never fails: what it cannot read is left out.
pub fn sanitize(svg: &str) -> String {
    let start = find_ci(svg, "<svg").unwrap_or(svg.len());
    let s = &svg[start..];
    let mut out = String::with_capacity(s.len());
    // How deep inside a dropped element the scan is, with that element's name.
    let mut dropping: Option<(String, usize)> = None;
    let mut rest = s;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if dropping.is_none() {
                push_text(&mut out, rest);
            }
            break;
        };
        if dropping.is_none() {
            push_text(&mut out, &rest[..lt]);
        }
        rest = &rest[lt..];
        if rest.starts_with("<!--") {
            rest = rest.find("-->").map_or("", |e| &rest[e + 3..]);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            rest = rest.find('>').map_or("", |e| &rest[e + 1..]);
            continue;
        }
        let Some((tag, after)) = read_tag(rest) else {
            break;
        };
        rest = after;
        let name = tag.name.to_ascii_lowercase();
        let local = name.rsplit(':').next().unwrap_or(&name).to_string();
        if let Some((dropped, depth)) = &mut dropping {
            if *dropped == local {
                if tag.closing {
                    *depth -= 1;
                } else if !tag.self_closing {
                    *depth += 1;
                }
                if *depth == 0 {
                    dropping = None;
                }
            }
            continue;
        }
        if UNWRAPPED.contains(&local.as_str()) {
            continue;
        }
        if !ELEMENTS.contains(&local.as_str()) || local != name {
            if !tag.closing && !tag.self_closing {
                dropping = Some((local, 1));
            }
            continue;
        }
        if tag.closing {
            out.push_str("</");
            out.push_str(&name);
            out.push('>');
            continue;
        }
        out.push('<');
        out.push_str(&name_case(&name));
        for (key, value) in &tag.attrs {
            let k = key.to_ascii_lowercase();
            let root_size = name == "svg" && (k == "width" || k == "height");
            if k.starts_with("on") || k.ends_with("href") || k == "style" || root_size {
                continue;
            }
            out.push(' ');
            out.push_str(key);
            out.push_str("=\"");
            push_text(&mut out, &value.replace('"', "&quot;").replace('<', "&lt;"));
            out.push('"');
        }
        out.push_str(if tag.self_closing { "/>" } else { ">" });
    }
    out
}

/// Text as Graphviz escaped it, with direction marks shown as code points (as
/// [`super::esc`] shows them), so a label cannot reorder the picture's text.
fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        if super::escape::is_bidi_control(c) {
            out.push_str(&format!("[U+{:04X}]", c as u32));
        } else {
            out.push(c);
        }
    }
}

/// SVG's camel-cased element names, as written.
fn name_case(lower: &str) -> String {
    match lower {
        "lineargradient" => "linearGradient".into(),
        "radialgradient" => "radialGradient".into(),
        other => other.into(),
    }
}

struct Tag<'a> {
    name: &'a str,
    closing: bool,
    self_closing: bool,
    attrs: Vec<(&'a str, &'a str)>,
}

/// Reads the tag at the start of `s` (which starts with `<`); `None` when it never ends.
fn read_tag(s: &str) -> Option<(Tag<'_>, &str)> {
    let b = s.as_bytes();
    let mut i = 1;
    let closing = b.get(1) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
        i += 1;
    }
    let name = &s[name_start..i];
    let mut attrs = Vec::new();
    let mut self_closing = false;
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        match b.get(i)? {
            b'>' => return Some((tag(name, closing, self_closing, attrs), &s[i + 1..])),
            b'/' => {
                self_closing = true;
                i += 1;
                continue;
            }
            _ => {}
        }
        let key_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let key = &s[key_start..i];
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = "";
        if b.get(i) == Some(&b'=') {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            match b.get(i)? {
                q @ (b'"' | b'\'') => {
                    let end = s[i + 1..].find(*q as char)? + i + 1;
                    value = &s[i + 1..end];
                    i = end + 1;
                }
                _ => {
                    let v_start = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = &s[v_start..i];
                }
            }
        }
        if !key.is_empty() {
            attrs.push((key, value));
        }
    }
}

fn tag<'a>(
    name: &'a str,
    closing: bool,
    self_closing: bool,
    attrs: Vec<(&'a str, &'a str)>,
) -> Tag<'a> {
    Tag {
        name,
        closing,
        self_closing,
        attrs,
    }
}

/// Byte offset of `needle` (ASCII) in `hay`, ignoring ASCII case.
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.len();
    hay.as_bytes()
        .windows(n)
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_picture_and_drops_the_prologue_and_fixed_size() {
        let svg = "<?xml version=\"1.0\"?>\n<!DOCTYPE svg>\n<!-- Generated by graphviz -->\n\
                   <svg width=\"300pt\" height=\"200pt\" viewBox=\"0 0 300 200\" xmlns=\"http://www.w3.org/2000/svg\">\
                   <g id=\"hn0\" class=\"node\"><title>okta:user:&lt;b&gt;</title>\
                   <polygon fill=\"#cfe2ff\" points=\"1,2 3,4\"/><text x=\"1\">a &amp; b</text></g></svg>\n";
        assert_eq!(
            sanitize(svg),
            "<svg viewBox=\"0 0 300 200\" xmlns=\"http://www.w3.org/2000/svg\">\
             <g id=\"hn0\" class=\"node\"><title>okta:user:&lt;b&gt;</title>\
             <polygon fill=\"#cfe2ff\" points=\"1,2 3,4\"/><text x=\"1\">a &amp; b</text></g></svg>\n"
        );
    }

    #[test]
    fn scripts_handlers_links_and_foreign_content_go() {
        let svg = "<svg><script>alert(1)</script><SCRIPT type='x'>alert(2)</SCRIPT>\
                   <g onclick=\"alert(3)\" id='a'><a xlink:href=\"javascript:alert(4)\"><text>t</text></a></g>\
                   <foreignObject><div><script>alert(5)</script></div></foreignObject>\
                   <image href=\"http://evil/x.png\"/><rect style=\"background:url(http://x)\" x=1 /></svg>";
        let clean = sanitize(svg);
        assert_eq!(
            clean,
            "<svg><g id=\"a\"><text>t</text></g><rect x=\"1\"/></svg>"
        );
    }

    #[test]
    fn direction_marks_are_shown() {
        assert_eq!(
            sanitize("<svg><text x=\"\u{202e}1\">a\u{202e}b</text></svg>"),
            "<svg><text x=\"[U+202E]1\">a[U+202E]b</text></svg>"
        );
    }

    #[test]
    fn never_fails_on_broken_input() {
        for s in [
            "",
            "<",
            "<svg",
            "<svg a=\"",
            "<svg><g",
            "no svg here",
            "<svg><script>",
        ] {
            let _ = sanitize(s);
        }
        assert_eq!(sanitize("<svg><script>x"), "<svg>");
    }
}
