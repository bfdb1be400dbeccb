-- The warehouse on a Citus cluster (docs/citus.md). On a single node this migration only
-- defines the function below, and nothing changes.
--
-- When the database has the citus extension, `tributary migrate` calls
-- ingest.distribute_on_citus() after the migrations, every time (it is idempotent), so a
-- warehouse built on one node is distributed by the first migrate after `create extension
-- citus` and citus_add_node. It distributes:
--   * public.user_events by device_id (its primary key holds it), in Citus's default
--     number of shards (citus.shard_count, 32 unless the database or role sets another);
--   * ingest.user_events_stage, the loader's staging table on Citus, by device_id and
--     co-located with user_events: a day is COPYed straight into the shards and merged
--     shard by shard on the workers, instead of through a temporary table on the coordinator.
-- Every other table stays a plain table on the coordinator: ingest.* is small bookkeeping
-- written in the same transaction as each day (and read by the model runner through the
-- coordinator's snapshots), analytics.* holds the models' aggregates and the views over
-- ingest.*. docs/citus.md says why, with the measurements.

create or replace function ingest.distribute_on_citus() returns void
language plpgsql set search_path = pg_catalog, pg_temp as $$
begin
    if not exists (select from pg_extension where extname = 'citus') then
        return;
    end if;
    if not exists (select from pg_dist_node
                   where noderole = 'primary' and isactive and shouldhaveshards) then
        raise exception 'the database has the citus extension but its cluster has no node '
            'to hold shards: add the workers first (select citus_add_node(host, port)), then '
            'run tributary migrate again (docs/citus.md)';
    end if;

    if not exists (select from pg_dist_partition
                   where logicalrelid = 'public.user_events'::regclass) then
        if exists (select from pg_trigger
                   where tgrelid = 'public.user_events'::regclass and not tgisinternal) then
            raise exception '%', format('public.user_events has triggers (%s): Citus cannot '
                'distribute a table with triggers; drop them first (migration 0008 drops '
                'tributary''s own)',
                (select string_agg(tgname, ', ' order by tgname) from pg_trigger
                  where tgrelid = 'public.user_events'::regclass and not tgisinternal));
        end if;
        -- Copies the rows of a warehouse that was a single node into the shards, then
        -- empties the coordinator's own copy of them, which Citus keeps but never reads.
        perform create_distributed_table('public.user_events', 'device_id');
        perform truncate_local_data_after_distributing_table('public.user_events');
    end if;

    if to_regclass('ingest.user_events_stage') is null then
        -- The content columns of user_events in its order (the COPY rows of the loader),
        -- then what a rejection carries, then which day's transaction staged the row.
        create table ingest.user_events_stage as
        select device_id, event_time, event_date, event_type, data_type, user_id, amp_id,
               server_upload_time, server_received_time, processed_time, client_event_time,
               client_upload_time, country, city, language, region, path, group_first_event,
               group_ids, user_properties_updated, initial_li_fat_id, initial_rtd_cid,
               user_corporate_id, user_corporate_is_demo, user_corporate_status,
               user_signup_date, user_role, user_status, extras
        from public.user_events
        with no data;
        alter table ingest.user_events_stage
            add column position integer,
            add column reason text,
            add column raw_json text,
            add column stage_id bigint not null;
        comment on table ingest.user_events_stage is
            'The loader''s staging rows on Citus, co-located with public.user_events: each '
            'day''s transaction writes its rows under its own stage_id and deletes them '
            'before it commits (a rejection''s device_id is empty).';
        -- A day's statements read and delete its own rows only.
        create index user_events_stage_stage_id_idx on ingest.user_events_stage (stage_id);
        create sequence ingest.user_events_stage_ids;
    end if;
    if not exists (select from pg_dist_partition
                   where logicalrelid = 'ingest.user_events_stage'::regclass) then
        perform create_distributed_table('ingest.user_events_stage', 'device_id',
                                         colocate_with => 'public.user_events');
    end if;
end
$$;

comment on function ingest.distribute_on_citus() is
    'Called by tributary migrate when the citus extension is present: distributes '
    'public.user_events by device_id and the loader''s staging table with it (idempotent).';
