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
