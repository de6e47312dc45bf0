"""factory_boy factories shared by the tests.

Care teams (careteams.access): a user made with the clinician role joins the default test clinical team, one made
with the board-member role the tumour board that team refers its cases to, and every PatientFactory patient joins
that clinical team. So the tests' clinicians see the tests' patients, and board members see them once a case is
submitted, by the rule itself; a test of the rule makes users or patients outside these teams.
"""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=extracted))
            clinic = default_clinical_team()
            if "clinician" in extracted:
                clinic.members.add(self)
            if "board member" in extracted:
                clinic.refers_to.members.add(self)
        if create:
            self.save()


DEFAULT_CLINICAL_TEAM = "Test myeloma clinic"
DEFAULT_BOARD_TEAM = "Test tumour board"


def default_clinical_team():
    """The clinical team of the tests' clinicians and patients, referring its cases to the test tumour board."""
    from careteams.models import CareTeam, TeamKind

    board, _ = CareTeam.objects.get_or_create(name=DEFAULT_BOARD_TEAM, defaults={"kind": TeamKind.TUMOUR_BOARD})
    clinic, _ = CareTeam.objects.get_or_create(
        name=DEFAULT_CLINICAL_TEAM, defaults={"kind": TeamKind.CLINICAL, "refers_to": board}
    )
    return clinic
