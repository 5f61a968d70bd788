//! Runtime values: the Go values a JSON document decodes to (`interface{}` holding nil, bool,
//! float64, string, `[]interface{}`, `map[string]interface{}`) plus the few other types template
//! constants and builtins produce (int, uint8, complex128), and reflect-style wrappers.

use std::collections::BTreeMap;
use std::rc::Rc;

/// A Go string: arbitrary bytes.
pub type Bytes = Rc<[u8]>;

/// A concrete Go value, as stored in an `interface{}` (`Nil` is the nil interface).
#[derive(Clone, Debug)]
pub enum Datum {
    Nil,
    Bool(bool),
    Int(i64),
    Byte(u8),
    Float(f64),
    Complex(f64, f64),
    Str(Bytes),
    List(List),
    Map(Rc<BTreeMap<Vec<u8>, Datum>>),
}

/// A `[]interface{}` slice: a window over shared backing storage with Go's capacity.
#[derive(Clone, Debug)]
pub struct List {
    data: Rc<Vec<Datum>>,
    off: usize,
    len: usize,
    cap: usize,
}

impl List {
    /// A slice as `append` builds it element by element from an empty `make([]any, 0)`.
    pub fn from_appended(items: Vec<Datum>) -> List {
        let len = items.len();
        List {
            data: Rc::new(items),
            off: 0,
            len,
            cap: appended_cap(len),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Element `i` (< cap); storage past the decoded elements reads as nil.
    pub fn get(&self, i: usize) -> Datum {
        self.data.get(self.off + i).cloned().unwrap_or(Datum::Nil)
    }

    pub fn iter(&self) -> impl Iterator<Item = Datum> + '_ {
        (0..self.len).map(|i| self.get(i))
    }

    /// Go's `s[i:j:k]` (bounds already checked).
    pub fn slice(&self, i: usize, j: usize, k: usize) -> List {
        List {
            data: self.data.clone(),
            off: self.off + i,
            len: j - i,
            cap: k - i,
        }
    }
}

/// Go's malloc size classes (bytes) up to 32 KiB.
const SIZE_CLASSES: [usize; 67] = [
    8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352,
    384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048,
    2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728,
    10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672,
    32768,
];

/// Go's `roundupsize` for a pointerful allocation (Go 1.22+ malloc headers).
fn roundup_size(size: usize) -> usize {
    const HEADER: usize = 8;
    const MAX_SMALL: usize = 32768;
    if size <= MAX_SMALL - HEADER {
        let req = if size > 512 { size + HEADER } else { size };
        let class = SIZE_CLASSES
            .iter()
            .copied()
            .find(|&c| c >= req)
            .unwrap_or(MAX_SMALL);
        return class - (req - size);
    }
    size.div_ceil(8192) * 8192
}

/// The capacity of a `[]interface{}` grown by appending `len` elements one at a time.
fn appended_cap(len: usize) -> usize {
    let mut cap = 0usize;
    for new_len in 1..=len {
        if new_len <= cap {
            continue;
        }
        let old = cap;
        let mut newcap = if new_len > old * 2 {
            new_len
        } else if old < 256 {
            old * 2
        } else {
            let mut n = old;
            while n < new_len {
                n += (n + 3 * 256) >> 2;
            }
            n
        };
        newcap = roundup_size(newcap * 16) / 16;
        cap = newcap;
    }
    cap
}

impl Datum {
    /// Go's `reflect.Type.String()` of the dynamic type.
    pub fn type_name(&self) -> &'static str {
        match self {
            Datum::Nil => "<nil>",
            Datum::Bool(_) => "bool",
            Datum::Int(_) => "int",
            Datum::Byte(_) => "uint8",
            Datum::Float(_) => "float64",
            Datum::Complex(..) => "complex128",
            Datum::Str(_) => "string",
            Datum::List(_) => "[]interface {}",
            Datum::Map(_) => "map[string]interface {}",
        }
    }

    pub fn str(s: &[u8]) -> Datum {
        Datum::Str(Rc::from(s))
    }

    /// Go's `isTrue`: the zero value of every type is false.
    pub fn truth(&self) -> bool {
        match self {
            Datum::Nil => false,
            Datum::Bool(b) => *b,
            Datum::Int(i) => *i != 0,
            Datum::Byte(b) => *b != 0,
            Datum::Float(f) => *f != 0.0,
            Datum::Complex(r, i) => *r != 0.0 || *i != 0.0,
            Datum::Str(s) => !s.is_empty(),
            Datum::List(l) => !l.is_empty(),
            Datum::Map(m) => !m.is_empty(),
        }
    }
}

/// A reflect-style value: nothing (`reflect.Value{}`), an `interface{}`-typed value, or a value
/// of its concrete type.
#[derive(Clone, Debug)]
pub enum Value {
    Invalid,
    Iface(Datum),
    Val(Datum),
}

impl Value {
    /// `reflect.ValueOf(d)`: the nil interface becomes the invalid value.
    pub fn of(d: Datum) -> Value {
        match d {
            Datum::Nil => Value::Invalid,
            d => Value::Val(d),
        }
    }

    /// `indirectInterface`: the concrete value inside an interface, or invalid for nil.
    pub fn concrete(&self) -> Option<&Datum> {
        match self {
            Value::Invalid | Value::Iface(Datum::Nil) => None,
            Value::Iface(d) | Value::Val(d) => Some(d),
        }
    }

    /// The pipeline step "if it is an interface{}, dig down one level".
    pub fn unwrap_iface(self) -> Value {
        match self {
            Value::Iface(d) => Value::of(d),
            v => v,
        }
    }

    /// Go's `reflect.Value.Type().String()` (the caller guarantees validity).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Invalid => "<invalid>",
            Value::Iface(_) => "interface {}",
            Value::Val(d) => d.type_name(),
        }
    }

    /// The value as an `interface{}` argument (`Datum::Nil` for nil).
    pub fn to_any(&self) -> Datum {
        self.concrete().cloned().unwrap_or(Datum::Nil)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_capacity() {
        let cases = [(0, 0), (1, 1), (2, 2), (3, 4), (5, 8), (17, 32), (33, 71)];
        for (len, cap) in cases {
            assert_eq!(appended_cap(len), cap, "len {len}");
        }
    }
}
