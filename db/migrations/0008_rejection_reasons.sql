-- Why events were rejected, for analysts (tributary report's load-health section). They
-- cannot read ingest.rejected_events (tributary_reader has no right on schema ingest), and
-- should not: it holds each rejected event's raw JSON text. This view shows only counts:
-- per day and reason, how many elements of the day's last successful load were rejected.
--
-- The reason is shortened to the field's path and the rule (`device_id: longer than 36
-- characters`): a reason of the form `PATH: RULE: DETAIL` (`event: not valid JSON: ...`,
-- whose detail quotes bytes of the event) keeps `PATH: RULE` only, and at most 200
-- characters. Like the views of migration 0007 it belongs to the migrating role and reads
-- ingest with its rights; a reader needs only SELECT on the view.

do $$
begin
    if to_regclass('analytics.rejection_reasons') is not null then
        raise exception '%', 'analytics.rejection_reasons already exists (a model of that '
            'name?): the analysts'' view of rejection reasons needs the name. Rename that '
            'model in models.yaml, drop analytics.rejection_reasons, then run tributary '
            'migrate again';
    end if;
end
$$;

create view analytics.rejection_reasons as
with short_reasons as (
    select day,
           case
               when strpos(reason, ': ') = 0 then reason
               when split_part(reason, ': ', 2) = '' then reason
               else split_part(reason, ': ', 1) || ': ' || split_part(reason, ': ', 2)
           end as reason
    from ingest.rejected_events
)
select day,
       left(reason, 200) as reason,
       count(*) as events
from short_reasons
group by day, left(reason, 200);

comment on view analytics.rejection_reasons is
    'Rejected events per day and reason, at each day''s last successful load (no event text): '
    'the sum over a day equals analytics.load_status.events_rejected.';
comment on column analytics.rejection_reasons.day is
    'The requested day (UTC), as in analytics.load_status.';
comment on column analytics.rejection_reasons.reason is
    'The field''s dotted path and the rule it broke, e.g. device_id: longer than 36 '
    'characters (details after a second colon left out; at most 200 characters).';
comment on column analytics.rejection_reasons.events is
    'Elements of that day''s payload rejected for that reason.';

do $$
begin
    if exists (select from pg_roles where rolname = 'tributary_reader') then
        grant select on analytics.rejection_reasons to tributary_reader;
    end if;
end
$$;
