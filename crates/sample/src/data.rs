//! The embedded name and address lists (gimei, MIT — see `crates/sample/data/sample/`),
//! turned into CP932 bytes once when a [`super::Sampler`] starts.

use super::{GaijiEntry, SampleError};

const SURNAMES: &str = include_str!("../data/sample/surnames.tsv");
const GIVEN_MALE: &str = include_str!("../data/sample/given_male.tsv");
const GIVEN_FEMALE: &str = include_str!("../data/sample/given_female.tsv");
const TOWNS: &str = include_str!("../data/sample/towns.tsv");
const MUNICIPALITIES: &str = include_str!("../data/sample/municipalities.tsv");

/// The 外字 the generator writes (see [`super::GAIJI`]).
pub(crate) const GAIJI: [GaijiEntry; 16] = [
    g(
        0xF040,
        '吉',
        Some("𠮷"),
        "MJ032129",
        "つちよし（吉の異体字）",
    ),
    g(
        0xF041,
        '高',
        Some("髙"),
        "MJ028902",
        "はしごだか; CP932 also has it at FBFC but this system kept its 外字",
    ),
    g(
        0xF042,
        '崎',
        Some("\u{FA11}"),
        "",
        "たつさき U+FA11; CP932 also has it at FAB1",
    ),
    g(0xF043, '土', Some("𡈽"), "MJ032932", "つちてん（土に点）"),
    g(
        0xF044,
        '辺',
        Some("邉\u{E010F}"),
        "MJ026190",
        "邉の異体字 (IVS U+E010F)",
    ),
    g(0xF045, '辺', None, "", "邊の異体字; not yet identified"),
    g(
        0xF046,
        '辻',
        Some("辻\u{E0102}"),
        "MJ025760",
        "二点しんにょうの辻 (IVS U+E0102)",
    ),
    g(
        0xF047,
        '浜',
        Some("濵"),
        "",
        "濵 U+6FF5; CP932 also has it at FB4D",
    ),
    g(0xF048, '島', None, "", "嶋の異体字; not yet identified"),
    g(
        0xF049,
        '柳',
        Some("栁"),
        "",
        "栁 U+6801; CP932 also has it at FAE5",
    ),
    g(
        0xF04A,
        '徳',
        Some("德"),
        "",
        "德 U+5FB7; CP932 also has it at FABA",
    ),
    g(
        0xF04B,
        '塚',
        Some("\u{FA10}"),
        "",
        "塚 U+FA10 (compatibility ideograph: keep, never NFC)",
    ),
    g(
        0xF04C,
        '隆',
        Some("\u{F9DC}"),
        "",
        "隆 U+F9DC (compatibility ideograph: keep, never NFC)",
    ),
    g(0xF04D, '沢', None, "", "澤の異体字; not yet identified"),
    g(
        0xF04E,
        '斎',
        Some("齋"),
        "",
        "齋 U+9F4B (JIS X 0208; the old system used a 外字)",
    ),
    g(0xF04F, '藤', None, "", "藤の異体字; not yet identified"),
];

const fn g(
    code: u16,
    base: char,
    replacement: Option<&'static str>,
    mj: &'static str,
    note: &'static str,
) -> GaijiEntry {
    GaijiEntry {
        code,
        base,
        replacement,
        mj,
        note,
    }
}

/// Valid CP932 variant kanji (IBM extensions / compatibility ideographs) and the common kanji
/// they stand for in names.
pub(crate) const VARIANTS: [(char, char); 8] = [
    ('高', '髙'),       // FBFC
    ('崎', '\u{FA11}'), // 﨑 FAB1
    ('塚', '\u{FA10}'), // 塚 FA9C
    ('神', '\u{FA19}'), // 神 FB7E
    ('浜', '濵'),       // FB4D
    ('柳', '栁'),       // FAE5
    ('徳', '德'),       // FABA
    ('隆', '\u{F9DC}'), // 隆 FBE9
];

