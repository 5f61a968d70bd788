//! Test-only: a seeded pseudo-random generator for the no-panic property tests. The number of
//! cases comes from `ATLAS_FUZZ_ITERS` (default small, for CI); run with a large value by hand.

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Text built from `pieces`, with occasional random bytes mixed in.
    pub fn text(&mut self, pieces: &[&str], max_pieces: usize) -> String {
        let mut out = String::new();
        for _ in 0..self.below(max_pieces + 1) {
            if self.below(8) == 0 {
                out.push(char::from_u32(self.below(0x3000) as u32).unwrap_or('?'));
            } else {
                let piece: &&str = self.pick(pieces);
                out.push_str(piece);
            }
        }
        out
    }

    pub fn bytes(&mut self, max: usize) -> Vec<u8> {
        (0..self.below(max + 1))
            .map(|_| self.next_u64() as u8)
            .collect()
    }
}

/// How many cases each property test runs: `ATLAS_FUZZ_ITERS` may raise it, never lower it.
pub fn iterations(default: usize) -> usize {
    std::env::var("ATLAS_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(default, |n: usize| n.max(default))
}
