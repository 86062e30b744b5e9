"""Driver readings kept as columns: ``Sequence[Reading]`` objects that build items only when read.

A driver that gathers many readings into one emit collects them in columns: no ``Reading``
object has to live while the batch waits in queues (fewer objects for the garbage collector),
and :func:`core.validation.readings_to_batch` reads the columns directly. Any other consumer sees
ordinary, equal ``Reading`` objects. Do not change a collection after emitting it.

* :class:`ReadingColumns`: one row per reading (tag, value, timestamp, quality).
* :class:`MessageColumns`: one segment per message: the message's tags (a sequence shared by
  every message of the same layout), one timestamp and one quality, and its values. Converting
  it resolves each layout's tag names once, not once per value (:class:`LayoutIds` keeps them
  from one batch to the next).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate
from typing import cast, overload

from core.model import Quality, Reading

__all__ = ["ColumnarReadings", "LayoutIds", "MessageColumns", "ReadingColumns"]


class ColumnarReadings(Sequence[Reading]):
    """The ``Sequence[Reading]`` protocol of the column collections; subclasses give
    ``__len__``, ``__iter__`` and :meth:`_at` (the reading at a non-negative index)."""

    __slots__ = ()

    @abstractmethod
    def _at(self, index: int) -> Reading:
        """The reading at a non-negative index below ``len(self)``."""

    @overload
    def __getitem__(self, index: int) -> Reading: ...

    @overload
    def __getitem__(self, index: slice) -> list[Reading]: ...

    def __getitem__(self, index: int | slice) -> Reading | list[Reading]:
        if isinstance(index, slice):
            return list(self)[index]
        size = len(self)
        position = index + size if index < 0 else index
        if not 0 <= position < size:
            raise IndexError(f"{type(self).__name__} index out of range")
        return self._at(position)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"


class ReadingColumns(ColumnarReadings):
    """Readings kept as four parallel lists (one row per reading)."""

    __slots__ = ("qualities", "stamps", "tags", "values")

    def __init__(self) -> None:
        self.tags: list[str] = []
        self.values: list[object] = []
        self.stamps: list[int | None] = []
        self.qualities: list[Quality] = []

    def extend(self, readings: Iterable[Reading]) -> None:
        """Append readings (their fields, column by column)."""
        for r in readings:
            self.tags.append(r.tag)
            self.values.append(r.value)
            self.stamps.append(r.ts_ns)
            self.qualities.append(r.quality)

    def __len__(self) -> int:
        return len(self.tags)

    def _at(self, index: int) -> Reading:
        return Reading(
            self.tags[index], self.values[index], self.stamps[index], self.qualities[index]
        )

    def __iter__(self) -> Iterator[Reading]:
        return map(Reading, self.tags, self.values, self.stamps, self.qualities)


class MessageColumns(ColumnarReadings):
    """Readings of many messages, one segment per message (see the module docstring).

    ``layouts[k]`` holds the tags of segment ``k``, ``stamps[k]`` and ``qualities[k]`` its
    timestamp and quality; ``values`` holds every segment's values, one after the other.
    """

    __slots__ = ("_singles", "layouts", "qualities", "stamps", "values")

    def __init__(self) -> None:
        self.layouts: list[Sequence[str]] = []
        self.values: list[object] = []
        self.stamps: list[int | None] = []
        self.qualities: list[Quality] = []
        self._singles: dict[str, tuple[str]] = {}

    def add(
        self,
        tags: Sequence[str],
        values: Sequence[object],
        ts_ns: int | None,
        quality: Quality = Quality.GOOD,
    ) -> None:
        """Append one message's readings: ``values[i]`` of ``tags[i]``, all at ``ts_ns``.

        ``tags`` is kept, not copied: pass the same (unchanging) object for every message of
        one layout.
        """
        if len(tags) != len(values):
            raise ValueError(f"{len(tags)} tags but {len(values)} values")
        self.layouts.append(tags)
        self.values.extend(values)
        self.stamps.append(ts_ns)
        self.qualities.append(quality)

    def extend(self, readings: Iterable[Reading]) -> None:
        """Append readings, one segment each (a tag's one-name layout is shared)."""
        singles = self._singles
        for r in readings:
            layout = singles.get(r.tag)
            if layout is None:
                layout = singles[r.tag] = (r.tag,)
            self.layouts.append(layout)
            self.values.append(r.value)
            self.stamps.append(r.ts_ns)
            self.qualities.append(r.quality)

    def __len__(self) -> int:
        return len(self.values)

    def __iter__(self) -> Iterator[Reading]:
        values = iter(self.values)
        for tags, ts_ns, quality in zip(self.layouts, self.stamps, self.qualities, strict=True):
            for tag in tags:
                yield Reading(tag, next(values), ts_ns, quality)

    def _at(self, index: int) -> Reading:
        start = 0
        for tags, ts_ns, quality in zip(self.layouts, self.stamps, self.qualities, strict=True):
            if index < start + len(tags):
                return Reading(tags[index - start], self.values[index], ts_ns, quality)
            start += len(tags)
        raise IndexError("MessageColumns index out of range")

    def counts(self) -> list[int]:
        """The number of readings of each segment."""
        return list(map(len, self.layouts))

    def last_values_into(self, last: dict[str, object]) -> None:
        """Set ``last[tag]`` to each tag's last value in these columns.

        Only the last segment of each layout object is applied: an earlier one of the same
        layout would be overwritten by it anyway (no (tag, value) pair is built per value).
        """
        layouts, values = self.layouts, self.values
        final = {id(layout): k for k, layout in enumerate(layouts)}
        offsets = list(accumulate(map(len, layouts), initial=0))
        for k in sorted(final.values()):
            segment = values[offsets[k] : offsets[k + 1]]  # as long as its layout
            last.update(zip(layouts[k], segment))  # noqa: B905 (strict= is a slow path on 3.11)


class LayoutIds:
    """Tag ids of tag layouts (the shared tag sequences of :class:`MessageColumns`), by the
    layout object's identity; bounded. Only layouts whose tags all resolved are kept."""

    LIMIT = 4096

    def __init__(self) -> None:
        self._known: dict[int, tuple[Sequence[str], list[int]]] = {}

    def ids(
        self, layouts: list[Sequence[str]], resolve: Callable[[str], int | None]
    ) -> list[list[int]] | None:
        """Each layout's ids (names resolved in first-seen order); None if one is unknown."""
        known = self._known
        found: dict[int, list[int]] = {}
        for layout in layouts:
            key = id(layout)
            if key in found:
                continue
            entry = known.get(key)
            if entry is not None and entry[0] is layout:
                found[key] = entry[1]
                continue
            resolved = list(map(resolve, layout))
            if None in resolved:
                return None
            ids = cast("list[int]", resolved)
            if len(known) >= self.LIMIT:
                known.clear()
            known[key] = (layout, ids)
            found[key] = ids
        return list(map(found.__getitem__, map(id, layouts)))
