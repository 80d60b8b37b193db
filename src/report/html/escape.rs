//! The only ways text from the data gets into an HTML report.
//!
//! Every id, name, call and message in a report comes from a graph document, and documents come
//! from collectors reading platforms an attacker may have written to (an app name, a session's user
//! agent). One function escapes text for both element content and quoted attribute values, so no
//! writer has to know which context it is in; the JSON island has its own function because inside
//! `<script>` HTML entities mean nothing and only a JSON `\u` escape keeps `</script>` out.

use std::fmt::Write as _;

/// `s` escaped for HTML text and for double- or single-quoted attribute values: `&`, `<`, `>`,
/// `"` and `'` become character references. Control characters other than tab and line breaks are
/// dropped (they are not allowed in HTML and mean nothing to a reader). Bidirectional marks and
/// overrides (U+202A–U+202E, U+2066–U+2069, U+200E/F) are kept but shown as visible code points,
/// so an id cannot reorder the text around it (the "gnp.exe" trick) in a table a responder trusts.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if is_bidi_control(c) => {
                let _ = write!(out, "[U+{:04X}]", c as u32);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Characters that change the direction of the text around them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}')
}

/// A JSON value as text that is safe inside `<script type="application/json">`: `<`, `>` and `&`
/// become `\u003c`, `\u003e` and `\u0026` (so neither `</script>` nor `<!--` can appear), and
/// U+2028/U+2029 become `\u2028`/`\u2029` (line terminators in older JavaScript); direction
/// marks are `\u` escapes too. Outside strings
/// JSON has none of these characters, so the text still parses to the same value.
pub fn json_island(value: &serde_json::Value) -> String {
    let text = serde_json::to_string(value).expect("a JSON value serialises");
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            // Not needed for safety; keeps the file from reordering in a text editor.
            c if is_bidi_control(c) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_quotes_become_references() {
        assert_eq!(
            esc(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(esc("plain ünïcødé 用户"), "plain ünïcødé 用户");
        assert_eq!(esc("a\u{0}b\u{7f}c\u{85}d"), "abcd");
    }

    #[test]
    fn direction_marks_are_shown_not_obeyed() {
        assert_eq!(esc("\u{202e}exe.gnp"), "[U+202E]exe.gnp");
        assert_eq!(esc("a\u{200f}b\u{2067}c"), "a[U+200F]b[U+2067]c");
    }

    #[test]
    fn the_island_cannot_close_its_script_and_parses_back() {
        let v = serde_json::json!({
            "id": "</script><script>alert(1)</script><!-- & \u{2028}\u{2029}\u{202e}",
            "n": [1, 2]
        });
        let text = json_island(&v);
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        assert!(!text.contains('\u{2028}') && !text.contains('\u{2029}'));
        assert!(text.contains("\\u202e"));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }
}
