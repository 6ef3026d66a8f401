//! Conditions of 条件付き必須 items, written in a profile's `[conditions]` (issue #13): a
//! small expression over the **target** item values of one record. When an item's condition
//! holds and the item is empty, the record is rejected.
//!
//! ```text
//! expr    := or
//! or      := and ( "or" and )*
//! and     := unary ( "and" unary )*
//! unary   := "not" unary | primary
//! primary := "(" expr ")"
//!          | "empty" "(" KEY ")" | "present" "(" KEY ")"
//!          | KEY "=" STRING | KEY "!=" STRING
//! KEY     := [a-z_][a-z0-9_]*            (a target item's key)
//! STRING  := "..."                       (\" and \\ escape a quote and a backslash)
//! ```
//!
//! An empty item's value is `""`: `x = ""` is `empty(x)`, and `x != "1"` holds when `x` is
//! empty. `and` binds tighter than `or`. An expression is at most [`MAX_CONDITION_CHARS`]
//! characters and nests at most [`MAX_CONDITION_DEPTH`] levels (parentheses and `not`).
//!
//! ```
//! use ikou_layout_spec::condition::Condition;
//! let c = Condition::parse(r#"present(shimei) and (kubun = "1" or empty(gaikoku))"#).unwrap();
//! let values = |k: &str| match k { "shimei" => Some("山田　太郎"), "kubun" => Some("1"), _ => None };
//! assert!(c.eval(&values));
//! assert_eq!(c.items(), vec!["shimei", "kubun", "gaikoku"]);
//! let e = Condition::parse("present(shimei) and").unwrap_err();
//! assert_eq!(e.column, 20);
//! ```

use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest condition, in characters.
pub const MAX_CONDITION_CHARS: usize = 1024;
/// The deepest nesting of parentheses and `not`.
pub const MAX_CONDITION_DEPTH: usize = 16;

/// A parsed condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// `empty(x)`: the item has no value.
    Empty(String),
    /// `present(x)`: the item has a value.
    Present(String),
    /// `x = "v"`.
    Eq(String, String),
    /// `x != "v"`.
    Ne(String, String),
    /// `not c`.
    Not(Box<Condition>),
    /// `a and b and …`.
    And(Vec<Condition>),
    /// `a or b or …`.
    Or(Vec<Condition>),
}

/// Why a condition does not parse: the 1-based character column and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    /// 1-based column (in characters) of the problem in the expression.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for ConditionError {}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    LParen,
    RParen,
    Eq,
    Ne,
    End,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Str(_) => "a string".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::Eq => "`=`".into(),
            Tok::Ne => "`!=`".into(),
            Tok::End => "the end".into(),
        }
    }
}

