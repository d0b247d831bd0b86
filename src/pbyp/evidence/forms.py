from django import forms

from pbyp.evidence.models import Context, Outcome, Status

ACCEPT = "image/*,audio/*,video/*,.pdf,.docx,.odt,.pptx,.heic,.heif"


class EvidenceForm(forms.Form):
    reflection = forms.CharField(
        label="What did you do? How does it show the step?",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="A few sentences are enough.",
        max_length=5000,
        error_messages={"required": "Tell us what you did and how it shows the step."},
    )
    context = forms.ChoiceField(
        label="Where did you do it?",
        choices=Context.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose where you did it."},
    )
    text = forms.CharField(
        label="Writing (if your evidence is words)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=20000,
    )
    links = forms.CharField(
        label="Links (one on each line)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="For example a video your club put online.",
        max_length=3000,
    )
    share_in_gallery = forms.BooleanField(
        label="Share my work in the gallery so other learners can get ideas from it",
        required=False,
        help_text="Only people at your school see it, with your first name and initial. "
        "You can change your mind later.",
    )

    def clean_links(self):
        lines = [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]
        validate = forms.URLField(assume_scheme="https").clean
        try:
            return [validate(line) for line in lines]
        except forms.ValidationError:
            raise forms.ValidationError(
                "Each line should be a web address, like https://example.org/my-video"
            ) from None


STARTERS_WELL = ["You clearly…", "I liked how you…", "Your evidence shows…"]
STARTERS_BETTER = ["Next time, try…", "It would be even better if…", "You could add…"]


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        label="Does the work meet the statement?",
        error_messages={"required": "Choose “meets the statement” or “not yet”."},
    )
    went_well = forms.CharField(
        label="What went well",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Say what went well."},
    )
    even_better_if = forms.CharField(
        label="Even better if",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Say what would make it even better."},
    )


class PortfolioFilter(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any")] + [c for c in Status.choices if c[0] != Status.SUPERSEDED],
        required=False,
    )
