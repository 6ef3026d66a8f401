//! Issue 14 (a report that checks itself and can be signed), issue 18 items 5, 9 and 15
//! (verify and report stream every file; verify requires the files a run writes and flags
//! the others; a keyed signature; code values masked) and the issue 19 survivor (masking of
//! samples read from changes.parquet).

use crate::util::*;
use std::path::Path;
use std::process::{Command, Stdio};

const SAMPLE: &str = "testdata/sample/juki-1000.dat";
/// Bytes per record of the sample (300 + CRLF).
const REC: usize = 302;

fn convert_input(input: &Path, out: &Path, outputs: &str) -> Run {
    convert_with(input, out, outputs, &[])
}

fn convert_with(input: &Path, out: &Path, outputs: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "convert",
        "--profile",
        "sample-juki",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--force",
        "--outputs",
        outputs,
        "-q",
    ];
    args.extend_from_slice(extra);
    ikou(&args)
}

fn convert(out: &Path, outputs: &str) {
    convert_input(&root().join(SAMPLE), out, outputs).expect(0);
}

fn write_manifest(dir: &Path, m: &serde_json::Value) {
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(m).unwrap(),
    )
    .unwrap();
}

fn section<'h>(html: &'h str, id: &str) -> &'h str {
    let start = html
        .find(&format!("<section id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = start + html[start..].find("</section>").unwrap();
    &html[start..end]
}

/// The top of the page: everything before 次に確認すること.
fn top(html: &str) -> &str {
    &html[..html.find("<section id=\"next\">").unwrap()]
}

/// The first line printed.
fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

// ------------------------------------------------------------------ issue 14: measured

/// Measured in #14: `jumin.csv` cut to 1,000 bytes, `ikou report` regenerated a
/// byte-identical page with ✓ 件数は合っています and exit 0.
#[test]
fn issue14_report_of_a_data_file_cut_to_1000_bytes_is_not_verified_and_keeps_report_html() {
    let dir = tempdir("issue14_cut");
    convert(&dir, "changes-csv,gaiji,report");
    let before = std::fs::read(dir.join("report.html")).unwrap();
    let head = String::from_utf8(before.clone()).unwrap();
    assert!(head.contains("✓ 件数は合っています"));
    let data = dir.join("jumin.csv");
    let f = std::fs::OpenOptions::new().write(true).open(&data).unwrap();
    f.set_len(1000).unwrap();
    drop(f);

    let r = ikou(&["report", dir.to_str().unwrap()]).expect(1);
    assert!(
        first_line(&r.stdout).starts_with("移行不可"),
        "the verdict comes first: {}",
        r.stdout
    );
    assert!(
        r.stdout.contains("MISMATCH sha256 jumin.csv")
            && r.stdout
                .contains("MISMATCH rows jumin.csv: manifest 952, file 4"),
        "{}",
        r.stdout
    );
    // The run's own report.html is untouched; the page went to report.unverified.html.
    assert_eq!(std::fs::read(dir.join("report.html")).unwrap(), before);
    let page = std::fs::read_to_string(dir.join("report.unverified.html")).unwrap();
    assert!(top(&page).contains("<div class=\"banner\" data-check=\"verify\">"));
    assert!(top(&page).contains("<li><code>sha256 jumin.csv</code>"));
    assert!(page.contains("data-verdict=\"移行不可\""));
    assert!(!page.contains("✓ 件数は合っています"));
    assert!(!top(&page).contains('✓'));
    // verify agrees.
    ikou(&["verify", dir.to_str().unwrap()]).expect(1);
    // --out elsewhere: the unverified page goes next to it, the name asked for stays free.
    let other = tempdir("issue14_cut_out").join("check.html");
    ikou(&[
        "report",
        dir.to_str().unwrap(),
        "--out",
        other.to_str().unwrap(),
    ])
    .expect(1);
    assert!(!other.exists());
    assert!(other.with_file_name("check.unverified.html").exists());
}

/// A file dropped into a finished run: `ikou verify` fails on it ("unlisted"), and so does
/// `ikou report` — the same checks, not a ✓ beside a failed verify. A page made by
/// `ikou report` beside the run is an extra, which neither fails on.
#[test]
fn report_and_verify_agree_on_a_file_the_run_did_not_write() {
    let dir = tempdir("report_unlisted");
    convert(&dir, "changes-csv,gaiji,report");
    let d = dir.to_str().unwrap();
    ikou(&["report", d, "--lang", "en"]).expect(0);
    ikou(&["verify", d]).expect(0);
    std::fs::write(dir.join("notes.txt"), b"x").unwrap();
    let v = ikou(&["verify", d]).expect(1);
    assert!(v.stdout.contains("unlisted notes.txt"), "{}", v.stdout);
    let r = ikou(&["report", d]).expect(1);
    assert!(
        first_line(&r.stdout).starts_with("移行不可"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("unlisted notes.txt"), "{}", r.stdout);
    let page = std::fs::read_to_string(dir.join("report.unverified.html")).unwrap();
    assert!(
        top(&page).contains("<li><code>unlisted notes.txt</code>"),
        "{}",
        top(&page)
    );
    assert!(!page.contains("✓ 件数は合っています"));
}

/// `report --json`: the verdict `convert --json` gave, the page and its hash on an intact
/// run; on a run whose files do not match: not verified, the failed checks, 移行不可, exit 1.
#[test]
fn report_json_gives_the_verdict_the_page_and_what_failed() {
    let dir = tempdir("report_json");
    let run = dir.join("run");
    let c = convert_with(&root().join(SAMPLE), &run, "all", &["--json"]).expect(0);
    let converted = json(&c.stdout);
    let d = run.to_str().unwrap();
    let r = ikou(&["report", d, "--json"]).expect(0);
    let v = json(&r.stdout);
    assert_eq!(v["verified"], true);
    assert_eq!(v["verdict"], converted["verdict"]);
    assert_eq!(v["verdict"]["level"], "check");
    assert!(v["page"].as_str().unwrap().ends_with("report.html"), "{v}");
    let page = std::fs::read(run.join("report.html")).unwrap();
    assert_eq!(v["sha256"], sha256_hex(&page));
    assert_eq!(v["bytes"], page.len());
    assert_eq!(v["notes"], serde_json::json!([]));
    std::fs::write(run.join("notes.txt"), b"x").unwrap();
    let r = ikou(&["report", d, "--json"]).expect(1);
    let v = json(&r.stdout);
    assert_eq!(v["verified"], false);
    assert_eq!(v["verdict"]["level"], "no-go");
    assert!(
        v["page"]
            .as_str()
            .unwrap()
            .ends_with("report.unverified.html"),
        "{v}"
    );
    let failed: Vec<&str> = (v["failed"].as_array().unwrap().iter())
        .map(|c| c["what"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["unlisted notes.txt"], "{v}");
}

/// Measured in #14: with a line removed from rejects.csv the page showed ✓ at the top and
/// ✗ 不一致 below, exited 0 and overwrote the run's report.html.
#[test]
fn issue14_a_line_removed_from_rejects_csv_gives_no_check_mark_at_the_top() {
    let dir = tempdir("issue14_rejects_line");
    convert(&dir, "changes-csv,gaiji,report");
    let before = std::fs::read(dir.join("report.html")).unwrap();
    let rejects = std::fs::read_to_string(dir.join("rejects.csv")).unwrap();
    let mut lines: Vec<&str> = rejects.split_inclusive('\n').collect();
    lines.remove(5);
    std::fs::write(dir.join("rejects.csv"), lines.concat()).unwrap();

    let r = ikou(&["report", dir.to_str().unwrap()]).expect(1);
    assert!(
        first_line(&r.stdout).starts_with("移行不可"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("MISMATCH rejected_records: manifest 48, file 47"),
        "{}",
        r.stdout
    );
    assert_eq!(std::fs::read(dir.join("report.html")).unwrap(), before);
    let page = std::fs::read_to_string(dir.join("report.unverified.html")).unwrap();
    assert!(!top(&page).contains('✓'), "{}", top(&page));
    assert!(page.contains("<p class=\"verdict-line nogo\" data-verdict=\"移行不可\">"));
    // The first item to check says the files do not match.
    let next = section(&page, "next");
    let first = &next[next.find("<li>").unwrap()..];
    assert!(
        first[..first.find("</li>").unwrap()].contains("manifest.json と一致しません"),
        "{next}"
    );
}

/// The page opens with the verdict line and the rule, and carries the run's date, inputs
/// with sizes, the fingerprint `ikou verify` prints, and a sign-off block.
#[test]
fn issue14_page_opens_with_the_verdict_and_carries_fingerprint_and_sign_off() {
    let dir = tempdir("issue14_verdict");
    convert(&dir, "changes-csv,gaiji,report");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let body = &html[html.find("<body>\n").unwrap() + 7..];
    assert!(
        body.starts_with(
            "<p class=\"verdict-line check\" data-verdict=\"要確認\">判定：要確認</p>"
        ),
        "{}",
        &body[..200]
    );
    assert!(top(&html).contains("判定の規則：移行不可 ＝"));
    assert!(top(&html).contains("実行日"));
    assert!(top(&html).contains("302,000バイト・1,000件"));
    let v = ikou(&["verify", dir.to_str().unwrap()]).expect(0);
    let fp = v
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("fingerprint "))
        .and_then(|l| l.split(' ').next())
        .unwrap()
        .to_string();
    assert_eq!(fp.len(), 64);
    assert!(top(&html).contains(&format!("data-fingerprint=\"{fp}\"")));
    let signoff = section(&html, "signoff");
    for k in ["確認者", "確認日", "所見", fp.as_str()] {
        assert!(signoff.contains(k), "{k}");
    }
    // The console says the verdict first too; the regenerated page is the same bytes.
    let r = ikou(&["report", dir.to_str().unwrap()]).expect(0);
    assert!(first_line(&r.stdout).starts_with("要確認"), "{}", r.stdout);
    assert_eq!(
        html,
        std::fs::read_to_string(dir.join("report.html")).unwrap()
    );
    assert!(!dir.join("report.regenerated.html").exists());
    // A page that differs (here: manifest.json dated a year earlier, as a copy without
    // its dates might be) never replaces the run's report.
    let year_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(365 * 86_400);
    std::fs::File::options()
        .write(true)
        .open(dir.join("manifest.json"))
        .unwrap()
        .set_modified(year_ago)
        .unwrap();
    let r = ikou(&["report", dir.to_str().unwrap()]).expect(0);
    assert!(r.stdout.contains("report.regenerated.html"), "{}", r.stdout);
    assert_eq!(
        html,
        std::fs::read_to_string(dir.join("report.html")).unwrap()
    );
    ikou(&["verify", dir.to_str().unwrap()]).expect(0);
}

/// #14: 「必須の項目が空のレコードが2,138件」 for a 1,000-record run — occurrences given as
/// records. Here 30 records have both 住民票コード and 氏名 blank: two occurrences each.
#[test]
fn issue14_counts_say_records_or_occurrences_never_one_for_the_other() {
    let dir = tempdir("issue14_counts");
    let mut bytes = std::fs::read(root().join(SAMPLE)).unwrap();
    for r in (100..400).step_by(10) {
        let rec = &mut bytes[r * REC..(r + 1) * REC];
        rec[20..31].fill(b' '); // 住民票コード
        rec[43..83].fill(b' '); // 氏名
    }
    let input = dir.join("blank.dat");
    std::fs::write(&input, &bytes).unwrap();
    let run = dir.join("run");
    convert_input(&input, &run, "changes-csv,gaiji,report").expect(0);
    let m = manifest(&run);
    let occ = m["counts"]["rejects_by_reason"]["target.required"]
        .as_u64()
        .unwrap();
    let mut rdr = csv::Reader::from_path(run.join("rejects.csv")).unwrap();
    let kinds = rdr
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "kinds")
        .unwrap();
    let records = rdr
        .records()
        .filter(|r| {
            r.as_ref()
                .unwrap()
                .get(kinds)
                .unwrap()
                .split('|')
                .any(|k| k == "target.required")
        })
        .count() as u64;
    assert!(
        occ > records && records >= 30,
        "{occ} occurrences, {records} records"
    );
    let fmt = |n: u64| {
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    let next = section(&html, "next");
    assert!(
        next.contains(&format!(
            "必須の項目が空のレコードがあります：{}件のレコード（{}か所）",
            fmt(records),
            fmt(occ)
        )),
        "{next}"
    );
    assert!(
        !next.contains(&format!("{}件", fmt(occ))),
        "occurrences given as records: {next}"
    );
}

/// #14: truncation, trailer count mismatches and framing damage always come first in
/// 次に確認すること, and a cut input is 移行不可.
#[test]
fn issue14_an_input_cut_short_is_the_first_thing_to_check() {
    let dir = tempdir("issue14_truncated");
    let bytes = std::fs::read(root().join(SAMPLE)).unwrap();
    let input = dir.join("half.dat");
    std::fs::write(&input, &bytes[..497 * REC + 100]).unwrap();
    let run = dir.join("run");
    let r = convert_input(&input, &run, "changes-csv,gaiji,report");
    assert!(run.join("manifest.json").exists(), "{}", r.stderr);
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(html.contains("data-verdict=\"移行不可\""));
    let next = section(&html, "next");
    let first = &next[next.find("<li>").unwrap()..];
    let first = &first[..first.find("</li>").unwrap()];
    assert!(first.contains("frame.truncated"), "{next}");
    // 移行不可: exit 4, as `convert` (issue14_verdict).
    let r = ikou(&["report", run.to_str().unwrap()]).expect(4);
    assert!(
        first_line(&r.stdout).starts_with("移行不可") && r.stdout.contains("framing problem"),
        "{}",
        r.stdout
    );
}

/// #14, measured: a UTF-8 copy of the sample through the CP932 profile, `1000 in = 0 out +
/// 1000 rejected [ok]`, and the report told staff to fix the source data. The input guard
/// now stops such a run; past it (`--no-input-check`) the page says 移行不可 and points at
/// the encoding, not at the data.
#[test]
fn issue14_a_utf8_copy_through_the_cp932_profile_is_not_bad_data() {
    use ikou_cleanse::decode::CharProfile;
    let dir = tempdir("issue14_utf8");
    let bytes = std::fs::read(root().join(SAMPLE)).unwrap();
    let profile = CharProfile::cp932();
    let mut utf8 = String::new();
    for rec in bytes.chunks(REC) {
        let mut text = String::new();
        profile.decode_item(&rec[..300], &mut text, &mut Vec::new());
        utf8.push_str(&text);
        utf8.push_str("\r\n");
    }
    assert!(utf8.len() > bytes.len(), "the copy is UTF-8 (longer)");
    let input = dir.join("utf8.dat");
    std::fs::write(&input, &utf8).unwrap();
    let run = dir.join("run");
    let r = convert_with(
        &input,
        &run,
        "changes-csv,gaiji,report",
        &["--no-input-check"],
    );
    assert!(run.join("manifest.json").exists(), "{}", r.stderr);
    let m = manifest(&run);
    assert_eq!(m["counts"]["output_records"], 0, "nothing migrated");
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(html.contains("data-verdict=\"移行不可\""));
    assert!(
        top(&html).contains("移行したレコードが0件です"),
        "{}",
        top(&html)
    );
    let next = section(&html, "next");
    assert!(next.contains("文字コード・改行・レイアウト"), "{next}");
    assert!(!next.contains("元データを直してから再実行"), "{next}");
}

// ------------------------------------------------------------------ issue 18 item 9

/// #18 item 9: verify passed when a data file and its manifest entry were both deleted, and
/// with `outputs: []`; it ignored unknown files.
#[test]
fn issue18_item9_verify_requires_the_files_a_run_writes_and_flags_unlisted_ones() {
    let base = tempdir("issue18_9_base");
    convert(&base, "changes-csv,gaiji,report");
    ikou(&["verify", base.to_str().unwrap()]).expect(0);
    let copy = |name: &str| {
        let d = tempdir(name);
        for e in std::fs::read_dir(&base).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), d.join(e.file_name())).unwrap();
        }
        d
    };
    let drop_output = |d: &Path, name: &str| {
        std::fs::remove_file(d.join(name)).unwrap();
        let mut m = manifest(d);
        m["outputs"]
            .as_array_mut()
            .unwrap()
            .retain(|o| o["name"] != name);
        write_manifest(d, &m);
    };
    // The data file and its entry deleted.
    let d = copy("issue18_9_data");
    drop_output(&d, "jumin.csv");
    let r = ikou(&["verify", d.to_str().unwrap()]).expect(1);
    assert!(
        r.stdout.contains("MISMATCH listed jumin.csv"),
        "{}",
        r.stdout
    );
    // An optional output the options name, deleted with its entry.
    let d = copy("issue18_9_changes");
    drop_output(&d, "changes.csv");
    let r = ikou(&["verify", d.to_str().unwrap()]).expect(1);
    assert!(
        r.stdout.contains("MISMATCH listed changes.csv"),
        "{}",
        r.stdout
    );
    // `outputs: []`.
    let d = copy("issue18_9_empty");
    let mut m = manifest(&d);
    m["outputs"] = serde_json::json!([]);
    write_manifest(&d, &m);
    let r = ikou(&["verify", d.to_str().unwrap()]).expect(1);
    for f in [
        "jumin.csv",
        "rejects.csv",
        "changes.csv",
        "gaiji.csv",
        "report.html",
    ] {
        assert!(
            r.stdout.contains(&format!("MISMATCH listed {f}")),
            "{f}: {}",
            r.stdout
        );
    }
    // A file the run did not write.
    let d = copy("issue18_9_unlisted");
    std::fs::write(d.join("extra.csv"), "planted\n").unwrap();
    // A planted name cannot drive the terminal.
    std::fs::write(d.join("x\x1b[2J.csv"), "planted\n").unwrap();
    let r = ikou(&["verify", d.to_str().unwrap()]).expect(1);
    assert!(
        r.stdout.contains("MISMATCH unlisted x\\x1B[2J.csv") && !r.stdout.contains('\x1b'),
        "{}",
        r.stdout
    );
    let r = ikou(&["verify", d.to_str().unwrap(), "--json"]).expect(1);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["what"] == "unlisted extra.csv" && c["ok"] == false));
    // Names that leave the run directory are refused, not followed.
    let d = copy("issue18_9_escape");
    let mut m = manifest(&d);
    m["data_file"] = "../../../../etc/passwd".into();
    m["outputs"][0]["name"] = "../issue18_9_base/rejects.csv".into();
    write_manifest(&d, &m);
    let r = ikou(&["verify", d.to_str().unwrap()]).expect(1);
    assert!(
        r.stdout
            .contains("MISMATCH data file: not a file name of the run directory")
            && r.stdout
                .contains("MISMATCH sha256 ../issue18_9_base/rejects.csv: not a file name"),
        "{}",
        r.stdout
    );
    // Report pages made by `ikou report` are allowed (named, not failed).
    let d = copy("issue18_9_pages");
    ikou(&["report", d.to_str().unwrap(), "--lang", "en"]).expect(0);
    let r = ikou(&["verify", d.to_str().unwrap()]).expect(0);
    assert!(r.stdout.contains("extra report.en.html"), "{}", r.stdout);
}

