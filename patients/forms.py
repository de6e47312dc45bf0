"""Forms of the patient records: they validate and normalise (ranges, units, dates, cross-field checks) only.

Every form is laid out in sections by crispy-forms with `form_tag=False`, so the template owns `<form>`.
Yes/no findings are tri-state (yes / no / not known): "not known" is never read as "no".
"""

from __future__ import annotations

from datetime import date
from typing import Any

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Field, Fieldset, Layout, Row
from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.html import format_html

from patients import numbers, units, versions
from patients.models import (
    CLASSIFICATION_READINGS,
    OVERRIDE_REASON_MAX_LENGTH,
    LineDrug,
    Override,
    Patient,
    Restaging,
    TherapyLine,
)
from regimens import casejson
from regimens.engine import ranges
from regimens.models import Drug

NOT_KNOWN = "Not known"
FINDING = ("Positive", "Negative", "Not tested")
YES_NO = ("Yes", "No", NOT_KNOWN)


class NumberInput(forms.TextInput):
    """A text input for a number, with the decimal keypad on phones. Not `type=number`: browsers may hand the
    server a rewritten (or empty) string for "0,2"; the server reads what was typed (patients/numbers.py)."""

    def __init__(self, attrs: dict | None = None, whole: bool = False):
        base = {"inputmode": "numeric" if whole else "decimal", "autocomplete": "off", "spellcheck": "false"}
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return numbers.shown(value)
        return super().format_value(value)


class NumberField(forms.FloatField):
    """A measured value read by patients.numbers: decimal point or comma, never a thousands separator."""

    widget = NumberInput

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return numbers.parse_float(str(value))
        except numbers.NumberError as error:
            raise forms.ValidationError(error.message, code="invalid") from None

    def widget_attrs(self, widget):
        return {}  # no min/max/step: those belong to type=number inputs


