"""ikou from Python against the CLI on the bundled sample (testdata/sample/juki-1000.dat)."""

import csv
import json
import os
import signal
import threading
import time

import pyarrow as pa
import pytest

import ikou
from conftest import PROFILE, SAMPLE


def unguard(cell: str) -> str:
    """The CSV writer guards cells against spreadsheet formulas with one leading apostrophe
    (ikou_convert::output::guard_cell); undo it as unguard_cell does."""
    return cell[1:] if cell.startswith("'") else cell


def csv_rows(path):
    # rejects.csv and changes.csv start with a UTF-8 BOM (for Excel): "utf-8-sig" skips it.
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    return rows[0], [[unguard(c) for c in r] for r in rows[1:]]


def arrow_rows(table: pa.Table):
    return [["" if v is None else v for v in row.values()] for row in table.to_pylist()]


# sample-juki writes the 住民記録 dataset (issue #13): its rows hold every group's items,
# keyed `group.key`; the 住民 group's (`jumin.`) are the columns of jumin.csv.
JUMIN = "jumin."


def jumin_columns(names):
    return [n for n in names if n.startswith(JUMIN)]


# ------------------------------------------------------------------ read


def test_read_rows_equal_cli_csv(cli_run):
    header, expected = csv_rows(cli_run / "jumin.csv")
    reader = ikou.read(str(SAMPLE), profile=PROFILE)
    assert isinstance(reader, pa.RecordBatchReader)
    table = reader.read_all()
    assert table.num_rows == 952  # 1000 in = 952 out + 48 rejected
    assert any(n.startswith("setai.") for n in table.column_names)
    table = table.select(jumin_columns(table.column_names))
    assert [f.metadata[b"ikou.name"].decode() for f in table.schema] == header
    assert arrow_rows(table) == expected


def test_read_is_streamed_in_batches_and_matches_after_arrow(cli_run):
    reader = ikou.read(SAMPLE, profile=PROFILE, record_numbers=True)
    batches = list(reader)
    assert sum(b.num_rows for b in batches) == 952
    after = pa.ipc.open_file(cli_run / "after.arrow").read_all()
    got = pa.Table.from_batches(batches)
    assert got.column("record").to_pylist() == after.column("record").to_pylist()
    for name in got.column_names[1:]:
        if after.schema.field(name).type == pa.string():
            assert got.column(name).to_pylist() == after.column(name).to_pylist(), name


def test_open_run_rejects_changes_manifest_equal_cli(cli_run):
    with ikou.open_run(str(SAMPLE), PROFILE) as run:
        n = sum(b.num_rows for b in run.rows)
        manifest = run.manifest()
        rejects = run.rejects()
        changes = run.changes()
    cli_manifest = json.loads((cli_run / "manifest.json").read_text())
    assert manifest["counts"] == cli_manifest["counts"]
    assert manifest["verdict"]["label"] == "要確認"  # 48 rejects: to be checked
    c = manifest["counts"]
    assert c["input_records"] == n + c["rejected_records"] == 1000
    _, cli_rejects = csv_rows(cli_run / "rejects.csv")
    assert [[unguard(v) for v in r.values()] for r in rejects.to_pylist()] == cli_rejects
    _, cli_changes = csv_rows(cli_run / "changes.csv")
    assert [[unguard(v) for v in r.values()] for r in changes.to_pylist()] == cli_changes
    assert len(cli_rejects) == 48


def test_manifest_before_rows_are_read_is_an_error():
    with ikou.open_run(SAMPLE, PROFILE) as run:
        with pytest.raises(ikou.UsageError, match="read the stream to its end"):
            run.manifest()


