"""The reply writer's spill file: operations out and back in order, exactly, across processes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from bot.store.reply_spill import ForgetThread, SpillFile, decode, encode, write_all
from bot.store.rows import Reply, ReplyEdit

T0 = datetime(2026, 11, 18, 21, 0, 0, 123_456, tzinfo=UTC)
OPS = [
    Reply(1, 100, 7, 5, "Ada “Lovelace”", 'line one\nline two "quoted" ✓', ("https://cdn/a b.png",), T0),
    Reply(2, 100, 7, 6, "Grace", "", (), T0, T0 + timedelta(hours=1)),
    ReplyEdit(1, "edited\n\ttext", T0 + timedelta(hours=2), None),
    ReplyEdit(2, "with files", T0.astimezone(timezone(timedelta(hours=5))), ("https://cdn/x",)),
    3,
    ForgetThread(100),
]


def test_every_operation_comes_back_equal():
    for op in OPS:
        line = encode(op)
        assert "\n" not in line
        assert decode(line) == op


def test_operations_are_read_back_in_order_and_the_file_resumes_in_a_new_process(tmp_path):
    path = tmp_path / "replies.spill"
    spill = SpillFile(path)
    for op in OPS:
        spill.append(op)
    assert spill.unread == len(OPS)
    assert spill.read(2) == OPS[:2]
    spill.close()  # the process stops; what was not read back stays in the file
    resumed = SpillFile.resume(path)
    assert resumed is not None and resumed.unread == len(OPS)  # the file holds them all: read again
    assert resumed.read(100) == OPS
    resumed.finish()
    assert not path.exists() and SpillFile.resume(path) is None


def test_rewrite_puts_the_writes_in_hand_first(tmp_path):
    path = tmp_path / "replies.spill"
    spill = SpillFile(path)
    for op in OPS[2:]:
        spill.append(op)
    assert spill.read(1) == [OPS[2]]
    spill.rewrite(OPS[:2])
    resumed = SpillFile.resume(path)
    assert resumed is not None and resumed.read(100) == [*OPS[:2], *OPS[3:]]


def test_a_line_cut_off_is_skipped_and_the_rest_read(tmp_path, caplog):
    path = tmp_path / "replies.spill"
    write_all(path, OPS[:2])
    with path.open("a", encoding="utf-8") as out:
        out.write('{"add": [9, 100')  # a power loss mid-write
    resumed = SpillFile.resume(path)
    assert resumed is not None and resumed.read(100) == OPS[:2]
    assert "cannot be read back" in caplog.text
