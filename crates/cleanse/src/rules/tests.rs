//! Table-driven tests of every domain type and rule, and property tests.

use super::*;
use proptest::prelude::*;
use DomainType as D;

/// (domain, input, expected output or `Err(kind)`, rule ids in order)
type Case = (
    DomainType,
    &'static str,
    Result<&'static str, &'static str>,
    &'static [&'static str],
);

fn check(cases: &[Case], opts: &RuleOptions) {
    for (domain, input, want, rules) in cases {
        let c = cleanse(*domain, input, opts);
        let got_rules: Vec<&str> = c.edits.iter().map(|e| e.rule.as_str()).collect();
        match want {
            Ok(out) => {
                assert_eq!(
                    c.output(),
                    Some(*out),
                    "{domain} {input:?}: {:?}",
                    c.findings
                )
            }
            Err(kind) => {
                assert_eq!(c.output(), None, "{domain} {input:?}");
                let kinds: Vec<&str> = c.errors().map(|f| f.kind.as_str()).collect();
                assert_eq!(kinds, [*kind], "{domain} {input:?}");
            }
        }
        assert_eq!(got_rules, *rules, "{domain} {input:?}");
        // Edits chain: each before is the previous after, the last after is the value.
        let mut cur = input.to_string();
        for e in &c.edits {
            assert_eq!(e.before, cur, "{domain} {input:?}");
            assert_ne!(e.before, e.after);
            cur = e.after.clone();
        }
        assert_eq!(cur, *c.value);
        if c.edits.is_empty() {
            assert!(
                matches!(c.value, Cow::Borrowed(_)),
                "{domain} {input:?} allocated"
            );
        }
    }
}

#[test]
fn text_types() {
    let cases: &[Case] = &[
        (
            D::Text,
            "  自由記述  ",
            Ok("自由記述"),
            &["padding.trailing", "space.trim"],
        ),
        (D::Text, "ﾒﾓ 1", Ok("ﾒﾓ 1"), &[]),
        (D::Text, "", Ok(""), &[]),
        (
            D::Fullwidth,
            "ﾎｯｶｲﾄﾞｳ",
            Ok("ホッカイドウ"),
            &["width.fullwidth"],
        ),
        (
            D::Fullwidth,
            "ABC 1-2",
            Ok("ＡＢＣ　１－２"),
            &["width.fullwidth"],
        ),
        (
            D::Fullwidth,
            "ＡＢＣ　　",
            Ok("ＡＢＣ"),
            &["padding.trailing"],
        ),
        (D::Fullwidth, "ひらがな", Ok("ひらがな"), &[]),
        (
            D::Kana,
            "ﾔﾏﾀﾞ ﾀﾛｳ",
            Ok("ヤマダ　タロウ"),
            &["width.fullwidth"],
        ),
        (
            D::Kana,
            "やまだ　たろう",
            Ok("ヤマダ　タロウ"),
            &["kana.hiragana_to_katakana"],
        ),
        (
            D::Kana,
            "ﾔﾏﾀﾞ  ﾀﾛｳ      ",
            Ok("ヤマダ　タロウ"),
            &["padding.trailing", "width.fullwidth", "space.fold"],
        ),
        (
            D::Kana,
            " ｶﾞｯｺｳ",
            Ok("ガッコウ"),
            &["width.fullwidth", "space.trim"],
        ),
        (
            D::Kana,
            "ヴァン　デル　ﾍﾞﾙｸﾞ",
            Ok("ヴァン　デル　ベルグ"),
            &["width.fullwidth"],
        ),
        (D::Kana, "スミス　ジョン", Ok("スミス　ジョン"), &[]),
        (
            D::Kana,
            "ヤマダ1",
            Err("char.not_kana"),
            &["width.fullwidth"],
        ),
        (
            D::Kana,
            "ﾔﾏﾀﾞ(ｷｭｳｾｲ)",
            Err("char.not_kana"),
            &["width.fullwidth"],
        ),
        (D::Kana, "山田", Err("char.not_kana"), &[]),
        (D::Kana, "スミス・ジョン", Err("char.not_kana"), &[]),
        (
            D::KanjiName,
            "山田  太郎",
            Ok("山田　太郎"),
            &["width.fullwidth", "space.fold"],
        ),
        (
            D::KanjiName,
            "山田　　太郎",
            Ok("山田　太郎"),
            &["space.fold"],
        ),
        (
            D::KanjiName,
            "山田 ﾀﾛｳ",
            Ok("山田　タロウ"),
            &["width.fullwidth"],
        ),
        (
            D::KanjiName,
            "　髙橋　﨑子　　　",
            Ok("髙橋　﨑子"),
            &["padding.trailing", "space.trim"],
        ),
        (D::KanjiName, "塚本\u{FA10}", Ok("塚本\u{FA10}"), &[]),
        (D::KanjiName, "葛\u{E0100}城", Ok("葛\u{E0100}城"), &[]),
        (
            D::KanjiName,
            "SMITH JOHN",
            Ok("ＳＭＩＴＨ　ＪＯＨＮ"),
            &["width.fullwidth"],
        ),
        (
            D::Address,
            "東京都千代田区1-1",
            Ok("東京都千代田区１－１"),
            &["width.fullwidth"],
        ),
        (
            D::Address,
            "東京都千代田区一丁目",
            Ok("東京都千代田区一丁目"),
            &[],
        ),
        (
            D::Address,
            " 大阪市  北区 ",
            Ok("大阪市　　北区"),
            &["padding.trailing", "width.fullwidth", "space.trim"],
        ),
    ];
    check(cases, &RuleOptions::default());
}

#[test]
fn gaiji_is_kept_and_flagged() {
    let c = cleanse(D::KanjiName, "山\u{E000}太郎", &RuleOptions::default());
    assert!(c.is_ok());
    assert_eq!(c.output(), Some("山\u{E000}太郎"));
    assert_eq!(c.findings.len(), 1);
    assert_eq!(c.findings[0].kind, FindingKind::GaijiPrivateUse);
    assert!(c.findings[0].message.contains("character 2"));
    assert!(!c.findings[0].message.contains('山'));
}

