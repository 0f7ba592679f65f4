//! A bounded, seeded fuzz of the flight decoder: random bytes, and real flights mutated (bits
//! flipped, bytes inserted and removed, length fields overwritten, cut short). The decoder must
//! return for every input without panicking, and what it says must hold together. The seed is
//! fixed so a failure reproduces; set `PREFLIGHT_FUZZ_ITERATIONS` to run longer locally.

use super::tests::{message, record, server_hello_body, tls12_flight};
use super::*;

/// xorshift64*: enough randomness to mutate bytes, and no new dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }

    fn byte(&mut self) -> u8 {
        self.next().to_le_bytes()[0]
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let tls13 = server_hello_body(
        0x0303,
        0x1301,
        &[
            (EXT_SUPPORTED_VERSIONS, vec![3, 4]),
            (EXT_KEY_SHARE, vec![0, 29, 0, 1, 9]),
        ],
    );
    let mut dhe = Vec::new();
    put_vec(&mut dhe, 2, &[0xFF; 128]);
    put_vec(&mut dhe, 2, &[2]);
    put_vec(&mut dhe, 2, &[7; 128]);
    let dhe_flight = [
        message(SERVER_HELLO, &server_hello_body(0x0301, 0x0033, &[])),
        message(SERVER_KEY_EXCHANGE, &dhe),
        message(SERVER_HELLO_DONE, &[]),
    ]
    .concat();
    vec![
        tls12_flight(),
        record(HANDSHAKE, &message(SERVER_HELLO, &tls13)),
        record(HANDSHAKE, &dhe_flight),
        record(ALERT, &[2, 70]),
        [record(ALERT, &[1, 112]), tls12_flight()].concat(),
    ]
}

fn check(input: &[u8]) {
    let (flight, status) = parse_flight(input);
    match &status {
        Status::Done => assert!(flight.hello.is_some(), "Done without a hello: {input:02x?}"),
        Status::Malformed(words) => assert!(!words.is_empty()),
        Status::NeedMore | Status::Alert(_) => {}
    }
    if let Some(chain) = &flight.certificates {
        let total: usize = chain.iter().map(Vec::len).sum();
        assert!(total <= input.len(), "a chain longer than the input");
    }
}

#[test]
fn the_decoder_survives_random_and_mutated_input() {
    let iterations: usize = std::env::var("PREFLIGHT_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let seeds = seeds();
    for s in &seeds {
        check(s);
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for i in 0..iterations {
        let mut input = if i % 5 == 0 {
            let len = rng.below(300);
            (0..len).map(|_| rng.byte()).collect::<Vec<u8>>()
        } else {
            seeds[rng.below(seeds.len())].clone()
        };
        for _ in 0..=rng.below(4) {
            if input.is_empty() {
                break;
            }
            let at = rng.below(input.len());
            match rng.below(5) {
                0 => input[at] ^= 1 << rng.below(8),
                1 => input[at] = rng.byte(),
                2 => input.insert(at, rng.byte()),
                3 => {
                    input.remove(at);
                }
                _ => input.truncate(at),
            }
        }
        // Keep some inputs looking like records so mutations reach the inner decoders.
        if i % 7 == 0 && input.len() > 5 {
            input[0] = HANDSHAKE;
            input[1] = 3;
        }
        check(&input);
    }
}
