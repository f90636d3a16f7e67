from django.urls import path

from . import views

ONE = "work-orders/<str:manufacturer>/<str:number>/"

urlpatterns = [
    path("inbox/", views.Inbox.as_view(), name="api-inbox"),
    path(ONE, views.WorkOrderDetail.as_view(), name="api-dealer-work-order"),
    path(f"{ONE}contacts/", views.RecordContact.as_view()),
    path(f"{ONE}assignment/", views.Assign.as_view()),
    path(f"{ONE}notes/", views.AddNote.as_view()),
    path(f"{ONE}stock-check/", views.StockCheck.as_view()),
    path(f"{ONE}parts-requests/", views.RaisePartsRequest.as_view()),
    path(f"{ONE}parts-received/", views.ConfirmPartsReceived.as_view()),
    path(f"{ONE}resolve/", views.Resolve.as_view()),
    path(f"{ONE}extension-requests/", views.RequestExtension.as_view()),
    path(f"{ONE}transfer-requests/", views.RequestTransfer.as_view()),
]
