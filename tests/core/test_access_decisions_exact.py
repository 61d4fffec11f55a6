"""The row-level access decisions of app/policy.py's PREDICATES, for every role (issue 61: the mutation run
over the access decisions): who reads a confidential complaint whole, who learns a complainant's name and
contact, and which desa a desa operator's pages reach (docs/complaints.md, docs/privacy.md)."""
from types import SimpleNamespace

import pytest
from werkzeug.exceptions import NotFound

from app.complaints import privacy
from app.frame.roles import ADMIN, ALL_ROLES, CAMAT, DESA, INFORMASI, KASI, LOKET

# Reads the complaint book / confidential ones whole / a kiosk complaint's identity / follows up (contact).
BOOK = {INFORMASI, KASI, CAMAT}
CONFIDENTIAL = {INFORMASI, KASI}
KIOSK_IDENTITY = {INFORMASI}
CONTACT = {INFORMASI, KASI}


@pytest.mark.parametrize("role", [*ALL_ROLES, None, "tamu"])
def test_each_role_reads_the_complaint_book_and_its_confidential_part_as_docs_complaints_says(role):
    assert privacy.reads_book(role) is (role in BOOK)
    assert privacy.sees_confidential(role) is (role in CONFIDENTIAL)
    assert privacy.may_see_record(role, False) is (role in BOOK)
    assert privacy.may_see_record(role, True) is (role in CONFIDENTIAL)


@pytest.mark.parametrize("role", [*ALL_ROLES, None])
def test_each_role_learns_a_complainants_name_and_contact_as_docs_complaints_says(role):
    me, recorder = 7, 9
    named = {"is_anonymous": False, "created_by_id": recorder}
    assert privacy.may_see_identity(me, role, **named) is (role in BOOK)
    assert privacy.may_see_contact(me, role, **named) is (role in CONTACT)
    # Anonymous, recorded by someone else: hidden from every role; recorded by me: mine to see.
    assert privacy.may_see_identity(me, role, True, recorder) is False
    assert privacy.may_see_contact(me, role, True, recorder) is False
    assert privacy.may_see_identity(recorder, role, True, recorder) is (role in BOOK)
    assert privacy.may_see_contact(recorder, role, True, recorder) is (role in CONTACT)
    # Anonymous from the kiosk (no recorder): the information desk's.
    assert privacy.may_see_identity(me, role, True, None) is (role in KIOSK_IDENTITY)
    assert privacy.may_see_contact(me, role, True, None) is (role in KIOSK_IDENTITY & CONTACT)


def test_the_book_shows_a_name_and_contact_the_value_empty_or_dirahasiakan():
    def complaint(name="Siti", contact="081234567890", anonymous=False, by=9):
        return SimpleNamespace(complainant_name=name, complainant_contact=contact, is_anonymous=anonymous,
                               created_by_id=by)

    def user(role, user_id=7):
        return SimpleNamespace(id=user_id, role=role)
    assert privacy.HIDDEN == "(dirahasiakan)"
    assert privacy.shown_identity(user(KASI), complaint()) == ("Siti", "081234567890")
    assert privacy.shown_identity(user(INFORMASI), complaint()) == ("Siti", "081234567890")
    assert privacy.shown_identity(user(CAMAT), complaint()) == ("Siti", "(dirahasiakan)")
    assert privacy.shown_identity(user(CAMAT), complaint(contact="")) == ("Siti", "")
    assert privacy.shown_identity(user(KASI), complaint(anonymous=True)) == ("(dirahasiakan)", "(dirahasiakan)")
    assert privacy.shown_identity(user(KASI), complaint(name="", contact="", anonymous=True)) == ("", "")
    assert privacy.shown_identity(user(KASI), complaint(name="", anonymous=True)) == ("", "(dirahasiakan)")
    assert privacy.shown_identity(user(KASI, 9), complaint(anonymous=True)) == ("Siti", "081234567890")
    assert privacy.shown_identity(user(INFORMASI), complaint(anonymous=True, by=None)) == ("Siti", "081234567890")
    assert privacy.shown_identity(user(LOKET), complaint()) == ("(dirahasiakan)", "(dirahasiakan)")
    assert privacy.shown_identity(user(ADMIN), complaint(contact=None)) == ("(dirahasiakan)", "")


def test_a_desa_operator_reaches_only_the_desa_bound_to_the_account_and_office_staff_every_desa(app, db, users):
    from app.desa import scope
    from app.desa.models import UserDesa
    from app.frame.access import roles_with
    UserDesa.create(user=users[DESA], desa_code="35.08.07.2003")
    UserDesa.create(user=users[DESA], desa_code="35.08.07.2001")
    from app.auth.accounts import create_user
    neighbour, _ = create_user("operator-kraton", "Operator Kraton", DESA, password="x" * 16,
                               must_change_password=False)
    UserDesa.create(user=neighbour, desa_code="35.08.07.2002")  # another desa's operator: never in this scope
    assert scope.desa_codes_of(users[DESA]) == ["35.08.07.2001", "35.08.07.2003"]
    assert scope.scope_of(neighbour) == ["35.08.07.2002"]
    assert scope.scope_of(users[DESA]) == ["35.08.07.2001", "35.08.07.2003"]
    for role in (ADMIN, LOKET, INFORMASI, KASI, CAMAT):
        assert scope.scope_of(users[role]) is None, role
    assert scope.scope_of(None) is None
    assert roles_with("desa.lingkup_sendiri") == [DESA]
    assert sorted(user.username for user in scope.operator_accounts()) == sorted([users[DESA].username,
                                                                                 "operator-kraton"])
    from flask import g
    with app.test_request_context("/"):
        g.user = users[DESA]
        assert scope.current_scope() == ["35.08.07.2001", "35.08.07.2003"]
        scope.check_in_scope("35.08.07.2001")
        with pytest.raises(NotFound):  # 404, not 403: another desa's record is not even said to exist
            scope.check_in_scope("35.08.07.2002")
        g.user = users[LOKET]
        assert scope.current_scope() is None
        scope.check_in_scope("35.08.07.2002")
    with app.test_request_context("/"):  # nobody signed in: the pages refuse visitors before they ask
        assert scope.current_scope() is None


def test_a_desa_operator_bound_to_no_desa_reaches_none(app, db, users):
    from flask import g

    from app.desa import scope
    assert scope.scope_of(users[DESA]) == []
    with app.test_request_context("/"):
        g.user = users[DESA]
        with pytest.raises(NotFound):
            scope.check_in_scope("35.08.07.2001")
