"""YAML with line numbers: a node walk that keeps, for every key and list item, the file and line
it came from, so that every profile error can name file:line and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from harness.errors import ProfileError

Mark = tuple[str, int]  # (file, 1-based line)


class YMap(dict[str, Any]):
    """A mapping that remembers where it and each of its keys came from."""

    file: str
    line: int
    marks: dict[str, Mark]  # key -> where its value was written
    raw: dict[str, str]  # key -> source text of a plain scalar value

    def mark(self, key: str) -> Mark:
        return self.marks.get(key, (self.file, self.line))


class YList(list[Any]):
    """A sequence that remembers where it and each item came from."""

    file: str
    line: int
    marks: list[Mark]
    raw: list[str | None]

    def mark(self, index: int) -> Mark:
        return self.marks[index] if index < len(self.marks) else (self.file, self.line)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


class _Walker:
    def __init__(self, file: str) -> None:
        self.file = file
        self.loader = yaml.SafeLoader("")

    def value(self, node: yaml.Node, where: str) -> Any:
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, where)
        if isinstance(node, yaml.SequenceNode):
            return self.sequence(node, where)
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.MarkedYAMLError as exc:
            raise ProfileError(f"bad value: {exc.problem}", file=self.file, line=_line(node),
                               field=where) from None

    def mapping(self, node: yaml.MappingNode, where: str) -> YMap:
        out = YMap()
        out.file, out.line, out.marks, out.raw = self.file, _line(node), {}, {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ProfileError("YAML merge keys ('<<') are not supported", file=self.file,
                                   line=_line(key_node), field=where or "<<")
            if not isinstance(key_node, yaml.ScalarNode):
                raise ProfileError("a key must be a plain name", file=self.file, line=_line(key_node),
                                   field=where)
            key = str(key_node.value)
            path = f"{where}.{key}" if where else key
            if key in out:
                raise ProfileError(f"duplicate key (first written on line {out.marks[key][1]})",
                                   file=self.file, line=_line(key_node), field=path)
            out[key] = self.value(value_node, path)
            out.marks[key] = (self.file, _line(key_node))
            if isinstance(value_node, yaml.ScalarNode) and value_node.style is None:
                out.raw[key] = str(value_node.value)
        return out

    def sequence(self, node: yaml.SequenceNode, where: str) -> YList:
        out = YList()
        out.file, out.line, out.marks, out.raw = self.file, _line(node), [], []
        for i, item in enumerate(node.value):
            out.append(self.value(item, f"{where}[{i}]"))
            out.marks.append((self.file, _line(item)))
            is_plain = isinstance(item, yaml.ScalarNode) and item.style is None
            out.raw.append(str(item.value) if is_plain else None)
        return out


def load_yaml(path: Path) -> YMap:
    """Parse one YAML document into a `YMap`; every failure is a one-line `ProfileError`."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError("file not found", file=file) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"cannot read: {exc}", file=file) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + 1 if mark is not None else None
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise ProfileError(f"YAML syntax error: {problem}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise ProfileError(f"YAML error: {str(exc).splitlines()[0]}", file=file) from None
    if node is None:
        raise ProfileError("empty profile (expected a mapping with 'kind')", file=file, line=1)
    if not isinstance(node, yaml.MappingNode):
        raise ProfileError("a profile must be a mapping with 'kind' at the top", file=file,
                           line=_line(node))
    return _Walker(file).mapping(node, "")
