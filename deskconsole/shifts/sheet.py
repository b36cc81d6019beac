"""The printed handover sheet: text laid out for A4 and a terminal (CJK measured in cells), or
Markdown. What `deskconsole handover` prints and the handover screen's sheet view shows.
"""
from __future__ import annotations

import re
from datetime import datetime

from rich.cells import cell_len, set_cell_size

from ..i18n import _, label
from ..text import one_line, wrap_cells
from ..timefmt import local
from .handover import REASONS, SECTION_TITLES, HandoverView, parse_time, sheet_items

SHEET_WIDTH = 80
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def _hanging(text: str, width: int, indent: int) -> list[str]:
    lines = wrap_cells(text, width, width - indent)
    return lines[:1] + [" " * indent + line for line in lines[1:]]


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", one_line(text))


def _rel(due: datetime, at: datetime) -> str:
    from ..countdown import format_left
    return format_left(due, at)


def item_details(section: str, item: dict, tz, compiled_at: datetime) -> str:
    """The item's facts on one line (user text plain): kind, status, who, and its times."""
    parts = []
    if section == "calls":
        counts = item.get("counts", {})
        parts = [f"{label(c)} {n}" for c, n in counts.items()]
        return " · ".join(parts + [_("total {n}", n=item["what"])])
    if item["kind"] and section not in ("sign_offs",):
        parts.append(label(item["kind"]))
    if item["status"]:
        parts.append(item["status"] if section in ("carried", "words") else label(item["status"]))
    who = " ".join(p for p in (label(item["dept"]) if item.get("dept") else "", one_line(item["who"])) if p)
    if who:
        parts.append(who)
    at, due = parse_time(item["at"]), parse_time(item["due"])
    if due is not None:
        parts.append(_("due {time} ({left})", time=local(due, tz), left=_rel(due, compiled_at)))
    elif at is not None:
        parts.append(local(at, tz))
    return " · ".join(parts)


def item_text(section: str, item: dict) -> str:
    """The item's own words (user text): what was said, what is wrong, the key's label."""
    if section == "calls":
        return ""
    if section == "sign_offs":
        return item["what"] or _("(no note)")
    return item["what"]


def _header_lines(view: HandoverView, tz) -> list[tuple[str, str]]:
    sheet = view.sheet
    shift, nxt = sheet["shift"], sheet["next_shift"]
    fmt = "MM-DD HH:mm"
    rows = [
        (_("Shift"), _("{kind} {start} – {end}; next: {next} until {next_end}", kind=label(shift["kind"]),
                       start=local(parse_time(shift["starts_at"]), tz, fmt),
                       end=local(parse_time(shift["ends_at"]), tz, fmt), next=label(nxt["kind"]),
                       next_end=local(parse_time(nxt["ends_at"]), tz, fmt))),
        (_("Compiled"), _("{time} by {code} {name}", time=local(view.compiled_at, tz, "YYYY-MM-DD HH:mm"),
                          code=view.from_code, name=one_line(view.from_name))),
        (_("Taken by"), _("{code} {name}, signed on {time}", code=view.to_code, name=one_line(view.to_name),
                          time=local(view.received_at, tz, fmt)) if view.to_code else _("(nobody yet)")),
    ]
    if view.needs_supervisor or view.supervisor_code:
        reasons = _("; ").join(_(REASONS[r]) for r in sheet["supervisor_reasons"])
        if view.supervisor_code:
            text = _("{code} {name}, signed off {time}", code=view.supervisor_code,
                     name=one_line(view.supervisor_name), time=local(view.supervised_at, tz, fmt))
            if view.supervisor_note:
                text += " · " + one_line(view.supervisor_note)
        else:
            text = _("needed, not yet given")
        rows.append((_("Supervisor"), _("{text} ({reasons})", text=text, reasons=reasons) if reasons else text))
    status = _(view.status) if not view.closed else _("closed {time}", time=local(view.closed_at, tz,
                                                                                  "YYYY-MM-DD HH:mm"))
    answered = len(sheet_items(sheet)) - len(view.unanswered())
    rows.append((_("Status"), _("{status} · {answered} of {total} answered, {queries} queried", status=status,
                                answered=answered, total=len(sheet_items(sheet)), queries=len(view.queries))))
    return rows


def _mark(view: HandoverView, section: str, item: dict) -> str:
    """✓ acknowledged, ? queried, blank not answered. An item once queried stays `?` even when it was
    acknowledged after its answer: the sheet prints the question with it (domain.md §3)."""
    answer = view.answers.get((section, item["key"]))
    if any((q_section, q_item) == (section, item["key"]) for q_section, q_item, _a in view.queries):
        return "?"
    return {"ack": "✓", "query": "?"}.get(answer.kind, " ") if answer else " "


