//! Go's `fmt` printing (`Sprint`, `Sprintln`, `Sprintf`) over [`Datum`] arguments: verbs, flags,
//! width, precision, argument indexes and the `%!verb(type=value)` error forms.

use crate::ftoa::format_float;
use crate::value::Datum;
use gocompat::strconv::{can_backquote, quote_bytes, quote_rune};
use gocompat::unicode::is_print;
use gocompat::utf8::{decode_rune, rune_count};

const LDIGITS: &[u8; 17] = b"0123456789abcdefx";
const UDIGITS: &[u8; 17] = b"0123456789ABCDEFX";

#[derive(Clone, Copy, Default)]
struct Flags {
    wid_present: bool,
    prec_present: bool,
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    plus_v: bool,
    sharp_v: bool,
    wid: i64,
    prec: i64,
}

/// What a bad verb reports: the top-level argument, or the nested value being printed.
#[derive(Clone)]
enum Culprit {
    None,
    Arg(Datum),
    Value(Datum),
}

struct Printer {
    buf: Vec<u8>,
    f: Flags,
    culprit: Culprit,
    reordered: bool,
    good_arg_num: bool,
}

/// `fmt.Sprint(args...)`.
pub fn sprint(args: &[Datum]) -> Vec<u8> {
    let mut p = Printer::new();
    let mut prev_string = false;
    for (i, arg) in args.iter().enumerate() {
        let is_string = matches!(arg, Datum::Str(_));
        if i > 0 && !is_string && !prev_string {
            p.buf.push(b' ');
        }
        p.print_arg(arg, 'v');
        prev_string = is_string;
    }
    p.buf
}

/// `fmt.Sprintln(args...)`.
pub fn sprintln(args: &[Datum]) -> Vec<u8> {
    let mut p = Printer::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            p.buf.push(b' ');
        }
        p.print_arg(arg, 'v');
    }
    p.buf.push(b'\n');
    p.buf
}

/// `fmt.Sprintf(format, args...)`.
pub fn sprintf(format: &[u8], args: &[Datum]) -> Vec<u8> {
    let mut p = Printer::new();
    p.do_printf(format, args);
    p.buf
}

fn too_large(x: i64) -> bool {
    !(-1_000_000..=1_000_000).contains(&x)
}

/// Go's `parsenum`: a decimal number at `s[start..end]`.
fn parse_num(s: &[u8], start: usize, end: usize) -> (i64, bool, usize) {
    if start >= end {
        return (0, false, end);
    }
    let mut num = 0i64;
    let mut is_num = false;
    let mut i = start;
    while i < end && s[i].is_ascii_digit() {
        if too_large(num) {
            return (0, false, end);
        }
        num = num * 10 + (s[i] - b'0') as i64;
        is_num = true;
        i += 1;
    }
    (num, is_num, i)
}

fn int_from_arg(args: &[Datum], arg_num: usize) -> (i64, bool, usize) {
    if arg_num >= args.len() {
        return (0, false, arg_num);
    }
    let (mut num, mut ok) = match &args[arg_num] {
        Datum::Int(i) => (*i, true),
        Datum::Byte(b) => (*b as i64, true),
        _ => (0, false),
    };
    if too_large(num) {
        num = 0;
        ok = false;
    }
    (num, ok, arg_num + 1)
}

fn parse_arg_number(format: &[u8]) -> (usize, usize, bool) {
    if format.len() < 3 {
        return (0, 1, false);
    }
    for i in 1..format.len() {
        if format[i] == b']' {
            let (width, ok, newi) = parse_num(format, 1, i);
            if !ok || newi != i {
                return (0, i + 1, false);
            }
            return ((width - 1) as usize, i + 1, true);
        }
    }
    (0, 1, false)
}

fn push_rune(out: &mut Vec<u8>, r: char) {
    let mut b = [0u8; 4];
    out.extend_from_slice(r.encode_utf8(&mut b).as_bytes());
}

impl Printer {
    fn new() -> Self {
        Printer {
            buf: Vec::new(),
            f: Flags::default(),
            culprit: Culprit::None,
            reordered: false,
            good_arg_num: true,
        }
    }

