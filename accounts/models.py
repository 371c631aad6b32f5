from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A portal account (default database).

    `person_id` is the organisation's person number as the identity provider
    states it; it is what MY DATA is about, and it never comes from a request.
    """

    person_id = models.CharField(
        max_length=32,
        blank=True,
        db_index=True,
        help_text="The organisation's person number, from the identity provider's claims.",
    )

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
