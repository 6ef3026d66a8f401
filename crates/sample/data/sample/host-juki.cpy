      * ikou sample --kind host-juki: 住民記録 (synthetic), JEF, 200 bytes
       01  HOST-JUKI-REC.
           05  ATENA-NO        PIC 9(10) COMP-3.
           05  SETAI-NO        PIC 9(10) COMP-3.
           05  JUMINHYO-CODE   PIC 9(11).
           05  KOJIN-BANGO     PIC X(12).
           05  SHIMEI          PIC X(42).
           05  SHIMEI-KANA     PIC X(30).
           05  BIRTH-DATE      PIC 9(8) COMP-3.
           05  SEX             PIC 9.
           05  ZOKUGARA        PIC 99.
           05  POSTAL-CODE     PIC 9(7).
           05  JUSHO           PIC N(30).
           05  JUMIN-DATE      PIC 9(7).
           05  IDO-DATE        PIC 9(7) COMP-3.
           05  IDO-JIYU        PIC 99.
           05  JUMIN-JOTAI     PIC 9.
           05  FILLER          PIC X(4).
