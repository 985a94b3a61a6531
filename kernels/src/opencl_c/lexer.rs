//! Tokens of OpenCL C, shared by the preprocessor and the parser.
//!
//! The preprocessor works on these tokens directly (not on text), so every token keeps the
//! `file:line:col` of where it was written; macro expansions keep the position of the
//! invocation, which is what a user can find in their source.
use crate::{BuildError, SourcePos};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokKind {
    Ident,
    /// A preprocessing number (`12`, `0x1fu`, `1.5e3f`); the parser classifies it.
    Number,
    CharLit,
    StrLit,
    Punct,
}

/// Where a token was written: index into the file-name table, 1-based line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    pub file: u32,
    pub line: u32,
    pub col: u32,
}

#[derive(Clone, Debug)]
pub struct Token {
    pub kind: TokKind,
    pub text: String,
    pub pos: Pos,
    /// Whitespace preceded the token (matters for `#define F(x)` vs `#define F (x)` and `#`).
    pub space: bool,
    /// First token of a logical line (directives start there).
    pub bol: bool,
    /// Macros that must not expand again inside this token (Prosser's hide sets).
    pub hide: Vec<String>,
}

impl Token {
    pub fn is(&self, p: &str) -> bool {
        self.kind != TokKind::StrLit && self.kind != TokKind::CharLit && self.text == p
    }
}

/// File names by index, to turn a [`Pos`] into a [`SourcePos`] for the build log.
#[derive(Clone, Debug, Default)]
pub struct Files(pub Vec<String>);

impl Files {
    pub fn pos(&self, p: Pos) -> SourcePos {
        SourcePos {
            file: self.0.get(p.file as usize).cloned().unwrap_or_default(),
            line: p.line,
            col: p.col,
        }
    }
    pub fn err(&self, p: Pos, msg: impl Into<String>) -> BuildError {
        BuildError::at(self.pos(p), msg)
    }
}

const PUNCTS: [&str; 48] = [
    "<<=", ">>=", "...", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "*=",
    "/=", "%=", "+=", "-=", "&=", "^=", "|=", "##", "[", "]", "(", ")", "{", "}", ".", "&", "*",
    "+", "-", "~", "!", "/", "%", "<", ">", "^", "|", "?", ":", ";", "=", ",", "#",
];

/// Translation phase 2: removes `\`-newline splices (also inside tokens: `3\`⏎`6` is `36`),
/// keeping each remaining character's original line and column.
fn splice(src: &str) -> (Vec<char>, Vec<(u32, u32)>) {
    let c: Vec<char> = src.chars().collect();
    let (mut b, mut at) = (Vec::with_capacity(c.len()), Vec::with_capacity(c.len()));
    let (mut line, mut col) = (1u32, 1u32);
    let mut i = 0;
    while i < c.len() {
        if c[i] == '\\' {
            let n = if c.get(i + 1) == Some(&'\n') { 2 } else if c.get(i + 1) == Some(&'\r') && c.get(i + 2) == Some(&'\n') { 3 } else { 0 };
            if n > 0 {
                i += n;
                line += 1;
                col = 1;
                continue;
            }
        }
        b.push(c[i]);
        at.push((line, col));
        if c[i] == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
        i += 1;
    }
    (b, at)
}

/// Splits `src` into tokens. Comments become whitespace; `\`-newline splices join lines.
pub fn lex(src: &str, file: u32, files: &Files) -> Result<Vec<Token>, BuildError> {
    let (b, at) = splice(src);
    let mut i = 0;
    let mut out = Vec::new();
    let mut space = false;
    let mut bol = true;
    let end = at.last().map(|&(l, c)| (l, c + 1)).unwrap_or((1, 1));
    // The original position of char `i`.
    let here = |i: usize| -> Pos {
        let (line, col) = at.get(i).copied().unwrap_or(end);
        Pos { file, line, col }
    };
    macro_rules! adv {
        () => {{
            i += 1;
        }};
    }
    while i < b.len() {
        let c = b[i];
        if c == '\n' {
            adv!();
            bol = true;
            space = false;
            continue;
        }
        if c.is_whitespace() {
            adv!();
            space = true;
            continue;
        }
        if c == '/' && b.get(i + 1) == Some(&'/') {
            while i < b.len() && b[i] != '\n' {
                adv!();
            }
            space = true;
            continue;
        }
        if c == '/' && b.get(i + 1) == Some(&'*') {
            let start = here(i);
            adv!();
            adv!();
            loop {
                if i >= b.len() {
                    return Err(files.err(start, "unterminated /* comment"));
                }
                if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    adv!();
                    adv!();
                    break;
                }
                adv!();
            }
            space = true;
            continue;
        }
        let pos = here(i);
        let start = i;
        let kind;
        if c.is_ascii_alphabetic() || c == '_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == '_') {
                adv!();
            }
            kind = TokKind::Ident;
        } else if c.is_ascii_digit() || (c == '.' && b.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            while i < b.len() {
                let d = b[i];
                let sign = (d == '+' || d == '-') && matches!(b[i - 1], 'e' | 'E' | 'p' | 'P');
                if !(sign || d.is_ascii_alphanumeric() || d == '.' || d == '_') {
                    break;
                }
                adv!();
            }
            kind = TokKind::Number;
        } else if c == '"' || c == '\'' {
            adv!();
            while i < b.len() && b[i] != c {
                if b[i] == '\n' {
                    return Err(files.err(pos, "missing terminating quote"));
                }
                if b[i] == '\\' {
                    adv!();
                }
                if i < b.len() {
                    adv!();
                }
            }
            if i >= b.len() {
                return Err(files.err(pos, "missing terminating quote"));
            }
            adv!();
            kind = if c == '"' { TokKind::StrLit } else { TokKind::CharLit };
        } else {
            let rest: String = b[i..(i + 3).min(b.len())].iter().collect();
            let Some(p) = PUNCTS.iter().find(|p| rest.starts_with(*p)) else {
                let shown = if c.is_control() { format!("U+{:04X}", c as u32) } else { c.to_string() };
                return Err(files.err(pos, format!("unexpected character `{shown}`")));
            };
            for _ in 0..p.chars().count() {
                adv!();
            }
            kind = TokKind::Punct;
        }
        let text: String = b[start..i].iter().filter(|&&ch| ch != '\n').collect();
        let text = if kind == TokKind::Ident || kind == TokKind::Number { text.replace('\\', "") } else { text };
        out.push(Token { kind, text, pos, space, bol, hide: Vec::new() });
        space = false;
        bol = false;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_numbers_puncts_and_positions() {
        let f = Files(vec!["program.cl".into()]);
        let t = lex("a+=1.5e-3f; /* c */\n  x->y <<= 0x1Fu", 0, &f).unwrap();
        let texts: Vec<_> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, ["a", "+=", "1.5e-3f", ";", "x", "->", "y", "<<=", "0x1Fu"]);
        assert_eq!((t[4].pos.line, t[4].pos.col, t[4].bol), (2, 3, true));
        assert!(!t[5].bol);
    }

    #[test]
    fn unterminated_comment_is_an_error_at_its_start() {
        let f = Files(vec!["program.cl".into()]);
        let e = lex("int x;\n  /* oops", 0, &f).unwrap_err();
        assert_eq!(e.log(), "program.cl:2:3: error: unterminated /* comment");
    }
}
