"""Plain-SQL reads give the same model instances the ORM gives, relations included."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import DataError, NotSupportedError, connection, transaction
from django.db.models import Value
from django.db.models.functions import Upper
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy
from django_tenants.utils import tenant_context

from config.rows import (
    _AS_IS,
    Join,
    Rows,
    _db_form,
    _saved_values,
    insert,
    insert_all,
    insert_all_json,
    insert_values_json,
)
from hotline.models import Clock, Gender, Owner, PartLine, SlaPolicy, Vehicle
from hotline.services.policy import policy_current
from tenants.models import Manufacturer, NetworkMembership, Tenant

pytestmark = pytest.mark.django_db

TENANT_WITH_MAKER = Rows(Tenant, Join("manufacturer"))
PLACE = Rows(NetworkMembership, Join("dealer", inner=True), Join("region"))


def fields_of(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_a_row_reads_as_the_orm_reads_it_with_its_relation_cached(hotline, django_assert_num_queries):
    with django_assert_num_queries(1):
        read = TENANT_WITH_MAKER.one("t.id = %s", [hotline.pk])
    with django_assert_num_queries(0):
        maker = read.manufacturer
    assert fields_of(read) == fields_of(Tenant.objects.get(pk=hotline.pk))
    assert fields_of(maker) == fields_of(Manufacturer.objects.get(hotline=hotline))
    assert maker.hotline is read  # the reverse side points back, as select_related leaves it


def test_a_missing_reverse_relation_is_known_missing_without_a_query(dealer, django_assert_num_queries):
    read = TENANT_WITH_MAKER.one("t.id = %s", [dealer.pk])
    with django_assert_num_queries(0), pytest.raises(Tenant.manufacturer.RelatedObjectDoesNotExist):
        read.manufacturer  # noqa: B018 (a dealer tenant has no manufacturer)


def test_forward_relations_and_the_inner_join(manufacturer, dealer, django_assert_num_queries):
    with django_assert_num_queries(1):
        place = PLACE.one("t.dealer_id = %s", [dealer.pk])
    with django_assert_num_queries(0):
        assert place.dealer.schema_name == dealer.schema_name
        assert place.region.code == "SOUTH"
    assert fields_of(place) == fields_of(NetworkMembership.objects.get(pk=place.pk))
    assert PLACE.one("t.dealer_id = %s", [-1]) is None


def test_json_columns_come_back_as_python_values(in_hotline):
    policy = policy_current()
    SlaPolicy.objects.filter(pk=policy.pk).update(targets={"first_response": 0.95, "labels": ["甲"]})
    read = Rows(SlaPolicy).one("t.id = %s", [policy.pk])
    assert read.targets == {"first_response": 0.95, "labels": ["甲"]}
    assert read.created_at == SlaPolicy.objects.get(pk=policy.pk).created_at  # aware, as the ORM's


def test_an_inserted_row_is_the_row_the_orm_would_have_written(in_hotline, django_assert_num_queries):
    owner = Owner(name="王芳", mobile="13800000001", city="广州")
    assert not Owner.objects.exists()  # (the connection's search path is set here)
    with django_assert_num_queries(1):
        insert(owner)
    stored = Owner.objects.get(pk=owner.pk)
    assert fields_of(stored) == fields_of(owner)
    assert stored.gender == "unknown"  # the field's default
    assert stored.created_at is not None  # auto_now_add
    owner.name = "王芳芳"
    owner.save()  # known as stored: an update, not a second row
    assert list(Owner.objects.values_list("name", flat=True)) == ["王芳芳"]


def test_a_row_found_is_read_and_nothing_written_else_the_new_one_is_written_in_one_statement(
    in_hotline, django_assert_num_queries
):
    owners = Rows(Owner)
    assert not Owner.objects.exists()  # (the connection's search path is set here)
    first = Owner(name="王芳", mobile="13800000001", city="广州", email="wf@example.com")
    with django_assert_num_queries(1):
        made, is_new = owners.one_or_insert("t.mobile = %s ORDER BY t.id + 0", ["13800000001"], first)
    assert (made, is_new) == (first, True)
    assert fields_of(Owner.objects.get(pk=first.pk)) == fields_of(first)  # as the ORM would have written it

    second_draft = Owner(name="王芳二", mobile="13800000001")
    with django_assert_num_queries(1):
        found, is_new = owners.one_or_insert("t.mobile = %s ORDER BY t.id + 0", ["13800000001"], second_draft)
    assert is_new is False
    assert fields_of(found) == fields_of(first)  # the row as stored, not the draft
    assert second_draft.pk is None
    assert list(Owner.objects.values_list("name", flat=True)) == ["王芳"]


def test_a_new_row_too_long_for_its_column_is_refused_not_cut(in_hotline):
    with pytest.raises(DataError), transaction.atomic():
        Rows(Owner).one_or_insert(
            "t.mobile = %s", ["13800000001"], Owner(name="王" * 61, mobile="13800000001")
        )
    assert not Owner.objects.exists()


def test_one_or_insert_takes_only_an_instance_of_its_own_model(in_hotline):
    with pytest.raises(TypeError, match="one_or_insert writes a Owner"):
        Rows(Owner).one_or_insert("t.mobile = %s", ["13800000001"], Vehicle(vin="LHKS5A2B0RG000001"))
    assert not Owner.objects.exists()
    assert not Vehicle.objects.exists()


def test_a_value_only_the_database_can_work_out_is_refused_and_nothing_written(in_hotline):
    with pytest.raises(TypeError, match=r"Owner\.name"):
        insert(Owner(name=Upper(Value("wang")), mobile="13800000002"))
    assert not Owner.objects.exists()


def test_a_row_pointing_at_an_unsaved_one_is_refused_as_save_refuses_it(in_hotline):
    unsaved = Owner(name="李娜", mobile="13800000003")
    with pytest.raises(ValueError, match="unsaved related object 'owner'"):
        insert(Vehicle(owner=unsaved, vin="LHGCM82633A004352"))
    assert not Vehicle.objects.exists()


def test_several_rows_go_in_one_statement_each_given_its_own_key(in_hotline, django_assert_num_queries):
    owners = [Owner(name=f"车主{n}", mobile=f"1380000001{n}") for n in range(3)]
    assert not Owner.objects.exists()
    with django_assert_num_queries(1):
        insert_all(owners)
    for owner in owners:  # each key is its own row's, in order
        assert fields_of(Owner.objects.get(pk=owner.pk)) == fields_of(owner)
    assert len({owner.pk for owner in owners}) == 3


def test_rows_of_two_models_are_refused_in_one_statement_and_nothing_written(in_hotline):
    owner = insert(Owner(name="王芳", mobile="13800000001"))
    with pytest.raises(TypeError, match="one model"):
        insert_all([Owner(name="李娜", mobile="13800000003"), Vehicle(owner=owner, vin="LHGCM82633A004352")])
    assert Owner.objects.count() == 1
    assert not Vehicle.objects.exists()


def test_rows_sent_as_json_are_the_rows_the_orm_would_have_written_each_with_its_key(
    parts_work_order, django_assert_num_queries
):
    started = list(parts_work_order.clocks.order_by("pk"))
    copies = []
    for n, clock in enumerate(started):
        copy = Clock(**{f.attname: getattr(clock, f.attname) for f in Clock._meta.concrete_fields})
        copy.pk, copy.warn_times, copy.remaining_seconds = None, [f"第{n}次"], n
        copies.append(copy)
    with django_assert_num_queries(1):
        insert_all_json(copies)
    assert len({copy.pk for copy in copies} | {clock.pk for clock in started}) == 2 * len(started)
    for copy in copies:  # each key is its own row's (times, lists, nulls and numbers as given)
        assert fields_of(Clock.objects.get(pk=copy.pk)) == fields_of(copy)


def test_a_value_json_cannot_carry_is_refused_and_nothing_written(parts_work_order):
    clock, before = parts_work_order.clocks.first(), parts_work_order.clocks.count()
    copy = Clock(**{f.attname: getattr(clock, f.attname) for f in Clock._meta.concrete_fields})
    copy.pk, copy.warn_times = None, {1.5j}
    with pytest.raises(TypeError, match=r"Clock\.warn_times"):
        insert_all_json([copy])
    assert parts_work_order.clocks.count() == before


def test_plain_values_are_written_as_the_instance_with_them_would_be_its_defaults_filled_in(
    parts_work_order, django_assert_num_queries
):
    clock = parts_work_order.clocks.order_by("pk").first()
    given = {
        "work_order_id": parts_work_order.pk,
        "kind": clock.kind,
        "policy_version": clock.policy_version,
        "calendar": clock.calendar,
        "budget_minutes": 90,
        "warn_times": ["第一次"],
        "started_at": clock.started_at,
        "due_at": clock.due_at,
    }
    with django_assert_num_queries(1):
        keys = insert_values_json(Clock, [given, {**given, "budget_minutes": 30, "state": "paused"}])
    assert len(keys) == 2
    assert keys[0] < keys[1]
    for key, row in zip(keys, [given, {**given, "budget_minutes": 30, "state": "paused"}], strict=True):
        made = Clock(**row)  # what save() would have written for the same values
        made.pk = key
        assert fields_of(Clock.objects.get(pk=key)) == fields_of(made)


def test_plain_values_naming_a_field_the_model_lacks_are_refused_and_nothing_written(parts_work_order):
    clock, before = parts_work_order.clocks.first(), parts_work_order.clocks.count()
    row = {f.attname: getattr(clock, f.attname) for f in Clock._meta.concrete_fields if f.attname != "id"}
    with pytest.raises(TypeError, match="Clock has no field due_on"):
        insert_values_json(Clock, [row, {**row, "due_on": clock.due_at}])
    with pytest.raises(TypeError, match=r"Clock\.paused_in"):
        insert_values_json(Clock, [{**row, "paused_in": {"awaiting_parts"}}])
    with pytest.raises(TypeError, match=r"Owner\.created_at needs insert_all_json"):
        insert_values_json(Owner, [{"name": "王芳", "mobile": "13800000001"}])
    assert parts_work_order.clocks.count() == before
    assert not Owner.objects.filter(name="王芳").exists()


AS_IS_SAMPLES = {
    str: ["", "王芳", "13800000001", "x" * 500],
    bool: [True, False],
    dt.datetime: [dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC), dt.datetime.now(ZoneInfo("Asia/Shanghai"))],
}


@pytest.mark.parametrize(("field_class", "value_type"), list(_AS_IS.items()), ids=lambda v: v.__name__)
def test_a_value_written_as_it_is_is_what_its_field_would_have_sent(field_class, value_type):
    field = field_class()
    for value in AS_IS_SAMPLES[value_type]:
        assert field.get_db_prep_save(value, connection) is value


def test_values_not_plain_go_through_their_field_as_the_orm_sends_them(in_hotline):
    """A choice, a text still to be translated, a number, a key: each as get_db_prep_save gives
    it; the plain values alone as they are."""
    owner = Owner(name=gettext_lazy("Default policy"), mobile="13800000001", gender=Gender.MALE, city="广州")
    _model, _head, fields, raw = _saved_values([owner])
    moved = [PartLine(work_order_id=7, line_no=1, part_code="HQ-1", part_name="前大灯", quantity=2)]
    _model, _head, line_fields, line_raw = _saved_values(moved)
    for model, fields_of_rows, rows in ((Owner, fields, raw), (PartLine, line_fields, line_raw)):
        sent = _db_form(model, rows)
        orm = [f.get_db_prep_save(v, connection) for f, v in zip(fields_of_rows, rows[0], strict=True)]
        assert [(type(v), v) for v in sent] == [(type(v), v) for v in orm]
    by_name = dict(zip([f.name for f in fields], _db_form(Owner, raw), strict=True))
    assert type(by_name["name"]) is str  # the lazy text turned into its text
    assert by_name["city"] is owner.city  # a plain text as it is


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def test_a_statement_prepared_once_reads_each_hotline_s_own_rows(manufacturer, other_manufacturer):
    for maker, name in ((manufacturer, "华骐的车主"), (other_manufacturer, "东岳的车主")):
        with tenant_context(maker.hotline):
            insert(Owner(name=name, mobile="13800000001"))
    owners, read = Rows(Owner), []
    for maker in (manufacturer, other_manufacturer, manufacturer, other_manufacturer):
        with tenant_context(maker.hotline):
            read.append(owners.one("t.mobile = %s", ["13800000001"]).name)
    connection.set_schema_to_public()
    assert read == ["华骐的车主", "东岳的车主", "华骐的车主", "东岳的车主"]
    # One statement, prepared once on this connection, read in both schemas in turn.
    assert sum(s.endswith("WHERE t.mobile = $1 LIMIT 1") for s in prepared_statements()) == 1


def test_a_statement_whose_column_changed_type_fails_once_then_runs_unprepared(in_hotline):
    owners = Rows(Owner)
    # A statement of this test's own: the connection keeps running it unprepared afterwards.
    by_city = "t.mobile = %s AND t.city = %s"
    insert(Owner(name="王芳", mobile="13800000001", city="广州"))
    assert owners.one(by_city, ["13800000001", "广州"]).name == "王芳"  # prepared
    with connection.cursor() as cursor:  # as another process's migration would, unseen by this one
        cursor.execute("ALTER TABLE hotline_owner ALTER COLUMN city TYPE varchar(99)")
    with pytest.raises(NotSupportedError, match="cached plan"), transaction.atomic():
        owners.one(by_city, ["13800000001", "广州"])
    assert owners.one(by_city, ["13800000001", "广州"]).name == "王芳"
    assert owners.one(by_city, ["13800000001", "广州"]).name == "王芳"


def test_a_prepared_statement_is_captured_with_its_values_written_in(in_hotline):
    insert(Owner(name="王芳", mobile="13800000001"))
    with CaptureQueriesContext(connection) as queries:
        Rows(Owner).one("t.mobile = %s", ["13800000001"])
    assert "t.mobile = '13800000001'" in queries.captured_queries[-1]["sql"]
