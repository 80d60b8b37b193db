//! A kept log record, held compactly until the transform has read it.
//!
//! Why not `serde_json::Value`: with `preserve_order` every object is an index map (a hash table
//! plus 112-byte entries) and every key and string its own allocation, so a sign-in's ~1 KB of
//! kept fields took ~10 KB and an Okta event's ~9 KB: the records, not the graph, were most of
//! an import's peak memory (320 MB for a 100 MB Entra export, 520 MB for a 100 MB Okta one).
//! A [`Rec`] is two allocations: the record's strings and numbers as one text, and one 16-byte
//! slot per value in document order (an object or list is followed by its members). Keys an
//! importer keeps by name (its `FIELDS`, [`key_names`]) are not copied: a slot names them by
//! their place in that static list; other keys (inside a value kept whole) go into the text.
//!
//! The transforms read it through [`At`], a copyable place in a record with the few reads they
//! make of a `Value` (`get`, `pointer`, `as_str`, `items`…), and through [`s`], [`known`] and
//! [`strings`], the same rules as the helpers of `collect::json` (absent, null, empty and, for
//! `known`, Okta's `unknown` placeholders are no value).

use std::borrow::Cow;
use std::fmt::Write;

use serde_json::Value;

/// One kept record (see the module doc).
pub struct Rec {
    text: Box<str>,
    slots: Box<[Slot]>,
    names: &'static [&'static str],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tag {
    Null,
    False,
    True,
    /// `text[a..b]` is the number as JSON writes it.
    Num,
    /// `text[a..b]`.
    Str,
    /// `a` members follow; `b` is the slot after the last of them (and of their members).
    List,
    Obj,
}

#[derive(Clone, Copy)]
struct Slot {
    /// The member's key: `names[key]` when `key_len` is [`NAMED`], else `text[key..key +
    /// key_len]` (empty in a list).
    key: u32,
    key_len: u16,
    tag: Tag,
    a: u32,
    b: u32,
}

/// `key_len` of a key named by its place in [`Rec::names`].
const NAMED: u16 = u16::MAX;

/// The names a record's keys may be interned as: every part of the importer's kept paths
/// (`client.userAgent.rawUserAgent` gives `client`, `userAgent`, `rawUserAgent`), sorted.
pub fn key_names(fields: &[&'static str]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = fields
        .iter()
        .flat_map(|f| f.split('.'))
        .map(|p| p.trim_end_matches("[]"))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// A record's text is addressed with 32-bit offsets and a key's length with 16 bits: a kept
/// record of 4 GiB or more, or one with a key of 64 KiB (which no log export holds: kept fields
/// are a few hundred bytes), is held as `null`, which the transforms count as "not a JSON
/// object" rather than panicking.
const LIMIT: usize = u32::MAX as usize;

impl Rec {
    /// The compact copy of a (kept) record, every key in its text.
    pub fn new(v: &Value) -> Rec {
        Rec::with_names(v, &[])
    }

    /// The compact copy of a (kept) record; keys found in `names` (sorted, [`key_names`]) are
    /// named by their place there instead of copied.
    pub fn with_names(v: &Value, names: &'static [&'static str]) -> Rec {
        let mut b = Builder {
            text: String::new(),
            slots: Vec::new(),
            over: false,
            names,
        };
        b.push(None, v);
        if b.over {
            return Rec {
                text: Box::from(""),
                slots: Box::new([slot(Tag::Null, 0, 0)]),
                names,
            };
        }
        Rec {
            text: b.text.into_boxed_str(),
            slots: b.slots.into_boxed_slice(),
            names,
        }
    }

    /// The record itself.
    pub fn root(&self) -> At<'_> {
        At { rec: self, i: 0 }
    }
}

fn slot(tag: Tag, a: u32, b: u32) -> Slot {
    Slot {
        key: 0,
        key_len: 0,
        a,
        b,
        tag,
    }
}

struct Builder {
    text: String,
    slots: Vec<Slot>,
    over: bool,
    names: &'static [&'static str],
}

impl Builder {
    /// Appends `s` to the text: its start and length.
    fn text(&mut self, s: &str) -> (u32, u32) {
        let at = self.text.len();
        if at + s.len() > LIMIT {
            self.over = true;
            return (0, 0);
        }
        self.text.push_str(s);
        (at as u32, s.len() as u32)
    }

