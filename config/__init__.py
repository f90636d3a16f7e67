"""The Django project: settings, root URLconfs per tenant type, ASGI/WSGI, the Celery app.

Named ``config`` because a package named ``platform`` would shadow the standard library.
"""

from .celery import app as celery_app

__all__ = ["celery_app"]
