from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    @property
    def websocket_urlpatterns(self) -> list:
        from django.urls import path

        from .consumers import LiveConsumer

        return [path("ws/live/", LiveConsumer.as_asgi())]
