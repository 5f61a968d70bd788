//! Hostile bodies built without holding what they decode to: a gzip bomb, hand-written as one
//! fixed-Huffman deflate block of back-references, and a gzip stream that is corrupt.

use crate::gzip::HEADER as GZIP_HEADER;

/// A gzip stream that decodes to `decoded_len` zero bytes, about `decoded_len / 159` bytes
/// long (1 GiB in 6.8 MB): a literal zero, then back-references of 258 bytes at distance 1
/// (13 bits each). The stream stops after its deflate block, without the CRC-32 and length
/// trailer: a reader that keeps to a size limit never gets that far, and one that does not
/// has already decoded everything.
pub fn gzip_bomb(decoded_len: u64) -> Vec<u8> {
    let mut bits = Bits::with_capacity(GZIP_HEADER.len() + (decoded_len / 150) as usize + 16);
    bits.out.extend_from_slice(&GZIP_HEADER);
    bits.put(1, 1); // BFINAL
    bits.put(1, 2); // BTYPE 01: fixed Huffman codes
    if decoded_len > 0 {
        bits.huffman(0x30, 8); // literal 0
        let rest = decoded_len - 1;
        for _ in 0..rest / 258 {
            bits.huffman(0xc5, 8); // length code 285: 258 bytes
            bits.huffman(0, 5); // distance code 0: distance 1
        }
        for _ in 0..rest % 258 {
            bits.huffman(0x30, 8);
        }
    }
    bits.huffman(0, 7); // end of block (256)
    bits.finish()
}

/// A gzip stream whose header is valid and whose deflate data is not (block type 3, which
/// does not exist).
pub fn corrupt_gzip() -> Vec<u8> {
    let mut body = GZIP_HEADER.to_vec();
    body.extend_from_slice(&[0xff; 64]);
    body
}

/// Deflate's bit order: values least significant bit first, Huffman codes most significant
/// bit first.
struct Bits {
    out: Vec<u8>,
    acc: u64,
    count: u32,
}

impl Bits {
    fn with_capacity(capacity: usize) -> Bits {
        Bits {
            out: Vec::with_capacity(capacity),
            acc: 0,
            count: 0,
        }
    }

    fn put(&mut self, value: u32, len: u32) {
        self.acc |= u64::from(value) << self.count;
        self.count += len;
        while self.count >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.count -= 8;
        }
    }

    fn huffman(&mut self, code: u32, len: u32) {
        self.put(code.reverse_bits() >> (32 - len), len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}
