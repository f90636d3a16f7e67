from django.urls import path

from . import attachments, conversation, notes, techsupport, telephony, views, webhooks

urlpatterns = [
    path("work-orders/", views.WorkOrderList.as_view(), name="api-work-orders"),
    path("work-orders/<code:number>/", views.WorkOrderDetail.as_view(), name="api-work-order"),
    path("work-orders/<code:number>/callbacks/", views.RecordCallback.as_view()),
    path("work-orders/<code:number>/notes/", notes.WorkOrderNotes.as_view(), name="api-work-order-notes"),
    path("work-orders/<code:number>/owner-calls/", notes.WorkOrderOwnerCalls.as_view()),
    path("work-orders/<code:number>/attachments/", attachments.WorkOrderAttachments.as_view()),
    path("work-orders/<code:number>/attachments/<id:pk>/", attachments.WorkOrderAttachmentFile.as_view()),
    path("work-orders/<code:number>/messages/", conversation.WorkOrderMessages.as_view()),
    path("work-orders/<code:number>/verify/", views.Verify.as_view()),
    path("work-orders/<code:number>/tech-support/", techsupport.TechSupportList.as_view()),
    path(
        "work-orders/<code:number>/tech-support/<code:ticket>/answer/",
        techsupport.TechSupportAnswer.as_view(),
    ),
    path(
        "work-orders/<code:number>/tech-support/<code:ticket>/close/", techsupport.TechSupportClose.as_view()
    ),
    path("work-orders/<code:number>/reopen/", views.Reopen.as_view()),
    path("work-orders/<code:number>/cancel/", views.Cancel.as_view()),
    path("work-orders/<code:number>/reclassify/", views.Reclassify.as_view()),
    path("work-orders/<code:number>/upgrade-decision/", views.UpgradeDecision.as_view()),
    path("work-orders/<code:number>/review/", views.Review.as_view()),
    path("kpis/", views.Kpis.as_view(), name="api-kpis"),
    path("telephony/calls/", telephony.TelephonyCalls.as_view(), name="api-telephony-calls"),
    path("kpis/satisfaction/", views.Satisfaction.as_view(), name="api-kpis-satisfaction"),
    path("webhooks/", webhooks.EndpointList.as_view(), name="api-webhooks"),
    path("webhooks/<id:pk>/", webhooks.EndpointDetail.as_view(), name="api-webhook"),
    path("webhooks/<id:pk>/rotate-secret/", webhooks.EndpointRotate.as_view()),
    path("webhooks/<id:pk>/test/", webhooks.EndpointTest.as_view()),
    path("webhooks/<id:pk>/deliveries/", webhooks.EndpointDeliveries.as_view()),
]
