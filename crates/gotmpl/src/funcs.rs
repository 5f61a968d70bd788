//! The builtin template functions with Go's semantics and error texts (`and` and `or` are
//! evaluated lazily by the executor).

use crate::printf::{sprint, sprintf, sprintln};
use crate::value::{Datum, Value};
use gocompat::unicode::is_print;
use gocompat::url::query_escape;
use gocompat::utf8::decode_rune;

/// How a builtin's parameter receives its argument.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Param {
    /// `interface{}`: the concrete value (nil for missing values).
    Any,
    /// `reflect.Value`: the value as evaluated, wrappers and all.
    Reflect,
    /// `string`.
    Str,
}

/// A builtin's Go signature: fixed parameters and an optional variadic element type.
pub struct Signature {
    pub fixed: &'static [Param],
    pub variadic: Option<Param>,
}

/// The signature of builtin `name`.
pub fn signature(name: &str) -> Signature {
    use Param::*;
    let (fixed, variadic): (&'static [Param], Option<Param>) = match name {
        "and" | "or" | "call" | "index" | "slice" | "eq" => (&[Reflect], Some(Reflect)),
        "html" | "js" | "urlquery" | "print" | "println" => (&[], Some(Any)),
        "printf" => (&[Str], Some(Any)),
        "len" | "not" => (&[Reflect], None),
        _ => (&[Reflect, Reflect], None),
    };
    Signature { fixed, variadic }
}

/// Go's `truth`: `isTrue(indirectInterface(v))`.
pub fn truth(v: &Value) -> bool {
    v.concrete().is_some_and(Datum::truth)
}

fn any_args(args: &[Value]) -> Vec<Datum> {
    args.iter().map(Value::to_any).collect()
}

fn string_arg(v: &Value) -> Vec<u8> {
    match v.concrete() {
        Some(Datum::Str(s)) => s.to_vec(),
        _ => Vec::new(),
    }
}

/// Calls builtin `name` (not `and`/`or`) with evaluated arguments.
pub fn call_builtin(name: &str, callee: &str, args: &[Value]) -> Result<Value, String> {
    let str_val = |b: Vec<u8>| Ok(Value::Val(Datum::str(&b)));
    match name {
        "not" => Ok(Value::Val(Datum::Bool(!truth(&args[0])))),
        "len" => length(&args[0]),
        "index" => index(&args[0], &args[1..]),
        "slice" => slice(&args[0], &args[1..]),
        "call" => call(callee, &args[0]),
        "print" => str_val(sprint(&any_args(args))),
        "println" => str_val(sprintln(&any_args(args))),
        "printf" => str_val(sprintf(&string_arg(&args[0]), &any_args(&args[1..]))),
        "html" => str_val(html_escape(&eval_args(args))),
        "js" => str_val(js_escape(&eval_args(args))),
        "urlquery" => str_val(query_escape(&eval_args(args)).into_bytes()),
        "eq" => eq(&args[0], &args[1..]).map(bool_val),
        "ne" => eq(&args[0], &args[1..2]).map(|b| bool_val(!b)),
        "lt" => lt(&args[0], &args[1]).map(bool_val),
        "le" => le(&args[0], &args[1]).map(bool_val),
        "gt" => le(&args[0], &args[1]).map(|b| bool_val(!b)),
        "ge" => lt(&args[0], &args[1]).map(|b| bool_val(!b)),
        _ => Err(format!("{name} is not a builtin")),
    }
}

fn bool_val(b: bool) -> Value {
    Value::Val(Datum::Bool(b))
}

/// `reflect`'s view of a value after `indirect`: the concrete datum or a nil interface.
fn indirect(v: &Value) -> Result<Option<&Datum>, ()> {
    match v {
        Value::Invalid => Ok(None),
        Value::Iface(Datum::Nil) => Err(()),
        Value::Iface(d) | Value::Val(d) => Ok(Some(d)),
    }
}

