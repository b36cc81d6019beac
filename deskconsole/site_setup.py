"""Setting a site up from the files a property company already has: its unit list, its technicians
and its key list, as CSV (UTF-8, UTF-8 with BOM, or GBK as Excel in China saves it) or xlsx, the
first row a header in English or Chinese.

An import is all or nothing: every row is checked, any problem refuses the whole file with each
problem said as "row N, column: what is wrong", and nothing is written. Importing again updates
records by their key (a unit's code; a technician's department and name; a key's tag) and never
deletes one: what the database has and the file does not is reported, not removed. A dry run goes
through exactly the same steps and then rolls them back.
"""
from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from . import audit, db, i18n, keys, orders, units
from .config import Config
from .db import Technician, Unit
from .errors import InvalidInput
from .i18n import _, label
from .people import Operator, require
from .text import clean

KINDS = ("units", "technicians", "keys")
MAX_ROWS = 20_000


# --- what is wrong -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    row: int          # the row as the spreadsheet numbers it (the header is row 1); 0: the file itself
    column: str       # the column as its header is written in the file; "" for the whole row
    message: str

    def __str__(self) -> str:
        if not self.row:
            return self.message
        if not self.column:
            return _("row {n}: {message}", n=self.row, message=self.message)
        return _("row {n}, {column}: {message}", n=self.row, column=self.column, message=self.message)


class ImportRefused(Exception):
    """The file was refused and nothing written; `problems` lists every one found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems

    def summary(self, file: str) -> str:
        return _("{file} refused, nothing was written: {n} problem(s), listed above.", file=file,
                 n=len(self.problems))


# --- reading the file ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Table:
    name: str                                        # the file's name, for messages and the audit
    headers: tuple[str, ...]                         # as written in the file
    header_row: int
    rows: tuple[tuple[int, tuple[str, ...]], ...]    # (row number, cells); blank rows left out


def _cell(value) -> str:
    """A cell as text: a phone number Excel stored as a number reads as its digits, not 1.38e10."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return clean(str(value), multiline=True)


def _decode(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):   # gb18030: GBK as Excel in China writes it, and more
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused([Problem(0, "", _("{file} is neither UTF-8 nor GBK text: save it from Excel as CSV or xlsx.",
                                          file=name))])


def _csv_rows(data: bytes, name: str) -> list[list[str]]:
    text = _decode(data, name)
    first = text.split("\n", 1)[0]
    # Excel saves with commas; a list typed elsewhere may use tabs or semicolons.
    delimiter = max(",\t;", key=first.count) if any(d in first for d in ",\t;") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _xlsx_rows(path: Path) -> list[list]:
    import openpyxl  # only when an xlsx is read
    try:
        book = openpyxl.load_workbook(path, read_only=False, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise ImportRefused([Problem(0, "", _("{file} cannot be read as xlsx: {reason}",
                                              file=path.name, reason=exc))]) from None
    # From row 1 whatever the first used row: the numbering Excel shows.
    return [list(row) for row in book.active.iter_rows(min_row=1, values_only=True)]


def read_table(path: str | Path) -> Table:
    """The rows of a CSV or xlsx file, numbered as the spreadsheet numbers them; the first row that is
    not blank is the header."""
    path = Path(path)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            raw = _xlsx_rows(path)
        else:
            raw = _csv_rows(path.read_bytes(), path.name)
    except OSError as exc:
        raise ImportRefused([Problem(0, "", _("Cannot read {file}: {reason}", file=str(path),
                                              reason=exc.strerror or exc))]) from None
    numbered = [(number, tuple(_cell(v) for v in row)) for number, row in enumerate(raw, start=1)]
    filled = [(number, cells) for number, cells in numbered if any(cells)]
    if not filled:
        raise ImportRefused([Problem(0, "", _("{file} is empty: the first row is the header.", file=path.name))])
    if len(filled) > MAX_ROWS:
        raise ImportRefused([Problem(0, "", _("{file} has more than {n} rows.", file=path.name, n=MAX_ROWS))])
    (header_row, headers), rows = filled[0], filled[1:]
    return Table(path.name, tuple(h.strip() for h in headers), header_row, tuple(rows))


# --- the columns of each kind of file ------------------------------------------------------------

@dataclass(frozen=True)
class ColumnSpec:
    field: str
    en: str                      # the header of the English template
    zh: str                      # the header of the Chinese template
    aliases: tuple[str, ...] = ()
    required: bool = False

    def names(self) -> set[str]:
        return {_norm(n) for n in (self.field, self.en, self.zh, *self.aliases)}


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-*:：()（）]", "", text).casefold()


