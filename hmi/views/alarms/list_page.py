"""An alarm list page: filters, the table, operator actions and the details pane.

The same page serves the active list (acknowledge one / selected / page, shelve, comment, take
out of service), the shelved list (unshelve) and the out-of-service list (return to service).
Actions are handed to the console, which runs them in workers.
"""

from __future__ import annotations

from PySide6.QtCore import QLocale, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStyledItemDelegate,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.alarms.states import AlarmState
from core.model import NS_PER_S, now_ns
from hmi.context import HmiContext
from hmi.formatting import PlantClock
from hmi.icons import icon_button, priority_icon, quiet_priority_icon
from hmi.models.alarm_model import ACTIVE_STATES, AlarmItem, AlarmSnapshot
from hmi.models.alarm_table import COLUMNS, AlarmFilterProxy, AlarmTableModel
from hmi.theme import PRIORITY_NUMBERS
from hmi.views.alarms.details import AlarmDetails
from hmi.widgets.flow_layout import FlowBar, wrapped_height
from hmi.widgets.tables import MainColumnFit

KIND_STATES = {
    "active": ACTIVE_STATES,
    "shelved": frozenset({AlarmState.SHELVED}),
    "out_of_service": frozenset({AlarmState.OUT_OF_SERVICE, AlarmState.SUPPRESSED}),
}
STATE_FILTERS: tuple[tuple[str, frozenset[AlarmState]], ...] = (
    ("All states", frozenset()),
    ("Unacknowledged", frozenset({AlarmState.UNACK, AlarmState.RTN_UNACK, AlarmState.LATCHED})),
    ("Acknowledged", frozenset({AlarmState.ACKED})),
    ("Returned to normal", frozenset({AlarmState.RTN_UNACK})),
)
AREA_COLUMN = COLUMNS.index("Area")
DESCRIPTION_COLUMN = COLUMNS.index("Description")
"""The operator's main column: it keeps a readable share of the table."""
SEARCH_MIN_WIDTH = 200
"""The search field never gets narrower (it takes the rest of its row of the filter bar)."""
SINCE_FILTERS = (("Any time", 0), ("Last hour", 3600), ("Last 8 h", 8 * 3600), ("Last 24 h", 86400))