fn length(item: &Value) -> Result<Value, String> {
    let d = indirect(item).map_err(|_| "len of nil pointer".to_string())?;
    let n = match d {
        None => return Err("reflect: call of reflect.Value.Type on zero Value".into()),
        Some(Datum::Str(s)) => s.len(),
        Some(Datum::List(l)) => l.len(),
        Some(Datum::Map(m)) => m.len(),
        Some(d) => return Err(format!("len of type {}", d.type_name())),
    };
    Ok(Value::Val(Datum::Int(n as i64)))
}

/// Go's `indexArg` over a raw argument value.
fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x: i64 = match index {
        Value::Val(Datum::Int(i)) => *i,
        Value::Val(Datum::Byte(b)) => *b as i64,
        Value::Invalid => return Err("cannot index slice/array with nil".into()),
        v => {
            return Err(format!(
                "cannot index slice/array with type {}",
                v.type_name()
            ));
        }
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn index(item: &Value, indexes: &[Value]) -> Result<Value, String> {
    let Some(first) = item.concrete() else {
        return Err("index of untyped nil".into());
    };
    let mut item = Value::Val(first.clone());
    for index in indexes {
        let index = index.clone().unwrap_iface();
        let d = match indirect(&item) {
            Err(()) => return Err("index of nil pointer".into()),
            Ok(d) => d.cloned().unwrap_or(Datum::Nil),
        };
        item = match d {
            Datum::List(l) => {
                let x = index_arg(&index, l.len())?;
                if x >= l.len() {
                    return Err("reflect: slice index out of range".into());
                }
                Value::Iface(l.get(x))
            }
            Datum::Str(s) => {
                let x = index_arg(&index, s.len())?;
                if x >= s.len() {
                    return Err("reflect: string index out of range".into());
                }
                Value::Val(Datum::Byte(s[x]))
            }
            Datum::Map(m) => {
                let key = match &index {
                    Value::Invalid => {
                        return Err("value is nil; should be of type string".into());
                    }
                    Value::Val(Datum::Str(k)) => k.clone(),
                    v => {
                        return Err(format!(
                            "value has type {}; should be string",
                            v.type_name()
                        ));
                    }
                };
                Value::Iface(m.get(&*key).cloned().unwrap_or(Datum::Nil))
            }
            d => return Err(format!("can't index item of type {}", d.type_name())),
        };
    }
    Ok(item)
}

fn slice(item: &Value, indexes: &[Value]) -> Result<Value, String> {
    let Some(d) = item.concrete() else {
        return Err("slice of untyped nil".into());
    };
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let (len, cap) = match d {
        Datum::Str(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            (s.len(), s.len())
        }
        Datum::List(l) => (l.len(), l.cap()),
        d => return Err(format!("can't slice item of type {}", d.type_name())),
    };
    let mut idx = [0, len, 0];
    for (i, index) in indexes.iter().enumerate() {
        idx[i] = index_arg(index, cap)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    Ok(match d {
        Datum::Str(s) => Value::Val(Datum::str(&s[idx[0]..idx[1]])),
        Datum::List(l) => {
            let k = if indexes.len() == 3 { idx[2] } else { cap };
            Value::Val(Datum::List(l.slice(idx[0], idx[1], k)))
        }
        _ => Value::Invalid,
    })
}

fn call(callee: &str, f: &Value) -> Result<Value, String> {
    match f.concrete() {
        None => Err("call of nil".into()),
        Some(d) => Err(format!("non-function {callee} of type {}", d.type_name())),
    }
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Invalid,
    Bool,
    Complex,
    Int,
    Float,
    Str,
    Uint,
}

fn basic_kind(d: Option<&Datum>) -> Kind {
    match d {
        Some(Datum::Bool(_)) => Kind::Bool,
        Some(Datum::Int(_)) => Kind::Int,
        Some(Datum::Byte(_)) => Kind::Uint,
        Some(Datum::Float(_)) => Kind::Float,
        Some(Datum::Complex(..)) => Kind::Complex,
        Some(Datum::Str(_)) => Kind::Str,
        _ => Kind::Invalid,
    }
}

fn as_int(d: Option<&Datum>) -> i64 {
    match d {
        Some(Datum::Int(i)) => *i,
        _ => 0,
    }
}

fn as_uint(d: Option<&Datum>) -> u64 {
    match d {
        Some(Datum::Byte(b)) => *b as u64,
        _ => 0,
    }
}

fn type_of(d: Option<&Datum>) -> &'static str {
    d.map_or("<nil>", Datum::type_name)
}

fn incompatible(a: Option<&Datum>, b: Option<&Datum>) -> String {
    format!(
        "incompatible types for comparison: {} and {}",
        type_of(a),
        type_of(b)
    )
}

fn show(verb: &str, d: Option<&Datum>) -> String {
    let d = d.cloned().unwrap_or(Datum::Nil);
    String::from_utf8_lossy(&sprintf(verb.as_bytes(), &[d])).into_owned()
}

fn reflect_kind(d: Option<&Datum>) -> u8 {
    match d {
        None => 0,
        Some(Datum::List(_)) => 1,
        Some(Datum::Map(_)) => 2,
        Some(_) => 3,
    }
}

fn eq(arg1: &Value, rest: &[Value]) -> Result<bool, String> {
    let a1 = arg1.concrete();
    if rest.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(a1);
    for arg in rest {
        let a = arg.concrete();
        let k2 = basic_kind(a);
        let truth = if k1 != k2 {
            match (k1, k2) {
                (Kind::Int, Kind::Uint) => as_int(a1) >= 0 && as_int(a1) as u64 == as_uint(a),
                (Kind::Uint, Kind::Int) => as_int(a) >= 0 && as_uint(a1) == as_int(a) as u64,
                _ => {
                    if a1.is_some() && a.is_some() {
                        return Err(incompatible(a1, a));
                    }
                    false
                }
            }
        } else {
            match (a1, a) {
                (Some(Datum::Bool(x)), Some(Datum::Bool(y))) => x == y,
                (Some(Datum::Complex(xr, xi)), Some(Datum::Complex(yr, yi))) => {
                    xr == yr && xi == yi
                }
                (Some(Datum::Float(x)), Some(Datum::Float(y))) => x == y,
                (Some(Datum::Int(x)), Some(Datum::Int(y))) => x == y,
                (Some(Datum::Str(x)), Some(Datum::Str(y))) => x == y,
                (Some(Datum::Byte(x)), Some(Datum::Byte(y))) => x == y,
                _ => {
                    let (r1, r2) = (reflect_kind(a1), reflect_kind(a));
                    if r1 != r2 && r1 != 0 && r2 != 0 {
                        return Err(format!(
                            "non-comparable types {}: {}, {}: {}",
                            show("%s", a1),
                            type_of(a1),
                            type_of(a),
                            show("%v", a)
                        ));
                    }
                    if a1.is_none() || a.is_none() {
                        a1.is_none() == a.is_none()
                    } else {
                        return Err(format!(
                            "non-comparable type {}: {}",
                            show("%s", a),
                            type_of(a)
                        ));
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(arg1: &Value, arg2: &Value) -> Result<bool, String> {
    let a1 = arg1.concrete();
    let k1 = basic_kind(a1);
    if k1 == Kind::Invalid {
        return Err("invalid type for comparison".into());
    }
    let a2 = arg2.concrete();
    let k2 = basic_kind(a2);
    if k2 == Kind::Invalid {
        return Err("invalid type for comparison".into());
    }
    if k1 != k2 {
        return match (k1, k2) {
            (Kind::Int, Kind::Uint) => Ok(as_int(a1) < 0 || (as_int(a1) as u64) < as_uint(a2)),
            (Kind::Uint, Kind::Int) => Ok(as_int(a2) >= 0 && as_uint(a1) < as_int(a2) as u64),
            _ => Err(incompatible(a1, a2)),
        };
    }
    Ok(match (a1, a2) {
        (Some(Datum::Float(x)), Some(Datum::Float(y))) => x < y,
        (Some(Datum::Int(x)), Some(Datum::Int(y))) => x < y,
        (Some(Datum::Str(x)), Some(Datum::Str(y))) => x < y,
        (Some(Datum::Byte(x)), Some(Datum::Byte(y))) => x < y,
        _ => return Err("invalid type for comparison".into()),
    })
}

fn le(arg1: &Value, arg2: &Value) -> Result<bool, String> {
    if lt(arg1, arg2)? {
        return Ok(true);
    }
    eq(arg1, std::slice::from_ref(arg2))
}

/// Go's `evalArgs`: a lone string as is, otherwise `Sprint` with nils shown as `<no value>`.
fn eval_args(args: &[Value]) -> Vec<u8> {
    if let [v] = args
        && let Some(Datum::Str(s)) = v.concrete()
    {
        return s.to_vec();
    }
    let printable: Vec<Datum> = args
        .iter()
        .map(|v| match v.to_any() {
            Datum::Nil => Datum::str(b"<no value>"),
            d => d,
        })
        .collect();
    sprint(&printable)
}

fn html_escape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for &c in s {
        match c {
            0 => out.extend_from_slice("\u{FFFD}".as_bytes()),
            b'"' => out.extend_from_slice(b"&#34;"),
            b'\'' => out.extend_from_slice(b"&#39;"),
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            _ => out.push(c),
        }
    }
    out
}

fn js_escape(s: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c < 0x80 {
            match c {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\'' => out.extend_from_slice(b"\\'"),
                b'"' => out.extend_from_slice(b"\\\""),
                b'<' => out.extend_from_slice(b"\\u003C"),
                b'>' => out.extend_from_slice(b"\\u003E"),
                b'&' => out.extend_from_slice(b"\\u0026"),
                b'=' => out.extend_from_slice(b"\\u003D"),
                c if c < b' ' => {
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[(c >> 4) as usize]);
                    out.push(HEX[(c & 0xF) as usize]);
                }
                c => out.push(c),
            }
            i += 1;
            continue;
        }
        let (r, w) = decode_rune(&s[i..]);
        let r = r.unwrap_or('\u{FFFD}');
        if is_print(r) {
            out.extend_from_slice(&s[i..i + w]);
        } else {
            out.extend_from_slice(format!("\\u{:04X}", r as u32).as_bytes());
        }
        i += w;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::Val(Datum::str(x.as_bytes()))
    }

    #[test]
    fn escapes() {
        assert_eq!(
            html_escape(b"<a href='x'>&\"\0"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&#34;\u{FFFD}".as_bytes()
        );
        assert_eq!(
            js_escape("a'b\"c<=>&\\\n\u{200b}é".as_bytes()),
            "a\\'b\\\"c\\u003C\\u003D\\u003E\\u0026\\\\\\u000A\\u200Bé".as_bytes()
        );
    }

    #[test]
    fn comparisons() {
        let f = |x: f64| Value::Val(Datum::Float(x));
        let i = |x: i64| Value::Val(Datum::Int(x));
        assert_eq!(eq(&f(1.0), &[f(2.0), f(1.0)]), Ok(true));
        assert_eq!(
            eq(&f(1.0), &[i(1)]),
            Err("incompatible types for comparison: float64 and int".into())
        );
        assert_eq!(eq(&Value::Invalid, &[i(1)]), Ok(false));
        assert_eq!(lt(&s("a"), &s("b")), Ok(true));
        assert_eq!(
            lt(&Value::Invalid, &s("b")),
            Err("invalid type for comparison".into())
        );
        assert_eq!(le(&i(2), &i(2)), Ok(true));
    }

    #[test]
    fn indexing() {
        let v = index(&s("abc"), &[Value::Val(Datum::Int(1))]).unwrap();
        assert!(matches!(v, Value::Val(Datum::Byte(b'b'))));
        assert_eq!(
            index(&s("abc"), &[Value::Val(Datum::Float(1.0))]).unwrap_err(),
            "cannot index slice/array with type float64"
        );
        assert_eq!(
            length(&Value::Val(Datum::Float(1.0))).unwrap_err(),
            "len of type float64"
        );
    }
}
