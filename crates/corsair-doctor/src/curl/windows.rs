//! Windows cmd words: cmd.exe's `^` layer, then the C runtime's argv rules.

use super::{separator_at, CurlError, Split};

/// Windows splitting: cmd.exe's caret layer, then the C runtime's rules.
/// With `halve`, a run of backslashes not before a quote is halved (undoing
/// the doubling Chrome applies to every backslash; a single one is kept).
pub(super) fn split_windows(command: &str, halve: bool) -> Result<Split, CurlError> {
    // Layer 1: cmd.exe. `^x` is `x`, taken literally whatever the quoting (as
    // DevTools means it); `^` + line break continues the line, and a line
    // break right after that is a literal one.
    let chars: Vec<(usize, char)> = command.char_indices().collect();
    let bytes = command.as_bytes();
    let mut line: Vec<(char, usize)> = Vec::with_capacity(chars.len());
    let mut cmd_quote = false;
    let mut rest = None;
    let mut k = 0;
    let is_break = |k: usize| -> usize {
        match chars.get(k).map(|c| c.1) {
            Some('\n') => 1,
            Some('\r') if chars.get(k + 1).map(|c| c.1) == Some('\n') => 2,
            _ => 0,
        }
    };
    while let Some(&(pos, c)) = chars.get(k) {
        match c {
            '^' => {
                let brk = is_break(k + 1);
                if brk > 0 {
                    k += 1 + brk;
                    let brk2 = is_break(k);
                    if brk2 > 0 {
                        line.push(('\n', pos));
                        k += brk2;
                    } else if let Some(&(p, next)) = chars.get(k) {
                        line.push((next, p));
                        k += 1;
                    }
                } else if let Some(&(p, next)) = chars.get(k + 1) {
                    line.push((next, p));
                    k += 2;
                } else {
                    k += 1;
                }
            }
            '"' => {
                cmd_quote = !cmd_quote;
                line.push((c, pos));
                k += 1;
            }
            '&' | '|' | ';' if !cmd_quote && separator_at(bytes, pos).is_some() => {
                rest = separator_at(bytes, pos).map(str::to_owned);
                break;
            }
            '\r' => k += 1,
            '\n' => {
                line.push((' ', pos));
                k += 1;
            }
            _ => {
                line.push((c, pos));
                k += 1;
            }
        }
    }

    // Layer 2: the C runtime's argv rules.
    let mut args = Vec::new();
    let mut i = 0;
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    loop {
        while line.get(i).is_some_and(|&(c, _)| is_space(c)) {
            i += 1;
        }
        if i >= line.len() {
            break;
        }
        let mut arg = String::new();
        let mut in_quotes = false;
        let mut open = 0;
        while let Some(&(c, pos)) = line.get(i) {
            match c {
                '\\' => {
                    let mut n = 0;
                    while line.get(i + n).is_some_and(|&(c, _)| c == '\\') {
                        n += 1;
                    }
                    if line.get(i + n).is_some_and(|&(c, _)| c == '"') {
                        arg.extend(std::iter::repeat_n('\\', n / 2));
                        if n % 2 == 1 {
                            arg.push('"');
                            i += n + 1;
                        } else {
                            i += n;
                        }
                    } else {
                        let kept = if halve { n - n / 2 } else { n };
                        arg.extend(std::iter::repeat_n('\\', kept));
                        i += n;
                    }
                }
                '"' => {
                    if in_quotes && line.get(i + 1).is_some_and(|&(c, _)| c == '"') {
                        arg.push('"');
                        i += 2;
                    } else {
                        in_quotes = !in_quotes;
                        if in_quotes {
                            open = pos;
                        }
                        i += 1;
                    }
                }
                c if is_space(c) && !in_quotes => break,
                c => {
                    arg.push(c);
                    i += 1;
                }
            }
        }
        if in_quotes {
            return Err(CurlError::Unbalanced(open));
        }
        args.push(arg);
    }
    Ok(Split { args, rest })
}
