"""Pane 5: the front desk's other registers, one at a time: parcels waiting (the oldest at the top,
aging), visitors (VIPs expected, then those on site), goods-release passes (open, then the day's
others) and lost and found (items kept, then those claimed).

Keys: p parcels, v visitors, g passes, f lost and found; n receives a parcel, signs a visitor in,
issues a pass or records a found item, by the register shown; t tells the addressee (again), c hands
the parcel over, r returns it to the sender; a records that an expected VIP came, o signs the
selected visitor out; l releases a pass at the gate; b hands a found item back to its owner. The
footer offers the keys of the register shown (the others still answer, saying what to do).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from .. import countdown, frontdesk
from ..console_data import ConsoleData
from ..i18n import _, label
from ..timefmt import local
from .bindings import request
from .pane import Pane, line, render_countdown
from .record_table import Column, Row

REGISTERS = ("parcels", "visitors", "passes", "found")
# The keys that act on one register's records: offered in the footer only while it is shown.
REGISTER_OF = {
    "frontdesk.notify": "parcels", "frontdesk.collect": "parcels", "frontdesk.return": "parcels",
    "frontdesk.arrived": "visitors", "frontdesk.sign_out": "visitors",
    "frontdesk.release": "passes", "frontdesk.claim": "found",
}
# A parcel's age cell: it turns to a warning once the addressee is due a reminder.
AGE_WARN = frontdesk.REMIND_AFTER
# On site while the office is shut (after office hours, a weekend, a holiday): this mark and a warning colour.
AFTER_HOURS = "☾"
# A VIP's preparation goes through the countdown bands in its last hour.
PREP_LEAD = timedelta(hours=1)


def render_age(column: str, value, now: datetime, office_open: bool = True) -> tuple[str, str]:
    """The cells that change with the time: how long a parcel, a visitor or a found item has been
    here (a visitor marked after office hours); a VIP's next preparation counting down; whether a
    pass is still valid. Other cells are countdowns."""
    if not isinstance(value, tuple) or not value or not isinstance(value[0], str):
        return render_countdown(column, value, now)
    kind = value[0]
    if kind == "age":
        _kind, since, warn_after = value
        age = max(now - since, timedelta(0))
        return format_age(age), ("band75" if warn_after is not None and age >= warn_after else "")
    if kind == "visit":
        age = format_age(max(now - value[1], timedelta(0)))
        return (f"{AFTER_HOURS}{age}", "band75") if not office_open else (age, "")
    if kind == "prep":
        at = value[1]
        return countdown.render(countdown.wall_deadline(at - PREP_LEAD, at), now)
    if kind == "pass":
        return (_("valid today"), "") if now < value[1] else (_("expired"), "over")
    return "", ""


def format_age(age: timedelta) -> str:
    """How long: days and hours, hours and minutes, or minutes (the countdowns' words, to the minute:
    an idle pane changes at most once a minute)."""
    s = int(age.total_seconds())
    if s >= 86400:
        return _("{d}d{h:02d}h", d=s // 86400, h=s % 86400 // 3600)
    if s >= 3600:
        return _("{h}h{m:02d}m", h=s // 3600, m=s % 3600 // 60)
    return _("{m}m", m=s // 60)


def parcel_row(p: frontdesk.ParcelRow, tz) -> Row:
    """A parcel as its row in the register: a function of the parcel and the time zone only."""
    if p.status == "waiting":
        state = label(p.notified_how) + (f"×{p.notice_count}" if p.notice_count > 1 else "") if p.notified_at \
            else _("not told")
    else:
        state = frontdesk.parcel_status_label(p.status)
    return Row(
        key=p.id,
        cells={"age": "", "for": " ".join(x for x in (p.unit_code, line(p.addressee)) if x),
               "carrier": line(p.carrier), "tracking": p.tracking, "shelf": line(p.shelf), "state": state,
               "since": local(p.received_at, tz)},
        style="" if p.status == "waiting" else "muted",
        dynamic={"age": ("age", p.received_at, AGE_WARN)} if p.status == "waiting" else {},
    )


def preparation_text(prep: frontdesk.Preparation, tz) -> str:
    """A VIP's next preparation with its time (003 §8 1.1.5 c, e)."""
    time = local(prep.at, tz, "HH:mm")
    if prep.kind == "greet":
        return _("greet by {time}", time=time)        # staff at the entrance
    return _("send-off by {time}", time=time)         # the departments told