def test_pandas_and_polars_take_the_reader(cli_run):
    import pandas as pd  # scripts/test.sh installs both
    import polars as pl

    _, expected = csv_rows(cli_run / "jumin.csv")
    # pandas on Arrow-backed columns: the strings stay in the Arrow buffers (no copy).
    df = ikou.read(SAMPLE, profile=PROFILE).read_pandas(types_mapper=pd.ArrowDtype)
    assert isinstance(df.dtypes.iloc[0], pd.ArrowDtype)
    df = df[jumin_columns(df.columns)]
    assert df.fillna("").values.tolist() == expected
    # polars from the same stream.
    pf = pl.from_arrow(ikou.read(SAMPLE, profile=PROFILE).read_all())
    assert pf.height == 952
    pf = pf.select(jumin_columns(pf.columns))
    assert [["" if v is None else v for v in r] for r in pf.rows()] == expected


def test_dropping_a_reader_early_ends_the_run():
    reader = ikou.read(SAMPLE, profile=PROFILE)
    first = reader.read_next_batch()
    assert first.num_rows > 0
    del reader  # the run is cancelled, its scratch directory removed; nothing hangs


# ------------------------------------------------------------------ convert


def test_convert_equals_cli(cli, cli_run, tmp_path):
    events = []
    manifest = ikou.convert(
        PROFILE, [SAMPLE], tmp_path / "run", progress=lambda *e: events.append(e)
    )
    cli_manifest = json.loads((cli_run / "manifest.json").read_text())
    assert manifest["counts"] == cli_manifest["counts"]
    verdict = manifest.pop("verdict")
    assert manifest == json.loads((tmp_path / "run" / "manifest.json").read_text())
    # The verdict is the CLI's (`ikou convert --json`).
    r = cli("convert", "--profile", PROFILE, SAMPLE, "--out", tmp_path / "c", "--json")
    assert verdict == json.loads(r.stdout)["verdict"]
    assert (verdict["level"], verdict["label"]) == ("check", "要確認")
    # Deterministic outputs: the same bytes as the CLI's.
    for name in ["jumin.csv", "changes.csv"]:
        assert (tmp_path / "run" / name).read_bytes() == (cli_run / name).read_bytes(), name
    assert ("start", 1) == events[0][:2] and ("finish", 2) == events[-1][:2]
    assert sum(e[2] for e in events if e[0] == "advance" and e[1] == 2) == 1000


def test_convert_parquet_compression(cli, tmp_path):
    import pyarrow.parquet as pq

    def codecs(run):
        return {
            name: pq.ParquetFile(run / name).metadata.row_group(0).column(0).compression
            for name in ["before.parquet", "after.parquet", "changes.parquet"]
        }

    default = ikou.convert(PROFILE, SAMPLE, tmp_path / "default")
    assert default["options"]["parquet_compression"] == "default"
    # pyarrow names Parquet's LZ4_RAW "LZ4".
    assert codecs(tmp_path / "default") == {
        "before.parquet": "LZ4",
        "after.parquet": "UNCOMPRESSED",
        "changes.parquet": "LZ4",
    }
    snappy = ikou.convert(PROFILE, SAMPLE, tmp_path / "snappy", parquet_compression="snappy")
    assert snappy["options"]["parquet_compression"] == "snappy"
    assert set(codecs(tmp_path / "snappy").values()) == {"SNAPPY"}
    # The same rows whatever the codec, and the CLI's flag writes the same files.
    for name in ["before.parquet", "after.parquet", "changes.parquet"]:
        assert pq.read_table(tmp_path / "snappy" / name).equals(
            pq.read_table(tmp_path / "default" / name)
        ), name
    cli("convert", "--profile", PROFILE, SAMPLE, "--out", tmp_path / "c", "-q",
        "--parquet-compression", "snappy")
    for name in ["before.parquet", "after.parquet", "changes.parquet"]:
        assert (tmp_path / "c" / name).read_bytes() == (tmp_path / "snappy" / name).read_bytes()
    with pytest.raises(ikou.UsageError, match="unknown codec `zip`"):
        ikou.convert(PROFILE, SAMPLE, tmp_path / "bad", parquet_compression="zip")
    assert not (tmp_path / "bad").exists()


