"""Geometry of the patient page's server-rendered SVG charts: the treatment timeline and the marker trend.

Plain arithmetic on dates and values (no clinical reading); the templates draw the shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings

from patients import units
from patients.models import Patient, Restaging, TherapyLine

WIDTH = 1000
LABEL_WIDTH = 190
RIGHT_PAD = 70
ROW_HEIGHT = 58
AXIS_HEIGHT = 28
# The phone layout (drawn at 390 px or so): the line's title above its bar, the bars across the whole width.
COMPACT_WIDTH = 400
COMPACT_PAD = 10
COMPACT_ROW_HEIGHT = 84
MIN_TICK_GAP = 44  # a year label closer than this to the first year's label is left out


@dataclass
class Span:
    x: float
    width: float


@dataclass
class Marker:
    x: float
    label: str


@dataclass
class TimelineRow:
    y: float
    title: str
    drugs: str
    bar: Span
    ongoing: bool
    response: str
    # Where the texts go (x, y): beside the bar on a wide chart, above and below it on a compact one.
    title_at: tuple[float, float] = (0, 0)
    response_at: tuple[float, float] = (0, 0)
    drugs_at: tuple[float, float] = (0, 0)
    maintenance_text_at: tuple[float, float] = (0, 0)
    maintenance: Span | None = None
    maintenance_text: str = ""
    maintenance_ongoing: bool = False
    transplant: Marker | None = None
    progression: Marker | None = None


@dataclass
class Timeline:
    width: int
    height: int
    label_width: int
    plot_right: int
    rows: list[TimelineRow]
    ticks: list[Tick]
    start: date
    end: date
    compact: bool = False


class _Scale:
    def __init__(self, start: date, end: date, left: float, right: float):
        self.start, self.days = start, max((end - start).days, 1)
        self.left, self.span = left, right - left

    def x(self, day: date) -> float:
        return round(self.left + (day - self.start).days / self.days * self.span, 1)

    def span_of(self, start: date, end: date) -> Span:
        x = self.x(start)
        return Span(x, max(round(self.x(end) - x, 1), 3))


@dataclass
class Tick:
    pos: float  # x of a date tick, y of a value tick
    label: str
    anchor: str = "middle"


def _year_ticks(start: date, end: date, scale: _Scale, most: int = 8) -> list[Tick]:
    """The first year labelled where the chart starts, then 1 January of the following years (at most `most`
    labels, evenly thinned)."""
    years = list(range(start.year + 1, end.year + 1))
    step = -(-len(years) // most) if len(years) > most else 1
    first = Tick(scale.x(start), str(start.year), "start")
    following = [Tick(scale.x(date(year, 1, 1)), str(year)) for year in years[::step]]
    return [first] + [tick for tick in following if tick.pos - first.pos >= MIN_TICK_GAP]


def timeline(patient: Patient, lines: list[TherapyLine], today: date, compact: bool = False) -> Timeline | None:
    """One row per line: a bar from start to end (to today when ongoing), maintenance as a second bar,
    transplant and progression as markers. Expects the lines' drugs prefetched. `compact`: the phone layout,
    readable at 390 px wide."""
    if not lines:
        return None
    dates = [patient.diagnosis_date]
    for line in lines:
        dates += [
            d
            for d in (
                line.start_date,
                line.end_date,
                line.progression_date,
                line.transplant_date,
                line.maintenance_start_date,
                line.maintenance_end_date,
            )
            if d
        ]
        if line.end_date is None or (line.maintenance_start_date and line.maintenance_end_date is None):
            dates.append(max(today, line.start_date))
    start, end = min(dates), max(dates)
    width, left, right = (
        (COMPACT_WIDTH, COMPACT_PAD, COMPACT_WIDTH - COMPACT_PAD)
        if compact
        else (WIDTH, LABEL_WIDTH, WIDTH - RIGHT_PAD)
    )
    row_height = COMPACT_ROW_HEIGHT if compact else ROW_HEIGHT
    scale = _Scale(start, end, left, right)
    rows = []
    for index, line in enumerate(lines):
        drugs = list(line.drugs.all())
        main = ", ".join(d.drug.name for d in drugs if not d.is_maintenance)
        maintenance = [d.drug.name for d in drugs if d.is_maintenance]
        line_end = line.end_date or max(today, line.start_date)
        y = AXIS_HEIGHT + index * row_height
        row = TimelineRow(
            y=y + (16 if compact else 0),  # the bar's row; on a compact chart the title goes above it
            title=str(line),
            drugs=main,
            bar=scale.span_of(line.start_date, line_end),
            ongoing=line.end_date is None,
            response=line.best_response or "response not recorded",
        )
        if compact:
            row.title_at, row.response_at = (COMPACT_PAD, y + 14), (right, y + 14)
            row.drugs_at, row.maintenance_text_at = (COMPACT_PAD, y + 56), (COMPACT_PAD, y + 71)
        else:
            row.title_at, row.response_at = (6, y + 20), (6, y + 38)
            row.drugs_at, row.maintenance_text_at = (row.bar.x, y + 38), (0, y + 50)
        if maintenance and line.maintenance_start_date:
            row.maintenance = scale.span_of(
                line.maintenance_start_date, line.maintenance_end_date or max(today, line.maintenance_start_date)
            )
            row.maintenance_text = "maintenance: " + ", ".join(maintenance)
            row.maintenance_ongoing = line.maintenance_end_date is None
            if not compact:
                row.maintenance_text_at = (row.maintenance.x, y + 50)
        if line.transplant_type and line.transplant_date:
            kind = "ASCT" if line.transplant_type == "autologous" else "allo-SCT"
            row.transplant = Marker(scale.x(line.transplant_date), f"{kind} {line.transplant_date.isoformat()}")
        if line.progression_date:
            row.progression = Marker(scale.x(line.progression_date), f"progression {line.progression_date.isoformat()}")
        rows.append(row)
    return Timeline(
        width=width,
        height=AXIS_HEIGHT + len(rows) * row_height + 6,
        label_width=left,
        plot_right=right,
        rows=rows,
        ticks=_year_ticks(start, end, scale, most=4 if compact else 8),
        start=start,
        end=end,
        compact=compact,
    )


# --- marker trend -------------------------------------------------------------------------------------------

TREND_WIDTH = 480
TREND_HEIGHT = 220
TREND_LEFT = 52
TREND_RIGHT = 16
TREND_TOP = 14
TREND_BOTTOM = 36


@dataclass
class Point:
    x: float
    y: float
    day: date
    value: float
    label: str


@dataclass
class Series:
    name: str
    css: str
    points: list[Point] = field(default_factory=list)

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass
class Trend:
    title: str
    unit: str
    series: list[Series]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    width: int = TREND_WIDTH
    height: int = TREND_HEIGHT
    left: int = TREND_LEFT
    right: int = TREND_WIDTH - TREND_RIGHT
    top: int = TREND_TOP
    bottom: int = TREND_HEIGHT - TREND_BOTTOM

    @property
    def has_points(self) -> bool:
        return any(s.points for s in self.series)


def _values(restagings: list[Restaging], current: str, previous: str | None, unit: str) -> dict[date, float]:
    """Measured values by date, in `unit`: each restaging's own value, and its previous-assessment value."""
    values: dict[date, float] = {}

    def get(restaging: Restaging, name: str) -> float | None:
        value = getattr(restaging, name)
        return None if value is None else units.from_engine(units.FIELDS[name], value, unit)

    for restaging in restagings:
        if previous and restaging.previous_assessment_date and getattr(restaging, previous) is not None:
            values.setdefault(restaging.previous_assessment_date, get(restaging, previous))
    for restaging in restagings:
        if getattr(restaging, current) is not None:
            values[restaging.date] = get(restaging, current)
    return dict(sorted(values.items()))


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    for step in (0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
        if value <= step * 4:
            return step * 4
    return value * 1.1


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def trend(title: str, unit: str, restagings: list[Restaging], series: list[tuple[str, str, str, str | None]]) -> Trend:
    """series: (name, css class, current field, previous-value field or None)."""
    collected = [(name, css, _values(restagings, current, previous, unit)) for name, css, current, previous in series]
    days = sorted({day for _, _, values in collected for day in values})
    chart = Trend(title=title, unit=unit, series=[], y_ticks=[], x_ticks=[])
    if not days:
        chart.series = [Series(name, css) for name, css, _ in collected]
        return chart
    top = _nice_max(max(v for _, _, values in collected for v in values.values()))
    first, last = days[0], days[-1]
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        if first == last:
            return round((chart.left + chart.right) / 2, 1)
        return round(chart.left + (day - first).days / span * (chart.right - chart.left), 1)

    def y(value: float) -> float:
        return round(chart.bottom - value / top * (chart.bottom - chart.top), 1)

    for name, css, values in collected:
        chart.series.append(
            Series(
                name,
                css,
                [Point(x(d), y(v), d, v, f"{name} {_fmt(v)} {unit} on {d.isoformat()}") for d, v in values.items()],
            )
        )
    chart.y_ticks = [Tick(y(top * i / 4), _fmt(top * i / 4)) for i in range(5)]
    chart.x_ticks = [Tick(x(first), first.isoformat())] + ([Tick(x(last), last.isoformat())] if last != first else [])
    return chart


def marker_trends(restagings: list[Restaging]) -> list[Trend]:
    """The serum M-protein and free light chains across restagings, in the site's units (LAB_UNITS)."""
    return [
        trend(
            "Serum M-protein",
            settings.LAB_UNITS["serum_m_protein"],
            restagings,
            [("Serum M-protein", "series-serum", "serum_m_protein_g_dl", "serum_m_protein_previous_g_dl")],
        ),
        trend(
            "Free light chains",
            settings.LAB_UNITS["flc"],
            restagings,
            [
                ("Involved FLC", "series-involved", "involved_flc_mg_l", "involved_flc_previous_mg_l"),
                ("Uninvolved FLC", "series-uninvolved", "uninvolved_flc_mg_l", None),
            ],
        ),
    ]
