"""Serializer fields are copied cheaply per instance, yet nothing of one request reaches another."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from rest_framework import serializers

from config.api.serializers import Serializer


class LineIn(Serializer):
    code = serializers.CharField(max_length=8)
    note = serializers.SerializerMethodField()

    def get_note(self, line: dict) -> str:
        return f"{self.context['who']}:{line['code']}"


class OrderIn(Serializer):
    number = serializers.IntegerField(min_value=1)
    tags = serializers.JSONField(required=False, default=[])
    lines = LineIn(many=True)


def test_two_instances_validate_apart_and_leave_the_declared_fields_unbound():
    bad = OrderIn(data={"number": 0, "lines": [{"code": "toolongcode"}]})
    good = OrderIn(data={"number": 7, "lines": [{"code": "A1"}]})

    assert not bad.is_valid()
    assert good.is_valid(), good.errors

    assert set(bad.errors) == {"number", "lines"}
    assert good.validated_data["number"] == 7
    assert bad.fields["number"] is not good.fields["number"]
    assert bad.fields["number"].parent is bad
    assert good.fields["number"].parent is good
    assert good.fields["lines"].child.fields["code"].root is good
    assert OrderIn._declared_fields["number"].parent is None  # the declared one stays as declared


def test_each_document_reads_its_own_context():
    first = OrderIn({"number": 1, "tags": [], "lines": [{"code": "A1"}]}, context={"who": "王"})
    second = OrderIn({"number": 2, "tags": [], "lines": [{"code": "B2"}]}, context={"who": "李"})

    assert second.data["lines"] == [{"code": "B2", "note": "李:B2"}]
    assert first.data["lines"] == [{"code": "A1", "note": "王:A1"}]


def test_a_default_changed_by_one_caller_is_not_the_next_callers():
    first = OrderIn(data={"number": 1, "lines": []})
    assert first.is_valid(), first.errors
    first.validated_data["tags"].append("changed")

    second = OrderIn(data={"number": 2, "lines": []})
    assert second.is_valid(), second.errors
    assert second.validated_data["tags"] == []


def test_a_validator_added_to_one_instance_is_not_the_next_ones():
    first = OrderIn(data={"number": 5, "lines": []})
    first.fields["number"].validators.append(MaxValueValidator(3))
    first.fields["number"].error_messages["min_value"] = "changed"
    assert not first.is_valid()

    second = OrderIn(data={"number": 5, "lines": []})
    assert second.is_valid(), second.errors
    assert second.fields["number"].error_messages["min_value"] != "changed"


def _serializers() -> list[type[Serializer]]:
    """Every serializer of the product (those its URLs reach, and so on down)."""
    import config.urls_dealer
    import config.urls_hotline
    import config.urls_public  # noqa: F401

    found, todo = [], [Serializer]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] != "tests" and cls is not Serializer:
            found.append(cls)
    return found


_DRF_FIELDS = serializers.Serializer.__dict__["fields"].func  # copy each declared field, then bind it


def _like(value):
    """``value`` as it compares between two copies: a field or validator by its type."""
    if isinstance(value, serializers.Field) or callable(value):
        return type(value)
    if isinstance(value, dict):
        return {k: _like(v) for k, v in value.items() if k != "child"}
    if isinstance(value, list | tuple):
        return [_like(v) for v in value]
    return value


def _same_as_drf_makes(
    made: serializers.Field, other: serializers.Field, reference: serializers.Field, parent, where: str
) -> None:
    """``made`` as its serializer made it, ``other`` the same field made for another instance,
    ``reference`` the declared field copied and bound."""
    assert type(made) is type(reference), where
    assert made.parent is parent, where
    mine, theirs = vars(made), vars(reference)
    skip = {"parent", "child", "fields", "_creation_counter"}
    assert {k: _like(v) for k, v in mine.items() if k not in skip} == {
        k: _like(v) for k, v in theirs.items() if k not in skip
    }, where
    as_declared = getattr(made.parent, "_declared_fields", {}).get(made.field_name)
    declared = vars(as_declared) if as_declared is not None else {}
    for own in ("_validators", "error_messages", "_context", "source_attrs"):
        if own in mine:  # its own, not the declared field's nor another instance's
            assert mine[own] is not declared.get(own), f"{where}.{own}"
            assert mine[own] is not vars(other)[own], f"{where}.{own}"
    if isinstance(made, serializers.ListSerializer):
        _same_as_drf_makes(made.child, other.child, reference.child, made, f"{where}[]")
    elif isinstance(made, Serializer):
        fields, others, drf = made.fields, other.fields, _DRF_FIELDS(reference)
        assert list(fields) == list(drf), where
        for name in fields:
            _same_as_drf_makes(fields[name], others[name], drf[name], made, f"{where}.{name}")


def test_every_serializers_fields_are_made_as_drf_would_copy_and_bind_them():
    classes = _serializers()
    assert len(classes) > 50  # the product's, not none

    for cls in classes:
        made, other, reference = cls(), cls(), cls()
        fields, others, drf = made.fields, other.fields, _DRF_FIELDS(reference)
        assert list(fields) == list(drf), cls.__name__
        for name in fields:
            _same_as_drf_makes(fields[name], others[name], drf[name], made, f"{cls.__name__}.{name}")
