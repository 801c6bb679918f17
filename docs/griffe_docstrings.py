"""A griffe extension that adapts the project's docstrings to mkdocstrings' Markdown rendering.

The docstrings are written for readers of the source and for ``help()``: Google style with an
``Example:`` section of doctest lines, plus a few reStructuredText habits (``:func:`name```
roles, simple tables bordered by ``====`` lines). Griffe treats a singular ``Example:`` as a
free-form admonition, whose doctest lines Markdown then reads as text (two lines of brackets
even as a reference link), and it renders roles and RST tables literally. Before griffe parses
a docstring, this extension:

- renames the ``Example:`` section to ``Examples:`` (griffe's examples section, which renders
  ``>>>`` lines as Python code);
- turns ``:role:`~a.b.name``` into ```name``` (inline code);
- turns RST simple tables into Markdown tables.

It only changes what the documentation site shows, never the source.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLE = re.compile(r"^(\s*)Example:\s*$", flags=re.MULTILINE)
_ROLE = re.compile(r":(?:func|class|mod|meth|attr|data|exc|obj):`~?([^`]+)`")
_BORDER = re.compile(r"^\s*=+( +=+)+\s*$")


def _role_text(match: re.Match[str]) -> str:
    target = match.group(1)
    return f"`{target.rsplit('.', 1)[-1]}`"


def _columns(border: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"=+", border)]


def _cells(line: str, spans: list[tuple[int, int]]) -> list[str]:
    # Cells are separated by two spaces or more; slice at the border's columns otherwise.
    parts = re.split(r"\s{2,}", line.strip())
    if len(parts) == len(spans):
        return parts
    cells = []
    for i, (start, _) in enumerate(spans):
        end = spans[i + 1][0] if i + 1 < len(spans) else len(line)
        cells.append(line[start:end].strip())
    return cells


def _rst_tables_to_markdown(text: str) -> str:
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        # A simple table: border, header, border, rows..., border.
        if (
            _BORDER.match(lines[i])
            and i + 2 < len(lines)
            and _BORDER.match(lines[i + 2])
            and any(_BORDER.match(line) for line in lines[i + 3 :])
        ):
            spans = _columns(lines[i])
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            end = next(j for j in range(i + 3, len(lines)) if _BORDER.match(lines[j]))
            header = _cells(lines[i + 1], spans)
            out.append(indent + "| " + " | ".join(header) + " |")
            out.append(indent + "|" + "---|" * len(header))
            for row in lines[i + 3 : end]:
                out.append(indent + "| " + " | ".join(_cells(row, spans)) + " |")
            i = end + 1
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def adapt(text: str) -> str:
    """Return ``text`` with the three rewrites described in the module docstring."""
    text = _EXAMPLE.sub(r"\1Examples:", text)
    text = _rst_tables_to_markdown(text)
    return _ROLE.sub(_role_text, text)


class DocstringsForMarkdown(griffe.Extension):
    """Rewrite each docstring as it is loaded (see the module docstring)."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Adapt ``obj``'s docstring before griffe parses it.

        Args:
            obj: The object griffe just created.
            **kwargs: The other arguments of griffe's hook, unused.
        """
        if obj.docstring is not None:
            obj.docstring.value = adapt(obj.docstring.value)
