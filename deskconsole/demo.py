"""Demo data that looks like a real site, made through the desk functions (so it is audited).

Deterministic for a given `now` and seed, so snapshot tests can rely on it. For the tests
(`hostile=True`) some names and notes hold hostile texts (`王[b]小明`, `[/x]`, `[@click=app.quit]`, an
escape sequence) that must show literally; the demo a trainee opens has them cleaned away and its
Chinese punctuated as a clerk writes it.
"""
from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

from . import audit, calls, db, keys, orders, people, shifts, site_setup
from .config import Config
from .db import Call, Key, Unit
from .text import zh_punctuation

DEMO_PIN = "0000"
DEMO_STAFF = [
    ("S1", "陈静 Chen Jing", "supervisor"),
    ("R1", "李娜 Li Na", "receptionist"),
    ("G1", "王强 Wang Qiang", "guard"),
    ("S2", "Margaret Lee", "supervisor"),
    ("R2", "张[b]敏", "receptionist"),
    ("G2", "Tom Baker", "guard"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "小明", "建国"]
ENGLISH = ["Anna Schmidt", "David Wong", "Priya Nair", "John O'Neill", "Maria Garcia", "Kenji Sato"]
HOSTILE_CALLERS = ["王[b]小明", "[/x] 赵先生", "[@click=app.quit]", "Mr \x1b[2J Evil"]

CALL_TEXTS = {
    "inquiry": ["物业费怎么交?", "停车月卡多少钱", "When is the water cut tomorrow?", "快递柜在哪里", "装修需要办什么手续"],
    "repair": ["厨房水龙头漏水", "卫生间地漏堵塞", "门锁坏了打不开", "客厅灯不亮", "Air conditioner drips on the balcony",
               "马桶堵了", "窗户关不上"],
    "complaint": ["楼上装修噪音太大", "电梯里有异味", "邻居半夜唱歌", "Dog barking all night in the next unit",
                  "保洁没有打扫楼道", "Parking space taken again [/x]"],
    "emergency": ["家里跑水了!水浸到客厅", "电梯困人", "闻到煤气味", "Smoke in the stairwell, 12th floor"],
    "message": ["请转告张师傅回电", "Please ask the manager to call back about the invoice", "快递员留言:包裹放前台"],
    "other": ["捡到一个钱包", "问路", "Lost cat, grey, answers to Mimi"],
}
CATEGORY_WEIGHTS = {"inquiry": 30, "repair": 30, "complaint": 12, "emergency": 2, "message": 10, "other": 16}
CHANNEL_WEIGHTS = {"phone": 60, "walk_in": 20, "intercom": 8, "letter": 2, "patrol": 6, "staff": 4}

ORDER_MIX = [
    ("emergency", "家里跑水了 water through the ceiling"), ("hazard", "井盖缺失 manhole cover missing"),
    ("urgent_repair", "卫生间地漏堵塞"), ("urgent_repair", "Leaking pipe under the sink"),
    ("simple_repair", "门锁坏了"), ("simple_repair", "客厅灯不亮 [b]bulb[/b]"),
    ("general_repair", "窗户关不上"), ("general_repair", "墙面渗水"), ("common_area", "楼道灯不亮"),
    ("complaint_impact", "停水没有通知"), ("complaint_neighbour", "楼上装修噪音 after 22:00"),
    ("complaint_staff", "保安态度不好"), ("complaint_other", "电梯里有异味"), ("inquiry", "装修手续咨询"),
    ("cleaning", "垃圾房清理"),
]
DEPT_OF = {"emergency": "engineering", "hazard": "engineering", "urgent_repair": "engineering",
           "simple_repair": "engineering", "general_repair": "engineering", "common_area": "engineering",
           "complaint_impact": "customer_service", "complaint_neighbour": "security",
           "complaint_staff": "customer_service", "complaint_other": "customer_service",
           "inquiry": "customer_service", "cleaning": "cleaning"}

DEMO_TECHNICIANS = [
    ("engineering", "张师傅", "13800138001", "yes"), ("engineering", "Li Gong", "13800138002", "no"),
    ("engineering", "刘工", "13800138003", "no"), ("security", "王队长 Wang", "13800138004", "yes"),
    ("cleaning", "刘阿姨", "13800138005", "yes"), ("landscaping", "老陈 Chen", "13800138006", "no"),
    ("contractor", "[/x] Fix-It", "13800138007", "no"),
]

KEY_SET = [
    ("PR-01", "水泵房 Pump room", "plant_room", "B1"), ("PR-02", "配电房 Switch room", "plant_room", "B1"),
    ("PR-03", "消防控制室 Fire control", "plant_room", "1F"), ("PR-04", "电梯机房 Lift motor room", "plant_room", "RF"),
    ("OF-01", "管理处办公室 Office", "office", "1F"), ("OF-02", "财务室 Cashier", "office", "1F"),
    ("CA-01", "会所 Clubhouse", "common_area", "G"), ("CA-02", "天台门 Roof door, building 1", "common_area", "RF"),
    ("CA-03", "天台门 Roof door, building 2", "common_area", "RF"), ("CA-04", "垃圾房 Bin store", "common_area", "G"),
    ("MK-01", "总钥匙 Master key A", "master", "safe"), ("MK-02", "总钥匙 Master key B", "master", "safe"),
]


# What the tests' hostile texts add: markup-like brackets and escape sequences.
_HOSTILE_BITS = re.compile(r"\[[^\]\n]*\]|\x1b\[[0-9;]*[A-Za-z]")


def believable(text: str) -> str:
    """A demo text as a trainee should see it: the hostile bits gone, Chinese punctuation full-width."""
    return zh_punctuation(" ".join(_HOSTILE_BITS.sub("", text).split()))


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _name(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return rng.choice(ENGLISH)
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


@db.writes
def seed(config: Config, now: datetime, *, seed: int = 2026, days: int = 30, call_count: int = 2000,
         open_orders: int = 60, key_count: int = 40, hostile: bool = False) -> dict[str, int]:
    """Fill an empty database with a plausible site. One transaction: all of it or nothing. `hostile`:
    keep the tests' hostile texts in names and notes."""
    say = (lambda text: text) if hostile else believable
    rng = random.Random(seed)
    engine = config.sla_engine()
    start = now - timedelta(days=days)
    _units(start)
    code, name, _role = DEMO_STAFF[0]
    staff = {code: people.create_first_supervisor(start, code=code, name=say(name), pin=DEMO_PIN)}
    for code, name, role in DEMO_STAFF[1:]:
        staff[code] = people.create_staff(staff["S1"], start, code=code, name=say(name), role=role, pin=DEMO_PIN)
    unit_codes = [u.code for u in Unit.select(Unit.code).order_by(Unit.id)]
    phones = {}

    # Calls spread over the period, a little busier in the daytime.
    moments = sorted(start + timedelta(seconds=rng.uniform(0, days * 86400 - 600)) for _ in range(call_count))
    for i, at in enumerate(moments):
        category = _weighted(rng, CATEGORY_WEIGHTS)
        unit = rng.choice(unit_codes)
        phone = phones.setdefault(unit, f"13{rng.randrange(10**9):09d}")
        caller = HOSTILE_CALLERS[i % len(HOSTILE_CALLERS)] if i % 97 == 0 else _name(rng)
        caller = say(caller) or "匿名"
        operator = staff[rng.choice(["R1", "R2", "G1", "G2"] if at.hour < 12 else ["R1", "G1"])]
        calls.add_call(operator, at, engine, phone=phone, caller=caller, unit_code=unit, category=category,
                       channel=_weighted(rng, CHANNEL_WEIGHTS), text=say(rng.choice(CALL_TEXTS[category])),
                       answered=rng.random() < 0.9)
    # What came in before the last twelve hours has been dealt with.
    handled = Call.select(Call.id).where((Call.status == "open") & (Call.received_at < now - timedelta(hours=12)))
    for call in handled:
        calls.close(staff["R1"], now - timedelta(hours=12), call.id)

    # Open orders: ages chosen so some are overdue, some about to breach, most in hand.
    for i in range(open_orders):
        sla_class, text = ORDER_MIX[i % len(ORDER_MIX)]
        age = timedelta(minutes=rng.choice([3, 7, 9, 20, 45, 90, 200, 400, 900, 1500, 3000, 5000]))
        at = now - age
        operator = staff[rng.choice(["R1", "R2", "G1"])]
        order_id = orders.create_order(operator, at, engine, sla_class=sla_class, description=say(text),
                                       unit_code=rng.choice(unit_codes), department=DEPT_OF[sla_class])
        step = rng.random()
        if step < 0.6:
            orders.dispatch(staff["R1"], at + age * 0.2, order_id, department=DEPT_OF[sla_class],
                            assignee=say(rng.choice(["张师傅", "Li Gong", "[/x]", "刘工"])) or "王师傅")
        if step < 0.3:
            orders.arrive(staff["G1"], at + age * 0.4, order_id)

    _keys(rng, engine, staff, now, key_count, unit_codes, say)

    for i, (kind, text) in enumerate([
        ("note", "夜班巡逻正常 Night patrol normal"), ("patrol", "2栋地下车库积水 standing water, B2"),
        ("incident", "1-1203 跑水,已关总阀 [b]main valve shut[/b]"), ("instruction", "明早8点前联系电梯公司 call the lift company"),
        ("note", "[@click=app.quit] 王[b]小明 来访"), ("note", "Fire alarm test at 10:00 \x1b[2J done"),
    ]):
        shifts.add_entry(staff["G1" if i % 2 else "R1"], now - timedelta(hours=6 - i), config=config, kind=kind,
                         text=say(text))
    _finished_work(config, engine, staff, start, now - timedelta(days=1), unit_codes, say=say)
    # Last, so that everything above is as it was before the technicians existed.
    site_setup.import_technicians(staff["S1"], now - timedelta(days=1), table=site_setup.Table(
        "demo", ("department", "name", "phone", "on call"), 1,
        tuple((i + 2, (dept, say(name), phone, on_call)) for i, (dept, name, phone, on_call) in enumerate(DEMO_TECHNICIANS))))
    return {"units": len(unit_codes), "calls": call_count, "orders": open_orders, "keys": key_count,
            "technicians": len(DEMO_TECHNICIANS)}


def _finished_work(config: Config, engine, staff: dict, start: datetime, until: datetime, unit_codes: list[str],
                   *, count: int = 150, say=lambda text: text) -> None:
    """A month of work already finished, so the monthly figures have something to count: most on
    time and called back, some late, reopened, extended, returned or cancelled, a few chargeable.
    Its own random stream, and after everything else: the open work above stays exactly as it was."""
    rng = random.Random(7)
    for i in range(count):
        sla_class, text = ORDER_MIX[i % len(ORDER_MIX)]
        at = start + timedelta(seconds=rng.uniform(0, (until - start).total_seconds() - 5 * 86400))
        chargeable = sla_class in ("simple_repair", "general_repair") and rng.random() < 0.4
        fee = rng.choice(["30", "50", "80", "120.50"]) if chargeable else None
        order_id = orders.create_order(staff[rng.choice(["R1", "R2", "G1"])], at, engine, sla_class=sla_class,
                                       description=say(text), unit_code=rng.choice(unit_codes),
                                       department=DEPT_OF[sla_class], chargeable=chargeable, fee_agreed=fee)
        fate = rng.random()
        if fate < 0.03:
            orders.cancel(staff["R1"], at + timedelta(minutes=5), order_id, reason="业主撤回 withdrawn")
            continue
        order = db.WorkOrder.get_by_id(order_id)
        respond_due, resolve_due = order.respond_due_at, order.resolve_due_at
        late = fate > 0.85
        if 0.03 <= fate < 0.06:
            orders.return_order(staff["S1"], at + timedelta(hours=1), order_id, reason="需要业主自行处理")
            continue
        if 0.06 <= fate < 0.1:
            new_due = resolve_due + timedelta(days=rng.choice([2, 5]))
            orders.request_extension(staff["R1"], at + timedelta(minutes=30), engine, order_id, until=new_due,
                                     reason="等配件 waiting for parts", owner_consent=True)
            orders.approve_extension(staff["S1"], at + timedelta(minutes=40), order_id)
            resolve_due = new_due
        dispatched = at + timedelta(minutes=rng.choice([1, 2, 4]))
        if respond_due is not None:
            arrived = respond_due + timedelta(minutes=7) if late else dispatched + (respond_due - dispatched) / 2
        else:
            arrived = dispatched + timedelta(minutes=rng.choice([20, 45, 90]))
        span = resolve_due - arrived
        done = resolve_due + timedelta(hours=3) if late else arrived + span * rng.uniform(0.1, 0.8)
        orders.dispatch(staff["R1"], dispatched, order_id, department=DEPT_OF[sla_class],
                        assignee=rng.choice(["张师傅", "Li Gong", "刘工"]))
        orders.arrive(staff["G1"], arrived, order_id)
        orders.complete(staff["R1"], done, order_id, work_done="已处理 done", hours="1.5", signoff="slip",
                        signed_by="业主 owner")
        # Every one is called back: a done order waiting for its call-back is open work (in the pane).
        back = done + timedelta(hours=rng.choice([4, 20, 26]))
        if rng.random() < 0.08:
            orders.callback(staff["R1"], back, engine, order_id, satisfied=False, note="还没修好 still broken")
            redo = back + timedelta(hours=1)
            orders.finish_followup(staff["R1"], redo, order_id, kind="area_check", person="区域经理 area manager",
                                   note="确实没修好 indeed not fixed")
            orders.dispatch(staff["R1"], redo, order_id, department=DEPT_OF[sla_class])
            orders.arrive(staff["G1"], redo + timedelta(minutes=30), order_id)
            orders.complete(staff["R1"], redo + timedelta(hours=2), order_id, work_done="返修 redone",
                            signoff="phone", signed_by="R1")
            back = redo + timedelta(hours=20)
        orders.callback(staff["R1"], back, engine, order_id, satisfied=True)
        if orders.is_complaint(sla_class):   # handled: the written reply went out
            orders.finish_followup(staff["R1"], back, order_id, kind="written_reply", person="业主 owner",
                                   note="书面回复 letter")


def _units(at: datetime) -> None:
    count = 0
    for building in (1, 2):
        for floor in range(1, 19):
            for room in range(1, 9):
                code = f"{building}-{floor}{room:02d}"
                # The top floors of building 2 are not yet handed over: their spare keys are at the desk.
                Unit.create(code=code, building=str(building), floor=floor, handed_over=not (building == 2 and floor > 14))
                count += 1
    audit.record(None, "unit.import", "unit", None, at, after={"count": count})


def _keys(rng: random.Random, engine, staff: dict, now: datetime, key_count: int, unit_codes: list[str],
          say=lambda text: text) -> None:
    specs = list(KEY_SET)
    spare_units = [u for u in Unit.select().where(Unit.handed_over == False).order_by(Unit.code)]  # noqa: E712
    for unit in spare_units[: key_count - len(specs)]:
        specs.append((f"U-{unit.code}", f"{unit.code} 备用钥匙 spare", "unit_spare", f"H{len(specs) + 1:02d}"))
    for tag, label, kind, hook in specs[:key_count]:
        key = Key.create(tag=tag, label=label, opens=label, kind=kind, hook=hook)
        audit.record(staff["S1"], "key.create", "key", key.id, now - timedelta(days=30), after={"tag": tag})
    # (kind, name, company, ID document of a contractor or unit of an owner)
    holders = [("contractor", "刘师傅", "美的空调维修", "440301198805120031"), ("staff", "张师傅", "", ""),
               ("contractor", "[/x] Fix-It Ltd", "Fix-It", "P[b]1234567"), ("owner", "王[b]小明", "", "1-1203"),
               ("staff", "Li Gong", "", ""), ("contractor", "陈工", "奥的斯电梯", "310101197702030417")]
    out_tags = [s[0] for s in specs[:key_count]][::5][:8]
    for i, tag in enumerate(out_tags):
        kind, name, company, extra = (say(v) for v in holders[i % len(holders)])
        issued = now - timedelta(minutes=rng.choice([30, 90, 200, 400, 700]))
        due = issued + timedelta(hours=rng.choice([1, 2, 8]))
        if due <= issued:
            continue
        keys.issue(staff["G1"], issued, engine, tag=tag, holder_kind=kind, holder_name=name, holder_company=company,
                   holder_document=extra if kind == "contractor" else "", holder_unit=extra if kind == "owner" else "",
                   due_at=due, purpose="维修 repair", authorised_by=staff["S1"])
