from django.contrib import admin

from suthra.core.admin import ReadOnlyAdmin
from suthra.imports.models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "status", "file_name", "created_by", "created_at"]
    list_filter = ["kind", "status"]
