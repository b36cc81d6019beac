"""Every form of the console, opened on a record that fits it: for the tests that measure each form at
80x24 and take its snapshot. `FORMS` names them; `form_records` makes the records they open on."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from appkit import settle, sign_on

from conftest import NOW
from deskconsole import calls, frontdesk, keys, orders, people, units
from deskconsole.screens.call_actions import AnswerFormScreen, ConvertFormScreen, DeliverFormScreen, VoidFormScreen
from deskconsole.screens.call_form import CallFormScreen
from deskconsole.screens.frontdesk_forms import (ClaimItemForm, CollectParcelForm, IssuePassForm, NotifyParcelForm,
                                                 ReceiveParcelForm, RecordFoundForm, ReleasePassForm,
                                                 ReturnParcelForm, SignInVisitorForm)
from deskconsole.screens.handover import AddendumForm, QueryForm, ReplyForm, SignOffForm, StaffPinForm
from deskconsole.screens.key_forms import CatalogueForm, IssueKeyForm, ReportKeyForm, ReturnKeyForm
from deskconsole.screens.log_entry import LogEntryForm
from deskconsole.screens.order_forms import (ArriveForm, CallbackForm, CancelReturnForm, CompleteForm, DecideForm,
                                             DispatchForm, ExtendForm, FollowUpForm, NewOrderForm)
from deskconsole.screens.pin import ChangePinForm
from deskconsole.screens.reports import RangeForm
from deskconsole.screens.staff import AddStaffForm, RoleForm
from deskconsole.screens.units import UnitForm


@dataclass
class Records:
    """The records the forms open on."""
    call: int
    inquiry: int
    message: int
    logged: int        # work orders by status
    dispatched: int
    on_site: int
    done: int
    pending: int       # an extension waiting for a supervisor
    parcel: int
    goods_pass: int
    found: int


@pytest.fixture
def form_records(demo_site) -> Records:
    return make_records(demo_site)


def make_records(demo_site) -> Records:
    """On the demo: a record of each kind in the state its forms need, with CJK and bracketed text."""
    r1 = people.find("R1")
    engine = demo_site.sla_engine()
    at = NOW - timedelta(minutes=30)

    def order(text, **kw):
        return orders.create_order(r1, at, engine, sla_class="urgent_repair", unit_code="1-1203", description=text,
                                   department="engineering", **kw)

    call = calls.add_call(r1, at, engine, phone="13800001111", caller="王[b]小明", unit_code="1-1203",
                          category="repair", channel="phone", text="厨房水龙头漏水 [/x]")
    inquiry = calls.add_call(r1, at, engine, phone="13900002222", caller="李阿姨", unit_code="2-808",
                             category="inquiry", channel="phone", text="物业费怎么交？", answered=False)
    message = calls.add_call(r1, at, engine, phone="13700003333", caller="陈先生", unit_code="1-306",
                             category="message", channel="phone", text="请回电", message_for="张经理",
                             message_from="陈先生", callback_number="13700003333")
    logged = order("马桶堵了 王[b]小明")
    dispatched = order("卫生间漏水")
    orders.dispatch(r1, at, dispatched, department="engineering", assignee="张师傅", engine=engine)
    on_site = order("热水器不热")
    orders.dispatch(r1, at, on_site, department="engineering", assignee="刘工", engine=engine)
    orders.arrive(r1, at + timedelta(minutes=5), on_site, engine=engine)
    done = order("换灯泡")
    orders.dispatch(r1, at, done, department="engineering", assignee="刘工", engine=engine)
    orders.arrive(r1, at + timedelta(minutes=5), done, engine=engine)
    orders.complete(r1, at + timedelta(minutes=20), done, work_done="换了灯泡", engine=engine)
    pending = order("外墙渗水 [b]")
    orders.request_extension(r1, at + timedelta(minutes=1), engine, pending, until=NOW + timedelta(days=5),
                             reason="等配件 waiting for parts", owner_consent=True)
    parcel = frontdesk.receive_parcel(r1, at, unit_code="1-1203", addressee="王[b]小明", carrier="顺丰",
                                      tracking="SF1234567890", size="small", shelf="A3")
    goods_pass = frontdesk.issue_pass(r1, at, engine, unit_code="1-1203", requester="王[b]小明", requester_kind="owner",
                                      items="沙发一张 [/x]")
    found = frontdesk.record_found(r1, at, found_where="2栋电梯", description="黑色钱包 black wallet",
                                   found_by="保洁刘阿姨", stored_where="前台柜子")
    return Records(call=call, inquiry=inquiry, message=message, logged=logged, dispatched=dispatched,
                   on_site=on_site, done=done, pending=pending, parcel=parcel, goods_pass=goods_pass, found=found)


def _order(app, order_id: int) -> orders.OrderRow:
    rows = {r.id: r for r in orders.open_orders(app.engine)}
    return rows[order_id]


def _key(status: str) -> keys.KeyRow:
    return next(k for k in keys.board() if k.status == status)


def _parcel(r: Records) -> frontdesk.ParcelRow:
    return next(p for p in frontdesk.waiting_parcels() if p.id == r.parcel)


def _pass(r: Records) -> frontdesk.PassRow:
    return next(p for p in frontdesk.open_passes(NOW) if p.id == r.goods_pass)


def _found(r: Records) -> frontdesk.LostRow:
    return next(i for i in frontdesk.kept_items() if i.id == r.found)


def _staff(code: str) -> people.StaffInfo:
    return next(s for s in people.staff_records() if s.code == code)


def _unit(code: str) -> units.UnitInfo:
    return next(u for u in units.all_units() if u.code == code)


# Every FormScreen of the console: name -> (who signs on, its class, what it is made with: a function of the
# app and the records (arguments, or keywords), or None). test_forms_fit holds this list to the FormScreen classes there are.
FORMS = {
    "new_call": ("R1", CallFormScreen, None),
    "edit_call": ("R1", CallFormScreen, lambda app, r: [calls.detail(r.call)]),
    "convert_call": ("R1", ConvertFormScreen, lambda app, r: [calls.detail(r.call), "urgent_repair"]),
    "answer_inquiry": ("R1", AnswerFormScreen, lambda app, r: [calls.detail(r.inquiry)]),
    "deliver_message": ("R1", DeliverFormScreen, lambda app, r: [calls.detail(r.message)]),
    "void_call": ("S1", VoidFormScreen, lambda app, r: [calls.detail(r.call)]),
    "new_order": ("R1", NewOrderForm, None),
    "dispatch": ("R1", DispatchForm, lambda app, r: [_order(app, r.logged)]),
    "arrive": ("R1", ArriveForm, lambda app, r: [_order(app, r.dispatched)]),
    "complete": ("R1", CompleteForm, lambda app, r: [_order(app, r.on_site)]),
    "callback": ("R1", CallbackForm, lambda app, r: [_order(app, r.done)]),
    "extend": ("R1", ExtendForm, lambda app, r: [_order(app, r.on_site)]),
    "cancel_return": ("R1", CancelReturnForm, lambda app, r: [_order(app, r.logged)]),
    "decide": ("S1", DecideForm, lambda app, r: [_order(app, r.pending)]),
    "follow_up": ("S1", FollowUpForm, lambda app, r: [_order(app, r.done)]),
    "issue_key": ("R1", IssueKeyForm, lambda app, r: ["MK-02"]),
    "return_key": ("R1", ReturnKeyForm, lambda app, r: [_key("out")]),
    "report_key": ("R1", ReportKeyForm, lambda app, r: [_key("out")]),
    "key_catalogue": ("S1", CatalogueForm, lambda app, r: ["PR-02"]),
    "log_entry": ("R1", LogEntryForm, None),
    "receive_parcel": ("R1", ReceiveParcelForm, None),
    "notify_parcel": ("R1", NotifyParcelForm, lambda app, r: [_parcel(r)]),
    "collect_parcel": ("R1", CollectParcelForm, lambda app, r: [_parcel(r)]),
    "return_parcel": ("R1", ReturnParcelForm, lambda app, r: [_parcel(r)]),
    "sign_in_visitor": ("R1", SignInVisitorForm, None),
    "issue_pass": ("R1", IssuePassForm, None),
    "release_pass": ("G1", ReleasePassForm, lambda app, r: [_pass(r)]),
    "record_found": ("G1", RecordFoundForm, None),
    "claim_item": ("R1", ClaimItemForm, lambda app, r: [_found(r)]),
    "add_staff": ("S1", AddStaffForm, None),
    "change_role": ("S1", RoleForm, lambda app, r: [_staff("G1")]),
    "edit_unit": ("S1", UnitForm, lambda app, r: [_unit("1-1203")]),
    "change_pin": ("R1", ChangePinForm, None),
    "handover_sign_on": ("R1", StaffPinForm, lambda app, r: dict(title="Incoming operator signs on",
                                                                  on_verified=lambda *a: None, with_note=True)),
    "handover_query": ("R1", QueryForm, lambda app, r: [1, None, "orders", "WO00012", "WO00012 1-1203 马桶堵了 [b]"]),
    "handover_addendum": ("R1", AddendumForm, lambda app, r: [1]),
    "handover_reply": ("R1", ReplyForm, lambda app, r: [1, "orders", "WO00012", "WO00012 1-1203 马桶堵了 [b]",
                                                        "谁跟进？ [/x]"]),
    "sign_off": ("R1", SignOffForm, None),
    "figures_range": ("S1", RangeForm, lambda app, r: [None, None]),
}


def make_form(app, name: str, records: Records):
    _code, cls, args = FORMS[name]
    given = args(app, records) if args else []
    return cls(**given) if isinstance(given, dict) else cls(*given)


async def open_form(pilot, name: str, records: Records):
    """Sign on as the form's user, open it over the console, wait until it is painted."""
    await sign_on(pilot, FORMS[name][0])
    # On a small site the first reload can finish before the console is mounted: read again so the
    # picture behind the form never depends on that race.
    pilot.app.reload()
    await settle(pilot)
    pilot.app.push_screen(make_form(pilot.app, name, records))
    await settle(pilot)
    return pilot.app.screen
