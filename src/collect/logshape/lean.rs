//! Records parsed *lean*: only the fields an importer keeps ([`Keep`]) are built as values; the
//! rest of each record is checked for syntax and skipped without allocating anything.
//!
//! Why: a sign-in record is mostly conditional-access policy lists and an Okta event mostly its
//! request chain and display texts, none of which a transform reads. Building them as
//! `serde_json::Value` trees only to drop them ([`Keep::apply`]) was most of the import's CPU
//! time and the reason a 100 MB export briefly held several times its size.
//!
//! The lean value is a superset of what `Keep::apply` keeps of the full value, so an importer
//! applies its `Keep` (and its normalisation) afterwards exactly as before and gets the same
//! records:
//! - keys an importer's normalisation reads before keeping (`whole`) are built whole;
//! - the keys the wrappers are recognised by ([`WRAPPERS`], see [`super::unwrap`]) are built whole
//!   wherever they are, so a wrapper is peeled as before;
//! - a kept path that ends is built whole; a kept path with children builds only those.
//!
//! A record whose lean parse fails is parsed again whole, for the exact message the full parse
//! gives. One difference remains by design: a skipped field is only checked for JSON syntax, so a
//! number too large for a 64-bit float (`1e400`) or a lone UTF-16 surrogate escape in a field no
//! importer reads no longer makes the record unreadable.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::Keep;

/// Keys a wrapper is recognised by ([`super::unwrap`]): built whole wherever they appear.
const WRAPPERS: &[&str] = &[
    "data",
    "value",
    "@odata.nextLink",
    "records",
    "hits",
    "_source",
    "result",
    "_raw",
    "event",
    "@timestamp",
    "message",
];

/// How to build the records of one import: the importer's [`Keep`], and the keys its
/// normalisation reads before keeping (built whole at any depth).
pub struct Lean<'k> {
    keep: &'k Keep,
    whole: fn(&str) -> bool,
}

impl<'k> Lean<'k> {
    pub fn new(keep: &'k Keep, whole: fn(&str) -> bool) -> Self {
        Lean { keep, whole }
    }

    /// One JSON document, lean; trailing characters are an error (as `serde_json::from_str`).
    pub fn parse(&self, s: &str) -> Result<Value, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(s);
        let v = Node {
            lean: self,
            keep: self.keep,
        }
        .deserialize(&mut de)?;
        de.end()?;
        Ok(v)
    }
}

/// The seed at one place of the record: what is kept below it.
#[derive(Clone, Copy)]
struct Node<'a, 'k> {
    lean: &'a Lean<'k>,
    keep: &'k Keep,
}

impl<'de> DeserializeSeed<'de> for Node<'_, '_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        // A kept list keeps the kept part of each element (as `Keep::apply`).
        let mut out = Vec::new();
        while let Some(x) = seq.next_element_seed(self)? {
            out.push(x);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(Key(k)) = map.next_key()? {
            let whole = (self.lean.whole)(&k) || WRAPPERS.contains(&k.as_ref());
            let v = match self.keep.child(&k) {
                _ if whole => map.next_value::<Value>()?,
                Some(sub) if sub.is_leaf() => map.next_value::<Value>()?,
                Some(sub) => map.next_value_seed(Node {
                    lean: self.lean,
                    keep: sub,
                })?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            // Insert, not entry: a repeated key keeps its first place and its last value, as
            // `Value`'s own reading does.
            out.insert(k.into_owned(), v);
        }
        Ok(Value::Object(out))
    }
}

/// A key borrowed from the text when it has no escapes (most keys of most records are skipped:
/// no allocation for them).
struct Key<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }

            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lean_then_keep_is_keep_of_the_full_record() {
        let keep = Keep::new(&["a", "b.c", "t[].id", "u"]);
        let text = r#"{"a": {"x": [1, 2.5, null]}, "b": {"c": "x\"y", "d": {"deep": [1]}},
            "t": [{"id": 1, "z": {"q": 2}}, 3], "e": [{"big": "skipped"}],
            "Pascal": {"k": 1}, "message": "{\"a\": 1}", "u": true}"#;
        let lean = Lean::new(&keep, |k| k.starts_with(char::is_uppercase));
        let v = lean.parse(text).unwrap();
        let full: Value = serde_json::from_str(text).unwrap();
        assert_eq!(keep.apply(v.clone()), keep.apply(full));
        // Skipped fields are not built; whole keys and wrapper keys are.
        assert!(v.get("e").is_none());
        assert_eq!(v["b"], serde_json::json!({"c": "x\"y"}));
        assert_eq!(v["Pascal"]["k"], 1);
        assert_eq!(v["message"], "{\"a\": 1}");
        // Syntax is still checked everywhere, trailing text too.
        assert!(lean.parse(r#"{"e": [1, }"#).is_err());
        assert!(lean.parse(r#"{"a": 1} x"#).is_err());
    }
}
