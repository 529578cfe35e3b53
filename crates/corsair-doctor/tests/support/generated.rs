//! Exports generated a piece at a time and never held in memory, for the
//! tests and the `har_memory` example: each piece is some text, then a run
//! of base64-looking body bytes, then the text after the body.

use std::io::{self, Read};

/// Base64-looking body text, handed out in pieces.
static FILL: [u8; 4096] = {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut fill = [0u8; 4096];
    let mut i = 0;
    while i < fill.len() {
        fill[i] = alphabet[i % 64];
        i += 1;
    }
    fill
};

/// One piece of a generated export.
pub struct Piece {
    /// The text before the body.
    pub text: Vec<u8>,
    /// How many body bytes follow it.
    pub fill: usize,
    /// The text after the body.
    pub after: Vec<u8>,
}

/// What makes the pieces, one at a time; `None` once the export is over.
pub trait Pieces {
    /// The next piece.
    fn next_piece(&mut self) -> Option<Piece>;
}

/// A reader over an export made by `P`, piece by piece.
pub struct Generated<P> {
    pieces: P,
    text: Vec<u8>,
    pos: usize,
    fill: usize,
    after: Vec<u8>,
}

impl<P: Pieces> Generated<P> {
    /// The export that starts with `head`, then `pieces`.
    pub fn new(head: &[u8], pieces: P) -> Self {
        Generated {
            pieces,
            text: head.to_vec(),
            pos: 0,
            fill: 0,
            after: Vec::new(),
        }
    }
}

impl<P: Pieces> Read for Generated<P> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(rest) = self.text.get(self.pos..).filter(|r| !r.is_empty()) {
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                self.pos += n;
                return Ok(n);
            }
            if self.fill > 0 {
                let n = self.fill.min(FILL.len()).min(buf.len());
                buf[..n].copy_from_slice(&FILL[..n]);
                self.fill -= n;
                return Ok(n);
            }
            self.pos = 0;
            if !self.after.is_empty() {
                self.text = std::mem::take(&mut self.after);
                continue;
            }
            let Some(piece) = self.pieces.next_piece() else {
                return Ok(0);
            };
            self.text = piece.text;
            self.fill = piece.fill;
            self.after = piece.after;
        }
    }
}
