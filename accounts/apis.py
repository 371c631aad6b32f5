from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import AnySignedInPerson
from accounts.roles import roles_of
from frontend.pages import pages_for


class MeApi(APIView):
    """Who am I: the signed-in person's name, roles and the pages they may open."""

    permission_classes = [AnySignedInPerson]

    class OutputSerializer(serializers.Serializer):
        class PageSerializer(serializers.Serializer):
            slug = serializers.CharField()
            title = serializers.CharField()
            path = serializers.CharField()
            help = serializers.CharField()
            help_url = serializers.CharField()
            built = serializers.BooleanField()

        username = serializers.CharField()
        display_name = serializers.CharField()
        email = serializers.CharField()
        roles = serializers.ListField(child=serializers.CharField())
        is_staff = serializers.BooleanField()
        pages = PageSerializer(many=True)
        links = serializers.DictField(child=serializers.CharField(allow_null=True))

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        user = request.user
        data = {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "roles": sorted(role.value for role in roles_of(user)),
            "is_staff": user.is_staff,
            "pages": pages_for(user),
            "links": {
                "logout": reverse("account_logout"),
                "admin": reverse("admin:index") if user.is_staff else None,
                "privacy": settings.PRIVACY_NOTICE_URL,
                "help": "/help/",
            },
        }
        return Response(self.OutputSerializer(data).data)
