from django.db import models


class ServiceVisit(models.Model):
    plate = models.CharField(max_length=12)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return self.plate
