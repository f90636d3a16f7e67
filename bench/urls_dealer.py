from config.urls_dealer import urlpatterns as base

from .urls_bench import urlpatterns as bench

urlpatterns = [*bench, *base]