#[test]
fn variants_follow_the_policy() {
    let cp932 = RuleOptions {
        variant_policy: VariantPolicy::Cp932,
        ..RuleOptions::default()
    };
    let jis = RuleOptions {
        variant_policy: VariantPolicy::Jis,
        ..RuleOptions::default()
    };
    check(
        &[
            (
                D::Address,
                "1〜3番地",
                Ok("１～３番地"),
                &["width.fullwidth", "variant.cp932"],
            ),
            (D::Address, "１～３番地", Ok("１～３番地"), &[]),
            (
                D::Address,
                "A−B‖C—D",
                Ok("Ａ－Ｂ∥Ｃ―Ｄ"),
                &["width.fullwidth", "variant.cp932"],
            ),
            (D::Text, "¢£¬", Ok("￠￡￢"), &["variant.cp932"]),
            (D::KanjiName, "山田〜", Ok("山田～"), &["variant.cp932"]),
        ],
        &cp932,
    );
    check(
        &[
            (
                D::Address,
                "1~3番地",
                Ok("１〜３番地"),
                &["width.fullwidth", "variant.jis"],
            ),
            (
                D::Address,
                "1-3",
                Ok("１−３"),
                &["width.fullwidth", "variant.jis"],
            ),
            (D::Address, "１〜３番地", Ok("１〜３番地"), &[]),
            (
                D::Fullwidth,
                "ｱ-ｲ",
                Ok("ア−イ"),
                &["width.fullwidth", "variant.jis"],
            ),
            (D::Text, "￠￡￢∥―", Ok("¢£¬‖—"), &["variant.jis"]),
        ],
        &jis,
    );
    check(
        &[(D::Address, "１〜３", Ok("１〜３"), &[])],
        &RuleOptions::default(),
    );
}

#[test]
fn number_types() {
    let cases: &[Case] = &[
        (D::Digits, "0012345678", Ok("0012345678"), &[]),
        (
            D::Digits,
            "１２３",
            Ok("123"),
            &["digits.fullwidth_to_ascii"],
        ),
        (
            D::Digits,
            " 123  ",
            Ok("123"),
            &["padding.trailing", "space.trim"],
        ),
        (D::Digits, "12-3", Err("char.not_digit"), &[]),
        (D::Digits, "", Ok(""), &[]),
        (D::Code, "1", Ok("1"), &[]),
        (D::Code, "Ａ１", Ok("A1"), &["code.fullwidth_to_ascii"]),
        (D::Code, "1 ", Ok("1"), &["padding.trailing"]),
        (D::Code, "1-", Err("char.not_code"), &[]),
        (D::Amount, "-1234", Ok("-1234"), &[]),
        (
            D::Amount,
            "▲１２３４",
            Ok("-1234"),
            &["digits.fullwidth_to_ascii", "amount.to_ascii"],
        ),
        (
            D::Amount,
            "＋１２．５",
            Ok("+12.5"),
            &["digits.fullwidth_to_ascii", "amount.to_ascii"],
        ),
        // #14: thousands separators are a recorded change; badly grouped commas are not.
        (D::Amount, "1,234", Ok("1234"), &["amount.thousands"]),
        (D::Amount, "12,34", Err("amount.invalid"), &[]),
        (D::PostalCode, "1000001", Ok("1000001"), &[]),
        (
            D::PostalCode,
            "〒100-0001",
            Ok("1000001"),
            &["postal.strip"],
        ),
        (
            D::PostalCode,
            "〒１００－０００１",
            Ok("1000001"),
            &["digits.fullwidth_to_ascii", "postal.strip"],
        ),
        (
            D::PostalCode,
            "100-001",
            Err("digits.length"),
            &["postal.strip"],
        ),
        (
            D::PostalCode,
            "100-OO01",
            Err("char.not_digit"),
            &["postal.strip"],
        ),
        (D::Phone, "03-1234-5678", Ok("03-1234-5678"), &[]),
        (
            D::Phone,
            "０３（１２３４）５６７８",
            Ok("03-1234-5678"),
            &["digits.fullwidth_to_ascii", "phone.separator"],
        ),
        (
            D::Phone,
            "03 1234 5678",
            Ok("03-1234-5678"),
            &["phone.separator"],
        ),
        (D::Phone, "+81-3-1234", Err("phone.invalid"), &[]),
        (D::Phone, "内線", Err("phone.invalid"), &[]),
        (D::IndividualNumber, "123456789018", Ok("123456789018"), &[]),
        (
            D::IndividualNumber,
            "１２３４５６７８９０１８",
            Ok("123456789018"),
            &["digits.fullwidth_to_ascii"],
        ),
        (
            D::IndividualNumber,
            "123456789012",
            Err("checkdigit.mismatch"),
            &[],
        ),
        (
            D::IndividualNumber,
            "12345678901",
            Err("digits.length"),
            &[],
        ),
        (
            D::IndividualNumber,
            "1234 5678 9018",
            Err("char.not_digit"),
            &[],
        ),
        (D::IndividualNumber, "", Ok(""), &[]),
        (D::ResidentCode, "12345678901", Ok("12345678901"), &[]),
        (D::ResidentCode, "1234567890", Err("digits.length"), &[]),
        (D::LgCode, "131016", Ok("131016"), &[]),
        (D::LgCode, "011011", Ok("011011"), &[]),
        (D::LgCode, "131017", Err("checkdigit.mismatch"), &[]),
        (D::LgCode, "13101", Err("digits.length"), &[]),
        (D::RecordType, " 1 ", Ok(" 1 "), &[]),
        (D::Filler, "　 \u{0}xyz", Ok("　 \u{0}xyz"), &[]),
    ];
    check(cases, &RuleOptions::default());
}

#[test]
fn zero_padding_and_padding_options() {
    let pad = RuleOptions {
        zero_pad_to: Some(5),
        ..RuleOptions::default()
    };
    check(
        &[
            (D::Digits, "123", Ok("00123"), &["digits.zero_pad"]),
            (
                D::Digits,
                "１２ ",
                Ok("00012"),
                &[
                    "padding.trailing",
                    "digits.fullwidth_to_ascii",
                    "digits.zero_pad",
                ],
            ),
            (D::Digits, "123456", Ok("123456"), &[]),
            (D::Digits, "", Ok(""), &[]),
            (D::Digits, "1a", Err("char.not_digit"), &[]),
            (D::Code, "7", Ok("00007"), &["digits.zero_pad"]),
            (D::Code, "A", Ok("A"), &[]),
        ],
        &pad,
    );
    let keep_padding = RuleOptions {
        strip_padding: false,
        ..RuleOptions::default()
    };
    check(
        &[
            (D::Text, "メモ  ", Ok("メモ"), &["space.trim"]),
            (D::Fullwidth, "ＡＢ　", Ok("ＡＢ　"), &[]),
        ],
        &keep_padding,
    );
}

#[test]
fn for_item_reads_the_layout() {
    let catalog = ikou_layout_spec::Catalog::bundled().unwrap();
    let layout = catalog.layout("legacy/sample-juki").unwrap();
    let birth = layout.item("birth_date").unwrap();
    let o = RuleOptions::default().for_item(birth);
    assert_eq!(o.date_form, DateForm::EraCode1);
    assert!(o.strip_padding);
    let atena = layout.item("atena_no").unwrap();
    let o = RuleOptions::default().for_item(atena);
    assert!(!o.strip_padding);
}

