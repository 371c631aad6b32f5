from django.urls import path

from desk import apis

urlpatterns = [
    path("people", apis.PersonSearchApi.as_view(), name="person-search"),
    path("people/<str:person_id>", apis.PersonStatusApi.as_view(), name="person-status"),
    path("devices/<str:device_id>", apis.DeviceStatusApi.as_view(), name="device-status"),
    path("assign", apis.DeviceAssignApi.as_view(), name="device-assign"),
    path("relinquish", apis.DeviceRelinquishApi.as_view(), name="device-relinquish"),
    path("swap", apis.DeviceSwapApi.as_view(), name="device-swap"),
    path("lost", apis.DeviceReportLostApi.as_view(), name="device-report-lost"),
    path("found", apis.DeviceMarkFoundApi.as_view(), name="device-mark-found"),
    path("return", apis.DeviceReturnToHolderApi.as_view(), name="device-return"),
    path("restock", apis.DeviceRestockApi.as_view(), name="device-restock"),
    path("broken", apis.DeviceMarkBrokenApi.as_view(), name="device-mark-broken"),
    path("retire", apis.DeviceRetireApi.as_view(), name="device-retire"),
]
