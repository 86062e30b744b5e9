"""The preview of a report: its PDF pages drawn by Qt's own PDF module (QtPdf), with page
navigation and zoom; a CSV file is shown as its text. No external renderer, no temporary file:
the document is read from the bytes in memory.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, Signal
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

EMPTY_TEXT = "Generate a report, or choose one in the archive, to preview it here."
ZOOMS = ("Fit width", "Whole page", "100 %")


class ReportPreview(QWidget):
    """Pages of a PDF (first, previous, next, last; zoom) or the text of a CSV."""

    page_changed = Signal(int)
    """The page shown (0-based)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = QPdfDocument(self)
        self.pdf_view = QPdfView(self)
        self.pdf_view.setObjectName("report_pdf_view")
        self.pdf_view.setDocument(self.document)
        self.pdf_view.setPageMode(QPdfView.PageMode.MultiPage)
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.text_view = QPlainTextEdit()
        self.text_view.setObjectName("report_csv_view")
        self.text_view.setReadOnly(True)
        self.text_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setObjectName("report_preview_empty")
        self.empty.setWordWrap(True)
        self.empty.setProperty("role", "caption")
        self.pages = QStackedWidget()
        for widget in (self.empty, self.pdf_view, self.text_view):
            self.pages.addWidget(widget)
        self.first_button = self._button("⏮", "report_first", "First page")
        self.previous_button = self._button("◀", "report_previous", "Previous page")
        self.next_button = self._button("▶", "report_next", "Next page")
        self.last_button = self._button("⏭", "report_last", "Last page")
        self.page_label = QLabel("")
        self.page_label.setObjectName("report_page")
        self.expand_button = self._button(
            "⤢", "report_expand", "Preview only (hide the form and the archive)"
        )
        self.expand_button.setCheckable(True)
        self.zoom = QComboBox()
        self.zoom.setObjectName("report_zoom")
        self.zoom.setToolTip("Zoom")
        self.zoom.addItems(list(ZOOMS))
        self._buffer: QBuffer | None = None
        self._build()
        self.clear()

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        return button

    def _build(self) -> None:
        bar = QHBoxLayout()
        for widget in (self.first_button, self.previous_button):
            bar.addWidget(widget)
        bar.addWidget(self.page_label)
        for widget in (self.next_button, self.last_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.zoom)
        bar.addWidget(self.expand_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(bar)
        column.addWidget(self.pages, 1)
        self.first_button.clicked.connect(lambda: self.go_to(0))
        self.previous_button.clicked.connect(lambda: self.go_to(self.page() - 1))
        self.next_button.clicked.connect(lambda: self.go_to(self.page() + 1))
        self.last_button.clicked.connect(lambda: self.go_to(self.page_count() - 1))
        self.zoom.currentTextChanged.connect(self._zoom_changed)
        navigator = self.pdf_view.pageNavigator()
        navigator.currentPageChanged.connect(self._page_shown)
        self.document.pageCountChanged.connect(lambda _n: self._page_shown(self.page()))

    # -- content --------------------------------------------------------------------------------
    def show_pdf(self, data: bytes) -> None:
        """Show the pages of a PDF (read from memory) from the first page on."""
        self._close()
        buffer = QBuffer(self)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._buffer = buffer
        self.document.load(buffer)
        self.pages.setCurrentWidget(self.pdf_view)
        self.go_to(0)

    def show_text(self, data: bytes) -> None:
        """Show a CSV file as text."""
        self._close()
        self.text_view.setPlainText(data.decode("utf-8-sig", errors="replace"))
        self.pages.setCurrentWidget(self.text_view)
        self._page_shown(0)

    def clear(self, text: str = EMPTY_TEXT) -> None:
        """Show nothing but ``text``."""
        self._close()
        self.empty.setText(text)
        self.pages.setCurrentWidget(self.empty)
        self._page_shown(0)

    def _close(self) -> None:
        self.document.close()
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.deleteLater()
            self._buffer = None

    # -- pages ----------------------------------------------------------------------------------
    def page_count(self) -> int:
        """Pages of the PDF shown (0 when none is)."""
        if self.pages.currentWidget() is not self.pdf_view:
            return 0
        return int(self.document.pageCount())

    def page(self) -> int:
        """The page shown (0-based)."""
        return int(self.pdf_view.pageNavigator().currentPage())

    def go_to(self, page: int) -> None:
        """Show a page (clamped to the document)."""
        count = self.page_count()
        if count == 0:
            return
        target = max(0, min(page, count - 1))
        self.pdf_view.pageNavigator().jump(target, QPointF(0, 0), 0)
        self._page_shown(target)

    def _page_shown(self, page: int) -> None:
        count = self.page_count()
        self.page_label.setText(f"Page {page + 1} of {count}" if count else "")
        self.first_button.setEnabled(count > 0 and page > 0)
        self.previous_button.setEnabled(count > 0 and page > 0)
        self.next_button.setEnabled(page < count - 1)
        self.last_button.setEnabled(page < count - 1)
        self.page_changed.emit(page)

    def _zoom_changed(self, text: str) -> None:
        if text == "Whole page":
            self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitInView)
        elif text == "100 %":
            self.pdf_view.setZoomMode(QPdfView.ZoomMode.Custom)
            self.pdf_view.setZoomFactor(1.0)
        else:
            self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
