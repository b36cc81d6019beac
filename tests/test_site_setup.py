"""Going live (issue 14), the imports: units, technicians and keys from the company's files (CSV in
UTF-8, UTF-8 with BOM or GBK; xlsx), headers in English or Chinese; all or nothing, every bad row
named; re-import updates and never deletes; a dry run writes nothing."""
from __future__ import annotations

import openpyxl
import pytest
from conftest import NOW, make_config
from sitekit import csv_text, unit_rows, write_keys, write_technicians, write_units_gbk

from deskconsole import db, keys, people, site_setup, technicians, units
from deskconsole.db import AuditEvent, Unit
from deskconsole.site_setup import ImportRefused, read_table


@pytest.fixture
def site(empty_site):
    people.create_first_supervisor(NOW, code="S1", name="陈静", pin="482913")
    return empty_site


@pytest.fixture
def s1(site):
    return people.find("S1")


def _import_units(s1, config, path, **kw):
    return site_setup.import_units(s1, NOW, config, table=read_table(path), **kw)


def _written() -> tuple[int, int, int, int]:
    return Unit.select().count(), db.Technician.select().count(), db.Key.select().count(), AuditEvent.select().count()


# --- units ---------------------------------------------------------------------------------------

def test_300_units_from_a_gbk_csv_with_chinese_headers(site, s1, tmp_path):
    path = tmp_path / "房屋.csv"
    rows = write_units_gbk(path)
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")          # really GBK, as Excel in China saves it
    result = _import_units(s1, site, path)
    assert (len(result.added), len(result.changed), result.unchanged, result.missing) == (300, 0, 0, [])
    assert Unit.select().count() == 300
    for row in rows[:12] + rows[-12:]:
        unit = units.find(row["code"])
        assert (unit.owner, unit.phones, unit.status, unit.notes) == \
            (row["owner"], tuple(row["phones"]), row["status"], row["notes"]), row
    assert units.find("1-1203") is None and units.find("1-1010").building == "1"   # "1栋" + "1010"
    assert units.find("2-305").floor == 3
    assert units.find("1-106").owner == "王[b]小明"                                   # stored as typed
    assert AuditEvent.select().where(AuditEvent.action == "unit.create").count() == 300
    assert AuditEvent.select().where(AuditEvent.action == "unit.import").count() == 1


def test_a_dry_run_says_what_would_change_and_writes_nothing(site, s1, tmp_path):
    path = tmp_path / "units.csv"
    write_units_gbk(path)
    before = _written()
    result = _import_units(s1, site, path, dry_run=True)
    assert result.dry_run and len(result.added) == 300
    assert result.lines()[0].startswith("Dry run, nothing written. units.csv: 300 units would be added")
    assert _written() == before


def test_a_reimport_changes_an_owners_phone_and_deletes_nothing(site, s1, tmp_path):
    path = tmp_path / "units.csv"
    rows = write_units_gbk(path)
    _import_units(s1, site, path)
    rows[10]["phones"] = ["13911112222"]          # 1-201 has a new phone
    del rows[20]                                   # 1-301 is missing from the new file
    write_units_gbk(path, rows)
    dry = _import_units(s1, site, path, dry_run=True)
    assert [(c.name, c.before, c.after) for c in dry.changed] == \
        [("1-201", {"phones": "13000000010"}, {"phones": "13911112222"})]
    assert units.find("1-201").phones == ("13000000010",)
    result = _import_units(s1, site, path)
    assert (len(result.added), len(result.changed), result.unchanged, result.missing) == (0, 1, 298, ["1-301"])
    assert "  changed 1-201: phones 13000000010 → 13911112222" in result.lines()
    assert "1 in the database are not in the file; they are kept: 1-301" in result.lines()
    assert units.find("1-201").phones == ("13911112222",)
    assert units.find("1-301") is not None                                  # reported, not removed
    edit = AuditEvent.select().where(AuditEvent.action == "unit.edit").get()
    assert edit.entity_id == units.find("1-201").id and "13911112222" in edit.data


