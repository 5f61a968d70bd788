//! Go's `strconv.FormatFloat(f, fmt, prec, 64)` for the formats `b e E f g G x X`.

/// A decimal digit string: value = 0.d1d2d3... × 10^dp (Go's `decimalSlice`).
struct Digits {
    d: Vec<u8>,
    dp: i32,
}

const LIMB: u64 = 1_000_000_000;

/// Multiplies a little-endian base-1e9 number by a small factor.
fn mul_small(n: &mut Vec<u64>, f: u64) {
    let mut carry = 0u64;
    for limb in n.iter_mut() {
        let v = *limb * f + carry;
        *limb = v % LIMB;
        carry = v / LIMB;
    }
    while carry > 0 {
        n.push(carry % LIMB);
        carry /= LIMB;
    }
}

fn to_decimal_string(n: &[u64]) -> Vec<u8> {
    let mut s = String::new();
    for (i, limb) in n.iter().rev().enumerate() {
        if i == 0 {
            s.push_str(&limb.to_string());
        } else {
            s.push_str(&format!("{limb:09}"));
        }
    }
    s.into_bytes()
}

/// The exact decimal expansion of |f| (finite), trailing zeros trimmed.
fn exact_digits(f: f64) -> Digits {
    let bits = f.to_bits();
    let exp_field = ((bits >> 52) & 0x7FF) as i32;
    let mut mant = bits & ((1u64 << 52) - 1);
    let exp = if exp_field == 0 {
        1 - 1075
    } else {
        mant |= 1 << 52;
        exp_field - 1075
    };
    if mant == 0 {
        return Digits { d: vec![], dp: 0 };
    }
    let mut n = vec![mant % LIMB, mant / LIMB % LIMB, mant / LIMB / LIMB];
    let dp_adjust;
    if exp >= 0 {
        let mut e = exp;
        while e > 0 {
            let step = e.min(29);
            mul_small(&mut n, 1 << step);
            e -= step;
        }
        dp_adjust = 0;
    } else {
        let mut k = -exp;
        dp_adjust = k;
        while k > 0 {
            let step = k.min(13);
            mul_small(&mut n, 5u64.pow(step as u32));
            k -= step;
        }
    }
    while n.len() > 1 && *n.last().unwrap_or(&1) == 0 {
        n.pop();
    }
    let mut d = to_decimal_string(&n);
    let dp = d.len() as i32 - dp_adjust;
    while d.last() == Some(&b'0') {
        d.pop();
    }
    Digits { d, dp }
}

