//! [`Filter::parse`]: a hand-written recursive-descent parser for filter text.
//!
//! ```text
//! filter     := or
//! or         := and ( OR and )*
//! and        := unary ( AND unary )*
//! unary      := NOT unary | primary
//! primary    := '(' or ')' | TRUE | FALSE | field predicate
//! predicate  := op literal                        op: = == != <> < <= > >=
//!             | [NOT] IN '(' [ literal ( ',' literal )* ] ')'
//!             | CONTAINS literal
//!             | IS [NOT] NULL
//!             | (nothing)                         a bare field means `field = true`
//! field      := identifier | "double-quoted name"   ("" inside for a ")
//! literal    := 'string' ('' inside for a ') | integer | float | TRUE | FALSE | NULL
//!             | '[' [ 'string' ( ',' 'string' )* ] ']'
//! ```
//!
//! Keywords (`AND OR NOT IN IS NULL CONTAINS TRUE FALSE`) are case-insensitive and are never
//! field names unless double-quoted. `NOT` binds tighter than `AND`, which binds tighter than
//! `OR`. A number is a float when it has a `.` or an exponent (`1.5`, `-2e3`), an integer
//! otherwise (it must fit in i64); a leading `-` is part of the number. `x NOT IN (..)` is
//! `NOT x IN (..)` and `x IS NOT NULL` is `NOT x IS NULL`. Whitespace is ASCII whitespace.

use super::error::{Error, Result};
use super::filter::{CompareOp, Filter};
use super::value::Value;

/// Deepest nesting of `AND`/`OR`/`NOT` (and of parentheses in filter text) that a filter may
/// have; deeper ones are [`Error::InvalidFilter`].
pub const MAX_FILTER_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A bare word: a keyword or a field name.
    Word(String),
    /// A double-quoted field name.
    Quoted(String),
    Str(String),
    Int(i64),
    Float(f64),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Op(CompareOp),
    End,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

