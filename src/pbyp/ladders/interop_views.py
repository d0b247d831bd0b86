"""Manager pages to move frameworks in and out: CASE JSON and CSV downloads, and the import form.

Frameworks are reached only through access_framework (404 for another school's), and imports go
through the case/csvio importers, which call the framework_import service (atomic: a refused file
leaves nothing behind)."""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from pbyp.core.forms import save_once
from pbyp.ladders.access import access_framework
from pbyp.ladders.case import MAX_BYTES, export_case, import_case_file, version_for_export
from pbyp.ladders.csvio import export_csv, import_csv_file
from pbyp.schools.access import manager_required

FORMATS = [
    ("case", "CASE JSON (a .json file from PbyP or another CASE tool, such as OpenSALT)"),
    ("csv", "CSV spreadsheet (a .csv file, one row per step)"),
]


class FrameworkImportForm(forms.Form):
    file = forms.FileField(
        label="Framework file",
        widget=forms.FileInput(attrs={"accept": ".json,.csv,application/json,text/csv"}),
        help_text=f"A .json or .csv file, up to {MAX_BYTES // 1024 // 1024} MB.",
    )
    format = forms.ChoiceField(
        choices=FORMATS, widget=forms.RadioSelect, initial="case", label="What kind of file is it?"
    )
    publish = forms.BooleanField(
        required=False,
        label="Publish straight away",
        help_text=(
            "Learners see it at once. Only for complete frameworks (every ladder has 9 steps) in "
            "PbyP's own CASE format or in CSV. Frameworks from other tools arrive as drafts."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB: the largest file we can import "
                f"is {MAX_BYTES // 1024 // 1024} MB."
            )
        return upload


def _version(request, framework):
    version = version_for_export(framework, draft=request.GET.get("version") == "draft")
    if version is None:
        raise Http404
    version.framework = framework
    return version


def _download(body: str, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _filename(version, suffix: str) -> str:
    """A safe file name: the slug (letters, digits, hyphens) and the version number."""
    base = slugify(version.framework.slug)[:60] or "framework"
    draft = "-draft" if version.is_draft else ""
    return f"{base}-v{version.number}{draft}.{suffix}"


@manager_required
@require_safe
def framework_export_case(request, framework_id):
    framework = access_framework(request.ctx, framework_id)
    version = _version(request, framework)
    body = json.dumps(export_case(version), indent=2, ensure_ascii=False)
    return _download(
        body, content_type="application/json", filename=_filename(version, "case.json")
    )


@manager_required
@require_safe
def framework_export_csv(request, framework_id):
    framework = access_framework(request.ctx, framework_id)
    version = _version(request, framework)
    # A byte-order mark first, so Excel reads the file as UTF-8 (import accepts it).
    return _download(
        "\ufeff" + export_csv(version), content_type="text/csv", filename=_filename(version, "csv")
    )


@manager_required
@save_once
def framework_import(request):
    posted = request.method == "POST"
    form = FrameworkImportForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        upload, kind = form.cleaned_data["file"], form.cleaned_data["format"]
        importer = import_case_file if kind == "case" else import_csv_file
        try:
            version, report = importer(
                school=request.ctx.school,
                data=upload.read(MAX_BYTES + 1),
                by=request.user,
                publish=form.cleaned_data["publish"],
            )
        except ValidationError as error:
            problems = list(error.messages)
            name = (upload.name or "").lower()
            other = {"case": (".csv", "CSV"), "csv": (".json", "CASE JSON")}[kind]
            if name.endswith(other[0]):
                problems.append(
                    f"The file name ends in {other[0]}: if it is a {other[1]} file, choose "
                    f"“{other[1]}” and import it again."
                )
            form.add_error(None, problems)
        else:
            state = "published" if version.status == "published" else "a draft"
            messages.success(
                request,
                f"Imported “{version.title}” as {state}."
                + ("" if version.status == "published" else " Check it, then publish it."),
            )
            for line in report:
                messages.info(request, line)
            return redirect(reverse("framework_detail", args=[version.framework_id]))
    # Every problem, listed together above the form (the file's own also sit beside its field).
    problems = [problem for errors in form.errors.values() for problem in errors]
    return render(request, "ladders/framework_import.html", {"form": form, "problems": problems})
