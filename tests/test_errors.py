"""One Refusal base and one way to say it: errors.explain(exc, tz) gives the line a person reads, with
times in the site's zone; the refusals carry their data (who, when in UTC, what), not local times."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from deskconsole import calls, db, errors, i18n, keys, orders, people
from deskconsole.errors import Conflict, InvalidInput, PermissionDenied, Refusal, explain

from conftest import NOW

SH = ZoneInfo("Asia/Shanghai")
EARLY = NOW - timedelta(hours=1)

# The texts as the desk said them before the refusals carried their data (commit 002fea0, with the
# site's zone passed in): explain must give the same, in both languages.
TODAY = {
    'en': {
        'already': 'WO00211 is already dispatched (by R1 at 21:00).',
        'still': 'WO00211 is still dispatched (by R1 at 21:00): not possible yet.',
        'approve_ext': 'WO00211 has no extension waiting (last change by R1 at 21:00).',
        'refuse': 'WO00211 has no request waiting (last change by R1 at 21:00).',
        'approve_ret': 'WO00211 has no return waiting (last change by R1 at 21:00).',
        'until': 'The new deadline must be later than the present one (2026-11-27 17:00).',
        'waiting': 'WO00211 already has a request waiting for a supervisor (by R1 at 21:00).',
        'denied': 'A guard may not do this (order.dispatch).',
        'answered': 'This inquiry is answered already (R1, 60 min ago).',
        'has_open': 'Work order WO00213 is open for this call already.',
        'key_out': 'Key PR-02 is out already, with 张师傅 since 11-24 21:00.',
        'key_back': 'This key was returned already (received by G1 at 11-24 21:30).',
    },
    'zh': {
        'already': 'WO00211 已是“已派工”状态（R1 于 21:00）。',
        'still': 'WO00211 仍是已派工（R1 于 21:00）：现在不能这样操作。',
        'approve_ext': 'WO00211 没有待批的延期申请（最后由 R1 于 21:00 修改）。',
        'refuse': 'WO00211 没有待批的申请（最后由 R1 于 21:00 修改）。',
        'approve_ret': 'WO00211 没有待批的退单申请（最后由 R1 于 21:00 修改）。',
        'until': '新期限必须晚于目前期限（2026-11-27 17:00）。',
        'waiting': 'WO00211 已有待主管审批的申请（R1 于 21:00 提出）。',
        'denied': '保安无权进行此操作（order.dispatch）。',
        'answered': '这条咨询已经是已答复状态（R1，60 分钟前）。',
        'has_open': '这条来电已有未完成的工单 WO00213。',
        'key_out': '钥匙 PR-02 已借出，张师傅 自 11-24 21:00 持有。',
        'key_back': '这把钥匙已经归还（由 G1 于 11-24 21:30 接收）。',
    },
}


def refusals(demo_site) -> dict[str, Refusal]:
    """Each kind of refusal with a time or a name in it, provoked through the desk functions."""
    engine = demo_site.sla_engine()
    r1, r2, s1, g1, g2 = (people.find(c) for c in ("R1", "R2", "S1", "G1", "G2"))
    found = {}

    def catch(name, fn):
        with pytest.raises(Refusal) as err:
            fn()
        found[name] = err.value

    def new():
        return orders.create_order(r1, EARLY, engine, sla_class="general_repair", unit_code="1-101", description="x")

    o = new()
    orders.dispatch(r1, EARLY, o, department="engineering")
    catch("already", lambda: orders.dispatch(r2, NOW, o, department="engineering"))
    catch("still", lambda: orders.complete(r2, NOW, o, work_done="x"))
    catch("approve_ext", lambda: orders.approve_extension(s1, NOW, o))
    catch("refuse", lambda: orders.refuse_request(s1, NOW, o))
    catch("approve_ret", lambda: orders.approve_return(s1, NOW, o))
    due = orders.detail(engine, o).resolve_due_at
    catch("until", lambda: orders.request_extension(r1, NOW, engine, o, until=due - timedelta(hours=1), reason="r"))
    orders.request_extension(r1, EARLY, engine, o, until=due + timedelta(days=1), reason="r")
    catch("waiting", lambda: orders.request_extension(r2, NOW, engine, o, until=due + timedelta(days=2), reason="r"))
    catch("denied", lambda: orders.dispatch(g1, NOW, new(), department="engineering"))
    c = calls.add_call(r1, EARLY, category="inquiry", channel="phone", text="q", answered=False)
    calls.answer_inquiry(r1, EARLY, c, answer="a")
    catch("answered", lambda: calls.answer_inquiry(r2, NOW, c, answer="b"))
    c2 = calls.add_call(r1, EARLY, category="repair", channel="phone", text="q", unit_code="1-101")
    calls.convert_to_order(r1, EARLY, engine, c2, sla_class="general_repair")
    catch("has_open", lambda: calls.convert_to_order(r1, NOW, engine, c2, sla_class="general_repair"))
    keys.issue(g1, EARLY, engine, tag="PR-02", holder_kind="staff", holder_name="张师傅")
    catch("key_out", lambda: keys.issue(g2, NOW, engine, tag="PR-02", holder_kind="staff", holder_name="李"))
    key_id = keys.find("PR-02").id
    keys.return_key(g1, EARLY + timedelta(minutes=30), key_id)
    catch("key_back", lambda: keys.return_key(g2, NOW, key_id))
    return found


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_explain_says_what_the_desk_said_before_in_both_languages(demo_site, lang):
    i18n.set_language(lang)
    said = {name: explain(exc, SH) for name, exc in refusals(demo_site).items()}
    assert said == TODAY[lang]


def test_a_conflict_carries_who_when_and_what_not_a_local_time(demo_site):
    found = refusals(demo_site)
    already = found["already"]
    assert isinstance(already, Conflict)
    assert (already.by, already.by_name, already.at, already.did) == ("R1", "李娜 Li Na", EARLY, "order.dispatch")
    assert already.at.tzinfo is not None and already.at.utcoffset() == timedelta(0)
    waiting = found["waiting"]
    assert (waiting.by, waiting.at, waiting.did) == ("R1", EARLY, "order.extend.request")
    answered = found["answered"]
    assert (answered.by, answered.at, answered.did) == ("R1", EARLY, "call.answer")
    # Without the site's zone a time says UTC rather than pass for local time.
    assert str(already).endswith("(by R1 at 13:00 UTC).")
    assert explain(already, "Europe/London") == explain(already, ZoneInfo("Europe/London"))
    assert "13:00)" in explain(already, "Europe/London")


def test_each_refusal_carries_its_data(demo_site):
    found = refusals(demo_site)
    denied = found["denied"]
    assert isinstance(denied, PermissionDenied) and (denied.role, denied.permission) == ("guard", "order.dispatch")
    until = found["until"]
    assert isinstance(until, InvalidInput) and until.field == "until"
    assert until.values["time"].tzinfo is not None
    has_open = found["has_open"]
    assert isinstance(has_open, Conflict) and orders.number(has_open.order_id) in explain(has_open, SH)
    assert isinstance(db.StoreError("x", kind="busy"), Refusal)


def test_a_plain_message_is_said_as_it_is():
    """Messages with no data (and braces typed by a user, already in them) are not formatted again."""
    assert explain(Conflict("Handover H3 changed at another console."), SH) == \
        "Handover H3 changed at another console."
    assert explain(InvalidInput("note", "a {b} c"), None) == "a {b} c"
    assert InvalidInput("note", "a {b} c").message == "a {b} c"
    user_text = InvalidInput("tag", "Key {tag} is out already, with {holder} since {time}.", tag="PR-01",
                             holder="王{time}[b]", time=datetime(2026, 11, 24, 13, 0, tzinfo=timezone.utc))
    assert explain(user_text, SH) == "Key PR-01 is out already, with 王{time}[b] since 11-24 21:00."


def test_every_refusal_is_caught_by_one_except(demo_site):
    assert all(isinstance(exc, Refusal) for exc in refusals(demo_site).values())
    for cls in (InvalidInput, PermissionDenied, Conflict, db.StoreError):
        assert issubclass(cls, errors.Refusal)