def visitor_row(v: frontdesk.VisitorRow, tz) -> Row:
    """A visit as its row: a VIP expected (the next preparation counting down), on site (its time in,
    aging; marked while the office is shut), or gone (muted)."""
    name = line(v.name) + (f" ×{v.party_size}" if v.party_size > 1 else "") + (" ★" if v.vip else "")
    prep = v.preparation
    state = line(v.purpose)
    if prep is not None:
        state = preparation_text(prep, tz) + (f" · {state}" if state else "")
    elif v.no_show:
        state = _("did not come") + (f" · {state}" if state else "")
    if prep is not None:
        dynamic = {"age": ("prep", prep.at)}
    else:
        dynamic = {"age": ("visit", v.arrived_at)} if v.on_site else {}
    age = _("left {time}", time=local(v.left_at, tz, "HH:mm")) if v.left_at else ""
    return Row(
        key=v.id,
        cells={"age": age, "for": line(v.visiting), "carrier": name, "tracking": line(v.pass_no),
               "shelf": line(v.host_confirmed_by) or _("not confirmed"), "state": state,
               "since": local(v.arrived_at or v.expected_at, tz)},
        style="muted" if v.left_at else "",
        dynamic=dynamic,
    )


def pass_row(p: frontdesk.PassRow, tz) -> Row:
    """A goods-release pass: its number, who asked and as what, the items; valid today, or released
    at the gate (when, by whom)."""
    items = line(p.items)
    if p.move_out:
        items = _("move-out") + f" · {items}"
    released = p.status == "released"
    return Row(
        key=p.id,
        cells={"number": p.number, "unit": p.unit_code, "requester": f"{line(p.requester)} · {label(p.requester_kind)}",
               "items": items,
               "state": _("out {time} {who}", time=local(p.released_at, tz, "HH:mm"), who=p.released_by)
               if released else "",
               "since": local(p.issued_at, tz)},
        style="muted" if released else "",
        dynamic={} if released else {"state": ("pass", p.valid_until)},
    )


def found_row(i: frontdesk.LostRow, tz) -> Row:
    """A found item: how long the desk has kept it, where it was found, what, by whom, where it is
    kept; or who claimed it (muted)."""
    kept = i.status == "kept"
    return Row(
        key=i.id,
        cells={"age": "", "where": line(i.found_where),
               "what": line(i.description), "by": line(i.found_by), "stored": line(i.stored_where),
               "state": _("kept") if kept else _("claimed: {who}", who=line(i.claimant)),
               "since": local(i.found_at, tz)},
        style="" if kept else "muted",
        dynamic={"age": ("age", i.found_at, None)} if kept else {},
    )


ROW_OF = {"parcels": parcel_row, "visitors": visitor_row, "passes": pass_row, "found": found_row}
EMPTY = {"parcels": "No parcels waiting.", "visitors": "No visitors on site.",
         "passes": "No goods-release passes today.", "found": "No found items kept."}
TITLES = {"parcels": "Parcels", "visitors": "Visitors", "passes": "Passes", "found": "Lost and found"}


