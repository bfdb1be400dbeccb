-- The loader records the event dates it changes, not triggers on public.user_events.
--
-- Migration 0003 logged every write to public.user_events into ingest.changed_event_dates
-- with four statement triggers. A distributed table (Citus) cannot have triggers, and the
-- loader knows the dates anyway: each day's transaction now inserts, in the statements that
-- write the rows, the event dates its rows had before (an update can move a row to another
-- day) and after, stamped with its transaction id as before. ingest.changed_event_dates and
-- the way the model runner reads it are unchanged.
--
-- A write made outside tributary (a manual fix, a restore) is no longer logged by itself:
-- either insert its event dates into ingest.changed_event_dates in the same transaction, or
-- run `tributary run-models --full-refresh` afterwards (the README says so).
drop trigger if exists user_events_log_insert on public.user_events;
drop trigger if exists user_events_log_update on public.user_events;
drop trigger if exists user_events_log_delete on public.user_events;
drop trigger if exists user_events_log_truncate on public.user_events;
drop function if exists ingest.log_changed_event_dates();

comment on table ingest.changed_event_dates is
    'Event dates of public.user_events written since the models last consumed them, '
    'recorded by the loader in the transaction that wrote them (NULL: rebuild everything).';
