from django.urls import path

from . import views

urlpatterns = [
    path("parts-requests/", views.PartsRequestList.as_view(), name="api-parts-requests"),
    path("parts-requests/<code:number>/", views.PartsRequestDetail.as_view(), name="api-parts-request"),
    path("parts-requests/<code:number>/acknowledge/", views.Acknowledge.as_view()),
    path("parts-requests/<code:number>/lines/<id:line_no>/allocate/", views.Allocate.as_view()),
    path("parts-requests/<code:number>/lines/<id:line_no>/back-order/", views.BackOrder.as_view()),
    path("parts-requests/<code:number>/lines/<id:line_no>/reject/", views.Reject.as_view()),
    path("parts-requests/<code:number>/shipments/", views.Ship.as_view()),
    path("parts-requests/<code:number>/delivered/", views.Delivered.as_view()),
]