fn lex(text: &str) -> Result<Vec<(Tok, usize)>, ConditionError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |col: usize, m: String| ConditionError {
        column: col + 1,
        message: m,
    };
    while let Some(&c) = chars.get(i) {
        let at = i;
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push((Tok::LParen, at));
                i += 1;
            }
            ')' => {
                out.push((Tok::RParen, at));
                i += 1;
            }
            '=' => {
                out.push((Tok::Eq, at));
                i += 1;
                if chars.get(i) == Some(&'=') {
                    return Err(err(i, "`==`: write one `=`".into()));
                }
            }
            '!' => {
                if chars.get(i + 1) == Some(&'=') {
                    out.push((Tok::Ne, at));
                    i += 2;
                } else {
                    return Err(err(at, "`!` must be followed by `=` (write `not` to negate)".into()));
                }
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(err(at, "a string is never closed".into())),
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\') => match chars.get(i + 1) {
                            Some(&e @ ('"' | '\\')) => {
                                s.push(e);
                                i += 2;
                            }
                            _ => {
                                return Err(err(
                                    i,
                                    "only \\\" and \\\\ are escapes in a string".into(),
                                ))
                            }
                        },
                        Some(&c) => {
                            s.push(c);
                            i += 1;
                        }
                    }
                }
                out.push((Tok::Str(s), at));
            }
            c if c.is_ascii_lowercase() || c == '_' => {
                let mut s = String::new();
                while let Some(&c) = chars.get(i) {
                    if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' {
                        s.push(c);
                        i += 1;
                    } else {
                        break;
                    }
                }
                out.push((Tok::Ident(s), at));
            }
            c if c.is_ascii_digit() => {
                return Err(err(
                    at,
                    "expected a string in double quotes (write \"1\", not 1)".into(),
                ))
            }
            c => {
                return Err(err(
                    at,
                    format!(
                        "unexpected character {c:?} (keys are lower-case ASCII; strings are in double quotes)"
                    ),
                ))
            }
        }
    }
    out.push((Tok::End, chars.len()));
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        self.toks.get(self.pos).map(|t| &t.0).unwrap_or(&Tok::End)
    }

    fn col(&self) -> usize {
        self.toks.get(self.pos).map(|t| t.1).unwrap_or(0) + 1
    }

    fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        self.pos += 1;
        t
    }

    fn fail<T>(&self, message: String) -> Result<T, ConditionError> {
        Err(ConditionError {
            column: self.col(),
            message,
        })
    }

    fn deeper(&mut self) -> Result<(), ConditionError> {
        self.depth += 1;
        if self.depth > MAX_CONDITION_DEPTH {
            return self.fail(format!(
                "nested more than {MAX_CONDITION_DEPTH} levels deep"
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Condition, ConditionError> {
        let mut v = vec![self.and()?];
        while self.peek() == &Tok::Ident("or".into()) {
            self.pos += 1;
            v.push(self.and()?);
        }
        Ok(if v.len() == 1 {
            v.remove(0)
        } else {
            Condition::Or(v)
        })
    }

    fn and(&mut self) -> Result<Condition, ConditionError> {
        let mut v = vec![self.unary()?];
        while self.peek() == &Tok::Ident("and".into()) {
            self.pos += 1;
            v.push(self.unary()?);
        }
        Ok(if v.len() == 1 {
            v.remove(0)
        } else {
            Condition::And(v)
        })
    }

    fn unary(&mut self) -> Result<Condition, ConditionError> {
        if self.peek() == &Tok::Ident("not".into()) {
            self.pos += 1;
            self.deeper()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Condition::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Condition, ConditionError> {
        let col = self.col();
        match self.next() {
            Tok::LParen => {
                self.deeper()?;
                let inner = self.or()?;
                self.depth -= 1;
                match self.peek() {
                    Tok::RParen => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    t => {
                        let t = t.describe();
                        self.fail(format!(
                            "expected `)` to close the `(` at column {col}, found {t}"
                        ))
                    }
                }
            }
            Tok::Ident(f) if (f == "empty" || f == "present") && self.peek() == &Tok::LParen => {
                self.pos += 1;
                let key = match self.next() {
                    Tok::Ident(k) if !is_keyword(&k) => k,
                    t => {
                        self.pos -= 1;
                        return self.fail(format!(
                            "expected an item key inside {f}(…), found {}",
                            t.describe()
                        ));
                    }
                };
                if self.peek() != &Tok::RParen {
                    let t = self.peek().describe();
                    return self.fail(format!("expected `)` after {f}({key}, found {t}"));
                }
                self.pos += 1;
                Ok(if f == "empty" {
                    Condition::Empty(key)
                } else {
                    Condition::Present(key)
                })
            }
            Tok::Ident(k) if !is_keyword(&k) => {
                let op = self.next();
                if op != Tok::Eq && op != Tok::Ne {
                    self.pos -= 1;
                    let t = op.describe();
                    return self.fail(format!("expected `=` or `!=` after `{k}`, found {t}"));
                }
                match self.next() {
                    Tok::Str(v) => Ok(if op == Tok::Eq {
                        Condition::Eq(k, v)
                    } else {
                        Condition::Ne(k, v)
                    }),
                    t => {
                        self.pos -= 1;
                        self.fail(format!(
                            "expected a string in double quotes after `{k} {}`, found {}",
                            if op == Tok::Eq { "=" } else { "!=" },
                            t.describe()
                        ))
                    }
                }
            }
            t => {
                self.pos -= 1;
                self.fail(format!(
                    "expected `empty(key)`, `present(key)`, `key = \"…\"`, `not` or `(`, found {}",
                    t.describe()
                ))
            }
        }
    }
}

fn is_keyword(s: &str) -> bool {
    matches!(s, "and" | "or" | "not")
}

impl Condition {
    /// Parses an expression (see the module documentation for the form).
    ///
    /// # Errors
    /// The 1-based column of the first problem and what was expected; an expression longer
    /// than [`MAX_CONDITION_CHARS`] characters or nested deeper than
    /// [`MAX_CONDITION_DEPTH`].
    pub fn parse(text: &str) -> Result<Condition, ConditionError> {
        let n = text.chars().count();
        if n > MAX_CONDITION_CHARS {
            return Err(ConditionError {
                column: MAX_CONDITION_CHARS + 1,
                message: format!(
                    "the condition has {n} characters, more than the limit of {MAX_CONDITION_CHARS}"
                ),
            });
        }
        let toks = lex(text)?;
        let mut p = Parser {
            toks,
            pos: 0,
            depth: 0,
        };
        if p.peek() == &Tok::End {
            return p.fail("the condition is empty".into());
        }
        let c = p.or()?;
        if p.peek() != &Tok::End {
            let t = p.peek().describe();
            return p.fail(format!("expected `and`, `or` or the end, found {t}"));
        }
        Ok(c)
    }

    /// Whether the condition holds, given each item's value (`None` or `""`: empty).
    pub fn eval<'v>(&self, value: &dyn Fn(&str) -> Option<&'v str>) -> bool {
        let get = |k: &str| -> &'v str { value(k).unwrap_or("") };
        match self {
            Condition::Empty(k) => get(k).is_empty(),
            Condition::Present(k) => !get(k).is_empty(),
            Condition::Eq(k, v) => get(k) == v,
            Condition::Ne(k, v) => get(k) != v,
            Condition::Not(c) => !c.eval(value),
            Condition::And(v) => v.iter().all(|c| c.eval(value)),
            Condition::Or(v) => v.iter().any(|c| c.eval(value)),
        }
    }

    /// The item keys the condition reads, in order of first appearance.
    pub fn items(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Condition::Empty(k)
            | Condition::Present(k)
            | Condition::Eq(k, _)
            | Condition::Ne(k, _) => {
                if !out.contains(&k.as_str()) {
                    out.push(k);
                }
            }
            Condition::Not(c) => c.collect(out),
            Condition::And(v) | Condition::Or(v) => v.iter().for_each(|c| c.collect(out)),
        }
    }
}

fn quoted(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

impl fmt::Display for Condition {
    /// The canonical form (parses back to the same condition).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, v: &[Condition], op: &str| -> fmt::Result {
            for (i, c) in v.iter().enumerate() {
                if i > 0 {
                    write!(f, " {op} ")?;
                }
                match c {
                    Condition::And(_) | Condition::Or(_) => write!(f, "({c})")?,
                    _ => write!(f, "{c}")?,
                }
            }
            Ok(())
        };
        match self {
            Condition::Empty(k) => write!(f, "empty({k})"),
            Condition::Present(k) => write!(f, "present({k})"),
            Condition::Eq(k, v) => write!(f, "{k} = {}", quoted(v)),
            Condition::Ne(k, v) => write!(f, "{k} != {}", quoted(v)),
            Condition::Not(c) => match **c {
                Condition::And(_) | Condition::Or(_) => write!(f, "not ({c})"),
                _ => write!(f, "not {c}"),
            },
            Condition::And(v) => join(f, v, "and"),
            Condition::Or(v) => join(f, v, "or"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn vals<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> + 'a {
        move |k| pairs.iter().find(|(x, _)| *x == k).map(|(_, v)| *v)
    }

    #[test]
    fn good_expressions_parse_and_evaluate() {
        let c = Condition::parse(
            r#"present(shimei) and empty(gaikoku_a) and (kubun = "1" or kubun != "2")"#,
        )
        .unwrap();
        assert_eq!(c.items(), vec!["shimei", "gaikoku_a", "kubun"]);
        let v = [("shimei", "山田"), ("kubun", "1")];
        assert!(c.eval(&vals(&v)));
        let v = [("shimei", "山田"), ("kubun", "2")];
        assert!(!c.eval(&vals(&v)));
        let v = [("shimei", ""), ("kubun", "1")];
        assert!(!c.eval(&vals(&v)), "an empty string is empty");
        // and binds tighter than or.
        let c = Condition::parse(r#"a = "1" or b = "1" and c = "1""#).unwrap();
        assert!(c.eval(&vals(&[("a", "1")])));
        assert!(!c.eval(&vals(&[("b", "1")])));
        // not, escapes, the canonical form parses back.
        let c = Condition::parse(r#"not (x = "say \"hi\"" or empty(y))"#).unwrap();
        assert!(c.eval(&vals(&[("x", "no"), ("y", "1")])));
        assert!(!c.eval(&vals(&[("x", "say \"hi\""), ("y", "1")])));
        assert_eq!(Condition::parse(&c.to_string()).unwrap(), c);
        // `x != "1"` holds when x is empty; `x = ""` is empty(x).
        assert!(Condition::parse(r#"x != "1""#).unwrap().eval(&vals(&[])));
        assert!(Condition::parse(r#"x = """#).unwrap().eval(&vals(&[])));
    }

    #[test]
    fn bad_expressions_say_where_and_what() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 1, "empty"),
            ("present(shimei) and", 20, "expected `empty(key)`"),
            ("present(shimei", 15, "expected `)`"),
            ("(a = \"1\"", 9, "expected `)` to close the `(` at column 1"),
            ("a == \"1\"", 4, "`==`"),
            ("a = 1", 5, "expected a string"),
            ("a = \"1", 5, "never closed"),
            ("a \"1\"", 3, "expected `=` or `!=`"),
            ("empty()", 7, "expected an item key"),
            ("empty(and)", 7, "expected an item key"),
            ("a = \"1\" b = \"2\"", 9, "expected `and`, `or` or the end"),
            ("氏名 = \"1\"", 1, "unexpected character"),
            ("!a", 1, "`!` must be followed by `=`"),
            ("a = \"\\n\"", 6, "escapes"),
            ("or a = \"1\"", 1, "expected `empty(key)`"),
        ];
        for (text, col, words) in cases {
            let e = Condition::parse(text).unwrap_err();
            assert_eq!(e.column, *col, "{text}: {e}");
            assert!(e.message.contains(words), "{text}: {e}");
        }
    }

    #[test]
    fn length_and_depth_are_capped() {
        let long = format!("a = \"{}\"", "x".repeat(MAX_CONDITION_CHARS));
        let e = Condition::parse(&long).unwrap_err();
        assert!(e.message.contains("limit"), "{e}");
        let ok = format!(
            "{}empty(a){}",
            "(".repeat(MAX_CONDITION_DEPTH),
            ")".repeat(MAX_CONDITION_DEPTH)
        );
        assert!(Condition::parse(&ok).is_ok());
        let deep = format!(
            "{}empty(a){}",
            "(".repeat(MAX_CONDITION_DEPTH + 1),
            ")".repeat(MAX_CONDITION_DEPTH + 1)
        );
        let e = Condition::parse(&deep).unwrap_err();
        assert!(e.message.contains("nested"), "{e}");
        let nots = format!("{}empty(a)", "not ".repeat(MAX_CONDITION_DEPTH + 1));
        assert!(Condition::parse(&nots).is_err());
        // A pathological input within the length cap does not overflow the stack.
        let parens = "(".repeat(MAX_CONDITION_CHARS);
        assert!(Condition::parse(&parens).is_err());
    }

    /// The worked example in specs/README.md ("Conditions") is the bundled sample-atena
    /// profile's `[conditions]`, and every expression in it parses.
    #[test]
    fn readme_worked_example_is_the_bundled_profiles_conditions() {
        let readme = include_str!("../specs/README.md");
        let at = readme.find("### Conditions (条件付き必須)").unwrap();
        let rest = &readme[at..];
        let start = rest.find("```toml\n").unwrap() + "```toml\n".len();
        let block = &rest[start..start + rest[start..].find("```").unwrap()];
        let profile = include_str!("../specs/profiles/sample-atena.toml");
        assert!(
            profile.contains(block),
            "the README's block is not the profile's"
        );
        let table: toml::Table = toml::from_str(block).unwrap();
        let conds = table["conditions"].as_table().unwrap();
        assert_eq!(conds.len(), 6);
        let catalog = crate::Catalog::bundled().unwrap();
        let p = crate::profile::bundled_profile("sample-atena", &catalog)
            .unwrap()
            .unwrap();
        assert_eq!(p.conditions.len(), conds.len());
        for rule in &p.conditions {
            let text = conds[&rule.target].as_str().unwrap();
            assert_eq!(rule.expression, text);
            assert_eq!(Condition::parse(text).unwrap(), rule.condition);
        }
    }
}
