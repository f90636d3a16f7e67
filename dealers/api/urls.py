from django.urls import path

from ..actions import DEALER_ACTIONS
from . import views

ONE = "work-orders/<code:manufacturer>/<code:number>/"

urlpatterns = [
    path("inbox/", views.Inbox.as_view(), name="api-inbox"),
    path("root-causes/<code:manufacturer>/", views.RootCauses.as_view(), name="api-dealer-root-causes"),
    path(ONE, views.WorkOrderDetail.as_view(), name="api-dealer-work-order"),
    *[
        path(f"{ONE}{action.api_path}/", views.action_view(action).as_view())
        for action in DEALER_ACTIONS.values()
    ],
]
