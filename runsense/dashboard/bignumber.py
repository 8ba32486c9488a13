"""A cadence number big enough to read from a treadmill 1-2 m away (5 rows, ~10 columns a digit)."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

_FONT = {
    "0": ("█████", "█   █", "█   █", "█   █", "█████"),
    "1": ("  ██ ", "   █ ", "   █ ", "   █ ", "  ███"),
    "2": ("█████", "    █", "█████", "█    ", "█████"),
    "3": ("█████", "    █", " ████", "    █", "█████"),
    "4": ("█   █", "█   █", "█████", "    █", "    █"),
    "5": ("█████", "█    ", "█████", "    █", "█████"),
    "6": ("█████", "█    ", "█████", "█   █", "█████"),
    "7": ("█████", "    █", "   █ ", "  █  ", "  █  "),
    "8": ("█████", "█   █", "█████", "█   █", "█████"),
    "9": ("█████", "█   █", "█████", "    █", "█████"),
    "-": ("     ", "     ", "█████", "     ", "     "),
    " ": ("     ", "     ", "     ", "     ", "     "),
}
ROWS = 5


def big_text(value: str) -> str:
    """Render digits and dashes in the block font, each cell doubled in width so it looks square."""
    rows = []
    for r in range(ROWS):
        glyphs = ["".join(ch * 2 for ch in _FONT.get(c, _FONT[" "])[r]) for c in value]
        rows.append("  ".join(glyphs))
    return "\n".join(rows)


class BigNumber(Widget):
    """Shows a short number in the block font; ``value`` is plain text such as ``"172"``."""

    DEFAULT_CSS = """
    BigNumber { height: 5; width: auto; }
    """

    def __init__(self, value: str = "", *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        """Start with ``value``."""
        super().__init__(id=id)
        self._value = value

    @property
    def value(self) -> str:
        """The number shown, as text."""
        return self._value

    def update(self, value: str) -> None:
        """Show another number (repaints only when it changed)."""
        if value != self._value:
            self._value = value
            self.refresh(layout=True)

    def render(self) -> Text:
        """The block-font rendering."""
        return Text(big_text(self._value))

    def get_content_width(self, container: object, viewport: object) -> int:  # noqa: ARG002
        """Width of the rendered number, so ``width: auto`` fits it."""
        return max(len(line) for line in big_text(self._value or " ").split("\n"))

    def get_content_height(self, container: object, viewport: object, width: int) -> int:  # noqa: ARG002
        """Always five rows."""
        return ROWS