/// #18 item 9: a consistent rewrite (files and manifest together) passes the checks, but not
/// the fingerprint on the signed page, nor a keyed signature.
#[test]
fn issue18_item9_a_consistent_rewrite_is_caught_by_fingerprint_and_signature() {
    let dir = tempdir("issue18_9_sign");
    convert(&dir, "changes-csv,gaiji,report");
    let keys = tempdir("issue18_9_keys");
    let key = keys.join("ikou.key");
    std::fs::write(&key, b"0123456789abcdef0123456789abcdef").unwrap();
    let other_key = keys.join("other.key");
    std::fs::write(&other_key, b"fedcba9876543210fedcba9876543210").unwrap();
    let short = keys.join("short.key");
    std::fs::write(&short, b"short").unwrap();
    let d = dir.to_str().unwrap();
    let k = key.to_str().unwrap();

    // Not signed yet: --key fails.
    let r = ikou(&["verify", d, "--key", k]).expect(1);
    assert!(r.stdout.contains("no signature"), "{}", r.stdout);
    ikou(&["sign", d, "--key", short.to_str().unwrap()]).expect(2);
    // A key file that cannot be read is an I/O error, naming the file.
    let missing = keys.join("missing.key");
    let r = ikou(&["sign", d, "--key", missing.to_str().unwrap()]).expect(3);
    assert!(r.stderr.contains("missing.key"), "{}", r.stderr);
    ikou(&["verify", d, "--key", missing.to_str().unwrap()]).expect(3);
    let r = ikou(&["sign", d, "--key", k]).expect(0);
    assert!(r.stdout.contains("signed"), "{}", r.stdout);
    ikou(&["verify", d, "--key", k]).expect(0);
    ikou(&["verify", d]).expect(0);
    let r = ikou(&["verify", d, "--key", other_key.to_str().unwrap()]).expect(1);
    assert!(
        r.stdout
            .contains("the run matches its manifest, but the signature does NOT"),
        "{}",
        r.stdout
    );
    let page_fp = {
        let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
        let at = html.find("data-fingerprint=\"").unwrap() + 18;
        html[at..at + 64].to_string()
    };

    // Rewrite one record of the data file and the manifest's hash and size of it.
    let data = dir.join("jumin.csv");
    let text = std::fs::read_to_string(&data).unwrap();
    let changed = text.replacen("東京都", "大阪府", 1);
    assert_ne!(text, changed);
    std::fs::write(&data, &changed).unwrap();
    let (sha, len) = {
        use std::io::Read;
        let mut f = std::fs::File::open(&data).unwrap();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        (sha256_hex(&b), b.len())
    };
    let mut m = manifest(&dir);
    for o in m["outputs"].as_array_mut().unwrap() {
        if o["name"] == "jumin.csv" {
            o["sha256"] = sha.clone().into();
            o["bytes"] = len.into();
        }
    }
    write_manifest(&dir, &m);
    // The checks pass (that is what "consistent" means) …
    let r = ikou(&["verify", d]).expect(0);
    // … but the fingerprint is not the one on the page, and the signature fails.
    assert!(!r.stdout.contains(&page_fp), "{}", r.stdout);
    let r = ikou(&["verify", d, "--key", k]).expect(1);
    assert!(
        r.stdout.contains("MISMATCH hmac-sha256 manifest.json"),
        "{}",
        r.stdout
    );
    // A run that does not verify is not signed.
    std::fs::write(dir.join("rejects.csv"), "record\n").unwrap();
    ikou(&["sign", d, "--key", k]).expect(1);
}

