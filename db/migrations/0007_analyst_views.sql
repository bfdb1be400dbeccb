-- What analysts see of the load. They cannot read schema ingest (tributary_reader has no
-- right on it), so two views in schema analytics show, without anything secret, what they
-- need before they trust a number: which days are loaded (analytics.load_status) and when
-- each model was last built (analytics.model_status). The views belong to the migrating
-- role, so they read ingest with its rights; a reader needs only SELECT on the views.
--
-- Left out on purpose: ETags, payload digests, attempts, pids and host names, the rejected
-- events' raw text, and full error texts. An error is shown short: its first line, every
-- URL replaced by `<url>`, at most 200 characters. The loader already removes the API token
-- and passwords from errors; an analyst has no use for the API's address or its query
-- string, and the operator sees the whole error in `tributary status` / `tributary runs`.
--
-- Also: which refresh built a model (ingest.model_runs.refresh, written by the runner from
-- now on), and a comment on every column of public.user_events.

-- A model of the same name built before this migration would be a table in the way.
do $$
declare
    taken text;
begin
    select string_agg(format('analytics.%s', c.relname), ', ' order by c.relname)
      into taken
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'analytics' and c.relname in ('load_status', 'model_status');
    if taken is not null then
        raise exception '%', format('%s already exists (a model of that name?): the analysts'' '
            'status views need the name. Rename that model in models.yaml, drop %s, then run '
            'tributary migrate again', taken, taken);
    end if;
end
$$;

alter table ingest.model_runs add column if not exists refresh text;
comment on column ingest.model_runs.refresh is
    'How a succeeded table build brought the table up to date: full, incremental (N '
    'partitions) or unchanged. NULL for views, failures, skips and builds before migration 0007.';

-- One row per day from the first requested day to the last: days never requested in between
-- are `missing`.
create view analytics.load_status as
with requested_span as (
    select min(day) as first_day, max(day) as last_day
    from ingest.day_loads
),
days_in_span as (
    select d::date as day
    from requested_span,
         generate_series(first_day::timestamp, last_day::timestamp, interval '1 day') as d
),
short_errors as (
    select day,
           regexp_replace(split_part(last_error, E'\n', 1),
                          '[[:alpha:]][[:alnum:]+.-]*://'
                          '[^[:space:]''"()<>]*[^[:space:]''"()<>:.,;]', '<url>', 'g')
               as error
    from ingest.day_loads
    where last_error is not null
)
select s.day,
       coalesce(l.status, 'missing') as status,
       l.events_received,
       l.events_loaded,
       l.events_rejected,
       l.events_duplicate,
       l.loaded_at,
       l.checked_at,
       l.run_id,
       case when length(e.error) > 200 then left(e.error, 197) || '...' else e.error end
           as last_error
from days_in_span s
left join ingest.day_loads l on l.day = s.day
left join short_errors e on e.day = s.day;

comment on view analytics.load_status is
    'One row per day from the first day ever requested to the last: whether its events are '
    'loaded. Days in between that were never requested are missing. Which days are complete: '
    'tributary status, tributary freshness.';
comment on column analytics.load_status.day is
    'The requested day (UTC); events belong to the day of their own event_date.';
comment on column analytics.load_status.status is
    'loaded (its events are in public.user_events), empty (the API has no events for it), '
    'incomplete (requested before the day was complete: what the API served then; asked again '
    'by the next sync), failed (the last attempt failed; the rows of the last successful load '
    'stay), missing (never requested).';
comment on column analytics.load_status.events_received is
    'Elements in the API''s payload at the last successful load (0 if none yet); NULL for a '
    'missing day.';
comment on column analytics.load_status.events_loaded is
    'Valid events kept at the last successful load, one per key (device_id, event_time).';
comment on column analytics.load_status.events_rejected is
    'Elements rejected by validation at the last successful load (not in public.user_events).';
comment on column analytics.load_status.events_duplicate is
    'Valid events whose key repeated within the day (one version kept).';
comment on column analytics.load_status.loaded_at is
    'When the day''s events were last written (the last successful load); NULL if never.';
