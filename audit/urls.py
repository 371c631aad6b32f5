from django.urls import path

from audit import apis

urlpatterns = [
    path("entries", apis.AuditEntryListApi.as_view(), name="audit-entries"),
    path("digest", apis.AuditDigestApi.as_view(), name="audit-digest"),
]