class TodayTimeDelegate(QStyledItemDelegate):
    """Shows a plant-time ``YYYY-MM-DD HH:MM:SS`` of today as its time of day only."""

    def __init__(self, clock: PlantClock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clock = clock

    def displayText(self, value: object, locale: QLocale | QLocale.Language) -> str:  # noqa: N802
        text = super().displayText(value, locale)
        today = self.clock.datetime_text(now_ns()).split(" ")[0] + " "
        return text.removeprefix(today)


class AlarmListPage(QWidget):
    """Filters + table + actions + details for one kind of list."""

    action_requested = Signal(str, list)
    """(action name, selected alarm items): the console performs it."""

    def __init__(self, ctx: HmiContext, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.kind = kind
        self.model = AlarmTableModel(ctx.clock)
        self.proxy = AlarmFilterProxy()
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName(f"alarms_{kind}")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setIconSize(QSize(20, 20))
        if ctx.touch:  # the description needs the room more than today's date and the area
            self.table.setItemDelegateForColumn(1, TodayTimeDelegate(ctx.clock, self.table))
            self.table.setColumnHidden(AREA_COLUMN, True)  # in the details, filter and banner
        self.fit = MainColumnFit(self.table, DESCRIPTION_COLUMN)
        self.details = AlarmDetails(ctx.clock)
        self.priority_buttons: dict[str, QToolButton] = {}
        self.buttons: dict[str, QPushButton] = {}
        self._build()
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

    # -- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        """Filters above, actions below, both the whole width (wrapping on a narrow panel);
        the table and the details pane side by side between them."""
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        self.details.setMinimumWidth(320)
        split.setSizes([900, 360])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._filter_bar())
        layout.addWidget(split, 1)
        layout.addWidget(self._action_bar())
        self.details.trend_button.clicked.connect(self._trend)
        self.details.faceplate_button.clicked.connect(self._faceplate)

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt API)
        """The minimum height with the bars' wrapped rows (a touch scroll area sizes by it)."""
        return wrapped_height(self.layout(), width)

    def _filter_bar(self) -> FlowBar:
        bar = FlowBar()
        for priority in ("critical", "high", "medium", "low"):
            button = QToolButton()
            button.setCheckable(True)
            button.setIcon(quiet_priority_icon(priority))
            button.setObjectName(f"filter_{priority}")
            button.setToolTip(f"Show only priority {PRIORITY_NUMBERS[priority]} ({priority})")
            button.toggled.connect(
                lambda on, b=button, p=priority: self._priority_toggled(b, p, on)
            )
            self.priority_buttons[priority] = button
            bar.add(button)
        self.area = QComboBox()
        self.area.addItem("All areas", "")
        for area in sorted({a.name for a in self.ctx.config.areas} | self._alarm_areas()):
            self.area.addItem(area, area)
        self.state = QComboBox()
        for text, states in STATE_FILTERS if self.kind == "active" else STATE_FILTERS[:1]:
            self.state.addItem(text, states)
        self.since = QComboBox()
        for text, seconds in SINCE_FILTERS:
            self.since.addItem(text, seconds)
        self.text = QLineEdit()
        self.text.setPlaceholderText("Search alarm, tag, text…")
        self.text.setClearButtonEnabled(True)
        self.text.setMinimumWidth(SEARCH_MIN_WIDTH)
        for combo in (self.area, self.state, self.since):
            combo.currentIndexChanged.connect(lambda _i: self._apply_filters())
            bar.add(combo)
        self.text.textChanged.connect(lambda _t: self._apply_filters())
        bar.add(self.text)  # takes what is left of its row
        return bar

    def _alarm_areas(self) -> set[str]:
        return {d.area for d in self.ctx.alarms.definitions() if d.area}

    def _action_bar(self) -> FlowBar:
        specs = {
            "active": (
                ("ack", "Acknowledge", "ack"),
                ("ack_page", "Acknowledge page", "ack_all"),
                ("shelve", "Shelve…", "shelve"),
                ("comment", "Comment…", "comment"),
                ("remove_from_service", "Out of service…", "out_of_service"),
            ),
            "shelved": (("unshelve", "Unshelve", "unshelve"), ("comment", "Comment…", "comment")),
            "out_of_service": (
                ("return_to_service", "Return to service", "return_to_service"),
                ("comment", "Comment…", "comment"),
            ),
        }[self.kind]
        bar = FlowBar()
        for name, text, icon in specs:
            button = icon_button(icon, text)
            button.setObjectName(f"{self.kind}_{name}")
            button.clicked.connect(lambda _=False, n=name: self._request(n))
            self.buttons[name] = button
            bar.add(button)
        return bar

    # -- behaviour ------------------------------------------------------------------------------
    def show_snapshot(self, snapshot: AlarmSnapshot) -> None:
        """Show the snapshot's alarms of this page's kind."""
        self.model.set_items(snapshot.in_states(KIND_STATES[self.kind]))
        self._selection_changed()

    def _priority_toggled(self, button: QToolButton, priority: str, on: bool) -> None:
        button.setIcon(priority_icon(priority) if on else quiet_priority_icon(priority))
        self._apply_filters()

    def _apply_filters(self) -> None:
        priorities = {p for p, b in self.priority_buttons.items() if b.isChecked()}
        seconds = int(self.since.currentData() or 0)
        self.proxy.set_filter(
            priorities=priorities,
            area=str(self.area.currentData() or ""),
            states=set(self.state.currentData() or ()),
            since_ns=now_ns() - seconds * NS_PER_S if seconds else 0,
            text=self.text.text(),
        )

    def filter_priority(self, priority: str) -> None:
        """Show only one priority ('' for all)."""
        for name, button in self.priority_buttons.items():
            button.setChecked(name == priority)

    def selected_items(self) -> list[AlarmItem]:
        """The selected alarms."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.proxy.item(r) for r in rows]

    def page_items(self) -> list[AlarmItem]:
        """Every alarm the filters show (the page)."""
        return [self.proxy.item(r) for r in range(self.proxy.rowCount())]

    def _selection_changed(self, *_args: object) -> None:
        selected = self.selected_items()
        self.details.show_item(selected[0] if selected else None)
        single = len(selected) == 1
        for name, button in self.buttons.items():
            if name == "ack_page":
                button.setEnabled(any(i.needs_ack for i in self.page_items()))
            elif name == "ack":
                button.setEnabled(any(i.needs_ack for i in selected))
            else:
                button.setEnabled(single)

    def _request(self, name: str) -> None:
        items = self.page_items() if name == "ack_page" else self.selected_items()
        if items:
            self.action_requested.emit("ack" if name == "ack_page" else name, items)

    def select_alarm(self, name: str) -> bool:
        """Select the row of an alarm; False when not shown."""
        for row in range(self.proxy.rowCount()):
            if self.proxy.item(row).name == name:
                self.table.selectRow(row)
                return True
        return False

    def _trend(self) -> None:
        if self.details.item is not None:
            self.ctx.nav.trend_tag.emit(self.details.item.tag)

    def _faceplate(self) -> None:
        if self.details.item is not None:
            self.ctx.nav.show_device.emit(self.details.item.device)
