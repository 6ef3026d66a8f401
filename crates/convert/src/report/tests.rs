use super::*;
use crate::plan::Plan;
use crate::run::{run, NoProgress, Outputs, RunOptions};
use ikou_cleanse::gaiji::GaijiTable;
use ikou_layout_spec::profile::{bundled_gaiji, bundled_profile};
use ikou_layout_spec::Catalog;
use std::path::PathBuf;
use std::sync::OnceLock;

fn plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| {
        let catalog = Catalog::bundled().unwrap();
        let profile = bundled_profile("sample-juki", &catalog).unwrap().unwrap();
        let gaiji = GaijiTable::parse(bundled_gaiji("sample-juki.csv").unwrap(), "g").unwrap();
        Plan::new(&catalog, profile, gaiji).unwrap()
    })
}

fn sample_input() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample/juki-1000.dat")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ikou-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Converts the 1,000-record sample into a fresh directory with `outputs`.
fn convert(name: &str, outputs: Outputs, threads: usize) -> (PathBuf, Manifest) {
    let dir = tmp(name);
    let mut opts = RunOptions::new(&dir);
    opts.outputs = outputs;
    opts.threads = threads;
    let m = run(plan(), &[sample_input()], &opts, &NoProgress).unwrap();
    (dir, m)
}

fn csv_outputs() -> Outputs {
    Outputs {
        changes_csv: true,
        gaiji_csv: true,
        ..Outputs::minimal()
    }
}

fn with_layouts(lang: Lang, show_values: bool) -> ReportOptions<'static> {
    ReportOptions {
        lang,
        show_values,
        source_layout: Some(&plan().source),
        target_layout: Some(&plan().target),
    }
}

/// One column of the converted standard CSV, by its header name.
fn column(dir: &Path, name: &str) -> Vec<String> {
    let mut rdr = csv::Reader::from_path(dir.join("jumin.csv")).unwrap();
    let i = rdr
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == name)
        .unwrap();
    rdr.records()
        .map(|r| r.unwrap().get(i).unwrap().to_string())
        .filter(|v| !v.is_empty())
        .collect()
}

fn section<'h>(html: &'h str, id: &str) -> &'h str {
    let start = html.find(&format!("<section id=\"{id}\">")).unwrap();
    let end = start + html[start..].find("</section>").unwrap();
    &html[start..end]
}

/// The page with visible-space markup taken out, so values can be searched as text.
fn plain(html: &str) -> String {
    html.replace("<span class=\"zsp\">\u{3000}</span>", "\u{3000}")
        .replace("<span class=\"sp\"> </span>", " ")
}

fn assert_self_contained(html: &str) {
    let lower = html.to_lowercase();
    for bad in [
        "<script", "<link", "<img", "<iframe", "<object", "@import", "url(", "src=", "href=",
        "http:", "https:", "//fonts",
    ] {
        assert!(
            !lower.contains(bad),
            "the page must load nothing: found {bad}"
        );
    }
}

