"""Reply writes kept on disk while the database does not take them: the reply writer's overflow.

When the database refuses writes for long (a lock held by a backup, a server that is down), the
reply writer holds a bounded number of operations in memory; the ones after come here, in order,
and go back to the writer in order once the database takes writes again. The file outlives the
process: a writer started beside a file left by a crash, or by a shutdown while the database was
down, stores its operations before anything newer. One JSON object per line, each written
through to the operating system at once (a killed process loses none of them).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from bot.store.rows import Reply, ReplyEdit

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ForgetThread:
    """The operation "forget every reply of this thread" (the thread was deleted)."""

    thread_id: int


# A writer operation, told apart by its type: a Reply (add), a ReplyEdit (edit), an int (the id
# of a deleted message) or a ForgetThread.
Op = Reply | ReplyEdit | int | ForgetThread


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def encode(op: Op) -> str:
    """One operation as one line of JSON (without the newline)."""
    if type(op) is Reply:
        reply: Reply = op
        fields: list[Any] = [
            reply.message_id,
            reply.thread_id,
            reply.guild_id,
            reply.author_id,
            reply.author_name,
            reply.content,
            list(reply.attachments),
            _time(reply.created_at),
            _time(reply.edited_at),
        ]
        return json.dumps({"add": fields}, ensure_ascii=False)
    if type(op) is ReplyEdit:
        edit: ReplyEdit = op
        attachments = None if edit.attachments is None else list(edit.attachments)
        return json.dumps(
            {"edit": [edit.message_id, edit.content, _time(edit.edited_at), attachments]}, ensure_ascii=False
        )
    if type(op) is ForgetThread:
        return json.dumps({"forget": op.thread_id})
    if type(op) is int:
        return json.dumps({"delete": op})
    raise TypeError(f"not a reply operation: {op!r}")


def decode(line: str) -> Op:
    """The operation a line of ``encode`` holds; ValueError if it holds none."""
    data = json.loads(line)
    if "add" in data:
        m, t, g, a, name, content, attachments, created, edited = data["add"]
        return Reply(
            int(m),
            int(t),
            int(g),
            int(a),
            str(name),
            str(content),
            tuple(str(u) for u in attachments),
            datetime.fromisoformat(created),
            None if edited is None else datetime.fromisoformat(edited),
        )
    if "edit" in data:
        m, content, edited, attachments = data["edit"]
        return ReplyEdit(
            int(m),
            str(content),
            datetime.fromisoformat(edited),
            None if attachments is None else tuple(str(u) for u in attachments),
        )
    if "forget" in data:
        return ForgetThread(int(data["forget"]))
    if "delete" in data:
        return int(data["delete"])
    raise ValueError(f"no reply operation in {line[:80]!r}")


class SpillFile:
    """Operations appended at the end and read back from the front, in order.

    ``unread`` counts the operations appended (or found at start) and not yet read back.
    """

    def __init__(self, path: Path, *, unread: int = 0) -> None:
        self.path = path
        self.unread = unread
        self._out: IO[str] | None = None
        self._in: IO[str] | None = None

    @classmethod
    def resume(cls, path: Path) -> SpillFile | None:
        """The file an earlier run left with operations in it, or None."""
        try:
            with path.open(encoding="utf-8") as found:
                lines = sum(1 for line in found if line.strip())
        except FileNotFoundError:
            return None
        if lines == 0:
            path.unlink(missing_ok=True)
            return None
        return cls(path, unread=lines)

    def append(self, op: Op) -> None:
        if self._out is None:
            self._out = self.path.open("a", encoding="utf-8")
        self._out.write(encode(op) + "\n")
        self._out.flush()  # to the operating system: a killed process loses nothing
        self.unread += 1

    def read(self, limit: int) -> list[Op]:
        """Up to ``limit`` operations from the front, oldest first. A line that does not decode
        (a write cut off by a power loss) is logged and skipped."""
        if self._in is None:
            self._in = self.path.open(encoding="utf-8")
        ops: list[Op] = []
        while len(ops) < limit and self.unread > 0:
            line = self._in.readline()
            if not line:
                break  # appended lines not yet visible here: the next read gets them
            if not line.strip():
                continue
            self.unread -= 1
            try:
                ops.append(decode(line))
            except (ValueError, TypeError, KeyError):
                log.error("A reply write kept in %s cannot be read back; skipped.", self.path)
        return ops

    def rewrite(self, first: list[Op]) -> None:
        """Put ``first`` before the operations not yet read back (a writer stopping with writes
        still in hand): one new file, swapped in whole."""
        rest = self.read(self.unread) if self.unread else []
        self.close()
        write_all(self.path, [*first, *rest])

    def close(self) -> None:
        for handle in (self._out, self._in):
            if handle is not None:
                handle.close()
        self._out = self._in = None

    def finish(self) -> None:
        """Everything was read back: the file goes."""
        self.close()
        self.path.unlink(missing_ok=True)


def write_all(path: Path, ops: list[Op]) -> None:
    """Keep ``ops`` in a file of their own at ``path`` (replacing it whole), or remove it if empty."""
    if not ops:
        path.unlink(missing_ok=True)
        return
    fresh = path.with_name(path.name + ".new")
    with fresh.open("w", encoding="utf-8") as out:
        out.writelines(encode(op) + "\n" for op in ops)
        out.flush()
        os.fsync(out.fileno())
    os.replace(fresh, path)
