-- weekly_summary, the straightforward way: per-user and per-corporation event counts per
-- week straight from public.user_events, then avg/min/max per week.
with events_per_user as (
    select
        date_trunc('week', event_date::timestamp)::date as week_start,
        user_id,
        count(*) as events
    from public.user_events
    group by 1, 2
),
events_per_corporation as (
    select
        date_trunc('week', event_date::timestamp)::date as week_start,
        user_corporate_id,
        count(*) as events
    from public.user_events
    where user_corporate_id is not null
    group by 1, 2
),
user_stats as (
    select
        week_start,
        count(*) as active_users,
        round(avg(events), 2) as avg_events_per_user,
        min(events) as min_events_per_user,
        max(events) as max_events_per_user
    from events_per_user
    group by week_start
),
corporation_stats as (
    select
        week_start,
        count(*) as active_corporations,
        round(avg(events), 2) as avg_events_per_corporation,
        min(events) as min_events_per_corporation,
        max(events) as max_events_per_corporation
    from events_per_corporation
    group by week_start
)
select
    u.week_start,
    extract(isoyear from u.week_start)::integer as iso_year,
    extract(week from u.week_start)::integer as iso_week,
    u.active_users,
    u.avg_events_per_user,
    u.min_events_per_user,
    u.max_events_per_user,
    coalesce(c.active_corporations, 0) as active_corporations,
    c.avg_events_per_corporation,
    c.min_events_per_corporation,
    c.max_events_per_corporation
from user_stats as u
left join corporation_stats as c
    on c.week_start = u.week_start