    fn clear_flags(&mut self) {
        self.f = Flags::default();
    }

    fn zero_pads(&self) -> bool {
        self.f.zero && !self.f.minus
    }

    fn write_padding(&mut self, n: i64) {
        if n <= 0 {
            return;
        }
        let b = if self.zero_pads() { b'0' } else { b' ' };
        self.buf.extend(std::iter::repeat_n(b, n as usize));
    }

    fn pad(&mut self, b: &[u8]) {
        if !self.f.wid_present || self.f.wid == 0 {
            self.buf.extend_from_slice(b);
            return;
        }
        let width = self.f.wid - rune_count(b) as i64;
        if !self.f.minus {
            self.write_padding(width);
            self.buf.extend_from_slice(b);
        } else {
            self.buf.extend_from_slice(b);
            self.write_padding(width);
        }
    }

    fn pad_no_zero(&mut self, b: &[u8]) {
        let old = self.f.zero;
        self.f.zero = false;
        self.pad(b);
        self.f.zero = old;
    }

    fn argument_number(
        &mut self,
        arg_num: usize,
        format: &[u8],
        i: usize,
        num_args: usize,
    ) -> (usize, usize, bool) {
        if format.len() <= i || format[i] != b'[' {
            return (arg_num, i, false);
        }
        self.reordered = true;
        let (index, wid, ok) = parse_arg_number(&format[i..]);
        if ok && index < num_args {
            return (index, i + wid, true);
        }
        self.good_arg_num = false;
        (arg_num, i + wid, ok)
    }

