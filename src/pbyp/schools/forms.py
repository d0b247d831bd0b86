from django import forms

from pbyp.accounts.models import User
from pbyp.schools.models import Membership, PeriodKind, Role, School, TutorGroup, Year
from pbyp.schools.services import SETTING_LIMITS

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


def _limited(name: str, **kwargs) -> forms.IntegerField:
    low, high = SETTING_LIMITS[name]
    message = f"Choose a number from {low} to {high}."
    return forms.IntegerField(
        min_value=low,
        max_value=high,
        error_messages={"min_value": message, "max_value": message, "invalid": message},
        **kwargs,
    )


CONSENSUS_CHOICES = [
    (1, "1 learner decides. Suits primary schools, where fewer learners can assess each step."),
    (2, "2 learners decide, and a third settles it if they disagree. The usual choice."),
    (3, "3 learners decide. Slower, for work where an extra opinion matters."),
]


class SchoolSettingsForm(forms.Form):
    """Upload limits and the peer-assessment rules (SPEC §6). A number left empty goes back to
    the usual value."""

    UPLOADS = ("max_file_mb", "max_submission_mb")
    PEERS = (
        "peer_consensus",
        "peer_deadline_hours",
        "lease_hours",
        "spot_check_percent",
        "older_assess_younger",
        "in_network",
    )

    max_file_mb = _limited("max_file_mb", label="Largest file a learner can upload (MB)")
    max_submission_mb = _limited(
        "max_submission_mb", label="Largest total for one piece of evidence (MB)"
    )
    peer_consensus = forms.TypedChoiceField(
        choices=CONSENSUS_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        label="How many learners judge each piece of work",
        error_messages={"invalid_choice": "Choose 1, 2 or 3."},
    )
    peer_deadline_hours = _limited(
        "peer_deadline_hours",
        required=False,
        label="Hours learners have to take work before it goes to a teacher",
        help_text=(
            "Only school-day hours count: weekends and the holidays in your school calendar "
            "don't. 48 (the usual) is two school days. From 8 to 240."
        ),
    )
    lease_hours = _limited(
        "lease_hours",
        required=False,
        label="Hours a learner can keep work they took to assess",
        help_text=(
            "If they haven't decided by then, the work goes back for someone else to take. "
            "Usually 24. From 1 to 72."
        ),
    )
    spot_check_percent = _limited(
        "spot_check_percent",
        required=False,
        label="Share of learners' decisions a teacher checks again (%)",
        help_text=(
            "A teacher judges this share of decisions again, picked at random, to see how "
            "accurate learners are. Usually 10. 0 turns spot checks off."
        ),
    )
    older_assess_younger = forms.BooleanField(
        required=False,
        label="Secondary learners may also assess primary learners' work",
        help_text=(
            "For all-through schools. Otherwise primary learners assess primary work and "
            "secondary learners assess secondary work."
        ),
    )
    in_network = forms.BooleanField(
        required=False,
        label="Offer work to learners at other schools in the network",
        help_text=(
            "When nobody here can take a piece of work, learners at other network schools may "
            "assess it before it goes to a teacher. They never see names."
        ),
    )

    def clean(self):
        data = super().clean()
        for name in ("peer_consensus", "peer_deadline_hours", "lease_hours", "spot_check_percent"):
            if name in data and data[name] is None:
                data[name] = School._meta.get_field(name).default
        largest, total = data.get("max_file_mb"), data.get("max_submission_mb")
        if largest and total and total < largest:
            self.add_error("max_submission_mb", "This must be at least the largest file.")
        return data

    def uploads(self):
        return [self[name] for name in self.UPLOADS]

    def peers(self):
        return [self[name] for name in self.PEERS]


class DateField(forms.DateField):
    """A date picker that also accepts British typing (3/9/2026)."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    input_formats = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d %B %Y", "%d %b %Y"]
    default_error_messages = {
        "invalid": "Enter a date, for example 3/9/2026.",
        "required": "Choose a date.",
    }


class CalendarPeriodForm(forms.Form):
    kind = forms.ChoiceField(
        choices=PeriodKind.choices,
        widget=forms.RadioSelect,
        initial=PeriodKind.TERM,
        label="Term or holiday",
        help_text=(
            "Holidays are the days off inside a term: half-terms, INSET days, bank holidays. "
            "The breaks between terms need no holiday of their own."
        ),
        error_messages={"required": "Choose whether this is a term or a holiday."},
    )
    name = forms.CharField(
        max_length=60,
        help_text="For example “Autumn term” or “October half-term”.",
        error_messages={
            "required": "Give it a name, for example “Autumn term” or “October half-term”."
        },
    )
    starts_on = DateField(label="First day")
    ends_on = DateField(label="Last day", help_text="The last day is included.")


class FillYearForm(forms.Form):
    autumn_year = forms.TypedChoiceField(coerce=int, label="School year")

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["autumn_year"].choices = [(y, f"{y} to {y + 1}") for y in years]


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
