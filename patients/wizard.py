"""The restaging wizard: a relapse assessment in steps, then the classification review, then the recommendation.

Each step is saved into the draft restaging as soon as it validates, so a half-finished restaging is a draft
that can be resumed at any step. The review step shows the engine's classification of the case built from the
records; confirming it completes the restaging (one service call) and opens the recommendation page. There the
clinician may record a different reading of the relapse type, relapse nature, risk or frailty, with a reason: it is
recorded for the tumour board and never given to the engine.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from formtools.wizard.views import NamedUrlSessionWizardView

from patients import forms, selectors, services, versions
from patients.models import Restaging

# The largest id a BigAutoField gives (DEFAULT_AUTO_FIELD); an address with a larger one names nothing.
LARGEST_ID = 2**63 - 1

# (step name, title, form) in order; the last step is the classification review.
STEPS = [
    ("markers", "Markers and labs", forms.MarkersForm),
    ("marrow", "Marrow and cytogenetics", forms.MarrowForm),
    ("imaging", "Imaging and circulating cells", forms.ImagingForm),
    ("fitness", "Fitness", forms.FitnessForm),
    ("organs", "Neuropathy, renal, cardiac, VTE", forms.OrgansForm),
    ("preferences", "Preferences", forms.PreferencesForm),
    ("review", "Classification review", forms.ReviewForm),
]
TITLES = {name: title for name, title, _ in STEPS}

# Where a problem the engine reports (by case field path) is corrected.
FIELD_STEPS = [
    ("restaging.cytogenetics", "marrow"),
    ("restaging.bone_marrow", "marrow"),
    ("restaging.circulating", "imaging"),
    ("restaging.new_bone", "imaging"),
    ("restaging.existing_lesion", "imaging"),
    ("restaging.plasmacytoma", "imaging"),
    ("restaging.hyperviscosity", "imaging"),
    ("restaging.crab", "imaging"),
    ("restaging.ecog", "fitness"),
    ("restaging.charlson", "fitness"),
    ("restaging.adl", "fitness"),
    ("restaging.iadl", "fitness"),
    ("patient.age_years", "fitness"),
    ("restaging.peripheral", "organs"),
    ("restaging.neuropathic", "organs"),
    ("restaging.on_dialysis", "organs"),
    ("restaging.cardiac", "organs"),
    ("restaging.vte", "organs"),
    ("restaging.corneal", "organs"),
    ("preferences", "preferences"),
    ("restaging", "markers"),
]

# Classification topics on the review step: (title, result key, basis rule prefixes).
REVIEW_TOPICS = [
    ("Relapse type", "relapse_type", ("relapse.type", "relapse.confirmation")),
    ("Relapse nature", "relapse_nature", ("relapse.nature",)),
    ("Refractory to", "refractory_drugs", ("refractory.", "class.")),
    ("Risk", "risk", ("risk.",)),
    ("Frailty", "frailty", ("frailty.",)),
    ("Creatinine clearance (mL/min)", "creatinine_clearance_ml_min", ("renal.",)),
    ("Plasma cell leukemia and extramedullary disease", "plasma_cell_leukemia", ("pcl.", "emd.")),
    ("Salvage autologous transplant", "salvage_asct_candidate", ("asct.",)),
    ("Setting", "setting", ("setting.",)),
]


def step_for_field(field: str) -> str | None:
    for prefix, step in FIELD_STEPS:
        if field.startswith(prefix):
            return step
    return None


def _shown(value):
    return (", ".join(value) or "none") if isinstance(value, list) else value


def review_topics(classification: dict) -> list[dict]:
    return [
        {
            "title": title,
            "key": key,
            "value": _shown(classification.get(key)),
            "basis": [b for b in classification["basis"] if b["rule"].startswith(prefixes)],
        }
        for title, key, prefixes in REVIEW_TOPICS
    ]


class RestagingWizard(PermissionRequiredMixin, NamedUrlSessionWizardView):
    form_list = [(name, form) for name, _, form in STEPS]
    template_name = "patients/restaging_wizard.html"
    permission_required = ("patients.change_restaging",)
    raise_exception = True

    def dispatch(self, request, *args, **kwargs):
        # The permission first: a user who may not change restagings gets the same answer for an id that
        # exists and one that does not, so the wizard's address cannot be used to probe which ids exist.
        # A patient outside the user's care teams answers 404, as one that does not exist.
        if not self.has_permission():
            return self.handle_no_permission()
        try:
            if max(kwargs["pk"], kwargs["restaging_pk"]) > LARGEST_ID:
                raise Restaging.DoesNotExist  # SQLite cannot even compare a column with such a number
            self.restaging = selectors.restaging_with_patient(kwargs["pk"], kwargs["restaging_pk"], user=request.user)
        except Restaging.DoesNotExist:
            raise Http404("No such restaging for this patient.") from None
        self.patient = self.restaging.patient
        if not self.restaging.is_draft:
            return redirect("patients:restaging", self.patient.pk, self.restaging.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_step_url(self, step):
        return reverse(self.url_name, args=[self.patient.pk, self.restaging.pk, step])

    def get_prefix(self, request, *args, **kwargs):
        return f"restaging_wizard_{kwargs['restaging_pk']}"  # one wizard state per draft

    def get_form_instance(self, step):
        return self.restaging

    def get_form_kwargs(self, step=None):
        kwargs = {"patient": self.patient}
        if step == "review":
            answer = self._answer()
            # A plain form: formtools gives instances to model forms only. The draft carries the version confirmed.
            kwargs["instance"] = self.restaging
            kwargs["case_errors"] = answer.errors
            kwargs["classification"] = answer.result["classification"] if answer.result else None
        return kwargs

    def _answer(self) -> services.EngineAnswer:
        if not hasattr(self, "_engine_answer"):
            self._engine_answer = services.recommendation_for(self.patient, self.restaging)
        return self._engine_answer

    def get_form(self, step=None, data=None, files=None):
        if data is not None and self.request.method == "GET":
            # A step shown again from what this session saved of it: data saved before steps carried the draft's
            # version is shown with the version read now.
            key = f"{step or self.steps.current}-version"
            if not data.get(key):
                data = data.copy()
                data[key] = str(self.restaging.version)
        return super().get_form(step=step, data=data, files=files)

    def post(self, *args, **kwargs):
        try:
            return self._post(*args, **kwargs)
        except versions.StaleRecord as exc:
            return self._refused(exc.notice)

    def _refused(self, notice: versions.StaleNotice):
        """The draft was saved by someone else meanwhile: the step again, with what was typed, the notice, and
        the current version (saving again is then deliberate)."""
        form = self._saving_form
        versions.carry_current(form, notice.current)
        self.restaging.refresh_from_db()
        self.__dict__.pop("_engine_answer", None)
        response = self.render(form, stale=notice)
        response.status_code = 409
        return response

    def _post(self, *args, **kwargs):
        """Leaving a step (back, another step, save draft) first saves what it holds, when it validates."""
        posted_step = self.request.POST.get(f"{self.prefix}-current_step")
        if posted_step in TITLES:
            self.storage.current_step = posted_step
        goto = self.request.POST.get("wizard_goto_step")
        leave = "save_draft" in self.request.POST
        if (goto or leave) and self.steps.current != "review":
            form = self.get_form(data=self.request.POST, files=self.request.FILES)
            if not form.is_valid():
                return self.render(form)
            self.storage.set_step_data(self.steps.current, self.process_step(form))
            if leave:
                messages.success(self.request, "Draft saved: resume it from the patient page.")
                return redirect(self.patient)
        return super().post(*args, **kwargs)

    def process_step(self, form):
        if self.steps.current != "review":
            self._saving_form = form
            services.restaging_save(
                restaging=self.restaging, data=form.record_data(), by=self.request.user, based_on=form.based_on
            )
            # The step as this session saved it, at the version that save made (shown if the step is opened again).
            data = form.data.copy()
            data[form.add_prefix("version")] = str(self.restaging.version)
            return data
        return super().process_step(form)

    def render_done(self, form, **kwargs):
        # Every step was validated and saved to the draft when it was submitted; only the confirmation is left.
        if kwargs.get("step") != self.done_step_name:
            return redirect(self.get_step_url(self.done_step_name))
        if not form.is_valid():
            return self.render_revalidation_failure(self.steps.last, form, **kwargs)
        return self.done([form], **kwargs)

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        current = self.steps.current
        context.update(
            patient=self.patient,
            restaging=self.restaging,
            steps=[{"name": name, "title": title, "current": name == current} for name, title, _ in STEPS],
            step_title=TITLES[current],
        )
        if current == "review":
            answer = self._answer()
            context["answer"] = answer
            context["errors"] = [
                {
                    "field": field,
                    "message": message,
                    "words": services.problem_in_words(field),
                    "step": step_for_field(field),
                }
                for field, message in answer.errors
            ]
            if answer.result:
                context["topics"] = review_topics(answer.result["classification"])
                context["classification"] = answer.result["classification"]
                context["warnings"] = answer.result["warnings"]
                # The clinician's different readings: as typed (also beside errors), else as recorded.
                context["overrides"] = form.readings() if form.is_bound else self.restaging.classification_overrides
        elif current == "fitness":
            context.update(forms.FITNESS_CHECKLISTS)

        return context

    def done(self, form_list, **kwargs):
        review = self._saving_form = form_list[0]
        try:
            services.restaging_complete(
                restaging=self.restaging,
                by=self.request.user,
                classification_overrides=review.overrides(),
                based_on=review.cleaned_data["version"],
            )
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
        self.storage.reset()
        return HttpResponseRedirect(reverse("patients:restaging", args=[self.patient.pk, self.restaging.pk]))
