from django.urls import path

from retention import apis

urlpatterns = [
    path("decommission", apis.DecommissionListCreateApi.as_view(), name="decommission"),
    path(
        "decommission/<int:decommission_id>/approve",
        apis.DecommissionApproveApi.as_view(),
        name="decommission-approve",
    ),
]
