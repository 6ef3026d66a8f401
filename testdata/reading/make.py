#!/usr/bin/env python3
"""Regenerates the synthetic files in testdata/reading and testdata/bad (run from the repo root).

Every person here is made up; names are common words, numbers are sequential.
"""
import random

R = "testdata/reading/"
B = "testdata/bad/"

def w(path, data):
    with open(path, "wb") as f:
        f.write(data)

def sj(s):
    return s.encode("cp932")

def pad_fw(s, n):  # full-width text padded with U+3000 to n bytes
    b = sj(s)
    while len(b) + 2 <= n:
        b += sj("\u3000")
    return b + b" " * (n - len(b))

def pad(s, n, fill=b" "):
    b = sj(s) if isinstance(s, str) else s
    return b + fill * (n - len(b))

def juki(i, shimei=None, kana="ﾔﾏﾀﾞ ﾀﾛｳ", address="東京都千代田区千代田１－１"):
    rec = b"".join([
        sj("%010d" % (1000 + i)), sj("%010d" % (500 + i)), sj("%011d" % (90000000000 + i)),
        sj("            "),
        shimei if isinstance(shimei, bytes) else pad_fw(shimei or "山田　太郎", 40),
        pad(kana, 40), sj("4010108"), sj("1"), sj("02"), sj("1000001"),
        pad_fw(address, 80), pad_fw("", 40), sj("4010108"), sj("4010108"), sj("01"),
        sj("       "), sj("1"), b" " * 16,
    ])
    assert len(rec) == 300, len(rec)
    return rec

# --- hard detection cases -------------------------------------------------------------
w(R + "yamada-8byte.sjis", sj("山田太郎"))
kana = sj("ｻﾄｳﾀﾛｳ\r\nﾀﾅｶﾊﾅｺ\r\n")
kana.decode("euc_jp")  # valid as EUC-JP too: that is the point
w(R + "hankaku-kana.sjis", kana)
w(R + "cp932-corrupt.sjis", sj("住所,氏名\r\n東京都千代田区,山田太郎\r\n") + b"\x91\xe5\xff\x8d\xe3\xa0,\x8e\x52\r\n" + sj("大阪府大阪市,鈴木花子\r\n"))
w(R + "eucjp-ss2.euc", "ﾔﾏﾀﾞ ﾀﾛｳ,山田太郎\nｽｽﾞｷ ﾊﾅｺ,鈴木花子\n".encode("euc_jp"))
w(R + "utf16le-nobom.txt", "氏名,カナ\r\n山田太郎,ﾔﾏﾀﾞﾀﾛｳ\r\n".encode("utf-16-le"))
w(R + "utf8-bom.csv", "\ufeff氏名,カナ\r\n山田太郎,ヤマダタロウ\r\n".encode("utf-8"))
w(R + "iso2022jp.txt", "山田太郎\r\n".encode("iso2022_jp"))

# --- sample-juki records ----------------------------------------------------------------
recs = [juki(1), juki(2, shimei=b"\xf0\x40" + pad_fw("田　花子", 38)), juki(3, kana="ｽｽﾞｷ ﾊﾅｺ"),
        juki(4, shimei=b"\xf0\x41\xf0\x40" + pad_fw("子", 36)), juki(5, address="大阪府～ー丁目")]
w(R + "juki-5.sjis", b"".join(r + b"\r\n" for r in recs))
w(R + "juki-noterm.sjis", b"".join(juki(i) for i in range(1, 9)))
# A record whose 氏名 (40 bytes) ends with the first byte of a double-byte character.
cut = pad_fw("山田", 39) + b"\x8e"
w(R + "juki-cut.sjis", juki(1, shimei=cut) + b"\r\n")
w(R + "gaiji.csv", "code,replacement,mj,note\nF040,髙,MJ028902,はしごだか（例）\n".encode("utf-8"))

# --- bad input ------------------------------------------------------------------------
w(B + "empty.dat", b"")
w(B + "lone-lead.dat", b"\x81")
w(B + "nuls.dat", b"\x00" * 64)
rnd = random.Random(20240601)
w(B + "random.bin", bytes(rnd.randrange(256) for _ in range(4096)))
w(B + "invalid-seq.sjis", sj("山田太郎\r\n") + b"\x85\x40\xa0\xfd\xfe\xff\r\n" + sj("鈴木\r\n"))
w(B + "mixed-encodings.txt", sj("山田太郎,ﾔﾏﾀﾞ\r\n") + "鈴木花子,スズキ\r\n".encode("utf-8") + sj("佐藤,ｻﾄｳ\r\n"))
w(B + "mixed-newlines.sjis", sj("山田太郎\r\n鈴木花子\n佐藤一郎\r高橋\r\n"))
w(B + "truncated-last.sjis", recs[0] + b"\r\n" + recs[2] + b"\r\n" + recs[4][:123])
w(B + "eof-1a.sjis", recs[0] + b"\r\n" + recs[2] + b"\r\n\x1a")
w(B + "trailer-mismatch.dat", b"1HEADER  \r\n2ab000001\r\n2cd000002\r\n9000000005\r\n".replace(b"9000000005", b"900000005"))
