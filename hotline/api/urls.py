from django.urls import path

from . import views, webhooks

urlpatterns = [
    path("work-orders/", views.WorkOrderList.as_view(), name="api-work-orders"),
    path("work-orders/<str:number>/", views.WorkOrderDetail.as_view(), name="api-work-order"),
    path("work-orders/<str:number>/callbacks/", views.RecordCallback.as_view()),
    path("work-orders/<str:number>/verify/", views.Verify.as_view()),
    path("work-orders/<str:number>/reopen/", views.Reopen.as_view()),
    path("work-orders/<str:number>/cancel/", views.Cancel.as_view()),
    path("kpis/", views.Kpis.as_view(), name="api-kpis"),
    path("kpis/satisfaction/", views.Satisfaction.as_view(), name="api-kpis-satisfaction"),
    path("webhooks/", webhooks.EndpointList.as_view(), name="api-webhooks"),
    path("webhooks/<int:pk>/", webhooks.EndpointDetail.as_view(), name="api-webhook"),
    path("webhooks/<int:pk>/rotate-secret/", webhooks.EndpointRotate.as_view()),
    path("webhooks/<int:pk>/test/", webhooks.EndpointTest.as_view()),
    path("webhooks/<int:pk>/deliveries/", webhooks.EndpointDeliveries.as_view()),
]