comment on column analytics.load_status.checked_at is
    'When the day was last requested, whatever the outcome (an unchanged day moves only this).';
comment on column analytics.load_status.run_id is
    'The run that last loaded or failed the day; public.user_events.run_id holds the same numbers.';
comment on column analytics.load_status.last_error is
    'Why the last attempt failed, short (first line, URLs as <url>, at most 200 characters); '
    'NULL after a success.';

-- One row per model ever run: its latest attempt, and its latest successful build.
create view analytics.model_status as
with latest_attempt as (
    select distinct on (model)
           model, run_id, status, duration_ms, failed_test, started_at,
           regexp_replace(split_part(error, E'\n', 1),
                          '[[:alpha:]][[:alnum:]+.-]*://'
                          '[^[:space:]''"()<>]*[^[:space:]''"()<>:.,;]', '<url>', 'g')
               as error
    from ingest.model_runs
    order by model, started_at desc, id desc
),
latest_build as (
    select distinct on (model)
           model, finished_at, rows, refresh
    from ingest.model_runs
    where status = 'succeeded'
    order by model, started_at desc, id desc
)
select a.model,
       case
           when a.status = 'running' and r.status is distinct from 'running' then 'interrupted'
           else a.status
       end as status,
       b.finished_at as last_built_at,
       b.rows,
       case
           when b.refresh like 'incremental%' then 'incremental'
           else b.refresh
       end as refresh,
       case
           when b.refresh = 'unchanged' then 0
           else substring(b.refresh from '\(([0-9]+) partitions?\)')::integer
       end as partitions_rebuilt,
       a.started_at as last_attempt_at,
       a.duration_ms,
       a.failed_test,
       case when length(a.error) > 200 then left(a.error, 197) || '...' else a.error end
           as last_error,
       a.run_id
from latest_attempt a
left join latest_build b on b.model = a.model
left join ingest.runs r on r.id = a.run_id;

comment on view analytics.model_status is
    'One row per model ever built by tributary run-models (or after a load): how its latest '
    'attempt went and when its data was last built.';
comment on column analytics.model_status.model is
    'The model''s name, e.g. weekly_summary (a table or view of this schema).';
comment on column analytics.model_status.status is
    'The latest attempt: succeeded, failed (the previous data stays), skipped (a model it '
    'depends on failed), running, or interrupted (its run ended before the build did).';
comment on column analytics.model_status.last_built_at is
    'When the latest successful build finished: the data is as of then. NULL if never built.';
comment on column analytics.model_status.rows is
    'Rows of the table after its latest successful build; NULL for views.';
comment on column analytics.model_status.refresh is
    'How the latest successful build brought the table up to date: full (rebuilt from all of '
    'public.user_events), incremental (only the days or weeks whose events changed), unchanged '
    '(nothing had changed). NULL for views and for builds before this was recorded.';
comment on column analytics.model_status.partitions_rebuilt is
    'Days or weeks rebuilt by an incremental refresh (0 when unchanged); NULL for a full one.';
comment on column analytics.model_status.last_attempt_at is
    'When the latest attempt started.';
comment on column analytics.model_status.duration_ms is
    'How long the latest attempt took, in milliseconds.';
comment on column analytics.model_status.failed_test is
    'The data test the latest attempt failed, e.g. not_null(user_id); NULL otherwise.';
comment on column analytics.model_status.last_error is
    'Why the latest attempt failed or was skipped, short (first line, URLs as <url>, at most '
    '200 characters); NULL after a success.';
comment on column analytics.model_status.run_id is
    'The run of the latest attempt; public.user_events.run_id and analytics.load_status.run_id '
    'hold the same numbers.';

-- The reader role gets SELECT through the default privileges of migration 0002 when the
-- migrating role set them; granted here too for a role created (or given them) since.
do $$
begin
    if exists (select from pg_roles where rolname = 'tributary_reader') then
        grant select on analytics.load_status, analytics.model_status to tributary_reader;
    end if;
end
$$;

