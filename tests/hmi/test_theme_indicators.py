"""Check boxes stand out in every theme: the dark theme draws light-edged boxes (the default is
dark on dark), item views included, and the touch panel gets 32 px boxes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QListWidget, QListWidgetItem
from pytestqt.qtbot import QtBot

from hmi.theme import apply_theme, stylesheet

INDICATORS = ("QCheckBox::indicator", "QListView::indicator", "QTreeView::indicator")


@pytest.fixture
def restore_theme(qapp: QApplication) -> Iterator[None]:
    yield
    apply_theme(qapp, "light", touch=False)


@pytest.mark.parametrize("name", ["light", "dark"])
def test_indicators_are_styled_with_images_that_exist(name: str) -> None:
    qss = stylesheet(name)
    assert "@ICONS@" not in qss
    for selector in INDICATORS:
        assert selector in qss, selector
    images = re.findall(r"url\(([^)]+)\)", qss)
    assert images and all(Path(image).is_file() for image in images), images


def test_touch_indicators_are_32_px() -> None:
    touch = stylesheet("dark", touch=True).split("Touch-panel additions")[1]
    for selector in (*INDICATORS, "QTableView::indicator"):
        rule = next(line for line in touch.splitlines() if selector in line)
        assert "width: 32px" in rule and "height: 32px" in rule, rule


def test_an_unticked_list_box_stands_out_in_the_dark(
    qapp: QApplication, qtbot: QtBot, restore_theme: None
) -> None:
    apply_theme(qapp, "dark")
    meters = QListWidget()
    qtbot.addWidget(meters)
    item = QListWidgetItem("meter1 (utilities)")
    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
    item.setCheckState(Qt.CheckState.Unchecked)
    meters.addItem(item)
    meters.resize(240, 80)
    meters.show()
    qtbot.waitExposed(meters)
    image = meters.viewport().grab().toImage()
    row = meters.visualItemRect(item)
    background = QColor(image.pixelColor(row.right() - 2, row.center().y())).lightness()
    box = [
        image.pixelColor(x, y).lightness()
        for x in range(row.left(), row.left() + 24)
        for y in range(row.top(), row.bottom())
    ]
    assert max(box) - background >= 80, (max(box), background)
