from django import forms

from pbyp.ladders.models import LEVELS
from pbyp.schools.models import Membership, TutorGroup, Year

LEVEL_CHOICES = [(n, f"Level {n}" if n else "No baseline (level 0)") for n in range(LEVELS + 1)]


class BaselineForm(forms.Form):
    WHO = [("year", "A whole year group"), ("group", "A tutor group"), ("learner", "One learner")]
    who = forms.ChoiceField(
        choices=WHO, widget=forms.RadioSelect, initial="year", label="Who starts at this level?"
    )
    year = forms.TypedChoiceField(
        choices=Year.choices, coerce=int, required=False, label="Year group"
    )
    group = forms.ModelChoiceField(
        queryset=TutorGroup.objects.none(), required=False, label="Tutor group"
    )
    learner = forms.ModelChoiceField(
        queryset=Membership.objects.none(), required=False, label="Learner"
    )
    ladder = forms.ChoiceField(choices=[], label="Which ladders?")
    level = forms.TypedChoiceField(choices=LEVEL_CHOICES, coerce=int, label="Starting level")

    def __init__(self, *args, school, ladders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = TutorGroup.objects.filter(school=school)
        learners = Membership.objects.learners().filter(school=school).select_related("user")
        self.fields["learner"].queryset = learners.order_by("user__last_name", "user__first_name")
        self.fields["learner"].label_from_instance = lambda m: (
            f"{m.user.last_name}, {m.user.first_name} ({m.year_name})"
        )
        self.fields["ladder"].choices = [("all", "Every ladder")] + [
            (str(lad.pk), lad.title) for lad in ladders
        ]
        self.ladders = {str(lad.pk): lad for lad in ladders}

    def clean(self):
        data = super().clean()
        who = data.get("who")
        if who and not data.get(who):
            self.add_error(who, "Choose one.")
        return data

    def chosen_ladders(self):
        choice = self.cleaned_data["ladder"]
        return list(self.ladders.values()) if choice == "all" else [self.ladders[choice]]

    def chosen_learners(self, school):
        who = self.cleaned_data["who"]
        learners = Membership.objects.learners().filter(school=school)
        if who == "year":
            return list(learners.filter(year=self.cleaned_data["year"]))
        if who == "group":
            return list(learners.filter(tutor_group=self.cleaned_data["group"]))
        return [self.cleaned_data["learner"]]


class StepForm(forms.Form):
    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="Plain words a learner can read."
    )
    early_years = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Early years and KS1 wording",
    )
    primary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Primary wording"
    )
    secondary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Secondary wording"
    )


class FrameworkForm(forms.Form):
    title = forms.CharField(max_length=200, label="Framework name")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class StrandForm(forms.Form):
    title = forms.CharField(max_length=200)
    code = forms.CharField(max_length=20, required=False, help_text="A short code such as TW.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    colour = forms.RegexField(
        regex=r"^#[0-9a-fA-F]{6}$",
        initial="#1d4ed8",
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text="Choose a dark colour: white writing goes on top of it.",
    )


class LadderForm(forms.Form):
    strand = forms.ModelChoiceField(queryset=None, empty_label=None)
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, version, with_steps: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strand"].queryset = version.strands.all()
        if with_steps:
            for level in range(1, LEVELS + 1):
                self.fields[f"step_{level}"] = forms.CharField(
                    label=f"Step {level}",
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 2}),
                    help_text="Step 1 is in the classroom; step 9 is national or world scale."
                    if level in (1, 9)
                    else "",
                )

    def statements(self) -> list[str]:
        return [self.cleaned_data.get(f"step_{level}", "") for level in range(1, LEVELS + 1)]


class UseFrameworksForm(forms.Form):
    frameworks = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, frameworks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["frameworks"].queryset = frameworks