def test_convert_excel_bom(cli, tmp_path):
    bom = b"\xef\xbb\xbf"
    with_bom = ikou.convert(PROFILE, SAMPLE, tmp_path / "with")
    without = ikou.convert(PROFILE, SAMPLE, tmp_path / "without", excel_bom=False)
    assert with_bom["options"]["excel_bom"] == "true"
    assert without["options"]["excel_bom"] == "false"
    for name in ["rejects.csv", "changes.csv", "gaiji.csv"]:
        a = (tmp_path / "with" / name).read_bytes()
        b = (tmp_path / "without" / name).read_bytes()
        assert a.startswith(bom) and not b.startswith(bom), name
        assert a[len(bom):] == b, name
    # pyarrow skips the BOM: the same columns either way.
    import pyarrow.csv as pcsv

    for name in ["rejects.csv", "changes.csv"]:
        cols = pcsv.read_csv(tmp_path / "with" / name).column_names
        assert cols[0] == "record", (name, cols)
        assert cols == pcsv.read_csv(tmp_path / "without" / name).column_names
    # The CLI's flag is the same option.
    cli("convert", "--profile", PROFILE, SAMPLE, "--out", tmp_path / "c", "-q", "--no-excel-bom")
    assert (tmp_path / "c" / "changes.csv").read_bytes() == (
        tmp_path / "without" / "changes.csv"
    ).read_bytes()


def test_verify_equals_cli(cli, tmp_path):
    run = tmp_path / "run"
    ikou.convert(PROFILE, SAMPLE, run, outputs="minimal")
    got = ikou.verify(run)
    assert got == json.loads(cli("verify", run, "--json").stdout)
    assert got["ok"] and got["checks"]
    # A changed file: ok False and the check that failed, as the CLI says (exit 1).
    data = (run / "rejects.csv").read_bytes()
    (run / "rejects.csv").write_bytes(data.replace(b"record", b"recorX", 1))
    got = ikou.verify(run)
    assert not got["ok"]
    assert [c["what"] for c in got["checks"] if not c["ok"]] == ["sha256 rejects.csv"]
    r = cli("verify", run, "--json", check=False)
    assert r.returncode == 1 and json.loads(r.stdout) == got
    # An interrupted run: files, no manifest.
    (run / "manifest.json").unlink()
    got = ikou.verify(run)
    assert got["incomplete"] and not got["ok"]
    # No run there at all: an exception.
    with pytest.raises(ikou.InputError):
        ikou.verify(tmp_path / "nothing")
    # A key too short to be one.
    key = tmp_path / "k"
    key.write_bytes(b"short")
    with pytest.raises(ikou.UsageError):
        ikou.verify(run, key=key)


def test_report_equals_cli(cli, tmp_path):
    run = tmp_path / "run"
    ikou.convert(PROFILE, SAMPLE, run)
    got = ikou.report(run, lang="en")
    assert got == json.loads(cli("report", run, "--lang", "en", "--json").stdout)
    assert got["verified"] and got["page"].endswith("report.en.html")
    assert (got["verdict"]["level"], got["verdict"]["label"]) == ("check", "要確認")
    # With the defaults it makes the page the run wrote, byte for byte.
    listed = json.loads((run / "manifest.json").read_text())["outputs"]
    (own,) = [o["sha256"] for o in listed if o["name"] == "report.html"]
    again = ikou.report(run)
    assert again["page"].endswith("report.html") and again["sha256"] == own
    # Files that do not match: not verified, the page elsewhere, what failed.
    (run / "notes.txt").write_text("x")
    got = ikou.report(run)
    assert not got["verified"] and got["page"].endswith("report.unverified.html")
    assert [c["what"] for c in got["failed"]] == ["unlisted notes.txt"]
    assert got["verdict"]["level"] == "no-go"
    with pytest.raises(ikou.UsageError, match="unknown language"):
        ikou.report(run, lang="fr")
    with pytest.raises(ikou.InputError):
        ikou.report(tmp_path / "nothing")


