//! A bounded, seeded fuzz of the flight decoder: random bytes, and real flights mutated (bits
//! flipped, bytes inserted and removed, length fields overwritten, cut short). The decoder must
//! return for every input without panicking, and what it says must hold together. The seed is
//! fixed so a failure reproduces; set `PREFLIGHT_FUZZ_ITERATIONS` to run longer locally.

use super::tests::{message, record, server_hello_body, tls12_flight};
use super::*;
use crate::probe::tls::fuzz::{self, Rng};

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
    let iterations = fuzz::iterations(200_000);
    let seeds = seeds();
    for s in &seeds {
        check(s);
    }
    let mut rng = Rng::seeded();
    for i in 0..iterations {
        let mut input = fuzz::input(&mut rng, i, &seeds, 300);
        // Keep some inputs looking like records so mutations reach the inner decoders.
        if i % 7 == 0 && input.len() > 5 {
            input[0] = HANDSHAKE;
            input[1] = 3;
        }
        check(&input);
    }
}
