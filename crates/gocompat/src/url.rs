//! Go's `net/url` escaping: `PathEscape` and `QueryEscape` (uppercase hex, byte by byte).

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// `url.PathEscape`: keeps the unreserved characters (`A-Z a-z 0-9 - _ . ~`) and `$&+:=@`;
/// every other byte becomes `%XX`.
pub fn path_escape<S: AsRef<[u8]> + ?Sized>(s: &S) -> String {
    escape(s.as_ref(), b"$&+:=@", false)
}

/// `url.QueryEscape`: keeps the unreserved characters, a space becomes `+`, every other byte
/// becomes `%XX`.
pub fn query_escape<S: AsRef<[u8]> + ?Sized>(s: &S) -> String {
    escape(s.as_ref(), b"", true)
}

fn escape(s: &[u8], also_keep: &[u8], space_as_plus: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || also_keep.contains(&b) {
            out.push(b as char);
        } else if b == b' ' && space_as_plus {
            out.push('+');
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xF)] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_go() {
        assert_eq!(
            path_escape("a b/c;d,e?f%g#h{i}é~"),
            "a%20b%2Fc%3Bd%2Ce%3Ff%25g%23h%7Bi%7D%C3%A9~"
        );
        assert_eq!(query_escape("a b&c=d+e/f:~"), "a+b%26c%3Dd%2Be%2Ff%3A~");
        assert_eq!(query_escape(b"a b&c=d/e~"), "a+b%26c%3Dd%2Fe~");
    }

    #[test]
    fn escapes_every_other_byte() {
        assert_eq!(path_escape("$&+:=@"), "$&+:=@");
        assert_eq!(query_escape("$&+:=@"), "%24%26%2B%3A%3D%40");
        assert_eq!(path_escape(b"\x00\x7f\xff"), "%00%7F%FF");
        assert_eq!(query_escape(""), "");
    }
}
