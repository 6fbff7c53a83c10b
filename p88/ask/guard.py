"""The guard every asked statement passes, whoever wrote it (the built-in grammar or an LLM).

PostgreSQL's own parser (pglast) reads it; the tree must be exactly one SELECT made only of the
node kinds, relations, functions, operators and types listed here (anything else is refused:
deny by default). What runs is the statement printed back from the tree (so no comment or
second statement can hide in it), wrapped in a row limit. This is the first wall; the ask
role (sql/0080_ask.sql) is the second: it could not read other tables or companies anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pglast
from pglast import ast
from pglast.enums import A_Expr_Kind, SQLValueFunctionOp
from pglast.parser import ParseError
from pglast.stream import IndentedStream, RawStream

from p88.ask.catalog import COLUMN_NAMES, VIEW_NAMES

MAX_SQL = 20_000

# Parse-tree node kinds a read-only question needs. Everything else (DML, DDL, utility
# statements, COPY, locking clauses, SELECT INTO, TABLESAMPLE, XML ...) is refused.
ALLOWED_NODES = frozenset(
    {
        "SelectStmt", "ResTarget", "ColumnRef", "A_Star", "A_Const", "Integer", "Float",
        "String", "Boolean", "A_Expr", "BoolExpr", "NullTest", "BooleanTest", "FuncCall",
        "TypeCast", "TypeName", "RangeVar", "Alias", "JoinExpr", "RangeSubselect", "SubLink",
        "SortBy", "WindowDef", "CaseExpr", "CaseWhen", "CoalesceExpr", "MinMaxExpr",
        "A_ArrayExpr", "A_Indices", "A_Indirection", "RowExpr", "WithClause",
        "CommonTableExpr", "GroupingSet", "GroupingFunc", "RangeFunction", "SQLValueFunction",
        "NamedArgExpr",
    }
)  # fmt: skip

ALLOWED_FUNCTIONS = frozenset(
    {
        # aggregates and window functions
        "count", "sum", "avg", "min", "max", "stddev", "stddev_pop", "stddev_samp",
        "variance", "var_pop", "var_samp", "string_agg", "array_agg", "bool_and", "bool_or",
        "every", "percentile_cont", "percentile_disc", "mode", "rank", "dense_rank",
        "row_number", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value",
        "last_value", "nth_value",
        # numbers
        "round", "trunc", "floor", "ceil", "ceiling", "abs", "sign", "power", "sqrt", "mod",
        "div", "greatest", "least",
        # text
        "lower", "upper", "initcap", "length", "char_length", "concat", "concat_ws",
        "substring", "substr", "left", "right", "btrim", "ltrim", "rtrim", "replace",
        "split_part", "strpos", "position", "starts_with", "reverse", "similar_to_escape",
        "similarity", "word_similarity", "strict_word_similarity",
        # dates and times
        "extract", "date_part", "date_trunc", "to_char", "make_interval", "make_date",
        "make_time", "justify_interval", "justify_hours", "age", "now", "to_date",
        "timezone", "date_bin",
        # arrays
        "unnest", "array_length", "cardinality",
    }
)  # fmt: skip

ALLOWED_TYPES = frozenset(
    {
        "int2", "int4", "int8", "smallint", "integer", "int", "bigint", "numeric", "decimal",
        "float4", "float8", "real", "text", "varchar", "bpchar", "char", "bool", "boolean",
        "date", "time", "timetz", "timestamp", "timestamptz", "interval",
    }
)  # fmt: skip

ALLOWED_OPERATORS = frozenset(
    {
        "=", "<>", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "^", "||",
        "~~", "~~*", "!~~", "!~~*", "~", "~*", "!~", "!~*",
    }
)  # fmt: skip

ALLOWED_VALUE_FUNCTIONS = frozenset(
    {
        SQLValueFunctionOp.SVFOP_CURRENT_DATE,
        SQLValueFunctionOp.SVFOP_CURRENT_TIME,
        SQLValueFunctionOp.SVFOP_CURRENT_TIME_N,
        SQLValueFunctionOp.SVFOP_CURRENT_TIMESTAMP,
        SQLValueFunctionOp.SVFOP_CURRENT_TIMESTAMP_N,
        SQLValueFunctionOp.SVFOP_LOCALTIME,
        SQLValueFunctionOp.SVFOP_LOCALTIME_N,
        SQLValueFunctionOp.SVFOP_LOCALTIMESTAMP,
        SQLValueFunctionOp.SVFOP_LOCALTIMESTAMP_N,
    }
)

VIEWS_TEXT = ", ".join(sorted(VIEW_NAMES))

STATEMENTS = {
    "InsertStmt": "INSERT",
    "UpdateStmt": "UPDATE",
    "DeleteStmt": "DELETE",
    "MergeStmt": "MERGE",
    "CopyStmt": "COPY",
    "DropStmt": "DROP",
    "TruncateStmt": "TRUNCATE",
    "CreateStmt": "CREATE TABLE",
    "CreateTableAsStmt": "CREATE TABLE AS",
    "AlterTableStmt": "ALTER TABLE",
    "GrantStmt": "GRANT",
    "VariableSetStmt": "SET",
    "VariableShowStmt": "SHOW",
    "TransactionStmt": "a transaction command",
    "DoStmt": "DO",
    "CallStmt": "CALL",
    "ExplainStmt": "EXPLAIN",
    "LockStmt": "LOCK",
}


class Refused(Exception):
    """The statement is not one Ask runs; the message says what and why, for a person."""


@dataclass(frozen=True, slots=True)
class Checked:
    shown: str  # the statement as people read it (printed from the parse tree)
    runnable: str  # the same statement, wrapped in the row limit


def check(sql: str, max_rows: int) -> Checked:
    """The statement, checked and printed back, or Refused."""
    if len(sql) > MAX_SQL:
        raise Refused(f"The statement is longer than {MAX_SQL:,} characters.")
    try:
        statements = pglast.parse_sql(sql)
    except ParseError as exc:
        raise Refused(f"The statement is not valid SQL: {exc}.") from None
    if len(statements) != 1:
        raise Refused(f"Ask runs exactly one statement; this text holds {len(statements)}.")
    statement = statements[0].stmt
    if not isinstance(statement, ast.SelectStmt):
        kind = STATEMENTS.get(type(statement).__name__, type(statement).__name__)
        raise Refused(f"Ask only reads: {kind} is not allowed, only a SELECT statement.")
    try:
        _Walker(_names_defined(statement)).select(statement, ())
        printed = RawStream()(statement)
        shown = IndentedStream(comma_at_eoln=True)(statement)
    except RecursionError:
        raise Refused("The statement is nested too deeply.") from None
    return Checked(shown, f"SELECT * FROM ({printed}) AS answer LIMIT {int(max_rows) + 1}")


def _fields(node: ast.Node) -> tuple[str, ...]:
    return tuple(getattr(type(node), "__slots__", ()))


def _children(node: ast.Node) -> Iterator[Any]:
    for name in _fields(node):
        value = getattr(node, name, None)
        if value is not None:
            yield value


def _strings(items: Any) -> list[str]:
    """The text of the String nodes in a name list (None: none)."""
    return [item.sval for item in items or () if isinstance(item, ast.String) and item.sval]


def _flatten(value: Any) -> Iterator[ast.Node]:
    if isinstance(value, ast.Node):
        yield value
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _flatten(item)


def _names_defined(statement: ast.Node) -> frozenset[str]:
    """Column names the statement itself defines (AS aliases, alias column lists): qualified
    references may use these besides the views' columns."""
    names: set[str] = set()
    for node in _walk(statement):
        if isinstance(node, ast.ResTarget) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.Alias):
            names.update(_strings(node.colnames))
        elif isinstance(node, ast.CommonTableExpr):
            names.update(_strings(node.aliascolnames))
    return frozenset(names)