    fn push(&mut self, key: Option<&str>, v: &Value) {
        if self.over {
            return;
        }
        let (key, key_len) = match key {
            None => (0, 0),
            Some(k) => match self.names.binary_search(&k) {
                Ok(i) => (i as u32, NAMED),
                Err(_) if k.len() >= NAMED as usize => {
                    self.over = true;
                    (0, 0)
                }
                Err(_) => {
                    let (at, len) = self.text(k);
                    (at, len as u16)
                }
            },
        };
        let mut s = match v {
            Value::Null => slot(Tag::Null, 0, 0),
            Value::Bool(false) => slot(Tag::False, 0, 0),
            Value::Bool(true) => slot(Tag::True, 0, 0),
            Value::Number(n) => {
                let at = self.text.len();
                let _ = write!(self.text, "{n}");
                if self.text.len() > LIMIT {
                    self.over = true;
                }
                slot(Tag::Num, at as u32, self.text.len() as u32)
            }
            Value::String(x) => {
                let (at, len) = self.text(x);
                slot(Tag::Str, at, at + len)
            }
            Value::Array(items) => {
                let i = self.slots.len();
                self.slots
                    .push(slot(Tag::List, items.len().min(LIMIT) as u32, 0));
                for x in items {
                    self.push(None, x);
                }
                self.slots[i].b = self.slots.len().min(LIMIT) as u32;
                self.slots[i].key = key;
                self.slots[i].key_len = key_len;
                return;
            }
            Value::Object(o) => {
                let i = self.slots.len();
                self.slots
                    .push(slot(Tag::Obj, o.len().min(LIMIT) as u32, 0));
                for (k, x) in o {
                    self.push(Some(k), x);
                }
                self.slots[i].b = self.slots.len().min(LIMIT) as u32;
                self.slots[i].key = key;
                self.slots[i].key_len = key_len;
                return;
            }
        };
        s.key = key;
        s.key_len = key_len;
        self.slots.push(s);
        if self.slots.len() > LIMIT {
            self.over = true;
        }
    }
}

/// A place in a [`Rec`]: a value, read like a `&Value`.
#[derive(Clone, Copy)]
pub struct At<'a> {
    rec: &'a Rec,
    i: usize,
}

impl<'a> At<'a> {
    fn slot(self) -> Slot {
        self.rec.slots[self.i]
    }

    fn range(self, a: u32, b: u32) -> &'a str {
        &self.rec.text[a as usize..b as usize]
    }

    fn key(self) -> &'a str {
        let s = self.slot();
        if s.key_len == NAMED {
            return self.rec.names.get(s.key as usize).copied().unwrap_or("");
        }
        self.range(s.key, s.key + u32::from(s.key_len))
    }

    /// The slot after this value and its members.
    fn next(self) -> usize {
        let s = self.slot();
        match s.tag {
            Tag::List | Tag::Obj => s.b as usize,
            _ => self.i + 1,
        }
    }

    /// The members of an object or list, in order.
    fn members(self) -> Members<'a> {
        let s = self.slot();
        let left = match s.tag {
            Tag::List | Tag::Obj => s.a as usize,
            _ => 0,
        };
        Members {
            rec: self.rec,
            i: self.i + 1,
            left,
        }
    }

    /// The field `key` of an object.
    pub fn get(self, key: &str) -> Option<At<'a>> {
        if self.slot().tag != Tag::Obj {
            return None;
        }
        self.members().find(|m| m.key() == key)
    }

    /// A value by JSON pointer (RFC 6901), as `Value::pointer`.
    pub fn pointer(self, ptr: &str) -> Option<At<'a>> {
        if ptr.is_empty() {
            return Some(self);
        }
        let rest = ptr.strip_prefix('/')?;
        rest.split('/').try_fold(self, |at, token| {
            let token: Cow<str> = if token.contains('~') {
                Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
            } else {
                Cow::Borrowed(token)
            };
            match at.slot().tag {
                Tag::Obj => at.get(&token),
                Tag::List => index(&token).and_then(|n| at.members().nth(n)),
                _ => None,
            }
        })
    }

    /// The elements of a list (nothing for any other value).
    pub fn items(self) -> Members<'a> {
        if self.slot().tag == Tag::List {
            self.members()
        } else {
            Members {
                rec: self.rec,
                i: self.i,
                left: 0,
            }
        }
    }

    pub fn as_str(self) -> Option<&'a str> {
        let s = self.slot();
        (s.tag == Tag::Str).then(|| self.range(s.a, s.b))
    }

    pub fn as_bool(self) -> Option<bool> {
        match self.slot().tag {
            Tag::True => Some(true),
            Tag::False => Some(false),
            _ => None,
        }
    }

    /// As `Value::as_i64`: an integer that fits (not a float).
    pub fn as_i64(self) -> Option<i64> {
        let s = self.slot();
        (s.tag == Tag::Num)
            .then(|| self.range(s.a, s.b).parse().ok())
            .flatten()
    }

    /// As `Value::as_u64`: a non-negative integer that fits (not a float).
    pub fn as_u64(self) -> Option<u64> {
        let s = self.slot();
        (s.tag == Tag::Num)
            .then(|| self.range(s.a, s.b).parse().ok())
            .flatten()
    }

    pub fn is_null(self) -> bool {
        self.slot().tag == Tag::Null
    }

    pub fn is_object(self) -> bool {
        self.slot().tag == Tag::Obj
    }

    pub fn is_array(self) -> bool {
        self.slot().tag == Tag::List
    }

    /// What the value is, for messages (as `collect::json::shape`).
    pub fn shape(self) -> &'static str {
        match self.slot().tag {
            Tag::Null => "null",
            Tag::True | Tag::False => "a boolean",
            Tag::Num => "a number",
            Tag::Str => "a string",
            Tag::List => "an array",
            Tag::Obj => "an object",
        }
    }
}

