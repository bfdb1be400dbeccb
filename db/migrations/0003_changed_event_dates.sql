-- Which event dates of public.user_events changed, so that the models can rebuild only
-- those days and weeks (incremental models, analysis_sql/models.yaml).
--
-- Every statement that inserts, updates or deletes user_events rows records the distinct
-- event_date values it touched (old and new values of an update: a row can move to another
-- day), stamped with its transaction id. The model runner keeps, per model, the snapshot its
-- data reflects (ingest.model_state); the dates to rebuild are those logged by transactions
-- visible now but not in that snapshot, which stays right whatever order concurrent loads
-- commit in. A TRUNCATE logs a NULL date: rebuild everything.

create table if not exists ingest.changed_event_dates (
    event_date date,
    changed_by xid8 not null default pg_current_xact_id(),
    changed_at timestamptz not null default now()
);
comment on table ingest.changed_event_dates is
    'Event dates of public.user_events written since the models last consumed them '
    '(NULL: the table was truncated).';
create index if not exists changed_event_dates_changed_by_idx
    on ingest.changed_event_dates (changed_by);

create table if not exists ingest.model_state (
    model text primary key,  -- schema.name
    data_snapshot pg_snapshot not null,
    sql_digest text not null,
    full_build_id bigint not null,
    upstream_full_build_id bigint,
    row_count bigint,
    built_at timestamptz not null default now()
);
comment on table ingest.model_state is
    'Per incremental model: the snapshot of public.user_events its data reflects, the '
    'digest of the SQL it was built with, and which full build it continues.';

-- Security definer: whoever may write user_events (a loader, a manual fix) also logs it,
-- without needing rights on schema ingest.
create or replace function ingest.log_changed_event_dates() returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
begin
    -- Sorted: two loads marking the same dates take no locks on each other (inserts only),
    -- and the order keeps the log easy to read.
    if tg_op = 'INSERT' then
        insert into ingest.changed_event_dates (event_date)
        select distinct event_date from new_rows order by 1;
    elsif tg_op = 'UPDATE' then
        insert into ingest.changed_event_dates (event_date)
        select event_date from new_rows union select event_date from old_rows order by 1;
    elsif tg_op = 'DELETE' then
        insert into ingest.changed_event_dates (event_date)
        select distinct event_date from old_rows order by 1;
    else  -- TRUNCATE
        insert into ingest.changed_event_dates (event_date) values (null);
    end if;
    return null;
end
$$;

-- Transition tables allow one event per trigger: three triggers, plus TRUNCATE.
drop trigger if exists user_events_log_insert on public.user_events;
create trigger user_events_log_insert after insert on public.user_events
    referencing new table as new_rows
    for each statement execute function ingest.log_changed_event_dates();
drop trigger if exists user_events_log_update on public.user_events;
create trigger user_events_log_update after update on public.user_events
    referencing old table as old_rows new table as new_rows
    for each statement execute function ingest.log_changed_event_dates();
drop trigger if exists user_events_log_delete on public.user_events;
create trigger user_events_log_delete after delete on public.user_events
    referencing old table as old_rows
    for each statement execute function ingest.log_changed_event_dates();
drop trigger if exists user_events_log_truncate on public.user_events;
create trigger user_events_log_truncate after truncate on public.user_events
    for each statement execute function ingest.log_changed_event_dates();

-- Also when writes replay with session_replication_role = replica (logical replication,
-- pg_restore --disable-triggers would still skip them: such a restore needs a full refresh).
alter table public.user_events enable always trigger user_events_log_insert;
alter table public.user_events enable always trigger user_events_log_update;
alter table public.user_events enable always trigger user_events_log_delete;
alter table public.user_events enable always trigger user_events_log_truncate;
