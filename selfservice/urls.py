from django.urls import path

from selfservice import apis

urlpatterns = [
    path("encounters", apis.MyEncountersApi.as_view(), name="my-encounters"),
    path("data", apis.MyDataApi.as_view(), name="my-data"),
    path("device-lost", apis.MyDeviceReportLostApi.as_view(), name="my-device-report-lost"),
    path("export", apis.MyDataExportApi.as_view(), name="my-data-export"),
]
