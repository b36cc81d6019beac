"""A record's history as a person reads it: one renderer for calls, orders, keys, log entries and
handovers. Each audit event becomes a line: local time to the minute, who (code and name), what
happened (a translated event name) and what changed ("label: before → after", values as the
screens show them: local times, translated statuses, order numbers), and for older events how long
ago, in the console's language ("3 days ago", "3天前")."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from . import audit
from .db import Staff
from .i18n import _, current_language, label
from .text import strip_controls
from .timefmt import local, stored

# Events older than this also say how long ago they were.
SAY_AGO_AFTER = timedelta(hours=12)

# The front desk's events that make a record (its fields are on the screen above the history), and
# those whose name says the new status ("returned" alone would read as a returned work order).
CREATES = ("parcel.receive", "visitor.sign_in", "pass.issue", "lost.record")
SAYS_STATUS = ("parcel.collect", "parcel.return", "pass.release", "lost.claim", "handover.close")

# Payload keys that are bookkeeping, not something the person at the desk changed.
HIDDEN = {"pending", "pending_first_approval", "pending_until", "loan", "first_signature", "complete",
          "state", "as_desk", "on_call",   # state: the seal `check` compares (issue 17)
          "shift", "needs_supervisor", "addendum"}   # a handover's shift id, its reasons (codes), an addendum's number
# Payload keys whose values are stored ids shown translated ("on_site" -> "on site", 已到场).
CHOICES = {"status", "class", "category", "channel", "department", "holder_kind", "kind", "signed_as", "how",
           "id_type", "reported_how", "owner_signoff"}
# Payload keys holding a staff member's id.
STAFF_IDS = {"callback_by", "dispatched_by", "signed_off_by", "answered_by", "delivered_by", "authorised_by_id"}


def event_name(action: str, data: dict | None = None) -> str:
    if action == "order.dispatch" and data and data.get("on_call"):
        return _("notified the on-call technician")   # at night the desk's holder calls the on-call man
    names = {
        "call.add": _("logged"), "call.edit": _("edited"), "call.answer": _("answered"),
        "call.deliver": _("delivered"), "call.void": _("voided"), "call.order": _("work order raised"),
        "call.close": _("closed"),
        "order.create": _("logged"), "order.dispatch": _("dispatched"), "order.arrive": _("on site"),
        "order.complete": _("done"), "order.callback": _("call-back"), "order.cancel": _("cancelled"),
        "order.void": _("voided"), "order.extend.request": _("extension asked"),
        "order.extend.approve": _("extension signed"), "order.extension.refuse": _("extension refused"),
        "order.return.request": _("return asked"), "order.return.approve": _("returned, signed"),
        "order.return.refuse": _("return refused"), "order.note": _("note"),
        "order.reminder.ack": _("reminder acknowledged"), "order.signoff": _("owner signed off"),
        "order.area_check": _("area manager looked"), "order.written_reply": _("written reply sent"),
        "order.complaint.verify": _("complaint verified"), "order.complaint.major": _("major mark"),
        "order.fee.collect": _("fee collected"), "order.migrate": _("brought to the new rules on upgrade"),
        "key.create": _("key added"), "key.edit": _("key edited"), "key.issue": _("key issued"),
        "key.return": _("key returned"), "key.report": _("key reported"), "key.authorise": _("loan authorised"),
        "log.add": _("entry written"), "log.correct": _("entry corrected"), "log.done": _("marked done"),
        "handover.begin": _("handover started"), "handover.close": _("handed over"),
        "handover.query": _("handover item queried"),
        "handover.receive": _("handover received"), "handover.ack": _("handover acknowledged"),
        "handover.abandon": _("handover left unfinished"), "handover.addendum": _("addendum"),
        "handover.supervise": _("handover signed by a supervisor"), "handover.reply": _("handover answered a query"),
        "parcel.receive": _("parcel received"), "parcel.notify": _("addressee told"),
        "parcel.collect": _("collected"), "parcel.return": _("returned to sender"),
        "visitor.sign_in": _("signed in"), "visitor.sign_out": _("signed out"), "pass.issue": _("pass issued"),
        "visitor.expect": _("VIP expected"), "visitor.arrive": _("VIP arrived"),
        "pass.release": _("let out at the gate"), "lost.record": _("found item recorded"),
        "lost.claim": _("handed back to its owner"),
    }
    return names.get(action, label(action.replace(".", " ")))


def field_label(key: str, entity: str | None = None) -> str:
    labels = {
        "resolve_due_at": _("Resolve by"), "respond_due_at": _("Respond by"), "until": _("until"),
        "current_due_at": _("due"), "reason": _("reason"), "assignee": _("technician"),
        "holder": _("holder"), "due_at": _("due back"), "note": _("note"), "order": _("work order"),
        "caller": _("caller"), "phone": _("phone"), "unit": _("unit"), "text": _("text"),
        "answer": _("answer"), "closed_at": _("closed"), "done_at": _("done"), "arrived_at": _("arrived"),
        "on_site_by": _("on site"), "reported_how": _("reported by"),
        "dispatched_at": _("dispatched"), "booked_visit_at": _("visit booked"), "work_done": _("work done"),
        "satisfied": _("satisfied"), "end_reason": _("reason"), "authorised_by": _("authorised by"),
        "owner_caused": _("owner caused"), "owner_consent": _("owner agreed"), "holder_kind": _("holder is"),
        "signed_as": _("signed as"), "department": _("department"), "fee": _("fee"), "hours": _("hours"),
        "materials": _("materials"), "chargeable": _("chargeable"), "location": _("location"),
        "description": _("description"), "category": _("category"), "channel": _("channel"),
        "how": _("told by"), "notice": _("notice"), "by_addressee": _("by the addressee"),
        "authority_given": _("authority shown"), "id_type": _("ID type"), "id_checked": _("ID checked"),
        "signed": _("signed"), "pass_no": _("pass or card"),
        "items": _("items"), "item": _("item"), "question": _("question"), "queries": _("queries"),
        "to": _("received by"), "carried": _("carried over"),
        "booked_by_owner": _("time chosen by the owner"), "owner_signoff": _("owner's sign-off"),
        "owner_signoff_by": _("signed by"),
        "person": _("who"), "retroactive": _("recorded afterwards"), "old_resolve_due_at": _("resolve by, before"),
        "kind": _("kind"), "present": _("also on duty"),
    }
    if entity in ("handover", "shift") and key == "holder":
        return _("on duty")   # the desk's holder, not a key's borrower
    return labels.get(key) or label(key)


@dataclass(frozen=True)
class Line:
    at: str                       # local time, to the minute
    who: str                      # "R1 王芳", or "—"
    event: str                    # what happened, translated
    changes: list[str] = field(default_factory=list)   # "label: before → after"
    ago: str = ""                 # "3 days ago" for older events

    def text(self) -> str:
        what = _("{event}: {changes}", event=self.event, changes=_("; ").join(self.changes)) \
            if self.changes else self.event
        return f"{self.at} {self.who} {what}{ago_suffix(self.ago)}"


def ago_suffix(ago: str) -> str:
    """" (3 days ago)", or "（3天前）" with no space before a full-width bracket; "" when not said."""
    if not ago:
        return ""
    text = _("({ago})", ago=ago)
    return text if text.startswith("（") else " " + text


class _Shown:
    """Turns payload values into what the screens show."""

    def __init__(self, tz, staff: dict[int, tuple[str, str]], refs: dict[str, str] | None = None) -> None:
        self.tz, self.staff, self.refs = tz, staff, refs or {}

    def redundant(self, key: str, value, event: dict) -> bool:
        """What the line says already: the event's own time ("dispatched at" the time it was
        dispatched), its actor ("dispatched by" who dispatched)."""
        at = stored(value)
        if at is not None:
            return local(at, self.tz, "MM-DD HH:mm") == local(event["at"], self.tz, "MM-DD HH:mm")
        if key == "to":   # who received a handover: the event's own actor
            return value == self.staff.get(event.get("actor_id"), ("", ""))[0]
        return key in STAFF_IDS and value == event.get("actor_id")

    def __call__(self, key: str, value) -> str:
        if value is None or value == "" or value == {} or value == []:
            return ""
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        at = stored(value)
        if at is not None:
            return local(at, self.tz, "MM-DD HH:mm")
        if key in STAFF_IDS and isinstance(value, int):
            return self.staff.get(value, ("", ""))[0]
        if key == "item" and isinstance(value, str):   # a handover sheet's item: as the sheet names it
            return strip_controls(self.refs.get(value) or value.rpartition("/")[2])
        if key == "order" and isinstance(value, int):
            from .orders import number
            return number(value)
        if key in CHOICES and isinstance(value, str):
            return label(value)
        if isinstance(value, (list, dict)):
            return ""
        return strip_controls(str(value))


def changes(event: dict, shown: _Shown, entity: str | None = None) -> list[str]:
    action, data = event["action"], event["data"]
    before, after = data.get("before") or {}, data.get("after") or {}
    if action.endswith((".add", ".create")) or action in CREATES:
        return []  # the record's own fields are on the screen above the history
    out, seen = [], set(HIDDEN)

    def add(text: str) -> None:
        if text not in out:  # a reason both stored and said: once
            out.append(text)

    if "status" in after and before.get("status") and before["status"] != after["status"] \
            and action not in SAYS_STATUS:
        out.append(f"{shown('status', before['status'])} → {shown('status', after['status'])}")
    seen.add("status")
    for key, value in after.items():
        if key in seen:
            continue
        seen.add(key)
        new = shown(key, value)
        if key in before:
            old = shown(key, before[key])
            if old != new:
                add(_("{label}: {before} → {after}", label=field_label(key, entity), before=old or "—",
                      after=new or "—"))
        elif new and not shown.redundant(key, value, event):
            add(_("{label}: {value}", label=field_label(key, entity), value=new))
    for key, value in data.items():
        if key in ("before", "after") or key in seen:
            continue
        seen.add(key)
        new = shown(key, value)
        if new and not shown.redundant(key, value, event):
            add(_("{label}: {value}", label=field_label(key, entity), value=new))
    return out


def ago(at: datetime, now: datetime) -> str:
    if now - at < SAY_AGO_AFTER:
        return ""
    import arrow  # only here: ≈25 ms to import, and only a history screen needs it
    locale = "zh" if current_language() == "zh" else "en"
    return arrow.get(at.replace(tzinfo=at.tzinfo or timezone.utc)).humanize(
        arrow.get(now.replace(tzinfo=now.tzinfo or timezone.utc)), locale=locale)


def lines(events: list[dict], tz, now: datetime, *, entity: str | None = None,
          refs: dict[str, str] | None = None) -> list[Line]:
    """The events (audit.history's dicts: at, actor_id, action, data), oldest first, as lines; `refs`
    names a handover sheet's items ("orders_overdue/order:1" -> "WO00001")."""
    ids = {e["actor_id"] for e in events if e.get("actor_id")}
    for e in events:
        ids |= {v for k, v in (e["data"].get("after") or {}).items() if k in STAFF_IDS and isinstance(v, int)}
    staff = {s.id: (s.code, s.name) for s in Staff.select(Staff.id, Staff.code, Staff.name).where(Staff.id.in_(ids))} \
        if ids else {}
    shown = _Shown(tz, staff, refs)
    out = []
    for e in events:
        code, name = staff.get(e.get("actor_id"), ("", ""))
        who = strip_controls(f"{code} {name}".strip()) or "—"
        out.append(Line(at=local(e["at"], tz, "MM-DD HH:mm"), who=who, event=event_name(e["action"], e.get("data")),
                        changes=changes(e, shown, entity), ago=ago(e["at"], now)))
    return out


def events_of(entity: str, entity_id: int) -> list[dict]:
    """One record's audit events, oldest first (for `lines`)."""
    return audit.history(entity, entity_id)


def sheet_refs(handover_id: int) -> dict[str, str]:
    """A handover sheet's items by their key ("section/item") as the sheet names them."""
    from .db import Handover
    handover = Handover.get_or_none(Handover.id == handover_id)
    try:
        sheet = json.loads(handover.sheet) if handover is not None and handover.sheet else {}
    except ValueError:
        return {}
    return {f"{section['id']}/{item['key']}": " ".join(p for p in (item.get("ref"), item.get("unit")) if p)
            for section in sheet.get("sections", []) for item in (section.get("items") or [])}


def of(entity: str, entity_id: int, tz, now: datetime) -> list[Line]:
    """One record's history, oldest first."""
    refs = sheet_refs(entity_id) if entity == "handover" else None
    return lines(events_of(entity, entity_id), tz, now, entity=entity, refs=refs)
