from django.apps import AppConfig


class PartsTicketsConfig(AppConfig):
    name = "parts_tickets"
    verbose_name = "Parts-support requests"
