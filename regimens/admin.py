"""Catalog editing for pharmacists and lead clinicians. Every save or delete stamps a new catalog release."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from myeloma_cds.admin_history import HistoryAdmin
from regimens import models as m
from regimens.services import release_create

REASON_LABEL = "Reason for this change"
REASON_HELP = "Shown in the catalog's release history with your name and the time."


class ChangeReasonForm(forms.ModelForm):
    """Every change to the catalog gives its reason; the release it makes keeps it with who and when."""

    change_reason = forms.CharField(label=REASON_LABEL, max_length=200, help_text=REASON_HELP)


class ReleaseOnChangeMixin:
    """Saves and deletions made in the admin each end in one new catalog release, noting the editor's reason."""

    def _release(self, request, note: str) -> None:
        release = release_create(by=request.user, note=note, origin=m.ReleaseOrigin.ADMIN)
        if release is not None:
            messages.info(request, f"Catalog release {release.label} is now in force.")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        verb = "changed" if change else "added"
        reason = form.cleaned_data.get("change_reason", "").strip()
        self._release(request, f"{reason} ({self.model._meta.verbose_name} {form.instance} {verb} in the admin)")

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "POST" and request.POST.get("post") and not request.POST.get("change_reason", "").strip():
            messages.error(request, "Give the reason for this change before deleting.")
            return HttpResponseRedirect(request.path)
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        label = str(obj)
        super().delete_model(request, obj)
        reason = request.POST.get("change_reason", "").strip()
        self._release(request, f"{reason} ({self.model._meta.verbose_name} {label} deleted in the admin)")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletions go one by one, each with its reason
        return actions


class CatalogEditorAdmin(ReleaseOnChangeMixin, HistoryAdmin):
    """Only catalog editors (via model permissions) and superusers may change anything."""

    form = ChangeReasonForm


class ComponentFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        drugs, active = set(), 0
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            drug = form.cleaned_data["drug"]
            if drug in drugs:
                raise ValidationError(f"{drug} is listed twice: each drug appears once in a regimen.")
            drugs.add(drug)
            active += form.cleaned_data["role"] == m.Role.ACTIVE
        regimen = self.instance
        if regimen.kind == m.RegimenKind.REGIMEN and active == 0:
            raise ValidationError("A regimen needs at least one active component.")


class PreferenceForm(forms.ModelForm):
    """A pathway entry, edited from its pathway or from its regimen; a taken rank names its holder."""

    class Meta:
        model = m.SettingPreference
        fields = ["pathway", "regimen", "setting", "fitness", "rank", "tier", "note", "note_applies_if"]

    def clean(self):
        data = super().clean()
        self._rank_taken = False
        pathway = data.get("pathway") or getattr(self.instance, "pathway", None)
        regimen = data.get("regimen") or getattr(self.instance, "regimen", None)
        if pathway is not None and regimen is not None and {"setting", "fitness", "rank"} <= data.keys():
            other = (
                m.SettingPreference.objects.filter(
                    pathway=pathway, setting=data["setting"], fitness=data["fitness"], rank=data["rank"]
                )
                .exclude(regimen=regimen)
                .select_related("regimen")
                .first()
            )
            if other is not None:
                self._rank_taken = True
                self.add_error(
                    "rank",
                    f"Rank {other.rank} in {other.get_setting_display()} ({other.fitness}) of {pathway.title} is "
                    f"already taken by {other.regimen.code}. Choose a free rank, or move {other.regimen.code} first.",
                )
        return data

    def validate_unique(self):
        if not getattr(self, "_rank_taken", False):  # the clearer message above says it already
            super().validate_unique()


class PreferenceFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        seen: set[tuple] = set()
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            pathway = data.get("pathway") or self.instance
            regimen = data.get("regimen") or self.instance
            key = (pathway, regimen, data["setting"], data["fitness"])
            if key in seen:
                raise ValidationError(
                    f"{regimen} is listed twice in {data['setting']} ({data['fitness']}) of {pathway}."
                )
            seen.add(key)


class ComponentInline(admin.TabularInline):
    model = m.RegimenComponent
    formset = ComponentFormSet
    extra = 0
    autocomplete_fields = ["drug"]
    fields = ["position", "drug", "role"]


class LabelInline(admin.StackedInline):
    model = m.RegimenLabel
    extra = 0
    autocomplete_fields = ["classes_exposed", "drugs_exposed", "drugs_refractory", "classes_refractory"]
    fields = [
        ("jurisdiction", "status", "date"),
        ("min_prior_lines", "max_prior_lines", "progression_on_last_line"),
        ("classes_exposed", "drugs_exposed"),
        ("classes_refractory", "drugs_refractory"),
        "text",
    ]


