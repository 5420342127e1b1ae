//! A JSON value as a serde `Deserializer` in which a struct must be written as an object.
//!
//! serde's derived structs also accept a sequence of their fields in order, so `["my key"]`
//! would pass for `{"name": "my key"}`. The API documents objects, and a body that is not the
//! documented shape must be refused, not guessed at (found by schemathesis). This wrapper walks
//! the parsed value and refuses a sequence wherever a struct is expected, at any depth.

use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Unexpected, Visitor,
};
use serde_json::{Map, Value};

pub struct ObjectsOnly(pub Value);

impl<'de> Deserializer<'de> for ObjectsOnly {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Items(items.into_iter())),
            Value::Object(fields) => visitor.visit_map(Fields::new(fields)),
            scalar => scalar.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            value => visitor.visit_some(ObjectsOnly(value)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Array(_) => Err(de::Error::invalid_type(Unexpected::Seq, &"a JSON object")),
            value => ObjectsOnly(value).deserialize_any(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        // The API's enums are unit variants written as strings; serde_json's own rules apply.
        self.0.deserialize_enum(name, variants, visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct Items(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Items {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.0
            .next()
            .map(|value| seed.deserialize(ObjectsOnly(value)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Fields {
    entries: serde_json::map::IntoIter,
    pending: Option<Value>,
}

impl Fields {
    fn new(fields: Map<String, Value>) -> Self {
        Self {
            entries: fields.into_iter(),
            pending: None,
        }
    }
}

impl<'de> MapAccess<'de> for Fields {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Self::Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.pending = Some(value);
        let key: de::value::StringDeserializer<serde_json::Error> = key.into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Self::Error> {
        let value = self
            .pending
            .take()
            .ok_or_else(|| de::Error::custom("a value was asked for before its key"))?;
        seed.deserialize(ObjectsOnly(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        name: String,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        inner: Inner,
        list: Vec<Inner>,
        maybe: Option<Inner>,
        count: u32,
    }

    fn parse(json: &str) -> Result<Outer, serde_json::Error> {
        Outer::deserialize(ObjectsOnly(serde_json::from_str(json).unwrap()))
    }

    #[test]
    fn objects_parse_as_serde_json_parses_them() {
        let json = r#"{"inner": {"name": "a"}, "list": [{"name": "b"}], "maybe": null, "count": 3}"#;
        assert_eq!(parse(json).unwrap(), serde_json::from_str::<Outer>(json).unwrap());
    }

    #[test]
    fn a_sequence_in_place_of_a_struct_is_refused_at_any_depth() {
        let good = r#"{"inner": {"name": "a"}, "list": [{"name": "b"}], "maybe": {"name": "c"}, "count": 3}"#;
        assert!(parse(good).is_ok());
        for bad in [
            r#"[{"name": "a"}, [], null, 3]"#,
            r#"{"inner": ["a"], "list": [], "maybe": null, "count": 3}"#,
            r#"{"inner": {"name": "a"}, "list": [["b"]], "maybe": null, "count": 3}"#,
            r#"{"inner": {"name": "a"}, "list": [], "maybe": ["c"], "count": 3}"#,
        ] {
            assert!(
                serde_json::from_str::<Outer>(bad).is_ok(),
                "serde alone takes {bad}"
            );
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_keep_their_type_checks() {
        for bad in [r#"-1"#, r#"1.5"#, r#""3""#, r#"4294967296"#] {
            let json = format!(r#"{{"inner": {{"name": "a"}}, "list": [], "maybe": null, "count": {bad}}}"#);
            assert!(parse(&json).is_err(), "{bad}");
        }
    }
}
