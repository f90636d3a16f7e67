"""API keys: made once and shown once, stored as a digest, listed, revoked; old stored answers forgotten."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tenants.models import ApiKey, AuthEvent, IdempotencyRecord
from tenants.services import api_keys

from ..conftest import api_client


def run(*args: str) -> str:
    out = StringIO()
    call_command("api_key", *args, stdout=out)
    return out.getvalue()


def test_command_makes_lists_and_revokes_keys(hotline, network):
    made = run(
        "create",
        "--tenant",
        hotline.slug,
        "--name",
        "华南 WMS",
        "--scope",
        "write",
        "--parts-centre",
        "PC-GZ",
    )
    secret = made.strip().splitlines()[-1]
    key = ApiKey.objects.get()
    assert secret.startswith(f"cdk_{key.prefix}_")
    assert secret not in (key.digest, key.prefix)  # only a digest is kept
    assert key.parts_centre.code == "PC-GZ"
    assert api_client(hotline, secret).get("/api/v1/parts-centre/parts-requests/").status_code == 200

    listing = run("list", "--tenant", hotline.slug)
    assert key.prefix in listing
    assert "active" in listing
    assert secret not in listing
    assert "never used" not in listing  # the call above set last_used_at

    run("revoke", "--tenant", hotline.slug, key.prefix)
    assert api_client(hotline, secret).get("/api/v1/parts-centre/parts-requests/").status_code == 401
    # Both are in the hotline's audit log.
    kinds = set(
        AuthEvent.objects.filter(tenant=hotline, data__prefix=key.prefix).values_list("kind", flat=True)
    )
    assert kinds == {"api_key.created", "api_key.revoked"}
    assert "revoked" in run("list", "--tenant", hotline.slug)


def test_command_refuses_bad_input(hotline, other_manufacturer):
    with pytest.raises(CommandError):
        run("create", "--tenant", hotline.slug, "--name", " ", "--scope", "write")
    with pytest.raises(CommandError):  # another maker's centre
        run("create", "--tenant", other_manufacturer.hotline.slug, "--name", "x", "--parts-centre", "PC-GZ")
    with pytest.raises(CommandError):
        run("revoke", "--tenant", other_manufacturer.hotline.slug, "00000000")
    assert not ApiKey.objects.exists()


def test_old_stored_answers_are_forgotten(hotline):
    old, _fresh = (
        IdempotencyRecord.objects.create(
            tenant=hotline,
            principal="key:1",
            key=k,
            method="POST",
            path="/api/v1/work-orders/",
            fingerprint="x",
            status=201,
            body={},
        )
        for k in ("old", "fresh")
    )
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=25))
    api_keys.idempotency_records_purge()
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