def test_a_file_with_bad_rows_writes_nothing_and_names_every_bad_row(site, s1, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(csv_text(["building", "unit", "owner", "phone", "status", "notes"], [
        ["1", "1-101", "王伟", "13800001111", "occupied", ""],
        ["1", "1-102", "李娜", "call me maybe", "occupied", ""],            # row 3: phone
        ["1", "", "nobody", "", "occupied", ""],                            # row 4: unit
        ["1", "1-103", "张三", "13800001113", "sold", ""],                  # row 5: status
        ["1", "1-101", "again", "", "", ""],                                # row 6: twice
        ["1", "1-104", "x" * 61, "13800001114", "vacant", "ok"],            # row 7: owner too long
        ["1", "1 0 5", "赵六", "13800001115;1380", "vacant", ""],           # row 8: second phone is short
    ]), "utf-8")
    before = _written()
    with pytest.raises(ImportRefused) as refused:
        _import_units(s1, site, path)
    assert [str(p) for p in refused.value.problems] == [
        "row 3, phone: call me maybe is not a phone number: digits, with + - ( ) or spaces.",
        "row 4, unit: the unit is empty.",
        "row 5, status: sold is not one of: occupied (入住), vacant (空置), not taken over (未入伙).",
        "row 6, unit: 1-101 is in row 2 already.",
        "row 7, owner: A name is at most 60 characters.",
        "row 8, phone: 1380 is not a phone number: digits, with + - ( ) or spaces.",
    ]
    assert _written() == before


def test_an_xlsx_with_blank_rows_imports_and_its_rows_are_numbered_as_excel_shows_them(site, s1, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A3"], sheet["B3"], sheet["C3"], sheet["D3"] = "楼栋", "房号", "业主", "电话"   # two blank rows above
    sheet.append(["1", "101", "王伟", 13800001111])                 # a phone Excel stores as a number
    sheet.append([])
    sheet.append([None, None, None, None])
    sheet.append([2, "2-1503", "李娜", "13800002222 / 13900002222"])
    sheet.append([])
    path = tmp_path / "房屋.xlsx"
    book.save(path)
    result = _import_units(s1, site, path)
    assert result.added == ["1-101", "2-1503"]
    assert units.find("1-101").phones == ("13800001111",)
    assert units.find("2-1503").phones == ("13800002222", "13900002222")

    sheet.append(["2", "2-1504", "周敏", "not a phone"])              # row 9 as Excel shows it
    book.save(path)
    with pytest.raises(ImportRefused) as refused:
        _import_units(s1, site, path)
    assert [str(p) for p in refused.value.problems] == \
        ["row 9, 电话: not a phone is not a phone number: digits, with + - ( ) or spaces."]


def test_encodings_headers_and_the_sites_way_of_joining(site, s1, tmp_path):
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeff房间号,楼号,业主姓名,联系电话,入住状态\n1203,1号楼,王伟,13800001111、13900001111,已入住\n"
                    .encode("utf-8"))
    assert _import_units(s1, site, bom).added == ["1-1203"]
    assert units.find("1-1203").phones == ("13800001111", "13900001111")
    site.unit_code = "{building}栋{room}"
    tabbed = tmp_path / "tabbed.txt"
    tabbed.write_text("Building\tRoom\tOwner\n3\t0801\tAnna Schmidt\n3\t3栋0802\tKenji Sato\n", "utf-8")
    assert _import_units(s1, site, tabbed).added == ["3栋0801", "3栋0802"]


def test_a_file_without_the_unit_column_or_unreadable_is_refused(site, s1, tmp_path):
    path = tmp_path / "owners.csv"
    path.write_text("业主,电话\n王伟,13800001111\n", "utf-8")
    with pytest.raises(ImportRefused) as refused:
        _import_units(s1, site, path)
    assert str(refused.value.problems[0]) == "row 1: no column unit (房号); the columns are: 业主, 电话"
    binary = tmp_path / "units.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81\xfe\xff" * 10)
    with pytest.raises(ImportRefused, match="neither UTF-8 nor GBK"):
        read_table(binary)
    with pytest.raises(ImportRefused, match="Cannot read"):
        read_table(tmp_path / "missing.csv")


def test_only_a_supervisor_or_the_installer_imports(site, s1, tmp_path):
    r1 = people.create_staff(s1, NOW, code="R1", name="李娜", role="receptionist", pin="2580")
    path = tmp_path / "units.csv"
    path.write_text(site_setup.template("units"), "utf-8")
    with pytest.raises(people.PermissionDenied):
        _import_units(r1, site, path)
    assert Unit.select().count() == 0
    assert len(_import_units(people.system_operator(NOW), site, path).added) == 3


# --- technicians and keys ------------------------------------------------------------------------

def test_technicians_by_department_on_call_first_and_a_reimport(site, s1, tmp_path):
    path = tmp_path / "technicians.csv"
    write_technicians(path)
    result = site_setup.import_technicians(s1, NOW, table=read_table(path))
    assert len(result.added) == 8
    assert [(t.name, t.on_call) for t in technicians.for_department("engineering")] == \
        [("张师傅", True), ("刘工", False), ("李工", False)]
    assert technicians.for_department("contractor")[0].name == "奥的斯 [b]电梯[/b]"
    path.write_text(csv_text(["department", "name", "phone", "on call"],
                             [["engineering", "李工", "13800138002", "yes"], ["engineering", "张师傅", "13800138001", "no"]]),
                    "utf-8")
    result = site_setup.import_technicians(s1, NOW, table=read_table(path))
    assert sorted(c.name for c in result.changed) == ["engineering 张师傅", "engineering 李工"]
    assert len(result.missing) == 6
    assert technicians.for_department("engineering")[0].name == "李工"


