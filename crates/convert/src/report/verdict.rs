//! The one-line verdict a report opens with — 移行可, 要確認 or 移行不可 — and the rule that
//! decides it, in one place so that the page, the console and the exit code agree.

use super::Lang;
use crate::manifest::Manifest;
use crate::manifest::RunProblemKind;
use crate::verify::Check;

/// The reject rate above which a run is 移行不可 unless its options say otherwise
/// (`options.max_reject_rate` of the manifest, a fraction such as `0.1` or a percentage
/// such as `10%`).
pub const DEFAULT_MAX_REJECT_RATE: f64 = 0.10;

/// Framing problems that make a run 移行不可: the input is cut short, its trailer disagrees
/// or is missing, or a quote swallowed the rest of the file. Other framing problems
/// (`frame.*`) make it 要確認 and always come first in 次に確認すること.
pub const FRAMING_DAMAGE: &[&str] = &[
    "frame.truncated",
    "frame.trailer_count",
    "frame.missing_trailer",
    "frame.unterminated_quote",
];

/// Framing kinds that are no damage (a DOS end-of-file marker).
const FRAMING_BENIGN: &[&str] = &["frame.eof_marker"];

/// The verdict's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// 移行可: nothing to check.
    Go,
    /// 要確認: the run is sound, but something in it needs a person's look.
    Check,
    /// 移行不可: the run must not be used.
    NoGo,
}

impl Level {
    /// `移行可`, `要確認`, `移行不可` (the same in every language: staff sign the Japanese).
    pub fn label(self) -> &'static str {
        match self {
            Level::Go => "移行可",
            Level::Check => "要確認",
            Level::NoGo => "移行不可",
        }
    }

    /// English for the label.
    pub fn english(self) -> &'static str {
        match self {
            Level::Go => "ready to migrate",
            Level::Check => "to be checked",
            Level::NoGo => "must not be migrated",
        }
    }
}

/// One reason for a verdict.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// The run's files do not match its manifest (what does not match). 移行不可.
    Unverified(Vec<String>),
    /// `input = output + rejected` does not hold. 移行不可.
    Accounting,
    /// No record was migrated. 移行不可.
    NothingMigrated,
    /// Rejected records over input records is above the threshold. 移行不可.
    RejectRate {
        /// The rate (0–1).
        rate: f64,
        /// The threshold (0–1).
        max: f64,
    },
    /// Framing damage of this kind, this many times. 移行不可 for [`FRAMING_DAMAGE`],
    /// 要確認 otherwise.
    Framing(String, u64),
    /// Rejected records. 要確認.
    Rejects(u64),
    /// Unmapped 外字 occurrences. 要確認.
    UnmappedGaiji(u64),
    /// Findings (problems that did not reject a record), occurrences. 要確認.
    Findings(u64),
    /// A layout of the run is not verified (its status). 要確認.
    Layout(String),
}

impl Reason {
    /// The level this reason alone gives.
    pub fn level(&self) -> Level {
        match self {
            Reason::Unverified(_)
            | Reason::Accounting
            | Reason::NothingMigrated
            | Reason::RejectRate { .. } => Level::NoGo,
            Reason::Framing(k, _) if FRAMING_DAMAGE.contains(&k.as_str()) => Level::NoGo,
            _ => Level::Check,
        }
    }

