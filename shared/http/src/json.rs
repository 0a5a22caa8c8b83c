//! Strict JSON for request bodies, where serde_json is lenient in two ways that matter here:
//! it keeps the last of repeated keys (`{"text":"a","text":"b"}` would pass checks made on
//! one value and act on another), and a derived struct also decodes from an array of its
//! fields in order (`["text"]` as a reply). [`parse_unique_keys`] refuses the first while it
//! reads the text; [`Strict`] decodes a value into a type and refuses the second at any depth.

use serde::de::{
    self, value::StringDeserializer, DeserializeSeed, Deserializer, MapAccess, SeqAccess,
    Unexpected, Visitor,
};
use serde_json::{Map, Number, Value};
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

/// Why a body is not one JSON value with unique keys.
#[derive(Debug)]
pub(crate) enum ParseError {
    /// Not JSON (or trailing text after it).
    Syntax(serde_json::Error),
    /// An object repeats a key; the dotted path of the repeated key (`settings.text`).
    DuplicateKey(String),
}

/// Reads `bytes` as one JSON value whose objects each have unique keys.
pub(crate) fn parse_unique_keys(bytes: &[u8]) -> Result<Value, ParseError> {
    let duplicate = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = ValueSeed {
        path: String::new(),
        duplicate: &duplicate,
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value));
    parsed.map_err(|error| match duplicate.into_inner() {
        Some(path) => ParseError::DuplicateKey(path),
        None => ParseError::Syntax(error),
    })
}

/// Builds a [`Value`] like serde_json does, remembering where it is to name a repeated key.
struct ValueSeed<'a> {
    /// Dotted path of the value being read (empty at the top).
    path: String,
    /// Where the path of the first repeated key goes.
    duplicate: &'a RefCell<Option<String>>,
}

impl<'a> ValueSeed<'a> {
    fn child(&self, path: String) -> ValueSeed<'a> {
        ValueSeed {
            path,
            duplicate: self.duplicate,
        }
    }

    fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
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
        // JSON text has no NaN or infinity, so this is always a number.
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

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) =
            seq.next_element_seed(self.child(format!("{}[{}]", self.path, items.len())))?
        {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut seen = HashSet::new();
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = self.key_path(&key);
            if !seen.insert(key.clone()) {
                let message = format!("the key `{path}` appears twice");
                *self.duplicate.borrow_mut() = Some(path);
                return Err(de::Error::custom(message));
            }
            let value = map.next_value_seed(self.child(path))?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// A parsed body decoded into a type: like `serde_json::from_value`, except that structs
/// decode only from JSON objects (serde's derive also takes an array of the fields in order).
pub(crate) struct Strict(pub Value);

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Unexpected::Unsigned(u),
            (_, Some(i), _) => Unexpected::Signed(i),
            (_, _, Some(f)) => Unexpected::Float(f),
            _ => Unexpected::Other("number"),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

impl<'de> Deserializer<'de> for Strict {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(StrictSeq(items.into_iter())),
            Value::Object(object) => visitor.visit_map(StrictMap {
                entries: object.into_iter(),
                value: None,
            }),
            scalar => scalar.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if self.0.is_object() {
            self.deserialize_any(visitor)
        } else {
            Err(de::Error::invalid_type(
                unexpected(&self.0),
                &"a JSON object",
            ))
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        // Request bodies hold unit enums only (`"admin"`, `"sandbox"`): serde_json's rules.
        self.0.deserialize_enum(name, variants, visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct StrictSeq(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for StrictSeq {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.0
            .next()
            .map(|item| seed.deserialize(Strict(item)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct StrictMap {
    entries: serde_json::map::IntoIter,
    value: Option<Value>,
}

impl<'de> MapAccess<'de> for StrictMap {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(StringDeserializer::<serde_json::Error>::new(key))
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(Strict(value)),
            None => Err(de::Error::custom("a value was asked for before its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        n: u32,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        text: String,
        #[serde(default)]
        inner: Option<Inner>,
        #[serde(default)]
        list: Vec<Inner>,
    }

    fn decode(value: Value) -> Result<Outer, serde_json::Error> {
        Outer::deserialize(Strict(value))
    }

    #[test]
    fn repeated_keys_are_named_by_their_path_and_values_read_as_serde_json_reads_them() {
        for (text, path) in [
            (r#"{"a":1,"a":1}"#, "a"),
            (r#"{"a":{"b":[{"c":1},{"c":1,"c":2}]}}"#, "a.b[1].c"),
            (r#"[{"x":1,"x":1}]"#, "[0].x"),
        ] {
            match parse_unique_keys(text.as_bytes()) {
                Err(ParseError::DuplicateKey(found)) => assert_eq!(found, path, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        let text =
            r#"{"a":[1,-2,3.5,"ż",null,true,{"a":{}}],"b":{"a":1},"c":18446744073709551615}"#;
        let value = parse_unique_keys(text.as_bytes()).expect("unique keys");
        assert_eq!(value, serde_json::from_str::<Value>(text).expect("json"));
        for bad in ["", "{", "{} x", "[1,]", "nul"] {
            assert!(
                matches!(
                    parse_unique_keys(bad.as_bytes()),
                    Err(ParseError::Syntax(_))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn structs_decode_from_objects_only() {
        assert_eq!(
            decode(json!({ "text": "a", "inner": { "n": 1 }, "list": [{ "n": 2 }] }))
                .expect("decodes"),
            Outer {
                text: "a".into(),
                inner: Some(Inner { n: 1 }),
                list: vec![Inner { n: 2 }],
            }
        );
        assert_eq!(
            decode(json!({ "text": "a", "inner": null }))
                .expect("null is None")
                .inner,
            None
        );
        for bad in [
            json!(["a"]),
            json!({ "text": "a", "inner": [1] }),
            json!({ "text": "a", "list": [[2]] }),
            json!({ "text": "a", "extra": 1 }),
            json!({ "text": 1 }),
        ] {
            assert!(decode(bad.clone()).is_err(), "{bad}");
        }
        // serde_json alone accepts the array forms.
        assert!(serde_json::from_value::<Outer>(json!(["a"])).is_ok());
    }
}
