"""Shifts, the shift log and the handover: who holds the desk, what happened on their watch, and
what the next shift is told (and says it was told).

One module per concern: `shift` (the current shift, sign on/off, who holds the desk), `log` (the
shift-log entries), `handover` (the handover record and its flow), `sheet` (the printed sheet).
Callers use the package (`shifts.add_entry(...)`); it re-exports every public name.

Writes follow the desk's convention, `fn(actor, now, [engine,] [record_id,] *, fields)`; those that
must know which shift `now` falls in also take the site's Config by keyword (`config=`), so the place
after `now` stays the engine's: `begin_handover(actor, now, engine, config=config)`. Reads take the
site first and `now` last: `current(config, now)`, `compile_handover(config, engine, now)`.

`shifts.handover` stays the function that reads one handover (the import below rebinds the name
over the submodule's); the submodule is reached by its full name, `from deskconsole.shifts.handover
import ...`.
"""
from .handover import (
    REASONS,
    SECTION_TITLES,
    SECTIONS,
    SHEET_VERSION,
    Addendum,
    Answer,
    HandoverSummary,
    HandoverView,
    abandon_handover,
    acknowledge,
    add_addendum,
    begin_handover,
    compile_handover,
    complete,
    handover,
    handovers,
    last_handover_id,
    parse_time,
    query_item,
    receive,
    reply_to_query,
    sheet_items,
    supervise,
)
from .log import (
    CARRIED_KINDS,
    ENTRY_KINDS,
    EntryDetail,
    EntryRow,
    add_entry,
    entry_detail,
    link_text,
    mark_done,
    open_carried_count,
    recent_entries,
    resolve_link,
)
from .sheet import SHEET_WIDTH, item_details, item_text, render_sheet
from .shift import ShiftInfo, current, shift_bounds, sign_off, sign_on

__all__ = [
    "CARRIED_KINDS", "ENTRY_KINDS", "REASONS", "SECTIONS", "SECTION_TITLES", "SHEET_VERSION", "SHEET_WIDTH",
    "Addendum", "Answer", "EntryDetail", "EntryRow", "HandoverSummary", "HandoverView", "ShiftInfo",
    "abandon_handover", "acknowledge", "add_addendum", "add_entry", "begin_handover", "compile_handover",
    "complete", "current", "entry_detail", "handover", "handovers", "item_details", "item_text",
    "last_handover_id", "link_text", "mark_done", "open_carried_count", "parse_time", "query_item", "receive",
    "recent_entries", "reply_to_query", "render_sheet", "resolve_link", "sheet_items", "shift_bounds", "sign_off", "sign_on",
    "supervise",
]
