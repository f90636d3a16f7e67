from django.db import models


class ContactLog(models.Model):
    work_order_number = models.CharField(max_length=20, db_index=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
