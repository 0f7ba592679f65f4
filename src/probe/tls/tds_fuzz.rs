//! A bounded, seeded fuzz of the TDS decoders: random bytes, and real replies and wrapped
//! handshakes mutated (bits flipped, bytes inserted and removed, lengths overwritten, cut
//! short). The PRELOGIN decoder and the unwrapper must return for every input without
//! panicking, and the unwrapper must say the same whether the bytes come at once or a few at a
//! time, as reads from a socket do. The seed is fixed so a failure reproduces; set
//! `PREFLIGHT_FUZZ_ITERATIONS` to run longer locally.

use super::tests::PYSQLBRIDGE_REPLY;
use super::*;
use crate::probe::tls::fuzz::{self, Rng};

fn seeds() -> Vec<Vec<u8>> {
    // A handshake flight long enough to need two packets.
    let tls: Vec<u8> = (0..5000u32).map(|i| (i % 253) as u8).collect();
    let mut id = 0;
    vec![
        PYSQLBRIDGE_REPLY.to_vec(),
        encode_prelogin(Encryption::On, "SPOK"),
        wrap(&tls, &mut id),
        wrap(&[0x16, 3, 3, 0, 4, 14, 0, 0, 0], &mut id),
    ]
}

/// Feeds `input` whole, then in random pieces, and checks the two agree.
fn check_unwrapper(input: &[u8], rng: &mut Rng) {
    let mut whole = Unwrapper::new();
    let whole_result = whole.feed(input);
    let whole_out = whole.take();
    assert!(whole_out.len() <= input.len(), "more payload than input");
    if let Err(words) = &whole_result {
        assert!(!words.is_empty());
    }
    let mut pieces = Unwrapper::new();
    let mut out = Vec::new();
    let mut result = Ok(());
    let mut at = 0;
    while at < input.len() {
        let n = 1 + rng.below(64);
        let end = input.len().min(at + n);
        result = pieces.feed(&input[at..end]);
        out.extend(pieces.take());
        if result.is_err() {
            break;
        }
        at = end;
    }
    assert_eq!(
        result.is_ok(),
        whole_result.is_ok(),
        "pieces and whole disagree on {input:02x?}"
    );
    if result.is_ok() {
        assert_eq!(out, whole_out, "pieces and whole unwrap differently");
        assert_eq!(pieces.ended(), whole.ended());
        assert_eq!(pieces.pending(), whole.pending());
    }
}

fn check_decoder(input: &[u8]) {
    // As a whole reply (headers and all), and as a payload.
    for payload in [input, input.get(8..).unwrap_or_default()] {
        match decode_prelogin(payload) {
            Ok(p) => {
                if let Some(i) = &p.instance {
                    assert!(
                        i.len() <= payload.len() * 3,
                        "an instance longer than its input"
                    );
                }
            }
            Err(words) => assert!(!words.is_empty()),
        }
    }
}

#[test]
fn the_decoders_survive_random_and_mutated_input() {
    let iterations = fuzz::iterations(50_000);
    let seeds = seeds();
    let mut rng = Rng::seeded();
    for s in &seeds {
        check_unwrapper(s, &mut rng);
        check_decoder(s);
    }
    for i in 0..iterations {
        let mut input = fuzz::input(&mut rng, i, &seeds, 200);
        // Keep some inputs looking like packets so mutations reach past the type byte.
        if i % 7 == 0 && input.len() > 1 {
            input[0] = if i % 2 == 0 { PRELOGIN } else { TABULAR_RESULT };
        }
        check_unwrapper(&input, &mut rng);
        check_decoder(&input);
    }
}
