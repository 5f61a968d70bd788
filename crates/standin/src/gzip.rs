//! Honest gzip bodies without a compressor: one gzip member of stored (uncompressed) deflate
//! blocks, with its CRC-32 and length trailer, which any gzip reader decodes.

/// The 10-byte gzip member header: deflate, no flags, no time, unknown OS.
pub const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// `data` as a complete gzip member (stored blocks of at most 65535 bytes).
pub fn stored(data: &[u8]) -> Vec<u8> {
    let mut out = HEADER.to_vec();
    let mut blocks = data.chunks(0xffff).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        let last = u8::from(blocks.peek().is_none());
        let len = block.len() as u16;
        out.push(last); // BFINAL, BTYPE 00: stored
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// CRC-32 (IEEE, reflected), bit by bit: bodies here are small.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_of_the_check_string() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn empty_and_small_members() {
        assert_eq!(
            stored(b""),
            [
                HEADER.as_slice(),
                &[1, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]
            ]
            .concat()
        );
        let member = stored(b"hi");
        assert_eq!(&member[10..15], &[1, 2, 0, 0xfd, 0xff]);
        assert_eq!(&member[15..17], b"hi");
        assert_eq!(member.len(), 10 + 5 + 2 + 8);
    }
}