def test_convert_cancel_token(tmp_path):
    token = ikou.CancelHandle()
    token.cancel()
    with pytest.raises(ikou.Cancelled):
        ikou.convert(PROFILE, SAMPLE, tmp_path / "run", cancel=token)
    assert not (tmp_path / "run" / "manifest.json").exists()


def test_convert_progress_exception_cancels_cleanly(tmp_path):
    class Stop(Exception):
        pass

    def progress(event, pass_, records, nbytes):
        if event == "advance":
            raise Stop("stop here")

    with pytest.raises(Stop):
        ikou.convert(PROFILE, SAMPLE, tmp_path / "run", progress=progress)
    assert not (tmp_path / "run" / "manifest.json").exists()


def test_convert_ctrl_c_cancels_cleanly(tmp_path):
    # A long run (200 copies of the sample, 200,000 records) and a SIGINT from another
    # thread while the main thread waits in ikou (no Python callback runs: only the run's
    # own signal check can see it).
    big = tmp_path / "big.dat"
    big.write_bytes(SAMPLE.read_bytes() * 200)

    def interrupt():
        time.sleep(0.3)
        os.kill(os.getpid(), signal.SIGINT)

    t = threading.Thread(target=interrupt)
    started = time.monotonic()
    t.start()
    with pytest.raises(KeyboardInterrupt):
        ikou.convert(PROFILE, big, tmp_path / "run", outputs="minimal", input_check=False)
    t.join()
    assert not (tmp_path / "run" / "manifest.json").exists()
    assert time.monotonic() - started < 30


# ------------------------------------------------------------------ detect, normalize


def test_detect_equals_cli(cli):
    expected = json.loads(cli("detect", "--json", SAMPLE).stdout)[0]
    assert ikou.detect(SAMPLE) == expected
    assert expected["encoding"] == "cp932"


def test_normalize_equals_cli(cli):
    values = ["ﾔﾏﾀﾞ ﾀﾛｳ", "ﾀﾅｶ", "abc"]
    lines = cli("normalize", "--as", "kana", "--json", *values, check=False).stdout
    assert ikou.normalize("kana", values) == [json.loads(l) for l in lines.splitlines()]
    dates = ["H01.01.08", "平成31年5月1日"]
    lines = cli(
        "normalize", "--as", "date", "--date-policy", "lenient", "--date-output", "era_kanji",
        "--json", *dates,
    ).stdout
    got = ikou.normalize("date", dates, date_policy="lenient", date_output="era_kanji")
    assert got == [json.loads(l) for l in lines.splitlines()]


# ------------------------------------------------------------------ errors


def cli_error(cli, *args):
    r = cli(*args, check=False)
    assert r.returncode != 0
    return r.stderr.strip().removeprefix("ikou: ")


def test_error_unknown_profile_is_the_clis(cli, tmp_path):
    msg = cli_error(cli, "convert", "--profile", "no-such", SAMPLE, "--out", tmp_path / "c")
    with pytest.raises(ikou.UsageError) as e:
        ikou.read(SAMPLE, profile="no-such")
    assert str(e.value) == msg
    with pytest.raises(ikou.UsageError) as e:
        ikou.convert("no-such", SAMPLE, tmp_path / "p")
    assert str(e.value) == msg


def test_error_missing_input(cli, tmp_path):
    missing = tmp_path / "missing.dat"
    msg = cli_error(cli, "convert", "--profile", PROFILE, missing, "--out", tmp_path / "c")
    with pytest.raises(ikou.InputError) as e:
        ikou.read(missing, profile=PROFILE)
    assert str(e.value) == msg


