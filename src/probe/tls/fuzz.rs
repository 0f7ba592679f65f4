//! What the seeded fuzz loops over the decoders share: a small generator and the mutations.
//! The seed is fixed so a failure reproduces; `PREFLIGHT_FUZZ_ITERATIONS` runs them longer.

/// xorshift64*: enough randomness to mutate bytes, and no new dependency.
pub struct Rng(pub u64);

impl Rng {
    /// The generator every fuzz loop starts from.
    pub fn seeded() -> Self {
        Self(0x9E37_79B9_7F4A_7C15)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }

    pub fn byte(&mut self) -> u8 {
        self.next().to_le_bytes()[0]
    }
}

/// How many inputs a loop tries: `default`, or `PREFLIGHT_FUZZ_ITERATIONS`.
pub fn iterations(default: usize) -> usize {
    std::env::var("PREFLIGHT_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Input `i` of a loop: random bytes (one in five, up to `random_len`), else one of `seeds`
/// with a few bits flipped, bytes replaced, inserted or removed, two bytes overwritten (a
/// length or an offset: where decoders must check bounds), or cut short.
pub fn input(rng: &mut Rng, i: usize, seeds: &[Vec<u8>], random_len: usize) -> Vec<u8> {
    let mut input = if i.is_multiple_of(5) || seeds.is_empty() {
        let len = rng.below(random_len);
        (0..len).map(|_| rng.byte()).collect::<Vec<u8>>()
    } else {
        seeds[rng.below(seeds.len())].clone()
    };
    for _ in 0..=rng.below(4) {
        if input.is_empty() {
            break;
        }
        let at = rng.below(input.len());
        match rng.below(6) {
            0 => input[at] ^= 1 << rng.below(8),
            1 => input[at] = rng.byte(),
            2 => input.insert(at, rng.byte()),
            3 => {
                input.remove(at);
            }
            4 if input.len() > at + 1 => {
                input[at] = rng.byte();
                input[at + 1] = rng.byte();
            }
            _ => input.truncate(at),
        }
    }
    input
}
