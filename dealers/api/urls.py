from django.urls import path

from ..actions import DEALER_ACTIONS
from . import attachments, views

ONE = "work-orders/<code:manufacturer>/<code:number>/"

urlpatterns = [
    path("inbox/", views.Inbox.as_view(), name="api-inbox"),
    path("root-causes/<code:manufacturer>/", views.RootCauses.as_view(), name="api-dealer-root-causes"),
    path(ONE, views.WorkOrderDetail.as_view(), name="api-dealer-work-order"),
    path(f"{ONE}attachments/", attachments.WorkOrderAttachments.as_view()),
    path(f"{ONE}attachments/<id:pk>/", attachments.WorkOrderAttachmentFile.as_view()),
    path(f"{ONE}messages/", views.WorkOrderMessages.as_view(), name="api-dealer-work-order-messages"),
    *[
        path(f"{ONE}{action.api_path}/", views.action_view(action).as_view())
        for action in DEALER_ACTIONS.values()
    ],
]