    fn do_printf(&mut self, format: &[u8], a: &[Datum]) {
        let end = format.len();
        let mut arg_num = 0usize;
        let mut after_index;
        self.reordered = false;
        let mut i = 0usize;
        'format_loop: while i < end {
            self.good_arg_num = true;
            let lasti = i;
            while i < end && format[i] != b'%' {
                i += 1;
            }
            if i > lasti {
                self.buf.extend_from_slice(&format[lasti..i]);
            }
            if i >= end {
                break;
            }
            i += 1;
            self.clear_flags();
            while i < end {
                let c = format[i];
                match c {
                    b'#' => self.f.sharp = true,
                    b'0' => self.f.zero = true,
                    b'+' => self.f.plus = true,
                    b'-' => self.f.minus = true,
                    b' ' => self.f.space = true,
                    _ => {
                        if c.is_ascii_lowercase() && arg_num < a.len() {
                            if c == b'v' {
                                self.f.sharp_v = self.f.sharp;
                                self.f.sharp = false;
                                self.f.plus_v = self.f.plus;
                                self.f.plus = false;
                            }
                            self.print_arg(&a[arg_num], c as char);
                            arg_num += 1;
                            i += 1;
                            continue 'format_loop;
                        }
                        break;
                    }
                }
                i += 1;
            }
            (arg_num, i, after_index) = self.argument_number(arg_num, format, i, a.len());
            if i < end && format[i] == b'*' {
                i += 1;
                let (w, ok, n) = int_from_arg(a, arg_num);
                self.f.wid = w;
                self.f.wid_present = ok;
                arg_num = n;
                if !ok {
                    self.buf.extend_from_slice(b"%!(BADWIDTH)");
                }
                if self.f.wid < 0 {
                    self.f.wid = -self.f.wid;
                    self.f.minus = true;
                }
                after_index = false;
            } else {
                let (w, ok, n) = parse_num(format, i, end);
                self.f.wid = w;
                self.f.wid_present = ok;
                i = n;
                if after_index && ok {
                    self.good_arg_num = false;
                }
            }
            if i + 1 < end && format[i] == b'.' {
                i += 1;
                if after_index {
                    self.good_arg_num = false;
                }
                (arg_num, i, after_index) = self.argument_number(arg_num, format, i, a.len());
                if i < end && format[i] == b'*' {
                    i += 1;
                    let (pr, ok, n) = int_from_arg(a, arg_num);
                    self.f.prec = pr;
                    self.f.prec_present = ok;
                    arg_num = n;
                    if self.f.prec < 0 {
                        self.f.prec = 0;
                        self.f.prec_present = false;
                    }
                    if !self.f.prec_present {
                        self.buf.extend_from_slice(b"%!(BADPREC)");
                    }
                    after_index = false;
                } else {
                    let (pr, ok, n) = parse_num(format, i, end);
                    self.f.prec = pr;
                    self.f.prec_present = ok;
                    i = n;
                    if !ok {
                        self.f.prec = 0;
                        self.f.prec_present = true;
                    }
                }
            }
            if !after_index {
                (arg_num, i, _) = self.argument_number(arg_num, format, i, a.len());
            }
            if i >= end {
                self.buf.extend_from_slice(b"%!(NOVERB)");
                break;
            }
            let (verb, size) = match decode_rune(&format[i..]) {
                (Some(c), w) => (c, w),
                (None, w) => ('\u{FFFD}', w),
            };
            i += size;
            if verb == '%' {
                self.buf.push(b'%');
            } else if !self.good_arg_num {
                self.buf.extend_from_slice(b"%!");
                push_rune(&mut self.buf, verb);
                self.buf.extend_from_slice(b"(BADINDEX)");
            } else if arg_num >= a.len() {
                self.buf.extend_from_slice(b"%!");
                push_rune(&mut self.buf, verb);
                self.buf.extend_from_slice(b"(MISSING)");
            } else {
                if verb == 'v' {
                    self.f.sharp_v = self.f.sharp;
                    self.f.sharp = false;
                    self.f.plus_v = self.f.plus;
                    self.f.plus = false;
                }
                self.print_arg(&a[arg_num], verb);
                arg_num += 1;
            }
        }
        if !self.reordered && arg_num < a.len() {
            self.clear_flags();
            self.buf.extend_from_slice(b"%!(EXTRA ");
            for (k, arg) in a[arg_num..].iter().enumerate() {
                if k > 0 {
                    self.buf.extend_from_slice(b", ");
                }
                if let Datum::Nil = arg {
                    self.buf.extend_from_slice(b"<nil>");
                } else {
                    self.buf.extend_from_slice(arg.type_name().as_bytes());
                    self.buf.push(b'=');
                    self.print_arg(arg, 'v');
                }
            }
            self.buf.push(b')');
        }
    }

    fn bad_verb(&mut self, verb: char) {
        self.buf.extend_from_slice(b"%!");
        push_rune(&mut self.buf, verb);
        self.buf.push(b'(');
        match self.culprit.clone() {
            Culprit::Arg(d) => {
                self.buf.extend_from_slice(d.type_name().as_bytes());
                self.buf.push(b'=');
                self.print_arg(&d, 'v');
            }
            Culprit::Value(d) => {
                self.buf.extend_from_slice(d.type_name().as_bytes());
                self.buf.push(b'=');
                self.print_value(&d, 'v', 0);
            }
            Culprit::None => self.buf.extend_from_slice(b"<nil>"),
        }
        self.buf.push(b')');
    }

    fn print_arg(&mut self, arg: &Datum, verb: char) {
        self.culprit = Culprit::Arg(arg.clone());
        if let Datum::Nil = arg {
            self.culprit = Culprit::None;
            match verb {
                'T' | 'v' => self.pad(b"<nil>"),
                _ => self.bad_verb(verb),
            }
            return;
        }
        match verb {
            'T' => {
                self.fmt_s(arg.type_name().as_bytes());
                return;
            }
            'p' => {
                self.fmt_pointer(arg, verb);
                return;
            }
            _ => {}
        }
        match arg {
            Datum::List(_) | Datum::Map(_) => self.print_value(arg, verb, 0),
            _ => self.print_basic(arg, verb),
        }
    }

    fn print_basic(&mut self, d: &Datum, verb: char) {
        match d {
            Datum::Bool(b) => match verb {
                't' | 'v' => self.pad(if *b { b"true" } else { b"false" }),
                _ => self.bad_verb(verb),
            },
            Datum::Int(i) => self.fmt_integer(*i as u64, true, verb),
            Datum::Byte(b) => self.fmt_integer(*b as u64, false, verb),
            Datum::Float(f) => self.fmt_float_verb(*f, verb),
            Datum::Complex(r, i) => self.fmt_complex(*r, *i, verb),
            Datum::Str(s) => self.fmt_string(s, verb),
            Datum::Nil | Datum::List(_) | Datum::Map(_) => {}
        }
    }

    /// `printValue` for a concrete value at `depth`.
    fn print_value(&mut self, d: &Datum, verb: char, depth: usize) {
        self.culprit = Culprit::Value(d.clone());
        match d {
            Datum::Map(m) => {
                if self.f.sharp_v {
                    self.buf.extend_from_slice(b"map[string]interface {}{");
                } else {
                    self.buf.extend_from_slice(b"map[");
                }
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        if self.f.sharp_v {
                            self.buf.extend_from_slice(b", ");
                        } else {
                            self.buf.push(b' ');
                        }
                    }
                    self.print_value(&Datum::str(k), verb, depth + 1);
                    self.buf.push(b':');
                    self.print_elem(v, verb, depth + 1);
                }
                self.buf.push(if self.f.sharp_v { b'}' } else { b']' });
            }
            Datum::List(l) => {
                if self.f.sharp_v {
                    self.buf.extend_from_slice(b"[]interface {}{");
                } else {
                    self.buf.push(b'[');
                }
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        if self.f.sharp_v {
                            self.buf.extend_from_slice(b", ");
                        } else {
                            self.buf.push(b' ');
                        }
                    }
                    self.print_elem(&v, verb, depth + 1);
                }
                self.buf.push(if self.f.sharp_v { b'}' } else { b']' });
            }
            Datum::Nil => self.buf.extend_from_slice(b"<nil>"),
            _ => self.print_basic(d, verb),
        }
    }

    /// An `interface{}` element of a container.
    fn print_elem(&mut self, d: &Datum, verb: char, depth: usize) {
        match d {
            Datum::Nil => {
                if self.f.sharp_v {
                    self.buf.extend_from_slice(b"interface {}(nil)");
                } else {
                    self.buf.extend_from_slice(b"<nil>");
                }
            }
            d => self.print_value(d, verb, depth + 1),
        }
    }

    fn fmt_pointer(&mut self, d: &Datum, verb: char) {
        match d {
            Datum::List(_) | Datum::Map(_) => {
                // Addresses are not reproducible; print a plausible heap address.
                let old = self.f.sharp;
                self.f.sharp = !old;
                self.fmt_integer_base(0xc000010000, 16, false, 'v', LDIGITS);
                self.f.sharp = old;
            }
            _ => self.bad_verb(verb),
        }
    }

    fn fmt_integer(&mut self, u: u64, signed: bool, verb: char) {
        match verb {
            'v' => {
                if self.f.sharp_v && !signed {
                    let old = self.f.sharp;
                    self.f.sharp = true;
                    self.fmt_integer_base(u, 16, false, 'v', LDIGITS);
                    self.f.sharp = old;
                } else {
                    self.fmt_integer_base(u, 10, signed, verb, LDIGITS)
                }
            }
            'd' => self.fmt_integer_base(u, 10, signed, verb, LDIGITS),
            'b' => self.fmt_integer_base(u, 2, signed, verb, LDIGITS),
            'o' | 'O' => self.fmt_integer_base(u, 8, signed, verb, LDIGITS),
            'x' => self.fmt_integer_base(u, 16, signed, verb, LDIGITS),
            'X' => self.fmt_integer_base(u, 16, signed, verb, UDIGITS),
            'c' => self.fmt_c(u),
            'q' => self.fmt_qc(u),
            'U' => self.fmt_unicode(u),
            _ => self.bad_verb(verb),
        }
    }

    fn fmt_integer_base(&mut self, u: u64, base: u64, signed: bool, verb: char, digits: &[u8; 17]) {
        let negative = signed && (u as i64) < 0;
        let mut u = if negative { u.wrapping_neg() } else { u };
        let mut prec = 0i64;
        if self.f.prec_present {
            prec = self.f.prec;
            if prec == 0 && u == 0 {
                let old = self.f.zero;
                self.f.zero = false;
                self.write_padding(self.f.wid);
                self.f.zero = old;
                return;
            }
        } else if self.zero_pads() && self.f.wid_present {
            prec = self.f.wid;
            if negative || self.f.plus || self.f.space {
                prec -= 1;
            }
        }
        let mut rev: Vec<u8> = Vec::new();
        while u >= base {
            rev.push(digits[(u % base) as usize]);
            u /= base;
        }
        rev.push(digits[u as usize]);
        while (rev.len() as i64) < prec {
            rev.push(b'0');
        }
        if self.f.sharp {
            match base {
                2 => rev.extend_from_slice(b"b0"),
                8 if rev.last() != Some(&b'0') => rev.push(b'0'),
                16 => {
                    rev.push(digits[16]);
                    rev.push(b'0');
                }
                _ => {}
            }
        }
        if verb == 'O' {
            rev.extend_from_slice(b"o0");
        }
        if negative {
            rev.push(b'-');
        } else if self.f.plus {
            rev.push(b'+');
        } else if self.f.space {
            rev.push(b' ');
        }
        rev.reverse();
        self.pad_no_zero(&rev);
    }

    fn fmt_c(&mut self, c: u64) {
        let r = char::from_u32(c.min(u32::MAX as u64) as u32)
            .filter(|_| c <= 0x10FFFF)
            .unwrap_or('\u{FFFD}');
        let mut b = Vec::new();
        push_rune(&mut b, r);
        self.pad(&b);
    }

    fn fmt_qc(&mut self, c: u64) {
        let r = if c > 0x10FFFF { 0xFFFD } else { c as u32 };
        let q = quote_rune(r, self.f.plus);
        self.pad(&q);
    }

    fn fmt_unicode(&mut self, u: u64) {
        let mut prec = 4i64;
        if self.f.prec_present && self.f.prec > 4 {
            prec = self.f.prec;
        }
        let mut hex = format!("{u:X}").into_bytes();
        while (hex.len() as i64) < prec {
            hex.insert(0, b'0');
        }
        let mut out = b"U+".to_vec();
        out.extend_from_slice(&hex);
        if self.f.sharp
            && u <= 0x10FFFF
            && let Some(c) = char::from_u32(u as u32).filter(|&c| is_print(c))
        {
            out.extend_from_slice(b" '");
            push_rune(&mut out, c);
            out.push(b'\'');
        }
        self.pad_no_zero(&out);
    }

    fn fmt_float_verb(&mut self, v: f64, verb: char) {
        match verb {
            'v' => self.fmt_float(v, b'g', -1),
            'b' | 'g' | 'G' | 'x' | 'X' => self.fmt_float(v, verb as u8, -1),
            'f' | 'e' | 'E' => self.fmt_float(v, verb as u8, 6),
            'F' => self.fmt_float(v, b'f', 6),
            _ => self.bad_verb(verb),
        }
    }

    fn fmt_complex(&mut self, re: f64, im: f64, verb: char) {
        match verb {
            'v' | 'b' | 'g' | 'G' | 'x' | 'X' | 'f' | 'F' | 'e' | 'E' => {
                let old_plus = self.f.plus;
                self.buf.push(b'(');
                self.fmt_float_verb(re, verb);
                self.f.plus = true;
                self.fmt_float_verb(im, verb);
                self.buf.extend_from_slice(b"i)");
                self.f.plus = old_plus;
            }
            _ => self.bad_verb(verb),
        }
    }

    fn fmt_float(&mut self, v: f64, verb: u8, prec: i64) {
        let prec = if self.f.prec_present {
            self.f.prec
        } else {
            prec
        };
        let formatted = format_float(v, verb, prec.clamp(-1, 1 << 20) as i32);
        let mut num: Vec<u8> = Vec::with_capacity(formatted.len() + 1);
        if formatted[0] == b'-' || formatted[0] == b'+' {
            num.extend_from_slice(&formatted);
        } else {
            num.push(b'+');
            num.extend_from_slice(&formatted);
        }
        if self.f.space && num[0] == b'+' && !self.f.plus {
            num[0] = b' ';
        }
        if num[1] == b'I' || num[1] == b'N' {
            let old = self.f.zero;
            self.f.zero = false;
            if num[1] == b'N' && !self.f.space && !self.f.plus {
                num.remove(0);
            }
            self.pad(&num);
            self.f.zero = old;
            return;
        }
        if self.f.sharp && verb != b'b' {
            let mut digits: i64 = match verb {
                b'v' | b'g' | b'G' | b'x' => {
                    if prec == -1 {
                        6
                    } else {
                        prec
                    }
                }
                _ => 0,
            };
            let mut tail: Vec<u8> = Vec::new();
            let mut has_dot = false;
            let mut saw_nonzero = false;
            let mut i = 1;
            while i < num.len() {
                let c = num[i];
                let is_exp = matches!(c, b'p' | b'P')
                    || (matches!(c, b'e' | b'E') && verb != b'x' && verb != b'X');
                if c == b'.' {
                    has_dot = true;
                } else if is_exp {
                    tail.extend_from_slice(&num[i..]);
                    num.truncate(i);
                    break;
                } else {
                    if c != b'0' {
                        saw_nonzero = true;
                    }
                    if saw_nonzero {
                        digits -= 1;
                    }
                }
                i += 1;
            }
            if !has_dot {
                if num.len() == 2 && num[1] == b'0' {
                    digits -= 1;
                }
                num.push(b'.');
            }
            while digits > 0 {
                num.push(b'0');
                digits -= 1;
            }
            num.extend_from_slice(&tail);
        }
        if self.f.plus || num[0] != b'+' {
            if self.zero_pads() && self.f.wid_present && self.f.wid > num.len() as i64 {
                self.buf.push(num[0]);
                self.write_padding(self.f.wid - num.len() as i64);
                self.buf.extend_from_slice(&num[1..]);
                return;
            }
            self.pad(&num);
            return;
        }
        self.pad(&num[1..]);
    }

    fn fmt_string(&mut self, s: &[u8], verb: char) {
        match verb {
            'v' => {
                if self.f.sharp_v {
                    self.fmt_q(s)
                } else {
                    self.fmt_s(s)
                }
            }
            's' => self.fmt_s(s),
            'x' => self.fmt_sx(s, LDIGITS),
            'X' => self.fmt_sx(s, UDIGITS),
            'q' => self.fmt_q(s),
            _ => self.bad_verb(verb),
        }
    }

    fn truncate<'s>(&self, s: &'s [u8]) -> &'s [u8] {
        if self.f.prec_present {
            let mut n = self.f.prec;
            let mut i = 0;
            while i < s.len() {
                n -= 1;
                if n < 0 {
                    return &s[..i];
                }
                i += decode_rune(&s[i..]).1;
            }
        }
        s
    }

    fn fmt_s(&mut self, s: &[u8]) {
        let s = self.truncate(s).to_vec();
        self.pad(&s);
    }

    fn fmt_q(&mut self, s: &[u8]) {
        let s = self.truncate(s).to_vec();
        if self.f.sharp && can_backquote(&s) {
            let mut q = vec![b'`'];
            q.extend_from_slice(&s);
            q.push(b'`');
            self.pad(&q);
            return;
        }
        let q = quote_bytes(&s, self.f.plus);
        self.pad(&q);
    }

    fn fmt_sx(&mut self, s: &[u8], digits: &[u8; 17]) {
        let mut length = s.len() as i64;
        if self.f.prec_present && self.f.prec < length {
            length = self.f.prec;
        }
        let mut width = 2 * length;
        if width > 0 {
            if self.f.space {
                if self.f.sharp {
                    width *= 2;
                }
                width += length - 1;
            } else if self.f.sharp {
                width += 2;
            }
        } else {
            if self.f.wid_present {
                self.write_padding(self.f.wid);
            }
            return;
        }
        if self.f.wid_present && self.f.wid > width && !self.f.minus {
            self.write_padding(self.f.wid - width);
        }
        if self.f.sharp {
            self.buf.push(b'0');
            self.buf.push(digits[16]);
        }
        for (i, &c) in s[..length as usize].iter().enumerate() {
            if self.f.space && i > 0 {
                self.buf.push(b' ');
                if self.f.sharp {
                    self.buf.push(b'0');
                    self.buf.push(digits[16]);
                }
            }
            self.buf.push(digits[(c >> 4) as usize]);
            self.buf.push(digits[(c & 0xF) as usize]);
        }
        if self.f.wid_present && self.f.wid > width && self.f.minus {
            self.write_padding(self.f.wid - width);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::List;
    use std::collections::BTreeMap;
    use std::rc::Rc;

    fn s(x: &str) -> Datum {
        Datum::str(x.as_bytes())
    }

    #[test]
    fn printf_cases() {
        let list = Datum::List(List::from_appended(vec![
            Datum::Float(1.0),
            s("a"),
            Datum::Nil,
        ]));
        let mut m = BTreeMap::new();
        m.insert(b"b".to_vec(), Datum::Float(2.5));
        m.insert(b"a".to_vec(), Datum::Nil);
        let map = Datum::Map(Rc::new(m));
        let cases: Vec<(&str, Vec<Datum>, &str)> = vec![
            ("%d", vec![Datum::Float(5.0)], "%!d(float64=5)"),
            ("%d", vec![Datum::Int(5)], "5"),
            (
                "%05d|%-5d|%+d",
                vec![Datum::Int(-42), Datum::Int(7), Datum::Int(3)],
                "-0042|7    |+3",
            ),
            (
                "%6.2f|%e|%g",
                vec![Datum::Float(3.14259), Datum::Float(1e6), Datum::Float(1e21)],
                "  3.14|1.000000e+06|1e+21",
            ),
            (
                "%s %q %x %X",
                vec![s("hi"), s("a\"b"), s("hi"), s("hi")],
                "hi \"a\\\"b\" 6869 6869",
            ),
            ("%v", vec![list.clone()], "[1 a <nil>]"),
            (
                "%d",
                vec![list.clone()],
                "[%!d(float64=1) %!d(string=a) <nil>]",
            ),
            (
                "%v %#v",
                vec![map.clone(), map.clone()],
                "map[a:<nil> b:2.5] map[string]interface {}{\"a\":interface {}(nil), \"b\":2.5}",
            ),
            ("%s", vec![], "%!s(MISSING)"),
            ("x", vec![s("y")], "x%!(EXTRA string=y)"),
            ("%", vec![], "%!(NOVERB)"),
            ("%[2]d %[1]d", vec![Datum::Int(1), Datum::Int(2)], "2 1"),
            ("%[3]d", vec![Datum::Int(1)], "%!d(BADINDEX)"),
            ("%*d", vec![Datum::Int(4), Datum::Int(1)], "   1"),
            (
                "%*d",
                vec![Datum::Float(4.0), Datum::Int(1)],
                "%!(BADWIDTH)1",
            ),
            (
                "%T %T %T",
                vec![map.clone(), Datum::Nil, Datum::Byte(1)],
                "map[string]interface {} <nil> uint8",
            ),
            (
                "%c %U %#U",
                vec![Datum::Int(65), Datum::Int(0x1F600), Datum::Int(65)],
                "A U+1F600 U+0041 'A'",
            ),
            ("%t %v", vec![Datum::Bool(true), Datum::Nil], "true <nil>"),
            ("%d", vec![Datum::Nil], "%!d(<nil>)"),
            ("%5.1s|", vec![s("abc")], "    a|"),
            ("%x", vec![Datum::Float(1.5)], "0x1.8p+00"),
            ("%v", vec![Datum::Complex(1.0, -2.0)], "(1-2i)"),
            (
                "%#v %#x %#o",
                vec![Datum::Float(1.0), Datum::Int(255), Datum::Int(8)],
                "1 0xff 010",
            ),
        ];
        for (format, args, want) in cases {
            let got = String::from_utf8(sprintf(format.as_bytes(), &args)).unwrap();
            assert_eq!(got, want, "format {format:?}");
        }
    }

    #[test]
    fn print_and_println() {
        let args = vec![
            Datum::Float(1.0),
            Datum::Float(2.0),
            s("x"),
            Datum::Float(3.0),
        ];
        assert_eq!(sprint(&args), b"1 2x3");
        assert_eq!(sprintln(&args), b"1 2 x 3\n");
    }
}
