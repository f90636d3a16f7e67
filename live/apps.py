from django.apps import AppConfig


class LiveConfig(AppConfig):
    """What happens after a commit: relayed to live sockets, notifications, webhooks and texts.

    No tables of its own: it reads the hotline schemas' event log and outbox.
    """

    name = "live"
    verbose_name = "Live updates"