/// Full-width katakana and their half-width forms (voiced ones as two characters).
const FULL_KANA: &str = "ァアィイゥウェエォオカガキギクグケゲコゴサザシジスズセゼソゾタダチヂッツヅテデトドナニヌネノハバパヒビピフブプヘベペホボポマミムメモャヤュユョヨラリルレロワヲンヴー";
const HALF_KANA: [&str; 82] = [
    "ｧ", "ｱ", "ｨ", "ｲ", "ｩ", "ｳ", "ｪ", "ｴ", "ｫ", "ｵ", "ｶ", "ｶﾞ", "ｷ", "ｷﾞ", "ｸ", "ｸﾞ", "ｹ", "ｹﾞ", "ｺ",
    "ｺﾞ", "ｻ", "ｻﾞ", "ｼ", "ｼﾞ", "ｽ", "ｽﾞ", "ｾ", "ｾﾞ", "ｿ", "ｿﾞ", "ﾀ", "ﾀﾞ", "ﾁ", "ﾁﾞ", "ｯ", "ﾂ", "ﾂﾞ", "ﾃ",
    "ﾃﾞ", "ﾄ", "ﾄﾞ", "ﾅ", "ﾆ", "ﾇ", "ﾈ", "ﾉ", "ﾊ", "ﾊﾞ", "ﾊﾟ", "ﾋ", "ﾋﾞ", "ﾋﾟ", "ﾌ", "ﾌﾞ", "ﾌﾟ", "ﾍ", "ﾍﾞ",
    "ﾍﾟ", "ﾎ", "ﾎﾞ", "ﾎﾟ", "ﾏ", "ﾐ", "ﾑ", "ﾒ", "ﾓ", "ｬ", "ﾔ", "ｭ", "ﾕ", "ｮ", "ﾖ", "ﾗ", "ﾘ", "ﾙ", "ﾚ",
    "ﾛ", "ﾜ", "ｦ", "ﾝ", "ｳﾞ", "ｰ",
];

/// Half-width form of full-width katakana, or the first character that has none.
pub(crate) fn to_halfwidth_kana(s: &str) -> Result<String, char> {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let i = FULL_KANA.chars().position(|k| k == c).ok_or(c)?;
        out.push_str(HALF_KANA.get(i).ok_or(c)?);
    }
    Ok(out)
}

/// Encodes `s` to CP932, appending to `out`; the first unmappable character is the error.
pub(crate) fn cp932(s: &str, out: &mut Vec<u8>) -> Result<(), char> {
    let mut enc = encoding_rs::SHIFT_JIS.new_encoder();
    let start = out.len();
    // Every character is at most 2 bytes in CP932.
    out.resize(start + s.len() * 2 + 4, 0);
    let dst = out.get_mut(start..).unwrap_or_default();
    let (res, _read, written) = enc.encode_from_utf8_without_replacement(s, dst, true);
    out.truncate(start + written);
    match res {
        encoding_rs::EncoderResult::InputEmpty => Ok(()),
        encoding_rs::EncoderResult::Unmappable(c) => Err(c),
        // The buffer is large enough; report the first character if it ever is not.
        encoding_rs::EncoderResult::OutputFull => Err(s.chars().next().unwrap_or('\0')),
    }
}

/// A name or place: its text, its CP932 kanji bytes and its half-width kana bytes (empty
/// for towns, whose reading is not used).
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub text: &'static str,
    pub kanji: Vec<u8>,
    pub kana: Vec<u8>,
}

/// Everything loaded from the embedded lists.
#[derive(Debug)]
pub(crate) struct Data {
    pub surnames: Vec<Entry>,
    pub male: Vec<Entry>,
    pub female: Vec<Entry>,
    pub towns: Vec<Entry>,
    /// (prefecture + municipality) as CP932 bytes.
    pub municipalities: Vec<Vec<u8>>,
}

fn bad(file: &'static str, line: usize, reason: impl Into<String>) -> SampleError {
    SampleError::EmbeddedData {
        file,
        line,
        reason: reason.into(),
    }
}

fn load_entries(
    file: &'static str,
    text: &'static str,
    max_chars: usize,
    with_kana: bool,
) -> Result<Vec<Entry>, SampleError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let (kanji, kana) = line
            .split_once('\t')
            .ok_or_else(|| bad(file, n, "expected two tab-separated columns"))?;
        if kanji.is_empty() || kanji.chars().count() > max_chars {
            return Err(bad(
                file,
                n,
                format!("name must have 1–{max_chars} characters"),
            ));
        }
        let mut kb = Vec::new();
        cp932(kanji, &mut kb)
            .map_err(|c| bad(file, n, format!("U+{:04X} is not in CP932", c as u32)))?;
        if kb.len() != kanji.chars().count() * 2 {
            return Err(bad(file, n, "every character must be double-byte in CP932"));
        }
        let mut hb = Vec::new();
        if !with_kana {
            out.push(Entry {
                text: kanji,
                kanji: kb,
                kana: hb,
            });
            continue;
        }
        let half = to_halfwidth_kana(kana).map_err(|c| {
            bad(
                file,
                n,
                format!("U+{:04X} has no half-width kana", c as u32),
            )
        })?;
        cp932(&half, &mut hb)
            .map_err(|c| bad(file, n, format!("U+{:04X} is not in CP932", c as u32)))?;
        if hb.len() > 18 {
            return Err(bad(file, n, "kana longer than 18 half-width characters"));
        }
        out.push(Entry {
            text: kanji,
            kanji: kb,
            kana: hb,
        });
    }
    if out.is_empty() {
        return Err(bad(file, 0, "empty list"));
    }
    Ok(out)
}

