"""Errors a user can cause. The CLI prints them alone (no traceback) and exits 2, so each says
where the problem is (file:line: field) and how to fix it."""

from __future__ import annotations


class InputError(Exception):
    def __init__(self, problem: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None, hint: str | None = None) -> None:
        where = []
        if file is not None:
            where.append(f"{file}:{line}" if line is not None else file)
        if field is not None:
            where.append(field)
        prefix = ": ".join(where)
        message = f"{prefix}: {problem}" if prefix else problem
        if hint:
            message += f"\n  fix: {hint}"
        super().__init__(message)
        self.file, self.line, self.field, self.hint = file, line, field, hint
