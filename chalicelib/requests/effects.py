"""What a change to a request brings with it, handed to `RequestRepository.transition` (or `append_audit`) as
one object, so no caller repeats the protocol:

- `answer`: the workflow's answer (requests.workflow.Answer) — its token goes into the same transaction and it
  is sent right after the commit (re-sent by `sweeper.confirm_answers` should that send be lost);
- `parts`: further items of the same DynamoDB transaction (an operator's load, the ledger, report aggregates);
- `messages`: after-commit messages (notifications, a drain), written to the outbox in the same transaction and
  relayed to their queues afterwards (core.outbox)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.core.outbox import Message
from chalicelib.requests.workflow import Answer

TxPart = Callable[[Any], None]


@dataclass
class Effects:
    answer: Answer | None = None
    parts: list[TxPart | None] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)

    @classmethod
    def of(cls, answer: Answer | None = None, parts: Iterable[TxPart | None] = (),
           messages: Iterable[Message | None] | None = ()) -> Effects:
        return cls(answer, list(parts), [m for m in (messages or ()) if m is not None])

    @property
    def sets(self) -> dict[str, Any]:
        return self.answer.sets if self.answer is not None else {}

    @property
    def removes(self) -> list[str]:
        return self.answer.removes if self.answer is not None else []

    def tx_parts(self) -> list[TxPart]:
        from chalicelib.core import outbox

        return [p for p in (*self.parts, outbox.part(self.messages)) if p is not None]

    def after_commit(self) -> None:
        if self.answer is not None:
            self.answer.send()


NONE = Effects()