class FrontDeskPane(Pane):
    number = 5
    pane_id = "frontdesk"
    source = "parcels"
    title = "Front desk"
    empty_text = "No parcels waiting."

    row_of = staticmethod(parcel_row)
    BINDINGS = [
        request("p", "frontdesk.parcels", "Parcels"),
        request("v", "frontdesk.visitors", "Visitors"),
        request("g", "frontdesk.passes", "Passes"),
        request("f", "frontdesk.found", "Found"),
        request("n", "frontdesk.new", "New"),
        request("t", "frontdesk.notify", "Tell"),
        request("c", "frontdesk.collect", "Collected"),
        request("r", "frontdesk.return", "Return", show=False),
        request("a", "frontdesk.arrived", "Arrived"),
        request("o", "frontdesk.sign_out", "Signed out"),
        request("l", "frontdesk.release", "Let out"),
        request("b", "frontdesk.claim", "Claimed"),
    ]

    def __init__(self, tz) -> None:
        super().__init__(tz)
        self.register = "parcels"
        self._office: tuple[datetime, bool] | None = None

    def on_mount(self) -> None:
        super().on_mount()
        self.table.dynamic_renderer = self.render_cell

    def render_cell(self, column: str, value, now: datetime) -> tuple[str, str]:
        return render_age(column, value, now, self.office_open(now))

    def office_open(self, now: datetime) -> bool:
        """Whether the office is open now, by the site's office hours and working days (the rule
        people.may applies to the desk's holder). Asked once a tick, not once a row."""
        if self._office is None or self._office[0] != now:
            self._office = (now, self.app.engine.is_open(now))
        return self._office[1]

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """The footer offers the keys of the register shown, and the other registers' keys."""
        if action == "request" and parameters:
            action_id = parameters[0]
            if REGISTER_OF.get(action_id, self.register) != self.register or action_id == f"frontdesk.{self.register}":
                return False
        return super().check_action(action, parameters)

    def columns(self) -> list[Column]:
        if self.register == "visitors":
            return [Column("age", _("On site"), 10, align="right"), Column("for", _("Visiting"), 12),
                    Column("carrier", _("Visitor"), 14), Column("tracking", _("Pass"), 6),
                    Column("shelf", _("Confirmed by"), 10), Column("state", _("Purpose"), None, min_width=8)]
        if self.register == "passes":
            return [Column("number", _("Number"), 7), Column("unit", _("Unit"), 8),
                    Column("requester", _("Requested by"), 16), Column("items", _("Goods"), None, min_width=10),
                    Column("state", _("Gate"), 14)]
        if self.register == "found":
            return [Column("age", _("Kept"), 10, align="right"), Column("where", _("Found at"), 12),
                    Column("what", _("Description"), None, min_width=10), Column("by", _("Found by"), 10),
                    Column("stored", _("Kept at"), 8), Column("state", _("State"), 14)]
        return [Column("age", _("Waiting"), 10, align="right"), Column("for", _("For"), 14),
                Column("carrier", _("Carrier"), 8), Column("tracking", _("Tracking"), None, min_width=10),
                Column("shelf", _("Shelf"), 5), Column("state", _("Told"), 8)]

    def show_register(self, register: str) -> None:
        """Switch the pane to another register; the cursor goes to the top of it."""
        if register == self.register:
            return
        self.register = register
        self.source = register
        self.row_of = ROW_OF[register]
        self._row_cache = {}
        self.table.set_columns(self.columns())
        self.table.empty_text = _(EMPTY[register])
        self._title()
        if self._data is not None:
            self.show(self._data)
            self.border_subtitle = self.summary(self._data, self.app.clock.now())
        self.refresh_bindings()

    def _title(self) -> None:
        self.border_title = f"{self.number} {_(self.title)} · {_(TITLES[self.register])}"

    def on_show(self) -> None:
        self._title()

    def summary(self, data: ConsoleData, now: datetime) -> str:
        c = data.desk_counts
        if c is None:
            return ""
        if self.register == "passes":
            released = sum(1 for p in data.passes if p.status == "released")
            return _("{open} passes open, {released} released today", open=c.passes_open, released=released)
        if self.register == "found":
            return _("{kept} found items kept", kept=c.found_kept)
        if self.register == "parcels":
            return _("{parcels} parcels waiting ({tell} to tell)", parcels=c.parcels_waiting, tell=c.parcels_to_notify)
        text = _("{people} visitors on site", people=c.visitors_on_site)
        if c.visitors_on_site and not self.office_open(now):
            text += f" {AFTER_HOURS} " + _("after office hours")
        if c.vips_expected:
            text += " · " + _("{n} VIPs expected", n=c.vips_expected)
        return text

    def short_summary(self, data: ConsoleData, now: datetime) -> str:
        """Parcels waiting / people on site (☾: after office hours, ★: VIPs expected), then the open
        passes (GP) and found items kept (LF) when there are any."""
        c = data.desk_counts
        if c is None:
            return _("Desk")
        people = f"{AFTER_HOURS}{c.visitors_on_site}" if c.visitors_on_site and not self.office_open(now) \
            else str(c.visitors_on_site)
        text = _("Desk {parcels}/{people}", parcels=c.parcels_waiting, people=people)
        if c.vips_expected:
            text += f"★{c.vips_expected}"
        if c.passes_open:
            text += " " + _("GP{n}", n=c.passes_open)
        if c.found_kept:
            text += " " + _("LF{n}", n=c.found_kept)
        return text