def _walk(node: ast.Node) -> Iterator[ast.Node]:
    yield node
    for child in _children(node):
        for item in _flatten(child):
            yield from _walk(item)


@dataclass(slots=True)
class _Walker:
    """Checks every node of a SELECT, keeping track of which WITH names are in scope."""

    defined: frozenset[str]

    def select(self, node: ast.SelectStmt, scope: tuple[str, ...]) -> None:
        if node.intoClause is not None:
            raise Refused("SELECT ... INTO writes a table; Ask only reads.")
        if node.lockingClause:
            raise Refused("Locking clauses (FOR UPDATE, FOR SHARE) are not allowed.")
        with_clause = node.withClause
        if with_clause is not None:
            ctes = list(with_clause.ctes or ())
            names = [str(cte.ctename) for cte in ctes]
            for index, cte in enumerate(ctes):
                if not isinstance(cte.ctequery, ast.SelectStmt):
                    raise Refused(f"WITH {cte.ctename} must be a SELECT; Ask only reads.")
                if cte.search_clause is not None or cte.cycle_clause is not None:
                    raise Refused("SEARCH and CYCLE clauses are not allowed.")
                # A plain WITH query sees only the ones before it; a RECURSIVE one, all.
                visible = names if with_clause.recursive else names[:index]
                self.select(cte.ctequery, (*scope, *visible))
            scope = (*scope, *names)
        for name in _fields(node):
            if name == "withClause":
                continue
            value = getattr(node, name, None)
            for child in _flatten(value) if value is not None else ():
                self.node(child, scope)

    def node(self, node: ast.Node, scope: tuple[str, ...]) -> None:
        kind = type(node).__name__
        if kind not in ALLOWED_NODES:
            raise Refused(f"{_kind_name(kind)} is not allowed in an Ask statement.")
        if isinstance(node, ast.SelectStmt):
            self.select(node, scope)
            return
        check = _CHECKS.get(kind)
        if check is not None:
            check(self, node, scope)
        for child in _children(node):
            for item in _flatten(child):
                self.node(item, scope)