def test_error_input_contradicting_the_profile(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("this is a UTF-8 text file, not fixed-length CP932 records\n" * 20)
    with pytest.raises(ikou.UsageError, match="input_check=False"):
        ikou.read(bad, profile=PROFILE)


def test_error_damaged_record_names_file_record_offset(cli, tmp_path):
    # The sample with its last record cut short: the CLI's message (file, record, offset).
    data = SAMPLE.read_bytes()
    damaged = tmp_path / "damaged.dat"
    damaged.write_bytes(data[:-100])
    args = ["convert", "--profile", PROFILE, damaged, "--no-input-check"]
    r = cli(*args, "--out", tmp_path / "c", "--json", check=False)
    if r.returncode in (0, 1, 4):
        # The run completes (4: its verdict is 移行不可, a truncated input) and rejects the
        # record with a reason: Python gives the same rejects.
        cli_rejects = csv_rows(tmp_path / "c" / "rejects.csv")[1]
        with ikou.open_run(damaged, PROFILE, input_check=False) as run:
            for _ in run.rows:
                pass
            got = [[unguard(v) for v in r.values()] for r in run.rejects().to_pylist()]
        assert got == cli_rejects
        assert any("damaged.dat" in r[1] for r in got)
    else:
        msg = r.stderr.strip().removeprefix("ikou: ")
        with pytest.raises(ikou.IkouError) as e:
            ikou.read(damaged, profile=PROFILE, input_check=False).read_all()
        assert msg in str(e.value)


def test_normalize_unknown_type(cli):
    msg = cli_error(cli, "normalize", "--as", "nope", "x")
    with pytest.raises(ikou.UsageError) as e:
        ikou.normalize("nope", ["x"])
    assert str(e.value) in msg


def test_detect_missing_file(tmp_path):
    with pytest.raises(ikou.InputError, match="missing.dat"):
        ikou.detect(tmp_path / "missing.dat")


def test_error_run_directory_not_empty_is_the_clis(cli, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("a previous run's file")
    msg = cli_error(cli, "convert", "--profile", PROFILE, SAMPLE, "--out", out)
    with pytest.raises(ikou.UsageError) as e:
        ikou.convert(PROFILE, SAMPLE, out)
    assert str(e.value) == msg  # the CLI's words: "--force" is force=True here
    assert (out / "keep.txt").exists() and not (out / "manifest.json").exists()


def test_read_two_inputs_equals_cli(cli, tmp_path):
    # Two inputs make one run: the second copy's records are duplicates of the first's
    # (pass 1 sees both files), so the rows and rejects are the CLI's for the same pair.
    second = tmp_path / "juki-copy.dat"
    second.write_bytes(SAMPLE.read_bytes())
    out = tmp_path / "cli"
    cli("convert", "--profile", PROFILE, SAMPLE, second, "--out", out, "--quiet", check=False)
    _, expected = csv_rows(out / "jumin.csv")
    with ikou.open_run([SAMPLE, second], PROFILE) as run:
        table = run.rows.read_all()
        got = arrow_rows(table.select(jumin_columns(table.column_names)))
        m = run.manifest()
    assert got == expected
    cli_m = json.loads((out / "manifest.json").read_text())
    assert m["counts"] == cli_m["counts"]
    assert m["counts"]["input_records"] == 2000


def test_convert_verdict_no_go_is_the_clis_exit_4(cli, tmp_path):
    # A truncated input: the CLI exits 4 (移行不可); convert() says so in its verdict.
    damaged = tmp_path / "cut.dat"
    damaged.write_bytes(SAMPLE.read_bytes()[:-100])
    r = cli("convert", "--profile", PROFILE, damaged, "--no-input-check", "--out",
            tmp_path / "c", "--json", check=False)
    assert r.returncode == 4, r.stderr
    m = ikou.convert(PROFILE, damaged, tmp_path / "p", input_check=False)
    assert m["verdict"] == json.loads(r.stdout)["verdict"]
    assert (m["verdict"]["level"], m["verdict"]["label"]) == ("no-go", "移行不可")
    assert "cut short" in m["verdict"]["reasons"][0]["text"]
