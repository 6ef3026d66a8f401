//! Small HTML helpers: escaping, visible whitespace, numbers and inline-SVG bars.

use std::fmt::Write as _;

/// Escapes text for HTML element content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    out
}

/// Pushes `c`, escaped for HTML text and attribute values.
fn push_escaped(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        c => out.push(c),
    }
}

/// A value as HTML with what matters made visible: spaces as outlined boxes (half- and
/// full-width keep their widths), 外字 (private use) and control characters as their code
/// point, an empty value as `empty`.
pub(crate) fn value(s: &str, empty: &str) -> String {
    if s.is_empty() {
        return format!("<span class=\"empty\">{}</span>", esc(empty));
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            ' ' => out.push_str("<span class=\"sp\"> </span>"),
            '\u{3000}' => out.push_str("<span class=\"zsp\">\u{3000}</span>"),
            c if ikou_cleanse::mask::is_private_use(c) => {
                let _ = write!(out, "<span class=\"gj\">U+{:04X}</span>", c as u32);
            }
            c if c.is_control()
                || matches!(c as u32, 0x200B..=0x200F | 0x2028..=0x202E | 0xFEFF) =>
            {
                let _ = write!(out, "<span class=\"ctl\">U+{:04X}</span>", c as u32);
            }
            c => push_escaped(&mut out, c),
        }
    }
    out
}

/// `1234567` → `1,234,567`.
pub(crate) fn num(n: u64) -> String {
    ikou_cleanse::decode::thousands(n)
}

/// `part` of `whole` as a percentage with one decimal (`4.8%`), from integers only.
pub(crate) fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0%".into();
    }
    let tenths = (u128::from(part) * 1000 + u128::from(whole) / 2) / u128::from(whole);
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// An inline-SVG bar for `value` of `max` (a row of a bar chart); the count is beside it
/// in the table, so the bar is decoration for the eye.
pub(crate) fn bar(value: u64, max: u64, class: &str) -> String {
    let tenths = if max == 0 {
        0
    } else {
        let t = u128::from(value) * 2000 / u128::from(max);
        if value > 0 {
            t.max(5)
        } else {
            0
        }
    };
    format!(
        "<svg class=\"bar {class}\" viewBox=\"0 0 200 12\" preserveAspectRatio=\"none\" aria-hidden=\"true\"><rect x=\"0\" y=\"0\" width=\"{}.{}\" height=\"12\"/></svg>",
        tenths / 10,
        tenths % 10
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(num(0), "0");
        assert_eq!(num(999), "999");
        assert_eq!(num(1000), "1,000");
        assert_eq!(num(1234567), "1,234,567");
        assert_eq!(pct(48, 1000), "4.8%");
        assert_eq!(pct(1, 3), "33.3%");
        assert_eq!(pct(0, 0), "0%");
        assert_eq!(pct(u64::MAX, u64::MAX), "100.0%");
    }

    #[test]
    fn values_are_escaped_and_visible() {
        assert_eq!(esc("<a href='x'>&"), "&lt;a href=&#39;x&#39;&gt;&amp;");
        assert_eq!(
            value("", "（空欄）"),
            "<span class=\"empty\">（空欄）</span>"
        );
        assert_eq!(
            value("a b\u{3000}<\u{E00D}\t", "-"),
            "a<span class=\"sp\"> </span>b<span class=\"zsp\">\u{3000}</span>&lt;<span class=\"gj\">U+E00D</span><span class=\"ctl\">U+0009</span>"
        );
    }

    #[test]
    fn bars_scale_and_stay_visible() {
        assert!(bar(50, 100, "c").contains("width=\"100.0\""));
        assert!(bar(100, 100, "c").contains("width=\"200.0\""));
        assert!(bar(1, 1_000_000, "c").contains("width=\"0.5\""));
        assert!(bar(0, 100, "c").contains("width=\"0.0\""));
        assert!(bar(0, 0, "c").contains("width=\"0.0\""));
    }
}
