"""The files a property company has for going live, made in the test: a unit list of 300 units with
Chinese headers saved as GBK (as Excel in China saves CSV), 8 technicians, 40 keys."""
from __future__ import annotations

import csv
import io
from pathlib import Path

SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "小明", "建国"]
STATUS_ZH = {"occupied": "入住", "vacant": "空置", "not_taken_over": "未入伙"}


def unit_rows(count: int = 300) -> list[dict]:
    """Buildings 1 to 3, floors 1 to 10, rooms 01 to 10. The room column holds the room alone in
    building 1 ("1203", joined with the building as 1-1203) and the whole code elsewhere."""
    rows = []
    for i in range(count):
        building, rest = divmod(i, 100)
        floor, room = divmod(rest, 10)
        code = f"{building + 1}-{floor + 1}{room + 1:02d}"
        status = "not_taken_over" if building == 2 and floor >= 7 else ("vacant" if i % 17 == 0 else "occupied")
        owner = "" if status == "not_taken_over" else \
            ("王[b]小明" if i == 5 else SURNAMES[i % 10] + GIVEN[(i // 10) % 10])
        phones = [f"13{i:09d}"] + ([f"0755-8{i:07d}"] if i % 3 == 0 else [])
        rows.append({"building": f"{building + 1}栋", "room": code.split("-", 1)[1] if building == 0 else code,
                     "code": code, "owner": owner, "phones": phones, "status": status,
                     "notes": "备用钥匙在前台" if status == "not_taken_over" else ""})
    return rows


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *rows])   # Excel writes CRLF
    return out.getvalue()


def write_units_gbk(path: Path, rows: list[dict] | None = None) -> list[dict]:
    rows = unit_rows() if rows is None else rows
    separators = ["/", "、", ";"]
    text = csv_text(["楼栋", "房号", "业主", "电话", "状态", "备注"], [
        [r["building"], r["room"], r["owner"], separators[i % 3].join(r["phones"]), STATUS_ZH[r["status"]], r["notes"]]
        for i, r in enumerate(rows)])
    path.write_bytes(text.encode("gbk"))
    return rows


TECHNICIANS = [
    ("工程部", "张师傅", "13800138001", "是"), ("工程部", "李工", "13800138002", "否"),
    ("工程部", "刘工", "13800138003", "否"), ("秩序维护部", "王队长", "13800138004", "是"),
    ("保洁", "刘阿姨", "13800138005", "是"), ("绿化", "老陈", "13800138006", "否"),
    ("客服", "周敏", "13800138007", "否"), ("特约工程队", "奥的斯 [b]电梯[/b]", "13800138008", "否"),
]


def write_technicians(path: Path) -> list[tuple]:
    path.write_text(csv_text(["部门", "姓名", "电话", "值班"], [list(t) for t in TECHNICIANS]), "utf-8")
    return TECHNICIANS


def key_rows(units: list[dict]) -> list[list[str]]:
    fixed = [
        ["PR-01", "水泵房", "B1 水泵房门", "机房", "B1", "2", ""], ["PR-02", "配电房", "B1 配电房门", "机房", "B1", "2", ""],
        ["PR-03", "消防控制室", "1F 消防控制室", "机房", "1F", "1", ""], ["PR-04", "电梯机房", "RF 电梯机房", "机房", "RF", "1", ""],
        ["OF-01", "管理处办公室", "1F 办公室", "办公室", "1F", "3", ""], ["OF-02", "财务室", "1F 财务室", "办公室", "1F", "1", ""],
        ["CA-01", "会所", "会所大门", "公共区域", "G", "2", ""], ["CA-02", "天台门 1栋", "1栋天台", "公共区域", "RF", "1", ""],
        ["CA-03", "天台门 2栋", "2栋天台", "公共区域", "RF", "1", ""], ["CA-04", "垃圾房", "垃圾房", "公共区域", "G", "1", ""],
        ["MK-01", "总钥匙 A", "所有公共门", "总钥匙", "保险柜", "1", ""], ["MK-02", "总钥匙 B", "所有公共门", "总钥匙", "保险柜", "1", ""],
    ]
    spare = [u["code"] for u in units if u["status"] == "not_taken_over"][:28]
    return fixed + [[f"U-{code}", f"{code} 备用钥匙", f"{code} 入户门", "业户备用钥匙", f"H{i + 1:02d}", "1", code]
                    for i, code in enumerate(spare)]


def write_keys(path: Path, units: list[dict]) -> list[list[str]]:
    rows = key_rows(units)
    path.write_text(csv_text(["编号", "名称", "开启位置", "类型", "挂钩", "数量", "房号"], rows), "utf-8")
    return rows


STAFF = [("S2", "Margaret Lee", "supervisor"), ("R1", "李娜", "receptionist"), ("R2", "张[b]敏", "receptionist"),
         ("G1", "王强", "guard"), ("G2", "Tom Baker", "guard")]
