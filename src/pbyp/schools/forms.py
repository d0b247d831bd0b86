from django import forms

from pbyp.accounts.models import User
from pbyp.schools.models import Membership, Role, TutorGroup, Year

STAFF_ROLE_CHOICES = [(Role.TEACHER, "Teacher or tutor"), (Role.MANAGER, "School manager")]
LEARNER_YEARS = [(y.value, y.label) for y in Year]


class SchoolForm(forms.Form):
    name = forms.CharField(max_length=150, label="School name")
    manager_first_name = forms.CharField(max_length=150, label="Manager's first name")
    manager_last_name = forms.CharField(max_length=150, label="Manager's last name")
    manager_email = forms.EmailField(label="Manager's email address")


class StaffForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(
        label="Email address", help_text="We email them a link to choose a password."
    )
    roles = forms.MultipleChoiceField(
        choices=STAFF_ROLE_CHOICES, widget=forms.CheckboxSelectMultiple, initial=[Role.TEACHER]
    )


def _group_field(school, required=False):
    return forms.ModelChoiceField(
        queryset=TutorGroup.objects.filter(school=school),
        required=required,
        label="Tutor group",
        empty_label="No tutor group",
    )


class LearnerForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    year = forms.TypedChoiceField(choices=LEARNER_YEARS, coerce=int, label="Year group")
    tutor_group = forms.ModelChoiceField(queryset=TutorGroup.objects.none(), required=False)
    username = forms.CharField(
        max_length=40,
        required=False,
        help_text="Leave empty to make one from their name.",
    )
    parent_gallery_consent = forms.BooleanField(
        required=False,
        label="A parent or carer agreed that work this learner shares may appear in galleries",
        help_text="Needed for learners below Year 9, as well as the learner's own choice.",
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tutor_group"] = _group_field(school)


class SchoolSettingsForm(forms.Form):
    max_file_mb = forms.IntegerField(
        min_value=1, max_value=200, label="Largest file a learner can upload (MB)"
    )
    max_submission_mb = forms.IntegerField(
        min_value=1, max_value=500, label="Largest total for one piece of evidence (MB)"
    )

    def clean(self):
        data = super().clean()
        largest, total = data.get("max_file_mb"), data.get("max_submission_mb")
        if largest and total and total < largest:
            self.add_error("max_submission_mb", "This must be at least the largest file.")
        return data


class TutorGroupForm(forms.Form):
    name = forms.CharField(max_length=40, help_text="For example 7B or 10 Oak.")
    year = forms.TypedChoiceField(
        choices=[("", "Mixed years")] + LEARNER_YEARS, coerce=int, required=False, empty_value=None
    )
    tutor = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="No tutor yet"
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        staff = Membership.objects.staff().filter(school=school).values("user")
        self.fields["tutor"].queryset = User.objects.filter(pk__in=staff).order_by(
            "last_name", "first_name"
        )


class ParentLinkForm(forms.Form):
    learner = forms.ModelChoiceField(queryset=Membership.objects.none(), label="Learner")
    first_name = forms.CharField(max_length=150, label="Parent's first name")
    last_name = forms.CharField(max_length=150, label="Parent's last name")
    email = forms.EmailField(
        label="Parent's email address",
        help_text="If they already have a PbyP account, we link that account.",
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        learners = Membership.objects.learners().filter(school=school).select_related("user")
        self.fields["learner"].queryset = learners.order_by("user__last_name", "user__first_name")
        self.fields["learner"].label_from_instance = lambda m: (
            f"{m.user.last_name}, {m.user.first_name} ({m.year_name})"
        )


def apply_errors(form: forms.Form, error) -> None:
    """Put a service's ValidationError on the form, field by field, keeping what was typed."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
