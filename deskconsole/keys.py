"""The key register: every key is on its hook or with a named person."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import audit, db
from .db import Key, KeyLoan, Staff
from .i18n import _
from .people import InvalidInput, Operator, require
from .text import clean

KINDS = ("unit_spare", "plant_room", "office", "common_area", "master")
HOLDER_KINDS = ("staff", "contractor", "owner")


@dataclass(frozen=True)
class KeyRow:
    id: int
    tag: str
    label: str
    kind: str
    hook: str
    status: str
    holder: str
    issued_at: datetime | None
    due_at: datetime | None

    def overdue(self, now: datetime) -> bool:
        return self.status == "out" and self.due_at is not None and self.due_at <= now


def board() -> list[KeyRow]:
    """Keys that are out first (the longest overdue at the top), then the board by tag."""
    out = (Key.select(Key, KeyLoan.holder_name, KeyLoan.issued_at, KeyLoan.due_at)
           .join(KeyLoan, on=((KeyLoan.key == Key.id) & KeyLoan.returned_at.is_null()))
           .where(Key.status == "out").order_by(KeyLoan.due_at, Key.tag).dicts())
    rest = (Key.select().where(Key.status.in_(("board", "lost", "broken")))
            .order_by(Key.tag).dicts())
    rows = [KeyRow(r["id"], r["tag"], r["label"], r["kind"], r["hook"], r["status"],
                   r["holder_name"], r["issued_at"], r["due_at"]) for r in out]
    rows += [KeyRow(r["id"], r["tag"], r["label"], r["kind"], r["hook"], r["status"], "", None, None)
             for r in rest]
    return rows


@db.writes
def issue(actor: Operator, now: datetime, *, tag: str, holder_kind: str, holder_name: str, due_at: datetime,
          purpose: str = "", holder_company: str = "", holder_document: str = "",
          authorised_by: Operator | None = None, order_id: int | None = None) -> int:
    require(actor, "key.issue")
    key = Key.get_or_none(Key.tag == clean(tag).upper())
    if key is None:
        raise InvalidInput("tag", _("There is no key tagged {tag}.", tag=clean(tag)))
    if holder_kind not in HOLDER_KINDS:
        raise InvalidInput("holder_kind", _("Say who takes the key: staff, contractor or owner."))
    holder_name = clean(holder_name)
    if not holder_name:
        raise InvalidInput("holder_name", _("Write who takes the key."))
    if due_at <= now:
        raise InvalidInput("due_at", _("The key must be due back after now."))
    updated = Key.update(status="out").where((Key.id == key.id) & (Key.status == "board")).execute()
    if not updated:
        loan = KeyLoan.get_or_none((KeyLoan.key == key.id) & KeyLoan.returned_at.is_null())
        if loan is not None:
            raise InvalidInput("tag", _("Key {tag} is out already, with {holder}.", tag=key.tag,
                                        holder=loan.holder_name))
        raise InvalidInput("tag", _("Key {tag} is not on the board ({status}).", tag=key.tag,
                                    status=_(key.status)))
    loan = KeyLoan.create(
        key=key.id, issued_at=now, issued_by=actor.id, holder_kind=holder_kind, holder_name=holder_name,
        holder_company=clean(holder_company), holder_document=clean(holder_document),
        purpose=clean(purpose, multiline=True), order=order_id, due_at=due_at,
        authorised_by=authorised_by.id if authorised_by else None,
    )
    audit.record(actor, "key.issue", "key", key.id, now, after={
        "loan": loan.id, "holder": holder_name, "holder_kind": holder_kind, "due_at": due_at,
        "authorised_by": authorised_by.code if authorised_by else ""})
    return loan.id


@db.writes
def return_key(actor: Operator, now: datetime, key_id: int, *, condition: str = "fine", note: str = "") -> None:
    require(actor, "key.return")
    loan = KeyLoan.get_or_none((KeyLoan.key == key_id) & KeyLoan.returned_at.is_null())
    returned = 0
    if loan is not None:
        returned = (KeyLoan.update(returned_at=now, received_by=actor.id, condition=condition,
                                   note=clean(note, multiline=True))
                    .where((KeyLoan.id == loan.id) & KeyLoan.returned_at.is_null()).execute())
    if not returned:
        last = KeyLoan.select(KeyLoan, Staff.code).join(Staff, on=(KeyLoan.received_by == Staff.id)).where(
            KeyLoan.key == key_id).order_by(KeyLoan.returned_at.desc()).first()
        who = last.received_by.code if last else "?"
        raise InvalidInput("key", _("This key was returned already (received by {who}).", who=who))
    Key.update(status="board" if condition == "fine" else "broken").where(Key.id == key_id).execute()
    audit.record(actor, "key.return", "key", key_id, now, after={"loan": loan.id, "condition": condition})
