//! `ikou normalize …`

use crate::util::*;

fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn kana_from_arguments_with_rules_listed() {
    let r = ikou(&["normalize", "--as", "kana", "ﾔﾏﾀﾞ  ﾀﾛｳ  ", "やまだ"]).expect(0);
    assert_eq!(
        r.stdout,
        "ヤマダ　タロウ\t[padding.trailing, width.fullwidth, space.fold]\nヤマダ\t[kana.hiragana_to_katakana]\n"
    );
}

#[test]
fn json_has_every_field_in_order() {
    let r = ikou(&["normalize", "--as", "kana", "--json", "ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ"]).expect(0);
    let first = r.stdout.lines().next().unwrap();
    assert!(
        first.starts_with(r#"{"input":"ﾔﾏﾀﾞ ﾀﾛｳ","output":"ヤマダ　タロウ","ok":true,"partial":false,"changes":[{"rule":"width.fullwidth","before":"ﾔﾏﾀﾞ ﾀﾛｳ","after":"ヤマダ　タロウ"}],"error":null"#),
        "{first}"
    );
    let v = json_lines(&r.stdout);
    assert_eq!(v.len(), 2);
    assert_eq!(v[1]["changes"], serde_json::json!([]));
    assert_eq!(v[1]["output"], "ヤマダ");
}

#[test]
fn stdin_keeps_spaces_and_removes_only_the_terminator() {
    let r = ikou_in(
        &root(),
        &["normalize", "--as", "kana", "--json"],
        Some(" ｱ \r\n\nい\n ".as_bytes()),
    )
    .expect(0);
    let v = json_lines(&r.stdout);
    assert_eq!(v.len(), 4);
    assert_eq!(v[0]["input"], " ｱ ");
    assert_eq!(v[0]["output"], "ア");
    let rules: Vec<&str> = v[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["padding.trailing", "width.fullwidth", "space.trim"]);
    assert_eq!(v[1]["input"], "");
    assert_eq!(v[1]["output"], "");
    assert_eq!(v[2]["output"], "イ");
    assert_eq!(v[3]["input"], " ");
    assert_eq!(v[3]["output"], "");
}

#[test]
fn dates_every_form_and_partial() {
    let r = ikou(&[
        "normalize",
        "--as",
        "date",
        "--json",
        "H01.01.08",
        "S64.1.7",
        "平成元年１月８日",
        "4010108",
        "04010108",
        "19890108",
        "1989-01-08",
        "1989/1/8",
        "1989年1月8日",
        "3300300",
        "3300000",
    ])
    .expect(0);
    let v = json_lines(&r.stdout);
    let outs: Vec<&str> = v.iter().map(|x| x["output"].as_str().unwrap()).collect();
    assert_eq!(
        outs,
        [
            "1989-01-08",
            "1989-01-07",
            "1989-01-08",
            "1989-01-08",
            "1989-01-08",
            "1989-01-08",
            "1989-01-08",
            "1989-01-08",
            "1989-01-08",
            "1955-03",
            "1955"
        ]
    );
    let partial: Vec<bool> = v.iter().map(|x| x["partial"].as_bool().unwrap()).collect();
    assert_eq!(&partial[..9], &[false; 9]);
    assert_eq!(&partial[9..], &[true, true]);
    assert_eq!(
        v[6]["changes"],
        serde_json::json!([]),
        "ISO in, ISO out: no change"
    );
}

#[test]
fn impossible_dates_fail_with_reason_and_exit_1() {
    let r = ikou(&[
        "normalize",
        "--as",
        "date",
        "--json",
        "昭和64年1月8日",
        "平成31年5月1日",
        "令和元年4月30日",
        "平成2年2月30日",
        "H02.13.01",
        "明治5年12月2日",
        "1989-01-08",
    ])
    .expect(1);
    let v = json_lines(&r.stdout);
    let kinds: Vec<&str> = v
        .iter()
        .map(|x| x["findings"][0]["kind"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(
        kinds,
        [
            "date.after_era",
            "date.after_era",
            "date.before_era",
            "date.day_out_of_range",
            "date.month_out_of_range",
            "date.lunisolar",
            "-"
        ]
    );
    for x in &v[..6] {
        assert_eq!(x["ok"], false);
        assert!(x["output"].is_null());
        let err = x["error"].as_str().unwrap();
        // The reason never repeats the value.
        assert!(!err.contains(x["input"].as_str().unwrap()), "{err}");
    }
    assert_eq!(v[6]["ok"], true);
    assert!(v[6]["error"].is_null());
    // Human output: one line per value, errors in place.
    let r = ikou(&["normalize", "--as", "date", "平成31年5月1日", "H01.01.08"]).expect(1);
    assert_eq!(
        r.stdout,
        "error: date.after_era: after 平成 ended (2019-04-30)\n1989-01-08\t[date.to_iso]\n"
    );
}

#[test]
fn lenient_policy_re_eras_as_a_recorded_change() {
    let r = ikou(&[
        "normalize",
        "--as",
        "date",
        "--date-policy",
        "lenient",
        "--json",
        "平成31年5月1日",
    ])
    .expect(0);
    let v = json_lines(&r.stdout);
    assert_eq!(
        v[0]["changes"],
        serde_json::json!([
            {"rule": "date.re_era", "before": "平成31年5月1日", "after": "令和元年5月1日"},
            {"rule": "date.to_iso", "before": "令和元年5月1日", "after": "2019-05-01"}
        ])
    );
}

#[test]
fn date_output_form_and_input_form() {
    let r = ikou(&[
        "normalize",
        "--as",
        "date",
        "--date-output",
        "era_kanji",
        "1989-01-08",
    ])
    .expect(0);
    assert_eq!(r.stdout, "平成元年1月8日\t[date.to_wareki]\n");
    let r = ikou(&[
        "normalize",
        "--as",
        "date",
        "--date-form",
        "era_code1",
        "19890108",
    ])
    .expect(1);
    assert!(
        r.stdout.starts_with("error: date.unrecognised"),
        "{}",
        r.stdout
    );
}

#[test]
fn variants_policy() {
    let r = ikou(&[
        "normalize",
        "--as",
        "address",
        "--variants",
        "jis",
        "1-2～3",
    ])
    .expect(0);
    assert_eq!(r.stdout, "１−２〜３\t[width.fullwidth, variant.jis]\n");
    let r = ikou(&[
        "normalize",
        "--as",
        "address",
        "--variants",
        "cp932",
        "1〜3",
    ])
    .expect(0);
    assert_eq!(r.stdout, "１～３\t[width.fullwidth, variant.cp932]\n");
    let r = ikou(&["normalize", "--as", "address", "1〜3"]).expect(0);
    assert_eq!(r.stdout, "１〜３\t[width.fullwidth]\n");
}

#[test]
fn number_types_and_check_digits() {
    ikou(&["normalize", "--as", "individual_number", "123456789018"]).expect(0);
    let r = ikou(&[
        "normalize",
        "--as",
        "individual_number",
        "--json",
        "123456789012",
    ])
    .expect(1);
    let v = json_lines(&r.stdout);
    assert_eq!(v[0]["findings"][0]["kind"], "checkdigit.mismatch");
    ikou(&["normalize", "--as", "lg_code", "011011", "131016"]).expect(0);
    ikou(&["normalize", "--as", "lg_code", "131017"]).expect(1);
    let r = ikou(&["normalize", "--as", "postal_code", "〒１００－０００１"]).expect(0);
    assert_eq!(
        r.stdout,
        "1000001\t[digits.fullwidth_to_ascii, postal.strip]\n"
    );
    let r = ikou(&["normalize", "--as", "digits", "--zero-pad", "5", "１２"]).expect(0);
    assert_eq!(
        r.stdout,
        "00012\t[digits.fullwidth_to_ascii, digits.zero_pad]\n"
    );
    let r = ikou(&["normalize", "--as", "amount", "-1234", "▲５"]).expect(0);
    assert_eq!(
        r.stdout,
        "-1234\n-5\t[digits.fullwidth_to_ascii, amount.to_ascii]\n"
    );
}

#[test]
fn kanji_name_keeps_compatibility_ideographs_and_flags_gaiji() {
    let r = ikou(&[
        "normalize",
        "--as",
        "kanji_name",
        "--json",
        "\u{FA10}本  \u{795E}",
        "山\u{E000}",
    ])
    .expect(0);
    let v = json_lines(&r.stdout);
    assert_eq!(v[0]["output"], "\u{FA10}本　\u{795E}");
    assert_eq!(v[1]["output"], "山\u{E000}");
    assert_eq!(v[1]["findings"][0]["kind"], "gaiji.private_use");
}

#[test]
fn usage_errors_exit_2() {
    let r = ikou(&["normalize", "--as", "nonsense", "x"]).expect(2);
    assert!(
        r.stderr.contains("unknown domain type `nonsense`"),
        "{}",
        r.stderr
    );
    ikou(&["normalize", "x"]).expect(2);
    ikou(&["normalize", "--as", "date", "--date-policy", "sloppy", "x"]).expect(2);
    let r = ikou_in(&root(), &["normalize", "--as", "text"], Some(b"ok\n\xff\n")).expect(2);
    assert!(r.stderr.contains("line 2 is not UTF-8"), "{}", r.stderr);
}

#[test]
fn help_has_examples() {
    let r = ikou(&["normalize", "--help"]).expect(0);
    assert!(r.stdout.contains("ikou normalize --as kana"));
    assert!(r.stdout.contains("--date-policy"));
    assert!(r.stdout.contains("Exit codes"));
}
