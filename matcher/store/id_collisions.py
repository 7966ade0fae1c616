"""Which stored ids ``matcher store normalize-ids`` (``matcher.store.id_normalisation``) leaves in their stored
forms, and which notices stored in both forms it merges (``id_twins``): the plan, read before anything is written.

A collision is an id whose forms would meet where only one row may be: the NFC form already a firm beside the
NFD one, two shortlist items of one firm and notice (any primary key, unique constraint or unique index over an
id column). Joining them would lose one row or mix two records, so no form of that id changes anywhere, and the
report names it. One collision is resolved: a notice stored in both forms, one notice of one source, is merged
into its NFC row, its rows that meet the NFC row's dropped for them (a shortlist decision refuses the merge).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Connection, Table, UniqueConstraint, select
from sqlalchemy.sql.elements import ColumnElement

from matcher.schema import canonical_id
from matcher.store import corrections, id_twins, shortlists
from matcher.store._common import chunks
from matcher.store.id_columns import ID_COLUMNS, Found, IdColumn, Kind, Renames, nfc_forms
from matcher.store.id_records import raw
from matcher.store.id_twins import Dropped, Twin


@dataclass(frozen=True)
class Collision:
    """An id left in its stored forms: ``spellings`` (the NFC one last) would meet in ``tables``; for a notice stored
    in both forms and not merged (``id_twins``), ``why``. ``aliases``: the spellings of each alias whose forms meet
    only because they belong to this notice's forms (each twin's alias), left as stored with it and named here,
    not as collisions of their own."""

    kind: Kind
    spellings: tuple[str, ...]
    tables: tuple[str, ...]
    why: str = ""
    aliases: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class _UniqueKey:
    """A primary key, unique constraint or unique index with an id column among its expressions."""

    table: Table
    expressions: tuple[ColumnElement[Any], ...]
    where: ColumnElement[bool] | None
    ids: tuple[tuple[int, IdColumn], ...]  # (position, column) of each id column in it


def _unique_keys(dialect: str) -> list[_UniqueKey]:
    by_name = {(c.table.name, c.name): c for c in ID_COLUMNS}
    keys: list[_UniqueKey] = []
    for table in dict.fromkeys(c.table for c in ID_COLUMNS if not c.derived):
        found: list[tuple[tuple[Any, ...], Any]] = [(tuple(table.primary_key.columns), None)]
        found += [(tuple(u.columns), None) for u in table.constraints if isinstance(u, UniqueConstraint)]
        found += [(tuple(i.expressions), i.dialect_options[dialect]["where"] if dialect in ("sqlite", "postgresql")
                   else None) for i in table.indexes if i.unique]
        for expressions, where in found:
            ids = tuple((n, by_name[(table.name, e.name)]) for n, e in enumerate(expressions)
                        if isinstance(e, Column) and (table.name, e.name) in by_name)
            if ids:
                keys.append(_UniqueKey(table, expressions, where, ids))
    return keys


#: A row of a unique key: the key's values as stored, and the row's primary key (column, value as stored).
_Row = tuple[tuple[Any, ...], tuple[tuple[str, Any], ...]]
#: A row dropped for its NFC twin's: (table, primary key) -> the table, the key, and how the report shows it.
_Drops = dict[tuple[str, tuple[tuple[str, Any], ...]], tuple[Table, tuple[tuple[str, Any], ...], Dropped]]


def _meetings(conn: Connection, key: _UniqueKey, renames: Renames, absorbed: Collection[str]) -> list[list[_Row]]:
    """The rows of ``key`` that the renames would give one value, in groups; the rows of a notice merged into its
    NFC twin (``absorbed``), deleted with it, left out."""
    positions, pk = dict(key.ids), list(key.table.primary_key.columns)
    owners = [c for c in id_twins.OWNERS if c.table is key.table]
    columns = [raw(e) if n in positions else e for n, e in enumerate(key.expressions)]
    columns += [raw(c) for c in (*pk, *owners)]
    rows: set[tuple[Any, ...]] = set()
    for _, col in key.ids:
        forms = sorted({form for old, new in renames[col.kind].items() for form in (old, new)})
        for part in chunks(forms):
            query = select(*columns).where(raw(col.column).in_(part))
            if key.where is not None:
                query = query.where(key.where)
            rows.update(tuple(row) for row in conn.execute(query))
    width, end = len(key.expressions), len(key.expressions) + len(pk)
    meeting: dict[tuple[Any, ...], list[_Row]] = defaultdict(list)
    for row in (r for r in rows if not absorbed or not any(v in absorbed for v in r[end:])):
        values = row[:width]
        meeting[tuple(renames[positions[n].kind].get(v, v) if n in positions else v
                      for n, v in enumerate(values))].append((values, tuple(zip((c.name for c in pk), row[width:end],
                                                                                  strict=True))))
    return [met for met in meeting.values() if len(met) > 1]


def _twin_rows(key: _UniqueKey, met: list[_Row], merging: Collection[str]) -> tuple[int, list[_Row]] | None:
    """When the rows meet only by a merged notice's forms and one of them names its NFC row: that column's
    position, and the rows that name another form (dropped for it)."""
    differing = [(n, col) for n, col in key.ids if len({values[n] for values, _ in met}) > 1]
    if len(differing) != 1 or differing[0][1].kind != "tender":
        return None
    n = differing[0][0]
    others = [row for row in met if not unicodedata.is_normalized("NFC", row[0][n])]
    if len(others) != len(met) - 1 or any(values[n] not in merging for values, _ in others):
        return None
    return n, others


@dataclass
class Plan:
    """The renames, the collisions, and the notices merged into their NFC twin (by the old form) with the rows
    dropped for the NFC row's and the shortlist notes carried onto it; ``refused``: a twin's NFC id -> why it is
    not merged."""

    renames: Renames
    refused: dict[str, str]
    collided: dict[tuple[Kind, str], tuple[set[str], set[str]]] = field(default_factory=dict)
    merging: dict[str, Twin] = field(default_factory=dict)
    drops: dict[str, _Drops] = field(default_factory=dict)
    #: A merged notice's old form -> (firm, note) for each item of the NFC form given its dropped twin's note.
    notes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: An alias's NFC form -> the NFC form of the notice whose forms hold its forms, or None where one notice holds
    #: two of its forms (then the alias meets on its own).
    alias_owners: dict[str, set[str | None]] = field(default_factory=dict)

    def collide(self, key: _UniqueKey, met: list[_Row]) -> set[tuple[Kind, str]]:
        """Note the ids whose forms meet in ``met`` as collisions; returns them (kind, NFC form)."""
        groups: set[tuple[Kind, str]] = set()
        for n, col in key.ids:
            if len({values[n] for values, _ in met}) > 1:  # this column's forms meet
                group = (col.kind, canonical_id(met[0][0][n]))
                spellings, tables = self.collided.setdefault(group, (set(), set()))
                spellings.update(values[n] for values, _ in met)
                tables.add(key.table.name)
                groups.add(group)
        if key.table is corrections.tender_aliases:
            self._own_aliases(key, met)
        return groups

    def _own_aliases(self, key: _UniqueKey, met: list[_Row]) -> None:
        """Note which notice the alias forms meeting in ``met`` (rows of tender_aliases) belong to."""
        at = {col.name: n for n, col in key.ids}
        alias, owner = at["alias"], at["tender_id"]
        if len({values[alias] for values, _ in met}) > 1:
            owners = {values[owner] for values, _ in met}
            nfc = canonical_id(next(iter(owners))) if len(owners) > 1 else None
            self.alias_owners.setdefault(canonical_id(met[0][0][alias]), set()).add(nfc)

    def drop(self, conn: Connection, key: _UniqueKey, n: int, others: list[_Row]) -> bool:
        """Note ``others`` (a merged notice's old form at ``n``) as dropped for the NFC row's; whether that
        refuses a merge (a shortlist decision it would lose)."""
        refusing = False
        named = key.expressions[n].name
        for values, pk in others:
            old = values[n]
            firm = dict(pk).get("firm_id", "")
            merge = id_twins.item_merge(conn, firm, old, self.merging[old].new) \
                if key.table is shortlists.shortlist_items else id_twins.ItemMerge()
            if merge.refused:
                self.refused[self.merging[old].new], refusing = merge.refused, True
            if merge.note:
                self.notes.setdefault(old, []).append((firm, merge.note))
            shown = Dropped(key.table.name, tuple((c, v) for c, v in pk if c != named))
            self.drops.setdefault(old, {})[(key.table.name, pk)] = (key.table, pk, shown)
        return refusing

    @property
    def collisions(self) -> list[Collision]:
        """One per id left as stored; an alias that meets only as its notice's forms do, within its notice's."""
        folded = {nfc: owner for nfc, owner in self._folded_aliases()}
        aliases: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for nfc, owner in folded.items():
            aliases[owner].append(_spelt(self.collided[("tender", nfc)][0], nfc))
        return [Collision(kind, _spelt(spellings, nfc), tuple(sorted(tables)),
                          self.refused.get(nfc, "") if kind == "tender" else "",
                          tuple(aliases[nfc]) if kind == "tender" else ())
                for (kind, nfc), (spellings, tables) in sorted(self.collided.items())
                if kind == "firm" or nfc not in folded]

    def _folded_aliases(self) -> Iterable[tuple[str, str]]:
        """(alias, notice): each alias (NFC forms) that meets in tender_aliases alone, its forms held by the forms of
        one notice that collides itself."""
        for (kind, nfc), (_, tables) in sorted(self.collided.items()):
            owners = self.alias_owners.get(nfc, set())
            owner = next(iter(owners)) if len(owners) == 1 else None
            if kind == "tender" and tables == {corrections.tender_aliases.name} and owner not in (None, nfc) \
                    and ("tender", owner) in self.collided:
                yield nfc, str(owner)


def _spelt(spellings: Collection[str], nfc: str) -> tuple[str, ...]:
    """The spellings sorted, the NFC one last."""
    return tuple(sorted(spellings, key=lambda s: (s == nfc, s)))


def plan(conn: Connection, found: Found, twins: dict[str, Twin]) -> Plan:
    """Each value's NFC form, but for the ids that collide (found again after each round, as leaving an id as
    stored may make another meet it), and the twins merged but those refused (two sources, a decision: found
    again after each round too, as a twin not merged meets its NFC row)."""
    plan = Plan({kind: nfc_forms(values) for kind, values in found.items()},
                 {t.new: f"stored from two sources, {t.old_source!r} (the other form) and {t.source!r}"
                  for t in twins.values() if not t.one_notice})
    keys = _unique_keys(conn.dialect.name)
    while True:
        plan.merging = {old: twin for old, twin in twins.items()
                        if twin.new not in plan.refused and old in plan.renames["tender"]}
        plan.drops, plan.notes = {}, {}
        fresh: set[tuple[Kind, str]] = set()
        refusing = False
        for key in keys:
            for met in _meetings(conn, key, plan.renames, plan.merging):
                rows = _twin_rows(key, met, plan.merging)
                if rows is None:
                    fresh |= plan.collide(key, met)
                else:
                    refusing |= plan.drop(conn, key, *rows)
        if not fresh and not refusing:
            return plan
        for kind, nfc in fresh:
            plan.renames[kind] = {old: new for old, new in plan.renames[kind].items() if new != nfc}
