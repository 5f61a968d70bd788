//! The validator: a schema-driven `DeserializeSeed` that checks a body while serde_json parses it.
//!
//! Nothing of the body is kept: only the path to the current value, a few counters, the first
//! schema failure and the warnings. Values the schema does not describe (unknown fields, and
//! everything after the first failure) are skipped with `IgnoredAny`. A schema failure does not
//! stop the parse, so that a JSON syntax error later in the body still wins ("Checks before
//! anything is sent": "the body must be JSON" is checked before the schema facts).

use std::fmt::{self, Write};

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::address::{is_cidr_block, is_ip_address};
use super::schema::{Schema, StringFormat};
use crate::support::quote::go_quote;

/// What the validator found: the first schema failure (`<path>: <problem>`) and the warnings.
#[derive(Debug, Default)]
pub struct Findings {
    /// The first failure as `<json path>: <problem>`, if any.
    pub failure: Option<String>,
    /// Every warning line, in document order.
    pub warnings: Vec<String>,
    /// The path from the root to the value being checked.
    path: Vec<Segment>,
}

/// One step of a JSON path.
#[derive(Debug, Clone, Copy)]
enum Segment {
    /// A property of an object (always a name from the schema).
    Key(&'static str),
    /// An element of an array, 0-based.
    Index(usize),
}

impl Findings {
    /// The current path: `desc`, `roles[2]`, `[0].cidrBlock`, or `(root)` for the whole body.
    fn path_text(&self) -> String {
        if self.path.is_empty() {
            return "(root)".to_owned();
        }
        let mut out = String::new();
        for segment in &self.path {
            match segment {
                Segment::Key(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
                Segment::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
            }
        }
        out
    }

    /// Records `problem` at the current path, unless a failure is already recorded.
    fn fail(&mut self, problem: impl fmt::Display) {
        if self.failure.is_none() {
            self.failure = Some(format!("{}: {problem}", self.path_text()));
        }
    }

    /// Records `problem` for the property `name` of the current object.
    fn fail_at(&mut self, name: &'static str, problem: impl fmt::Display) {
        self.path.push(Segment::Key(name));
        self.fail(problem);
        self.path.pop();
    }

    /// Records the unknown-enum warning for `value` at the current path.
    fn warn_unknown(&mut self, value: &str) {
        let line = format!(
            "warning: request body: {}: unknown value {}, sending it anyway",
            self.path_text(),
            go_quote(&crate::support::quote::shorten(value))
        );
        self.warnings.push(line);
    }
}

/// Checks one value against `schema`, recording into `findings`.
pub struct Node<'s, 'f> {
    /// The schema the value must match.
    pub schema: &'s Schema,
    /// Where failures and warnings go.
    pub findings: &'f mut Findings,
}

impl<'de> DeserializeSeed<'de> for Node<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if self.findings.failure.is_some() {
            // Only the first failure counts: the rest only has to be JSON.
            deserializer.deserialize_ignored_any(IgnoredAny)?;
            return Ok(());
        }
        deserializer.deserialize_any(self)
    }
}

impl Node<'_, '_> {
    /// Records that the value is not of the schema's type.
    fn wrong_type(self) {
        let problem = match self.schema {
            Schema::Object { .. } => "must be an object",
            Schema::Array { .. } => "must be an array",
            Schema::String { .. } => "must be a string",
        };
        self.findings.fail(problem);
    }
}

impl<'de> Visitor<'de> for Node<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.wrong_type();
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.wrong_type();
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.wrong_type();
        Ok(())
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<(), E> {
        self.wrong_type();
        Ok(())
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<(), E> {
        self.wrong_type();
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.wrong_type();
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.wrong_type();
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.wrong_type();
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<(), E> {
        self.wrong_type();
        Ok(())
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<(), E> {
        let Schema::String {
            min_length,
            max_length,
            enum_values,
            format,
        } = self.schema
        else {
            self.wrong_type();
            return Ok(());
        };
        let findings = self.findings;
        if min_length.is_some() || max_length.is_some() {
            // JSON Schema counts characters (code points), not bytes or UTF-16 units.
            let length = value.chars().count();
            if let Some(min) = *min_length
                && length < min
            {
                findings.fail(format_args!("must be at least {}", characters(min)));
                return Ok(());
            }
            if let Some(max) = *max_length
                && length > max
            {
                findings.fail(format_args!("must be at most {}", characters(max)));
                return Ok(());
            }
        }
        match format {
            StringFormat::None => {}
            StringFormat::IpAddress => {
                if !is_ip_address(value) {
                    findings.fail("must be an IP address");
                    return Ok(());
                }
            }
            StringFormat::CidrBlock => {
                if !is_cidr_block(value) {
                    findings.fail("must be a CIDR block such as 192.0.2.0/24");
                    return Ok(());
                }
            }
        }
        if !enum_values.is_empty() && !enum_values.contains(&value) {
            findings.warn_unknown(value);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Schema::Array { min_items, items } = self.schema else {
            self.wrong_type();
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
        };
        let findings = self.findings;
        let mut count = 0usize;
        loop {
            findings.path.push(Segment::Index(count));
            let element = seq.next_element_seed(Node {
                schema: items,
                findings: &mut *findings,
            });
            findings.path.pop();
            if element?.is_none() {
                break;
            }
            count += 1;
        }
        if count < *min_items {
            if *min_items == 1 {
                findings.fail("must not be empty");
            } else {
                findings.fail(format_args!("must have at least {min_items} items"));
            }
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Schema::Object {
            required,
            required_any,
            properties,
        } = self.schema
        else {
            self.wrong_type();
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(());
        };
        let findings = self.findings;
        // Bit i is set once properties[i] has been seen.
        let mut seen = 0u64;
        while let Some(known) = map.next_key_seed(KeySeed { properties })? {
            let Some(index) = known else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let (name, schema) = (properties[index].0, &properties[index].1);
            findings.path.push(Segment::Key(name));
            let value = map.next_value_seed(Node {
                schema,
                findings: &mut *findings,
            });
            findings.path.pop();
            value?;
            seen |= 1u64.checked_shl(index as u32).unwrap_or(0);
        }
        let was_seen = |name: &str| {
            properties
                .iter()
                .position(|(n, _)| *n == name)
                .is_some_and(|i| seen & 1u64.checked_shl(i as u32).unwrap_or(0) != 0)
        };
        if let Some(missing) = required.iter().copied().find(|name| !was_seen(name)) {
            findings.fail_at(missing, "is required");
        } else if !required_any.is_empty() && !required_any.iter().any(|name| was_seen(name)) {
            findings.fail(format_args!("needs {}", alternatives(required_any)));
        }
        Ok(())
    }
}

/// "1 character" or "n characters".
fn characters(n: usize) -> String {
    if n == 1 {
        "1 character".to_owned()
    } else {
        format!("{n} characters")
    }
}

/// `a`, `a or b`, `a, b or c`.
fn alternatives(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// Reads an object key and tells which known property it names, if any, without keeping it.
struct KeySeed {
    /// The object's known properties.
    properties: &'static [(&'static str, Schema)],
}

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<usize>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self.properties.iter().position(|(name, _)| *name == key))
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<Option<usize>, E> {
        Ok(self
            .properties
            .iter()
            .position(|(name, _)| name.as_bytes() == key))
    }
}
