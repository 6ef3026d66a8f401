"""Type stubs of the native module (use the functions of :mod:`ikou`)."""

from typing import Any, Callable, Optional, Sequence

class IkouError(Exception): ...
class UsageError(IkouError): ...
class InputError(IkouError): ...
class Cancelled(IkouError): ...

class CancelHandle:
    def __init__(self) -> None: ...
    def cancel(self) -> None: ...
    @property
    def cancelled(self) -> bool: ...

class RowStream:
    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...
    def cancel(self) -> None: ...
    def wait_json(self) -> str: ...

def detect_json(path: str) -> str: ...
def normalize_json(
    domain: str,
    values: Sequence[str],
    date_policy: str = ...,
    variants: str = ...,
    date_form: str = ...,
    date_output: str = ...,
    zero_pad: Optional[int] = ...,
    keep_padding: bool = ...,
    kana_separators: bool = ...,
) -> str: ...
def convert_json(
    profile: str,
    inputs: Sequence[str],
    out: str,
    force: bool = ...,
    threads: int = ...,
    outputs: str = ...,
    specs: Sequence[str] = ...,
    gaiji: Optional[str] = ...,
    show_values: bool = ...,
    input_check: bool = ...,
    allow_outside_specs: bool = ...,
    progress: Optional[Callable[[str, int, int, int], Any]] = ...,
    cancel: Optional[CancelHandle] = ...,
    parquet_compression: Optional[str] = ...,
    excel_bom: bool = ...,
) -> str: ...
def verify_json(dir: str, key: Optional[str] = ...) -> str: ...
def report_json(
    dir: str,
    lang: str = ...,
    show_values: bool = ...,
    out: Optional[str] = ...,
    specs: Sequence[str] = ...,
) -> str: ...
def start_read(
    inputs: Sequence[str],
    out: str,
    profile: str,
    specs: Sequence[str] = ...,
    gaiji: Optional[str] = ...,
    threads: int = ...,
    input_check: bool = ...,
    allow_outside_specs: bool = ...,
    record_numbers: bool = ...,
    show_values: bool = ...,
    changes: bool = ...,
) -> RowStream: ...

class RangeStream:
    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...

class RangePlan:
    def columns(self, output: str) -> list: ...
    def splittable(self) -> bool: ...
    def bounds(self, path: str, start: int, end: int) -> tuple: ...
    def check_items(self) -> tuple: ...
    def target_items(self) -> list: ...
    def merge_reasons(
        self,
        kinds: Optional[str],
        reasons: Optional[str],
        after: dict,
        duplicates: Sequence[Optional[int]],
        heads: Optional[int],
    ) -> tuple: ...
    def read_range(
        self, path: str, start: int, end: int, output: str = ..., batch_records: int = ...
    ) -> RangeStream: ...

def range_plan(
    profile: str,
    specs: Sequence[str] = ...,
    gaiji: Optional[str] = ...,
    allow_outside_specs: bool = ...,
    inputs: Sequence[str] = ...,
    input_check: bool = ...,
) -> RangePlan: ...