#[test]
fn dates() {
    let cases: &[Case] = &[
        (D::Date, "1989-01-08", Ok("1989-01-08"), &[]),
        (D::Date, "H01.01.08", Ok("1989-01-08"), &["date.to_iso"]),
        (D::Date, "S64.1.7", Ok("1989-01-07"), &["date.to_iso"]),
        (
            D::Date,
            "平成元年１月８日",
            Ok("1989-01-08"),
            &["date.to_iso"],
        ),
        (D::Date, "4010108", Ok("1989-01-08"), &["date.to_iso"]),
        (D::Date, "04010108", Ok("1989-01-08"), &["date.to_iso"]),
        (D::Date, "19890108", Ok("1989-01-08"), &["date.to_iso"]),
        (D::Date, "1989/1/8", Ok("1989-01-08"), &["date.to_iso"]),
        (D::Date, "1989年1月8日", Ok("1989-01-08"), &["date.to_iso"]),
        (D::Date, "3300300", Ok("1955-03"), &["date.to_iso"]),
        (D::Date, "3300000", Ok("1955"), &["date.to_iso"]),
        (D::Date, "1955-03", Ok("1955-03"), &[]),
        (D::Date, "0000000", Ok(""), &["date.blank_zero"]),
        (
            D::Date,
            "00000000   ",
            Ok(""),
            &["padding.trailing", "date.blank_zero"],
        ),
        (D::Date, "", Ok(""), &[]),
        (D::Date, "       ", Ok(""), &["padding.trailing"]),
        (D::Date, "昭和64年1月8日", Err("date.after_era"), &[]),
        (D::Date, "平成31年5月1日", Err("date.after_era"), &[]),
        (D::Date, "令和元年4月30日", Err("date.before_era"), &[]),
        (D::Date, "平成元年1月7日", Err("date.before_era"), &[]),
        (D::Date, "平成2年2月30日", Err("date.day_out_of_range"), &[]),
        (D::Date, "H02.13.01", Err("date.month_out_of_range"), &[]),
        (D::Date, "明治5年12月2日", Err("date.lunisolar"), &[]),
        (D::Date, "1989-02-30", Err("date.day_out_of_range"), &[]),
        (D::Date, "きのう", Err("date.unrecognised"), &[]),
    ];
    check(cases, &RuleOptions::default());
    let c = cleanse(D::Date, "3300300", &RuleOptions::default());
    assert!(c.is_partial());
    assert_eq!(c.precision, Some(Precision::Month));
    assert_eq!(c.findings[0].kind, FindingKind::DatePartial);
    let c = cleanse(D::Date, "4010108", &RuleOptions::default());
    assert!(!c.is_partial() && c.findings.is_empty());
    // The reason names the era and its boundary, never the value.
    let c = cleanse(D::Date, "平成31年5月1日", &RuleOptions::default());
    assert_eq!(c.findings[0].message, "after 平成 ended (2019-04-30)");
    let c = cleanse(D::Date, "令和元年4月30日", &RuleOptions::default());
    assert_eq!(
        c.findings[0].message,
        "before 令和 began (令和元年 starts 2019-05-01)"
    );
}

#[test]
fn dates_lenient_and_output_forms() {
    let lenient = RuleOptions {
        date_policy: DatePolicy::Lenient,
        ..RuleOptions::default()
    };
    check(
        &[
            (
                D::Date,
                "平成31年5月1日",
                Ok("2019-05-01"),
                &["date.re_era", "date.to_iso"],
            ),
            (
                D::Date,
                "平成31年5月",
                Ok("2019-05"),
                &["date.re_era", "date.to_iso"],
            ),
            (
                D::Date,
                "4310501",
                Ok("2019-05-01"),
                &["date.re_era", "date.to_iso"],
            ),
            (D::Date, "令和元年4月30日", Err("date.before_era"), &[]),
        ],
        &lenient,
    );
    let c = cleanse(D::Date, "平成31年5月1日", &lenient);
    assert_eq!(c.edits[0].after, "令和元年5月1日");
    let c = cleanse(D::Date, "4310501", &lenient);
    assert_eq!(c.edits[0].after, "5010501");

    let to = |f| RuleOptions {
        date_output: f,
        ..RuleOptions::default()
    };
    check(
        &[
            (
                D::Date,
                "1989-01-08",
                Ok("平成元年1月8日"),
                &["date.to_wareki"],
            ),
            (D::Date, "平成元年1月8日", Ok("平成元年1月8日"), &[]),
            (
                D::Date,
                "H01.01.08",
                Ok("平成元年1月8日"),
                &["date.to_wareki"],
            ),
            (D::Date, "1872-12-31", Err("date.lunisolar"), &[]),
            (D::Date, "1989", Err("date.no_era"), &[]),
        ],
        &to(DateForm::EraKanji),
    );
    check(
        &[(D::Date, "1989-01-08", Ok("4010108"), &["date.to_wareki"])],
        &to(DateForm::EraCode1),
    );
    check(
        &[(D::Date, "S30.03.00", Ok("19550300"), &["date.to_yyyymmdd"])],
        &to(DateForm::Yyyymmdd),
    );
    // The item's input form is enforced.
    let era1 = RuleOptions {
        date_form: DateForm::EraCode1,
        ..RuleOptions::default()
    };
    check(
        &[
            (D::Date, "4010108", Ok("1989-01-08"), &["date.to_iso"]),
            (D::Date, "19890108", Err("date.unrecognised"), &[]),
            (D::Date, "1989-01-08", Err("date.unrecognised"), &[]),
        ],
        &era1,
    );
}

#[test]
fn every_domain_type_is_handled() {
    for d in DomainType::ALL {
        let c = cleanse(d, "", &RuleOptions::default());
        assert!(c.is_ok(), "{d}: empty is valid");
        let c = cleanse(d, "ｱ\u{E000}1 ", &RuleOptions::default());
        let _ = c.output();
    }
}