    /// The reason as a sentence (no personal value).
    pub fn text(&self, lang: Lang) -> String {
        let ja = lang == Lang::Ja;
        let n = super::html::num;
        match self {
            Reason::Unverified(what) if ja => format!(
                "実行フォルダのファイルが manifest.json と一致しません（{}）",
                what.join("、")
            ),
            Reason::Unverified(what) => format!(
                "the run's files do not match manifest.json ({})",
                what.join(", ")
            ),
            Reason::Accounting if ja => "件数が合いません（入力 ≠ 移行 ＋ 除外）".into(),
            Reason::Accounting => "the counts do not add up (input ≠ migrated + rejected)".into(),
            Reason::NothingMigrated if ja => "移行したレコードが0件です".into(),
            Reason::NothingMigrated => "no record was migrated".into(),
            Reason::RejectRate { rate, max } if ja => format!(
                "除外率 {:.1}% が上限 {:.1}% を超えています",
                rate * 100.0,
                max * 100.0
            ),
            Reason::RejectRate { rate, max } => format!(
                "{:.1}% of the records were rejected, above the limit of {:.1}%",
                rate * 100.0,
                max * 100.0
            ),
            Reason::Framing(k, c) if ja => format!(
                "ファイルの区切りの問題：{}（{}回）",
                super::text::kind_desc(lang, k).unwrap_or(k.as_str()),
                n(*c)
            ),
            Reason::Framing(k, c) => format!(
                "framing problem: {} ({})",
                super::text::kind_desc(lang, k).unwrap_or(k.as_str()),
                if *c == 1 {
                    "once".to_string()
                } else {
                    format!("{} times", n(*c))
                }
            ),
            Reason::Rejects(c) if ja => format!("除外したレコードが{}件あります", n(*c)),
            Reason::Rejects(c) => format!("{} records were rejected", n(*c)),
            Reason::UnmappedGaiji(c) if ja => {
                format!("外字対応表にない外字が{}か所あります", n(*c))
            }
            Reason::UnmappedGaiji(c) => {
                format!("{} occurrences of 外字 are not in the 外字 table", n(*c))
            }
            Reason::Findings(c) if ja => format!("指摘（除外しない問題）が{}か所あります", n(*c)),
            Reason::Findings(c) => format!(
                "{} findings (occurrences of problems that reject nothing)",
                n(*c)
            ),
            Reason::Layout(s) if ja => {
                format!("レイアウトの状態が {s} です（検証済みではありません）")
            }
            Reason::Layout(s) => format!("a layout's status is {s} (not verified)"),
        }
    }
}

/// A run's verdict: the worst level of its reasons (移行可 when there is none).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The level.
    pub level: Level,
    /// Every reason, worst first.
    pub reasons: Vec<Reason>,
}

/// The rule, as written on the page.
pub fn rule_text(lang: Lang, max_reject_rate: f64) -> String {
    let pct = max_reject_rate * 100.0;
    if lang == Lang::Ja {
        format!(
            "判定の規則：移行不可 ＝ ファイルが manifest.json と一致しない（改ざん・欠落）、件数が合わない、移行が0件、除外率が{pct:.1}%を超える、ファイルの区切りの損傷（途中で切れている・トレーラーの件数の不一致・トレーラーがない・閉じない引用符）のいずれか。要確認 ＝ それ以外で、除外・外字対応表にない外字・指摘・検証済みでないレイアウトのいずれかがある。移行可 ＝ どれもない。"
        )
    } else {
        format!(
            "The rule: must not be migrated = the files do not match manifest.json (changed or missing), the counts do not add up, nothing was migrated, more than {pct:.1}% rejected, or framing damage (input cut short, trailer count mismatch, missing trailer, unterminated quote). To be checked = otherwise, any reject, unmapped 外字, finding or unverified layout. Ready = none of these."
        )
    }
}

/// The reject-rate threshold of a run: `options.max_reject_rate` (`0.1` or `10%`) or
/// [`DEFAULT_MAX_REJECT_RATE`].
pub fn max_reject_rate(m: &Manifest) -> f64 {
    let Some(v) = m.options.get("max_reject_rate") else {
        return DEFAULT_MAX_REJECT_RATE;
    };
    let v = v.trim();
    let parsed = match v.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().ok().map(|x| x / 100.0),
        None => v.parse::<f64>().ok(),
    };
    parsed
        .filter(|x| x.is_finite() && (0.0..=1.0).contains(x))
        .unwrap_or(DEFAULT_MAX_REJECT_RATE)
}