class WholeNumberField(forms.IntegerField):
    """A grade, score or class: a whole number read by patients.numbers."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", NumberInput(whole=True))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, int):
            return value
        try:
            return numbers.parse_whole(str(value))
        except numbers.NumberError as error:
            raise forms.ValidationError(error.message, code="invalid") from None

    def widget_attrs(self, widget):
        return {}


UNIT_SUFFIX = "_unit"
UNIT_FIELD_TEMPLATE = "patients/partials/measurement_field.html"


def _label_without_unit(label: str, unit: str) -> str:
    suffix = f" ({unit})"
    return label[: -len(suffix)] if label.endswith(suffix) else label


class TriStateRadio(forms.RadioSelect):
    """Radios for True / False / None, with the values "true", "false" and "unknown"."""

    def __init__(self, labels: tuple[str, str, str] = YES_NO, attrs: dict | None = None):
        super().__init__(attrs, choices=[("true", labels[0]), ("false", labels[1]), ("unknown", labels[2])])

    def format_value(self, value: Any) -> list[str]:
        mapping = {True: "true", False: "false", "True": "true", "False": "false", "true": "true", "false": "false"}
        if value is None or value in ("", "unknown"):
            return ["unknown"]
        return [mapping[value]] if value in mapping else []  # a refused value: no answer is shown as chosen

    def value_from_datadict(self, data, files, name):
        """True, False, None (not known: "unknown", blank or not sent) or, for anything else, the value posted,
        which TriStateField refuses: junk is never stored as "not known"."""
        value = data.get(name)
        if value is None or value in ("", "unknown"):
            return None
        return {"true": True, "false": False}.get(value, value)


class TriStateField(forms.NullBooleanField):
    """A yes / no / not known answer: True, False or None, and nothing else (not "maybe", not "2")."""

    widget = TriStateRadio

    def to_python(self, value):
        if value is None or isinstance(value, bool):
            return value
        labels = [str(label) for _, label in self.widget.choices]
        raise forms.ValidationError(f"Choose {', '.join(labels[:-1])} or {labels[-1]}.", code="invalid_choice")


def _is_tri_state(model_field) -> bool:
    from django.db.models import BooleanField

    return isinstance(model_field, BooleanField) and model_field.null


class RecordForm(forms.ModelForm):
    """Base of the record forms: date pickers, number bounds, tri-state findings, "Not known" blanks and a
    sectioned crispy layout from `sections` = [(legend, [[field, ...] per row, ...]), ...]."""

    sections: list[tuple[str, list[list[str]]]] = []
    tri_state_labels: dict[str, tuple[str, str, str]] = {}
    not_shown: set[str] = set()  # computed fields: validated and saved, not laid out

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        opts = self._meta.model._meta
        for name, field in list(self.fields.items()):
            try:
                model_field = opts.get_field(name)
            except Exception:  # a form-only field
                continue
            if str(model_field.verbose_name).startswith(("del(", "t(")):
                field.label = model_field.verbose_name  # cytogenetic notation keeps its lower case
            if _is_tri_state(model_field):
                labels = self.tri_state_labels.get(name, YES_NO)
                self.fields[name] = TriStateField(
                    label=field.label, help_text=field.help_text, required=False, widget=TriStateRadio(labels)
                )
            elif isinstance(field, forms.DateField):
                field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
                field.validators.append(in_date_window)
            elif isinstance(field, forms.FloatField):
                self.fields[name] = NumberField(label=field.label, help_text=field.help_text, required=field.required)
                if name in units.FIELDS:
                    self._add_unit(name, model_field)
            elif isinstance(field, forms.IntegerField):
                self.fields[name] = WholeNumberField(
                    label=field.label, help_text=field.help_text, required=field.required
                )
            elif isinstance(field, forms.TypedChoiceField) and field.choices and field.choices[0][0] == "":
                field.choices = [("", NOT_KNOWN), *field.choices[1:]]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = self._layout()

    def _layout(self) -> Layout:
        return Layout(*(self._fieldset(legend, rows) for legend, rows in self.sections))

    def clean(self):
        cleaned = super().clean()
        if self._unit_fields():
            self._to_engine_units(cleaned)
        return cleaned

    # --- lab values in a unit of the clinician's choice -------------------------------------------------------

    def _add_unit(self, name: str, model_field) -> None:
        """A lab value is typed in the unit chosen beside it (default: the site's, see LAB_UNITS); the field
        shows the value as entered, or the stored value in that unit."""
        quantity = units.quantity_of(name)
        field = self.fields[name]
        field.label = _label_without_unit(str(field.label), quantity.engine_unit)
        entered = (getattr(self.instance, "values_as_entered", None) or {}).get(name)
        stored = getattr(self.instance, name, None)
        unit = settings.LAB_UNITS[units.FIELDS[name]]
        if stored is not None:
            if entered and units.to_engine(units.FIELDS[name], entered["value"], entered["unit"]) == stored:
                unit, shown = entered["unit"], entered["value"]
            else:
                shown = units.from_engine(units.FIELDS[name], stored, unit)
            self.initial[name] = shown
        elif entered:
            unit = entered["unit"]
        self.fields[name + UNIT_SUFFIX] = forms.ChoiceField(
            label=f"Unit of {field.label[0].lower()}{field.label[1:]}",
            choices=[(u, u) for u in quantity.units],
            initial=unit,
            required=False,
            widget=forms.Select(attrs={"class": "form-select unit-select"}),
        )
        self.initial[name + UNIT_SUFFIX] = unit

    def _unit_fields(self) -> list[str]:
        return [name for name in self.fields if name in units.FIELDS]

    def _to_engine_units(self, cleaned: dict[str, Any]) -> None:
        """Each lab value typed in its unit -> the engine's unit (range-checked in the unit typed), and the
        value with its unit kept in `values_as_entered`. A posted form without a unit (a script or an older
        page) is in the engine unit its field is named after."""
        entered = dict(getattr(self.instance, "values_as_entered", None) or {})
        for name in self._unit_fields():
            quantity = units.FIELDS[name]
            unit = cleaned.pop(name + UNIT_SUFFIX, None) or units.QUANTITIES[quantity].engine_unit
            value = cleaned.get(name)
            if name not in cleaned or name in self.errors:
                continue
            if value is None:
                entered.pop(name, None)
                continue
            low, high = self._bounds(name)
            converted = units.to_engine(quantity, value, unit)
            if (low is not None and converted < low) or (high is not None and converted > high):
                self.add_error(name, self._range_message(quantity, unit, low, high))
                continue
            cleaned[name] = converted
            entered[name] = {"value": value, "unit": unit}
        cleaned["values_as_entered"] = entered

    def _bounds(self, name: str) -> tuple[float | None, float | None]:
        low = high = None
        for validator in self._meta.model._meta.get_field(name).validators:
            if isinstance(validator, MinValueValidator):
                low = validator.limit_value
            elif isinstance(validator, MaxValueValidator):
                high = validator.limit_value
        return low, high

    @staticmethod
    def _range_message(quantity: str, unit: str, low: float | None, high: float | None) -> str:
        def show(bound: float) -> str:
            return numbers.shown(units.from_engine(quantity, bound, unit))

        if low is not None and high is not None:
            return f"Must be between {show(low)} and {show(high)} {unit}."
        return f"Must be at least {show(low)} {unit}." if low is not None else f"Must be at most {show(high)} {unit}."

    def _fieldset(self, legend: str, rows: list[list[str]]) -> Fieldset:
        layout_rows = []
        for row in rows:
            names = [name for name in row if name in self.fields and name not in self.not_shown]
            width = 12 // max(len(names), 1)
            if len(names) == 1 and not isinstance(self.fields[names[0]], TriStateField):
                width = 6  # a lone input is not stretched across the page
            layout_rows.append(Row(*(Column(self._item(name), css_class=f"col-md-{width}") for name in names)))
        return Fieldset(legend, *layout_rows, css_class="record-section")

    def _item(self, name: str):
        if isinstance(self.fields[name], TriStateField):
            return InlineRadios(name)
        if name + UNIT_SUFFIX in self.fields:
            return Field(name, template=UNIT_FIELD_TEMPLATE)
        return name


def in_date_window(value: date | None) -> None:
    """A date of the records is something that has happened: from 1900-01-01 to today + 1 day at the latest
    (the case format's date window, regimens/engine/ranges.py). The forms that know "today" better (the
    patient's dates, the restaging's) also refuse tomorrow with the same words (_not_in_future)."""
    if value is None:
        return
    if value < ranges.EARLIEST_DATE:
        raise forms.ValidationError(f"Must not be before {ranges.EARLIEST_DATE.isoformat()}.", code="min_value")
    if value > ranges.latest_date(timezone.localdate()):
        raise forms.ValidationError("Must not be in the future.", code="max_value")


def _not_in_future(form: forms.Form, *names: str) -> None:
    today = timezone.localdate()
    for name in names:
        value = form.cleaned_data.get(name)
        if value and value > today:
            form.add_error(name, "Must not be in the future.")


def _order(form: forms.Form, earlier: str, later: str, message: str) -> None:
    first, second = form.cleaned_data.get(earlier), form.cleaned_data.get(later)
    if first and second and second < first:
        form.add_error(later, message)


# --- patient -----------------------------------------------------------------------------------------------

CYTOGENETICS_ROWS = [
    ["del_17p", "del_17p_clonal_fraction_pct"],
    ["tp53_mutation", "t_11_14"],
    ["t_4_14", "t_14_16"],
    ["t_14_20", "del_1p32"],
    ["gain_1q", "amp_1q"],
]


class PatientForm(versions.VersionedFormMixin, RecordForm):
    sections = [
        ("Identity", [["mrn", "name"], ["birth_date", "sex"]]),
        ("Body size", [["weight_kg", "height_cm"]]),
        ("Diagnosis", [["diagnosis_date", "iss_stage"], ["heavy_chain", "light_chain"], ["ldh_above_uln"]]),
        ("FISH at diagnosis", [[f"dx_{name}" for name in row] for row in CYTOGENETICS_ROWS]),
    ]
    tri_state_labels = {
        f"dx_{name}": FINDING
        for name in ("del_17p", "tp53_mutation", "t_4_14", "t_14_16", "t_14_20", "t_11_14", "gain_1q", "amp_1q")
    }

    class Meta:
        model = Patient
        fields = [
            "mrn", "name", "birth_date", "sex", "weight_kg", "height_cm", "diagnosis_date", "heavy_chain",
            "light_chain", "iss_stage", "ldh_above_uln",
            "dx_del_17p", "dx_del_17p_clonal_fraction_pct", "dx_tp53_mutation", "dx_t_4_14", "dx_t_14_16",
            "dx_t_14_20", "dx_t_11_14", "dx_gain_1q", "dx_amp_1q", "dx_del_1p32",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        _not_in_future(self, "birth_date", "diagnosis_date")
        _order(self, "birth_date", "diagnosis_date", "The diagnosis cannot precede the birth date.")
        birth = cleaned.get("birth_date")
        if birth and birth.year < timezone.localdate().year - 120:
            self.add_error("birth_date", "Check the year: that would make the patient older than 120.")
        return cleaned


# --- lines of therapy ---------------------------------------------------------------------------------------


class LineForm(versions.VersionedFormMixin, RecordForm):
    sections = [
        ("Regimen", [["regimen", "regimen_label"]]),
        ("Dates and outcome", [["start_date", "end_date"], ["best_response", "progression_date"], ["stop_reason"]]),
        ("Transplant", [["transplant_type", "transplant_date"]]),
        ("Maintenance dates", [["maintenance_start_date", "maintenance_end_date"]]),
    ]

    class Meta:
        model = TherapyLine
        fields = [
            "regimen", "regimen_label", "start_date", "end_date", "best_response", "progression_date",
            "stop_reason", "transplant_type", "transplant_date", "maintenance_start_date", "maintenance_end_date",
            "override_reason",
        ]  # fmt: skip

    def __init__(self, *args, patient: Patient, regimens, regimen_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        regimen = self.fields["regimen"]
        regimen.queryset = regimens  # validates the choice
        regimen.to_field_name = "code"
        # Rendered from choices read once with the regimens' drugs (selectors.regimen_picker).
        regimen.choices = [("", "Not in the catalog (give a label)"), *regimen_choices]
        regimen.widget.attrs["data-regimen-picker"] = ""
        self.fields["override_reason"].widget = forms.Textarea(attrs={"rows": 2})
        self.fields["transplant_type"].choices = [("", "None"), *self.fields["transplant_type"].choices[1:]]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("regimen") and cleaned.get("regimen_label"):
            self.add_error("regimen_label", "Choose a catalog regimen or give a label, not both.")
        if bool(cleaned.get("transplant_type")) != bool(cleaned.get("transplant_date")):
            self.add_error("transplant_date", "Give both the transplant type and its date, or neither.")
        _not_in_future(
            self,
            "start_date",
            "end_date",
            "progression_date",
            "transplant_date",
            "maintenance_start_date",
            "maintenance_end_date",
        )
        for later, message in [
            ("end_date", "The line cannot end before it starts."),
            ("progression_date", "Progression cannot precede the start of the line."),
            ("transplant_date", "The transplant cannot precede the start of the line."),
            ("maintenance_start_date", "Maintenance cannot start before the line."),
        ]:
            _order(self, "start_date", later, message)
        _order(self, "maintenance_start_date", "maintenance_end_date", "Maintenance cannot end before it starts.")
        if cleaned.get("maintenance_end_date") and not cleaned.get("maintenance_start_date"):
            self.add_error("maintenance_start_date", "A maintenance end date needs its start date.")
        if self.patient.diagnosis_date:
            start = cleaned.get("start_date")
            if start and start < self.patient.diagnosis_date:
                self.add_error(
                    "start_date", f"The line cannot start before the diagnosis ({self.patient.diagnosis_date})."
                )
        self._check_line_order(cleaned.get("start_date"))
        return cleaned

    def _check_line_order(self, start: date | None) -> None:
        """Lines are numbered oldest first: a line starts between its neighbours."""
        if not start:
            return
        number = self.instance.number if self.instance.pk else None
        for other in self.patient.lines.all():
            if other.pk == self.instance.pk:
                continue
            if (number is None or other.number < number) and other.start_date > start:
                self.add_error(
                    "start_date",
                    f"Line {other.number} starts later ({other.start_date}); lines are numbered oldest first.",
                )
                return
            if number is not None and other.number > number and other.start_date < start:
                self.add_error("start_date", f"Line {other.number} starts earlier ({other.start_date}).")
                return


class LineDrugForm(forms.Form):
    drug = forms.ModelChoiceField(queryset=Drug.objects.none(), required=False, empty_label="Choose a drug")
    start_date = forms.DateField(
        label="Own start date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[in_date_window],
    )
    end_date = forms.DateField(
        label="Own end date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[in_date_window],
    )
    still_ongoing = forms.BooleanField(label="Still ongoing", required=False)
    override = forms.ChoiceField(label="Override", required=False, choices=[("", "As computed"), *Override.choices])

    def __init__(self, *args, drugs=None, **kwargs):
        super().__init__(*args, **kwargs)
        if drugs is not None:
            self.fields["drug"].queryset = drugs
            self.fields["drug"].widget.attrs["data-drug-select"] = ""

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("drug") and any(cleaned.get(n) for n in ("start_date", "end_date", "still_ongoing")):
            self.add_error("drug", "Choose the drug these dates belong to.")
        _order(self, "start_date", "end_date", "The drug cannot end before it starts.")
        if cleaned.get("still_ongoing") and cleaned.get("end_date"):
            self.add_error("end_date", "An ongoing drug has no end date.")
        return cleaned


class BaseLineDrugFormSet(forms.BaseFormSet):
    def __init__(self, *args, drugs=None, **kwargs):
        self.drugs = drugs
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"drugs": self.drugs}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            drugs=self.drugs,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form

    def entries(self) -> list[dict[str, Any]]:
        return [form.cleaned_data for form in self.forms if form.cleaned_data.get("drug")]


LineDrugFormSet = forms.formset_factory(LineDrugForm, formset=BaseLineDrugFormSet, extra=0, max_num=30)


def rows_from_post(data, prefix: str, drugs) -> list[dict[str, Any]]:
    """The rows typed so far, read without showing errors (for re-rendering the form after a prefill)."""
    formset = LineDrugFormSet(data, prefix=prefix, drugs=drugs)
    if not formset.management_form.is_valid():
        return []
    return [form.cleaned_data for form in formset.forms if form.is_valid() and form.cleaned_data.get("drug")]


def line_drug_initial(drugs: list[LineDrug], maintenance: bool) -> list[dict[str, Any]]:
    return [
        {
            "drug": d.drug,
            "start_date": d.start_date,
            "end_date": d.end_date,
            "still_ongoing": d.still_ongoing,
            "override": d.override,
        }
        for d in drugs
        if d.is_maintenance == maintenance
    ]


# --- restaging wizard steps ----------------------------------------------------------------------------------


class RestagingStepForm(versions.VersionedFormMixin, RecordForm):
    def __init__(self, *args, patient: Patient | None = None, **kwargs):
        self.patient = patient
        super().__init__(*args, **kwargs)


class MarkersForm(RestagingStepForm):
    sections = [
        ("Dates", [["date", "previous_assessment_date"]]),
        ("Serum M-protein", [["serum_m_protein_g_dl", "serum_m_protein_nadir_g_dl", "serum_m_protein_previous_g_dl"]]),
        (
            "Urine M-protein",
            [["urine_m_protein_mg_24h", "urine_m_protein_nadir_mg_24h", "urine_m_protein_previous_mg_24h"]],
        ),
        (
            "Free light chains",
            [["involved_flc_mg_l", "uninvolved_flc_mg_l"], ["involved_flc_nadir_mg_l", "involved_flc_previous_mg_l"]],
        ),
        (
            "Laboratory values",
            [
                ["creatinine_mg_dl", "creatinine_baseline_mg_dl"],
                ["hemoglobin_g_dl", "hemoglobin_baseline_g_dl"],
                ["calcium_mg_dl", "albumin_g_dl"],
                ["ldh_u_l", "ldh_uln_u_l"],
                ["beta2_microglobulin_mg_l", "igg_mg_dl"],
            ],
        ),
    ]

    class Meta:
        model = Restaging
        fields = [
            "date", "previous_assessment_date",
            "serum_m_protein_g_dl", "serum_m_protein_nadir_g_dl", "serum_m_protein_previous_g_dl",
            "urine_m_protein_mg_24h", "urine_m_protein_nadir_mg_24h", "urine_m_protein_previous_mg_24h",
            "involved_flc_mg_l", "uninvolved_flc_mg_l", "involved_flc_nadir_mg_l", "involved_flc_previous_mg_l",
            "creatinine_mg_dl", "creatinine_baseline_mg_dl", "calcium_mg_dl", "albumin_g_dl", "hemoglobin_g_dl",
            "hemoglobin_baseline_g_dl", "ldh_u_l", "ldh_uln_u_l", "beta2_microglobulin_mg_l", "igg_mg_dl",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        _not_in_future(self, "date", "previous_assessment_date")
        _order(self, "previous_assessment_date", "date", "The restaging cannot precede the previous assessment.")
        day = cleaned.get("date")
        if day and self.patient is not None:
            if day < self.patient.diagnosis_date:
                self.add_error("date", f"The restaging cannot precede the diagnosis ({self.patient.diagnosis_date}).")
            late = [line for line in self.patient.lines.all() if line.start_date > day]
            if late:
                self.add_error(
                    "date",
                    f"Line {late[0].number} starts later ({late[0].start_date}): a restaging "
                    "cannot precede a line it assesses.",
                )
        return cleaned


class MarrowForm(RestagingStepForm):
    sections = [
        ("Bone marrow", [["bone_marrow_plasma_cells_pct"]]),
        ("FISH on the relapse marrow", CYTOGENETICS_ROWS),
    ]
    tri_state_labels = dict.fromkeys(
        ("del_17p", "tp53_mutation", "t_4_14", "t_14_16", "t_14_20", "t_11_14", "gain_1q", "amp_1q"), FINDING
    )

    class Meta:
        model = Restaging
        fields = [
            "bone_marrow_plasma_cells_pct", "del_17p", "del_17p_clonal_fraction_pct", "tp53_mutation", "t_4_14",
            "t_14_16", "t_14_20", "t_11_14", "gain_1q", "amp_1q", "del_1p32",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("del_17p_clonal_fraction_pct") is not None and cleaned.get("del_17p") is not True:
            self.add_error("del_17p_clonal_fraction_pct", "A clonal fraction needs a positive del(17p).")
        return cleaned


class ImagingForm(RestagingStepForm):
    sections = [
        ("Imaging", [["new_bone_lesions"], ["existing_lesion_growth"], ["plasmacytoma"]]),
        ("Blood", [["circulating_plasma_cells_pct"], ["hyperviscosity"], ["crab_attributable_to_myeloma"]]),
    ]
    tri_state_labels = {"crab_attributable_to_myeloma": ("Yes", "No", "Not assessed")}

    class Meta:
        model = Restaging
        fields = [
            "new_bone_lesions", "existing_lesion_growth", "plasmacytoma", "circulating_plasma_cells_pct",
            "hyperviscosity", "crab_attributable_to_myeloma",
        ]  # fmt: skip


# Checklists shown beside the fitness scores, to add them up (the form stores only the scores).
FITNESS_CHECKLISTS = {
    # Charlson comorbidity index, original weights, without age points (Charlson, J Chronic Dis 1987; rules R5.4)
    "charlson_items": [
        ("Myocardial infarction", 1),
        ("Congestive heart failure", 1),
        ("Peripheral vascular disease", 1),
        ("Cerebrovascular disease or transient ischemic attack", 1),
        ("Dementia", 1),
        ("Chronic pulmonary disease", 1),
        ("Connective tissue disease", 1),
        ("Peptic ulcer disease", 1),
        ("Mild liver disease", 1),
        ("Diabetes without end-organ damage", 1),
        ("Hemiplegia", 2),
        ("Moderate or severe renal disease", 2),
        ("Diabetes with end-organ damage", 2),
        ("Another tumor (without metastases)", 2),
        ("Leukemia", 2),
        ("Lymphoma", 2),
        ("Moderate or severe liver disease", 3),
        ("Metastatic solid tumor", 6),
        ("AIDS", 6),
    ],
    # Katz index of independence in activities of daily living (Katz 1963): 0-6
    "adl_items": ["Bathing", "Dressing", "Toileting", "Transferring (bed to chair)", "Continence", "Feeding"],
    # Lawton instrumental activities of daily living (Lawton and Brody 1969): 0-8
    "iadl_items": [
        "Using the telephone",
        "Shopping",
        "Preparing food",
        "Housekeeping",
        "Laundry",
        "Transportation (travels alone)",
        "Taking own medications correctly",
        "Handling finances",
    ],
}


class FitnessForm(RestagingStepForm):
    sections = [("Fitness", [["age_years"], ["ecog", "charlson_comorbidity_index"], ["adl", "iadl"]])]

    class Meta:
        model = Restaging
        fields = ["age_years", "ecog", "charlson_comorbidity_index", "adl", "iadl"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.patient is not None and self.patient.birth_date:
            del self.fields["age_years"]  # computed from the birth date at the restaging date
            self.helper.layout = self._layout()
        else:
            self.fields["age_years"].required = True
            self.fields["age_years"].help_text = "No birth date is recorded for this patient."


HEART_FAILURE_CHOICES = [
    ("", NOT_KNOWN),
    (0, "None (no heart failure)"),
    (1, "NYHA class I (no limitation of physical activity)"),
    (2, "NYHA class II (slight limitation)"),
    (3, "NYHA class III (marked limitation)"),
    (4, "NYHA class IV (symptoms at rest)"),
]
BMI_THRESHOLD = 30  # kg/m², the VTE risk factor of the case format (IMWG VTE risk model: obesity, BMI ≥ 30)


def bmi_30_or_more(patient: Patient | None) -> bool | None:
    """BMI ≥ 30 from the patient's weight and height, compared at the one decimal shown; None without both."""
    bmi = patient.bmi if patient is not None else None
    return None if bmi is None else bmi >= BMI_THRESHOLD


class OrgansForm(RestagingStepForm):
    sections = [
        ("Neuropathy", [["peripheral_neuropathy_grade"], ["neuropathic_pain"]]),
        ("Renal", [["on_dialysis"]]),
        ("Cardiac", [["heart_failure_nyha"], ["uncontrolled_hypertension"]]),
        ("Venous thromboembolism risk", [["prior_vte", "bmi_30_or_more"], ["central_line", "on_anticoagulant"]]),
        ("Eyes", [["corneal_disease"]]),
    ]

    heart_failure_nyha = forms.TypedChoiceField(
        label="Heart failure", choices=HEART_FAILURE_CHOICES, coerce=int, empty_value=None, required=False
    )

    class Meta:
        model = Restaging
        fields = [
            "peripheral_neuropathy_grade", "neuropathic_pain", "on_dialysis", "heart_failure_nyha",
            "uncontrolled_hypertension", "prior_vte", "bmi_30_or_more", "central_line", "on_anticoagulant",
            "corneal_disease",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        computed = bmi_30_or_more(self.patient)
        if computed is not None:  # from the weight and height on the patient record: stored, not asked
            self.fields["bmi_30_or_more"].disabled = True
            self.initial["bmi_30_or_more"] = computed
            self.not_shown = {"bmi_30_or_more"}
            self.helper.layout = self._layout()
            note = format_html(
                '<p class="bmi-computed"><span class="fw-semibold">BMI 30 kg/m² or more: {}</span> (BMI {} kg/m² '
                "from the weight {} kg and height {} cm on the patient record)</p>",
                "yes" if computed else "no",
                self.patient.bmi,
                numbers.shown(self.patient.weight_kg),
                numbers.shown(self.patient.height_cm),
            )
            vte = next(item for item in self.helper.layout if getattr(item, "legend", "").startswith("Venous"))
            vte.fields.insert(0, HTML(note))


class PreferencesForm(RestagingStepForm):
    sections = [("Preferences", [["all_oral"], ["declines_transplant"], ["car_t_available"]])]
    tri_state_labels = {"car_t_available": ("Yes", "No (no access, or declined)", NOT_KNOWN)}

    class Meta:
        model = Restaging
        fields = ["all_oral", "declines_transplant", "car_t_available"]


def _words(code: str) -> str:
    return code.replace("_", " ")


class ReviewForm(forms.Form):
    """The classification review: the confirmation, and for relapse type, relapse nature, risk and frailty an
    optional different reading by the clinician with its reason (recorded only, never given to the engine)."""

    confirmed = forms.BooleanField(
        label="I have reviewed the classification and its basis, and the inputs are correct.", required=True
    )

    def __init__(
        self,
        *args,
        patient: Patient | None = None,
        case_errors=(),
        classification: dict | None = None,
        instance: Restaging | None = None,
        **kwargs,
    ):
        self.case_errors = list(case_errors)
        self.classification = classification or {}
        saved = instance.classification_overrides if instance is not None else {}
        initial = kwargs.setdefault("initial", {})
        for field, item in (saved or {}).items():
            initial.setdefault(f"{field}_reading", item.get("value", ""))
            initial.setdefault(f"{field}_reason", item.get("reason", ""))
        super().__init__(*args, **kwargs)
        for field, (title, values) in CLASSIFICATION_READINGS.items():
            engine = self.classification.get(field)
            self.fields[f"{field}_reading"] = forms.ChoiceField(
                label=f"Clinician's reading of the {title.lower()}",
                required=False,
                choices=[("", f"Agree with the engine ({_words(engine)})" if engine else "Agree with the engine")]
                + [(value, _words(value)) for value in values],
            )
            self.fields[f"{field}_reason"] = forms.CharField(
                label=f"Reason for a different {title.lower()}",
                required=False,
                max_length=OVERRIDE_REASON_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        # The version of the draft whose classification is confirmed (patients/versions.py).
        self.fields["version"] = versions.version_field(instance.version if instance is not None else None)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.render_hidden_fields = True
        self.helper.layout = Layout(
            Fieldset(
                "Your reading of the classification (optional)",
                HTML(
                    '<p class="small text-body-secondary">The recommendation always follows the engine\'s '
                    "classification. A different reading is recorded, with its reason, for the tumour board; it "
                    "does not change the options. To change the classification, correct the inputs in their "
                    "step.</p>"
                ),
                *(
                    Row(
                        Column(f"{field}_reading", css_class="col-md-5"),
                        Column(f"{field}_reason", css_class="col-md-7"),
                    )
                    for field in CLASSIFICATION_READINGS
                ),
                css_class="record-section",
            ),
            "confirmed",
        )

    def clean(self):
        cleaned = super().clean()
        versions.check_version_given(self)
        if self.case_errors:
            raise forms.ValidationError("Correct the problems listed above before confirming.")
        for field, (title, _) in CLASSIFICATION_READINGS.items():
            value, reason = cleaned.get(f"{field}_reading"), cleaned.get(f"{field}_reason")
            if value and value == self.classification.get(field):
                self.add_error(
                    f"{field}_reading",
                    f"This is the engine's reading already ({_words(value)}): leave “Agree with the engine” to agree.",
                )
            elif value and not reason and f"{field}_reason" not in self.errors:
                self.add_error(f"{field}_reason", f"Give the reason for reading the {title.lower()} differently.")
            elif reason and not value and f"{field}_reading" not in self.errors:
                self.add_error(
                    f"{field}_reason",
                    f"A reason goes with a different reading: choose your reading of the {title.lower()}, or "
                    "clear the reason.",
                )
        return cleaned

    def overrides(self) -> dict[str, dict[str, str]]:
        """The different readings of a valid form, as Restaging.classification_overrides stores them."""
        return {
            field: {"value": self.cleaned_data[f"{field}_reading"], "reason": self.cleaned_data[f"{field}_reason"]}
            for field in CLASSIFICATION_READINGS
            if self.cleaned_data.get(f"{field}_reading")
        }

    def readings(self) -> dict[str, dict[str, str]]:
        """The readings typed so far that hold (a value other than the engine's, with a reason), also on a form
        with errors elsewhere, to show beside the engine's conclusions."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            field: {"value": self.cleaned_data[f"{field}_reading"], "reason": self.cleaned_data[f"{field}_reason"]}
            for field in CLASSIFICATION_READINGS
            if self.cleaned_data.get(f"{field}_reading")
            and self.cleaned_data.get(f"{field}_reason")
            and f"{field}_reading" not in self.errors
            and f"{field}_reason" not in self.errors
        }


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label="Why does this restaging need correcting?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown with the correction, e.g. “Hemoglobin was entered in g/L as g/dL”.",
    )


# --- import ------------------------------------------------------------------------------------------------


class CaseImportForm(forms.Form):
    file = forms.FileField(label="Case file (JSON)", required=False)
    text = forms.CharField(label="Or paste the case JSON", required=False, widget=forms.Textarea(attrs={"rows": 12}))
    mrn = forms.CharField(
        label="MRN (optional)",
        required=False,
        max_length=40,
        help_text="Blank: a placeholder, IMPORT-<today as YYYYMMDD>-<n>.",
    )
    name = forms.CharField(
        label="Name (optional)", required=False, max_length=200, help_text="Blank: “Imported case <n>”."
    )

    MAX_BYTES = casejson.MAX_BYTES

    def __init__(self, *args, placeholder: tuple[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if placeholder:  # the placeholders this import would get now
            self.fields["mrn"].help_text = f"Blank: a placeholder, here {placeholder[0]}."
            self.fields["name"].help_text = f"Blank: “{placeholder[1]}”."

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("file"), cleaned.get("text", "").strip()
        if bool(upload) == bool(text):
            raise forms.ValidationError("Upload a file or paste the JSON (one of the two).")
        if upload:
            if upload.size > self.MAX_BYTES:
                raise forms.ValidationError("The file is larger than 1 MB: that is not a case file.")
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError("The file is not UTF-8 text.")
        try:  # as every door reads a case (regimens/casejson.py): not JSON, too deep, thousands of digits
            cleaned["case"] = casejson.read_case_json(text)
        except casejson.UnreadableCase as exc:
            raise forms.ValidationError(f"(root): {exc.message}.") from None
        return cleaned