/// SHA-256 by the system's `sha256sum` (the test does not trust ikou's own hashing).
fn sha256_hex(bytes: &[u8]) -> String {
    use std::io::Write;
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sha256sum");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

// ------------------------------------------------------------------ issue 18 item 5

/// Runs `ikou ARGS` with its address space limited to `kib` KiB (`ulimit -v`).
fn ikou_with_memory_limit(kib: u64, args: &[&str]) -> Run {
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -v "$0" && exec "$@""#)
        .arg(kib.to_string())
        .arg(env!("CARGO_BIN_EXE_ikou"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .expect("spawn sh");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// #18 item 5: `verify` and `report` on a run whose rejects.csv is a huge sparse file (3 GiB,
/// as in the issue; the processes may map 256 MiB) aborted allocating it. Both must stream:
/// under the limit they finish with a verdict, not an abort.
#[test]
fn issue18_item5_verify_and_report_stream_a_huge_rejects_csv_under_a_memory_limit() {
    let dir = tempdir("issue18_5_sparse");
    convert(&dir, "changes-csv,gaiji,report");
    let before = std::fs::read(dir.join("report.html")).unwrap();
    // A sparse file of zeros: one 3 GiB "row" with no newline.
    let f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(dir.join("rejects.csv"))
        .unwrap();
    f.set_len(3 << 30).unwrap();
    drop(f);
    const LIMIT_KIB: u64 = 256 * 1024;
    let d = dir.to_str().unwrap();
    let r = ikou_with_memory_limit(LIMIT_KIB, &["verify", d]);
    assert_eq!(r.code, 1, "verify: {}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("MISMATCH sha256 rejects.csv")
            && r.stdout
                .contains("MISMATCH rejected_records: manifest 48, file 0"),
        "{}",
        r.stdout
    );
    let r = ikou_with_memory_limit(LIMIT_KIB, &["report", d]);
    assert_eq!(r.code, 1, "report: {}\n{}", r.stdout, r.stderr);
    assert!(
        first_line(&r.stdout).starts_with("移行不可"),
        "{}",
        r.stdout
    );
    assert!(!r.stderr.contains("memory allocation"), "{}", r.stderr);
    assert_eq!(std::fs::read(dir.join("report.html")).unwrap(), before);
    let page = std::fs::read_to_string(dir.join("report.unverified.html")).unwrap();
    assert!(
        page.len() < 200_000,
        "the page is bounded: {} bytes",
        page.len()
    );
    // The limit is real: a process that reads the file whole fails under it.
    let r = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -v "$0" && exec python3 -c 'import sys; open(sys.argv[1], "rb").read()' "$1""#)
        .arg(LIMIT_KIB.to_string())
        .arg(dir.join("rejects.csv"))
        .output()
        .unwrap();
    if String::from_utf8_lossy(&r.stderr).contains("not found") {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED the memory limit's own check: no python3 on PATH"
        );
    } else {
        assert!(!r.status.success(), "the memory limit did not bind");
    }
}

// ------------------------------------------------------------------ issue 18 item 15

/// The sample with records 1–40 shifted by a layout mismatch: each record's bytes rotated
/// by 98, so that 続柄 (bytes 131–132) reads digits 3–4 of the 個人番号 and 異動事由 reads
/// characters of the name.
fn shifted_sample(dir: &Path) -> std::path::PathBuf {
    let mut bytes = std::fs::read(root().join(SAMPLE)).unwrap();
    for r in 0..40 {
        let rec = &mut bytes[r * REC..r * REC + 300];
        rec.rotate_left(98);
    }
    let input = dir.join("shifted.dat");
    std::fs::write(&input, &bytes).unwrap();
    input
}

/// #18 item 15: with records shifted by a layout mismatch, report.html listed "unmapped code
/// values" unmasked — digits of each 個人番号 and address characters.
#[test]
fn issue18_item15_code_values_are_masked_unless_show_values() {
    let dir = tempdir("issue18_15");
    let input = shifted_sample(&dir);
    let run = dir.join("run");
    convert_input(&input, &run, "changes-csv,gaiji,report");
    assert!(run.join("manifest.json").exists());
    let vals = |html: &str| -> Vec<String> {
        section(html, "codes")
            .split("<td class=\"val\">")
            .skip(1)
            .map(|s| s[..s.find("</td>").unwrap()].to_string())
            .collect()
    };
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    let masked = vals(&html);
    assert!(masked.len() >= 2, "{}", section(&html, "codes"));
    for v in &masked {
        assert!(
            !v.chars().any(|c| c.is_ascii_digit()
                || ('\u{4E00}'..='\u{9FFF}').contains(&c)
                || ('\u{30A0}'..='\u{30FF}').contains(&c)
                || ('\u{FF10}'..='\u{FF19}').contains(&c)),
            "an unmasked code value: {v:?}"
        );
    }
    // With --show-values the values are there (so the check above can see them).
    ikou(&["report", run.to_str().unwrap(), "--show-values"]).expect(0);
    let shown = vals(&std::fs::read_to_string(run.join("report.values.html")).unwrap());
    assert!(
        shown
            .iter()
            .any(|v| v.chars().any(|c| c.is_ascii_digit() || c as u32 > 0x3000)),
        "{shown:?}"
    );
}

// ------------------------------------------------------------------ issue 19

/// The sample's personal values as the standard CSV holds them (names, readings, addresses,
/// 方書; at least 3 characters, and their space-separated parts).
fn personal_values(dir: &Path) -> Vec<String> {
    let mut rdr = csv::Reader::from_path(dir.join("jumin.csv")).unwrap();
    let head = rdr.headers().unwrap().clone();
    let cols: Vec<usize> = ["氏名", "氏名_フリガナ", "住所", "住所_方書"]
        .iter()
        .map(|n| head.iter().position(|h| h == *n).unwrap())
        .collect();
    let mut v = std::collections::BTreeSet::new();
    for r in rdr.records() {
        let r = r.unwrap();
        for &c in &cols {
            let s = r.get(c).unwrap();
            for part in std::iter::once(s).chain(s.split([' ', '\u{3000}'])) {
                if part.chars().count() >= 3 {
                    v.insert(part.to_string());
                }
            }
        }
    }
    assert!(v.len() > 1000, "{}", v.len());
    v.into_iter().collect()
}

/// #19 survivor: report masking of samples read from changes.parquet. A reader that
/// ignored `show_values` put 31 names and addresses of the sample into report.html; only
/// changes.csv was tested.
#[test]
fn issue19_report_masks_samples_read_from_changes_parquet() {
    let dir = tempdir("issue19_parquet");
    convert(&dir, "changes-parquet,report");
    assert!(dir.join("changes.parquet").exists() && !dir.join("changes.csv").exists());
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    // The samples were read from the parquet file …
    let samples = section(&html, "samples");
    assert!(
        samples.matches("<td class=\"arrow\">→</td>").count() >= 5,
        "{samples}"
    );
    assert!(html.contains("changes.parquet"));
    // … and hold no personal value (the visible-space markup taken out first).
    let plain = html
        .replace("<span class=\"zsp\">\u{3000}</span>", "\u{3000}")
        .replace("<span class=\"sp\"> </span>", " ");
    let values = personal_values(&dir);
    let leaked: Vec<&String> = values
        .iter()
        .filter(|v| plain.contains(v.as_str()))
        .collect();
    assert!(
        leaked.is_empty(),
        "{} personal values in report.html",
        leaked.len()
    );
    // With --show-values they are there: the check above can see them.
    ikou(&["report", dir.to_str().unwrap(), "--show-values"]).expect(0);
    let shown = std::fs::read_to_string(dir.join("report.values.html"))
        .unwrap()
        .replace("<span class=\"zsp\">\u{3000}</span>", "\u{3000}")
        .replace("<span class=\"sp\"> </span>", " ");
    assert!(
        values.iter().filter(|v| shown.contains(v.as_str())).count() >= 5,
        "show_values shows names and addresses from changes.parquet"
    );
}
