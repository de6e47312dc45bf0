"""Building a catalog's pathways (algorithm 9.1): named, dated, sourced orders of options per setting, each
entry a regimen with its setting, fitness, rank, tier and note. Exactly one pathway is active; it comes first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import conditions
from .catalog import FITNESS, SETTINGS, TIERS, PathwaySpec, RegimenSpec, SettingEntry

_PATHWAY_KEYS = {"code", "title", "source", "date", "active", "description", "entries"}
_ENTRY_KEYS = {"setting", "fitness", "regimen", "rank", "tier", "note", "note_applies_if"}


class PathwayBuilder:
    """Pathway validation, mixed into the catalog builder (catalog_loader._Builder provides the helpers)."""

    problems: list[str]

    if TYPE_CHECKING:  # provided by catalog_loader._Builder

        def fail(self, place: str, message: str) -> None: ...

        def keys(self, obj: Any, allowed: set[str], place: str) -> bool: ...

        def list_of(self, obj: dict[str, Any], key: str, place: str) -> list[Any]: ...

        def text(self, obj: dict[str, Any], key: str, place: str, required: bool = False) -> str | None: ...

        def flag(self, obj: dict[str, Any], key: str, place: str) -> bool: ...

        def integer(self, obj: dict[str, Any], key: str, place: str) -> int | None: ...

    def conditions(self, obj: dict[str, Any], key: str, place: str) -> tuple[str, ...]:
        """A list of condition codes from the fixed vocabulary (conditions.py)."""
        values = []
        for j, raw in enumerate(self.list_of(obj, key, place)):
            code = str(raw) if raw is not None else ""
            try:
                conditions.parse(code)
            except ValueError as exc:
                self.fail(f"{place}.{key}[{j}]", str(exc))
                continue
            values.append(code)
        return tuple(values)

    def condition(self, obj: dict[str, Any], key: str, place: str) -> str | None:
        code = self.text(obj, key, place)
        if code is None:
            return None
        try:
            conditions.parse(code)
        except ValueError as exc:
            self.fail(f"{place}.{key}", str(exc))
            return None
        return code

    def build_pathways(self, data: dict[str, Any], by_code: dict[str, RegimenSpec]) -> tuple[PathwaySpec, ...]:
        """Every pathway with its entries; exactly one is active and comes first (algorithm 9.1)."""
        raw = self.list_of(data, "pathways", "catalog")
        if not raw:
            self.fail("pathways", "at least one pathway is required (exactly one of them active)")
            return ()
        pathways: list[PathwaySpec] = []
        seen: set[str] = set()
        for i, item in enumerate(raw):
            named = item.get("code") if isinstance(item, dict) and isinstance(item.get("code"), str) else i
            place = f"pathways[{named}]"
            if not self.keys(item, _PATHWAY_KEYS, place):
                continue
            code = self.text(item, "code", place, required=True)
            if code is None:
                continue
            if code in seen:
                self.fail(place, "duplicate pathway code")
            seen.add(code)
            entries = self.build_entries(item, place, by_code)
            lists: dict[tuple[str, str], list[tuple[SettingEntry, RegimenSpec]]] = {}
            for entry in entries:
                regimen = by_code[entry.regimen]
                if regimen.active and regimen.kind == "regimen":
                    lists.setdefault((entry.setting, entry.fitness), []).append((entry, regimen))
            pathways.append(
                PathwaySpec(
                    code=code,
                    title=self.text(item, "title", place, required=True) or code,
                    source=self.text(item, "source", place),
                    date=self.text(item, "date", place),
                    active=self.flag(item, "active", place),
                    description=self.text(item, "description", place),
                    entries=entries,
                    lists={
                        key: tuple(sorted(items, key=lambda pair: (pair[0].rank, pair[1].code)))
                        for key, items in lists.items()
                    },
                )
            )
        active = [p for p in pathways if p.active]
        if len(active) != 1:
            names = ", ".join(p.code for p in active) or "none"
            self.fail("pathways", f"exactly one pathway must be active (active: {names})")
            return tuple(pathways)
        return tuple(active + [p for p in pathways if not p.active])

    def build_entries(
        self, item: dict[str, Any], place: str, by_code: dict[str, RegimenSpec]
    ) -> tuple[SettingEntry, ...]:
        entries: list[SettingEntry] = []
        ranks: dict[tuple[str, str, int], str] = {}
        placed: set[tuple[str, str, str]] = set()
        for j, entry in enumerate(self.list_of(item, "entries", place)):
            eplace = f"{place}.entries[{j}]"
            if not self.keys(entry, _ENTRY_KEYS, eplace):
                continue
            setting = self.text(entry, "setting", eplace, required=True)
            code = self.text(entry, "regimen", eplace, required=True)
            fitness = self.text(entry, "fitness", eplace) or "any"
            tier = self.text(entry, "tier", eplace) or "other"
            rank = self.integer(entry, "rank", eplace)
            if setting is None or code is None:
                continue
            eplace = f"{place}.entries[{setting}/{fitness}/{code}]"
            if setting not in SETTINGS:
                self.fail(f"{eplace}.setting", f"unknown setting {setting!r}")
                continue
            if fitness not in FITNESS:
                self.fail(f"{eplace}.fitness", f"unknown fitness {fitness!r}")
            if tier not in TIERS:
                self.fail(f"{eplace}.tier", f"unknown tier {tier!r}")
            regimen = by_code.get(code)
            if regimen is None:
                self.fail(f"{eplace}.regimen", f"unknown regimen {code!r}")
                continue
            if regimen.kind != "regimen":
                self.fail(f"{eplace}.regimen", f"{code} is a {regimen.kind.replace('_', '-')} entry, never offered")
                continue
            if rank is None:
                self.fail(f"{eplace}.rank", "is required")
                continue
            if (setting, fitness, code) in placed:
                self.fail(eplace, f"{code} is listed twice in {setting}/{fitness}")
            placed.add((setting, fitness, code))
            if regimen.active:
                key = (setting, fitness, rank)
                if key in ranks:
                    self.fail(f"{eplace}.rank", f"rank {rank} already used by {ranks[key]} in {setting}/{fitness}")
                ranks[key] = code
            entries.append(
                SettingEntry(
                    setting,
                    fitness,
                    rank,
                    tier,
                    self.text(entry, "note", eplace),
                    code,
                    self.conditions(entry, "note_applies_if", eplace),
                )
            )
        return tuple(entries)