SPECS: dict[str, tuple[ColumnSpec, ...]] = {
    "units": (
        ColumnSpec("building", "building", "楼栋", ("栋", "楼号", "楼栋号", "楼宇", "幢", "楼")),
        ColumnSpec("unit", "unit", "房号", ("room", "unit code", "code", "房间号", "房间", "房屋编号", "房屋"),
                   required=True),
        ColumnSpec("owner", "owner", "业主", ("owner name", "业主姓名", "姓名", "户主", "业主名称")),
        ColumnSpec("phone", "phone", "电话", ("phones", "telephone", "mobile", "联系电话", "手机", "手机号",
                                            "手机号码", "联系方式", "电话号码")),
        ColumnSpec("status", "status", "状态", ("入住状态", "房屋状态")),
        ColumnSpec("notes", "notes", "备注", ("note", "remarks", "说明")),
    ),
    "technicians": (
        ColumnSpec("department", "department", "部门", ("dept", "所属部门"), required=True),
        ColumnSpec("name", "name", "姓名", ("technician", "名字", "维修人员"), required=True),
        ColumnSpec("phone", "phone", "电话", ("phones", "mobile", "联系电话", "手机", "手机号", "联系方式")),
        ColumnSpec("on_call", "on call", "值班", ("oncall", "是否值班", "值班人员")),
        ColumnSpec("active", "active", "在职", ("是否在职",)),
    ),
    "keys": (
        ColumnSpec("tag", "tag", "编号", ("钥匙编号", "标签", "key tag"), required=True),
        ColumnSpec("label", "label", "名称", ("钥匙名称", "name"), required=True),
        ColumnSpec("opens", "opens", "开启位置", ("what it opens", "开启", "用途", "对应门锁")),
        ColumnSpec("type", "type", "类型", ("kind", "类别", "钥匙类型"), required=True),
        ColumnSpec("hook", "hook", "挂钩", ("钩号", "挂钩号", "存放位置", "位置")),
        ColumnSpec("copies", "copies", "数量", ("份数", "把数", "copies held")),
        ColumnSpec("unit", "unit", "房号", ("房间号",)),
    ),
}


@dataclass
class _Columns:
    """Which column of the file holds which field; and how the file names it, for messages."""
    index: dict[str, int] = field(default_factory=dict)
    header: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.index

    def get(self, cells: tuple[str, ...], name: str) -> str:
        i = self.index.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    def name(self, name: str, spec: tuple[ColumnSpec, ...]) -> str:
        return self.header.get(name) or next(s.en for s in spec if s.field == name)


def _columns(table: Table, kind: str) -> _Columns:
    spec = SPECS[kind]
    columns = _Columns()
    problems = []
    for i, header in enumerate(table.headers):
        if not header:
            continue
        match = next((s for s in spec if _norm(header) in s.names()), None)
        if match is None:
            columns.ignored.append(header)
        elif match.field in columns.index:
            problems.append(Problem(table.header_row, header, _("the same as column {other}: keep one of them.",
                                                                other=columns.header[match.field])))
        else:
            columns.index[match.field] = i
            columns.header[match.field] = header
    for s in spec:
        if s.required and s.field not in columns.index:
            problems.append(Problem(table.header_row, "", _("no column {en} ({zh}); the columns are: {found}",
                                                            en=s.en, zh=s.zh, found=", ".join(table.headers))))
    if problems:
        raise ImportRefused(problems)
    return columns


# --- values the files spell in English or Chinese ------------------------------------------------

@functools.cache
def _zh() -> dict[str, str]:
    """The Chinese catalogue, whatever the console's language: a file may be in either."""
    return i18n.load_catalogue("zh")