class PreferenceInline(admin.TabularInline):
    """The regimen's places in every pathway."""

    model = m.SettingPreference
    form = PreferenceForm
    formset = PreferenceFormSet
    extra = 0
    verbose_name_plural = "places in the pathways"
    fields = ["pathway", "setting", "fitness", "rank", "tier", "note", "note_applies_if"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("pathway")


class PathwayEntryInline(admin.TabularInline):
    """A pathway's entries: which regimen sits where, with the note saying why."""

    model = m.SettingPreference
    form = PreferenceForm
    formset = PreferenceFormSet
    extra = 0
    autocomplete_fields = ["regimen"]
    fields = ["setting", "fitness", "rank", "tier", "regimen", "note", "note_applies_if"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("regimen")


class CautionInline(admin.TabularInline):
    model = m.RegimenCaution
    extra = 0
    fields = ["code", "text", "applies_if"]


class TrialInline(admin.StackedInline):
    model = m.Trial
    extra = 0
    classes = ["collapse"]
    show_change_link = True
    fields = [
        ("position", "name", "registry_id"),
        ("phase", "comparator", "n_randomized"),
        "population",
        ("citation", "verification"),
        ("pubmed_id", "doi"),
        "key_exclusions",
    ]


class OutcomeInline(admin.StackedInline):
    """Each published figure with its own analysis, HR, CI and source, so a row is never split apart."""

    model = m.Outcome
    extra = 0
    classes = ["collapse"]
    fields = [
        ("trial", "metric", "unit"),
        "analysis",
        ("experimental", "control", "p"),
        ("hr", "ci_low", "ci_high", "ci_level"),
        ("verification", "source"),
        ("subgroup", "published"),
        "note",
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "trial":
            # Only this regimen's trials. The regimen comes from the request: admin instances are shared
            # between requests, so nothing per request may be kept on `self`.
            regimen_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            trials = m.Trial.objects.filter(regimen_id=regimen_id) if regimen_id else m.Trial.objects.none()
            kwargs["queryset"] = trials
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ToxicityInline(admin.TabularInline):
    model = m.Toxicity
    extra = 0
    classes = ["collapse"]
    fields = ["position", "text", "verification", "source"]


class RegulatoryInline(admin.TabularInline):
    model = m.RegulatoryEvent
    extra = 0
    classes = ["collapse"]
    fields = ["position", "agency", "date", "event", "verification", "source"]


class SettingFilter(admin.SimpleListFilter):
    title = "setting"
    parameter_name = "setting"

    def lookups(self, request, model_admin):
        return m.Setting.choices

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(preferences__setting=self.value(), preferences__pathway__active=True).distinct()


class TierFilter(admin.SimpleListFilter):
    title = "tier"
    parameter_name = "tier"

    def lookups(self, request, model_admin):
        return m.Tier.choices

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(preferences__tier=self.value(), preferences__pathway__active=True).distinct()


class DrugClassFilter(admin.SimpleListFilter):
    title = "drug class"
    parameter_name = "drug_class"

    def lookups(self, request, model_admin):
        return [(c.code, c.code) for c in m.DrugClass.objects.order_by("code")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(components__drug__drug_class__code=self.value()).distinct()


@admin.register(m.Regimen)
class RegimenAdmin(CatalogEditorAdmin):
    list_display = ["code", "name", "class_list", "setting_list", "tier_list", "active", "last_change"]
    list_filter = [SettingFilter, DrugClassFilter, TierFilter, "active", "kind"]
    search_fields = ["code", "name", "components__drug__name", "trials__name"]
    search_help_text = "Search by code, name, drug or trial."
    ordering = ["code"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["change_reason"]}),
        (None, {"fields": [("code", "kind", "active"), "name", "description"]}),
        (
            "Rules the engine applies",
            {
                "fields": [
                    ("all_oral", "intensive", "exempt_from_two_drug_rule"),
                    ("requires_cytogenetic", "off_label_by_design"),
                    ("carfilzomib_twice_weekly", "multi_agent_chemotherapy", "high_dose_dexamethasone"),
                ]
            },
        ),
    ]
    inlines = [
        ComponentInline,
        LabelInline,
        PreferenceInline,
        CautionInline,
        TrialInline,
        OutcomeInline,
        ToxicityInline,
        RegulatoryInline,
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("components", queryset=m.RegimenComponent.objects.select_related("drug__drug_class")),
                Prefetch("preferences", queryset=m.SettingPreference.objects.filter(pathway__active=True)),
            )
        )

    @admin.display(description="classes")
    def class_list(self, obj: m.Regimen) -> str:
        codes = []
        for comp in obj.components.all():
            if comp.role == m.Role.ACTIVE and comp.drug.drug_class.code not in codes:
                codes.append(comp.drug.drug_class.code)
        return ", ".join(codes)

    @admin.display(description="settings in the active pathway (rank)")
    def setting_list(self, obj: m.Regimen) -> str:
        return format_html_join(
            mark_safe("<br>"),
            "{} #{}",
            (
                (p.get_setting_display() + ("" if p.fitness == "any" else f", {p.fitness}"), p.rank)
                for p in obj.preferences.all()
            ),
        )

    @admin.display(description="tier")
    def tier_list(self, obj: m.Regimen) -> str:
        return ", ".join(sorted({p.tier for p in obj.preferences.all()}))

    @admin.display(description="last change", ordering="updated_at")
    def last_change(self, obj: m.Regimen):
        return obj.updated_at


class PathwayForm(ChangeReasonForm):
    class Meta:
        model = m.Pathway
        fields = ["code", "title", "active", "date", "source", "description"]

    def _get_validation_exclusions(self):
        # Saving moves the active flag from the pathway in force to this one (PathwayAdmin.save_model), so
        # "one active pathway" holds after the save even though it does not hold for this form alone.
        return super()._get_validation_exclusions() | {"active"}

    def clean_active(self):
        active = self.cleaned_data["active"]
        if self.instance.pk and self.instance.active and not active:
            raise ValidationError(
                "One pathway must stay active: open the pathway that should take its place and make it active."
            )
        return active


@admin.register(m.Pathway)
class PathwayAdmin(CatalogEditorAdmin):
    """Named orders of options. Making one active deactivates the one in force; the release records it."""

    form = PathwayForm
    list_display = ["code", "title", "active", "date", "entry_count"]
    search_fields = ["code", "title", "source"]
    inlines = [PathwayEntryInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(entry_total=Count("entries"))

    @admin.display(description="entries", ordering="entry_total")
    def entry_count(self, obj: m.Pathway) -> int:
        return obj.entry_total

    def save_model(self, request, obj, form, change):
        if obj.active:
            _deactivate_others(obj)
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.active:
            return False  # the pathway in force cannot be deleted; make another active first
        return super().has_delete_permission(request, obj)


def _deactivate_others(pathway: m.Pathway) -> None:
    for other in m.Pathway.objects.filter(active=True).exclude(pk=pathway.pk):
        other.active = False
        other.save()  # one by one, so each change is in the history


@admin.register(m.Trial)
class TrialAdmin(CatalogEditorAdmin):
    list_display = ["name", "regimen", "phase", "n_randomized", "verification"]
    list_select_related = ["regimen"]
    search_fields = ["name", "regimen__code", "citation"]
    list_filter = ["verification"]
    autocomplete_fields = ["regimen"]


@admin.register(m.DrugClass)
class DrugClassAdmin(CatalogEditorAdmin):
    list_display = ["code", "name", "cross_resistant"]
    search_fields = ["code", "name"]


@admin.register(m.Drug)
class DrugAdmin(CatalogEditorAdmin):
    list_display = ["name", "drug_class", "route", "oral", "supportive_only", "lymphodepletion"]
    list_select_related = ["drug_class"]
    list_filter = ["drug_class", "oral"]
    search_fields = ["name"]


@admin.register(m.EngineText)
class EngineTextAdmin(CatalogEditorAdmin):
    list_display = ["code", "kind", "text"]
    list_filter = ["kind"]
    search_fields = ["code", "text"]


@admin.register(m.CatalogRelease)
class CatalogReleaseAdmin(admin.ModelAdmin):
    """Releases are made by the release service only; here they can be read, never edited."""

    list_display = ["label", "created_at", "created_by", "origin", "pathway", "note"]
    list_select_related = ["created_by"]
    list_filter = ["origin"]
    search_fields = ["label", "note", "created_by__username"]
    fields = ["label", "created_at", "created_by", "origin", "pathway", "note", "content_hash"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ApiTokenForm(forms.ModelForm):
    """An API key is issued with an expiry date in the future; a superuser may later bring it forward."""

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if not self.instance.pk and expires_at <= timezone.now():
            raise ValidationError("A new key must expire in the future.")
        return expires_at


@admin.register(m.ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Superusers issue personal API keys; the key is shown once, right after it is created."""

    form = ApiTokenForm
    list_display = ["name", "user", "prefix", "scope", "created_at", "expires_at", "last_used_at", "revoked"]
    list_select_related = ["user"]
    list_filter = ["revoked", "scope"]
    search_fields = ["name", "user__username", "prefix"]
    autocomplete_fields = ["user"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name", "scope", "expires_at"]
        return ["user", "name", "prefix", "scope", "created_at", "expires_at", "last_used_at", "revoked"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["user", "prefix", "scope", "created_at", "last_used_at"]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("expires_at", timezone.now() + timedelta(days=settings.API_TOKEN_DAYS))
        return initial

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        from regimens.tokens import token_create

        token, key = token_create(user=obj.user, name=obj.name, scope=obj.scope, expires_at=obj.expires_at)
        obj.pk = token.pk
        messages.warning(
            request,
            f"API key for {token.user}: {key} — copy it now; it is stored only as a digest and cannot be shown again.",
        )

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