#[test]
fn sample_run_report_shows_the_runs_figures_and_loads_nothing() {
    let (dir, m) = convert("sample", csv_outputs(), 0);
    let html = render(&m, &dir, &with_layouts(Lang::Ja, false)).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"ja\">"));
    assert_self_contained(&html);
    let c = &m.counts;
    for (key, n) in [
        ("input_records", c.input_records),
        ("output_records", c.output_records),
        ("rejected_records", c.rejected_records),
        ("changes", c.changes_by_rule.values().sum()),
        ("gaiji_unmapped", c.gaiji_unmapped),
    ] {
        let needle = format!("data-count=\"{key}\">{}<", html::num(n));
        assert!(html.contains(&needle), "{needle}");
    }
    assert_eq!((c.input_records, c.rejected_records), (1000, 48));
    assert!(html.contains("data-check=\"accounting\">✓"));
    // Every accounting check passes on a fresh run (the verify checks included).
    let acc = section(&html, "accounting");
    // One rows check per group of the 住民記録 dataset (住民, 世帯).
    assert_eq!(acc.matches("✓ 一致").count(), 8, "{acc}");
    assert!(!html.contains("class=\"banner\""));
    // The page opens with the verdict, its reasons and the rule.
    let body = &html[html.find("<body>").unwrap()..];
    assert!(
        body.starts_with("<body>\n<p class=\"verdict-line check\" data-verdict=\"要確認\">"),
        "{}",
        &body[..300]
    );
    assert!(body.contains("判定の規則：移行不可 ＝"));
    assert!(html.contains(&format!(
        "data-fingerprint=\"{}\"",
        crate::verify::fingerprint(&m)
    )));
    assert!(section(&html, "signoff").contains("確認者"));
    assert!(!acc.contains("不一致"));
    // Changes per rule, with the manifest's counts.
    for (rule, n) in &c.changes_by_rule {
        assert!(
            html.contains(&format!("data-rule=\"{rule}\">{}<", html::num(*n))),
            "{rule}"
        );
    }
    for (kind, n) in &c.rejects_by_reason {
        assert!(
            html.contains(&format!("data-reason=\"{kind}\">{}<", html::num(*n))),
            "{kind}"
        );
    }
    // Layout warnings: the sample's layouts are synthetic and an unverified transcription.
    let header = &html[..html.find("</header>").unwrap()];
    assert!(header.contains("<div class=\"warn\" data-status=\"synthetic\">"));
    assert!(header.contains("<div class=\"warn\" data-status=\"unverified-transcription\">"));
    assert!(header.contains("未確認の書き起こし"));
    // Item names come from the layouts.
    assert!(
        html.contains("氏名カナ<span class=\"id\">shimei_kana</span>")
            || html.contains("<span class=\"id\">shimei_kana</span>")
    );
    // Rejects grouped by kind with their record numbers (from rejects.csv).
    let rej = section(&html, "rejects");
    assert!(rej.contains("data-kind=\"digits.length\""));
    assert!(rej.contains("15 258 478 756 874"), "{rej}");
    // Dates by kind, with rejected and flagged counts.
    let dates = section(&html, "dates");
    assert!(dates.contains("data-date=\"date.after_era\""));
    assert!(dates.contains("data-date=\"date.partial\""));
    // Unmapped code values are read from the raw bytes: 続柄 codes of records 22, 267, 539, 924.
    let codes = section(&html, "codes");
    assert!(codes.contains("<code>juki_zokugara</code>"));
    assert!(codes.contains("<code>juki_ido_jiyu</code>"));
    let zoku: u64 = ["22", "267", "539", "924"]
        .iter()
        .filter(|r| codes.contains(&format!(" {r}")) || codes.contains(&format!(">{r}")))
        .count() as u64;
    assert_eq!(zoku, 4, "{codes}");
    assert!(!codes.contains("読み取れない"));
    // The 外字 inventory: unmapped codes first, with their status.
    let gaiji = section(&html, "gaiji");
    assert!(gaiji.contains("data-gaiji=\"F048\""));
    assert!(gaiji.find("F048").unwrap() < gaiji.find("F042").unwrap());
    assert!(gaiji.contains("未対応") && gaiji.contains("置換済み"));
    // What to check next names the unmapped 外字 codes and the rejects.
    let next = section(&html, "next");
    assert!(
        next.contains("F048") && next.contains("F04D") && next.contains("F04F"),
        "{next}"
    );
    assert!(next.contains("除外した48件（入力の4.8%）"), "{next}");
    // Nothing that says where the run directory is, and no timings.
    assert!(!html.contains(dir.to_str().unwrap()));
    assert!(!html.contains("seconds") && !html.contains("秒"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn default_report_masks_personal_values_and_show_values_shows_them() {
    let (dir, m) = convert("mask", csv_outputs(), 0);
    let kojin = column(&dir, "個人番号");
    let juminhyo = column(&dir, "住民票コード");
    let names: Vec<String> = column(&dir, "氏名")
        .into_iter()
        .filter(|v| v.chars().count() >= 4)
        .collect();
    let kana = column(&dir, "氏名_フリガナ");
    assert!(kojin.len() > 900 && juminhyo.len() > 900 && names.len() > 500);

    // Add changes that carry real 個人番号 (full-width → ASCII), as a dirtier export would.
    let mut changes = std::fs::read_to_string(dir.join("changes.csv")).unwrap();
    let full = |s: &str| -> String {
        s.chars()
            .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap())
            .collect()
    };
    for (i, k) in kojin.iter().take(3).enumerate() {
        changes.push_str(&format!(
            "{},kojin_bango,digits.fullwidth_to_ascii,{},{k}\r\n",
            990 + i,
            full(k)
        ));
    }
    std::fs::write(dir.join("changes.csv"), changes).unwrap();

    let masked = plain(&render(&m, &dir, &with_layouts(Lang::Ja, false)).unwrap());
    for v in kojin.iter().chain(&juminhyo).chain(&names).chain(&kana) {
        assert!(
            !masked.contains(v.as_str()),
            "a personal value is in the default report"
        );
    }
    for k in kojin.iter().take(3) {
        assert!(!masked.contains(&full(k)));
    }
    // The masked sample keeps the shape: 12 full-width stars → 12 half-width ones.
    assert!(masked.contains(
        "＊＊＊＊＊＊＊＊＊＊＊＊</td><td class=\"arrow\">→</td><td class=\"val\">************<"
    ));
    assert!(masked.contains("個人の情報"));

    let shown = plain(&render(&m, &dir, &with_layouts(Lang::Ja, true)).unwrap());
    for k in kojin.iter().take(2) {
        assert!(shown.contains(k.as_str()), "show_values shows the 個人番号");
        assert!(shown.contains(&full(k)));
    }
    assert!(
        kana.iter().any(|v| shown.contains(v.as_str())),
        "show_values shows readings"
    );
    assert!(shown.contains("--show-values"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn same_run_gives_the_same_bytes_whatever_the_threads_and_directory() {
    let (a, ma) = convert("det-a", csv_outputs(), 1);
    let (b, mb) = convert("det-b", csv_outputs(), 2);
    assert_ne!(ma.timings.threads, mb.timings.threads);
    let opts = with_layouts(Lang::Ja, false);
    let ha = render(&ma, &a, &opts).unwrap();
    assert_eq!(ha, render(&ma, &a, &opts).unwrap());
    assert_eq!(ha, render(&mb, &b, &opts).unwrap());
    // Regenerated from manifest.json (which lists the report) gives the same page.
    let info = write(&ma, &a, &opts, &a, REPORT).unwrap();
    let mut listed = ma.clone();
    listed.outputs.push(info);
    assert_eq!(ha, render(&listed, &a, &opts).unwrap());
    // The fingerprint leaves out the report's own entry and the timings.
    let mut other = listed.clone();
    other.timings.total_seconds += 1.0;
    assert_eq!(
        crate::verify::fingerprint(&ma),
        crate::verify::fingerprint(&other)
    );
    other.counts.output_records += 1;
    assert_ne!(
        crate::verify::fingerprint(&ma),
        crate::verify::fingerprint(&other)
    );
    let en = render(&ma, &a, &with_layouts(Lang::En, false)).unwrap();
    assert_eq!(en, render(&mb, &b, &with_layouts(Lang::En, false)).unwrap());
    assert!(en.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(en.contains("Migration verification report"));
    assert!(en.contains("What to check next"));
    assert!(!en.contains("次に確認すること"));
    assert_self_contained(&en);
    std::fs::remove_dir_all(&a).unwrap();
    std::fs::remove_dir_all(&b).unwrap();
}

#[test]
fn minimal_run_says_what_is_missing_and_uses_the_manifest_counts() {
    let (dir, m) = convert("minimal", Outputs::minimal(), 0);
    let opts = ReportOptions::default();
    let html = render(&m, &dir, &opts).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("修正の明細（changes.csv）がないため"));
    assert!(html.contains("--outputs changes"));
    assert!(
        html.contains("<code>changes.csv</code>"),
        "the missing files are named"
    );
    // Counts still come from the manifest.
    let n = m.counts.changes_by_rule["date.to_iso"];
    assert!(html.contains(&format!("data-rule=\"date.to_iso\">{}<", html::num(n))));
    assert!(
        html.contains("data-gaiji=\"F048\""),
        "外字 per code from the manifest"
    );
    // The changes check cannot be made; the others pass.
    let acc = section(&html, "accounting");
    assert!(acc.contains("確認できません"));
    assert!(!acc.contains("不一致"));
    // Without layouts: item keys instead of names, and the code values cannot be read.
    assert!(html.contains("<code>shimei_kana</code>"));
    assert!(section(&html, "codes").contains("レイアウトが見つからない"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "arrow")]
#[test]
fn samples_come_from_changes_parquet_when_there_is_no_changes_csv() {
    let outputs = Outputs {
        changes_parquet: true,
        ..Outputs::minimal()
    };
    let (dir, m) = convert("parquet", outputs, 0);
    let html = render(&m, &dir, &with_layouts(Lang::Ja, false)).unwrap();
    assert!(section(&html, "samples").contains("<td class=\"arrow\">→</td>"));
    let acc = section(&html, "accounting");
    assert!(acc.contains("changes.parquet"));
    assert_eq!(acc.matches("✓ 一致").count(), 7, "{acc}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn files_still_under_their_temporary_name_are_read_but_do_not_verify() {
    let (dir, m) = convert("partial", csv_outputs(), 0);
    let before = render(&m, &dir, &ReportOptions::default()).unwrap();
    std::fs::rename(dir.join("changes.csv"), dir.join(".changes.csv.partial")).unwrap();
    let after = render(&m, &dir, &ReportOptions::default()).unwrap();
    // The samples are still read, but the file the manifest lists is not there.
    assert_eq!(section(&before, "samples"), section(&after, "samples"));
    assert!(after.contains("<div class=\"banner\""));
    assert!(after.contains("<li><code>sha256 changes.csv</code>"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_broken_file_is_an_error_naming_the_file_and_line() {
    let (dir, m) = convert("broken", csv_outputs(), 0);
    let good = std::fs::read(dir.join("rejects.csv")).unwrap();
    std::fs::write(
        dir.join("rejects.csv"),
        "record,file,file_record,byte_offset,kinds,reasons,raw_hex\nabc,f,1,0,x,y (x),00\n",
    )
    .unwrap();
    // The page is made, with the problem on its red banner and verdict 移行不可.
    let (html, checks) = render_checked(&m, &dir, &ReportOptions::default()).unwrap();
    let banner = &html[html.find("<div class=\"banner\"").unwrap()..];
    let banner = &banner[..banner.find("</div>").unwrap()];
    assert!(
        banner.contains("read rejects.csv") && banner.contains("line 2"),
        "{banner}"
    );
    assert!(html.contains("data-verdict=\"移行不可\""));
    assert!(checks.iter().any(|c| !c.ok && c.what == "read rejects.csv"));
    // write() does not write it under the name asked for.
    let e = write(&m, &dir, &ReportOptions::default(), &dir, REPORT).unwrap_err();
    assert!(matches!(e, ReportError::Unverified { .. }), "{e}");
    assert!(!dir.join(REPORT).exists());
    assert!(dir.join("report.unverified.html").exists());
    std::fs::write(dir.join("rejects.csv"), good).unwrap();
    std::fs::remove_file(dir.join("changes.csv")).unwrap();
    let html = render(&m, &dir, &ReportOptions::default()).unwrap();
    assert!(html.contains("<li><code>sha256 changes.csv</code>"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn write_is_atomic_and_private() {
    let (dir, m) = convert("write", csv_outputs(), 0);
    let info = write(&m, &dir, &ReportOptions::default(), &dir, REPORT).unwrap();
    let bytes = std::fs::read(dir.join(REPORT)).unwrap();
    assert_eq!(info.bytes, bytes.len() as u64);
    assert_eq!(
        bytes,
        render(&m, &dir, &ReportOptions::default())
            .unwrap()
            .into_bytes()
    );
    assert!(!dir.join(".report.html.partial").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(REPORT))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn report_names() {
    assert!(is_report_name("report.html"));
    assert!(is_report_name("report.en.html"));
    assert!(!is_report_name("rejects.csv"));
}

/// The verdict's rule, case by case (the one function the page, the console and exit codes
/// share).
#[test]
fn verdict_rule() {
    let (dir, m) = convert("verdict", Outputs::minimal(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
    let level = |m: &Manifest| verdict(m, None).level;
    // The sample: rejects, unmapped 外字, findings, synthetic layouts.
    let v = verdict(&m, None);
    assert_eq!(v.level, VerdictLevel::Check);
    assert!(v.reasons.contains(&VerdictReason::Rejects(48)));
    assert!(v
        .reasons
        .contains(&VerdictReason::Layout("synthetic".into())));
    // Nothing to check: 移行可.
    let mut clean = m.clone();
    let c = &mut clean.counts;
    (c.output_records, c.rejected_records) = (1000, 0);
    c.rejects_by_reason.clear();
    c.findings_by_kind.clear();
    c.gaiji_unmapped = 0;
    clean.source_layout.status = "verified".into();
    clean.target_layout.status = "verified".into();
    assert_eq!(
        verdict(&clean, None),
        Verdict {
            level: VerdictLevel::Go,
            reasons: vec![]
        }
    );
    // A DOS end-of-file marker is no damage.
    let mut x = clean.clone();
    x.counts
        .findings_by_kind
        .insert("frame.eof_marker".into(), 1);
    assert_eq!(level(&x), VerdictLevel::Go);
    // Framing damage, as a finding or a reject: 移行不可; other framing problems: 要確認.
    for (kind, want) in [
        ("frame.truncated", VerdictLevel::NoGo),
        ("frame.trailer_count", VerdictLevel::NoGo),
        ("frame.missing_trailer", VerdictLevel::NoGo),
        ("frame.wrong_length", VerdictLevel::Check),
    ] {
        let mut x = clean.clone();
        x.counts.findings_by_kind.insert(kind.into(), 1);
        assert_eq!(level(&x), want, "{kind}");
    }
    // The reject rate: above 10 % by default, or the run's own limit.
    let mut x = clean.clone();
    (x.counts.output_records, x.counts.rejected_records) = (899, 101);
    assert_eq!(level(&x), VerdictLevel::NoGo);
    x.options.insert("max_reject_rate".into(), "20%".into());
    assert_eq!(level(&x), VerdictLevel::Check);
    (x.counts.output_records, x.counts.rejected_records) = (900, 100);
    x.options.remove("max_reject_rate");
    assert_eq!(level(&x), VerdictLevel::Check, "exactly 10 % is not above");
    // Nothing migrated; counts that do not add up.
    let mut x = clean.clone();
    (x.counts.input_records, x.counts.output_records) = (0, 0);
    assert!(verdict(&x, None)
        .reasons
        .contains(&VerdictReason::NothingMigrated));
    assert_eq!(level(&x), VerdictLevel::NoGo);
    let mut x = clean.clone();
    x.counts.output_records = 999;
    assert_eq!(verdict(&x, None).reasons, vec![VerdictReason::Accounting]);
    // A failed check of the files: 移行不可, named first.
    let failed = [crate::verify::Check {
        what: "sha256 rejects.csv".into(),
        ok: false,
        detail: String::new(),
    }];
    let v = verdict(&m, Some(&failed));
    assert_eq!(v.level, VerdictLevel::NoGo);
    assert_eq!(
        v.reasons.first(),
        Some(&VerdictReason::Unverified(
            vec!["sha256 rejects.csv".into()]
        ))
    );
}

/// #14: the run's problems (manifest `problems`) are among the first items of 次に確認すること
/// with their messages; the verdict's cause names them; physical records are shown when the
/// layout has header/trailer records.
#[test]
fn issue14_problems_first_physical_counts_and_the_cause() {
    let (dir, m) = convert("problems", Outputs::minimal(), 0);
    let mut x = m.clone();
    x.counts
        .findings_by_kind
        .insert("frame.trailer_count".into(), 1);
    x.problems.push(crate::manifest::RunProblem {
        kind: "frame.trailer_count".into(),
        file: Some("in.dat".into()),
        message: "trailer record 1002 (byte offset 302000): trailer declares 1001 data records, 1000 were read".into(),
    });
    x.problems.push(crate::manifest::RunProblem {
        kind: "input.empty".into(),
        file: Some("other.dat".into()),
        message: "the input holds no record (0 bytes)".into(),
    });
    (x.counts.header_records, x.counts.trailer_records) = (1, 1);
    x.counts.physical_records = x.counts.input_records + 2;
    let v = verdict(&x, None);
    assert_eq!(v.level, VerdictLevel::NoGo);
    let said = cause(&x, &v, Lang::En);
    assert!(
        said.starts_with("framing problem: the trailer's record count disagrees with the records read (once): in.dat: trailer record 1002"),
        "{said}"
    );
    let html = render(&x, &dir, &ReportOptions::default()).unwrap();
    let next = section(&html, "next");
    let first = &next[next.find("<li>").unwrap()..];
    let first = &first[..first.find("</li></ul></li>").unwrap()];
    assert!(
        first.contains("data-problem=\"frame.trailer_count\"")
            && first.contains("trailer declares 1001 data records, 1000 were read"),
        "{next}"
    );
    // The problem that is no framing count follows, before the rejects.
    let empty = next
        .find("data-problem=\"input.empty\"")
        .expect("input.empty listed");
    assert!(empty < next.find("rejects.csv").unwrap(), "{next}");
    assert!(html.contains("data-check=\"physical\""));
    assert!(html.contains("物理レコード ＝ ヘッダー 1件 ＋ トレーラー 1件 ＋ データ 1,000件"));
    // Without header/trailer records, no such row; without problems, no list.
    let html = render(&m, &dir, &ReportOptions::default()).unwrap();
    assert!(!html.contains("data-check=\"physical\""));
    assert!(!html.contains("data-problem="));
    assert_eq!(
        cause(&m, &verdict(&m, None), Lang::En),
        verdict(&m, None)
            .reasons
            .iter()
            .filter(|r| r.level() == VerdictLevel::Check)
            .map(|r| r.text(Lang::En))
            .collect::<Vec<_>>()
            .join("; ")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// #14: every layout status has a description, `official-import` included.
#[test]
fn issue14_every_layout_status_is_described() {
    for lang in [Lang::Ja, Lang::En] {
        for status in [
            "verified",
            "unverified-transcription",
            "synthetic",
            "official-import",
        ] {
            let (desc, _) = text::status_desc(lang, status);
            assert!(
                !desc.contains("不明") && !desc.contains("unknown"),
                "{status}: {desc}"
            );
        }
    }
    assert!(!text::status_desc(Lang::En, "verified").1);
}

/// #14: the run writes the effective reject-rate limit to `options.max_reject_rate`: the
/// run's option, else the profile's, else the default; the report reads it back.
#[test]
fn issue14_the_run_writes_max_reject_rate() {
    let (dir, m) = convert("rate-default", Outputs::minimal(), 0);
    assert_eq!(
        m.options.get("max_reject_rate").map(String::as_str),
        Some("0.1")
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let dir = tmp("rate-option");
    let mut opts = RunOptions::new(&dir);
    opts.outputs = Outputs::minimal();
    opts.max_reject_rate = ikou_layout_spec::profile::RejectRate::new(0.04);
    let m = run(plan(), &[sample_input()], &opts, &NoProgress).unwrap();
    assert_eq!(
        m.options.get("max_reject_rate").map(String::as_str),
        Some("0.04")
    );
    assert_eq!(max_reject_rate(&m), 0.04);
    assert_eq!(verdict(&m, None).level, VerdictLevel::NoGo, "4.8 % > 4 %");
    std::fs::remove_dir_all(&dir).unwrap();
    // The profile's, when the run gives none.
    let mut p = plan().clone();
    p.profile.max_reject_rate = ikou_layout_spec::profile::RejectRate::new(0.5);
    let dir = tmp("rate-profile");
    let mut opts = RunOptions::new(&dir);
    opts.outputs = Outputs::minimal();
    let m = run(&p, &[sample_input()], &opts, &NoProgress).unwrap();
    assert_eq!(
        m.options.get("max_reject_rate").map(String::as_str),
        Some("0.5")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// #19, mutation testing of the report's masking (`summary::Changes::row`): a 外字 change
/// (rule `gaiji.map`, the before all private-use characters) is shown as the table's
/// characters; everything else is masked unless `show_values`. Each case below fails on one
/// of the mutants of the `table_chars` condition or of `show_values || table_chars`
/// (checked by hand).
#[test]
fn issue19_change_samples_show_only_table_characters_unless_asked() {
    use crate::summary::Changes;
    let gaiji = ikou_cleanse::decode::GAIJI_RULE;
    let sample = |show: bool, rule: &str, before: &str, after: &str| {
        let mut c = Changes::new("changes.csv", show);
        c.row(1, "name", rule, before, after);
        let s = c.samples(rule);
        assert_eq!(s.len(), 1, "{rule} {before:?}");
        (s[0].before.clone(), s[0].after.clone())
    };
    // A 外字 and its replacement: the table's characters, shown.
    assert_eq!(
        sample(false, gaiji, "\u{E000}", "髙"),
        ("\u{E000}".to_string(), "髙".to_string())
    );
    // Not only 外字 in the before: masked (the after is a resident's value).
    let (b, a) = sample(false, gaiji, "山\u{E000}", "山髙");
    assert_eq!((b.as_str(), a.as_str()), ("＊\u{E000}", "＊＊"));
    // An empty before under the 外字 rule: masked.
    let (_, a) = sample(false, gaiji, "", "髙橋");
    assert_eq!(a, "＊＊");
    // Another rule with a private-use before: masked.
    let (_, a) = sample(false, "text.trim", "\u{E000}", "髙橋");
    assert_eq!(a, "＊＊");
    // Asked for: shown as they are, every rule.
    assert_eq!(
        sample(true, "text.trim", "山田 ", "山田"),
        ("山田 ".to_string(), "山田".to_string())
    );
    assert_eq!(
        sample(true, gaiji, "", "髙"),
        (String::new(), "髙".to_string())
    );
}

/// #19, mutation testing of the report's masking of code values read back from a reject's
/// raw bytes (`collect::code_value`, through `read_rejects`): masked unless `show_values`,
/// and unreadable when the bytes do not decode cleanly. Fails on `show_values` → `true` in
/// `code_value` (a leak of the code into the report), on `code_value` → `None` or
/// `Some("xyzzy")` and on a negated decode check (checked by hand).
#[test]
fn issue19_code_values_from_reject_bytes_are_masked_unless_asked() {
    let layout = &plan().source;
    let item = layout
        .items
        .iter()
        .find(|i| {
            i.offset.is_some()
                && i.byte_span() >= 4
                && i.key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
        .unwrap();
    let start = item.offset.unwrap() as usize;
    let span = item.byte_span() as usize;
    let hex_of = |value: &[u8]| {
        let mut rec = vec![b' '; start + span + 8];
        rec[start..start + value.len()].copy_from_slice(value);
        rec.iter().map(|b| format!("{b:02X}")).collect::<String>()
    };
    let dir = tmp("issue19-codes");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rejects.csv");
    let row = |record: u64, value: &[u8]| {
        format!(
            "{record},map.unmapped_code,{}: code not in table `t` (map.unmapped_code),{}\n",
            item.key,
            hex_of(value)
        )
    };
    let text = format!(
        "record,kinds,reasons,raw_hex\n{}{}{}",
        row(1, b"1234"),
        row(2, b"12\xFF4"),
        row(3, b"12\xF0\x40")
    );
    std::fs::write(&path, text).unwrap();
    let key = (item.key.clone(), "t".to_string());
    let masked = collect::read_rejects(&path, Some(layout), false, &()).unwrap();
    let cv = &masked.codes[&key];
    assert_eq!(cv.values.keys().collect::<Vec<_>>(), ["****"]);
    // FF does not decode; an unmapped 外字 decodes with an issue: both unreadable.
    assert_eq!(cv.unreadable, 2);
    let shown = collect::read_rejects(&path, Some(layout), true, &()).unwrap();
    assert_eq!(
        shown.codes[&key].values.keys().collect::<Vec<_>>(),
        ["1234"]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// #15: every reject kind, run problem kind and flag a run can count is described on the
/// page from its type's one ja/en table ([`ReasonKind::descriptions`],
/// [`RunProblemKind::descriptions`], [`FlagKind::descriptions`]), not shown as a bare id.
#[test]
fn issue15_every_kind_in_a_run_gets_its_description_on_the_page() {
    use crate::manifest::{RunProblem, RunProblemKind};
    use crate::reason::{FlagKind, ReasonKind};
    let (dir, m) = convert("kinds", Outputs::minimal(), 0);
    // (id, (ja, en), counted as a reject?)
    let mut kinds: Vec<(&str, (&str, &str), bool)> = Vec::new();
    kinds.extend(
        ReasonKind::ALL
            .iter()
            .map(|k| (k.id(), k.descriptions(), true)),
    );
    kinds.extend(
        RunProblemKind::ALL
            .iter()
            .map(|k| (k.id(), k.descriptions(), false)),
    );
    kinds.extend(
        FlagKind::ALL
            .iter()
            .map(|k| (k.id(), k.descriptions(), false)),
    );
    // A page charts at most MAX_ROWS kinds per table: a few kinds per page.
    for batch in kinds.chunks(MAX_ROWS / 2) {
        let mut x = m.clone();
        for (id, _, reject) in batch {
            if *reject {
                x.counts.rejects_by_reason.insert((*id).into(), 1);
            } else {
                x.counts.findings_by_kind.insert((*id).into(), 1);
            }
            if let Some(k) = RunProblemKind::from_id(id) {
                x.problems.push(RunProblem::new(
                    k,
                    Some("in.dat".into()),
                    "a message".into(),
                ));
            }
        }
        for lang in [Lang::Ja, Lang::En] {
            let options = ReportOptions {
                lang,
                ..ReportOptions::default()
            };
            let html = render(&x, &dir, &options).unwrap();
            for (id, pair, _) in batch {
                let d = lang.pick(*pair);
                assert!(
                    html.contains(&format!("{}<span class=\"id\">{}</span>", esc(d), esc(id))),
                    "{id} ({lang:?}): its description `{d}` is not on the page"
                );
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// #15: `Outputs::all()` is every output this build writes, so a run with it verifies and
/// its report has no red banner with or without the `arrow` feature; an Arrow/Parquet file
/// asked for by name in a build without it is refused before the run starts.
#[test]
fn issue15_all_outputs_verify_in_every_build() {
    use crate::options::ARROW_OUTPUTS;
    use crate::output::RunFile;
    assert_eq!(Outputs::all().unavailable(), None);
    let (dir, m) = convert("all-outputs", Outputs::all(), 0);
    let (_, v) = crate::verify::verify(&dir).unwrap();
    assert!(v.ok(), "{:?}", v.failed().collect::<Vec<_>>());
    let (_, checks) = render_checked(&m, &dir, &ReportOptions::default()).unwrap();
    assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    let mut one = Outputs::minimal();
    one.after_parquet = true;
    if ARROW_OUTPUTS {
        assert_eq!(one.unavailable(), None);
        assert!(Outputs::parse("after-parquet").is_ok());
    } else {
        assert_eq!(one.unavailable(), Some(RunFile::AfterParquet));
        let e = Outputs::parse("after-parquet").unwrap_err();
        assert!(e.contains("without its `arrow` feature"), "{e}");
        let mut opts = RunOptions::new(tmp("no-arrow"));
        opts.outputs = one;
        let e = run(plan(), &[sample_input()], &opts, &NoProgress).unwrap_err();
        assert!(
            matches!(e, crate::run::RunError::OutputUnavailable(_)),
            "{e}"
        );
        assert!(!opts.out_dir.join(RunFile::Manifest.name()).exists());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Each report error with a cause keeps it as its source (issue #15: typed errors): an
/// unreadable file its io::Error, a Parquet file that is not one the Parquet error, a page
/// that cannot be written its io::Error; a file that is not the file its name says has no
/// cause. The messages are those printed before (file, then the cause's message).
#[test]
fn issue15_report_errors_keep_their_cause_as_source() {
    use std::error::Error as _;
    let dir = std::env::temp_dir().join(format!("ikou-report-source-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let io_kind = |e: &ReportError| {
        e.source()
            .and_then(|c| c.downcast_ref::<std::io::Error>())
            .map(std::io::Error::kind)
    };
    let missing = dir.join("gaiji.csv");
    let e = collect::read_gaiji(&missing, &()).unwrap_err();
    assert!(matches!(e, ReportError::Read { .. }), "{e:?}");
    assert_eq!(io_kind(&e), Some(std::io::ErrorKind::NotFound));
    let io = std::fs::File::open(&missing).unwrap_err();
    assert_eq!(e.to_string(), format!("{}: {io}", missing.display()));
    // Not a 外字 inventory: no cause, the problem named.
    std::fs::write(&missing, "x,y\r\n1,2\r\n").unwrap();
    let e = collect::read_gaiji(&missing, &()).unwrap_err();
    assert!(matches!(e, ReportError::Malformed { .. }), "{e:?}");
    assert!(e.source().is_none());
    assert!(e
        .to_string()
        .ends_with("not a 外字 inventory (needs a `code` column)"));
    #[cfg(feature = "arrow")]
    {
        let p = dir.join("changes.parquet");
        std::fs::write(&p, b"not parquet").unwrap();
        let e = collect::read_changes_parquet(&p, "changes.parquet", false, &()).unwrap_err();
        let cause = e
            .source()
            .and_then(|c| c.downcast_ref::<parquet::errors::ParquetError>());
        assert!(cause.is_some(), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!(
                "{}: {}",
                p.display(),
                cause.map(ToString::to_string).unwrap_or_default()
            )
        );
    }
    // The page cannot be written (its folder is a file): the io::Error.
    let e = write_page("<html></html>", &missing, "report.html").unwrap_err();
    assert!(matches!(e, ReportError::Write { .. }), "{e:?}");
    assert!(io_kind(&e).is_some(), "{e:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every rule id a run can write into `changes.csv` (the cleansing rules, target date
/// forms, host decoding, `gaiji.map`) is described on the page in both languages, from the
/// table beside the rules (issue #15). A rule the cleanse crate emits without words fails
/// here; so does a report that stops using that table.
#[test]
fn issue15_the_report_describes_every_emitted_rule_id() {
    use ikou_cleanse::rules::describe::{describe_id, emitted_ids};
    let mut n = 0;
    for id in emitted_ids() {
        let pair = describe_id(id);
        assert!(pair.is_some(), "{id}");
        assert_eq!(text::rule_desc(Lang::Ja, id), pair.map(|p| p.0), "{id}");
        assert_eq!(text::rule_desc(Lang::En, id), pair.map(|p| p.1), "{id}");
        n += 1;
    }
    // Every RuleId and gaiji.map; the ids the run's plan writes are of those two sources.
    assert_eq!(n, ikou_cleanse::change::RuleId::ALL.len() + 1);
    for id in [
        "kana.voiced_mark",
        "amount.thousands",
        "gaiji.map",
        "host.one_way",
    ] {
        assert!(text::rule_desc(Lang::Ja, id).is_some(), "{id}");
    }
    assert_eq!(text::rule_desc(Lang::En, "no.such_rule"), None);
}
