"""/api/v1/ on a dealer's host: the dealer's inbox across networks and every dealer action."""

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from .contract import SchemaView
from .problems import not_found_response

# The documentation pages style themselves inline and ReDoc runs workers from blob: URLs;
# their scripts are files (Swagger UI's split view), so script-src stays 'self'.
DOCS_CSP = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})
PUBLIC = {  # the contract is no secret
    "permission_classes": [AllowAny],
    "authentication_classes": [],
    "throttle_classes": [],
}

urlpatterns = [
    path("", include("dealers.api.urls")),
    path("schema/", SchemaView.as_view(urlconf="config.urls_dealer", **PUBLIC), name="api-schema"),
    path(
        "docs/",
        DOCS_CSP(SpectacularSwaggerSplitView.as_view(url_name="api-schema", **PUBLIC)),
        name="api-docs",
    ),
    path("redoc/", DOCS_CSP(SpectacularRedocView.as_view(url_name="api-schema", **PUBLIC)), name="api-redoc"),
    re_path(r"^[\s\S]*$", not_found_response),
]