def render_sheet(view: HandoverView, tz, fmt: str = "text", width: int = SHEET_WIDTH) -> str:
    """The handover sheet as text for A4 and a terminal (at most `width` cells a line, CJK measured
    in cells), or as Markdown."""
    if fmt == "markdown":
        return _render_markdown(view, tz)
    sheet = view.sheet
    compiled = view.compiled_at
    out: list[str] = []
    title = _("HANDOVER SHEET H{id}", id=view.id) + " · " + one_line(sheet["site"])
    out += wrap_cells(title, width)
    out.append("=" * width)
    name_width = max(cell_len(n) for n, _v in _header_lines(view, tz)) + 2
    for name, value in _header_lines(view, tz):
        lines = wrap_cells(value, width - name_width)
        out.append(set_cell_size(name, name_width) + lines[0])
        out += [" " * name_width + line for line in lines[1:]]
    for number, section in enumerate(sheet["sections"], 1):
        items = section["items"]
        out.append("")
        title = _(SECTION_TITLES[section["id"]])
        title = title if items is None else _("{title} ({n})", title=title, n=len(items))
        out += wrap_cells(f"{number}. {title}", width)
        out.append("-" * width)
        if items is None:
            out.append("    " + _("(not available yet: the reminders come with the work-orders update)"))
            continue
        if not items:
            out.append("    " + _("none"))
            continue
        for item in items:
            head = " ".join(p for p in (f"[{_mark(view, section['id'], item)}]", item["ref"], item["unit"]) if p)
            details = item_details(section["id"], item, tz, compiled)
            out += _hanging(f"{head}  {details}" if details else head, width, 4)
            text = item_text(section["id"], item)
            if text:
                out += ["    " + line for line in wrap_cells(text, width - 4)]
            for q_section, q_item, answer in view.queries:
                if (q_section, q_item) == (section["id"], item["key"]):
                    q = _("Query by {who} at {time}: {question}", who=answer.by, time=local(answer.at, tz, "HH:mm"),
                          question=answer.question)
                    out += ["    " + line for line in wrap_cells(q, width - 4)]
            reply = view.replies.get((section["id"], item["key"]))
            if reply is not None:
                a = _("Answer by {who} at {time}: {answer}", who=reply.by, time=local(reply.at, tz, "HH:mm"),
                      answer=reply.question)
                out += ["    " + line for line in wrap_cells(a, width - 4)]
    out.append("")
    out += wrap_cells(_("{title} ({n})", title=_("Addenda"), n=len(view.addenda)), width)
    out.append("-" * width)
    if not view.addenda:
        out.append("    " + _("none"))
    for a in view.addenda:
        out += ["    " + line for line in _hanging(f"{local(a.at, tz)} {a.author}: {a.text}", width - 4, 2)]
    return "\n".join(line.rstrip() for line in out) + "\n"


def _render_markdown(view: HandoverView, tz) -> str:
    sheet = view.sheet
    out = [f"# {_md(_('HANDOVER SHEET H{id}', id=view.id))} · {_md(sheet['site'])}", ""]
    for name, value in _header_lines(view, tz):
        out.append(f"- **{_md(name)}**: {_md(value)}")
    for number, section in enumerate(sheet["sections"], 1):
        items = section["items"]
        title = _(SECTION_TITLES[section["id"]])
        title = title if items is None else _("{title} ({n})", title=title, n=len(items))
        out += ["", f"## {number}. {_md(title)}", ""]
        if items is None:
            out.append(_md(_("(not available yet: the reminders come with the work-orders update)")))
            continue
        if not items:
            out.append(_md(_("none")))
            continue
        for item in items:
            mark = {"✓": "x", "?": "?", " ": " "}[_mark(view, section["id"], item)]
            head = " ".join(f"**{_md(p)}**" for p in (item["ref"], item["unit"]) if p)
            details = _md(item_details(section["id"], item, tz, view.compiled_at))
            out.append(f"- [{mark}] " + " ".join(p for p in (head, details) if p))
            text = item_text(section["id"], item)
            if text:
                out.append(f"  {_md(text)}")
            for q_section, q_item, answer in view.queries:
                if (q_section, q_item) == (section["id"], item["key"]):
                    out.append("  " + _md(_("Query by {who} at {time}: {question}", who=answer.by,
                                            time=local(answer.at, tz, "HH:mm"), question=answer.question)))
            reply = view.replies.get((section["id"], item["key"]))
            if reply is not None:
                out.append("  " + _md(_("Answer by {who} at {time}: {answer}", who=reply.by,
                                        time=local(reply.at, tz, "HH:mm"), answer=reply.question)))
    out += ["", f"## {_md(_('{title} ({n})', title=_('Addenda'), n=len(view.addenda)))}", ""]
    out += [f"- {_md(local(a.at, tz))} **{_md(a.author)}**: {_md(a.text)}" for a in view.addenda] or [_md(_("none"))]
    return "\n".join(out) + "\n"
