#!/usr/bin/env python3
"""Generates the reading-fidelity files of issue 14 in testdata/reading (run from the repo root).

Synthetic: made-up names and places, encoded with Python's codecs. Each file is text in one
encoding that a Japanese-first detector could mistake for CP932 / EUC-JP / ASCII.
"""

R = "testdata/reading/"


def w(name, data):
    with open(R + name, "wb") as f:
        f.write(data)


def lines(rows):
    return "".join(r + "\r\n" for r in rows)


# Valid UTF-8, non-ASCII, not Japanese: a whole file that is valid UTF-8 is UTF-8.
w("utf8-greek.csv", lines(["1001,Παπαδόπουλος,Γεώργιος,Αθήνα", "1002,Νικολάου,Ελένη,Πάτρα"]).encode("utf-8"))
w("utf8-hebrew.csv", lines(["1001,כהן,דוד,תל אביב", "1002,לוי,שרה,חיפה"]).encode("utf-8"))
w("utf8-russian.csv", lines(["1001,Иванов,Иван,Москва", "1002,Петрова,Анна,Казань"]).encode("utf-8"))
w("utf8-hungarian.csv", lines(["1001,Kovács,Árpád,Győr", "1002,Szőke,Éva,Pécs"]).encode("utf-8"))
# One ä in otherwise ASCII text: the only non-ASCII bytes are C3 A4 (ﾃ､ in CP932).
w("utf8-finnish-name.csv", lines(["1001,Mäkinen,Matti,Tampere"]).encode("utf-8"))

# Not Japanese, in legacy East Asian encodings that are also valid EUC-JP / CP932 bytes.
w("euckr.txt", lines([
    "대한민국 서울특별시 종로구 세종대로 209",
    "홍길동, 김철수, 이영희, 박민수",
    "주민등록 정보를 확인하여 주십시오.",
]).encode("euc_kr"))
w("big5.txt", lines([
    "中華民國臺北市中正區重慶南路一段122號",
    "王小明、陳大文、林美玲、張志強",
    "請確認戶籍資料是否正確。",
]).encode("big5"))
w("gb2312.txt", lines([
    "中华人民共和国北京市东城区东长安街16号",
    "王小明、陈大文、林美玲、张志强",
    "请确认户籍资料是否正确。",
]).encode("gb2312"))

# ISO-2022-JP, damaged: an escape sequence cut (ESC $ without its final byte), and a stray
# ESC in ASCII text; and a file of one character.
good = "山田太郎\r\n".encode("iso2022_jp")
assert good.startswith(b"\x1b$B")
w("iso2022jp-broken-escape.txt", b"abc " + b"\x1b$" + good[3:])
w("iso2022jp-stray-escape.txt", b"Yamada Taro\x1b\r\nSuzuki Hanako\r\n")
w("iso2022jp-one-char.txt", "山".encode("iso2022_jp"))
