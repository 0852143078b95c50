"""File answers (report exports): the whole file, a stream of chunks, or a file on disk, with Toggl's type and name.

The streamed forms must not hold the file: a 64 MiB body written with `..._to_file` peaks at a few chunks
of memory (tracemalloc), through the same transport stack (pacing, retries) as every other call.
"""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from loopback import Send, loopback_server

from toggl_async import ForbiddenError, Toggl, TogglNetworkError
from toggl_async._generated.binary import STREAM_EXTENSION
from toggl_async.models import DetailedReportExportRequest, ReportExportFormat, WeeklyReportExportRequest
from toggl_async.testing import FakeClock
from toggl_async.transport import STREAM_EXTENSION as TRANSPORT_STREAM_EXTENSION

CHUNK = 64 * 1024
BIG = 64 * 1024 * 1024
CSV = "text/csv; charset=utf-8"


def chunk(n: int) -> bytes:
    return bytes([n % 251]) * CHUNK


class Generated(httpx.AsyncByteStream):
    """A body produced chunk by chunk, never as a whole (like a socket); `fail_at` breaks the connection."""

    def __init__(self, size: int, fail_at: int | None = None) -> None:
        self.size, self.fail_at = size, fail_at

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for n in range(self.size // CHUNK):
            if n == self.fail_at:
                raise httpx.ReadError("connection reset mid-body")
            yield chunk(n)


def expected_digest(size: int) -> str:
    digest = hashlib.sha256()
    for n in range(size // CHUNK):
        digest.update(chunk(n))
    return digest.hexdigest()


class Server(httpx.AsyncBaseTransport):
    def __init__(self, answer: Callable[[httpx.Request, int], httpx.Response]) -> None:
        self.answer, self.requests = answer, []  # type: list[httpx.Request]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request, len(self.requests))


def file_answer(size: int, *, disposition: str = 'attachment; filename="report.csv"', fail_at: int | None = None):
    def answer(request: httpx.Request, attempt: int) -> httpx.Response:
        headers = {"content-type": CSV, "content-disposition": disposition}
        return httpx.Response(200, headers=headers, stream=Generated(size, fail_at))

    return answer


def client(server: Server) -> Toggl:
    return Toggl("token", transport=server, rate=None, clock=FakeClock())


BODY = DetailedReportExportRequest(description="x")


def test_the_transport_and_the_download_code_agree_on_the_stream_extension() -> None:
    assert TRANSPORT_STREAM_EXTENSION == STREAM_EXTENSION


async def test_to_file_writes_a_large_export_without_holding_it(tmp_path: Path) -> None:
    server = Server(file_answer(BIG))
    target = tmp_path / "detailed.csv"
    async with client(server) as toggl:
        tracemalloc.start()
        try:
            saved = await toggl.reports.export_detailed_report_to_file(target, 1, ReportExportFormat.CSV, body=BODY)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes for a {BIG}-byte body"
    assert (saved.path, saved.size, saved.content_type, saved.filename) == (target, BIG, "text/csv", "report.csv")
    digest = hashlib.sha256()
    with target.open("rb") as written:
        while block := written.read(1 << 20):
            digest.update(block)
    assert digest.hexdigest() == expected_digest(BIG)
    assert not (tmp_path / "detailed.csv.part").exists()
    assert server.requests[0].url.path == "/reports/api/v3/workspace/1/search/time_entries.csv"


async def test_stream_yields_bounded_chunks_with_type_and_name() -> None:
    server = Server(file_answer(8 * CHUNK))
    async with client(server) as toggl:
        async with toggl.reports.export_detailed_report_stream(1, ReportExportFormat.XLSX, body=BODY) as download:
            assert (download.status_code, download.content_type, download.filename) == (200, "text/csv", "report.csv")
            sizes = [len(part) async for part in download.iter_bytes(chunk_size=10_000)]
        # Iterating without `async with` opens and closes the download itself.
        weekly = toggl.reports.export_weekly_report_stream(1, body=WeeklyReportExportRequest())
        whole = b"".join([part async for part in weekly])
    assert max(sizes) <= 10_000 and sum(sizes) == 8 * CHUNK
    assert whole == b"".join(chunk(n) for n in range(8))


async def test_the_plain_call_returns_the_whole_file() -> None:
    server = Server(file_answer(3 * CHUNK, disposition="attachment; filename*=UTF-8''Bericht%20M%C3%A4rz.csv"))
    async with client(server) as toggl:
        result = await toggl.reports.export_detailed_report(1, ReportExportFormat.CSV, body=BODY)
    assert result.content == b"".join(chunk(n) for n in range(3))
    assert (result.content_type, result.filename, result.size) == ("text/csv", "Bericht März.csv", 3 * CHUNK)
    assert "content=" not in repr(result)  # a repr never dumps a whole file


@pytest.mark.parametrize(
    ("disposition", "name"),
    [
        ('attachment; filename="../../etc/passwd"', "passwd"),
        ('attachment; filename="C:\\\\Users\\\\x\\\\evil.csv"', "evil.csv"),
        ('attachment; filename=".."', None),
        ("attachment", None),
        ("", None),
    ],
)
async def test_a_file_name_never_names_a_folder(disposition: str, name: str | None) -> None:
    async with client(Server(file_answer(CHUNK, disposition=disposition))) as toggl:
        result = await toggl.reports.export_detailed_report(1, ReportExportFormat.CSV, body=BODY)
    assert result.filename == name


async def test_an_error_status_raises_the_typed_error_and_writes_nothing(tmp_path: Path) -> None:
    def refuse(request: httpx.Request, attempt: int) -> httpx.Response:
        return httpx.Response(403, json="User does not have access to this resource")

    target = tmp_path / "out.csv"
    async with client(Server(refuse)) as toggl:
        with pytest.raises(ForbiddenError):
            await toggl.reports.export_detailed_report_to_file(target, 1, ReportExportFormat.CSV, body=BODY)
        with pytest.raises(ForbiddenError):
            async with toggl.reports.export_detailed_report_stream(1, ReportExportFormat.CSV, body=BODY):
                pass
    assert not target.exists() and not target.with_name("out.csv.part").exists()


async def test_a_connection_lost_mid_body_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_bytes(b"previous export")
    async with client(Server(file_answer(16 * CHUNK, fail_at=5))) as toggl:
        with pytest.raises((httpx.ReadError, TogglNetworkError)):
            await toggl.reports.export_detailed_report_to_file(target, 1, ReportExportFormat.CSV, body=BODY)
    assert target.read_bytes() == b"previous export"  # the old file stays until a new one is complete
    assert not (tmp_path / "out.csv.part").exists()


async def test_a_retried_answer_is_streamed_once_it_succeeds(tmp_path: Path) -> None:
    def flaky(request: httpx.Request, attempt: int) -> httpx.Response:
        if attempt == 1:
            return httpx.Response(429, text="<html>slow down</html>", headers={"retry-after": "1"})
        return file_answer(4 * CHUNK)(request, attempt)

    server = Server(flaky)
    async with client(server) as toggl:
        saved = await toggl.reports.export_detailed_report_to_file(
            tmp_path / "r.csv", 1, ReportExportFormat.CSV, body=BODY
        )
    assert saved.size == 4 * CHUNK and len(server.requests) == 2


async def test_a_bad_format_is_refused_before_sending() -> None:
    server = Server(file_answer(CHUNK))
    async with client(server) as toggl:
        with pytest.raises(ValueError, match="pdf"):
            await toggl.reports.export_detailed_report(1, "pdf", body=BODY)  # type: ignore[arg-type]
    assert server.requests == []


async def test_a_download_over_a_real_socket_streams_and_gives_the_connection_back(tmp_path: Path) -> None:
    size = 16 * 1024 * 1024

    async def respond(request_line: bytes, send: Send) -> bool:
        head = (
            f"HTTP/1.1 200 OK\r\ncontent-type: {CSV}\r\ncontent-length: {size}\r\n"
            'content-disposition: attachment; filename="big.csv"\r\n\r\n'
        )
        await send(head.encode())
        for n in range(size // CHUNK):
            await send(chunk(n))
        return True

    async with loopback_server(respond) as url, Toggl("token", base_url=url, rate=None) as toggl:
        tracemalloc.start()
        try:
            first = await toggl.reports.export_detailed_report_to_file(
                tmp_path / "a.csv", 1, ReportExportFormat.CSV, body=BODY
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        # The pool got its connection back: a second download (and a third, streamed) work at once.
        second = await toggl.reports.export_detailed_report_to_file(
            tmp_path / "b.csv", 1, ReportExportFormat.CSV, body=BODY
        )
        async with toggl.reports.export_detailed_report_stream(1, ReportExportFormat.CSV, body=BODY) as download:
            streamed = sum([len(part) async for part in download])
    assert peak < 4 * 1024 * 1024, peak
    assert first.size == second.size == streamed == size and first.filename == "big.csv"
    assert (tmp_path / "a.csv").stat().st_size == size