def _kind_name(kind: str) -> str:
    friendly = {
        "ParamRef": "A parameter ($1)",
        "RangeTableSample": "TABLESAMPLE",
        "CollateClause": "COLLATE",
        "XmlExpr": "XML",
        "IntoClause": "INTO",
        "LockingClause": "A locking clause",
    }
    return friendly.get(kind, f"This kind of expression ({kind})")


def _relation(walker: _Walker, node: ast.RangeVar, scope: tuple[str, ...]) -> None:
    name = node.relname
    if node.catalogname or node.schemaname not in (None, "public"):
        raise Refused(f"Ask reads only the views {VIEWS_TEXT}; not {_qualified(node)}.")
    if node.schemaname is None and name in scope:
        return
    if name not in VIEW_NAMES:
        raise Refused(f"Ask reads only the views {VIEWS_TEXT}; {name} is not one of them.")


def _qualified(node: ast.RangeVar) -> str:
    return ".".join(p for p in (node.catalogname, node.schemaname, node.relname) if p)


def _function(walker: _Walker, node: ast.FuncCall, scope: tuple[str, ...]) -> None:
    parts = _strings(node.funcname)
    name = parts[-1].lower() if parts else ""
    if len(parts) > 2 or (len(parts) == 2 and parts[0] != "pg_catalog"):
        raise Refused(f"The function {'.'.join(parts)}() is not allowed.")
    if name not in ALLOWED_FUNCTIONS:
        raise Refused(
            f"The function {name}() is not allowed: Ask statements may use counts, sums, "
            "averages, ranks and the usual text, number and date functions only."
        )
    if node.func_variadic:
        raise Refused("VARIADIC calls are not allowed.")


def _type(walker: _Walker, node: ast.TypeName, scope: tuple[str, ...]) -> None:
    parts = _strings(node.names)
    if node.setof or node.pct_type or not parts or parts[-1] not in ALLOWED_TYPES:
        raise Refused(f"The type {'.'.join(parts) or '?'} is not allowed.")
    if len(parts) > 2 or (len(parts) == 2 and parts[0] != "pg_catalog"):
        raise Refused(f"The type {'.'.join(parts)} is not allowed.")


def _expression(walker: _Walker, node: ast.A_Expr, scope: tuple[str, ...]) -> None:
    parts = _strings(node.name)
    if node.kind in (
        A_Expr_Kind.AEXPR_BETWEEN,
        A_Expr_Kind.AEXPR_NOT_BETWEEN,
        A_Expr_Kind.AEXPR_BETWEEN_SYM,
        A_Expr_Kind.AEXPR_NOT_BETWEEN_SYM,
    ):
        return  # fmt: skip
    if len(parts) != 1 or parts[0] not in ALLOWED_OPERATORS:
        raise Refused(f"The operator {'.'.join(parts)} is not allowed.")


def _column(walker: _Walker, node: ast.ColumnRef, scope: tuple[str, ...]) -> None:
    # `alias.name` may also call a function name(alias) ("attribute notation"): only the
    # views' columns and names the statement defines are accepted after a dot.
    fields = _strings(node.fields)
    if len(node.fields or ()) > 1 and fields:
        last = (node.fields or ())[-1]
        if isinstance(last, ast.String) and last.sval not in COLUMN_NAMES | walker.defined:
            raise Refused(f"{'.'.join(fields)} is not a column of the views Ask reads.")


def _indirection(walker: _Walker, node: ast.A_Indirection, scope: tuple[str, ...]) -> None:
    for item in node.indirection or ():
        if isinstance(item, ast.String) and item.sval not in COLUMN_NAMES | walker.defined:
            raise Refused(f"{item.sval} is not a column of the views Ask reads.")


def _value_function(walker: _Walker, node: ast.SQLValueFunction, scope: tuple[str, ...]) -> None:
    if node.op not in ALLOWED_VALUE_FUNCTIONS:
        raise Refused("Only the current date and time may be asked of the server.")


def _sort(walker: _Walker, node: ast.SortBy, scope: tuple[str, ...]) -> None:
    if node.useOp:
        raise Refused("ORDER BY ... USING an operator is not allowed; use ASC or DESC.")


_CHECKS: dict[str, Any] = {
    "SortBy": _sort,
    "RangeVar": _relation,
    "FuncCall": _function,
    "TypeName": _type,
    "A_Expr": _expression,
    "ColumnRef": _column,
    "A_Indirection": _indirection,
    "SQLValueFunction": _value_function,
}
