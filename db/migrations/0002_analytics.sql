-- The analytics schema the model runner builds into, and the read-only role analysts use.
-- Applied once, inside one transaction, by `tributary migrate`.

create schema if not exists analytics;
comment on schema analytics is
    'Weekly analytics models built by `tributary run-models` from analysis_sql/models.yaml.';

-- Which data test failed, when a model build failed on one.
alter table ingest.model_runs add column if not exists failed_test text;
create index if not exists model_runs_model_started_idx
    on ingest.model_runs (model, started_at);

-- tributary_reader: NOLOGIN, SELECT on the models (present and future) and on
-- public.user_events, nothing on schema ingest and no write anywhere. Login roles (such as
-- `analyst`, created by `make deploy`) are made members of it.
--
-- Roles belong to the whole cluster, and several databases may share one cluster, so the
-- role is created only when missing. A migrating role without CREATEROLE cannot create it:
-- then this step is skipped with a WARNING instead of failing the migration (the grants
-- follow when the role exists, whoever created it).
do $$
begin
    if not exists (select from pg_roles where rolname = 'tributary_reader') then
        if not exists (select from pg_roles
                       where rolname = current_user and (rolcreaterole or rolsuper)) then
            raise warning '%', format('role tributary_reader does not exist and %s lacks '
                'CREATEROLE: skipping the reader role and its grants (give %s CREATEROLE, or '
                'create the role as a superuser, then re-run the grants of 0002_analytics.sql)',
                current_user, current_user);
            return;
        end if;
        begin
            create role tributary_reader nologin;
            comment on role tributary_reader is
                'Read-only access to the analytics models and public.user_events (tributary).';
        exception
            -- another database of this cluster created it at the same moment
            when duplicate_object or unique_violation then null;
        end;
    end if;

    grant usage on schema analytics to tributary_reader;
    grant usage on schema public to tributary_reader;
    grant select on public.user_events to tributary_reader;
    grant select on all tables in schema analytics to tributary_reader;
    -- Tables and views that the role running the migrations (the role that builds the
    -- models) creates in analytics later on.
    alter default privileges in schema analytics grant select on tables to tributary_reader;
end
$$;
