-- The relations the model runner created. It renames, replaces and drops only relations
-- listed here (or names that are free), so a model never overwrites a table it did not
-- build: an analyst's own table in the model schema, or one of the project's tables.
--
-- A row is written in the transaction that creates the relation, renamed with it during a
-- swap, and deleted with it. `kind` must match the relation found: a table of ours that
-- someone replaced by a view of the same name is not ours.

create table if not exists ingest.model_relations (
    schema_name   text        not null,
    relation_name text        not null,
    kind          text        not null check (kind in ('table', 'view')),
    created_at    timestamptz not null default now(),
    adopted       boolean     not null default false,
    primary key (schema_name, relation_name)
);
comment on table ingest.model_relations is
    'Tables and views created by tributary''s model runner: the only relations it may '
    'replace, rename or drop. adopted: built before this table existed (migration 0004).';

-- Databases built by earlier versions hold model tables that were never recorded. Adopted
-- here, once, are the tables and views (and leftover `__building` tables) that the runner's
-- own bookkeeping names:
--   * `schema.name` of every incremental model in ingest.model_state (it records the schema);
--   * in schema analytics (created by migration 0002 for the models, the manifest's default
--     schema), every name with a succeeded build in ingest.model_runs (which records the
--     model's name but not its schema).
-- Nothing in public, ingest, information_schema or pg_* is ever adopted. A model built by an
-- earlier version into another schema, not incremental, is not adopted: its next run fails
-- naming the table, and dropping that table once lets the runner build it again.
with runner_names (schema_name, relation_name) as (
    select split_part(model, '.', 1), split_part(model, '.', 2)
    from ingest.model_state
    where model like '%.%'
    union
    select 'analytics', model
    from ingest.model_runs
    where status = 'succeeded'
),
candidates (schema_name, relation_name) as (
    select schema_name, relation_name from runner_names
    union
    select schema_name, relation_name || '__building' from runner_names
)
insert into ingest.model_relations (schema_name, relation_name, kind, adopted)
select n.nspname, c.relname, case c.relkind when 'r' then 'table' else 'view' end, true
from candidates k
join pg_namespace n on n.nspname = k.schema_name
join pg_class c on c.relnamespace = n.oid and c.relname = k.relation_name
where c.relkind in ('r', 'v')
  and n.nspname not in ('public', 'ingest', 'information_schema')
  and n.nspname not like 'pg\_%'
on conflict (schema_name, relation_name) do nothing;