def test_bad_technician_rows_are_each_named(site, s1, tmp_path):
    path = tmp_path / "technicians.csv"
    path.write_text(csv_text(["部门", "姓名", "值班"], [["工程部", "张师傅", "是"], ["厨房", "李工", "否"],
                                                        ["保洁", "", "maybe"]]), "utf-8")
    with pytest.raises(ImportRefused) as refused:
        site_setup.import_technicians(s1, NOW, table=read_table(path))
    problems = [str(p) for p in refused.value.problems]
    assert problems[0].startswith("row 3, 部门: 厨房 is not one of: engineering (工程部), security (秩序维护部)")
    assert problems[1:] == ["row 4, 姓名: the name is empty.", "row 4, 值班: say yes or no (是 or 否), not maybe."]
    assert db.Technician.select().count() == 0


def test_forty_keys_with_the_spare_keys_of_units_not_taken_over(site, s1, tmp_path):
    units_file, keys_file = tmp_path / "units.csv", tmp_path / "keys.csv"
    rows = write_units_gbk(units_file)
    _import_units(s1, site, units_file)
    write_keys(keys_file, rows)
    result = site_setup.import_keys(s1, NOW, table=read_table(keys_file))
    assert len(result.added) == 40 and db.Key.select().count() == 40
    spare = keys.find("U-3-801")
    assert (spare.kind, spare.unit_code, spare.hook, spare.status) == ("unit_spare", "3-801", "H01", "board")
    assert keys.find("MK-01").kind == "master" and keys.find("PR-01").copies == 2
    again = site_setup.import_keys(s1, NOW, table=read_table(keys_file))
    assert (again.added, again.changed, again.unchanged) == ([], [], 40)


def test_bad_key_rows_are_each_named_and_nothing_is_written(site, s1, tmp_path):
    path = tmp_path / "keys.csv"
    path.write_text(csv_text(["tag", "label", "type", "copies", "unit"], [
        ["PR-01", "水泵房", "plant room", "2", ""],
        ["PR 02", "配电房", "plant room", "1", ""],          # row 3: a space in the tag
        ["U-9-999", "备用钥匙", "unit spare", "1", "9-999"],  # row 4: no such unit
        ["OF-01", "办公室", "cupboard", "1", ""],             # row 5: type
        ["OF-02", "财务室", "office", "100", ""],             # row 6: copies
    ]), "utf-8")
    with pytest.raises(ImportRefused) as refused:
        site_setup.import_keys(s1, NOW, table=read_table(path))
    assert [(p.row, p.column) for p in refused.value.problems] == \
        [(3, "tag"), (4, "unit"), (5, "type"), (6, "copies")]
    assert db.Key.select().count() == 0 and not AuditEvent.select().where(AuditEvent.entity == "key").exists()


# --- templates -----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_template_imports_as_it_is(site, s1, tmp_path, lang):
    for kind, run in (("units", lambda t: site_setup.import_units(s1, NOW, site, table=t)),
                      ("technicians", lambda t: site_setup.import_technicians(s1, NOW, table=t)),
                      ("keys", lambda t: site_setup.import_keys(s1, NOW, table=t))):
        path = tmp_path / f"{kind}.csv"
        path.write_text(site_setup.template(kind, lang), "utf-8")
        result = run(read_table(path))
        assert len(result.added) == 3 and not result.ignored, (kind, result.lines())
    assert units.find("1-102").status == "vacant" and keys.find("U-2-1503").unit_code == "2-1503"


def test_a_unit_code_is_the_consoles(site):
    assert site_setup.unit_code("1栋", "1203") == "1-1203"
    assert site_setup.unit_code("1", "1-1203") == "1-1203"
    assert site_setup.unit_code("", " 1－1203 ") == "1-1203"
    assert site_setup.unit_code("A座", "0501", "{building}{room}") == "A0501"
    assert site_setup.unit_code("a", "a0501", "{building}{room}") == "A0501"


def test_units_screen_look_up_and_edit_desk_functions(site, s1):
    config = make_config(site.db_url)
    unit = Unit.create(code="2-1503", building="2", floor=15, handed_over=False)
    units.update_unit(s1, NOW, unit.id, owner="周敏", phones="13800001111；0755-12345678", status="not_taken_over",
                      notes="钥匙在前台")
    info = units.get(unit.id)
    assert (info.owner, info.phones, info.status) == ("周敏", ("13800001111", "0755-12345678"), "not_taken_over")
    assert units.matches(info, "周敏 0755") and not units.matches(info, "王")
    units.take_over(s1, NOW, unit.id)
    assert units.get(unit.id).status == "occupied" and Unit.get_by_id(unit.id).handed_over
    with pytest.raises(units.InvalidInput, match="taken over already"):
        units.take_over(s1, NOW, unit.id)
    assert units.for_phone("0755-12345678").code == "2-1503" and units.for_phone("0755") is None
    assert [e.action for e in AuditEvent.select().where(AuditEvent.entity == "unit")] == ["unit.edit", "unit.take_over"]
    assert config.unit_code == "{building}-{room}"
