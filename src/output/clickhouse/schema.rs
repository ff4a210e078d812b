//! The tables: `deploy/clickhouse/schema.sql`, created when missing, and what an existing
//! table made by an earlier schema lacks.
//!
//! Existing tables are never altered (on a cluster the columns belong on every shard's local
//! table, which only the operator can add them to): a table that lacks columns is named once
//! with them, as its rows keep those values only in `raw`.

use super::http::{Client, HttpError};

/// The schema the sink creates when it is missing (one statement per `;`).
pub const SCHEMA: &str = include_str!("../../../deploy/clickhouse/schema.sql");

/// The statements of a SQL file: comments dropped, split at `;`.
pub fn statements(sql: &str) -> Vec<String> {
    let code: String = sql
        .lines()
        .map(|line| line.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    code.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The table a `CREATE TABLE IF NOT EXISTS name (column Type, …)` statement makes, and its
/// columns' names.
fn table_columns(statement: &str) -> Option<(&str, Vec<&str>)> {
    let rest = statement.strip_prefix("CREATE TABLE IF NOT EXISTS ")?;
    let table = rest.split_whitespace().next()?;
    let (_, body) = rest.split_once('(')?;
    let (body, _) = body.split_once("\n)")?;
    let columns = body
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    Some((table, columns))
}

/// Creates the database and the tables of [`SCHEMA`] that are missing; returns, for each
/// existing table that lacks some of the schema's columns, a line saying which.
pub fn ensure(client: &Client) -> Result<Vec<String>, HttpError> {
    let database = client.url().database.clone();
    client.query(&format!("CREATE DATABASE IF NOT EXISTS {database}"), None)?;
    let mut lacking = Vec::new();
    for statement in statements(SCHEMA) {
        client.query(&statement, Some(&database))?;
        let Some((table, columns)) = table_columns(&statement) else {
            continue;
        };
        let present = client.query(
            &format!(
                "SELECT name FROM system.columns WHERE database = '{database}' \
                 AND table = '{table}' FORMAT TabSeparated"
            ),
            None,
        )?;
        let present: Vec<&str> = present.lines().collect();
        let missing: Vec<&str> = columns
            .into_iter()
            .filter(|column| !present.contains(column))
            .collect();
        if !missing.is_empty() {
            lacking.push(format!(
                "table {database}.{table} (made by an earlier rtmpscope) lacks the columns {}: \
                 their values are kept only in raw until they are added \
                 (ALTER TABLE {table} ADD COLUMN …, as in deploy/clickhouse/schema.sql)",
                missing.join(", ")
            ));
        }
    }
    Ok(lacking)
}

#[cfg(test)]
mod tests {
    use super::super::batch::Table;
    use super::*;

    #[test]
    fn every_table_and_its_columns() {
        let statements = statements(SCHEMA);
        let tables: Vec<(&str, Vec<&str>)> = statements
            .iter()
            .map(|s| table_columns(s).expect("a CREATE TABLE"))
            .collect();
        let names: Vec<&str> = tables.iter().map(|(table, _)| *table).collect();
        assert_eq!(names, Table::ALL.map(Table::name));
        for (table, columns) in &tables {
            assert_eq!(columns.first(), Some(&"time_us"), "{table}");
            let last = columns.get(columns.len().saturating_sub(3)..);
            assert_eq!(last, Some(&["raw", "batch_id", "batch_row"][..]), "{table}");
        }
        assert!(tables[1].1.contains(&"finding_codes"));
        assert!(tables[2].1.contains(&"realtime_ratio"));
    }
}
