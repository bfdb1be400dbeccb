-- Daily operation: days that are not complete yet, runs stopped by a signal or found dead.
--
-- ingest.day_loads.status gains 'incomplete': a day requested before its end plus the API's
-- availability lag had passed; every later run requests it again until it is complete.
-- ingest.runs.status gains 'cancelled' (stopped by SIGINT or SIGTERM, finished cleanly) and
-- 'abandoned' (its process died; marked by the next command). heartbeat_at is moved
-- forward by a running process, so a run on another host can be found dead too.

alter table ingest.day_loads drop constraint day_loads_status_check;
alter table ingest.day_loads add constraint day_loads_status_check
    check (status in ('loaded', 'empty', 'incomplete', 'failed'));

alter table ingest.runs drop constraint runs_status_check;
alter table ingest.runs add constraint runs_status_check
    check (status in ('running', 'succeeded', 'partial', 'failed', 'cancelled', 'abandoned'));

alter table ingest.runs
    add column days_incomplete integer     not null default 0,
    add column days_skipped    integer     not null default 0,
    add column heartbeat_at    timestamptz not null default now();

comment on column ingest.runs.days_incomplete is
    'Days loaded while not complete yet (their end plus the availability lag had not passed).';
comment on column ingest.runs.days_skipped is
    'Days of the span not requested: after today, or already done with --missing-only.';
comment on column ingest.runs.heartbeat_at is
    'Moved forward every few seconds while the run''s process lives; a running run whose '
    'heartbeat stopped is marked abandoned by the next command.';
