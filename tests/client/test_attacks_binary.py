"""A hostile or broken server answering a file download, and a careless caller saving it.

Findings this file pins (each failed before its fix): Toggl's suggested file name kept NUL, CR/LF and
escape characters, a drive (`C:evil.csv`), a leading dot and any length; `..._to_file` into a folder
downloaded everything and then failed, and wrote through `<path>.part` (replacing, then deleting, a
file of the caller's of that name); a connection lost mid-body escaped as a bare httpx.ReadError; a
body shorter than its Content-Length was saved as if complete.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest
from loopback import Send, loopback_server

from toggl_async import Toggl, TogglNetworkError
from toggl_async.models import DetailedReportExportRequest, ReportExportFormat
from toggl_async.testing import FakeClock

BODY = DetailedReportExportRequest(description="x")
CSV = ReportExportFormat.CSV


class Body(httpx.AsyncByteStream):
    """`chunks`, then (optionally) a broken connection or a cancellation; records whether it was closed."""

    def __init__(self, chunks: list[bytes], *, then: str | None = None, scope: anyio.CancelScope | None = None):
        self.chunks, self.then, self.scope, self.closed = chunks, then, scope, False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        if self.then == "reset":
            raise httpx.ReadError("connection reset by peer")
        if self.then == "cancel" and self.scope is not None:
            self.scope.cancel()
            await anyio.sleep_forever()

    async def aclose(self) -> None:
        self.closed = True


class Server(httpx.AsyncBaseTransport):
    def __init__(self, body: Body | None = None, **headers: str) -> None:
        self.body, self.headers, self.requests = body, headers, []  # type: list[httpx.Request]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        headers = {"content-type": "text/csv", **{k.replace("_", "-"): v for k, v in self.headers.items()}}
        return httpx.Response(200, headers=headers, stream=self.body or Body([b"a,b\n1,2\n"]))


def toggl_on(server: Server) -> Toggl:
    return Toggl("token", transport=server, rate=None, clock=FakeClock())


@pytest.mark.parametrize(
    ("disposition", "name"),
    [
        ('attachment; filename="rep\x00ort\r\n.csv"', "report.csv"),
        ("attachment; filename*=UTF-8''%1B%5B31mred%0D%0A.csv", "[31mred.csv"),
        ('attachment; filename="C:evil.csv"', "evil.csv"),
        ('attachment; filename="../.bashrc"', "bashrc"),
        ("attachment; filename*=UTF-8''" + "%C3%A9" * 300 + ".csv", "é" * 125 + ".csv"),
    ],
)
async def test_toggls_file_name_is_one_plain_name_of_at_most_255_bytes(disposition: str, name: str) -> None:
    async with toggl_on(Server(content_disposition=disposition)) as toggl:
        result = await toggl.reports.export_detailed_report(1, CSV, body=BODY)
    assert result.filename == name and len(name.encode()) <= 255


async def test_saving_into_a_folder_or_a_missing_folder_fails_before_anything_is_requested(tmp_path: Path) -> None:
    server = Server()
    async with toggl_on(server) as toggl:
        with pytest.raises(IsADirectoryError, match="is a folder"):
            await toggl.reports.export_detailed_report_to_file(tmp_path, 1, CSV, body=BODY)
        with pytest.raises(FileNotFoundError):
            await toggl.reports.export_detailed_report_to_file(tmp_path / "no" / "r.csv", 1, CSV, body=BODY)
    assert server.requests == [] and os.listdir(tmp_path) == []


async def test_saving_writes_through_no_existing_file_or_link_and_leaves_only_the_file(tmp_path: Path) -> None:
    mine = tmp_path / "r.csv.part"
    mine.write_bytes(b"the caller's own file")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(b"not to be touched")
    (tmp_path / ".r.csv.part").symlink_to(elsewhere)
    async with toggl_on(Server()) as toggl:
        saved = await toggl.reports.export_detailed_report_to_file(tmp_path / "r.csv", 1, CSV, body=BODY)
    assert saved.path.read_bytes() == b"a,b\n1,2\n" and saved.size == 8
    assert mine.read_bytes() == b"the caller's own file" and elsewhere.read_bytes() == b"not to be touched"
    assert sorted(os.listdir(tmp_path)) == [".r.csv.part", "elsewhere", "r.csv", "r.csv.part"]


async def test_a_connection_lost_mid_body_is_a_network_error_closes_the_body_and_leaves_no_file(
    tmp_path: Path,
) -> None:
    target = tmp_path / "r.csv"
    target.write_bytes(b"last week's export")
    for how in ("to_file", "stream"):
        body = Body([b"a,b\n", b"1,2\n"], then="reset")
        async with toggl_on(Server(body)) as toggl:
            with pytest.raises(TogglNetworkError, match="ReadError: connection reset") as lost:
                if how == "to_file":
                    await toggl.reports.export_detailed_report_to_file(target, 1, CSV, body=BODY)
                else:
                    async with toggl.reports.export_detailed_report_stream(1, CSV, body=BODY) as download:
                        [part async for part in download]
        assert lost.value.path == "/reports/api/v3/workspace/1/search/time_entries.csv" and body.closed, how
    assert target.read_bytes() == b"last week's export" and os.listdir(tmp_path) == ["r.csv"]


async def test_a_body_shorter_or_longer_than_its_content_length_is_not_saved_as_complete(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    for declared in ("100", "3"):
        async with toggl_on(Server(Body([b"a,b\n1,2\n"]), content_length=declared)) as toggl:
            with pytest.raises(TogglNetworkError, match=f"after 8 of the {declared} bytes"):
                await toggl.reports.export_detailed_report_to_file(target, 1, CSV, body=BODY)
            with pytest.raises(TogglNetworkError, match="Content-Length"):
                _ = [part async for part in toggl.reports.export_detailed_report_stream(1, CSV, body=BODY)]
    assert os.listdir(tmp_path) == []


async def test_a_download_cancelled_mid_body_leaves_no_file(tmp_path: Path) -> None:
    with anyio.CancelScope() as scope:
        body = Body([b"a,b\n"], then="cancel", scope=scope)
        async with toggl_on(Server(body)) as toggl:
            await toggl.reports.export_detailed_report_to_file(tmp_path / "r.csv", 1, CSV, body=BODY)
    assert scope.cancelled_caught and body.closed and os.listdir(tmp_path) == []


async def test_a_bad_chunk_size_or_a_second_pass_over_one_download_is_refused_without_a_request(
    tmp_path: Path,
) -> None:
    server = Server()
    async with toggl_on(server) as toggl:
        download = toggl.reports.export_detailed_report_stream(1, CSV, body=BODY)
        for size in (0, -1, True):
            with pytest.raises(ValueError, match="chunk_size must be a positive number"):
                _ = [part async for part in download.iter_bytes(chunk_size=size)]
            with pytest.raises(ValueError, match="chunk_size"):
                await download.save(tmp_path / "r.csv", chunk_size=size)
        assert server.requests == []
        assert b"".join([part async for part in download]) == b"a,b\n1,2\n"
        with pytest.raises(RuntimeError, match="finished"):  # before: a second request, silently
            _ = [part async for part in download]
    assert len(server.requests) == 1 and os.listdir(tmp_path) == []


async def test_over_a_socket_a_body_cut_short_is_a_network_error_and_the_next_download_works(
    tmp_path: Path,
) -> None:
    answers = iter([b"a,b\n", b"a,b\n1,2\n"])  # the first connection dies 4 bytes into an 8-byte body

    async def respond(request_line: bytes, send: Send) -> bool:
        head = "HTTP/1.1 200 OK\r\ncontent-type: text/csv\r\ncontent-length: 8\r\n\r\n"
        body = next(answers)
        await send(head.encode() + body)
        return len(body) == 8  # False: the server hangs up mid-body

    target = tmp_path / "r.csv"
    async with loopback_server(respond) as url, Toggl("token", base_url=url, rate=None) as toggl:
        with pytest.raises(TogglNetworkError, match="RemoteProtocolError"):
            await toggl.reports.export_detailed_report_to_file(target, 1, CSV, body=BODY)
        assert os.listdir(tmp_path) == []
        saved = await toggl.reports.export_detailed_report_to_file(target, 1, CSV, body=BODY)
    assert saved.size == 8 and target.read_bytes() == b"a,b\n1,2\n"


async def test_two_downloads_to_one_path_at_once_leave_one_whole_file(tmp_path: Path) -> None:
    class TwoExports(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.bodies = iter([[b"A" * 70_000] * 4, [b"B" * 70_000] * 4])

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, headers={"content-type": "text/csv"}, stream=Body(next(self.bodies)))

    target = tmp_path / "r.csv"
    toggl = Toggl("token", transport=TwoExports(), rate=None, clock=FakeClock())
    async with toggl, anyio.create_task_group() as group:
        for _ in range(2):  # before: both wrote into the same r.csv.part, mixing A and B
            group.start_soon(lambda: toggl.reports.export_detailed_report_to_file(target, 1, CSV, body=BODY))
    assert target.read_bytes() in (b"A" * 280_000, b"B" * 280_000) and os.listdir(tmp_path) == ["r.csv"]
