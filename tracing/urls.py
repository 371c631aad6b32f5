from django.urls import path

from tracing import apis

urlpatterns = [
    path("people", apis.TracePeopleSearchApi.as_view(), name="trace-people"),
    path("traces/<int:trace_id>", apis.TraceDetailApi.as_view(), name="trace-detail"),
    path("traces/<int:trace_id>/what-if", apis.TraceWhatIfApi.as_view(), name="trace-what-if"),
    path("traces/<int:trace_id>/export.csv", apis.TraceExportApi.as_view(), name="trace-export"),
]
