from django.urls import path

from cases import apis, cluster_apis

# /api/cases itself (the list, and opening one) is in proximeter/urls.py: no trailing slash.

urlpatterns = [
    path("<int:case_id>", apis.CaseDetailApi.as_view(), name="case-detail"),
    path("<int:case_id>/traces", apis.CaseTraceApi.as_view(), name="case-trace"),
    path("<int:case_id>/chain", apis.CaseChainApi.as_view(), name="case-chain"),
    path("clusters", cluster_apis.ClusterListApi.as_view(), name="case-clusters"),
    path(
        "clusters/<slug:key>/open", cluster_apis.ClusterOpenApi.as_view(), name="case-cluster-open"
    ),
    path("figures", apis.FiguresApi.as_view(), name="follow-up-figures"),
    path("follow-ups", apis.WorklistApi.as_view(), name="follow-ups"),
    path("follow-ups/export.csv", apis.WorklistExportApi.as_view(), name="follow-ups-export"),
    path("follow-ups/status", apis.FollowUpBulkStatusApi.as_view(), name="follow-ups-status"),
    path("follow-ups/notify/preview", apis.NotifyPreviewApi.as_view(), name="notify-preview"),
    path("follow-ups/notify", apis.NotifySendApi.as_view(), name="notify-send"),
    path("follow-ups/<int:follow_up_id>", apis.FollowUpDetailApi.as_view(), name="follow-up"),
    path(
        "follow-ups/<int:follow_up_id>/status",
        apis.FollowUpStatusApi.as_view(),
        name="follow-up-status",
    ),
    path(
        "follow-ups/<int:follow_up_id>/trace",
        apis.FollowUpTraceApi.as_view(),
        name="follow-up-trace",
    ),
]