#[test]
fn apply_rule_matches_every_rule() {
    let o = RuleOptions {
        zero_pad_to: Some(4),
        date_output: DateForm::EraLetter,
        ..RuleOptions::default()
    };
    let cases = [
        (RuleId::PaddingTrailing, "a  ", Some("a")),
        (RuleId::SpaceTrim, " a ", Some("a")),
        (RuleId::SpaceFold, "a  b", Some("a　b")),
        (RuleId::WidthFullwidth, "ｶﾞ", Some("ガ")),
        (RuleId::KanaHiraganaToKatakana, "が", Some("ガ")),
        (RuleId::KanaVoicedMark, "ウ゛", Some("ヴ")),
        (RuleId::DigitsFullwidthToAscii, "１", Some("1")),
        (RuleId::DigitsZeroPad, "1", Some("0001")),
        (RuleId::CodeFullwidthToAscii, "Ａ", Some("A")),
        (RuleId::AmountToAscii, "▲1", Some("-1")),
        (RuleId::AmountThousands, "-1,234", Some("-1234")),
        (RuleId::PostalStrip, "〒100-0001", Some("1000001")),
        (RuleId::PhoneSeparator, "03 1234", Some("03-1234")),
        (RuleId::VariantCp932, "〜", Some("～")),
        (RuleId::VariantJis, "～", Some("〜")),
        (RuleId::DateBlankZero, "0000000", Some("")),
        (RuleId::DateReEra, "平成31年5月1日", Some("令和元年5月1日")),
        (RuleId::DateToIso, "H01.01.08", Some("1989-01-08")),
        (RuleId::DateToYyyymmdd, "H01.01.08", Some("19890108")),
        (RuleId::DateToWareki, "1989-01-08", Some("H01.01.08")),
        // Decoding rules: nothing to do on text.
        (RuleId::HostApproximate, "\u{1B02A}", None),
        (RuleId::HostOneWay, "\u{3000}", None),
    ];
    assert_eq!(cases.len(), RuleId::ALL.len());
    for (rule, input, want) in cases {
        assert_eq!(apply_rule(rule, input, &o).as_deref(), want, "{rule}");
        if let Some(out) = want {
            assert_eq!(apply_rule(rule, out, &o), None, "{rule} is idempotent");
        }
    }
}

// ---- property tests ----

fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        proptest::char::range(' ', '~'),
        proptest::char::range('\u{FF61}', '\u{FF9F}'),
        proptest::char::range('\u{FF01}', '\u{FF5E}'),
        proptest::char::range('\u{3041}', '\u{30FF}'),
        proptest::char::range('\u{4E00}', '\u{4E40}'),
        proptest::char::range('\u{F900}', '\u{FAFF}'),
        Just('\u{3000}'),
        Just('\u{FE00}'),
        Just('\u{E0100}'),
        Just('\u{E000}'),
        Just('〜'),
        Just('‖'),
        Just('−'),
        Just('—'),
        Just('¢'),
        Just('▲'),
        Just('〒'),
        Just('元'),
        Just('年'),
        Just('月'),
        Just('日'),
        Just('平'),
        Just('成'),
        proptest::char::range('\u{FFE0}', '\u{FFEE}'),
        any::<char>(),
    ]
}

fn value() -> impl Strategy<Value = String> {
    proptest::collection::vec(interesting_char(), 0..24).prop_map(|v| v.into_iter().collect())
}

fn date_like() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u8..=5, 0u8..=99, 0u8..=13, 0u8..=32)
            .prop_map(|(g, y, m, d)| format!("{g}{y:02}{m:02}{d:02}")),
        (
            prop::sample::select(vec!["M", "T", "S", "H", "R"]),
            0u8..=99,
            0u8..=13,
            0u8..=32
        )
            .prop_map(|(e, y, m, d)| format!("{e}{y}.{m}.{d}")),
        (
            prop::sample::select(vec!["明治", "大正", "昭和", "平成", "令和"]),
            0u8..=70,
            0u8..=13,
            0u8..=32
        )
            .prop_map(|(e, y, m, d)| format!("{e}{y}年{m}月{d}日")),
        (1850u16..=2100, 0u8..=13, 0u8..=32).prop_map(|(y, m, d)| format!("{y:04}{m:02}{d:02}")),
        (1850u16..=2100, 1u8..=13, 1u8..=32).prop_map(|(y, m, d)| format!("{y}/{m}/{d}")),
    ]
}

fn options() -> impl Strategy<Value = RuleOptions> {
    (
        prop::sample::select(vec![
            VariantPolicy::Keep,
            VariantPolicy::Cp932,
            VariantPolicy::Jis,
        ]),
        prop::sample::select(vec![DatePolicy::Strict, DatePolicy::Lenient]),
        prop::sample::select(vec![
            DateForm::Iso,
            DateForm::Yyyymmdd,
            DateForm::EraCode1,
            DateForm::EraCode2,
            DateForm::EraLetter,
            DateForm::EraKanji,
        ]),
        prop::option::of(1usize..14),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(v, p, out, pad, strip, sep)| RuleOptions {
            date_form: DateForm::Auto,
            date_output: out,
            date_policy: p,
            variant_policy: v,
            zero_pad_to: pad,
            strip_padding: strip,
            edit_text: true,
            kana_separators: sep,
        })
}

