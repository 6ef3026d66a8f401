"""ikou from Python: Japanese municipal legacy records into the national standard layouts.

The same engine as the ``ikou`` command line, called in-process:

- :func:`detect` — what a file's bytes are (``ikou detect --json``);
- :func:`normalize` — one domain type's cleansing rules on values (``ikou normalize --json``);
- :func:`convert` — a whole run into a run directory, the manifest as a dict
  (``ikou convert --json``), with progress and cancellation (Ctrl-C cancels cleanly);
- :func:`verify` — a run directory's files against its manifest (``ikou verify --json``);
- :func:`report` — (re)make a run's report page for staff (``ikou report --json``);
- :func:`read` — the converted rows as a :class:`pyarrow.RecordBatchReader`, streaming,
  handed over through the Arrow C stream interface; both passes run as in the CLI, so the
  rows are exactly the CLI's output rows. :func:`open_run` also gives the rejects, the
  changes and the manifest.

Errors raise :class:`IkouError` (:class:`UsageError`, :class:`InputError`,
:class:`Cancelled`) with the CLI's message: file, record number, byte offset and field.
See docs/PYTHON.md.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from typing import Any, Callable, Iterable, Optional, Sequence, Union

from . import _ikou
from ._ikou import Cancelled, CancelHandle, IkouError, InputError, UsageError

__all__ = [
    "detect",
    "normalize",
    "convert",
    "verify",
    "report",
    "read",
    "open_run",
    "RunReader",
    "CancelHandle",
    "IkouError",
    "UsageError",
    "InputError",
    "Cancelled",
]

PathLike = Union[str, "os.PathLike[str]"]
Progress = Callable[[str, int, int, int], Any]


def _paths(inputs: Union[PathLike, Iterable[PathLike]]) -> list:
    if isinstance(inputs, (str, bytes, os.PathLike)):
        return [os.fspath(inputs)]
    return [os.fspath(p) for p in inputs]


def detect(path: PathLike) -> dict:
    """What a file's bytes are: encoding, newline, record structure, 外字 census, findings.

    Returns the object ``ikou detect --json`` prints for the file (keys: path, encoding,
    confidence, bom, newline, eof_marker, structure, census, gaiji, findings, reasons,
    candidates, …). A file larger than 1 MiB is sampled (head, 16 samples, tail).

    Raises :class:`InputError` if the file cannot be read.

    >>> ikou.detect("testdata/sample/juki-1000.dat")["encoding"]
    'cp932'
    """
    return json.loads(_ikou.detect_json(os.fspath(path)))


def normalize(
    type: str,
    values: Union[str, Sequence[str]],
    *,
    date_policy: str = "strict",
    variants: str = "keep",
    date_form: str = "auto",
    date_output: str = "iso",
    zero_pad: Optional[int] = None,
    keep_padding: bool = False,
    kana_separators: bool = False,
) -> list:
    """Applies one domain type's cleansing rules to each value.

    ``type`` is a domain type (kana, kanji_name, date, address, postal_code, …, as
    ``ikou normalize --as``). Returns one dict per value, as ``ikou normalize --json``:
    ``input``, ``output``, ``ok``, ``partial``, ``changes`` (rule, before, after),
    ``error``, ``findings``. Options are the CLI's flags (``--date-policy`` …).

    Raises :class:`UsageError` for an unknown type or option value.

    >>> ikou.normalize("kana", ["ﾔﾏﾀﾞ ﾀﾛｳ"])[0]["output"]
    'ヤマダ　タロウ'
    """
    if isinstance(values, str):
        values = [values]
    return json.loads(
        _ikou.normalize_json(
            type,
            list(values),
            date_policy=date_policy,
            variants=variants,
            date_form=date_form,
            date_output=date_output,
            zero_pad=zero_pad,
            keep_padding=keep_padding,
            kana_separators=kana_separators,
        )
    )


def convert(
    profile: str,
    inputs: Union[PathLike, Iterable[PathLike]],
    out: PathLike,
    *,
    force: bool = False,
    threads: int = 0,
    outputs: str = "all",
    specs: Sequence[PathLike] = (),
    gaiji: Optional[PathLike] = None,
    show_values: bool = False,
    input_check: bool = True,
    allow_outside_specs: bool = False,
    progress: Optional[Progress] = None,
    cancel: Optional[CancelHandle] = None,
    parquet_compression: Optional[str] = None,
    excel_bom: bool = True,
) -> dict:
    """Converts ``inputs`` with ``profile`` into the run directory ``out``, as ``ikou convert``.

    Writes the standard CSV, rejects.csv, changes.csv, the Arrow/Parquet files, report.html
    and manifest.json (``outputs`` selects the optional ones, as ``--outputs``) and returns
    the manifest as a dict; ``manifest["counts"]`` holds the accounting
    (``input_records == output_records + rejected_records``).

    ``manifest["verdict"]`` is the run's verdict, as ``ikou convert --json`` prints it and by
    the rule of report.html: ``level`` ``"go"`` (移行可), ``"check"`` (要確認) or ``"no-go"``
    (移行不可: the run must not be migrated — ``ikou convert`` exits 4), ``label`` (the
    Japanese), ``cause``, ``reasons`` (``[{"level", "text"}]``, worst first) and
    ``max_reject_rate``. It is not part of manifest.json (the report recomputes it).

    ``progress(event, pass_, records, bytes)`` is called with ``event`` "start" (``bytes`` =
    the pass's total), "advance" (records and bytes done since the last call) and "finish";
    pass 1 is the cross-record checks, pass 2 the conversion. Ctrl-C, an exception raised
    by ``progress`` or ``cancel.cancel()`` stops the run: nothing is published and the
    exception (``KeyboardInterrupt``, yours, or :class:`Cancelled`) is raised.

    Personal values stay masked in the outputs unless ``show_values=True``.

    ``parquet_compression`` (``"none"``, ``"lz4"``, ``"snappy"``) is the codec of every
    Parquet output, as ``--parquet-compression``; by default before.parquet and changes.parquet
    are LZ4-compressed and after.parquet is not. ``manifest["options"]["parquet_compression"]``
    records the choice.

    rejects.csv, changes.csv and gaiji.csv start with a UTF-8 BOM, so that Excel on Japanese
    Windows opens them as UTF-8; ``excel_bom=False`` leaves it out, as ``--no-excel-bom``.
    pyarrow, pandas, polars and DuckDB skip it; Python's own :mod:`csv` module needs
    ``open(path, encoding="utf-8-sig")``.

    Raises :class:`UsageError` (profile, options, an input contradicting the profile — pass
    ``input_check=False`` to convert anyway — a non-empty ``out`` without ``force``) or
    :class:`InputError` (I/O, a record that cannot be read: file, record, byte offset).
    """
    return json.loads(
        _ikou.convert_json(
            profile,
            _paths(inputs),
            os.fspath(out),
            force=force,
            threads=threads,
            outputs=outputs,
            specs=[os.fspath(s) for s in specs],
            gaiji=None if gaiji is None else os.fspath(gaiji),
            show_values=show_values,
            input_check=input_check,
            allow_outside_specs=allow_outside_specs,
            progress=progress,
            cancel=cancel,
            parquet_compression=parquet_compression,
            excel_bom=excel_bom,
        )
    )


def verify(dir: PathLike, *, key: Optional[PathLike] = None) -> dict:
    """Checks the run directory ``dir`` against its manifest, as ``ikou verify DIR --json``.

    Returns the CLI's JSON as a dict: ``ok``, ``profile``, ``fingerprint`` and ``checks``
    (each ``what``, ``ok``, ``detail``): every listed file's SHA-256 and size, the rows of the
    standard CSV and rejects.csv, ``input = output + rejected``, no file the run did not
    write. A mismatch is ``ok`` False, not an exception; an interrupted run (files but no
    manifest.json) is ``{"ok": False, "incomplete": True, "message": …}``. With ``key`` (a
    key file, as ``--key``) the run's signature (``ikou sign``) is checked too.

    Raises :class:`InputError` when the directory, its manifest or the key cannot be read,
    :class:`UsageError` for a key too short to be one.
    """
    return json.loads(
        _ikou.verify_json(os.fspath(dir), key=None if key is None else os.fspath(key))
    )


def report(
    dir: PathLike,
    *,
    lang: str = "ja",
    show_values: bool = False,
    out: Optional[PathLike] = None,
    specs: Sequence[PathLike] = (),
) -> dict:
    """(Re)makes the report page of the run directory ``dir``, as ``ikou report DIR --json``.

    The run's files are checked first, exactly as :func:`verify` does. Returns the CLI's
    JSON as a dict: ``verified``, ``page`` (the file written), ``bytes``, ``sha256``,
    ``verdict`` (``level`` ``"go"``, ``"check"`` or ``"no-go"``, ``label``, ``cause``,
    ``reasons``) and ``notes``. When the files do not match the manifest, ``verified`` is
    False, the page (red banner, 移行不可) went to ``page`` and ``failed`` lists the checks —
    not an exception. ``lang`` is ``"ja"`` or ``"en"``; ``out`` another file to write;
    ``specs`` spec folders with the run's layouts when its profile is not bundled.

    Raises :class:`UsageError` (not a run manifest, specs that do not load, an unknown
    ``lang``) or :class:`InputError` (no manifest, a file that cannot be read or written).
    """
    return json.loads(
        _ikou.report_json(
            os.fspath(dir),
            lang=lang,
            show_values=show_values,
            out=None if out is None else os.fspath(out),
            specs=[os.fspath(s) for s in specs],
        )
    )


class RunReader:
    """A conversion whose rows stream out as Arrow; rejects, changes and manifest after.

    ``rows`` is a :class:`pyarrow.RecordBatchReader` of the converted rows (one string
    column per item of the standard layout, ``None`` for an absent value; with
    ``record_numbers=True`` a first column ``record``, the 1-based input record number, as
    in after.arrow). Column names are the item keys; each field's ``ikou.name`` metadata is
    the Japanese item name, the standard CSV's header.
    Read it to its end; then :meth:`manifest`, :meth:`rejects` and :meth:`changes` are
    there. :meth:`close` (or the ``with`` block's end) removes the scratch run directory.
    """

    def __init__(self, stream: Any, workdir: str, owned: bool) -> None:
        import pyarrow as pa

        self._stream = stream
        self._workdir = workdir
        self._owned = owned
        self.rows = pa.RecordBatchReader.from_stream(stream)

    @property
    def run_dir(self) -> str:
        """The run directory (the standard CSV, rejects.csv, changes.csv, manifest.json)."""
        return os.path.join(self._workdir, "run")

    def manifest(self) -> dict:
        """The run's manifest (waits for the run's end; raises the run's error)."""
        return json.loads(self._stream.wait_json())

    def _csv(self, name: str):
        import pyarrow.csv as pcsv

        self.manifest()
        path = os.path.join(self.run_dir, name)
        if not os.path.exists(path):
            raise UsageError(f"{name} was not written by this run")
        with open(path, "rb") as f:
            header = f.readline().decode("utf-8-sig").rstrip("\r\n").split(",")
        import pyarrow as pa

        types = {h.strip('"'): pa.string() for h in header}
        return pcsv.read_csv(
            path,
            convert_options=pcsv.ConvertOptions(
                column_types=types, strings_can_be_null=False, quoted_strings_can_be_null=False
            ),
        )

    def rejects(self):
        """rejects.csv as a :class:`pyarrow.Table` (every rejected record with its reasons)."""
        return self._csv("rejects.csv")

    def changes(self):
        """changes.csv as a :class:`pyarrow.Table` (record, item, before, after, rule)."""
        return self._csv("changes.csv")

    def cancel(self) -> None:
        """Stops the run: the stream ends with :class:`Cancelled`."""
        self._stream.cancel()

    def close(self) -> None:
        """Ends the run (if still going) and removes the scratch directory."""
        self._stream.cancel()
        if self._owned:
            shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> "RunReader":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_run(
    inputs: Union[PathLike, Iterable[PathLike]],
    profile: str,
    *,
    specs: Sequence[PathLike] = (),
    gaiji: Optional[PathLike] = None,
    threads: int = 0,
    input_check: bool = True,
    allow_outside_specs: bool = False,
    record_numbers: bool = False,
    show_values: bool = False,
    changes: bool = True,
    workdir: Optional[PathLike] = None,
) -> RunReader:
    """Starts a conversion and returns a :class:`RunReader` (rows, then rejects, changes,
    manifest). The run writes its files to a scratch directory (``workdir``, else a new
    temporary directory removed by :meth:`RunReader.close`). Profile and input errors raise
    here; an error later in the run ends the row stream with that error."""
    owned = workdir is None
    wd = tempfile.mkdtemp(prefix="ikou-read-") if owned else os.fspath(workdir)
    try:
        stream = _ikou.start_read(
            _paths(inputs),
            os.path.join(wd, "run"),
            profile,
            specs=[os.fspath(s) for s in specs],
            gaiji=None if gaiji is None else os.fspath(gaiji),
            threads=threads,
            input_check=input_check,
            allow_outside_specs=allow_outside_specs,
            record_numbers=record_numbers,
            show_values=show_values,
            changes=changes,
        )
    except BaseException:
        if owned:
            shutil.rmtree(wd, ignore_errors=True)
        raise
    return RunReader(stream, wd, owned)


def read(
    inputs: Union[PathLike, Iterable[PathLike]],
    profile: str,
    *,
    specs: Sequence[PathLike] = (),
    gaiji: Optional[PathLike] = None,
    threads: int = 0,
    input_check: bool = True,
    allow_outside_specs: bool = False,
    record_numbers: bool = False,
):
    """The converted rows of ``inputs`` as a :class:`pyarrow.RecordBatchReader`.

    Runs both passes as ``ikou convert`` does (the cross-record checks first), so the rows
    are exactly the rows of the CLI's standard CSV, in input order; rejected records are
    not among them (:func:`open_run` gives the rejects and changes too). Streaming: at most
    two batches wait in memory. Values are strings (``None``: absent), one column per item.

    >>> ikou.read("testdata/sample/juki-1000.dat", profile="sample-juki").read_all().num_rows
    """
    r = open_run(
        inputs,
        profile,
        specs=specs,
        gaiji=gaiji,
        threads=threads,
        input_check=input_check,
        allow_outside_specs=allow_outside_specs,
        record_numbers=record_numbers,
        changes=False,
    )
    import pyarrow as pa

    def batches():
        try:
            for b in r.rows:
                yield b
        finally:
            r.close()  # the scratch run directory goes when the rows are read or dropped

    return pa.RecordBatchReader.from_batches(r.rows.schema, batches())
