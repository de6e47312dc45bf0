"""Adherence to the recommendation: of the board's decisions in force, the share that followed the saved first
choice, another option the recommendation offered, or went off the list; overall, per setting, per pathway and
per month, with the reasons given for going off the list.

The database counts (`values().annotate(Count)`): six queries whatever the number of decisions. The shares, the
rows of the table and of the CSV, and the geometry of the chart are plain arithmetic on those counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, QuerySet
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import TruncMonth
from django.utils import timezone

from board.models import BoardDecision, Concordance, OffReason
from careteams.access import visible
from regimens.models import Pathway, Setting

CONCORDANCES: tuple[str, ...] = tuple(Concordance.values)  # first choice, another offered option, off the list
NO_PATHWAY = "No pathway recorded (saved before pathways)"
UNKNOWN_SETTING = "Setting not recorded"


# --- shares -------------------------------------------------------------------------------------------------


def percent(part: int, whole: int) -> float | None:
    """`part` of `whole` in per cent, to one decimal; None of nothing."""
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class Share:
    concordance: str
    label: str
    count: int
    percent: float | None


@dataclass
class Group:
    """The decisions of one group (a setting, a pathway, a month, or all of them) counted by concordance."""

    key: str
    label: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CONCORDANCES, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def shares(self) -> list[Share]:
        labels = dict(Concordance.choices)
        return [
            Share(
                concordance,
                str(labels[concordance]),
                self.counts[concordance],
                percent(self.counts[concordance], self.total),
            )
            for concordance in CONCORDANCES
        ]


def tally(
    rows: Iterable[tuple[Any, str, int]], *, label: Callable[[Any], str], key: Callable[[Any], str] = str
) -> list[Group]:
    """Counts (group, concordance, count) -> one Group per group, in the order the groups first come."""
    groups: dict[str, Group] = {}
    for group, concordance, count in rows:
        name = key(group)
        if name not in groups:
            groups[name] = Group(key=name, label=label(group))
        if concordance in groups[name].counts:
            groups[name].counts[concordance] += count
    return list(groups.values())


@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    count: int
    percent: float | None  # of the decisions off the list


@dataclass
class Report:
    date_from: dt.date | None
    date_to: dt.date | None
    overall: Group
    by_setting: list[Group]
    by_pathway: list[Group]
    by_month: list[Group]
    off_reasons: list[Reason]

    @property
    def total(self) -> int:
        return self.overall.total

    def groupings(self) -> list[tuple[str, list[Group]]]:
        """Each grouping in words with its groups, as the page and the CSV list them."""
        return [
            ("All decisions", [self.overall]),
            ("Setting", self.by_setting),
            ("Pathway", self.by_pathway),
            ("Month", self.by_month),
        ]


# --- reads --------------------------------------------------------------------------------------------------


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def decisions_in_force(
    *, date_from: dt.date | None = None, date_to: dt.date | None = None, user: Any = None
) -> QuerySet[BoardDecision]:
    """Each decided case's decision in force (the end of its amendment chain), decided between the two days
    (in the site's time zone, both included); of the patients `user` may see (careteams.access; all for None)."""
    decisions = BoardDecision.objects.filter(amendment__isnull=True)
    if user is not None:
        decisions = decisions.filter(visible(user, "case_review__patient"))
    if date_from:
        decisions = decisions.filter(decided_at__gte=_start_of(date_from))
    if date_to:
        decisions = decisions.filter(decided_at__lt=_start_of(date_to + dt.timedelta(days=1)))
    return decisions


def _counts(decisions: QuerySet[BoardDecision], group: Any = None) -> list[tuple[Any, str, int]]:
    """(group, concordance, count) rows, ordered by the group; `group` is an expression or a field (None: all)."""
    if group is None:
        rows = decisions.values("concordance").annotate(n=Count("id")).order_by("concordance")
        return [(None, row["concordance"], row["n"]) for row in rows]
    grouped = decisions.annotate(bucket=group).values("bucket", "concordance").annotate(n=Count("id"))
    return [(row["bucket"], row["concordance"], row["n"]) for row in grouped.order_by("bucket", "concordance")]


def _setting_words(code: str | None) -> str:
    from regimens.templatetags.catalog_tags import setting_words

    if not code:
        return UNKNOWN_SETTING
    words = setting_words(code)
    return words[:1].upper() + words[1:]


def _setting_order(code: str | None) -> int:
    return Setting.values.index(code) if code in Setting.values else len(Setting.values)


def report(*, date_from: dt.date | None = None, date_to: dt.date | None = None, user: Any = None) -> Report:
    """The adherence figures of the decisions in force decided between the two days (six queries), of the
    patients `user` may see."""
    decisions = decisions_in_force(date_from=date_from, date_to=date_to, user=user)

    overall = Group(key="all", label="All decisions")
    for _, concordance, count in _counts(decisions):
        overall.counts[concordance] = count

    setting = KeyTextTransform("setting", KeyTransform("classification", "case_review__result_json"))
    by_setting = tally(_counts(decisions, setting), label=_setting_words, key=lambda code: code or "")
    by_setting.sort(key=lambda group: (_setting_order(group.key), group.key))

    titles = dict(Pathway.objects.values_list("code", "title"))
    by_pathway = tally(
        _counts(decisions, F("case_review__pathway")), label=lambda code: titles.get(code, code) if code else NO_PATHWAY
    )
    by_pathway.sort(key=lambda group: (group.key == "", group.label.lower()))

    by_month = tally(_counts(decisions, TruncMonth("decided_at")), label=_month, key=_month)

    return Report(date_from, date_to, overall, by_setting, by_pathway, by_month, _off_reasons(decisions))


def _off_reasons(decisions: QuerySet[BoardDecision]) -> list[Reason]:
    """The reasons given for going off the list, most frequent first, with their share of those decisions."""
    rows = list(decisions.filter(concordance=Concordance.OFF_LIST).values("off_reason").annotate(n=Count("id")))
    off_list = sum(row["n"] for row in rows)
    labels = dict(OffReason.choices)
    reasons = [
        Reason(
            row["off_reason"],
            str(labels.get(row["off_reason"], row["off_reason"])),
            row["n"],
            percent(row["n"], off_list),
        )
        for row in rows
    ]
    order = list(OffReason.values)
    reasons.sort(key=lambda reason: (-reason.count, order.index(reason.code) if reason.code in order else len(order)))
    return reasons


def _month(value: dt.datetime | dt.date) -> str:
    return f"{value:%Y-%m}"


# --- the CSV ------------------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "grouping", "group", "decisions",
    "first_choice", "first_choice_pct", "other_option", "other_option_pct", "off_list", "off_list_pct",
]  # fmt: skip
REASON_GROUPING = "Off-recommendation reason"
# A cell starting with one of these is read as a formula by spreadsheets: it is written with a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def csv_rows(report: Report) -> list[list[str]]:
    """One row per group of decisions: its counts and shares (per cent of the group) by concordance. The
    off-recommendation reasons follow, each the group of the decisions off the list for that reason."""
    rows = [CSV_COLUMNS]
    for grouping, groups in report.groupings():
        for group in groups:
            cells = [_cell(grouping), _cell(group.label), str(group.total)]
            for share in group.shares:
                cells += [str(share.count), _pct(share.percent)]
            rows.append(cells)
    for reason in report.off_reasons:
        none, all_of_them = ["0", "0.0"], [str(reason.count), "100.0"]
        rows.append([REASON_GROUPING, _cell(reason.label), str(reason.count), *none, *none, *all_of_them])
    return rows