-- public.user_events, column by column (pgAdmin and \d+ show these). Times named *_time are
-- integers, milliseconds since 1970-01-01T00:00:00Z, as the API sends them.
comment on column public.user_events.device_id is
    'The device that sent the event (1-36 characters); with event_time, the key of the row.';
comment on column public.user_events.event_time is
    'When the event happened, in milliseconds since the epoch (1970-01-01T00:00:00Z, UTC); with '
    'device_id, the key of the row. to_timestamp(event_time / 1000.0) gives a timestamptz.';
comment on column public.user_events.event_date is
    'The UTC calendar day of the event''s date field: the day the models count it on (indexed).';
comment on column public.user_events.event_type is
    'What kind of event, e.g. page_view.';
comment on column public.user_events.data_type is
    'The kind of record the API sent, e.g. event.';
comment on column public.user_events.user_id is
    'The user who caused the event.';
comment on column public.user_events.amp_id is
    'The upstream analytics system''s internal id, as the API sends it.';
comment on column public.user_events.server_upload_time is
    'When the event reached the upstream servers, in milliseconds since the epoch (UTC). Of '
    'two versions of one key, the greater value wins.';
comment on column public.user_events.server_received_time is
    'When the upstream servers received the upload, in milliseconds since the epoch (UTC).';
comment on column public.user_events.processed_time is
    'When the upstream pipeline processed the event, in milliseconds since the epoch (UTC).';
comment on column public.user_events.client_event_time is
    'When the event happened by the client''s clock, in milliseconds since the epoch.';
comment on column public.user_events.client_upload_time is
    'When the client sent the event, by the client''s clock, in milliseconds since the epoch.';
comment on column public.user_events.country is
    'Country of the client, as the API names it; NULL when unknown (also for the text "null").';
comment on column public.user_events.city is
    'City of the client; NULL when unknown (also for the text "null").';
comment on column public.user_events.language is
    'Language of the client, as the API names it; NULL when not sent.';
comment on column public.user_events.region is
    'Region of the client; NULL when not sent.';
comment on column public.user_events.path is
    'The page or screen of the event (data.path).';
comment on column public.user_events.group_first_event is
    'data.group_first_event as JSON ({} when the API sent null or nothing).';
comment on column public.user_events.group_ids is
    'data.group_ids as JSON, e.g. {"company": ["31"]} ({} when the API sent null or nothing).';
comment on column public.user_events.user_properties_updated is
    'data.user_properties_updated: whether the user''s properties changed with this event.';
comment on column public.user_events.initial_li_fat_id is
    'user_properties.initial_li_fat_id as the API sends it: the LinkedIn ad click id of the '
    'user''s first visit, if any.';
comment on column public.user_events.initial_rtd_cid is
    'user_properties.initial_rtd_cid as the API sends it: an ad click id of the user''s first '
    'visit, if any.';
comment on column public.user_events.user_corporate_id is
    'The user''s corporation at the time of the event; NULL for none.';
comment on column public.user_events.user_corporate_is_demo is
    'Whether that corporation is a demo account.';
comment on column public.user_events.user_corporate_status is
    'Status of the corporation at the time, lower-cased, e.g. active.';
comment on column public.user_events.user_signup_date is
    'When the user signed up (UTC).';
comment on column public.user_events.user_role is
    'The user''s role at the time, e.g. member.';
comment on column public.user_events.user_status is
    'The user''s status at the time, e.g. active.';
comment on column public.user_events.extras is
    'Every member of the event the contract does not name, nested as sent (top level, data, '
    'user_properties); NULL when none.';
comment on column public.user_events.first_loaded_at is
    'When tributary first inserted this key (load time, not event time).';
comment on column public.user_events.last_loaded_at is
    'When tributary last changed this row (a newer version of the key, or a reload with '
    '--force); equals first_loaded_at for a row never changed.';
comment on column public.user_events.run_id is
    'The tributary run that last wrote this row (inserted or changed it); analytics.load_status '
    'and analytics.model_status name runs by the same numbers.';
