-- The history table and the ingest bookkeeping. Applied once, inside one transaction, by
-- `tributary migrate` (and before any load); recorded in ingest.schema_migrations.

create schema if not exists ingest;

create table public.user_events (
    device_id               text        not null,
    event_time              bigint      not null,
    event_date              date        not null,
    event_type              text        not null,
    data_type               text        not null,
    user_id                 bigint      not null,
    amp_id                  bigint      not null,
    server_upload_time      bigint      not null,
    server_received_time    bigint      not null,
    processed_time          bigint      not null,
    client_event_time       bigint      not null,
    client_upload_time      bigint      not null,
    country                 text,
    city                    text,
    language                text,
    region                  text,
    path                    text        not null,
    group_first_event       jsonb       not null default '{}',
    group_ids               jsonb       not null default '{}',
    user_properties_updated boolean,
    initial_li_fat_id       text,
    initial_rtd_cid         text,
    user_corporate_id       bigint,
    user_corporate_is_demo  boolean,
    user_corporate_status   text,
    user_signup_date        timestamptz,
    user_role               text,
    user_status             text,
    extras                  jsonb,
    first_loaded_at         timestamptz not null default now(),
    last_loaded_at          timestamptz not null default now(),
    run_id                  bigint,
    primary key (device_id, event_time)
);
comment on table public.user_events is
    'Every valid product-analytics event ever loaded, one row per (device_id, event_time).';

-- The models read by day and week.
create index user_events_event_date_idx on public.user_events (event_date);

create table ingest.runs (
    id               bigserial   primary key,
    command          text        not null,
    arguments        jsonb       not null default '{}',
    started_at       timestamptz not null default now(),
    finished_at      timestamptz,
    status           text        not null default 'running'
                     check (status in ('running', 'succeeded', 'partial', 'failed')),
    days_loaded      integer     not null default 0,
    days_empty       integer     not null default 0,
    days_unchanged   integer     not null default 0,
    days_failed      integer     not null default 0,
    events_loaded    bigint      not null default 0,
    events_rejected  bigint      not null default 0,
    events_duplicate bigint      not null default 0,
    error            text,
    pid              integer,
    hostname         text
);

create table ingest.day_loads (
    day              date        primary key,
    status           text        not null check (status in ('loaded', 'empty', 'failed')),
    events_received  integer     not null default 0,
    events_loaded    integer     not null default 0,
    events_rejected  integer     not null default 0,
    events_duplicate integer     not null default 0,
    rows_written     integer     not null default 0,
    payload_digest   text,
    etag             text,
    attempts         integer     not null default 0,
    fetched_at       timestamptz,
    loaded_at        timestamptz,
    checked_at       timestamptz not null default now(),
    run_id           bigint      references ingest.runs (id),
    last_error       text
);

create table ingest.rejected_events (
    id          bigserial   primary key,
    run_id      bigint      references ingest.runs (id),
    day         date        not null,
    position    integer     not null,
    reason      text        not null,
    raw_json    text        not null,
    rejected_at timestamptz not null default now(),
    unique (day, position)
);

create table ingest.model_runs (
    id          bigserial   primary key,
    run_id      bigint      references ingest.runs (id),
    model       text        not null,
    status      text        not null check (status in ('running', 'succeeded', 'failed', 'skipped')),
    rows        bigint,
    duration_ms bigint,
    error       text,
    started_at  timestamptz not null default now(),
    finished_at timestamptz
);
