"""/api/v1/ on a manufacturer's hotline host: the hotline's and the parts centres' API."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from .problems import not_found_response

PUBLIC = {  # the contract is no secret
    "permission_classes": [AllowAny],
    "authentication_classes": [],
    "throttle_classes": [],
}

urlpatterns = [
    path("", include("hotline.api.urls")),
    path("parts-centre/", include("parts_tickets.api.urls")),
    path("schema/", SpectacularAPIView.as_view(urlconf="config.urls_hotline", **PUBLIC), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema", **PUBLIC), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema", **PUBLIC), name="api-redoc"),
    re_path(r"^[\s\S]*$", not_found_response),
]