# --- the chart: stacked bars per month (server-rendered SVG, drawn by the template) ---------------------------

CHART_WIDTH = 760
COMPACT_WIDTH = 380  # the phone layout, drawn at about its own size
CHART_HEIGHT = 260
CHART_LEFT = 44  # room for the count axis
CHART_RIGHT = 12
CHART_TOP = 14
CHART_BOTTOM = 36  # room for the month labels
MAX_BAR_WIDTH = 56
MIN_LABEL_GAP = 52  # a month label closer than this to the previous one is left out
# Blue, light blue and orange: told apart with any colour vision, and each one named in the legend.
COLOURS: dict[str, str] = {
    Concordance.FIRST_CHOICE: "#14406b",
    Concordance.OTHER_OPTION: "#7fb3e0",
    Concordance.OFF_LIST: "#d9822b",
}
STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000)


@dataclass(frozen=True)
class Segment:
    label: str
    count: int
    y: float
    height: float
    colour: str


@dataclass(frozen=True)
class Bar:
    month: str
    total: int
    x: float
    width: float
    segments: list[Segment]
    show_label: bool

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def total_y(self) -> float:
        """Where the bar's total is written: just above it."""
        return round(min(segment.y for segment in self.segments) - 5, 1)

    @property
    def title(self) -> str:
        """What the bar says, in words (its tooltip)."""
        if not self.total:
            return f"{self.month}: no decision"
        parts = ", ".join(f"{segment.count} {segment.label.lower()}" for segment in self.segments)
        return f"{self.month}: {self.total} decision{'s' if self.total != 1 else ''} ({parts})"


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    y_ticks: list[Tick]
    legend: list[tuple[str, str]]  # (label, colour)
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    left: int = CHART_LEFT
    right: int = CHART_WIDTH - CHART_RIGHT
    top: int = CHART_TOP
    bottom: int = CHART_HEIGHT - CHART_BOTTOM


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` ("YYYY-MM"), both included."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _scale(most: int) -> tuple[int, int]:
    """(top of the count axis, step between its ticks): at most five steps, each a round number."""
    step = next((step for step in STEPS if -(-most // step) <= 5), STEPS[-1])
    return max(step, -(-most // step) * step), step


def month_chart(months: list[Group], *, compact: bool = False) -> Chart | None:
    """Stacked bars of the decisions per month (first choice at the bottom), every month between the first and
    the last shown, an empty month as a gap; None without decisions. `compact`: the phone layout."""
    if not months:
        return None
    by_key = {group.key: group for group in months}
    keys = months_between(months[0].key, months[-1].key)
    top, step = _scale(max(group.total for group in months))
    width = COMPACT_WIDTH if compact else CHART_WIDTH
    chart = Chart(
        bars=[],
        y_ticks=[],
        legend=[(str(label), COLOURS[code]) for code, label in Concordance.choices],
        width=width,
        right=width - CHART_RIGHT,
    )
    plot_height = chart.bottom - chart.top
    slot = (chart.right - chart.left) / len(keys)
    bar_width = round(min(slot * 0.7, MAX_BAR_WIDTH), 1)
    last_label: float = -MIN_LABEL_GAP
    for index, key in enumerate(keys):
        group = by_key.get(key) or Group(key=key, label=key)
        x = round(chart.left + index * slot + (slot - bar_width) / 2, 1)
        base, segments = float(chart.bottom), []
        for share in group.shares:
            height = round(share.count / top * plot_height, 1)
            base = round(base - height, 1)
            segments.append(Segment(share.label, share.count, base, height, COLOURS[share.concordance]))
        show_label = x + bar_width / 2 - last_label >= MIN_LABEL_GAP
        if show_label:
            last_label = x + bar_width / 2
        chart.bars.append(Bar(key, group.total, x, bar_width, segments, show_label))
    for value in range(0, top + 1, step):
        chart.y_ticks.append(Tick(round(chart.bottom - value / top * plot_height, 1), str(value)))
    return chart