fn syntax_error(reason: String, position: usize) -> Error {
    Error::InvalidFilter {
        reason: format!("{reason} at byte {position}"),
        position: Some(position),
    }
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn peek_byte(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos.checked_add(ahead)?).copied()
    }

    fn tokens(mut self) -> Result<Vec<Token>> {
        let mut out = Vec::new();
        loop {
            while self.peek_byte(0).is_some_and(|b| b.is_ascii_whitespace()) {
                self.pos += 1;
            }
            let start = self.pos;
            let Some(b) = self.peek_byte(0) else {
                out.push(Token {
                    tok: Tok::End,
                    start,
                    end: start,
                });
                return Ok(out);
            };
            let tok = match b {
                b'(' => self.single(Tok::LParen),
                b')' => self.single(Tok::RParen),
                b'[' => self.single(Tok::LBracket),
                b']' => self.single(Tok::RBracket),
                b',' => self.single(Tok::Comma),
                b'=' => {
                    let n = if self.peek_byte(1) == Some(b'=') {
                        2
                    } else {
                        1
                    };
                    self.pos += n;
                    Tok::Op(CompareOp::Eq)
                }
                b'!' if self.peek_byte(1) == Some(b'=') => {
                    self.pos += 2;
                    Tok::Op(CompareOp::Ne)
                }
                b'<' => match self.peek_byte(1) {
                    Some(b'=') => {
                        self.pos += 2;
                        Tok::Op(CompareOp::Le)
                    }
                    Some(b'>') => {
                        self.pos += 2;
                        Tok::Op(CompareOp::Ne)
                    }
                    _ => self.single(Tok::Op(CompareOp::Lt)),
                },
                b'>' => {
                    if self.peek_byte(1) == Some(b'=') {
                        self.pos += 2;
                        Tok::Op(CompareOp::Ge)
                    } else {
                        self.single(Tok::Op(CompareOp::Gt))
                    }
                }
                b'\'' => Tok::Str(self.quoted(b'\'', "string")?),
                b'"' => Tok::Quoted(self.quoted(b'"', "quoted field name")?),
                b'-' | b'0'..=b'9' => self.number()?,
                b if b.is_ascii_alphabetic() || b == b'_' => {
                    while self
                        .peek_byte(0)
                        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                    {
                        self.pos += 1;
                    }
                    Tok::Word(self.slice(start, self.pos).to_owned())
                }
                _ => {
                    let c = self
                        .src
                        .get(start..)
                        .and_then(|s| s.chars().next())
                        .unwrap_or('?');
                    return Err(syntax_error(format!("unexpected character {c:?}"), start));
                }
            };
            out.push(Token {
                tok,
                start,
                end: self.pos,
            });
        }
    }

    fn single(&mut self, tok: Tok) -> Tok {
        self.pos += 1;
        tok
    }

    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.src.get(start..end).unwrap_or("")
    }

    /// A string between `quote`s (at the current position), with a doubled quote standing for
    /// one. The quote is ASCII, so every cut is on a character boundary.
    fn quoted(&mut self, quote: u8, what: &str) -> Result<String> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            match self.peek_byte(0) {
                None => {
                    return Err(syntax_error(format!("unterminated {what}"), start));
                }
                Some(b) if b == quote => {
                    out.push_str(self.slice(run, self.pos));
                    if self.peek_byte(1) == Some(quote) {
                        out.push(char::from(quote));
                        self.pos += 2;
                        run = self.pos;
                    } else {
                        self.pos += 1;
                        return Ok(out);
                    }
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    /// `-? digits ( . digits* )? ( [eE] [+-]? digits )?`
    fn number(&mut self) -> Result<Tok> {
        let start = self.pos;
        if self.peek_byte(0) == Some(b'-') {
            self.pos += 1;
        }
        let digits = |lx: &mut Self| {
            let from = lx.pos;
            while lx.peek_byte(0).is_some_and(|b| b.is_ascii_digit()) {
                lx.pos += 1;
            }
            lx.pos - from
        };
        if digits(self) == 0 {
            return Err(syntax_error("expected a digit after `-`".into(), start));
        }
        let mut is_float = false;
        if self.peek_byte(0) == Some(b'.') {
            is_float = true;
            self.pos += 1;
            digits(self);
        }
        if matches!(self.peek_byte(0), Some(b'e' | b'E')) {
            is_float = true;
            self.pos += 1;
            if matches!(self.peek_byte(0), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(syntax_error("expected exponent digits".into(), start));
            }
        }
        if self
            .peek_byte(0)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        {
            return Err(syntax_error("malformed number".into(), start));
        }
        let text = self.slice(start, self.pos);
        if is_float {
            text.parse::<f64>()
                .map(Tok::Float)
                .map_err(|_| syntax_error(format!("malformed number `{text}`"), start))
        } else {
            text.parse::<i64>().map(Tok::Int).map_err(|_| {
                syntax_error(
                    format!("integer `{text}` does not fit in 64 bits (write it as a float?)"),
                    start,
                )
            })
        }
    }
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    at: usize,
}

/// A keyword of the filter language, matched ignoring ASCII case.
fn is_kw(tok: &Tok, kw: &str) -> bool {
    matches!(tok, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
}

const END: Token = Token {
    tok: Tok::End,
    start: 0,
    end: 0,
};

impl Parser<'_> {
    fn peek(&self) -> &Token {
        // The token list always ends with `End` and the parser never steps past it.
        self.tokens
            .get(self.at)
            .or_else(|| self.tokens.last())
            .unwrap_or(&END)
    }

    fn advance(&mut self) -> Token {
        let t = self.peek().clone();
        if t.tok != Tok::End {
            self.at += 1;
        }
        t
    }

    fn peek_kw(&self, kw: &str) -> bool {
        is_kw(&self.peek().tok, kw)
    }

    fn describe(&self, t: &Token) -> String {
        match t.tok {
            Tok::End => "end of input".into(),
            _ => format!("`{}`", self.src.get(t.start..t.end).unwrap_or("?")),
        }
    }

    fn expected(&self, what: &str) -> Error {
        let t = self.peek();
        syntax_error(
            format!("expected {what}, found {}", self.describe(t)),
            t.start,
        )
    }

    fn expect_kw(&mut self, kw: &str) -> Result<()> {
        if self.peek_kw(kw) {
            self.advance();
            Ok(())
        } else {
            Err(self.expected(&format!("`{}`", kw.to_ascii_uppercase())))
        }
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> Result<()> {
        if &self.peek().tok == tok {
            self.advance();
            Ok(())
        } else {
            Err(self.expected(what))
        }
    }

    fn too_deep(&self) -> Error {
        syntax_error(
            format!("filter nested deeper than {MAX_FILTER_DEPTH} levels"),
            self.peek().start,
        )
    }

    fn or(&mut self, depth: usize) -> Result<Filter> {
        let mut operands = vec![self.and(depth)?];
        while self.peek_kw("or") {
            self.advance();
            operands.push(self.and(depth)?);
        }
        Ok(Filter::any(operands))
    }

    fn and(&mut self, depth: usize) -> Result<Filter> {
        let mut operands = vec![self.unary(depth)?];
        while self.peek_kw("and") {
            self.advance();
            operands.push(self.unary(depth)?);
        }
        Ok(Filter::all(operands))
    }

    fn unary(&mut self, depth: usize) -> Result<Filter> {
        if self.peek_kw("not") {
            if depth >= MAX_FILTER_DEPTH {
                return Err(self.too_deep());
            }
            self.advance();
            return Ok(Filter::Not(Box::new(self.unary(depth + 1)?)));
        }
        self.primary(depth)
    }

    fn primary(&mut self, depth: usize) -> Result<Filter> {
        let t = self.peek().clone();
        match &t.tok {
            Tok::LParen => {
                if depth >= MAX_FILTER_DEPTH {
                    return Err(self.too_deep());
                }
                self.advance();
                let inner = self.or(depth + 1)?;
                self.expect(&Tok::RParen, "`)`")?;
                Ok(inner)
            }
            tok if is_kw(tok, "true") => {
                self.advance();
                Ok(Filter::And(Vec::new()))
            }
            tok if is_kw(tok, "false") => {
                self.advance();
                Ok(Filter::Or(Vec::new()))
            }
            Tok::Word(w) if !super::schema::is_reserved(w) => {
                let field = w.clone();
                self.advance();
                self.predicate(field)
            }
            Tok::Quoted(name) => {
                let field = name.clone();
                self.advance();
                self.predicate(field)
            }
            _ => Err(self.expected("a field name, `NOT`, `(`, `TRUE` or `FALSE`")),
        }
    }

    fn predicate(&mut self, field: String) -> Result<Filter> {
        let t = self.peek().clone();
        match t.tok {
            Tok::Op(op) => {
                self.advance();
                let value = self.literal()?;
                Ok(Filter::Compare { field, op, value })
            }
            ref tok if is_kw(tok, "in") => {
                self.advance();
                let values = self.list()?;
                Ok(Filter::OneOf { field, values })
            }
            ref tok if is_kw(tok, "not") => {
                self.advance();
                self.expect_kw("in")?;
                let values = self.list()?;
                Ok(Filter::Not(Box::new(Filter::OneOf { field, values })))
            }
            ref tok if is_kw(tok, "contains") => {
                self.advance();
                let value = self.literal()?;
                Ok(Filter::Contains { field, value })
            }
            ref tok if is_kw(tok, "is") => {
                self.advance();
                let negated = self.peek_kw("not");
                if negated {
                    self.advance();
                }
                self.expect_kw("null")?;
                let f = Filter::IsNull { field };
                Ok(if negated { Filter::Not(Box::new(f)) } else { f })
            }
            Tok::End | Tok::RParen => Ok(Filter::eq(field, true)),
            ref tok if is_kw(tok, "and") || is_kw(tok, "or") => Ok(Filter::eq(field, true)),
            _ => Err(self.expected(
                "a comparison operator, `IN`, `NOT IN`, `CONTAINS`, `IS`, `AND`, `OR` or `)`",
            )),
        }
    }

    fn list(&mut self) -> Result<Vec<Value>> {
        self.expect(&Tok::LParen, "`(` to start the list")?;
        let mut values = Vec::new();
        if self.peek().tok == Tok::RParen {
            self.advance();
            return Ok(values);
        }
        loop {
            values.push(self.literal()?);
            match self.peek().tok {
                Tok::Comma => {
                    self.advance();
                }
                Tok::RParen => {
                    self.advance();
                    return Ok(values);
                }
                _ => return Err(self.expected("`,` or `)`")),
            }
        }
    }

    fn literal(&mut self) -> Result<Value> {
        let t = self.peek().clone();
        let v = match t.tok {
            Tok::Str(s) => Value::Keyword(s),
            Tok::Int(i) => Value::Int(i),
            Tok::Float(x) => Value::Float(x),
            ref tok if is_kw(tok, "true") => Value::Bool(true),
            ref tok if is_kw(tok, "false") => Value::Bool(false),
            ref tok if is_kw(tok, "null") => Value::Null,
            Tok::LBracket => {
                self.advance();
                return self.string_list();
            }
            Tok::Quoted(_) => {
                return Err(self.expected(
                    "a value (strings take single quotes: 'text'; double quotes name a field)",
                ))
            }
            _ => {
                return Err(
                    self.expected("a value ('string', number, TRUE, FALSE, NULL or ['list'])")
                )
            }
        };
        self.advance();
        Ok(v)
    }

    /// The rest of `[ 'a', 'b' ]` after the `[`.
    fn string_list(&mut self) -> Result<Value> {
        let mut list = Vec::new();
        if self.peek().tok == Tok::RBracket {
            self.advance();
            return Ok(Value::KeywordList(list));
        }
        loop {
            match self.advance() {
                Token {
                    tok: Tok::Str(s), ..
                } => list.push(s),
                t => {
                    return Err(syntax_error(
                        format!(
                            "expected a 'string' in the list, found {}",
                            self.describe(&t)
                        ),
                        t.start,
                    ))
                }
            }
            match self.peek().tok {
                Tok::Comma => {
                    self.advance();
                }
                Tok::RBracket => {
                    self.advance();
                    return Ok(Value::KeywordList(list));
                }
                _ => return Err(self.expected("`,` or `]`")),
            }
        }
    }
}

/// AST nesting of `filter` (And/Or/Not levels), computed without recursion; `None` once it
/// passes `limit`.
pub(crate) fn depth_within(filter: &Filter, limit: usize) -> Option<usize> {
    let mut stack = vec![(filter, 0usize)];
    let mut max = 0;
    while let Some((f, d)) = stack.pop() {
        if d > limit {
            return None;
        }
        max = max.max(d);
        match f {
            Filter::And(v) | Filter::Or(v) => stack.extend(v.iter().map(|c| (c, d + 1))),
            Filter::Not(inner) => stack.push((inner, d + 1)),
            _ => {}
        }
    }
    Some(max)
}

impl Filter {
    /// Parse filter text, e.g.
    /// `folder = 'work' AND year >= 2020 AND NOT done AND tags CONTAINS 'rust'`.
    ///
    /// The grammar is at the top of this module's source (`storage/src/attrs/parse.rs`):
    /// `=` (or `==`), `!=` (or `<>`), `<`, `<=`, `>`, `>=`, `IN (..)`, `NOT IN (..)`,
    /// `CONTAINS`, `IS NULL`, `IS NOT NULL`, `AND`, `OR`, `NOT`, parentheses, `TRUE`, `FALSE`;
    /// a bare field name means `field = true`; strings in single quotes with `''` for a quote;
    /// integers, floats, `true`, `false`; keywords in any case. Names are not checked here
    /// ([`super::Schema::check_filter`] does that).
    ///
    /// Errors: [`Error::InvalidFilter`] with the byte position of the problem.
    pub fn parse(text: &str) -> Result<Filter> {
        let tokens = Lexer {
            src: text,
            bytes: text.as_bytes(),
            pos: 0,
        }
        .tokens()?;
        let mut p = Parser {
            src: text,
            tokens,
            at: 0,
        };
        let filter = p.or(0)?;
        if p.peek().tok != Tok::End {
            return Err(p.expected("`AND`, `OR` or end of input"));
        }
        if depth_within(&filter, MAX_FILTER_DEPTH).is_none() {
            return Err(syntax_error(
                format!("filter nested deeper than {MAX_FILTER_DEPTH} levels"),
                0,
            ));
        }
        Ok(filter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Filter {
        Filter::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    fn error_at(s: &str) -> (usize, String) {
        match Filter::parse(s) {
            Err(Error::InvalidFilter {
                position: Some(p),
                reason,
            }) => (p, reason),
            other => panic!("{s:?}: expected a parse error, got {other:?}"),
        }
    }

    #[test]
    fn the_example() {
        let f = parse("folder = 'work' AND year >= 2020 AND NOT done AND tags CONTAINS 'rust'");
        assert_eq!(
            f,
            Filter::eq("folder", "work")
                & Filter::ge("year", 2020)
                & !Filter::eq("done", true)
                & Filter::contains("tags", "rust")
        );
    }

    #[test]
    fn operators_and_literals() {
        assert_eq!(parse("a = 1"), Filter::eq("a", 1));
        assert_eq!(parse("a == 1"), Filter::eq("a", 1));
        assert_eq!(parse("a != -1"), Filter::ne("a", -1));
        assert_eq!(parse("a <> 1"), Filter::ne("a", 1));
        assert_eq!(parse("a<1"), Filter::lt("a", 1));
        assert_eq!(parse("a<=1.5"), Filter::le("a", 1.5));
        assert_eq!(parse("a>-2e3"), Filter::gt("a", -2000.0));
        assert_eq!(parse("a >= 1E+2"), Filter::ge("a", 100.0));
        assert_eq!(parse("a >= 1."), Filter::ge("a", 1.0));
        assert_eq!(parse("a = 'it''s'"), Filter::eq("a", "it's"));
        assert_eq!(parse("a = ''"), Filter::eq("a", ""));
        assert_eq!(parse("a = 'ünïcödé ✓'"), Filter::eq("a", "ünïcödé ✓"));
        assert_eq!(parse("a = TRUE"), Filter::eq("a", true));
        assert_eq!(parse("a = false"), Filter::eq("a", false));
        assert_eq!(parse("a = null"), Filter::eq("a", Value::Null));
        assert_eq!(parse("a = ['x', 'y''z']"), Filter::eq("a", ["x", "y'z"]));
        assert_eq!(parse("a = []"), Filter::eq("a", Vec::<String>::new()));
        assert_eq!(parse("a = -9223372036854775808"), Filter::eq("a", i64::MIN));
        assert_eq!(parse("a = 1e999"), Filter::eq("a", f64::INFINITY));
        assert_eq!(
            parse("a IN (1, 'x', 2.5)"),
            Filter::OneOf {
                field: "a".into(),
                values: vec![Value::Int(1), Value::from("x"), Value::Float(2.5)]
            }
        );
        assert_eq!(parse("a in ()"), Filter::one_of("a", Vec::<i64>::new()));
        assert_eq!(parse("a NOT IN (1)"), !Filter::one_of("a", [1]));
        assert_eq!(parse("a contains 'x'"), Filter::contains("a", "x"));
        assert_eq!(parse("a IS NULL"), Filter::is_null("a"));
        assert_eq!(parse("a is not null"), Filter::is_not_null("a"));
        assert_eq!(parse("\"and\" = 1"), Filter::eq("and", 1));
        assert_eq!(parse("\"a \"\"b\"\"\" = 1"), Filter::eq("a \"b\"", 1));
        assert_eq!(parse("TRUE"), Filter::And(vec![]));
        assert_eq!(parse("false"), Filter::Or(vec![]));
        assert_eq!(parse("  done  "), Filter::eq("done", true));
    }

    #[test]
    fn precedence_and_grouping() {
        let (a, b, c) = (
            Filter::eq("a", true),
            Filter::eq("b", true),
            Filter::eq("c", true),
        );
        assert_eq!(parse("a OR b AND c"), a.clone() | (b.clone() & c.clone()));
        assert_eq!(parse("(a OR b) AND c"), (a.clone() | b.clone()) & c.clone());
        assert_eq!(parse("NOT a AND b"), !a.clone() & b.clone());
        assert_eq!(parse("NOT (a AND b)"), !(a.clone() & b.clone()));
        assert_eq!(parse("not not a"), !!a.clone());
        assert_eq!(
            parse("(a AND b) AND c"),
            Filter::And(vec![Filter::And(vec![a.clone(), b.clone()]), c.clone()])
        );
        assert_eq!(parse("((a))"), a);
        assert_eq!(
            parse("a And b aNd c"),
            Filter::And(vec![Filter::eq("a", true), b, c])
        );
    }

    #[test]
    fn errors_carry_positions() {
        assert_eq!(error_at("").0, 0);
        assert_eq!(error_at("a =").0, 3);
        assert_eq!(error_at("a = 1 b = 2").0, 6);
        assert_eq!(error_at("a = 'open").0, 4);
        assert_eq!(error_at("a = \"x").0, 4);
        assert_eq!(error_at("a = 1 AND").0, 9);
        assert_eq!(error_at("(a = 1").0, 6);
        assert_eq!(error_at("a = 1)").0, 5);
        assert_eq!(error_at("a # 1").0, 2);
        assert_eq!(error_at("a = 99999999999999999999").0, 4);
        assert_eq!(error_at("a = 1x").0, 4);
        assert_eq!(error_at("a = 1.2.3").0, 4);
        assert_eq!(error_at("a = -").0, 4);
        assert_eq!(error_at("a = 1e").0, 4);
        assert_eq!(error_at("a IN 1").0, 5);
        assert_eq!(error_at("a IN (1 2)").0, 8);
        assert_eq!(error_at("a NOT 1").0, 6);
        assert_eq!(error_at("a IS 1").0, 5);
        assert_eq!(error_at("a IS NOT").0, 8);
        assert_eq!(error_at("AND = 1").0, 0);
        assert_eq!(error_at("a = [1]").0, 5);
        assert_eq!(error_at("a = ['x' 'y']").0, 9);
        assert_eq!(error_at("a = é").0, 4);
        assert_eq!(error_at("a = x").0, 4);
        let (at, reason) = error_at("folder = \"work\"");
        assert_eq!(at, 9);
        assert!(reason.contains("single quotes"), "{reason}");
        assert_eq!(error_at("é").0, 0);
        let (_, reason) = error_at("a = 1 OR OR");
        assert!(reason.contains("found `OR` at byte 9"), "{reason}");
        let (_, reason) = error_at("year >=");
        assert!(reason.contains("end of input"), "{reason}");
    }

    #[test]
    fn nesting_is_limited() {
        let ok = format!(
            "{}a{}",
            "(".repeat(MAX_FILTER_DEPTH),
            ")".repeat(MAX_FILTER_DEPTH)
        );
        assert_eq!(parse(&ok), Filter::eq("a", true));
        let deep = format!(
            "{}a{}",
            "(".repeat(MAX_FILTER_DEPTH + 1),
            ")".repeat(MAX_FILTER_DEPTH + 1)
        );
        assert!(error_at(&deep).1.contains("nested"));
        let nots = format!("{}a", "NOT ".repeat(100_000));
        assert!(error_at(&nots).1.contains("nested"));
        let parens = "(".repeat(1_000_000);
        assert!(error_at(&parens).1.contains("nested"));
        // Each parenthesis level below adds an Or and an And: the AST is too deep even though
        // the parentheses are within the limit.
        let mut s = String::from("a");
        for _ in 0..40 {
            s = format!("b OR c AND ({s})");
        }
        assert!(error_at(&s).1.contains("nested"));
        let long_flat = vec!["a = 1"; 10_000].join(" AND ");
        assert!(matches!(parse(&long_flat), Filter::And(v) if v.len() == 10_000));
    }
}