fn ideographs(s: &str) -> Vec<char> {
    s.chars()
        .filter(|&c| text::is_ideograph_or_ivs(c))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Every rule on its own is idempotent, and no rule panics.
    #[test]
    fn every_rule_is_idempotent(s in value(), o in options()) {
        for rule in RuleId::ALL {
            if let Some(once) = apply_rule(rule, &s, &o) {
                prop_assert_ne!(&once, &s);
                let twice = apply_rule(rule, &once, &o);
                prop_assert!(twice.is_none(), "{} not idempotent: {:?} → {:?} → {:?}", rule, s, once, twice);
            }
        }
    }

    /// Every domain type is idempotent on its own output, and never panics.
    #[test]
    fn every_domain_is_idempotent(s in value(), o in options()) {
        for d in DomainType::ALL {
            let c = cleanse(d, &s, &o);
            if let Some(out) = c.output() {
                let again = cleanse(d, out, &o);
                prop_assert!(again.edits.is_empty(), "{} {:?} → {:?} → {:?}", d, s, out, again.edits);
                prop_assert_eq!(again.output(), Some(out));
            }
        }
    }

    /// Without edit texts, cleansing gives the same value, findings and rules, in order;
    /// only the texts are empty.
    #[test]
    fn edits_without_text_are_the_same_edits(s in value(), o in options()) {
        let bare = RuleOptions { edit_text: false, ..o };
        for d in DomainType::ALL {
            let full = cleanse(d, &s, &o);
            let lean = cleanse(d, &s, &bare);
            prop_assert_eq!(&full.value, &lean.value);
            prop_assert_eq!(&full.findings, &lean.findings);
            prop_assert_eq!(full.precision, lean.precision);
            let rules = |c: &Cleansed| c.edits.iter().map(|e| e.rule).collect::<Vec<_>>();
            prop_assert_eq!(rules(&full), rules(&lean));
            prop_assert!(lean.edits.iter().all(|e| e.before.is_empty() && e.after.is_empty()));
        }
    }

    #[test]
    fn dates_are_idempotent_and_never_panic(s in date_like(), o in options()) {
        let c = cleanse(DomainType::Date, &s, &o);
        if let Some(out) = c.output() {
            let again = cleanse(DomainType::Date, out, &o);
            prop_assert!(again.edits.is_empty(), "{:?} → {:?} → {:?}", s, out, again.edits);
            prop_assert_eq!(again.output(), Some(out));
            prop_assert_eq!(again.precision, c.precision);
        }
        // Messages never contain the value.
        for f in &c.findings {
            prop_assert!(s.chars().count() < 4 || !f.message.contains(s.as_str()));
        }
    }

    /// `kanji_name` never changes, adds, drops or reorders an ideograph or a variation
    /// selector (CJK unified, extensions, compatibility ideographs, IVS).
    #[test]
    fn kanji_name_never_changes_an_ideograph(s in value(), o in options()) {
        let c = cleanse(DomainType::KanjiName, &s, &o);
        prop_assert_eq!(ideographs(&c.value), ideographs(&s));
        // Base + selector pairs stay together.
        let v: Vec<char> = s.chars().collect();
        for w in v.windows(2) {
            if matches!(w[1] as u32, 0xFE00..=0xFE0F | 0xE0100..=0xE01EF) && text::is_ideograph_or_ivs(w[0]) {
                let pair: String = w.iter().collect();
                prop_assert!(c.value.contains(&pair));
            }
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>(), o in options()) {
        for d in DomainType::ALL {
            let _ = cleanse(d, &s, &o);
        }
        for rule in RuleId::ALL {
            let _ = apply_rule(rule, &s, &o);
        }
        let _ = wareki::parse(&s, DateForm::Auto, DatePolicy::Lenient);
    }
}

// ---- differential tests: the byte-level rules against the char-by-char reference ----

/// Characters at the edges of the byte classes the fast paths read: ASCII controls and
/// symbols, 2-byte (C2) variants, the E2 dashes, U+3000 and its neighbours, hiragana and
/// katakana block ends, half-width kana with ﾞﾟ, full-width forms, PUA boundaries (BMP and
/// planes 15–16), 4-byte characters.
fn edge_char() -> impl Strategy<Value = char> {
    prop::sample::select(vec![
        ' ',
        '0',
        '1',
        '7',
        '9',
        'a',
        'Z',
        'H',
        'R',
        '-',
        '.',
        '/',
        '(',
        ')',
        '+',
        ',',
        '~',
        '!',
        '\t',
        '\u{0}',
        '\u{1F}',
        '\u{7F}',
        '\u{80}',
        '\u{A0}',
        '¢',
        '£',
        '¬',
        '\u{A1}',
        '\u{FF}',
        '‐',
        '‑',
        '‒',
        '–',
        '—',
        '―',
        '‖',
        '−',
        '∥',
        '─',
        '▲',
        '△',
        '\u{2000}',
        '\u{2FFF}',
        '\u{3000}',
        '\u{3001}',
        '〒',
        '〜',
        '\u{3040}',
        'ぁ',
        'か',
        'ゖ',
        '\u{3097}',
        '\u{3098}',
        '\u{3099}',
        '゛',
        'ゝ',
        'ゞ',
        'ゟ',
        '゠',
        'ァ',
        'カ',
        'ハ',
        'ヺ',
        '・',
        'ー',
        'ヾ',
        'ヿ',
        '\u{31EF}',
        'ㇰ',
        'ㇿ',
        '\u{3200}',
        '々',
        '〇',
        '山',
        '田',
        '元',
        '年',
        '月',
        '日',
        '平',
        '成',
        '昭',
        '和',
        '令',
        '\u{E000}',
        '\u{E0FF}',
        '\u{F8FF}',
        '豈',
        '\u{FAFF}',
        '\u{FE00}',
        '\u{FE0F}',
        '！',
        '＋',
        '，',
        '－',
        '．',
        '／',
        '０',
        '９',
        'Ａ',
        'Ｚ',
        'ａ',
        'ｚ',
        '～',
        '\u{FF60}',
        '｡',
        'ｦ',
        'ｱ',
        'ｳ',
        'ｶ',
        'ﾊ',
        'ﾜ',
        'ﾝ',
        'ﾞ',
        'ﾟ',
        '\u{FFA0}',
        '￠',
        '￡',
        '￢',
        '\u{FFE7}',
        '￨',
        '￮',
        '\u{FFEF}',
        '\u{FFFD}',
        '\u{FFFF}',
        '\u{20000}',
        '\u{E0100}',
        '\u{F0000}',
        '\u{FFFFD}',
        '\u{FFFFE}',
        '\u{FFFFF}',
        '\u{100000}',
        '\u{10FFFD}',
        '\u{10FFFF}',
    ])
}

/// Values biased to the characters the fast paths decide on, often with leading and
/// trailing runs of spaces (fixed-length padding).
fn edge_value() -> impl Strategy<Value = String> {
    let core = proptest::collection::vec(
        prop_oneof![4 => edge_char(), 2 => interesting_char(), 1 => Just(' '), 1 => Just('\u{3000}')],
        0..16,
    );
    let pad = || proptest::collection::vec(prop::sample::select(vec![' ', '\u{3000}']), 0..4);
    (pad(), core, pad()).prop_map(|(a, c, b)| a.into_iter().chain(c).chain(b).collect())
}

/// Options as [`options`], with every date form in.
fn options_any_form() -> impl Strategy<Value = RuleOptions> {
    (
        options(),
        prop::sample::select(vec![
            DateForm::Auto,
            DateForm::Iso,
            DateForm::Yyyymmdd,
            DateForm::EraCode1,
            DateForm::EraCode2,
            DateForm::EraLetter,
            DateForm::EraKanji,
        ]),
    )
        .prop_map(|(o, date_form)| RuleOptions { date_form, ..o })
}

/// Digit strings of every length around the item lengths, some padded or full-width.
fn digit_value() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(
            prop::sample::select(vec!['0', '1', '4', '9', '０', '９']),
            0..14,
        ),
        proptest::collection::vec(prop::sample::select(vec![' ', '\u{3000}', 'a', '-']), 0..3),
        any::<bool>(),
    )
        .prop_map(|(d, pad, front)| {
            let d: String = d.into_iter().collect();
            let p: String = pad.into_iter().collect();
            if front {
                p + &d
            } else {
                d + &p
            }
        })
}

/// Zeros and date separators, ASCII and full-width (the legacy "no date" and near misses).
fn zero_date_like() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop::sample::select(vec![
            '0', '０', '.', '/', '-', '．', '／', '－', '1', '１', ' ', '\u{3000}', '−', '～',
        ]),
        0..10,
    )
    .prop_map(|v| v.into_iter().collect())
}

