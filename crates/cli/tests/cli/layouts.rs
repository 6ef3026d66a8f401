//! `ikou layouts …`

use crate::util::*;

#[test]
fn list_json_shows_bundled_layouts_with_status() {
    let r = ikou(&["layouts", "list", "--json"]).expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let arr = v.as_array().unwrap();
    let juki = arr.iter().find(|l| l["id"] == "legacy/sample-juki").unwrap();
    assert_eq!(juki["status"], "synthetic");
    assert_eq!(juki["items"], 18);
}

#[test]
fn check_reports_problems_with_exit_2() {
    let d = tempdir("layouts_check_bad");
    let f = d.join("bad.toml");
    std::fs::write(
        &f,
        "id = \"legacy/bad\"\nname = \"x\"\nfamily = \"legacy\"\nstatus = \"synthetic\"\n[format]\nkind = \"fixed\"\nrecord_length = 10\n[[items]]\nnumber = 1\nname = \"a\"\nkey = \"a\"\ntype = \"nonsense\"\nlength = 4\n",
    )
    .unwrap();
    let r = ikou(&["layouts", "check", f.to_str().unwrap()]).expect(2);
    assert!(r.stderr.contains("bad.toml:8 [item a]: unknown domain type `nonsense`"), "{}", r.stderr);
}