impl Data {
    pub(crate) fn load() -> Result<Data, SampleError> {
        let mut municipalities = Vec::new();
        for (i, line) in MUNICIPALITIES.lines().enumerate() {
            let (pref, city) = line
                .split_once('\t')
                .ok_or_else(|| bad("municipalities.tsv", i + 1, "expected two columns"))?;
            let mut b = Vec::new();
            cp932(pref, &mut b)
                .and_then(|()| cp932(city, &mut b))
                .map_err(|c| {
                    bad(
                        "municipalities.tsv",
                        i + 1,
                        format!("U+{:04X} not in CP932", c as u32),
                    )
                })?;
            if b.len() > 24 {
                return Err(bad(
                    "municipalities.tsv",
                    i + 1,
                    "longer than 12 characters",
                ));
            }
            municipalities.push(b);
        }
        if municipalities.is_empty() {
            return Err(bad("municipalities.tsv", 0, "empty list"));
        }
        Ok(Data {
            surnames: load_entries("surnames.tsv", SURNAMES, 4, true)?,
            male: load_entries("given_male.tsv", GIVEN_MALE, 4, true)?,
            female: load_entries("given_female.tsv", GIVEN_FEMALE, 4, true)?,
            towns: load_entries("towns.tsv", TOWNS, 8, false)?,
            municipalities,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_lists_load() {
        let d = Data::load().unwrap();
        assert_eq!(d.surnames.len(), 500);
        assert!(d.male.len() > 500 && d.female.len() > 500);
        assert!(d.towns.len() > 100);
        assert!(d.municipalities.len() >= 10);
    }

    #[test]
    fn halfwidth_kana() {
        assert_eq!(to_halfwidth_kana("ヤマダ").unwrap(), "ﾔﾏﾀﾞ");
        assert_eq!(to_halfwidth_kana("ポー").unwrap(), "ﾎﾟｰ");
        assert_eq!(to_halfwidth_kana("ヴ").unwrap(), "ｳﾞ");
        assert_eq!(to_halfwidth_kana("ヰ"), Err('ヰ'));
        assert_eq!(FULL_KANA.chars().count(), HALF_KANA.len());
    }

    #[test]
    fn variant_kanji_round_trip_through_cp932() {
        let expect: [(char, [u8; 2]); 8] = [
            ('髙', [0xFB, 0xFC]),
            ('\u{FA11}', [0xFA, 0xB1]),
            ('\u{FA10}', [0xFA, 0x9C]),
            ('\u{FA19}', [0xFB, 0x7E]),
            ('濵', [0xFB, 0x4D]),
            ('栁', [0xFA, 0xE5]),
            ('德', [0xFA, 0xBA]),
            ('\u{F9DC}', [0xFB, 0xE9]),
        ];
        for ((_, v), (c, bytes)) in VARIANTS.iter().zip(expect) {
            assert_eq!(*v, c);
            let mut b = Vec::new();
            cp932(&c.to_string(), &mut b).unwrap();
            assert_eq!(b, bytes, "{c}");
            let (back, _) = encoding_rs::SHIFT_JIS
                .decode_without_bom_handling_and_without_replacement(&b)
                .map(|s| (s.into_owned(), ()))
                .unwrap();
            assert_eq!(back, c.to_string(), "{c} must round-trip");
        }
    }

    #[test]
    fn gaiji_bases_occur_in_the_names() {
        let d = Data::load().unwrap();
        for g in GAIJI.iter() {
            let found = d
                .surnames
                .iter()
                .chain(&d.male)
                .chain(&d.female)
                .any(|e| e.text.contains(g.base));
            assert!(found, "{:04X}: no name contains {}", g.code, g.base);
        }
    }
}