/// The shortest digits that round-trip (Rust and Go both pick the closest shortest string).
fn shortest_digits(f: f64) -> Digits {
    if f == 0.0 {
        return Digits { d: vec![], dp: 0 };
    }
    let s = format!("{:e}", f.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut d: Vec<u8> = mant.bytes().filter(|b| b.is_ascii_digit()).collect();
    while d.len() > 1 && d.last() == Some(&b'0') {
        d.pop();
    }
    Digits { d, dp: exp + 1 }
}

impl Digits {
    fn should_round_up(&self, nd: usize) -> bool {
        if self.d[nd] == b'5' && nd + 1 == self.d.len() {
            return nd > 0 && (self.d[nd - 1] - b'0') % 2 == 1;
        }
        self.d[nd] >= b'5'
    }

    /// Go's `decimal.Round(nd)`.
    fn round(&mut self, nd: i32) {
        if nd < 0 || nd as usize >= self.d.len() {
            return;
        }
        let nd = nd as usize;
        if self.should_round_up(nd) {
            let mut i = nd;
            while i > 0 {
                if self.d[i - 1] < b'9' {
                    self.d[i - 1] += 1;
                    self.d.truncate(i);
                    return;
                }
                i -= 1;
            }
            self.d.clear();
            self.d.push(b'1');
            self.dp += 1;
        } else {
            self.d.truncate(nd);
            while self.d.last() == Some(&b'0') {
                self.d.pop();
            }
        }
    }
}

fn fmt_e(out: &mut Vec<u8>, neg: bool, d: &Digits, prec: i32, fmt: u8) {
    if neg {
        out.push(b'-');
    }
    out.push(d.d.first().copied().unwrap_or(b'0'));
    if prec > 0 {
        out.push(b'.');
        let mut i = 1usize;
        let m = d.d.len().min(prec as usize + 1);
        if i < m {
            out.extend_from_slice(&d.d[i..m]);
            i = m;
        }
        while i <= prec as usize {
            out.push(b'0');
            i += 1;
        }
    }
    out.push(fmt);
    let mut exp = d.dp - 1;
    if d.d.is_empty() {
        exp = 0;
    }
    if exp < 0 {
        out.push(b'-');
        exp = -exp;
    } else {
        out.push(b'+');
    }
    if exp < 10 {
        out.push(b'0');
    }
    out.extend_from_slice(exp.to_string().as_bytes());
}

fn fmt_f(out: &mut Vec<u8>, neg: bool, d: &Digits, prec: i32) {
    if neg {
        out.push(b'-');
    }
    if d.dp > 0 {
        let m = d.d.len().min(d.dp as usize);
        out.extend_from_slice(&d.d[..m]);
        for _ in m..d.dp as usize {
            out.push(b'0');
        }
    } else {
        out.push(b'0');
    }
    if prec > 0 {
        out.push(b'.');
        for i in 1..=prec {
            let j = d.dp + i - 1;
            let ch = if j >= 0 && (j as usize) < d.d.len() {
                d.d[j as usize]
            } else {
                b'0'
            };
            out.push(ch);
        }
    }
}

fn fmt_b(out: &mut Vec<u8>, f: f64) {
    let bits = f.to_bits();
    let exp_field = ((bits >> 52) & 0x7FF) as i64;
    let mut mant = bits & ((1u64 << 52) - 1);
    let exp = if exp_field == 0 {
        1 - 1075
    } else {
        mant |= 1 << 52;
        exp_field - 1075
    };
    if f.is_sign_negative() {
        out.push(b'-');
    }
    out.extend_from_slice(mant.to_string().as_bytes());
    out.push(b'p');
    if exp >= 0 {
        out.push(b'+');
    }
    out.extend_from_slice(exp.to_string().as_bytes());
}

fn fmt_x(out: &mut Vec<u8>, f: f64, prec: i32, fmt: u8) {
    let bits = f.to_bits();
    let exp_field = ((bits >> 52) & 0x7FF) as i64;
    let mut mant = bits & ((1u64 << 52) - 1);
    let mut exp = if exp_field == 0 {
        1 - 1023
    } else {
        mant |= 1 << 52;
        exp_field - 1023
    };
    if mant == 0 {
        exp = 0;
    }
    mant <<= 60 - 52;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = mant.wrapping_shl(shift) & ((1 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let hex: &[u8; 16] = if fmt == b'X' {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    if f.is_sign_negative() {
        out.push(b'-');
    }
    out.push(b'0');
    out.push(fmt);
    out.push(b'0' + ((mant >> 60) & 1) as u8);
    mant <<= 4;
    if prec < 0 && mant != 0 {
        out.push(b'.');
        while mant != 0 {
            out.push(hex[((mant >> 60) & 15) as usize]);
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push(b'.');
        for _ in 0..prec {
            out.push(hex[((mant >> 60) & 15) as usize]);
            mant <<= 4;
        }
    }
    out.push(if fmt == b'X' { b'P' } else { b'p' });
    if exp < 0 {
        out.push(b'-');
        exp = -exp;
    } else {
        out.push(b'+');
    }
    if exp < 10 {
        out.push(b'0');
    }
    out.extend_from_slice(exp.to_string().as_bytes());
}

/// `strconv.FormatFloat(f, fmt, prec, 64)`; `prec < 0` means shortest.
pub fn format_float(f: f64, fmt: u8, prec: i32) -> Vec<u8> {
    let mut out = Vec::new();
    if f.is_nan() {
        return b"NaN".to_vec();
    }
    if f.is_infinite() {
        return if f < 0.0 {
            b"-Inf".to_vec()
        } else {
            b"+Inf".to_vec()
        };
    }
    match fmt {
        b'b' => {
            fmt_b(&mut out, f);
            return out;
        }
        b'x' | b'X' => {
            fmt_x(&mut out, f, prec, fmt);
            return out;
        }
        _ => {}
    }
    let neg = f.is_sign_negative();
    let shortest = prec < 0;
    let mut prec = prec;
    let digs = if shortest {
        let d = shortest_digits(f);
        prec = match fmt {
            b'e' | b'E' => (d.d.len() as i32 - 1).max(0),
            b'f' => (d.d.len() as i32 - d.dp).max(0),
            _ => d.d.len() as i32,
        };
        d
    } else {
        let mut d = exact_digits(f);
        match fmt {
            b'e' | b'E' => d.round(prec + 1),
            b'f' => d.round(d.dp + prec),
            _ => {
                if prec == 0 {
                    prec = 1;
                }
                d.round(prec)
            }
        }
        d
    };
    match fmt {
        b'e' | b'E' => fmt_e(&mut out, neg, &digs, prec, fmt),
        b'f' => fmt_f(&mut out, neg, &digs, prec),
        _ => {
            let nd = digs.d.len() as i32;
            let mut eprec = prec;
            if eprec > nd && nd >= digs.dp {
                eprec = nd;
            }
            if shortest {
                eprec = 6;
            }
            let exp = digs.dp - 1;
            let e = if fmt == b'G' { b'E' } else { b'e' };
            if exp < -4 || exp >= eprec {
                if prec > nd {
                    prec = nd;
                }
                fmt_e(&mut out, neg, &digs, prec - 1, e);
            } else {
                if prec > digs.dp {
                    prec = nd;
                }
                fmt_f(&mut out, neg, &digs, (prec - digs.dp).max(0));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let cases: &[(f64, u8, i32, &str)] = &[
            (1e6, b'g', -1, "1e+06"),
            (100000.0, b'g', -1, "100000"),
            (0.1, b'g', -1, "0.1"),
            (1.2345e13, b'g', -1, "1.2345e+13"),
            (1e-7, b'g', -1, "1e-07"),
            (0.0001, b'g', -1, "0.0001"),
            (0.00001, b'g', -1, "1e-05"),
            (-0.0, b'g', -1, "-0"),
            (0.0, b'g', -1, "0"),
            (1e21, b'g', -1, "1e+21"),
            (123456789.0, b'g', -1, "1.23456789e+08"),
            (1.5, b'f', 6, "1.500000"),
            (2.5, b'f', 0, "2"),
            (0.5, b'f', 0, "0"),
            (1.5, b'f', 0, "2"),
            (0.05, b'f', 1, "0.1"),
            (1234.5678, b'e', 2, "1.23e+03"),
            (0.0, b'e', 6, "0.000000e+00"),
            (1.0, b'g', 3, "1"),
            (123456.0, b'g', 3, "1.23e+05"),
            (0.000012345, b'g', 2, "1.2e-05"),
            (1e100, b'e', -1, "1e+100"),
            (1.0, b'b', -1, "4503599627370496p-52"),
            (1.5, b'x', -1, "0x1.8p+00"),
            (-2.25, b'X', -1, "-0X1.2P+01"),
            (1.0, b'x', 2, "0x1.00p+00"),
            (5e-324, b'g', -1, "5e-324"),
            (
                f64::MAX,
                b'f',
                0,
                "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368",
            ),
        ];
        for &(f, fmt, prec, want) in cases {
            let got = String::from_utf8(format_float(f, fmt, prec)).unwrap();
            assert_eq!(got, want, "{f} {} {prec}", fmt as char);
        }
    }
}
