"""PINs, sign-on and lockout, permissions, and the audit chain."""
from __future__ import annotations

from datetime import timedelta

import pytest

from deskconsole import audit, db, people
from deskconsole.people import InvalidInput, PermissionDenied, SignOnError


def test_pins_are_salted_hashes(empty_site, clock):
    people.create_first_supervisor(clock.now(), code="S1", name="陈静", pin="0000")
    staff = db.Staff.get(db.Staff.code == "S1")
    assert "0000" not in staff.pin_hash
    assert staff.pin_hash.startswith("scrypt$")
    assert people.hash_pin("0000") != people.hash_pin("0000")  # salted
    assert people.pin_matches("0000", staff.pin_hash)
    assert not people.pin_matches("0001", staff.pin_hash)


def test_first_supervisor_only_on_an_empty_database(demo_site, clock):
    with pytest.raises(SignOnError, match="has staff already"):
        people.create_first_supervisor(clock.now(), code="S9", name="Someone", pin="1234")


def test_first_supervisor_input_is_checked(empty_site, clock):
    with pytest.raises(InvalidInput) as err:
        people.create_first_supervisor(clock.now(), code="S1", name="Chen", pin="12")
    assert err.value.field == "pin"
    with pytest.raises(InvalidInput) as err:
        people.create_first_supervisor(clock.now(), code="S 1!", name="Chen", pin="1234")
    assert err.value.field == "code"
    assert not people.has_staff()  # nothing written by a refusal


def test_sign_on_right_and_wrong(demo_site, clock):
    assert people.verify("r1", "0000", clock.now()).code == "R1"
    with pytest.raises(SignOnError, match="Wrong PIN for R1: 4 more tries"):
        people.verify("R1", "9999", clock.now())
    with pytest.raises(SignOnError, match="No staff member has the code X9"):
        people.verify("X9", "0000", clock.now())
    with pytest.raises(SignOnError, match="No staff member"):
        people.verify(people.SYSTEM_CODE, "", clock.now())


def test_five_wrong_pins_lock_the_code_for_a_minute_everywhere(demo_site, clock):
    for _ in range(4):
        with pytest.raises(SignOnError, match="Wrong PIN"):
            people.verify("G1", "1111", clock.now())
    with pytest.raises(SignOnError, match="locked for a minute"):
        people.verify("G1", "1111", clock.now())
    # The lock is in the database, so a second console (a fresh connection) sees it too.
    db.close()
    db.connect(demo_site.db_url)
    clock.advance(seconds=59)
    with pytest.raises(SignOnError, match="locked"):
        people.verify("G1", "0000", clock.now())
    clock.advance(seconds=2)
    assert people.verify("G1", "0000", clock.now()).code == "G1"


def test_permission_table(demo_site):
    guard, receptionist, supervisor = (people.find(c) for c in ("G1", "R1", "S1"))
    assert people.may(guard, "order.arrive") and not people.may(guard, "order.dispatch")
    assert people.may(receptionist, "order.dispatch") and not people.may(receptionist, "call.void")
    assert all(people.may(supervisor, action) for action in people.PERMISSIONS)
    with pytest.raises(PermissionDenied):
        people.require(guard, "staff.manage")


def test_every_write_appends_a_chained_event_and_no_pin(demo_site, clock):
    before = db.AuditEvent.select().count()
    people.create_staff(people.find("S1"), clock.now(), code="G7", name="周[b]伟", role="guard", pin="4321")
    events = list(db.AuditEvent.select().order_by(db.AuditEvent.id.desc()).limit(1))
    assert db.AuditEvent.select().count() == before + 1
    assert events[0].action == "staff.create" and "4321" not in events[0].data
    assert not any("scrypt$" in e.data or "pin_hash" in e.data for e in db.AuditEvent.select())
    assert audit.verify_chain() == []


def test_an_edit_behind_the_programs_back_breaks_the_chain(demo_site):
    victim = db.AuditEvent.select().order_by(db.AuditEvent.id).offset(10).first()
    db.AuditEvent.update(data='{"after": "forged"}').where(db.AuditEvent.id == victim.id).execute()
    problems = audit.verify_chain()
    assert problems == [f"audit event {victim.id}: its content was changed after it was written"]


def test_a_removed_event_breaks_the_chain(demo_site):
    victim = db.AuditEvent.select().order_by(db.AuditEvent.id).offset(5).first()
    db.AuditEvent.delete().where(db.AuditEvent.id == victim.id).execute()
    assert audit.verify_chain() == [f"audit event {victim.id + 1}: does not follow the event before it"]


def test_lock_time_is_reported_in_local_time(demo_site, clock):
    for _ in range(5):
        with pytest.raises(SignOnError):
            people.verify("G2", "1", clock.now(), local_time=lambda t: (t + timedelta(hours=8)).strftime("%H:%M"))
    with pytest.raises(SignOnError, match="until 22:01"):
        people.verify("G2", "0000", clock.now(), local_time=lambda t: (t + timedelta(hours=8)).strftime("%H:%M"))
