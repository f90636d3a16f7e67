"""The dealer's start page: the manufacturers' networks it serves."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.selectors import networks_of_dealer


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "dealers/home.html", {
        "networks": networks_of_dealer(request.tenant),
    })