/// `Value::pointer`'s array index: digits, no sign, no leading zero.
fn index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
        return None;
    }
    token.parse().ok()
}

/// The members of an object or list.
pub struct Members<'a> {
    rec: &'a Rec,
    i: usize,
    left: usize,
}

impl<'a> Iterator for Members<'a> {
    type Item = At<'a>;

    fn next(&mut self) -> Option<At<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let at = At {
            rec: self.rec,
            i: self.i,
        };
        self.i = at.next();
        Some(at)
    }
}

/// A non-empty string at a JSON pointer (as `collect::json::s`).
pub fn s<'a>(v: At<'a>, ptr: &str) -> Option<&'a str> {
    v.pointer(ptr)
        .and_then(At::as_str)
        .filter(|x| !x.is_empty())
}

/// [`s`], also refusing Okta's placeholders `unknown` and `null` (as `collect::json::known`).
pub fn known<'a>(v: At<'a>, ptr: &str) -> Option<&'a str> {
    s(v, ptr).filter(|x| *x != "unknown" && *x != "null")
}

/// The strings of a list at a JSON pointer (as `collect::json::strings`).
pub fn strings(v: At<'_>, ptr: &str) -> Vec<String> {
    v.pointer(ptr)
        .map(|l| {
            l.items()
                .filter_map(At::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_as_the_value_it_was_made_from() {
        let v = json!({"a": "x", "e": "", "n": null, "u": "unknown", "b": true, "f": false,
            "i": -3, "p": 18446744073709551615u64, "fl": 1.5, "l": ["a", 1, "b", {"k": "v"}],
            "o": {"deep": {"x/y": "slash", "t~": "tilde"}, "list": [[1], {"z": 0}]}, "after": 2});
        let r = Rec::new(&v);
        let at = r.root();
        for ptr in [
            "",
            "/a",
            "/e",
            "/n",
            "/u",
            "/b",
            "/f",
            "/i",
            "/p",
            "/fl",
            "/l",
            "/l/0",
            "/l/3/k",
            "/l/01",
            "/l/9",
            "/o/deep/x~1y",
            "/o/deep/t~0",
            "/o/list/0/0",
            "/o/list/1/z",
            "/after",
            "/missing",
            "/a/x",
        ] {
            let (mine, theirs) = (at.pointer(ptr), v.pointer(ptr));
            assert_eq!(mine.is_some(), theirs.is_some(), "{ptr}");
            let (Some(m), Some(t)) = (mine, theirs) else {
                continue;
            };
            assert_eq!(m.as_str(), t.as_str(), "{ptr}");
            assert_eq!(m.as_bool(), t.as_bool(), "{ptr}");
            assert_eq!(m.as_i64(), t.as_i64(), "{ptr}");
            assert_eq!(m.as_u64(), t.as_u64(), "{ptr}");
            assert_eq!(m.is_null(), t.is_null(), "{ptr}");
            assert_eq!(m.is_object(), t.is_object(), "{ptr}");
            assert_eq!(m.shape(), crate::collect::json::shape(t), "{ptr}");
            assert_eq!(m.items().count(), t.as_array().map_or(0, Vec::len), "{ptr}");
        }
        assert_eq!(s(at, "/e"), None);
        assert_eq!(known(at, "/u"), None);
        assert_eq!(s(at, "/u"), Some("unknown"));
        assert_eq!(strings(at, "/l"), vec!["a", "b"]);
        assert_eq!(at.get("after").and_then(At::as_u64), Some(2));
        assert!(Rec::new(&json!(3)).root().get("a").is_none());
        // Named keys read the same as copied ones.
        static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
        let names = NAMES.get_or_init(|| key_names(&["o.deep", "l[]", "a", "after"]));
        assert_eq!(names, &["a", "after", "deep", "l", "o"]);
        let named = Rec::with_names(&v, names);
        for ptr in ["/a", "/o/deep/x~1y", "/l/3/k", "/after", "/i", "/missing"] {
            assert_eq!(
                named.root().pointer(ptr).map(|x| x.shape()),
                at.pointer(ptr).map(|x| x.shape()),
                "{ptr}"
            );
            assert_eq!(
                named.root().pointer(ptr).and_then(At::as_str),
                at.pointer(ptr).and_then(At::as_str)
            );
        }
        assert!(named.text.len() < r.text.len());
        assert_eq!(std::mem::size_of::<Slot>(), 16);
    }
}
