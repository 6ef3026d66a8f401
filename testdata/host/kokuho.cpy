000100* 国保 被保険者レコード (ikou issue #16 の合成テスト用コピー句)
000200  01  KOKUHO-REC.                                                 KOKUHO01
000300      05  REC-KBN            PIC X.                               KOKUHO01
000400          88  KBN-HEADER     VALUE 'H'.
000500          88  KBN-DATA       VALUE 'D'.
000600          88  KBN-TRAILER    VALUE 'T'.
000700      05  HIHO-NO            PIC 9(8).
000800      05  SHIMEI-KANJI       PIC N(10).
000900      05  SHIMEI-KANA        PIC X(20).
001000      05  SEX                PIC 9.
001100          88  SEX-MALE       VALUE 1.
001200          88  SEX-FEMALE     VALUE 2.
001300/
001400      05  BIRTH-DATE         PIC 9(8) COMP-3.
001500      05  HOKENRYO           PIC S9(7)V99 COMP-3.
001600      05  GENGAKU            PIC S9(5) SIGN LEADING SEPARATE.
001700      05  CHOSEI             PIC S9(3)V9
001800              SIGN IS TRAILING SEPARATE CHARACTER.
001900      05  KIN-OVER           PIC S9(4) SIGN IS LEADING.
002000      05  NISSU              PIC 9(4) COMP.
002100      05  KEISU              PIC S9(9) USAGE IS BINARY.
002200      05  GOKEI              PIC S9(15) COMP-5.
002300      05  TSUKI-GAKU         PIC S9(5) COMP-3 OCCURS 3 TIMES.
002400      05  KAZOKU             OCCURS 2.
002500          10  ZOKUGARA       PIC XX.
002600          10  KAZOKU-SHIMEI  PIC N(4).
002700      05  JUSHO-AREA         PIC X(12).
002800      05  JUSHO-PARTS REDEFINES JUSHO-AREA.
002900          10  PREF-CD        PIC 99.
003000          10  CITY-CD        PIC 9(3).
003100          10  FILLER         PIC X(7).
003200      05  BIKO               PIC X(30) VALUE 'ABCDEFGHIJKLMNOPQRST
003300-                 'UVWXYZ0123'.
003400      05  SENEN              PIC 9(3)PP.
003500      05  RITSU              PIC SVP9(3) COMP-3.  *> 率 0.0nnn
003600      05  FILLER             PIC X(5).                            KOKUHO01
