//! Jackson `DefaultPrettyPrinter` style output, which is what Atlas returns for `?pretty=true`
//! and for its digest 401 body: `"key" : value`, two-space object indentation, inline arrays
//! (`[ 1, 2 ]`, `[ {` … `} ]`), empty containers as `{ }` and `[ ]`.

use serde_json::Value;

/// Pretty-print `value` the way Jackson's default pretty printer does.
pub fn jackson(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0);
    out
}

fn indent(out: &mut String, level: usize) {
    out.push('\n');
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn write_value(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{ }");
                return;
            }
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, level + 1);
                out.push_str(&Value::String(key.clone()).to_string());
                out.push_str(" : ");
                write_value(out, item, level + 1);
            }
            indent(out, level);
            out.push('}');
        }
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[ ]");
                return;
            }
            out.push_str("[ ");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item, level);
            }
            out.push_str(" ]");
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn jackson_layout() {
        let cases = [
            (json!({}), "{ }"),
            (json!([]), "[ ]"),
            (json!([1, "a", null]), "[ 1, \"a\", null ]"),
            (json!({"a": 1}), "{\n  \"a\" : 1\n}"),
            (
                json!({"links": [{"href": "h", "rel": "self"}], "results": [], "totalCount": 0}),
                "{\n  \"links\" : [ {\n    \"href\" : \"h\",\n    \"rel\" : \"self\"\n  } ],\n  \"results\" : [ ],\n  \"totalCount\" : 0\n}",
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(jackson(&value), expected);
        }
    }
}
