#!/usr/bin/env python3
"""Loads rtmpscope's ClickHouse rows into a current ClickHouse engine (chdb, from PyPI) with
deploy/clickhouse/schema.sql, and runs deploy/clickhouse/queries.sql on them.

usage: chdb_check.py DEPLOY_DIR ROWS_DIR NOW...
ROWS_DIR holds events.ndjson, session_summaries.ndjson and stream_stats.ndjson (JSONEachRow,
as rtmpscope sends them; an empty file loads nothing); NOW replaces now() in the queries. Prints JSON: the engine's version, the row counts,
and for each NOW each query's rows (JSONCompact's "data").
"""
import json
import os
import sys
import tempfile

from chdb import session


def statements(sql):
    code = "\n".join(line.split("--")[0] for line in sql.splitlines())
    return [s.strip() for s in code.split(";") if s.strip()]


def main():
    deploy, rows, nows = sys.argv[1], sys.argv[2], sys.argv[3:]
    with tempfile.TemporaryDirectory() as scratch:
        db = session.Session(scratch)
        db.query("CREATE DATABASE IF NOT EXISTS rtmpscope")
        db.query("USE rtmpscope")
        with open(os.path.join(deploy, "schema.sql")) as f:
            for statement in statements(f.read()):
                db.query(statement)
        counts = {}
        for table in ("events", "session_summaries", "stream_stats"):
            path = os.path.join(rows, table + ".ndjson")
            if os.path.getsize(path) > 0:
                db.query(f"INSERT INTO {table} SELECT * FROM file('{path}', JSONEachRow)")
            counts[table] = int(str(db.query(f"SELECT count() FROM {table}", "CSV")).strip())
        answers = {}
        with open(os.path.join(deploy, "queries.sql")) as f:
            text = f.read()
        for now in nows:
            answers[now] = {}
            for part in text.split("-- name: ")[1:]:
                name, body = part.split("\n", 1)
                sql = "\n".join(l for l in body.splitlines() if not l.strip().startswith("--"))
                sql = sql.strip().rstrip(";").replace("now()", f"toDateTime({now})")
                result = db.query(sql, "JSONCompact")
                answers[now][name.strip()] = json.loads(str(result))["data"]
        version = str(db.query("SELECT version()", "CSV")).strip().strip('"')
        print(json.dumps({"version": version, "counts": counts, "queries": answers}))


if __name__ == "__main__":
    main()
