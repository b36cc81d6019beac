"""Pane 5: the front desk's other registers, one at a time: parcels waiting (the oldest at the top,
aging) and visitors (those on site first).

Keys: p parcels, v visitors; n receives a parcel or signs a visitor in; t tells the addressee (again),
c hands the parcel over, r returns it to the sender; o signs the selected visitor out.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from .. import frontdesk
from ..console_data import ConsoleData
from ..i18n import _, label
from ..timefmt import local
from .bindings import request
from .pane import Pane, line, render_countdown
from .record_table import Column, Row

REGISTERS = ("parcels", "visitors")
# A parcel's age cell: it turns to a warning once the addressee is due a reminder.
AGE_WARN = frontdesk.REMIND_AFTER


def render_age(column: str, value, now: datetime) -> tuple[str, str]:
    """The "age" cell: how long the parcel or visitor has been here; other cells are countdowns."""
    if column != "age":
        return render_countdown(column, value, now)
    since, warn_after = value
    age = max(now - since, timedelta(0))
    return format_age(age), ("band75" if warn_after is not None and age >= warn_after else "")


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
        dynamic={"age": (p.received_at, AGE_WARN)} if p.status == "waiting" else {},
    )


def visitor_row(v: frontdesk.VisitorRow, tz) -> Row:
    """A visit as its row: on site (its time in, aging) or left (muted)."""
    name = line(v.name) + (f" ×{v.party_size}" if v.party_size > 1 else "") + (" ★" if v.vip else "")
    return Row(
        key=v.id,
        cells={"age": "" if v.on_site else _("left {time}", time=local(v.left_at, tz, "HH:mm")),
               "for": line(v.visiting), "carrier": name, "tracking": line(v.pass_no),
               "shelf": line(v.host_confirmed_by) or _("not confirmed"), "state": line(v.purpose),
               "since": local(v.arrived_at, tz)},
        style="" if v.on_site else "muted",
        dynamic={"age": (v.arrived_at, None)} if v.on_site else {},
    )


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
        request("n", "frontdesk.new", "New"),
        request("t", "frontdesk.notify", "Tell"),
        request("c", "frontdesk.collect", "Collected"),
        request("r", "frontdesk.return", "Return", show=False),
        request("o", "frontdesk.sign_out", "Signed out"),
    ]

    def __init__(self, tz) -> None:
        super().__init__(tz)
        self.register = "parcels"

    def on_mount(self) -> None:
        super().on_mount()
        self.table.dynamic_renderer = render_age

    def columns(self) -> list[Column]:
        if self.register == "visitors":
            return [Column("age", _("On site"), 10, align="right"), Column("for", _("Visiting"), 12),
                    Column("carrier", _("Visitor"), 14), Column("tracking", _("Pass"), 6),
                    Column("shelf", _("Confirmed by"), 10), Column("state", _("Purpose"), None, min_width=8)]
        return [Column("age", _("Waiting"), 10, align="right"), Column("for", _("For"), 14),
                Column("carrier", _("Carrier"), 8), Column("tracking", _("Tracking"), None, min_width=10),
                Column("shelf", _("Shelf"), 5), Column("state", _("Told"), 8)]

    def show_register(self, register: str) -> None:
        """Switch the pane to parcels or visitors; the cursor goes to the top of the other register."""
        if register == self.register:
            return
        self.register = register
        self.source = register
        self.row_of = parcel_row if register == "parcels" else visitor_row
        self._row_cache = {}
        self.table.set_columns(self.columns())
        self.table.empty_text = _("No parcels waiting.") if register == "parcels" else _("No visitors on site.")
        self.border_title = f"{self.number} {_(self.title)} · {_(register.capitalize())}"
        if self._data is not None:
            self.show(self._data)

    def on_show(self) -> None:
        self.border_title = f"{self.number} {_(self.title)} · {_(self.register.capitalize())}"

    def summary(self, data: ConsoleData, now: datetime) -> str:
        c = data.desk_counts
        if c is None:
            return ""
        return _("{parcels} parcels waiting ({tell} to tell), {people} visitors on site",
                 parcels=c.parcels_waiting, tell=c.parcels_to_notify, people=c.visitors_on_site)

    def short_summary(self, data: ConsoleData, now: datetime) -> str:
        c = data.desk_counts
        if c is None:
            return _("Desk")
        return _("Desk {parcels}/{people}", parcels=c.parcels_waiting, people=c.visitors_on_site)
