"""Under a hotline's work order (/api/v1/work-orders/<number>/): its parts progress."""

from django.urls import path

from . import views

urlpatterns = [
    path("parts-requests/", views.WorkOrderPartsRequests.as_view(), name="api-work-order-parts-requests"),
]
