"""/api/v1/webhooks/: the hotline's administrators manage its webhook endpoints over the API.

The same services as the portal (``notifications.webhooks``, ``notifications.endpoints``);
only members whose role the matrix allows ``webhooks.manage`` (no API key may).
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.base import ApiView
from config.api.schema import IDEMPOTENCY_KEY, READ_ERRORS, WRITE_ERRORS, problems
from config.api.serializers import Serializer
from notifications.endpoints import (
    webhook_deliveries,
    webhook_endpoint_get,
    webhook_endpoint_update,
    webhook_endpoints,
    webhook_secret_rotate,
    webhook_test_send,
)
from notifications.models import WebhookEndpoint
from notifications.webhooks import webhook_endpoint_create
from tenants.api.idempotency import idempotent
from tenants.api.permissions import Declared

from ..events import EventKind

TAG = ["webhooks"]
KINDS = [k.value for k in EventKind]


class EndpointOut(Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    description = serializers.CharField()
    event_kinds = serializers.ListField(child=serializers.CharField())
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class EndpointCreatedOut(EndpointOut):
    secret = serializers.CharField(help_text="The signing secret, returned this once.")


class EndpointIn(Serializer):
    url = serializers.CharField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    event_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=KINDS), required=False, default=list
    )


class EndpointChangeIn(Serializer):
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    event_kinds = serializers.ListField(child=serializers.ChoiceField(choices=KINDS), required=False)
    is_active = serializers.BooleanField(required=False)


class DeliveryOut(Serializer):
    id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    event_kind = serializers.CharField()
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class SecretOut(Serializer):
    secret = serializers.CharField()


class WebhooksView(ApiView):
    permission_classes = [Declared]
    permission_actions = {"GET": "webhooks.manage", "POST": "webhooks.manage", "PATCH": "webhooks.manage"}

    def endpoint(self, pk: int) -> WebhookEndpoint:
        try:
            return webhook_endpoint_get(pk)
        except WebhookEndpoint.DoesNotExist as exc:
            raise Http404 from exc


class EndpointList(WebhooksView):
    @extend_schema(
        tags=TAG,
        operation_id="webhooks_list",
        responses={200: EndpointOut(many=True), **problems(READ_ERRORS)},
        summary="The endpoints",
        description="The hotline's webhook endpoints. Administrators' sessions only.",
    )
    def get(self, request: Request) -> Response:
        return Response(EndpointOut(webhook_endpoints(), many=True).data)

    @extend_schema(
        tags=TAG,
        request=EndpointIn,
        parameters=[IDEMPOTENCY_KEY],
        operation_id="webhooks_create",
        responses={201: EndpointCreatedOut, **problems(WRITE_ERRORS)},
        summary="Add an endpoint (its secret is in this answer only)",
        description="Adds an endpoint that receives the chosen event kinds (all when none is "
        "chosen), signed with a secret returned in this answer only. Internal addresses are refused.",
    )
    def post(self, request: Request) -> Response:
        data = EndpointIn(data=request.data)
        data.is_valid(raise_exception=True)

        def create() -> Response:
            endpoint = webhook_endpoint_create(**data.validated_data)
            return Response(EndpointCreatedOut(endpoint).data, status=status.HTTP_201_CREATED)

        return idempotent(request, create)


class EndpointDetail(WebhooksView):
    @extend_schema(
        tags=TAG,
        operation_id="webhooks_read",
        responses={200: EndpointOut, **problems(READ_ERRORS)},
        summary="One endpoint",
        description="One webhook endpoint of the hotline.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(EndpointOut(self.endpoint(pk)).data)

    @extend_schema(
        tags=TAG,
        request=EndpointChangeIn,
        operation_id="webhooks_update",
        responses={200: EndpointOut, **problems(WRITE_ERRORS)},
        summary="Change its events, description, or pause it",
        description="Changes the fields given: the event kinds, the description, or whether it is "
        "active (a paused endpoint receives nothing).",
    )
    def patch(self, request: Request, pk: int) -> Response:
        endpoint = self.endpoint(pk)
        data = EndpointChangeIn(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_update(endpoint_id=endpoint.pk, known_kinds=KINDS, **data.validated_data)
        return Response(EndpointOut(endpoint).data)


class EndpointRotate(WebhooksView):
    @extend_schema(
        tags=TAG,
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        operation_id="webhooks_rotate_secret",
        responses={200: SecretOut, **problems(WRITE_ERRORS)},
        summary="A new secret",
        description="Replaces the signing secret; the new one is returned in this answer only.",
    )
    def post(self, request: Request, pk: int) -> Response:
        endpoint = self.endpoint(pk)
        return idempotent(
            request, lambda: Response({"secret": webhook_secret_rotate(endpoint_id=endpoint.pk)[1]})
        )


class EndpointTest(WebhooksView):
    @extend_schema(
        tags=TAG,
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        operation_id="webhooks_send_test",
        responses={200: DeliveryOut, **problems(WRITE_ERRORS)},
        summary="Send a test event now",
        description="Sends a test event to the endpoint now; the answer is its delivery.",
    )
    def post(self, request: Request, pk: int) -> Response:
        endpoint, slug = self.endpoint(pk), request._request.tenant.slug
        return idempotent(
            request,
            lambda: Response(DeliveryOut(webhook_test_send(endpoint_id=endpoint.pk, tenant_slug=slug)).data),
        )


class EndpointDeliveries(WebhooksView):
    @extend_schema(
        tags=TAG,
        operation_id="webhooks_deliveries_list",
        responses={200: DeliveryOut(many=True), **problems(READ_ERRORS)},
        summary="The delivery log",
        description="The endpoint's newest deliveries: event, status, attempts and the last answer.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(DeliveryOut(webhook_deliveries(self.endpoint(pk).pk), many=True).data)