/// Same value, same edits (rule, before, after) in the same order, same findings, same
/// precision, and borrowed exactly when the reference is; and `cleanse_unpadded` is the
/// same without the `padding.trailing` edit.
fn same_as_reference(d: DomainType, s: &str, o: &RuleOptions) -> Result<(), TestCaseError> {
    let got = cleanse(d, s, o);
    let want = reference::cleanse(d, s, o);
    let (unpadded, padded) = cleanse_unpadded(d, s, o);
    let mut want_unpadded = want.clone();
    want_unpadded
        .edits
        .retain(|e| e.rule != RuleId::PaddingTrailing);
    prop_assert_eq!(&unpadded, &want_unpadded, "{} {:?} {:?}", d, s, o);
    prop_assert_eq!(padded, want_unpadded.edits.len() != want.edits.len());
    if unpadded.edits.is_empty() {
        prop_assert!(matches!(unpadded.value, Cow::Borrowed(_)));
    }
    prop_assert_eq!(&got, &want, "{} {:?} {:?}", d, s, o);
    prop_assert_eq!(
        matches!(got.value, Cow::Borrowed(_)),
        matches!(want.value, Cow::Borrowed(_)),
        "{} {:?}",
        d,
        s
    );
    Ok(())
}

fn rules_same_as_reference(s: &str, o: &RuleOptions) -> Result<(), TestCaseError> {
    use reference::{numeric as rn, text as rt, variants as rv};
    prop_assert_eq!(text::strip_padding(s), rt::strip_padding(s), "{:?}", s);
    prop_assert_eq!(
        text::trim_padding(s),
        s.trim_end_matches(rt::is_space),
        "{:?}",
        s
    );
    prop_assert_eq!(text::trim(s), rt::trim(s), "{:?}", s);
    prop_assert_eq!(text::fold_spaces(s), rt::fold_spaces(s), "{:?}", s);
    prop_assert_eq!(text::fullwidth(s), rt::fullwidth(s), "{:?}", s);
    prop_assert_eq!(
        text::hiragana_to_katakana(s),
        rt::hiragana_to_katakana(s),
        "{:?}",
        s
    );
    // The scan says a rule can fire exactly when the reference rule changes the value.
    let sc = Scan::of(s);
    let want = Scan {
        fullwidth: rt::fullwidth(s).is_some(),
        hiragana: rt::hiragana_to_katakana(s).is_some(),
        voiced: s.chars().any(|c| matches!(c as u32, 0x3099..=0x309C)),
        fold: rt::fold_spaces(s).is_some(),
        jis_form: rv::unify(s, VariantPolicy::Cp932).is_some(),
        cp932_form: rv::unify(s, VariantPolicy::Jis).is_some(),
        private_use: s.chars().position(crate::mask::is_private_use),
        non_kana: s.chars().position(|c| !rt::is_kana_char(c)),
        control: s
            .chars()
            .position(|c| matches!(c as u32, 0x00..=0x1F | 0x7F..=0x9F)),
    };
    prop_assert_eq!(sc, want, "{:?}", s);
    prop_assert_eq!(text::control_position(s, false), want.control, "{:?}", s);
    prop_assert_eq!(
        text::control_position(s, true),
        s.chars()
            .position(|c| matches!(c as u32, 0x00..=0x1F | 0x7F..=0x9F)
                && !matches!(c, '\t' | '\n' | '\r')),
        "{:?}",
        s
    );
    prop_assert_eq!(
        numeric::fullwidth_digits(s),
        rn::fullwidth_digits(s),
        "{:?}",
        s
    );
    prop_assert_eq!(
        numeric::fullwidth_alnum_to_ascii(s),
        rn::fullwidth_alnum_to_ascii(s),
        "{:?}",
        s
    );
    prop_assert_eq!(text::voiced_marks(s), rt::voiced_marks(s), "{:?}", s);
    prop_assert_eq!(
        numeric::amount_thousands(s),
        rn::amount_thousands(s),
        "{:?}",
        s
    );
    prop_assert_eq!(
        numeric::amount_to_ascii(s),
        rn::amount_to_ascii(s),
        "{:?}",
        s
    );
    prop_assert_eq!(numeric::postal_strip(s), rn::postal_strip(s), "{:?}", s);
    prop_assert_eq!(
        numeric::phone_separator(s),
        rn::phone_separator(s),
        "{:?}",
        s
    );
    for p in [
        VariantPolicy::Keep,
        VariantPolicy::Cp932,
        VariantPolicy::Jis,
    ] {
        prop_assert_eq!(variants::unify(s, p), rv::unify(s, p), "{:?} {:?}", s, p);
    }
    prop_assert_eq!(is_zero_date(s), reference::is_zero_date(s), "{:?}", s);
    for rule in RuleId::ALL {
        prop_assert_eq!(
            apply_rule(rule, s, o),
            reference::apply_rule(rule, s, o),
            "{} {:?}",
            rule,
            s
        );
    }
    for form in [
        DateForm::Auto,
        DateForm::Iso,
        DateForm::Yyyymmdd,
        DateForm::EraCode1,
        DateForm::EraCode2,
        DateForm::EraLetter,
        DateForm::EraKanji,
    ] {
        for policy in [DatePolicy::Strict, DatePolicy::Lenient] {
            prop_assert_eq!(
                wareki::parse(s, form, policy),
                wareki::parse_reference(s, form, policy),
                "{:?} {:?}",
                s,
                form
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    /// Every rule (and the date parser) gives what the char-by-char reference gives.
    #[test]
    fn rules_equal_the_reference(s in edge_value(), o in options_any_form()) {
        rules_same_as_reference(&s, &o)?;
    }

    /// `cleanse` of every domain type gives what the reference gives: value, edits in
    /// order, findings, precision, and borrowing.
    #[test]
    fn cleanse_equals_the_reference(s in edge_value(), o in options_any_form()) {
        for d in DomainType::ALL {
            same_as_reference(d, &s, &o)?;
        }
    }

    #[test]
    fn cleanse_of_numbers_and_dates_equals_the_reference(
        s in prop_oneof![digit_value(), date_like(), zero_date_like()],
        o in options_any_form(),
    ) {
        rules_same_as_reference(&s, &o)?;
        for d in DomainType::ALL {
            same_as_reference(d, &s, &o)?;
        }
    }

    #[test]
    fn arbitrary_strings_equal_the_reference(s in any::<String>(), o in options_any_form()) {
        rules_same_as_reference(&s, &o)?;
        for d in DomainType::ALL {
            same_as_reference(d, &s, &o)?;
        }
    }
}

/// Every value of the bundled sample (1,000 records, every item) cleanses as the reference
/// does, with the options of the sample profile and with the defaults.
#[test]
fn the_sample_cleanses_as_the_reference() {
    use crate::decode::CharProfile;
    use crate::frame::{item_bytes, RecordReader};
    let layout = ikou_layout_spec::Catalog::bundled()
        .unwrap()
        .layout("legacy/sample-juki")
        .unwrap()
        .clone();
    let data = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/sample/juki-1000.dat"),
    )
    .unwrap();
    let chars = CharProfile::cp932();
    let profiles = [
        RuleOptions {
            variant_policy: VariantPolicy::Cp932,
            ..RuleOptions::default()
        },
        RuleOptions::default(),
    ];
    let mut n = 0;
    let mut changed = 0;
    for rec in RecordReader::new(&data[..], &layout)
        .unwrap()
        .into_records()
    {
        let rec = rec.unwrap();
        for item in &layout.items {
            let Some(b) = item_bytes(&rec.bytes, item) else {
                continue;
            };
            let mut v = String::new();
            chars.decode_item(b, &mut v, &mut Vec::new());
            for base in profiles {
                let o = base.for_item(item);
                let got = cleanse(item.domain, &v, &o);
                assert_eq!(
                    got,
                    reference::cleanse(item.domain, &v, &o),
                    "{} {v:?}",
                    item.key
                );
                changed += usize::from(!got.edits.is_empty());
                n += 1;
            }
        }
    }
    assert_eq!(n, 1000 * layout.items.len() * 2);
    assert!(changed > 1000, "{changed}");
}

/// The compatibility ideographs CP932's IBM extensions decode to pass through kanji_name.
#[test]
fn compatibility_ideographs_from_cp932_pass_through() {
    let mut compat = Vec::new();
    for lead in 0xFAu8..=0xFC {
        for trail in 0x40u8..=0xFC {
            if let Some(s) = encoding_rs::SHIFT_JIS
                .decode_without_bom_handling_and_without_replacement(&[lead, trail])
            {
                for c in s.chars() {
                    // U+FA0E, FA0F, FA11, FA13, FA14, FA1F, FA21, FA23, FA24, FA27–FA29 are
                    // unified ideographs in that block (no decomposition): NFC keeps them.
                    let unified = [
                        0xFA0E, 0xFA0F, 0xFA11, 0xFA13, 0xFA14, 0xFA1F, 0xFA21, 0xFA23, 0xFA24,
                        0xFA27, 0xFA28, 0xFA29,
                    ];
                    if (0xF900..=0xFAFF).contains(&(c as u32))
                        && !unified.contains(&(c as u32))
                        && !compat.contains(&c)
                    {
                        compat.push(c);
                    }
                }
            }
        }
    }
    assert_eq!(compat.len(), 22, "{compat:?}");
    assert!(compat.contains(&'\u{FA10}'));
    for c in ['\u{FA10}', '\u{FA19}', '\u{FA1B}', '\u{FA26}', '\u{F9DC}'] {
        assert!(compat.contains(&c), "{c}");
    }
    let name: String = compat.iter().collect();
    let c = cleanse(DomainType::KanjiName, &name, &RuleOptions::default());
    assert!(c.edits.is_empty());
    assert_eq!(&*c.value, name);
}

/// Throughput of the common paths (no timing assertion; run with
/// `cargo test --release -p ikou-cleanse --lib rules::tests::throughput -- --ignored --nocapture`).
#[test]
#[ignore]
fn throughput() {
    let o = RuleOptions::default();
    let cases: [(DomainType, &str); 7] = [
        (D::Kana, "ヤマダ　タロウ"),
        (D::Kana, "ﾔﾏﾀﾞ ﾀﾛｳ                       "),
        (D::KanjiName, "山田　太郎　　　　　　　　　　　　　　　"),
        (D::Digits, "0012345678"),
        (D::IndividualNumber, "123456789018"),
        (D::Date, "1989-01-08"),
        (D::Date, "4010108"),
    ];
    for (d, v) in cases {
        let n = 1_000_000;
        let t = std::time::Instant::now();
        let mut edits = 0;
        for _ in 0..n {
            let c = cleanse(d, std::hint::black_box(v), &o);
            edits += c.edits.len();
        }
        let el = t.elapsed();
        eprintln!(
            "{d:>18} {v:?}: {:.0} ns/value, {} edits/value",
            el.as_nanos() as f64 / n as f64,
            edits / n
        );
    }
}

/// #18 item 13: control characters inside names, addresses, カナ and every other text item
/// reject the record (`char.control`, or the type's own check for the number and date
/// types); nothing removes or replaces them.
#[test]
fn issue18_item13_control_characters_reject_per_domain_type() {
    let opts = RuleOptions::default();
    let controls = [
        '\0', '\u{1}', '\t', '\n', '\r', '\u{1A}', '\u{1B}', '\u{7F}', '\u{80}', '\u{9F}',
    ];
    let text_values: [(DomainType, &str); 5] = [
        (D::Text, "自由記述"),
        (D::Fullwidth, "全角"),
        (D::Kana, "ヤマダ"),
        (D::KanjiName, "山田　太郎"),
        (D::Address, "東京都千代田区"),
    ];
    for c in controls {
        for (d, base) in text_values {
            // Free text may hold TAB, LF and CR (a multi-line remark in a quoted CSV field).
            if d == D::Text && matches!(c, '\t' | '\n' | '\r') {
                let v = format!("{base}{c}{base}");
                let r = cleanse(d, &v, &opts);
                assert_eq!(r.output(), Some(v.as_str()), "{v:?}");
                same_as_reference(d, &v, &opts).unwrap();
                continue;
            }
            for v in [
                format!("{c}{base}"),
                format!("{base}{c}"),
                format!("山{c}{base}"),
                // Trailing NUL "padding" is not padding: no rule removes it.
                format!("{base}{c}{c}  "),
            ] {
                let r = cleanse(d, &v, &opts);
                assert_eq!(r.output(), None, "{d} {v:?}");
                let f = r
                    .findings
                    .iter()
                    .find(|f| f.kind == FindingKind::Control)
                    .unwrap_or_else(|| panic!("{d} {v:?}: {:?}", r.findings));
                assert!(
                    f.message
                        .contains(&format!("control character (U+{:04X})", c as u32)),
                    "{}",
                    f.message
                );
                assert!(!f.message.contains(base));
                // The value is never stripped of it.
                assert!(r.value.contains(c), "{d} {v:?}");
                same_as_reference(d, &v, &opts).unwrap();
            }
        }
        // The number, code and date types reject it with their own check.
        for (d, base) in [
            (D::Digits, "123"),
            (D::Code, "A1"),
            (D::Amount, "100"),
            (D::PostalCode, "1000001"),
            (D::Phone, "03-1234-5678"),
            (D::IndividualNumber, "123456789018"),
            (D::ResidentCode, "12345678901"),
            (D::LgCode, "131016"),
            (D::Date, "H01.01.08"),
        ] {
            for v in [format!("{c}{base}"), format!("{base}{c}")] {
                assert_eq!(cleanse(d, &v, &opts).output(), None, "{d} {v:?}");
            }
        }
    }
    // The position counts characters, not bytes.
    let r = cleanse(D::KanjiName, "山田\u{1B}太郎", &opts);
    assert!(
        r.findings[0].message.starts_with("character 3 "),
        "{:?}",
        r.findings
    );
    // Not control characters: U+00A0 and above, the ideographic space.
    for v in ["山田\u{A0}太郎", "ヤマダ　タロウ"] {
        let r = cleanse(D::KanjiName, v, &opts);
        assert!(
            !r.findings.iter().any(|f| f.kind == FindingKind::Control),
            "{v:?}"
        );
    }
}

/// #14 cleansing fidelity: voicing marks, ¥, thousands and ▲, kana separators, era signs
/// and kanji-numeral dates — each a recorded change (or a finding), never a guess.
#[test]
fn issue14_cleansing_fidelity() {
    let opts = RuleOptions::default();
    let cases: &[Case] = &[
        // Full-width voicing marks after kana: recorded changes, not rejects.
        (
            D::Kana,
            "ウ゛ィクトリア",
            Ok("ヴィクトリア"),
            &["kana.voiced_mark"],
        ),
        (D::Kana, "ホ゜ール", Ok("ポール"), &["kana.voiced_mark"]),
        (D::Kana, "カ゛ク゛", Ok("ガグ"), &["kana.voiced_mark"]),
        (D::Kana, "ワ\u{3099}", Ok("ヷ"), &["kana.voiced_mark"]),
        (
            D::Kana,
            "か゛き",
            Ok("ガキ"),
            &["kana.hiragana_to_katakana", "kana.voiced_mark"],
        ),
        (
            D::Kana,
            "ｶﾞｸ゛",
            Ok("ガグ"),
            &["width.fullwidth", "kana.voiced_mark"],
        ),
        // A mark that composes with nothing is kept, and is a finding.
        (D::Kana, "ア゛", Err("char.not_kana"), &[]),
        (D::Kana, "゛ア", Err("char.not_kana"), &[]),
        // ¥ in a full-width item.
        (
            D::Fullwidth,
            "¥1,000",
            Ok("￥１，０００"),
            &["width.fullwidth"],
        ),
        (D::Address, "¥", Ok("￥"), &["width.fullwidth"]),
        // Amounts: thousands separators and ▲.
        (
            D::Amount,
            "▲1,234",
            Ok("-1234"),
            &["amount.to_ascii", "amount.thousands"],
        ),
        (
            D::Amount,
            "１，２３４，５６７",
            Ok("1234567"),
            &[
                "digits.fullwidth_to_ascii",
                "amount.to_ascii",
                "amount.thousands",
            ],
        ),
        (D::Amount, "1,234.50", Ok("1234.50"), &["amount.thousands"]),
        (D::Amount, "1,2345", Err("amount.invalid"), &[]),
        (D::Amount, ",123", Err("amount.invalid"), &[]),
        (D::Amount, "1,234,56", Err("amount.invalid"), &[]),
        (D::Amount, "1234,567", Err("amount.invalid"), &[]),
        // ・ in a カナ item is a finding by default.
        (D::Kana, "スミス・ジョン", Err("char.not_kana"), &[]),
        // Dates: square era signs and kanji numerals.
        (D::Date, "㍻20年7月4日", Ok("2008-07-04"), &["date.to_iso"]),
        (D::Date, "㋿元年5月1日", Ok("2019-05-01"), &["date.to_iso"]),
        (
            D::Date,
            "平成二十年七月四日",
            Ok("2008-07-04"),
            &["date.to_iso"],
        ),
        (
            D::Date,
            "平成二〇年一二月二六日",
            Ok("2008-12-26"),
            &["date.to_iso"],
        ),
        (
            D::Date,
            "平成二十〇年七月四日",
            Err("date.unrecognised"),
            &[],
        ),
    ];
    check(cases, &opts);
    for (d, v, _, _) in cases {
        same_as_reference(*d, v, &opts).unwrap();
    }

    // The separators of foreign residents' names, with the option.
    let sep = RuleOptions {
        kana_separators: true,
        ..opts
    };
    let cases: &[Case] = &[
        (D::Kana, "スミス・ジョン", Ok("スミス・ジョン"), &[]),
        (
            D::Kana,
            "ｽﾐｽ･ｼﾞｮﾝ",
            Ok("スミス・ジョン"),
            &["width.fullwidth"],
        ),
        (D::Kana, "スミス＝ジョン", Ok("スミス＝ジョン"), &[]),
        (D::Kana, "スミス゠ジョン", Ok("スミス゠ジョン"), &[]),
        (
            D::Kana,
            "スミス・ジョン1",
            Err("char.not_kana"),
            &["width.fullwidth"],
        ),
        (D::Kana, "スミス、ジョン", Err("char.not_kana"), &[]),
    ];
    check(cases, &sep);
    for (d, v, _, _) in cases {
        same_as_reference(*d, v, &sep).unwrap();
    }
    let r = cleanse(D::Kana, "スミス・ジョン1", &sep);
    assert!(
        r.findings[0].message.starts_with("character 8 "),
        "{:?}",
        r.findings
    );
}

/// #15: trailing padding is stripped eight ASCII spaces or four U+3000 at a time, then
/// one character at a time: whatever the mix and the lengths of the runs, the result is
/// the value without every trailing U+0020 / U+3000, and nothing before them (a U+3000
/// whose bytes follow a character ending in 80 80, like 「耀」 E8 80 80, stays whole).
#[test]
fn issue15_trailing_padding_runs_strip_exactly_the_trailing_spaces() {
    let reference = |s: &str| s.trim_end_matches([' ', '\u{3000}']).len();
    for body in ["", "山田", "ｺｼﾞﾏ ﾀｶｴ", "耀", "a\u{3000}b", "x "] {
        for a in 0..14 {
            for f in 0..14 {
                for order in 0..2 {
                    let (first, second) = if order == 0 {
                        (" ".repeat(a), "\u{3000}".repeat(f))
                    } else {
                        ("\u{3000}".repeat(f), " ".repeat(a))
                    };
                    let s = format!("{body}{first}{second}");
                    let t = text::trim_padding(&s);
                    assert_eq!(t.len(), reference(&s), "{s:?}");
                    assert_eq!(
                        text::strip_padding(&s).is_some(),
                        t.len() != s.len(),
                        "{s:?}"
                    );
                    // Runs inside the value are kept.
                    let inner = format!("{s}末");
                    assert_eq!(text::trim_padding(&inner), inner, "{inner:?}");
                }
            }
        }
    }
}