/// The verdict on a run from its manifest and, when the files were checked, the checks
/// ([`crate::verify::check_files`] or [`crate::verify::verify`]): a failed check is
/// 移行不可.
///
/// `verdict(&manifest, None)` judges from the manifest alone.
pub fn verdict(m: &Manifest, checks: Option<&[Check]>) -> Verdict {
    let c = &m.counts;
    let mut reasons = Vec::new();
    if let Some(checks) = checks {
        let failed: Vec<String> = checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.what.clone())
            .collect();
        if !failed.is_empty() {
            reasons.push(Reason::Unverified(failed));
        }
    }
    if c.input_records != c.output_records + c.rejected_records || !m.accounting_ok {
        reasons.push(Reason::Accounting);
    }
    if c.output_records == 0 {
        reasons.push(Reason::NothingMigrated);
    }
    let max = max_reject_rate(m);
    if c.input_records > 0 {
        let rate = c.rejected_records as f64 / c.input_records as f64;
        if rate > max {
            reasons.push(Reason::RejectRate { rate, max });
        }
    }
    for (k, n) in framing(m) {
        reasons.push(Reason::Framing(k, n));
    }
    if c.rejected_records > 0 {
        reasons.push(Reason::Rejects(c.rejected_records));
    }
    if c.gaiji_unmapped > 0 {
        reasons.push(Reason::UnmappedGaiji(c.gaiji_unmapped));
    }
    let findings: u64 = c
        .findings_by_kind
        .iter()
        .filter(|(k, _)| !k.starts_with("frame."))
        .map(|(_, n)| n)
        .sum();
    if findings > 0 {
        reasons.push(Reason::Findings(findings));
    }
    let layouts = std::iter::once(&m.source_layout)
        .chain(m.sources.iter().skip(1).map(|x| &x.layout))
        .chain([&m.target_layout]);
    for l in layouts {
        if l.status != "verified" {
            let r = Reason::Layout(l.status.clone());
            if !reasons.contains(&r) {
                reasons.push(r);
            }
        }
    }
    reasons.sort_by_key(|r| std::cmp::Reverse(r.level()));
    Verdict {
        level: reasons.first().map_or(Level::Go, Reason::level),
        reasons,
    }
}

/// The framing problems of a run (`frame.*` rejects and findings, the end-of-file marker
/// left out), summed per kind, damage first.
pub fn framing(m: &Manifest) -> Vec<(String, u64)> {
    let c = &m.counts;
    let mut v: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for (k, n) in c.rejects_by_reason.iter().chain(&c.findings_by_kind) {
        if k.starts_with("frame.") && !FRAMING_BENIGN.contains(&k.as_str()) {
            *v.entry(k).or_insert(0) += n;
        }
    }
    let mut v: Vec<(String, u64)> = v.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
    v.sort_by_key(|(k, _)| !FRAMING_DAMAGE.contains(&k.as_str()));
    v
}

/// The cause of a verdict in one line: the reasons of its level (the worst), each with
/// [`detail`]. Empty for 移行可.
pub fn cause(m: &Manifest, v: &Verdict, lang: Lang) -> String {
    let sep = if lang == Lang::Ja { "。" } else { "; " };
    v.reasons
        .iter()
        .filter(|r| r.level() == v.level)
        .map(|r| detail(m, r, lang))
        .collect::<Vec<_>>()
        .join(sep)
}

/// A reason as a sentence ([`Reason::text`]) followed, for a framing reason or nothing
/// migrated, by the first of the run's problems of that kind (manifest `problems`: its file
/// and message — record numbers, offsets and counts, never a personal value).
pub fn detail(m: &Manifest, r: &Reason, lang: Lang) -> String {
    let mut t = r.text(lang);
    let found = match r {
        Reason::Framing(k, _) => m.problems.iter().find(|p| &p.kind == k),
        Reason::NothingMigrated => m
            .problems
            .iter()
            .find(|p| p.kind == RunProblemKind::InputEmpty.id())
            .or_else(|| {
                m.problems
                    .iter()
                    .find(|p| p.kind == RunProblemKind::NewlineMismatch.id())
            }),
        _ => None,
    };
    if let Some(p) = found {
        t.push_str(if lang == Lang::Ja { "：" } else { ": " });
        if let Some(f) = &p.file {
            t.push_str(f);
            t.push_str(": ");
        }
        t.push_str(&p.message);
    }
    t
}

/// The verdict `v` of the run `m` as machines read it: what `ikou convert --json`, `ikou
/// report --json` and the Python package's manifest hold under `verdict`. `level` is `go`
/// (移行可), `check` (要確認) or `no-go` (移行不可: `ikou convert` and `ikou report` exit 4);
/// `label` the Japanese; `cause` (English, empty unless no-go); `reasons` worst first, each
/// with its `level` label and English `text`; `max_reject_rate` the rule's threshold.
pub fn verdict_json(m: &Manifest, v: &Verdict) -> serde_json::Value {
    serde_json::json!({
        "level": match v.level {
            Level::Go => "go",
            Level::Check => "check",
            Level::NoGo => "no-go",
        },
        "label": v.level.label(),
        "cause": cause(m, v, Lang::En),
        "reasons": v.reasons.iter().map(|r| serde_json::json!({
            "level": r.level().label(),
            "text": r.text(Lang::En),
        })).collect::<Vec<_>>(),
        "max_reject_rate": max_reject_rate(m),
    })
}