def _words(ids, extra: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Every spelling of each id -> the id: the id, its English label, its Chinese label, and more."""
    zh = _zh()
    words = {}
    for ident in ids:
        english = ident.replace("_", " ")
        for word in (ident, english, zh.get(english, ""), *extra.get(ident, ())):
            if word:
                words[_norm(word)] = ident
    return words


UNIT_STATUS_WORDS = _words(units.STATUSES, {
    "occupied": ("入住", "已入住", "自住", "出租", "已出租", "在住"),
    "vacant": ("空置", "空房", "闲置"),
    "not_taken_over": ("not taken over", "未入伙", "未交房", "未收楼", "未交付"),
})
DEPARTMENT_WORDS = _words(orders.DEPARTMENTS, {
    "engineering": ("工程", "维修", "维修部", "工程维修部", "综合维修组", "维修组"),
    "security": ("安保", "安保部", "保安", "保安部", "秩序维护", "秩序部"),
    "cleaning": ("保洁部", "清洁", "清洁部", "环境部"),
    "landscaping": ("绿化部", "园林", "园林绿化"),
    "customer_service": ("客服部", "客户服务", "客服中心", "服务中心"),
    "contractor": ("外包", "外协", "承包商", "特约", "outside contractor"),
})
KEY_TYPE_WORDS = _words(keys.KINDS, {
    "unit_spare": ("unit spare key", "spare", "业户钥匙", "未入伙业户钥匙", "备用钥匙", "单元备用钥匙", "房门钥匙"),
    "plant_room": ("plant", "设备房", "机房钥匙", "设备间"),
    "office": ("办公室钥匙", "办公"),
    "common_area": ("公区", "公共部位", "公共"),
    "master": ("master key", "总匙", "总钥匙", "万能钥匙", "总卡"),
})
YES = {_norm(w) for w in ("yes", "y", "true", "1", "是", "√", "✓", "✔", "on call", "值班", "在职", "active")}
NO = {_norm(w) for w in ("no", "n", "false", "0", "否", "×", "x", "不", "离职")}


def _yes_no(text: str, field_name: str, default: bool | None) -> bool | None:
    if not text:
        return default
    word = _norm(text)
    if word in YES:
        return True
    if word in NO:
        return False
    raise InvalidInput(field_name, _("say yes or no (是 or 否), not {value}.", value=text))


def _pick(words: dict[str, str], text: str, field_name: str, choices) -> str:
    found = words.get(_norm(text))
    if found is None:
        zh = _zh()
        named = (f"{i.replace('_', ' ')} ({zh.get(i.replace('_', ' '), '')})" for i in choices)
        raise InvalidInput(field_name, _("{value} is not one of: {choices}.", value=text or "—",
                                         choices=", ".join(named)))
    return found


# --- unit codes ----------------------------------------------------------------------------------

_DASHES = str.maketrans({"－": "-", "—": "-", "–": "-", "‐": "-"})
_BUILDING_WORDS = re.compile(r"(号楼|栋|幢|座|楼)$")
_CODE = re.compile(r"[^\s/\\,;，；、]{1,20}")


def _code_text(text: str) -> str:
    """As the console compares unit codes (fields.find_unit): upper case, no spaces."""
    return clean(text).upper().replace(" ", "").translate(_DASHES)


def unit_code(building: str, room: str, pattern: str = "{building}-{room}") -> str:
    """The unit's code from the unit column, and the building column when the unit column holds the
    room alone ("1", "1203" -> "1-1203" with the pattern "{building}-{room}")."""
    room = _code_text(room)
    building = _code_text(building)
    building = _BUILDING_WORDS.sub("", building) or building
    if not building or not room:
        return room
    full = re.escape(pattern).replace(re.escape("{building}"), re.escape(building)).replace(re.escape("{room}"), ".+")
    if re.fullmatch(full, room):
        return room
    return pattern.format(building=building, room=room)


def _floor(code: str) -> int:
    """Floor 12 of room 1203; 0 when the code does not say."""
    digits = re.sub(r"\D", "", code.rsplit("-", 1)[-1])
    return int(digits[:-2]) if len(digits) >= 3 else 0


# --- the result ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    name: str            # the record: a unit's code, "department name", a key's tag
    before: dict
    after: dict


@dataclass
class ImportResult:
    kind: str                            # units | technicians | keys
    file: str
    added: list[str] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0
    missing: list[str] = field(default_factory=list)    # in the database, not in the file: kept
    ignored: list[str] = field(default_factory=list)    # columns of the file not used
    dry_run: bool = False

    def lines(self) -> list[str]:
        """The result said for a person (the command line prints these)."""
        n = len(self.added)
        added = {"units": _("{n} units", n=n), "technicians": _("{n} technicians", n=n), "keys": _("{n} keys", n=n)}
        counts = dict(file=self.file, added=added[self.kind], changed=len(self.changed), unchanged=self.unchanged)
        if self.dry_run:
            lines = [_("Dry run, nothing written.") + " " +
                     _("{file}: {added} would be added, {changed} changed, {unchanged} unchanged.", **counts)]
        else:
            lines = [_("{file}: {added} added, {changed} changed, {unchanged} unchanged.", **counts)]
        if self.added and len(self.added) <= 20:
            lines.append("  " + _("added: {names}", names=", ".join(self.added)))
        for change in self.changed:
            what = "; ".join(f"{k} {_shown(change.before.get(k))} → {_shown(v)}" for k, v in change.after.items())
            lines.append("  " + _("changed {name}: {what}", name=change.name, what=what))
        if self.missing:
            lines.append(_("{n} in the database are not in the file; they are kept: {names}",
                           n=len(self.missing), names=", ".join(self.missing)))
        if self.ignored:
            lines.append(_("Columns not used: {names}", names=", ".join(self.ignored)))
        return lines


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


class _DryRun(Exception):
    def __init__(self, result: ImportResult):
        super().__init__("dry run")
        self.result = result


def _run(fn, actor: Operator, now: datetime, *args, table: Table, dry_run: bool) -> ImportResult:
    """One transaction for the whole file: it commits only when every row was right; a dry run
    takes the same steps and rolls them back."""
    try:
        return fn(actor, now, *args, table=table, dry_run=dry_run)
    except _DryRun as done:
        return done.result


def _finish(problems: list[Problem], result: ImportResult, actor: Operator, now: datetime, entity: str) -> ImportResult:
    if problems:
        raise ImportRefused(sorted(problems, key=lambda p: p.row))
    audit.record(actor, f"{entity}.import", entity, None, now, file=result.file, added=len(result.added),
                 changed=len(result.changed), unchanged=result.unchanged, missing=len(result.missing))
    if result.dry_run:
        raise _DryRun(result)
    return result


_PERMISSION = {"units": "unit.manage", "technicians": "technician.manage", "keys": "key.catalogue"}


def _start(actor: Operator, kind: str, table: Table, dry_run: bool):
    """The permission checked, the columns found: (spec, columns, result so far, problems so far)."""
    require(actor, _PERMISSION[kind])
    columns = _columns(table, kind)
    return SPECS[kind], columns, ImportResult(kind, table.name, ignored=columns.ignored, dry_run=dry_run), []


class _Row:
    """One row being checked: each refused value becomes a Problem at its column, and checking goes
    on, so that every problem of the file is listed at once."""

    def __init__(self, number: int, cells: tuple[str, ...], columns: _Columns, spec, problems: list[Problem]):
        self.number, self.cells, self.columns, self.spec, self.problems = number, cells, columns, spec, problems
        self.ok = True

    def get(self, name: str) -> str:
        return self.columns.get(self.cells, name)

    def refuse(self, name: str, message: str) -> None:
        self.ok = False
        self.problems.append(Problem(self.number, self.columns.name(name, self.spec), message))

    def check(self, name: str, fn, *args):
        try:
            return fn(*args)
        except InvalidInput as exc:
            self.refuse(name, exc.message)
            return None


def _seen_before(row: _Row, seen: dict, key, name: str, shown: str) -> bool:
    if key in seen:
        row.refuse(name, _("{value} is in row {n} already.", value=shown, n=seen[key]))
        return True
    seen[key] = row.number
    return False


# --- units ---------------------------------------------------------------------------------------

def import_units(actor: Operator, now: datetime, config: Config, *, table: Table, dry_run: bool = False) -> ImportResult:
    return _run(_import_units, actor, now, config, table=table, dry_run=dry_run)


@db.writes
def _import_units(actor: Operator, now: datetime, config: Config, *, table: Table, dry_run: bool) -> ImportResult:
    spec, columns, result, problems = _start(actor, "units", table, dry_run)
    existing = {u.code: u for u in Unit.select()}
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        row = _Row(number, cells, columns, spec, problems)
        code = unit_code(row.get("building"), row.get("unit"), config.unit_code)
        if not code:
            row.refuse("unit", _("the unit is empty."))
        elif not _CODE.fullmatch(code):
            row.refuse("unit", _("{value} is not a unit code like 1-1203 (at most 20 characters, no spaces).",
                                 value=code))
        else:
            _seen_before(row, seen, code, "unit", code)
        values = {}
        if columns.has("owner"):
            values["owner_name"] = row.check("owner", units.check_owner, row.get("owner"))
        if columns.has("phone"):
            phones = row.check("phone", units.parse_phones, row.get("phone"))
            values["phones"] = " / ".join(phones or ())
        if columns.has("notes"):
            values["notes"] = row.check("notes", units.check_notes, row.get("notes"))
        if row.get("status"):
            status = row.check("status", _pick, UNIT_STATUS_WORDS, row.get("status"), "status", units.STATUSES)
            if status:
                values.update(units.status_columns(status))
        if not row.ok:
            continue
        unit = existing.get(code)
        if unit is None:
            building = _BUILDING_WORDS.sub("", _code_text(row.get("building"))) or \
                (code.split("-", 1)[0] if "-" in code else "")
            unit = Unit.create(code=code, building=building, floor=_floor(code), **values)
            existing[code] = unit
            audit.record(actor, "unit.create", "unit", unit.id, now, after={"code": code, **units.snapshot(unit)})
            result.added.append(code)
            continue
        before = units.snapshot(unit)
        for name, value in values.items():
            setattr(unit, name, value)
        after = units.snapshot(unit)
        if after == before:
            result.unchanged += 1
            continue
        unit.save()
        audit.record(actor, "unit.edit", "unit", unit.id, now, before=before, after=after)
        changed = {k: v for k, v in after.items() if before[k] != v}
        result.changed.append(Change(code, {k: before[k] for k in changed}, changed))
    result.missing = sorted(set(existing) - set(seen))
    return _finish(problems, result, actor, now, "unit")


# --- technicians ---------------------------------------------------------------------------------

def import_technicians(actor: Operator, now: datetime, *, table: Table, dry_run: bool = False) -> ImportResult:
    return _run(_import_technicians, actor, now, table=table, dry_run=dry_run)


def _technician_name(text: str) -> str:
    name = clean(text)
    if not name:
        raise InvalidInput("name", _("the name is empty."))
    if len(name) > 60:
        raise InvalidInput("name", _("A name is at most {n} characters.", n=60))
    return name


@db.writes
def _import_technicians(actor: Operator, now: datetime, *, table: Table, dry_run: bool) -> ImportResult:
    spec, columns, result, problems = _start(actor, "technicians", table, dry_run)
    existing = {(t.department, t.name): t for t in Technician.select()}
    seen: dict[tuple[str, str], int] = {}
    for number, cells in table.rows:
        row = _Row(number, cells, columns, spec, problems)
        department = row.check("department", _pick, DEPARTMENT_WORDS, row.get("department"), "department",
                               orders.DEPARTMENTS)
        name = row.check("name", _technician_name, row.get("name"))
        values = {}
        if columns.has("phone"):
            phones = row.check("phone", units.parse_phones, row.get("phone"), "phone")
            values["phone"] = " / ".join(phones or ())
        values["on_call"] = row.check("on_call", _yes_no, row.get("on_call"), "on_call", False)
        if columns.has("active"):
            values["active"] = row.check("active", _yes_no, row.get("active"), "active", True)
        if department and name:
            _seen_before(row, seen, (department, name), "name", f"{label(department)} {name}")
        if not row.ok:
            continue
        shown = f"{label(department)} {name}"
        technician = existing.get((department, name))
        if technician is None:
            technician = Technician.create(department=department, name=name, updated_at=now, **values)
            audit.record(actor, "technician.create", "technician", technician.id, now,
                         after={"department": department, "name": name, **values})
            result.added.append(shown)
            continue
        before = {k: getattr(technician, k) for k in values}
        changed = {k: v for k, v in values.items() if before[k] != v}
        if not changed:
            result.unchanged += 1
            continue
        Technician.update(updated_at=now, **changed).where(Technician.id == technician.id).execute()
        audit.record(actor, "technician.edit", "technician", technician.id, now,
                     before={k: before[k] for k in changed}, after=changed)
        result.changed.append(Change(shown, {k: before[k] for k in changed}, changed))
    result.missing = sorted(f"{label(d)} {n}" for (d, n), t in existing.items() if t.active and (d, n) not in seen)
    return _finish(problems, result, actor, now, "technician")


# --- keys ----------------------------------------------------------------------------------------

def import_keys(actor: Operator, now: datetime, *, table: Table, dry_run: bool = False) -> ImportResult:
    return _run(_import_keys, actor, now, table=table, dry_run=dry_run)


# keys.save_key's field names -> the columns of the file.
_KEY_FIELDS = {"tag": "tag", "label": "label", "kind": "type", "copies": "copies", "unit": "unit", "opens": "opens",
               "hook": "hook", "active": "tag"}


@db.writes
def _import_keys(actor: Operator, now: datetime, *, table: Table, dry_run: bool) -> ImportResult:
    spec, columns, result, problems = _start(actor, "keys", table, dry_run)
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        row = _Row(number, cells, columns, spec, problems)
        tag = clean(row.get("tag")).upper()
        kind = row.check("type", _pick, KEY_TYPE_WORDS, row.get("type"), "type", keys.KINDS)
        if len(row.get("hook")) > 20:
            row.refuse("hook", _("A hook is at most {n} characters.", n=20))
        if tag:
            _seen_before(row, seen, tag, "tag", tag)
        if not row.ok:
            continue
        values = {"label": clean(row.get("label")), "opens": clean(row.get("opens")), "kind": kind,
                  "hook": clean(row.get("hook")), "copies": row.get("copies") or "1",
                  "unit_code": _code_text(row.get("unit"))}
        before = keys.find(tag) if tag else None
        if before is not None:
            now_values = {"label": before.label, "opens": before.opens, "kind": before.kind, "hook": before.hook,
                          "copies": str(before.copies), "unit_code": before.unit_code}
            file_values = {**values, "copies": values["copies"].strip()}
            # A column the file does not have leaves that part of the key as it is.
            for column, name in (("opens", "opens"), ("hook", "hook"), ("copies", "copies"), ("unit", "unit_code")):
                if not columns.has(column):
                    file_values[name] = now_values[name]
            if file_values == now_values:
                result.unchanged += 1
                continue
            values = file_values
        try:
            keys.save_key(actor, now, tag=tag, active=None, **values)
        except InvalidInput as exc:
            row.refuse(_KEY_FIELDS.get(exc.field, "tag"), exc.message)
            continue
        if before is None:
            result.added.append(tag)
        else:
            old = {"label": before.label, "opens": before.opens, "type": before.kind, "hook": before.hook,
                   "copies": before.copies, "unit": before.unit_code}
            after = keys.find(tag)
            new = {"label": after.label, "opens": after.opens, "type": after.kind, "hook": after.hook,
                   "copies": after.copies, "unit": after.unit_code}
            changed = {k: v for k, v in new.items() if old[k] != v}
            result.changed.append(Change(tag, {k: old[k] for k in changed}, changed))
    present = set(keys.catalogue_tags())
    result.missing = sorted(present - set(seen))
    return _finish(problems, result, actor, now, "key")


# --- templates -----------------------------------------------------------------------------------

TEMPLATE_ROWS = {
    "units": {
        "en": [["1", "1-101", "王伟 Wang Wei", "13800001111 / 13900002222", "occupied", ""],
               ["1", "102", "", "", "vacant", "room alone: joined with the building as 1-102"],
               ["2", "2-1503", "", "", "not taken over", "spare key at the desk"]],
        "zh": [["1", "1-101", "王伟", "13800001111 / 13900002222", "入住", ""],
               ["1", "102", "", "", "空置", "只写房间号时与楼栋合成 1-102"],
               ["2", "2-1503", "", "", "未入伙", "备用钥匙在前台"]],
    },
    "technicians": {
        "en": [["engineering", "张师傅 Zhang", "13800003333", "yes", "yes"],
               ["engineering", "Li Gong", "13800004444", "no", "yes"],
               ["cleaning", "刘阿姨 Liu", "13800005555", "no", "yes"]],
        "zh": [["工程部", "张师傅", "13800003333", "是", "是"],
               ["工程部", "李工", "13800004444", "否", "是"],
               ["保洁", "刘阿姨", "13800005555", "否", "是"]],
    },
    "keys": {
        "en": [["PR-01", "Pump room", "B1 pump room door", "plant room", "H01", "2", ""],
               ["MK-01", "Master key A", "every common door", "master", "safe", "1", ""],
               ["U-2-1503", "2-1503 spare key", "2-1503 front door", "unit spare", "H10", "1", "2-1503"]],
        "zh": [["PR-01", "水泵房", "B1 水泵房门", "机房", "H01", "2", ""],
               ["MK-01", "总钥匙 A", "所有公共门", "总钥匙", "保险柜", "1", ""],
               ["U-2-1503", "2-1503 备用钥匙", "2-1503 入户门", "业户备用钥匙", "H10", "1", "2-1503"]],
    },
}


def template(kind: str, lang: str = "en") -> str:
    """An example file of `kind` (CSV, headers in `lang`) that imports as it is: the keys' example
    names a unit of the units' example, so import the units first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([getattr(s, "zh" if lang == "zh" else "en") for s in SPECS[kind]])
    writer.writerows(TEMPLATE_ROWS[kind]["zh" if lang == "zh" else "en"])
    return out.getvalue()
