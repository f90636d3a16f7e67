from django.apps import AppConfig


class LiveConfig(AppConfig):
    """What happens after a commit: relayed to live sockets, notifications, webhooks and texts.

    No tables of its own: it reads the hotline schemas' event log and outbox.
    """

    name = "live"
    verbose_name = "Live updates"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from .signout import close_session_sockets

        user_logged_out.connect(close_session_sockets, dispatch_uid="live.close_session_sockets")
